"""Term sheets: numbered versions proposed and countered by the vendor and the prospect."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Money, Rate, UTCDateTime, utcnow
from portal.extensions import db

VENDOR, PROSPECT = "vendor", "prospect"
SIDES = {VENDOR: _l("Vendor"), PROSPECT: _l("Prospect")}

# open: the latest version, awaiting the other side; superseded: a later version exists;
# accepted: the other side accepted it; locked: its author confirmed the acceptance (final).
TERM_STATUSES = {
    "open": _l("Awaiting answer"),
    "superseded": _l("Superseded"),
    "accepted": _l("Accepted"),
    "locked": _l("Agreed and locked"),
}

term_sheet_territory = sa.Table(
    "term_sheet_territory",
    db.metadata,
    sa.Column("term_sheet_id", sa.ForeignKey("term_sheet.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("territory_id", sa.ForeignKey("territory.id"), primary_key=True),
)


class TermSheet(db.Model):
    """One version of the terms. Never edited once written: a change is a new version."""

    __tablename__ = "term_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospect.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)
    author_side: Mapped[str] = mapped_column(sa.String(10))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exclusive: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    channel_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channel_type.id"))
    tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_tier.id"))
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    deposit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    rent_subsidy_per_outlet: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    payment_terms: Mapped[str | None] = mapped_column(sa.Text)
    special_clauses: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)  # the author's message with this version

    prospect = relationship("Prospect", backref=db.backref("term_sheets", order_by="TermSheet.number"))
    author = relationship("User", foreign_keys=[author_id])
    accepted_by = relationship("User", foreign_keys=[accepted_by_id])
    locked_by = relationship("User", foreign_keys=[locked_by_id])
    channel_type = relationship("ChannelType")
    tier = relationship("PartnerTier")
    territories = relationship("Territory", secondary=term_sheet_territory, order_by="Territory.code")
    lines = relationship("TermLine", back_populates="term_sheet", order_by="TermLine.id", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("prospect_id", "number", name="uq_term_sheet_prospect_number"),)

    @property
    def status_label(self):
        return TERM_STATUSES.get(self.status, self.status)

    @property
    def side_label(self):
        return SIDES.get(self.author_side, self.author_side)


class TermLine(db.Model):
    """Commission rate (a percentage, e.g. 3.35) and monthly target for one product line."""

    __tablename__ = "term_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("term_sheet.id", ondelete="CASCADE"), index=True)
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"))
    commission_rate: Mapped[Decimal] = mapped_column(Rate)
    monthly_target: Mapped[Decimal] = mapped_column(Money)

    term_sheet = relationship("TermSheet", back_populates="lines")
    product_line = relationship("ProductLine")

    __table_args__ = (sa.UniqueConstraint("term_sheet_id", "product_line_id", name="uq_term_line_sheet_product"),)
