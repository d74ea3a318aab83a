"""Monthly commission statements (佣金结算单): computed from the agreement's commission rates
and the partner's PSI reports, reviewed and approved by a manager, released for payment by a
second person (finance or an admin — never the approver), then never changed again.

A statement holds lines; each line says what was earned and why (product line, base, rate) or
what was taken back (returns clawed back, a rent subsidy overpaid) or corrected (a manual
adjustment with its reason, a late report for a month already released). Rent subsidies (房补)
for the partner's outlets are lines of the same statement. Amounts are signed Decimals
(negative = taken back); a statement's total is the sum of its lines.
"""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, Rate, TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db

STATEMENT_STATUSES = {
    "draft": _l("Draft"),            # computed; recomputed until approved
    "approved": _l("Approved"),      # a manager approved it; awaiting release
    "released": _l("Released"),      # released for payment: final, never changed
}

LINE_KINDS = {
    "sales": _l("Commission on sales"),
    "returns": _l("Returned sales clawed back"),
    "late_report": _l("Correction for a month already released"),
    "adjustment": _l("Manual correction"),
    "rent_subsidy": _l("Rent subsidy (房补)"),
    "subsidy_clawback": _l("Rent subsidy clawed back"),
    "carried_forward": _l("Balance carried from the previous statement"),
}


class CommissionStatement(Audited, TimestampMixin, db.Model):
    __tablename__ = "commission_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)  # CS-202610-0001
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)  # first day of the business month
    status: Mapped[str] = mapped_column(sa.String(10), default="draft", index=True)
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    computed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # the payment: the bank transfer's reference and the (masked) account it went to
    payment_reference: Mapped[str | None] = mapped_column(sa.String(100))
    paid_on: Mapped[date | None] = mapped_column(sa.Date)
    bank_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank_account.id"))
    note: Mapped[str | None] = mapped_column(sa.String(500))

    partner = relationship("Partner")
    computed_by = relationship("User", foreign_keys=[computed_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    released_by = relationship("User", foreign_keys=[released_by_id])
    bank_account = relationship("BankAccount")
    lines = relationship("CommissionLine", back_populates="statement", order_by="CommissionLine.position",
                         cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("partner_id", "month", name="uq_commission_statement_partner_month"),)

    @property
    def status_label(self):
        return STATEMENT_STATUSES.get(self.status, self.status)


class CommissionLine(Audited, db.Model):
    """One line of a statement. ``source_month`` is the month the figures come from (the
    statement's month, or an earlier one for a late report or a clawback)."""

    __tablename__ = "commission_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_statement.id", ondelete="CASCADE"),
                                              index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    kind: Mapped[str] = mapped_column(sa.String(20))
    product_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_line.id"))
    outlet_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outlet.id"))
    source_month: Mapped[date] = mapped_column(sa.Date)
    base_amount: Mapped[Decimal | None] = mapped_column(Money)  # e.g. net sales the rate applies to
    rate: Mapped[Decimal | None] = mapped_column(Rate)  # percent, e.g. 3.3500
    amount: Mapped[Decimal] = mapped_column(Money)  # signed: negative takes back
    description: Mapped[str | None] = mapped_column(sa.String(500))
    adjustment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("commission_adjustment.id"))

    statement = relationship("CommissionStatement", back_populates="lines")
    product_line = relationship("ProductLine")
    outlet = relationship("Outlet")
    adjustment = relationship("CommissionAdjustment")

    @property
    def kind_label(self):
        return LINE_KINDS.get(self.kind, self.kind)


class CommissionAdjustment(Audited, TimestampMixin, db.Model):
    """A manual correction with a reason, for the statement of ``month`` (a correction to a
    released month is entered for a later month). Never edited once its statement is released."""

    __tablename__ = "commission_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    product_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_line.id"))
    amount: Mapped[Decimal] = mapped_column(Money)  # signed
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    partner = relationship("Partner")
    product_line = relationship("ProductLine")
    created_by = relationship("User")

    __table_args__ = (sa.CheckConstraint("amount <> 0", name="amount_not_zero"),)


class CommissionQuery(TimestampMixin, db.Model):
    """A partner's question about one line of a released or approved statement; it is worked
    as a conflict case (origin ``commission_query``) so that it reaches the manager with a due date."""

    __tablename__ = "commission_query"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_line.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("conflict_case.id"), unique=True)
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    line = relationship("CommissionLine", backref=db.backref("queries", order_by="CommissionQuery.id"))
    case = relationship("ConflictCase")
    raised_by = relationship("User")


from portal.commissions import guard  # noqa: E402,F401  (registers the guard of released statements)
