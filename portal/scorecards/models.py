"""Monthly scorecards: each partner's month scored from sales against target, payment
collection, training completion, inspection scores, conflicts ruled against it and complaints,
weighted by admin settings; the total proposes a tier (each tier's ``min_score``), which a
manager applies with a reason."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import TimestampMixin, UTCDateTime
from portal.extensions import db

Score = sa.Numeric(6, 2)


class Scorecard(TimestampMixin, db.Model):
    """One partner's month. Component scores are 0–100 (None = nothing to score, left out of the
    weighting); ``total`` is their weighted mean less the deductions. Recomputed until the month
    is over; the figures behind each component are kept so the partner can see why."""

    __tablename__ = "scorecard"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    sales_score: Mapped[Decimal | None] = mapped_column(Score)
    collection_score: Mapped[Decimal | None] = mapped_column(Score)
    training_score: Mapped[Decimal | None] = mapped_column(Score)
    inspection_score: Mapped[Decimal | None] = mapped_column(Score)
    conflicts_against: Mapped[int] = mapped_column(sa.Integer, default=0)
    complaints: Mapped[int] = mapped_column(sa.Integer, default=0)
    deductions: Mapped[Decimal] = mapped_column(Score, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Score, default=Decimal("0.00"))
    details: Mapped[dict | None] = mapped_column(sa.JSON)  # the figures behind each component
    tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_tier.id"))  # tier at computation
    proposed_tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_tier.id"))
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner = relationship("Partner")
    tier = relationship("PartnerTier", foreign_keys=[tier_id])
    proposed_tier = relationship("PartnerTier", foreign_keys=[proposed_tier_id])

    __table_args__ = (sa.UniqueConstraint("partner_id", "month", name="uq_scorecard_partner_month"),)


class TierChange(Audited, db.Model):
    """A manager's change of a partner's tier, with the reason and the scorecard behind it."""

    __tablename__ = "tier_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    from_tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_tier.id"))
    to_tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_tier.id"))
    scorecard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scorecard.id"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    partner = relationship("Partner", backref=db.backref("tier_changes", order_by="TierChange.id"))
    from_tier = relationship("PartnerTier", foreign_keys=[from_tier_id])
    to_tier = relationship("PartnerTier", foreign_keys=[to_tier_id])
    scorecard = relationship("Scorecard")
    changed_by = relationship("User")
