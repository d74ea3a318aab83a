"""Termination (清退) of a partner: a manager starts it with a reason; what is still open (material
requests, commission statements, rectification orders, conflict cases) is listed; once all is
settled, the remaining deposit is refunded (recorded with its bank reference), the partner's
users lose access and the partner is marked terminated. Its records stay for audit."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import TimestampMixin, UTCDateTime
from portal.extensions import db

TERMINATION_STATUSES = {
    "started": _l("Settling"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}


class Termination(Audited, TimestampMixin, db.Model):
    __tablename__ = "termination"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)  # EX-2026-0001
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="started", index=True)
    reason: Mapped[str] = mapped_column(sa.String(1000))
    effective_on: Mapped[date | None] = mapped_column(sa.Date)  # the agreement ends on this day
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conflict_case.id"))  # a ruling that recommended it
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_movement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deposit_movement.id"))
    note: Mapped[str | None] = mapped_column(sa.String(1000))

    partner = relationship("Partner", backref=db.backref("terminations", order_by="Termination.id"))
    case = relationship("ConflictCase")
    started_by = relationship("User", foreign_keys=[started_by_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])
    refund_movement = relationship("DepositMovement")

    @property
    def status_label(self):
        return TERMINATION_STATUSES.get(self.status, self.status)
