"""Rent subsidies (房补): the agreement's terms give a monthly subsidy per outlet; it is paid,
as lines of the monthly commission statement, for outlets whose lease proof a manager accepted,
while the outlet is open. When an outlet closes, the subsidy stops and any period already paid
after the closing date is clawed back on the next statement."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, TimestampMixin, UTCDateTime
from portal.extensions import db

LEASE_STATUSES = {"pending": _l("Awaiting review"), "accepted": _l("Accepted"), "rejected": _l("Rejected")}


class LeaseProof(Audited, TimestampMixin, db.Model):
    """A lease (租赁合同) for an outlet's premises, uploaded by the partner admin, covering
    ``starts_on``..``ends_on``; only an accepted proof makes the outlet's months eligible."""

    __tablename__ = "lease_proof"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    outlet_id: Mapped[int] = mapped_column(sa.ForeignKey("outlet.id"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    landlord: Mapped[str | None] = mapped_column(sa.String(200))
    monthly_rent: Mapped[Decimal | None] = mapped_column(Money)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(sa.String(500))

    partner = relationship("Partner")
    outlet = relationship("Outlet", backref=db.backref("lease_proofs", order_by="LeaseProof.starts_on"))
    file = relationship("StoredFile")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)

    @property
    def status_label(self):
        return LEASE_STATUSES.get(self.status, self.status)
