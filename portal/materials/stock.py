"""The stock ledger: every change of stock is one ``StockMovement``; nothing else writes stock.

``move`` locks the item's ``StockLevel`` row in that warehouse (SELECT … FOR UPDATE on
PostgreSQL, reading the row again even if the session already holds it; SQLite serialises
writers), checks the totals after the movement, then writes the movement and the new totals
together. Two approvals at once therefore cannot both take the last units: the second waits for
the first's commit and then sees what is left. The database checks (on hand ≥ 0, reserved ≥ 0,
reserved ≤ on hand) stand behind this.

``receive``, ``adjust`` and ``stocktake`` are what managers record (from the stock pages): they
check the form's values, naming the field, and call ``move``. Serial-tracked items (prepaid
cards) are received by serial range (portal.materials.serials); their stock is not adjusted
without the cards' numbers.
"""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError, ValidationError
from portal.extensions import db
from portal.materials.models import MOVEMENT_KINDS, StockLevel, StockMovement


MAX_QUANTITY = 1_000_000_000  # stock columns are 32-bit integers
REASON_MAX, REFERENCE_MAX = 500, 100  # StockMovement.reason and .reference


class NotEnoughStock(DomainError):
    """Raised when a reservation, issue or decrease would take stock below zero."""


def level(item_id, warehouse_id, lock=False, create=False):
    """The ``StockLevel`` row (locked FOR UPDATE with ``lock``); with ``create`` it is made
    when missing (a concurrent creator is caught by the unique constraint and retried)."""
    query = sa.select(StockLevel).where(StockLevel.item_id == item_id, StockLevel.warehouse_id == warehouse_id)
    if lock:
        # populate_existing: a row already in the session (read before the lock was taken) is
        # read again, or its stale totals would overwrite another transaction's movement.
        query = query.with_for_update().execution_options(populate_existing=True)
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


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def move(item, warehouse, kind, quantity, actor, reason=None, reference=None, request=None, partner=None,
         serials=None, counted=None):
    """Add one movement after locking the stock level; raise ``NotEnoughStock`` (a DomainError
    on ``field="quantity"``, or ``"counted"`` for a stocktake) when the result would be below
    zero. The caller commits (or rolls back on error). Returns the movement."""
    if kind not in MOVEMENT_KINDS:
        raise ValueError(kind)
    field = "counted" if kind == "stocktake" else "quantity"
    if kind == "stocktake":
        if not _is_int(counted) or counted < 0:
            raise DomainError(_l("Enter the quantity counted (zero or more)."), field="counted")
        if counted > MAX_QUANTITY:
            raise DomainError(_l("Enter at most %(max)s.", max=f"{MAX_QUANTITY:,}"), field="counted")
    elif kind == "adjust":
        if not _is_int(quantity) or not quantity:
            raise DomainError(_l("Enter a quantity other than zero."), field="quantity")
    elif not _is_int(quantity) or quantity <= 0:
        raise DomainError(_l("Enter a quantity greater than zero."), field="quantity")
    if kind != "stocktake" and abs(quantity) > MAX_QUANTITY:
        raise DomainError(_l("Enter at most %(max)s.", max=f"{MAX_QUANTITY:,}"), field="quantity")
    for name, value, limit in (("reason", reason, REASON_MAX), ("reference", reference, REFERENCE_MAX)):
        if value is not None and len(value) > limit:
            raise DomainError(_l("At most %(max)d characters.", max=limit), field=name)
    row = level(item.id, warehouse.id, lock=True, create=True)
    on_hand_delta, reserved_delta = deltas(kind, quantity, counted=counted, on_hand=row.on_hand)
    new_on_hand, new_reserved = row.on_hand + on_hand_delta, row.reserved + reserved_delta
    available = row.on_hand - row.reserved
    if new_reserved < 0:
        raise NotEnoughStock(_l("Only %(count)s are reserved here.", count=row.reserved), field=field)
    if kind == "stocktake" and new_reserved > new_on_hand:
        raise NotEnoughStock(
            _l("%(reserved)s units are reserved for approved requests, more than were counted: release those "
               "reservations first.", reserved=row.reserved), field=field)
    if new_on_hand < 0 or new_reserved > new_on_hand:
        raise NotEnoughStock(
            _l("Not enough stock of %(item)s in %(warehouse)s: %(available)s available.",
               item=item.label, warehouse=warehouse.name, available=available),
            field=field,
        )
    if new_on_hand > MAX_QUANTITY:
        raise DomainError(_l("A warehouse holds at most %(max)s units of one item.", max=f"{MAX_QUANTITY:,}"),
                          field=field)
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


# ---- what managers record: receipts, adjustments, stocktakes ------------------------------------


def parse_quantity(value, field="quantity", signed=False):
    """A whole number from a form value ("1,000", "+5", "-3" when ``signed``), or a DomainError
    on ``field``; None when empty."""
    if _is_int(value):
        return value
    text = (value or "").strip().replace(",", "").replace("，", "").replace(" ", "") if isinstance(value, str) \
        else None
    if not text:
        return None
    sign = 1
    if signed and text[0] in "+-":
        sign, text = (-1 if text[0] == "-" else 1), text[1:]
    if not text.isdigit():
        message = _l("Enter a whole number, e.g. 100 to add or -5 to remove.") if signed \
            else _l("Enter a whole number, e.g. 100.")
        raise DomainError(message, field=field)
    if len(text) > 10:
        raise DomainError(_l("Enter at most %(max)s.", max=f"{MAX_QUANTITY:,}"), field=field)
    return sign * int(text)


