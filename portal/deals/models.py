"""Deal registration: a partner registers an opportunity with an end customer; the first
approved registration of a customer is protected for a while, a later match from another
partner is held for the manager (see ``deals.matching``)."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, TimestampMixin, UTCDateTime
from portal.extensions import db

DEAL_STATUSES = {
    "submitted": _l("Awaiting approval"),
    "held": _l("Held: customer already registered"),
    "approved": _l("Approved and protected"),
    "rejected": _l("Rejected"),
    "expired": _l("Protection expired"),
    "won": _l("Won"),
    "lost": _l("Lost"),
}


class DealRegistration(Audited, TimestampMixin, db.Model):
    __tablename__ = "deal_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    customer_name: Mapped[str] = mapped_column(sa.String(200))
    customer_key: Mapped[str] = mapped_column(sa.String(200), index=True)  # matching.normalise_name
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(30), index=True)  # digits only
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    product_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_line.id"))
    expected_value: Mapped[Decimal] = mapped_column(Money)
    expected_close_on: Mapped[date | None] = mapped_column(sa.Date)
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default="submitted", index=True)
    protected_until: Mapped[date | None] = mapped_column(sa.Date)
    matched_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deal_registration.id"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conflict_case.id", use_alter=True))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.String(500))

    partner = relationship("Partner", foreign_keys=[partner_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    city = relationship("Territory")
    product_line = relationship("ProductLine")
    matched = relationship("DealRegistration", remote_side=[id])
    case = relationship("ConflictCase", foreign_keys=[case_id])

    __table_args__ = (sa.CheckConstraint("expected_value >= 0", name="deal_value_not_negative"),)

    @property
    def status_label(self):
        return DEAL_STATUSES.get(self.status, self.status)
