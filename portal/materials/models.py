"""Physical promotional material (促销物料, 赠品, 有价卡): the catalogue, the stock ledger per
warehouse, partners' requests with their usage plan (使用方案), and the usage audit.

Stock is a ledger: every movement is a ``StockMovement`` row (never updated, never deleted).
``StockLevel`` is the row locked (SELECT … FOR UPDATE) before a movement is added; it also
keeps the running totals, which the database refuses to let go below zero. On hand is the sum
of ``on_hand_delta``, reserved the sum of ``reserved_delta``; available = on hand − reserved.
"""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db
from portal.reference.models import Bilingual

ITEM_CATEGORIES = {
    "poster": _l("Posters and display"),
    "gift": _l("Gifts"),
    "prepaid_card": _l("Prepaid cards"),
    "campus_kit": _l("Campus kits"),
    "other": _l("Other"),
}


class MaterialItem(Audited, Bilingual, TimestampMixin, db.Model):
    """A catalogue item. Prepaid cards are ``serial_tracked``: their units move as serial ranges."""

    __tablename__ = "material_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    category: Mapped[str] = mapped_column(sa.String(20), default="other", index=True)
    unit: Mapped[str] = mapped_column(sa.String(20))  # e.g. 张 / piece, 套 / kit
    unit_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    serial_tracked: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    __table_args__ = (sa.CheckConstraint("unit_value >= 0", name="unit_value_not_negative"),)

    @property
    def category_label(self):
        return ITEM_CATEGORIES.get(self.category, self.category)


class Warehouse(Audited, TimestampMixin, db.Model):
    __tablename__ = "warehouse"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    territory_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    territory = relationship("Territory")


class StockLevel(db.Model):
    """Running totals for one item in one warehouse; lock it before adding a movement."""

    __tablename__ = "stock_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("material_item.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouse.id"), index=True)
    on_hand: Mapped[int] = mapped_column(sa.Integer, default=0)
    reserved: Mapped[int] = mapped_column(sa.Integer, default=0)

    item = relationship("MaterialItem")
    warehouse = relationship("Warehouse")

    __table_args__ = (
        sa.UniqueConstraint("item_id", "warehouse_id", name="uq_stock_level_item_warehouse"),
        sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        sa.CheckConstraint("reserved <= on_hand", name="available_not_negative"),
    )

    @property
    def available(self):
        return self.on_hand - self.reserved


MOVEMENT_KINDS = {
    "receipt": _l("Receipt (入库)"),
    "reserve": _l("Reservation"),
    "release": _l("Reservation released"),
    "issue": _l("Issue to partner (出库)"),
    "adjust": _l("Adjustment"),
    "stocktake": _l("Stocktake result (盘点)"),
}


class StockMovement(db.Model):
    """One ledger row. ``on_hand_delta`` and ``reserved_delta`` are signed quantities:
    receipt (+q, 0), reserve (0, +q), release (0, −q), issue (−q, −q), adjust (±q, 0),
    stocktake (counted − on hand, 0)."""

    __tablename__ = "stock_movement"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("material_item.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouse.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12), index=True)
    on_hand_delta: Mapped[int] = mapped_column(sa.Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(sa.Integer, default=0)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("material_request.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    serials: Mapped[str | None] = mapped_column(sa.Text)  # e.g. "CARD000100–CARD000149" for the rows it moved
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    item = relationship("MaterialItem")
    warehouse = relationship("Warehouse")
    request = relationship("MaterialRequest")
    partner = relationship("Partner")
    actor = relationship("User")

    @property
    def kind_label(self):
        return MOVEMENT_KINDS.get(self.kind, self.kind)


SERIAL_STATUSES = {"in_stock": _l("In stock"), "reserved": _l("Reserved"), "issued": _l("Issued")}


class SerialRange(db.Model):
    """A run of consecutive serial numbers (prefix + zero-padded number, ``first``..``last``
    inclusive) of a serial-tracked item, where it is now. Ranges are split when part of one moves."""

    __tablename__ = "serial_range"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("material_item.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouse.id"), index=True)
    prefix: Mapped[str] = mapped_column(sa.String(20), default="")
    digits: Mapped[int] = mapped_column(sa.Integer, default=8)
    first: Mapped[int] = mapped_column(sa.BigInteger)
    last: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(10), default="in_stock", index=True)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("material_request.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    receipt_movement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stock_movement.id"))
    issue_movement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stock_movement.id"))

    item = relationship("MaterialItem")
    warehouse = relationship("Warehouse")
    partner = relationship("Partner")
    request = relationship("MaterialRequest")
    receipt_movement = relationship("StockMovement", foreign_keys=[receipt_movement_id])
    issue_movement = relationship("StockMovement", foreign_keys=[issue_movement_id])

    __table_args__ = (sa.CheckConstraint("last >= first", name="serial_range_order"),)

    @property
    def count(self):
        return self.last - self.first + 1

    def label(self):
        first = f"{self.prefix}{self.first:0{self.digits}d}"
        last = f"{self.prefix}{self.last:0{self.digits}d}"
        return first if self.first == self.last else f"{first}–{last}"


