"""The bank account a partner's commissions and refunds are paid to, and requests to change it:
a change takes effect only after a manager approves it (an approval step the vendor must audit)."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import TimestampMixin, UTCDateTime
from portal.extensions import db


class BankAccount(Audited, TimestampMixin, db.Model):
    """A partner's payee account. Exactly one is ``current`` once approved; earlier ones stay
    for audit (never deleted, never edited: a change is a new row through a change request)."""

    __tablename__ = "bank_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    account_name: Mapped[str] = mapped_column(sa.String(200))
    bank_name: Mapped[str] = mapped_column(sa.String(200))
    branch: Mapped[str | None] = mapped_column(sa.String(200))
    account_number: Mapped[str] = mapped_column(sa.String(40))
    current: Mapped[bool] = mapped_column(sa.Boolean, default=True, index=True)
    change_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank_account_change.id", use_alter=True))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner = relationship("Partner")
    approved_by = relationship("User")

    @property
    def masked_number(self):
        digits = self.account_number or ""
        return ("•" * max(len(digits) - 4, 0)) + digits[-4:]


CHANGE_STATUSES = {"pending": _l("Awaiting approval"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                   "withdrawn": _l("Withdrawn")}


class BankAccountChange(Audited, TimestampMixin, db.Model):
    """A partner admin's request to be paid into another account, with proof (a bank letter or
    an account-opening certificate). ``notify_emails`` records where the notices went (the old
    and the new contact addresses)."""

    __tablename__ = "bank_account_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    account_name: Mapped[str] = mapped_column(sa.String(200))
    bank_name: Mapped[str] = mapped_column(sa.String(200))
    branch: Mapped[str | None] = mapped_column(sa.String(200))
    account_number: Mapped[str] = mapped_column(sa.String(40))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))  # new contact address for payment notices
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    proof_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.String(500))
    notify_emails: Mapped[str | None] = mapped_column(sa.String(600))

    partner = relationship("Partner")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    proof_file = relationship("StoredFile")

    @property
    def status_label(self):
        return CHANGE_STATUSES.get(self.status, self.status)
