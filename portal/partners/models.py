"""Signed partners: the organisation, its territories, outlets (网点) and deposit account."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db

PARTNER_STATUSES = {"active": _l("Active"), "suspended": _l("Suspended"), "terminated": _l("Terminated")}

partner_territory = sa.Table(
    "partner_territory",
    db.metadata,
    sa.Column("partner_id", sa.ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("territory_id", sa.ForeignKey("territory.id"), primary_key=True),
)


class Partner(Audited, TimestampMixin, db.Model):
    """A partner organisation, created when its agreement is countersigned."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    prospect_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prospect.id"), unique=True)
    channel_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channel_type.id"), index=True)
    tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_tier.id"), index=True)
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    exclusive: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="active", index=True)
    legal_representative: Mapped[str | None] = mapped_column(sa.String(100))
    contact_name: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    prospect = relationship("Prospect", backref=db.backref("partner", uselist=False))
    channel_type = relationship("ChannelType")
    tier = relationship("PartnerTier")
    province = relationship("Territory", foreign_keys=[province_id])
    city = relationship("Territory", foreign_keys=[city_id])
    manager = relationship("User", foreign_keys=[manager_id])
    territories = relationship("Territory", secondary=partner_territory, order_by="Territory.code")
    outlets = relationship("Outlet", back_populates="partner", order_by="Outlet.name", cascade="all, delete-orphan")
    users = relationship("User", back_populates="partner", foreign_keys="User.partner_id", order_by="User.name")

    @property
    def status_label(self):
        return PARTNER_STATUSES.get(self.status, self.status)


OUTLET_KINDS = {
    "store": _l("Store"),
    "franchise": _l("Franchise store"),
    "kiosk": _l("Kiosk / counter"),
    "campus": _l("Campus outlet"),
    "online": _l("Online shop"),
}


class Outlet(Audited, TimestampMixin, db.Model):
    """A point of sale (网点) of a partner."""

    __tablename__ = "outlet"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300))
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="store")
    opened_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)  # set when the outlet is closed (rent subsidy stops)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    partner = relationship("Partner", back_populates="outlets")
    city = relationship("Territory")

    @property
    def kind_label(self):
        return OUTLET_KINDS.get(self.kind, self.kind)


DEPOSIT_KINDS = {
    "due": _l("Amount due"),
    "paid": _l("Payment received"),
    "deducted": _l("Deduction"),
    "refunded": _l("Refund"),
}


class DepositAccount(db.Model):
    """The partner's credit deposit (信誉保证金) account. The row itself holds no balance: it is
    the row to lock (SELECT … FOR UPDATE) before adding a movement; balances are sums."""

    __tablename__ = "deposit_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner", backref=db.backref("deposit_account", uselist=False))
    movements = relationship("DepositMovement", back_populates="account", order_by="DepositMovement.id")


class DepositMovement(Audited, db.Model):
    """An append-only ledger row: never updated, never deleted. ``amount`` is positive; ``kind``
    says which way it counts."""

    __tablename__ = "deposit_movement"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("deposit_account.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account = relationship("DepositAccount", back_populates="movements")
    actor = relationship("User")

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    @property
    def kind_label(self):
        return DEPOSIT_KINDS.get(self.kind, self.kind)
