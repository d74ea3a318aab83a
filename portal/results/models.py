"""Targets and results: monthly targets per partner and product line, the partners'
purchase-sales-inventory reports (进销存, PSI) per outlet, and payment collection (回款).

Months are calendar months in Beijing time (Asia/Shanghai), stored as the first day of the
month (``month``), computed when a row is written: a sale at 00:30 on 1 November in Beijing
belongs to November although it is still 31 October in UTC.
"""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, UTCDateTime, utcnow
from portal.extensions import db

TARGET_SOURCES = {"terms": _l("From the agreement"), "adjustment": _l("Adjusted")}


class PartnerTarget(Audited, db.Model):
    """A monthly target amount (CNY) for one partner and product line, in force from
    ``effective_month`` until a later row for the same pair. Rows from the agreement's terms
    are written at countersignature; an adjustment is a new row with its reason (never an edit)."""

    __tablename__ = "partner_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"))
    effective_month: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(sa.String(12), default="terms")
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    agreement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agreement.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    product_line = relationship("ProductLine")
    created_by = relationship("User")

    __table_args__ = (
        sa.Index("ix_partner_target_lookup", "partner_id", "product_line_id", "effective_month"),
        sa.CheckConstraint("amount >= 0", name="target_not_negative"),
    )

    @property
    def source_label(self):
        return TARGET_SOURCES.get(self.source, self.source)


PSI_SOURCES = {"form": _l("Form"), "import": _l("File import")}


class PsiEntry(Audited, db.Model):
    """One PSI line: an outlet's purchases, sales and closing inventory of one product line in
    one month. ``sales_amount`` (CNY) is what targets and commissions count. ``occurred_at`` is
    the moment given for the sale when the source has one (imports with a date and time)."""

    __tablename__ = "psi_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(sa.ForeignKey("outlet.id"), index=True)
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"), index=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purchases: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    returns_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # returned sales (clawback)
    closing_inventory: Mapped[int] = mapped_column(sa.Integer, default=0)
    source: Mapped[str] = mapped_column(sa.String(10), default="form")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    outlet = relationship("Outlet")
    product_line = relationship("ProductLine")
    submitted_by = relationship("User")

    __table_args__ = (
        sa.Index("ix_psi_entry_partner_month", "partner_id", "month"),
        sa.CheckConstraint("purchases >= 0 AND sales >= 0 AND closing_inventory >= 0", name="psi_quantities_ok"),
        sa.CheckConstraint("sales_amount >= 0 AND returns_amount >= 0", name="psi_amounts_ok"),
    )


class PaymentCollection(Audited, db.Model):
    """Money collected from a partner (回款), recorded by the vendor with its bank reference."""

    __tablename__ = "payment_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    recorded_by = relationship("User")

    __table_args__ = (sa.CheckConstraint("amount > 0", name="collection_positive"),)


class PsiMonthTotal(db.Model):
    """The PSI figures of one partner, product line and month summed over its outlets: what the
    dashboard reads instead of every PSI line (a year of a large network is ~100× fewer rows).
    Kept by portal.results.psi whenever entries are written (recomputed from ``psi_entry`` for
    the keys touched, so it can never drift); ``flask rebuild-psi-totals`` recomputes them all."""

    __tablename__ = "psi_month_total"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"))
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"))
    month: Mapped[date] = mapped_column(sa.Date)
    purchases: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    returns_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    net_sales: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    closing_inventory: Mapped[int] = mapped_column(sa.Integer, default=0)
    entries: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        sa.UniqueConstraint("partner_id", "product_line_id", "month", name="uq_psi_month_total_key"),
        sa.Index("ix_psi_month_total_month_partner", "month", "partner_id"),
    )
