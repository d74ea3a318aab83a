"""Stock queries: the catalogue, warehouses, stock levels, an item's ledger and its trace.

The catalogue and the stock are the vendor's, not a territory's: every manager and admin
("materials.manage") may read all of them, so loading by id answers 404 only for an id that
does not exist. Partner users never reach these queries (their pages are in request_views.py).
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.core.i18n import local_day_bounds_utc
from portal.extensions import db
from portal.materials.models import (
    ITEM_CATEGORIES, MOVEMENT_KINDS, SERIAL_STATUSES, MaterialItem, MaterialRequest, SerialRange, StockLevel,
    StockMovement, Warehouse,
)
from portal.partners.models import Partner

SEARCH_MAX = 100
ID_MAX = 2 ** 31 - 1  # ids are 32-bit integers: a larger number in a link is no id at all


def id_arg(args, name):
    """A positive id from the query string, or None (not a number, or out of range)."""
    value = args.get(name, type=int)
    return value if value is not None and 0 < value <= ID_MAX else None


def _like(text):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def get_item(item_id):
    return (db.session.get(MaterialItem, item_id) if 0 < item_id <= ID_MAX else None) or abort(404)


def get_warehouse(warehouse_id):
    return (db.session.get(Warehouse, warehouse_id) if 0 < warehouse_id <= ID_MAX else None) or abort(404)


def warehouse_or_none(warehouse_id):
    return db.session.get(Warehouse, warehouse_id) if warehouse_id and 0 < warehouse_id <= ID_MAX else None


def warehouses(active_only=False):
    query = sa.select(Warehouse).order_by(Warehouse.active.desc(), Warehouse.code).options(
        selectinload(Warehouse.territory))
    if active_only:
        query = query.where(Warehouse.active.is_(True))
    return db.session.scalars(query).all()


def any_item():
    return db.session.scalar(sa.select(MaterialItem.id).limit(1)) is not None


# ---- the catalogue ----------------------------------------------------------------------------


@dataclass
class ItemFilters:
    category: str = ""
    status: str = ""  # "", "active", "inactive"
    q: str = ""

    @classmethod
    def from_args(cls, args):
        category = args.get("category", "")
        status = args.get("status", "")
        return cls(category=category if category in ITEM_CATEGORIES else "",
                   status=status if status in ("active", "inactive") else "",
                   q=args.get("q", "").strip()[:SEARCH_MAX])

    @property
    def any(self):
        return bool(self.category or self.status or self.q)


def _item_search(query, text):
    if text:
        pattern = _like(text)
        query = query.where(sa.or_(MaterialItem.code.ilike(pattern, escape="\\"),
                                   MaterialItem.name_en.ilike(pattern, escape="\\"),
                                   MaterialItem.name_zh.ilike(pattern, escape="\\")))
    return query


def items_query(filters):
    query = sa.select(MaterialItem)
    if filters.category:
        query = query.where(MaterialItem.category == filters.category)
    if filters.status:
        query = query.where(MaterialItem.active.is_(filters.status == "active"))
    query = _item_search(query, filters.q)
    return query.order_by(MaterialItem.active.desc(), MaterialItem.code)


def stock_totals(item_ids):
    """{item id: (on hand, reserved)} over every warehouse."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        sa.select(StockLevel.item_id, sa.func.sum(StockLevel.on_hand), sa.func.sum(StockLevel.reserved))
        .where(StockLevel.item_id.in_(item_ids)).group_by(StockLevel.item_id))
    return {item_id: (int(on_hand), int(reserved)) for item_id, on_hand, reserved in rows}


# ---- the stock overview -----------------------------------------------------------------------


@dataclass
class StockFilters:
    category: str = ""
    warehouse_id: int | None = None
    low: int | None = None  # available at most this many
    q: str = ""

    @classmethod
    def from_args(cls, args):
        category = args.get("category", "")
        low = args.get("low", type=int)
        return cls(category=category if category in ITEM_CATEGORIES else "", warehouse_id=id_arg(args, "warehouse"),
                   low=low if low is not None and 0 <= low <= 10 ** 9 else None,
                   q=args.get("q", "").strip()[:SEARCH_MAX])

    @property
    def any(self):
        return bool(self.category or self.warehouse_id or self.low is not None or self.q)


def stock_query(filters):
    """Stock levels (item × warehouse) with their item and warehouse, by item code."""
    query = (sa.select(StockLevel).join(StockLevel.item).join(StockLevel.warehouse)
             .options(selectinload(StockLevel.item), selectinload(StockLevel.warehouse)))
    if filters.category:
        query = query.where(MaterialItem.category == filters.category)
    if filters.warehouse_id:
        query = query.where(StockLevel.warehouse_id == filters.warehouse_id)
    if filters.low is not None:
        query = query.where(StockLevel.on_hand - StockLevel.reserved <= filters.low)
    query = _item_search(query, filters.q)
    return query.order_by(MaterialItem.code, Warehouse.code)


def item_levels(item):
    """The item's stock levels, one per warehouse it has ever been in, by warehouse code."""
    return db.session.scalars(
        sa.select(StockLevel).join(StockLevel.warehouse).where(StockLevel.item_id == item.id)
        .order_by(Warehouse.code).options(selectinload(StockLevel.warehouse))
    ).all()


# ---- an item's ledger -------------------------------------------------------------------------


@dataclass
class LedgerFilters:
    warehouse_id: int | None = None
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    partner_id: int | None = None

    @classmethod
    def from_args(cls, args):
        kind = args.get("kind", "")
        return cls(warehouse_id=id_arg(args, "warehouse"), kind=kind if kind in MOVEMENT_KINDS else "",
                   date_from=_date_arg(args.get("from")), date_to=_date_arg(args.get("to")),
                   partner_id=id_arg(args, "partner"))

    @property
    def any(self):
        return bool(self.warehouse_id or self.kind or self.date_from or self.date_to or self.partner_id)

    def args(self):
        """The filters as query-string values (for the export link)."""
        values = {"warehouse": self.warehouse_id, "kind": self.kind or None, "partner": self.partner_id,
                  "from": self.date_from.isoformat() if self.date_from else None,
                  "to": self.date_to.isoformat() if self.date_to else None}
        return {k: v for k, v in values.items() if v}


def _date_arg(value):
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if 1900 <= day.year <= 9000 else None  # 9999-12-31 has no next day to end at


def ledger_query(item, filters):
    """The item's movements that pass ``filters``, newest first (id order is the order in which
    the stock level's lock was taken, so it is the ledger's true order)."""
    query = (
        sa.select(StockMovement).where(StockMovement.item_id == item.id)
        .options(selectinload(StockMovement.warehouse), selectinload(StockMovement.actor),
                 selectinload(StockMovement.partner), selectinload(StockMovement.request))
    )
    if filters.warehouse_id:
        query = query.where(StockMovement.warehouse_id == filters.warehouse_id)
    if filters.kind:
        query = query.where(StockMovement.kind == filters.kind)
    if filters.partner_id:
        query = query.where(StockMovement.partner_id == filters.partner_id)
    if filters.date_from:
        query = query.where(StockMovement.created_at >= local_day_bounds_utc(filters.date_from)[0])
    if filters.date_to:
        query = query.where(StockMovement.created_at < local_day_bounds_utc(filters.date_to)[1])
    return query.order_by(StockMovement.id.desc())


def running_balances(item, ids=None):
    """{movement id: (on hand after, reserved after)} in the movement's warehouse: the running
    sums of that warehouse's ledger up to and including the movement, whatever a filter hides."""
    running = (
        sa.select(
            StockMovement.id.label("id"),
            sa.func.sum(StockMovement.on_hand_delta).over(
                partition_by=StockMovement.warehouse_id, order_by=StockMovement.id).label("on_hand_after"),
            sa.func.sum(StockMovement.reserved_delta).over(
                partition_by=StockMovement.warehouse_id, order_by=StockMovement.id).label("reserved_after"),
        ).where(StockMovement.item_id == item.id).subquery()
    )
    query = sa.select(running.c.id, running.c.on_hand_after, running.c.reserved_after)
    if ids is not None:
        if not ids:
            return {}
        query = query.where(running.c.id.in_(ids))
    return {row.id: (int(row.on_hand_after), int(row.reserved_after)) for row in db.session.execute(query)}


def ledger_partners(item):
    """The partners that appear in the item's ledger, by name (for the partner filter)."""
    return db.session.scalars(
        sa.select(Partner).where(Partner.id.in_(
            sa.select(StockMovement.partner_id).where(StockMovement.item_id == item.id,
                                                      StockMovement.partner_id.is_not(None))))
        .order_by(Partner.name)
    ).all()