def _note(value, field, required=False, missing=None, limit=REASON_MAX):
    text = (value or "").strip()
    if not text:
        if required:
            raise DomainError(missing, field=field)
        return None
    if len(text) > limit:
        raise DomainError(_l("At most %(max)d characters.", max=limit), field=field)
    return text


def _require_manager(actor):
    from portal.core.permissions import has_permission

    if not has_permission(actor, "materials.manage"):
        raise DomainError(_l("Only channel managers and administrators may record stock movements."))


def _checked(item, warehouse, actor, reason, reference, reason_required, reference_required):
    """Permission, the warehouse, and the reason and reference of a movement, all at once."""
    _require_manager(actor)
    errors = {}
    if warehouse is None:
        errors["warehouse_id"] = [_l("Choose the warehouse.")]
    values = {}
    for name, value, required, missing, limit in (
        ("reason", reason, reason_required, _l("Say why the stock changes."), REASON_MAX),
        ("reference", reference, reference_required,
         _l("Enter the reference of the receipt, e.g. the delivery note number."), REFERENCE_MAX),
    ):
        try:
            values[name] = _note(value, name, required, missing, limit)
        except DomainError as error:
            errors[name] = [error.message]
    return errors, values


def receive(item, warehouse, actor, quantity=None, reason=None, reference=None, serial_range=None):
    """A receipt (入库) of ``quantity`` units, or for a serial-tracked item of the cards of
    ``serial_range`` (a dict of prefix, first, last, digits: the quantity is its size). The
    delivery note (``reference``) is required. Returns the movement; the caller commits."""
    from portal.materials import serials

    errors, values = _checked(item, warehouse, actor, reason, reference, False, True)
    if not item.active:
        errors.setdefault("quantity", []).append(
            _l("%(item)s is no longer active: make it active again before receiving stock.", item=item.label))
    if warehouse is not None and not warehouse.active:
        errors.setdefault("warehouse_id", []).append(_l("This warehouse is closed: choose an open one."))
    checked_range = None
    if item.serial_tracked:
        serials.lock_item(item)  # before the stock level, as receive_range takes them
        try:
            checked_range = serials.check_range(item, **{"prefix": None, "first": None, "last": None, "digits": None,
                                                         **(serial_range or {})})
        except ValidationError as error:
            for name, messages in error.errors.items():
                errors.setdefault(name, []).extend(messages)
        else:
            given = _parse_into(errors, quantity, "quantity")
            if given is not None and given != checked_range["count"]:
                errors.setdefault("quantity", []).append(
                    _l("The range holds %(count)s cards, not %(quantity)s: correct one of them, or leave the "
                       "quantity empty.", count=checked_range["count"], quantity=given))
            quantity = checked_range["count"]
    else:
        if serial_range and any(str(v or "").strip() for k, v in serial_range.items() if k != "digits"):
            errors.setdefault("prefix", []).append(
                _l("%(item)s is not tracked by serial number: give only the quantity.", item=item.label))
        quantity = _parse_into(errors, quantity, "quantity")
        if quantity is None and "quantity" not in errors:
            errors["quantity"] = [_l("Enter the quantity received.")]
    if errors:
        raise ValidationError(errors)
    movement = move(item, warehouse, "receipt", quantity, actor, reason=values["reason"],
                    reference=values["reference"])
    if checked_range is not None:
        serials.receive_range(item, warehouse, checked_range["prefix"], checked_range["first"],
                              checked_range["last"], checked_range["digits"], movement)
    return movement


def _parse_into(errors, value, field, signed=False):
    try:
        return parse_quantity(value, field, signed=signed)
    except DomainError as error:
        errors.setdefault(field, []).append(error.message)
        return None


def adjust(item, warehouse, quantity, reason, actor, reference=None):
    """An adjustment of on hand by ± ``quantity`` (breakage, a found box), with its reason.
    Serial-tracked items change only by serial range, so they cannot be adjusted here."""
    errors, values = _checked(item, warehouse, actor, reason, reference, True, False)
    quantity = _parse_into(errors, quantity, "quantity", signed=True)
    if quantity is None and "quantity" not in errors:
        errors["quantity"] = [_l("Enter the change, e.g. 10 to add or -3 to remove.")]
    elif quantity == 0:
        errors["quantity"] = [_l("Enter a quantity other than zero.")]
    if item.serial_tracked and "quantity" not in errors:
        errors["quantity"] = [_l("%(item)s is tracked by serial number: receive cards as a serial range; a "
                                 "difference in cards cannot be adjusted without their numbers.", item=item.label)]
    if errors:
        raise ValidationError(errors)
    return move(item, warehouse, "adjust", quantity, actor, reason=values["reason"], reference=values["reference"])


def stocktake(item, warehouse, counted, reason, actor, reference=None):
    """A stocktake result (盘点): on hand becomes ``counted``; the movement holds the difference
    (a zero difference is recorded too: the count was made). For a serial-tracked item only a
    count that agrees with the stock is accepted."""
    errors, values = _checked(item, warehouse, actor, reason, reference, True, False)
    counted = _parse_into(errors, counted, "counted")
    if counted is None and "counted" not in errors:
        errors["counted"] = [_l("Enter the quantity counted (zero or more).")]
    if item.serial_tracked and counted is not None and warehouse is not None and "counted" not in errors:
        row = level(item.id, warehouse.id, lock=True)
        if counted != (row.on_hand if row else 0):
            errors["counted"] = [_l("%(item)s is tracked by serial number: the count differs from the %(on_hand)s "
                                    "cards in stock. Find the missing or extra numbers before recording it.",
                                    item=item.label, on_hand=row.on_hand if row else 0)]
    if errors:
        raise ValidationError(errors)
    return move(item, warehouse, "stocktake", None, actor, reason=values["reason"], reference=values["reference"],
                counted=counted)
