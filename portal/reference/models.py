"""Reference lists every later feature uses: territories, channel types, product lines, tiers."""
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import TimestampMixin
from portal.extensions import db


class Bilingual:
    """Rows named in English and Chinese; ``label`` is the name in the current locale."""

    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_zh: Mapped[str] = mapped_column(sa.String(120))

    @property
    def label(self):
        try:
            locale = str(get_locale() or "en")
        except RuntimeError:  # outside a request
            locale = "en"
        return self.name_zh if locale.startswith("zh") else self.name_en


class Territory(Audited, Bilingual, TimestampMixin, db.Model):
    """Province -> city. A manager covering a province covers its cities."""

    __tablename__ = "territory"
    LEVELS = ("province", "city")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    level: Mapped[str] = mapped_column(sa.String(10))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    parent = relationship("Territory", remote_side=[id], back_populates="children")
    children = relationship("Territory", back_populates="parent", order_by="Territory.code")
    managers = relationship("User", secondary="manager_territory", back_populates="territories")

    @property
    def full_label(self):
        return f"{self.parent.label} · {self.label}" if self.parent else self.label


class ReferenceItem(Audited, Bilingual, TimestampMixin):
    """Base of the simple coded lists kept by an admin."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class ChannelType(ReferenceItem, db.Model):
    __tablename__ = "channel_type"


class ProductLine(ReferenceItem, db.Model):
    __tablename__ = "product_line"


class PartnerTier(ReferenceItem, db.Model):
    __tablename__ = "partner_tier"

    # The scorecard total (0–100) a partner needs for this tier; None = not proposed from scores.
    min_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))


REFERENCE_KINDS = {
    "channel-types": ChannelType,
    "product-lines": ProductLine,
    "tiers": PartnerTier,
}
