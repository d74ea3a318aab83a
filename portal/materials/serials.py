"""Serial numbers of serial-tracked items (prepaid cards, 有价卡), kept as ranges.

A ``SerialRange`` is a run of consecutive numbers (``prefix`` + the number zero-padded to
``digits``) of one item in one warehouse, with a status: ``in_stock`` → ``reserved`` (for a
request) → ``issued`` (to the partner). When only part of a range moves, the range is split in
two rows, each keeping the receipt movement it came from; so every card can be followed from
its receipt (入库) to the partner that holds it.

Every function here locks the item's ``StockLevel`` row in the warehouse (as ``stock.move``
does), so serial changes in one warehouse happen one at a time, in the same order as the
movements. They never commit; the caller commits, or rolls back on a DomainError.

How the request side uses them, in one transaction each::

    # approval: reserve the quantity, then record it in the ledger
    ranges = serials.reserve_serials(item, warehouse, quantity, request)       # NotEnoughStock if short
    stock.move(item, warehouse, "reserve", quantity, actor, request=request, partner=partner,
               serials=serials.labels(ranges))

    # a reservation given up (rejection after approval, cancellation, a smaller approval)
    ranges = serials.release_serials(item, warehouse, request, quantity=None)  # None: all of it
    stock.move(item, warehouse, "release", count, actor, request=request, serials=serials.labels(ranges))

    # fulfilment (shipment or pick-up): the ledger row first, then the cards go with it
    movement = stock.move(item, warehouse, "issue", quantity, actor, request=request, partner=partner)
    serials.issue_serials(item, warehouse, request, partner, movement)         # fills movement.serials

Numbers: the prefix is letters, digits and ``-``/``_`` (at most 20 characters), ``digits`` the
zero-padded width (1–18). A prefix ending in digits is folded into the number ("CARD0" with width
7 is stored as "CARD" with width 8), so one card has one spelling and overlaps are found exactly.
"""
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError, ValidationError
from portal.extensions import db
from portal.materials.models import MaterialItem, SerialRange

MAX_DIGITS = 18  # the numbers are BigInteger: 18 decimal digits always fit
PREFIX_MAX = 20
MAX_RANGE = 1_000_000  # cards in one receipt
PREFIX_RE = re.compile(r"^[A-Za-z0-9_-]*$")
SERIAL_RE = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)$")


# ---- numbers ----------------------------------------------------------------------------------


def serial_label(prefix, digits, number):
    """"CARD00000123" for ("CARD", 8, 123)."""
    return f"{prefix}{number:0{digits}d}"


def canonical(prefix, digits, first, last):
    """(prefix, digits, first, last) with the prefix's trailing digits folded into the numbers."""
    match = re.search(r"\d+$", prefix)
    if match:
        head = match.group(0)
        prefix = prefix[: match.start()]
        base = int(head) * 10 ** digits
        digits += len(head)
        first, last = base + first, base + last
    return prefix, digits, first, last