class MaterialAllowance(Audited, TimestampMixin, db.Model):
    """A per-quarter limit on what a partner may be approved: a value in CNY, or a quantity of
    one item. ``partner_id`` None is the default for every partner without its own row."""

    __tablename__ = "material_allowance"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("material_item.id"))  # None: a value limit
    max_value: Mapped[Decimal | None] = mapped_column(Money)
    max_quantity: Mapped[int | None] = mapped_column(sa.Integer)
    note: Mapped[str | None] = mapped_column(sa.String(300))

    partner = relationship("Partner")
    item = relationship("MaterialItem")


REQUEST_STATUSES = {
    "submitted": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "partly_approved": _l("Partly approved"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
    "shipped": _l("Shipped"),
    "picked_up": _l("Picked up"),
    "received": _l("Received"),
    "usage_reported": _l("Usage reported"),
    "closed": _l("Usage reviewed"),
}
FULFILMENT_METHODS = {"ship": _l("Shipment"), "pickup": _l("Pick-up")}

material_request_outlet = sa.Table(
    "material_request_outlet",
    db.metadata,
    sa.Column("request_id", sa.ForeignKey("material_request.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("outlet_id", sa.ForeignKey("outlet.id"), primary_key=True),
)


class MaterialRequest(Audited, TimestampMixin, db.Model):
    """A partner's request for promotional material with its usage plan (使用方案)."""

    __tablename__ = "material_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="submitted", index=True)
    campaign: Mapped[str] = mapped_column(sa.String(200))
    plan: Mapped[str] = mapped_column(sa.Text)
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    quarter: Mapped[str] = mapped_column(sa.String(7), index=True)  # e.g. 2026Q4, Beijing time at submission
    warehouse_id: Mapped[int | None] = mapped_column(sa.ForeignKey("warehouse.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    fulfilment_method: Mapped[str | None] = mapped_column(sa.String(10))
    carrier: Mapped[str | None] = mapped_column(sa.String(100))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(100))
    fulfilled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receipt_note: Mapped[str | None] = mapped_column(sa.String(500))

    partner = relationship("Partner")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    fulfilled_by = relationship("User", foreign_keys=[fulfilled_by_id])
    received_by = relationship("User", foreign_keys=[received_by_id])
    warehouse = relationship("Warehouse")
    outlets = relationship("Outlet", secondary=material_request_outlet, order_by="Outlet.name")
    lines = relationship("MaterialRequestLine", back_populates="request", order_by="MaterialRequestLine.id",
                         cascade="all, delete-orphan")
    usage_report = relationship("UsageReport", back_populates="request", uselist=False)

    @property
    def status_label(self):
        return REQUEST_STATUSES.get(self.status, self.status)


class MaterialRequestLine(Audited, db.Model):
    __tablename__ = "material_request_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("material_request.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("material_item.id"))
    quantity_requested: Mapped[int] = mapped_column(sa.Integer)
    quantity_approved: Mapped[int | None] = mapped_column(sa.Integer)
    quantity_issued: Mapped[int] = mapped_column(sa.Integer, default=0)
    unit_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # at the time of the request

    request = relationship("MaterialRequest", back_populates="lines")
    item = relationship("MaterialItem")

    __table_args__ = (
        sa.CheckConstraint("quantity_requested > 0", name="quantity_requested_positive"),
        sa.CheckConstraint("quantity_approved IS NULL OR quantity_approved >= 0", name="quantity_approved_ok"),
    )


class UsageReport(Audited, TimestampMixin, db.Model):
    """After the campaign: what was handed out and what is left, reviewed against the plan."""

    __tablename__ = "usage_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("material_request.id", ondelete="CASCADE"), unique=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_outcome: Mapped[str | None] = mapped_column(sa.String(12))  # accepted, queried
    review_note: Mapped[str | None] = mapped_column(sa.Text)

    request = relationship("MaterialRequest", back_populates="usage_report")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    lines = relationship("UsageReportLine", back_populates="report", order_by="UsageReportLine.id",
                         cascade="all, delete-orphan")


class UsageReportLine(db.Model):
    __tablename__ = "usage_report_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("usage_report.id", ondelete="CASCADE"), index=True)
    request_line_id: Mapped[int] = mapped_column(sa.ForeignKey("material_request_line.id"))
    handed_out: Mapped[int] = mapped_column(sa.Integer)
    remaining: Mapped[int] = mapped_column(sa.Integer)
    note: Mapped[str | None] = mapped_column(sa.String(300))

    report = relationship("UsageReport", back_populates="lines")
    request_line = relationship("MaterialRequestLine")

    __table_args__ = (
        sa.CheckConstraint("handed_out >= 0", name="handed_out_not_negative"),
        sa.CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )
