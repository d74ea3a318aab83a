"""The stock ledger: every change of stock is one ``StockMovement``; nothing else writes stock.

``move`` locks the item's ``StockLevel`` row in that warehouse (SELECT … FOR UPDATE on
PostgreSQL; SQLite serialises writers), checks the totals after the movement, then writes the
movement and the new totals together. Two approvals at once therefore cannot both take the last
units: the second waits for the first's commit and then sees what is left. The database checks
(on hand ≥ 0, reserved ≥ 0, reserved ≤ on hand) stand behind this.
"""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError
from portal.extensions import db
from portal.materials.models import MOVEMENT_KINDS, StockLevel, StockMovement


class NotEnoughStock(DomainError):
    """Raised when a reservation, issue or decrease would take stock below zero."""


def level(item_id, warehouse_id, lock=False, create=False):
    """The ``StockLevel`` row (locked FOR UPDATE with ``lock``); with ``create`` it is made
    when missing (a concurrent creator is caught by the unique constraint and retried)."""
    query = sa.select(StockLevel).where(StockLevel.item_id == item_id, StockLevel.warehouse_id == warehouse_id)
    if lock:
        query = query.with_for_update()
    row = db.session.scalar(query)
    if row is None and create:
        try:
            with db.session.begin_nested():
                db.session.add(StockLevel(item_id=item_id, warehouse_id=warehouse_id, on_hand=0, reserved=0))
        except sa.exc.IntegrityError:
            pass
        row = db.session.scalar(query)
    return row


def deltas(kind, quantity, counted=None, on_hand=0):
    """(on_hand_delta, reserved_delta) for a movement of ``kind``. ``quantity`` is positive,
    except for ``adjust`` where its sign says which way; ``stocktake`` uses ``counted``."""
    if kind == "receipt":
        return quantity, 0
    if kind == "reserve":
        return 0, quantity
    if kind == "release":
        return 0, -quantity
    if kind == "issue":
        return -quantity, -quantity
    if kind == "adjust":
        return quantity, 0
    if kind == "stocktake":
        return counted - on_hand, 0
    raise ValueError(kind)


def move(item, warehouse, kind, quantity, actor, reason=None, reference=None, request=None, partner=None,
         serials=None, counted=None):
    """Add one movement after locking the stock level; raise ``NotEnoughStock`` (a DomainError
    on ``field="quantity"``) when the result would be below zero. The caller commits (or rolls
    back on error). Returns the movement."""
    if kind not in MOVEMENT_KINDS:
        raise ValueError(kind)
    if kind == "stocktake":
        if counted is None or counted < 0:
            raise DomainError(_l("Enter the quantity counted (zero or more)."), field="counted")
    elif kind == "adjust":
        if not quantity:
            raise DomainError(_l("Enter a quantity other than zero."), field="quantity")
    elif quantity is None or quantity <= 0:
        raise DomainError(_l("Enter a quantity greater than zero."), field="quantity")
    row = level(item.id, warehouse.id, lock=True, create=True)
    on_hand_delta, reserved_delta = deltas(kind, quantity, counted=counted, on_hand=row.on_hand)
    new_on_hand, new_reserved = row.on_hand + on_hand_delta, row.reserved + reserved_delta
    available = row.on_hand - row.reserved
    if new_reserved < 0:
        raise NotEnoughStock(_l("Only %(count)s are reserved here.", count=row.reserved), field="quantity")
    if new_on_hand < 0 or new_reserved > new_on_hand:
        raise NotEnoughStock(
            _l("Not enough stock of %(item)s in %(warehouse)s: %(available)s available.",
               item=item.label, warehouse=warehouse.name, available=available),
            field="quantity",
        )
    movement = StockMovement(
        item_id=item.id, warehouse_id=warehouse.id, kind=kind, on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta, reason=reason, reference=reference,
        request_id=request.id if request is not None else None,
        partner_id=partner.id if partner is not None else None, serials=serials,
        actor_id=actor.id if actor is not None else None,
    )
    row.on_hand, row.reserved = new_on_hand, new_reserved
    db.session.add(movement)
    db.session.flush()
    return movement


def ledger_totals(item_id, warehouse_id):
    """(on hand, reserved) summed from the ledger itself: equals the StockLevel row's totals."""
    on_hand, reserved = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(StockMovement.on_hand_delta), 0),
                  sa.func.coalesce(sa.func.sum(StockMovement.reserved_delta), 0))
        .where(StockMovement.item_id == item_id, StockMovement.warehouse_id == warehouse_id)
    ).one()
    return int(on_hand), int(reserved)