def ledger_checks(item):
    """Per warehouse of the item: the StockLevel totals against the sums of the ledger."""
    sums = {
        warehouse_id: (int(on_hand), int(reserved))
        for warehouse_id, on_hand, reserved in db.session.execute(
            sa.select(StockMovement.warehouse_id, sa.func.sum(StockMovement.on_hand_delta),
                      sa.func.sum(StockMovement.reserved_delta))
            .where(StockMovement.item_id == item.id).group_by(StockMovement.warehouse_id))
    }
    checks = []
    levels = {lv.warehouse_id: lv for lv in item_levels(item)}
    for warehouse_id in sorted(set(levels) | set(sums), key=lambda w: levels[w].warehouse.code if w in levels else ""):
        lv = levels.get(warehouse_id)
        on_hand, reserved = (lv.on_hand, lv.reserved) if lv else (0, 0)
        ledger_on_hand, ledger_reserved = sums.get(warehouse_id, (0, 0))
        checks.append({"warehouse": lv.warehouse if lv else db.session.get(Warehouse, warehouse_id),
                       "on_hand": on_hand, "reserved": reserved, "ledger_on_hand": ledger_on_hand,
                       "ledger_reserved": ledger_reserved,
                       "ok": (on_hand, reserved) == (ledger_on_hand, ledger_reserved)})
    return checks


# ---- an item's trace --------------------------------------------------------------------------


def kind_totals(item):
    """{kind: (on hand change, reserved change)} summed over every warehouse."""
    rows = db.session.execute(
        sa.select(StockMovement.kind, sa.func.sum(StockMovement.on_hand_delta), sa.func.sum(StockMovement.reserved_delta))
        .where(StockMovement.item_id == item.id).group_by(StockMovement.kind))
    return {kind: (int(on_hand), int(reserved)) for kind, on_hand, reserved in rows}


def with_partners(item):
    """What each partner holds: [{partner, quantity, requests: [{request, quantity}]}], the
    issued quantities (issues less nothing: units handed out are not taken back in the ledger),
    by partner name then request number."""
    rows = db.session.execute(
        sa.select(StockMovement.partner_id, StockMovement.request_id, sa.func.sum(-StockMovement.on_hand_delta))
        .where(StockMovement.item_id == item.id, StockMovement.kind == "issue")
        .group_by(StockMovement.partner_id, StockMovement.request_id)
    ).all()
    partners = {p.id: p for p in db.session.scalars(
        sa.select(Partner).where(Partner.id.in_({r[0] for r in rows if r[0] is not None})))}
    requests = {r.id: r for r in db.session.scalars(
        sa.select(MaterialRequest).where(MaterialRequest.id.in_({r[1] for r in rows if r[1] is not None})))}
    holders = {}
    for partner_id, request_id, quantity in rows:
        holder = holders.setdefault(partner_id, {"partner": partners.get(partner_id), "quantity": 0, "requests": []})
        holder["quantity"] += int(quantity)
        holder["requests"].append({"request": requests.get(request_id), "quantity": int(quantity)})
    for holder in holders.values():
        holder["requests"].sort(key=lambda r: r["request"].number if r["request"] else "")
    return sorted(holders.values(), key=lambda h: h["partner"].name if h["partner"] else "")


def reserved_for_requests(item):
    """[{request, warehouse, quantity}] still reserved (reservations less releases and issues)."""
    rows = db.session.execute(
        sa.select(StockMovement.request_id, StockMovement.warehouse_id, sa.func.sum(StockMovement.reserved_delta))
        .where(StockMovement.item_id == item.id, StockMovement.request_id.is_not(None))
        .group_by(StockMovement.request_id, StockMovement.warehouse_id)
        .having(sa.func.sum(StockMovement.reserved_delta) != 0)
    ).all()
    requests = {r.id: r for r in db.session.scalars(
        sa.select(MaterialRequest).where(MaterialRequest.id.in_({r[0] for r in rows}))
        .options(selectinload(MaterialRequest.partner)))}
    houses = {w.id: w for w in db.session.scalars(sa.select(Warehouse).where(Warehouse.id.in_({r[1] for r in rows})))}
    result = [{"request": requests.get(request_id), "warehouse": houses.get(warehouse_id), "quantity": int(quantity)}
              for request_id, warehouse_id, quantity in rows]
    return sorted(result, key=lambda r: r["request"].number if r["request"] else "")


def serial_status_counts(item):
    """{status: number of cards} of a serial-tracked item."""
    rows = db.session.execute(
        sa.select(SerialRange.status, sa.func.sum(SerialRange.last - SerialRange.first + 1))
        .where(SerialRange.item_id == item.id).group_by(SerialRange.status))
    return {status: int(count) for status, count in rows}


def serial_ranges_query(item, status=""):
    query = (
        sa.select(SerialRange).where(SerialRange.item_id == item.id)
        .options(selectinload(SerialRange.warehouse), selectinload(SerialRange.partner),
                 selectinload(SerialRange.request),
                 selectinload(SerialRange.receipt_movement).selectinload(StockMovement.actor),
                 selectinload(SerialRange.issue_movement))
    )
    if status in SERIAL_STATUSES:
        query = query.where(SerialRange.status == status)
    return query.order_by(SerialRange.prefix, SerialRange.digits, SerialRange.first)