def _whole_number(value, field, missing):
    """An int from a form value (text or int), or a DomainError on ``field``."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        return value
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise DomainError(_l("Enter a whole number, e.g. 100."), field=field)
    if not text:
        raise DomainError(missing, field=field)
    if not text.isdigit() or len(text) > MAX_DIGITS:
        raise DomainError(_l("Enter a whole number of at most 18 digits, e.g. 100."), field=field)
    return int(text)


def check_range(item, prefix, first, last, digits):
    """The range's canonical values {prefix, digits, first, last, count}, checked: the numbers
    (text or int), the width, the size, and that no number is already used by a range of this
    item. Raises ValidationError naming the fields ``prefix``, ``first``, ``last``, ``digits``."""
    errors = {}
    prefix = (prefix or "").strip()
    if len(prefix) > PREFIX_MAX:
        errors["prefix"] = [_l("At most %(max)d characters.", max=PREFIX_MAX)]
    elif not PREFIX_RE.match(prefix):
        errors["prefix"] = [_l("Use only letters, digits, hyphens and underscores in the prefix, without spaces.")]
    values = {}
    for name, missing in (("first", _l("Enter the first serial number of the range.")),
                          ("last", _l("Enter the last serial number of the range.")),
                          ("digits", _l("Enter how many digits the numbers have, e.g. 8."))):
        try:
            values[name] = _whole_number({"first": first, "last": last, "digits": digits}[name], name, missing)
        except DomainError as error:
            errors[name] = [error.message]
    if "digits" in values and not 1 <= values["digits"] <= MAX_DIGITS:
        errors["digits"] = [_l("The numbers have from 1 to 18 digits.")]
        del values["digits"]
    if "first" in values and "last" in values and values["last"] < values["first"]:
        errors["last"] = [_l("The last number must not be smaller than the first.")]
    elif "first" in values and "last" in values and values["last"] - values["first"] + 1 > MAX_RANGE:
        errors["last"] = [_l("One receipt holds at most %(max)s cards; record a larger delivery in parts.",
                             max=f"{MAX_RANGE:,}")]
    elif "digits" in values:
        width = values["digits"]
        for name in ("first", "last"):
            if name in values and values[name] >= 10 ** width:
                errors[name] = [_l("This number has more than %(digits)d digits.", digits=width)]
    if errors:
        raise ValidationError(errors)
    prefix, width, low, high = canonical(prefix, values["digits"], values["first"], values["last"])
    if width > MAX_DIGITS:
        raise ValidationError({"prefix": [_l("The prefix ends in too many digits: put them in the numbers instead.")]})
    clash = db.session.scalar(
        sa.select(SerialRange).where(
            SerialRange.item_id == item.id, SerialRange.prefix == prefix, SerialRange.digits == width,
            SerialRange.first <= high, SerialRange.last >= low,
        ).order_by(SerialRange.first).limit(1)
    )
    if clash is not None:
        start, end = max(low, clash.first), min(high, clash.last)
        taken = serial_label(prefix, width, start) if start == end else \
            f"{serial_label(prefix, width, start)}–{serial_label(prefix, width, end)}"
        raise ValidationError({"first": [_l("These numbers were already received for this item: %(serials)s.",
                                            serials=taken)]})
    return {"prefix": prefix, "digits": width, "first": low, "last": high, "count": high - low + 1}


def parse_serial(text):
    """(prefix, number, typed digits) from a serial number as typed ("CARD00000123"), or None.
    The prefix is canonical (no trailing digits), so "CARD0000" + "0123" reads as CARD, 123."""
    text = (text or "").strip()
    match = SERIAL_RE.match(text)
    if not match or len(match.group("number")) > MAX_DIGITS:
        return None
    return match.group("prefix"), int(match.group("number")), len(match.group("number"))


def find_serial(item, text):
    """The ranges of ``item`` that hold the serial number ``text`` ("CARD00000123", or the number
    alone, "123"): normally one; [] if none does or ``text`` is not a serial number."""
    parsed = parse_serial(text)
    if parsed is None:
        return []
    prefix, number, typed = parsed
    query = sa.select(SerialRange).where(
        SerialRange.item_id == item.id, SerialRange.first <= number, SerialRange.last >= number,
        SerialRange.digits >= typed,
    )
    if prefix:
        query = query.where(sa.func.upper(SerialRange.prefix) == prefix.upper())
    return db.session.scalars(query.order_by(SerialRange.prefix, SerialRange.first)).all()


def labels(ranges):
    """"CARD00000100–CARD00000149, CARD00000200" for StockMovement.serials: sorted, with
    touching ranges written as one; "" for none."""
    runs = []
    for r in sorted(ranges, key=lambda r: (r.prefix, r.digits, r.first)):
        if runs and runs[-1][0] == r.prefix and runs[-1][1] == r.digits and runs[-1][3] + 1 == r.first:
            runs[-1][3] = r.last
        else:
            runs.append([r.prefix, r.digits, r.first, r.last])
    return ", ".join(
        serial_label(p, d, a) if a == b else f"{serial_label(p, d, a)}–{serial_label(p, d, b)}"
        for p, d, a, b in runs
    )


# ---- movements --------------------------------------------------------------------------------


def _lock(item, warehouse):
    from portal.materials.stock import level

    return level(item.id, warehouse.id, lock=True, create=True)


def lock_item(item):
    """Lock the item row (FOR NO KEY UPDATE, which does not wait for the foreign-key checks of
    movements being added): receipts of one item are checked for overlaps one at a time,
    whatever the warehouse. Take it before the stock level, as stock.receive does."""
    db.session.execute(sa.select(MaterialItem.id).where(MaterialItem.id == item.id).with_for_update(key_share=True))


def _require_tracked(item):
    if not item.serial_tracked:
        raise DomainError(_l("%(item)s is not tracked by serial number.", item=item.label), field="prefix")


def _quantity(quantity):
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise DomainError(_l("Enter a quantity greater than zero."), field="quantity")
    return quantity


def _split(source, count, **changes):
    """Cut the first ``count`` numbers of ``source`` off into their own row with ``changes``
    (``source`` keeps the rest); returns the new row. ``count`` < source.count."""
    part = SerialRange(
        item_id=source.item_id, warehouse_id=source.warehouse_id, prefix=source.prefix, digits=source.digits,
        first=source.first, last=source.first + count - 1, status=source.status, request_id=source.request_id,
        partner_id=source.partner_id, receipt_movement_id=source.receipt_movement_id,
        issue_movement_id=source.issue_movement_id,
    )
    for name, value in changes.items():
        setattr(part, name, value)
    source.first = source.first + count
    db.session.add(part)
    return part


def _ranges(item, warehouse, status, request=None, descending=False):
    query = sa.select(SerialRange).where(
        SerialRange.item_id == item.id, SerialRange.warehouse_id == warehouse.id, SerialRange.status == status)
    if request is not None:
        query = query.where(SerialRange.request_id == request.id)
    order = (SerialRange.prefix, SerialRange.digits, SerialRange.first, SerialRange.id)
    if descending:
        order = tuple(c.desc() for c in order)
    # populate_existing: rows already in the session are read again now that the level is locked
    return db.session.scalars(query.order_by(*order).execution_options(populate_existing=True)).all()


def _take(ranges, quantity, **changes):
    """Apply ``changes`` to the first ``quantity`` numbers of ``ranges`` (in their order),
    splitting the last range used; returns the changed rows."""
    taken, need = [], quantity
    for r in ranges:
        if need == 0:
            break
        if r.count <= need:
            for name, value in changes.items():
                setattr(r, name, value)
            taken.append(r)
            need -= r.count
        else:
            taken.append(_split(r, need, **changes))
            need = 0
    return taken


def _take_from_top(ranges, quantity, **changes):
    """Like ``_take`` over ranges sorted highest first, taking the highest numbers: the part
    cut off is the top of the last range used."""
    taken, need = [], quantity
    for r in ranges:
        if need == 0:
            break
        if r.count <= need:
            for name, value in changes.items():
                setattr(r, name, value)
            taken.append(r)
            need -= r.count
        else:
            _split(r, r.count - need)  # the lower part keeps r's state, in a new row
            for name, value in changes.items():  # r is now the top ``need`` numbers
                setattr(r, name, value)
            taken.append(r)
            need = 0
    return taken


def in_stock_count(item, warehouse):
    """How many serial numbers of ``item`` are in stock (not reserved) in ``warehouse``."""
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SerialRange.last - SerialRange.first + 1), 0)).where(
            SerialRange.item_id == item.id, SerialRange.warehouse_id == warehouse.id,
            SerialRange.status == "in_stock")
    ))


def receive_range(item, warehouse, prefix, first, last, digits, movement):
    """Record the cards of a receipt: a new in-stock range of ``item`` in ``warehouse``, linked
    to ``movement`` (the "receipt" StockMovement written by stock.move, whose quantity must be
    the range's size); fills ``movement.serials`` when empty. Refuses (ValidationError on
    ``prefix``/``first``/``last``/``digits``) a bad range or one overlapping any range already
    received for this item, in any warehouse. Returns the SerialRange."""
    _require_tracked(item)
    lock_item(item)
    _lock(item, warehouse)
    values = check_range(item, prefix, first, last, digits)
    if movement is None or movement.kind != "receipt" or movement.on_hand_delta != values["count"]:
        raise ValueError("receive_range needs the receipt movement of exactly the range's quantity")
    serial_range = SerialRange(item_id=item.id, warehouse_id=warehouse.id, prefix=values["prefix"],
                               digits=values["digits"], first=values["first"], last=values["last"],
                               status="in_stock", receipt_movement_id=movement.id)
    db.session.add(serial_range)
    if not movement.serials:
        movement.serials = labels([serial_range])
    db.session.flush()
    return serial_range


def reserve_serials(item, warehouse, quantity, request):
    """Reserve ``quantity`` in-stock serial numbers of ``item`` in ``warehouse`` for ``request``:
    the lowest numbers first, splitting a range when only part of it is needed (status
    in_stock → reserved, request set). Raises NotEnoughStock (a DomainError on ``quantity``)
    when fewer are in stock. Returns the reserved ranges (give ``labels(ranges)`` to move())."""
    from portal.materials.stock import NotEnoughStock

    _require_tracked(item)
    _quantity(quantity)
    _lock(item, warehouse)
    have = in_stock_count(item, warehouse)
    if have < quantity:
        raise NotEnoughStock(
            _l("Only %(count)s serial-numbered units of %(item)s are in stock in %(warehouse)s.",
               count=have, item=item.label, warehouse=warehouse.name), field="quantity")
    taken = _take(_ranges(item, warehouse, "in_stock"), quantity, status="reserved", request_id=request.id)
    db.session.flush()
    return taken


def release_serials(item, warehouse, request, quantity=None):
    """Give back serial numbers reserved for ``request`` in ``warehouse`` (reserved → in_stock,
    request cleared): all of them, or ``quantity`` of them, the highest numbers first (so
    the lowest stay reserved). Raises NotEnoughStock when fewer are reserved. Returns the
    released ranges ([] when nothing was reserved and ``quantity`` is None)."""
    from portal.materials.stock import NotEnoughStock

    _require_tracked(item)
    _lock(item, warehouse)
    reserved = _ranges(item, warehouse, "reserved", request=request, descending=True)
    total = sum(r.count for r in reserved)
    if quantity is None:
        quantity = total
    elif _quantity(quantity) > total:
        raise NotEnoughStock(_l("Only %(count)s serial-numbered units are reserved for this request.", count=total),
                             field="quantity")
    if quantity == 0:
        return []
    released = _take_from_top(reserved, quantity, status="in_stock", request_id=None)
    db.session.flush()
    return released


def issue_serials(item, warehouse, request, partner, movement, quantity=None):
    """Hand the serial numbers reserved for ``request`` in ``warehouse`` to ``partner``
    (reserved → issued, partner and issue movement set; the request stays): all of them, or
    the lowest ``quantity``. ``movement`` is the "issue" StockMovement of the same quantity
    written just before by stock.move; its ``serials`` is filled when empty. Raises
    NotEnoughStock when fewer are reserved. Returns the issued ranges."""
    from portal.materials.stock import NotEnoughStock

    _require_tracked(item)
    _lock(item, warehouse)
    reserved = _ranges(item, warehouse, "reserved", request=request)
    total = sum(r.count for r in reserved)
    if quantity is None:
        quantity = total
    if not total or _quantity(quantity) > total:
        raise NotEnoughStock(_l("Only %(count)s serial-numbered units are reserved for this request.", count=total),
                             field="quantity")
    if movement is None or movement.kind != "issue" or -movement.on_hand_delta != quantity:
        raise ValueError("issue_serials needs the issue movement of exactly the quantity issued")
    issued = _take(reserved, quantity, status="issued", partner_id=partner.id, issue_movement_id=movement.id)
    if not movement.serials:
        movement.serials = labels(issued)
    db.session.flush()
    return issued


def ranges_of_receipt(movement):
    """The ranges (however split since) that came in with a receipt movement."""
    return db.session.scalars(sa.select(SerialRange).where(SerialRange.receipt_movement_id == movement.id)
                              .order_by(SerialRange.first)).all()

