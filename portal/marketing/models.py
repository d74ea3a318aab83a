"""Marketing: policies and news (销售政策 / 市场动态) partners acknowledge, and the asset library
(宣传品) they browse and download, some of it co-branded with their own details.

Who may see an announcement or an asset is an ``Audience``: channel types, tiers, territories
and (for announcements) named partners. An empty dimension means everyone; within a dimension
any value matches; all dimensions must match together (see ``marketing.audience``).
"""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db

audience_channel_type = sa.Table(
    "audience_channel_type",
    db.metadata,
    sa.Column("audience_id", sa.ForeignKey("audience.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("channel_type_id", sa.ForeignKey("channel_type.id"), primary_key=True),
)
audience_tier = sa.Table(
    "audience_tier",
    db.metadata,
    sa.Column("audience_id", sa.ForeignKey("audience.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tier_id", sa.ForeignKey("partner_tier.id"), primary_key=True),
)
audience_territory = sa.Table(
    "audience_territory",
    db.metadata,
    sa.Column("audience_id", sa.ForeignKey("audience.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("territory_id", sa.ForeignKey("territory.id"), primary_key=True),
)
audience_partner = sa.Table(
    "audience_partner",
    db.metadata,
    sa.Column("audience_id", sa.ForeignKey("audience.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("partner_id", sa.ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True),
)


class Audience(db.Model):
    """Who may see something. Empty lists mean "everyone" for that dimension."""

    __tablename__ = "audience"

    id: Mapped[int] = mapped_column(primary_key=True)

    channel_types = relationship("ChannelType", secondary=audience_channel_type, order_by="ChannelType.position")
    tiers = relationship("PartnerTier", secondary=audience_tier, order_by="PartnerTier.position")
    territories = relationship("Territory", secondary=audience_territory, order_by="Territory.code")
    partners = relationship("Partner", secondary=audience_partner, order_by="Partner.name")

    @property
    def is_everyone(self):
        return not (self.channel_types or self.tiers or self.territories or self.partners)


# ---- policies and news ------------------------------------------------------------------------

ANNOUNCEMENT_KINDS = {"policy": _l("Sales policy"), "news": _l("Market news")}


class Announcement(Audited, TimestampMixin, db.Model):
    """A sales policy or piece of market news, published to an audience of partners."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="policy", index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)  # sanitised HTML
    language: Mapped[str | None] = mapped_column(sa.String(10))  # zh_CN, en, or None for both
    requires_ack: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    audience_id: Mapped[int] = mapped_column(sa.ForeignKey("audience.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # None: draft
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    audience = relationship("Audience")
    attachment = relationship("StoredFile")
    created_by = relationship("User")
    acknowledgements = relationship("AnnouncementAck", back_populates="announcement", cascade="all, delete-orphan")

    @property
    def kind_label(self):
        return ANNOUNCEMENT_KINDS.get(self.kind, self.kind)


class AnnouncementAck(db.Model):
    """A partner user's acknowledgement of having read an announcement (once per user)."""

    __tablename__ = "announcement_ack"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(sa.ForeignKey("announcement.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    announcement = relationship("Announcement", back_populates="acknowledgements")
    user = relationship("User")
    partner = relationship("Partner")

    __table_args__ = (sa.UniqueConstraint("announcement_id", "user_id", name="uq_announcement_ack_user"),)


# ---- asset library ------------------------------------------------------------------------------

ASSET_CATEGORIES = {
    "brochure": _l("Brochures and flyers"),
    "poster": _l("Posters and display"),
    "presentation": _l("Presentations"),
    "video": _l("Videos"),
    "image": _l("Images and logos"),
    "price_list": _l("Price lists"),
    "other": _l("Other"),
}


class Asset(Audited, TimestampMixin, db.Model):
    """A digital marketing asset. Its file is the latest ``AssetVersion``; replacing the file
    adds a version and keeps the earlier ones."""

    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), index=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(20), default="other", index=True)
    tags: Mapped[str | None] = mapped_column(sa.String(300))  # comma-separated, lower case
    language: Mapped[str | None] = mapped_column(sa.String(10))  # zh_CN, en, or None for both
    audience_id: Mapped[int] = mapped_column(sa.ForeignKey("audience.id"))
    publish_on: Mapped[date | None] = mapped_column(sa.Date, index=True)  # None: not published
    expires_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    current_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("asset_version.id", use_alter=True))
    # Co-branding: a PDF flyer rendered from this sandboxed HTML template with the partner's
    # name, address and phone (see marketing.cobrand).
    cobrandable: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    cobrand_template: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    audience = relationship("Audience")
    current_version = relationship("AssetVersion", foreign_keys=[current_version_id], post_update=True)
    versions = relationship("AssetVersion", foreign_keys="AssetVersion.asset_id", back_populates="asset",
                            order_by="AssetVersion.number.desc()", cascade="all, delete-orphan")
    created_by = relationship("User")

    @property
    def category_label(self):
        return ASSET_CATEGORIES.get(self.category, self.category)

    @property
    def tag_list(self):
        return [t for t in (self.tags or "").split(",") if t]


class AssetVersion(db.Model):
    """One file of an asset, never replaced in place. ``thumbnail`` is a small PNG for images
    and for the first page of PDFs."""

    __tablename__ = "asset_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    thumbnail_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset = relationship("Asset", foreign_keys=[asset_id], back_populates="versions")
    file = relationship("StoredFile", foreign_keys=[file_id])
    thumbnail = relationship("StoredFile", foreign_keys=[thumbnail_id])
    uploaded_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("asset_id", "number", name="uq_asset_version_number"),)


class AssetDownload(db.Model):
    """One download (or inline view) of an asset by a partner user: for the managers' counts."""

    __tablename__ = "asset_download"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("asset_version.id", ondelete="SET NULL"))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    cobranded: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    asset = relationship("Asset")
    partner = relationship("Partner")
    user = relationship("User")


class CobrandedFile(db.Model):
    """A co-branded PDF made for one partner from one asset version with the partner's details
    at that time; made again when the version or the details change (``details_hash``)."""

    __tablename__ = "cobranded_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    details_hash: Mapped[str] = mapped_column(sa.String(64))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset = relationship("Asset")
    partner = relationship("Partner")
    file = relationship("StoredFile")
