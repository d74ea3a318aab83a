"""The catalogue of physical promotional items and the warehouses that hold them.

Plain functions: they take the acting user and plain values (text from forms, or typed values),
check them, change the objects and raise ValidationError with a message on each wrong field.
The caller commits. MaterialItem and Warehouse are Audited: every change (a unit value from
¥12.00 to ¥15.50, a warehouse closed) is in the audit trail with the acting user, because
changes are flushed under ``acting_as(actor)``.
"""
import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.audit import acting_as
from portal.core.errors import DomainError, ValidationError
from portal.core.permissions import has_permission
from portal.extensions import db
from portal.materials.models import ITEM_CATEGORIES, MaterialItem, StockLevel, StockMovement, Warehouse
from portal.reference.models import Territory

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CODE_MAX, NAME_MAX, UNIT_MAX, DESCRIPTION_MAX = 40, 120, 20, 4000
WAREHOUSE_NAME_MAX, ADDRESS_MAX = 120, 300
CENT = Decimal("0.01")
MAX_UNIT_VALUE = Decimal("1000000")  # a promotional item worth a million yuan is a typo


def _require_manager(actor):
    if not has_permission(actor, "materials.manage"):
        raise DomainError(_l("Only channel managers and administrators may change the catalogue."))


def _flush_as(actor):
    with acting_as(actor):
        db.session.flush()


def _text(data, name):
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _required_text(data, name, errors, missing, limit):
    value = _text(data, name)
    if not value:
        errors[name] = [missing]
    elif len(value) > limit:
        errors[name] = [_l("At most %(max)d characters.", max=limit)]
    return value


def _code(data, errors, model, current):
    code = _text(data, "code").upper()
    if not code:
        errors["code"] = [_l("Enter a code, e.g. POSTER-A2.")]
    elif len(code) > CODE_MAX:
        errors["code"] = [_l("At most %(max)d characters.", max=CODE_MAX)]
    elif not CODE_RE.match(code):
        errors["code"] = [_l("Use letters, digits, dots, hyphens and underscores only, starting with a letter "
                             "or digit.")]
    else:
        query = sa.select(model.id).where(sa.func.upper(model.code) == code)
        if current is not None:
            query = query.where(model.id != current.id)
        if db.session.scalar(query.limit(1)) is not None:
            errors["code"] = [_l("The code %(code)s is already used.", code=code)]
    return code


def parse_unit_value(value):
    """A Decimal of yuan, 0 or more with at most two decimals, from text or a Decimal; or a
    DomainError on ``unit_value``. Never a float."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if isinstance(value, Decimal):
        amount = value
    else:
        text = (value or "").strip().replace(",", "").replace("，", "").lstrip("¥￥").strip() \
            if isinstance(value, str) or value is None else str(value)
        if not text:
            raise DomainError(_l("Enter the unit value in yuan, e.g. 12.50 (0 for items of no value)."),
                              field="unit_value")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise DomainError(_l("Enter the unit value in yuan, e.g. 12.50."), field="unit_value")
    if amount < 0:
        raise DomainError(_l("The unit value cannot be negative."), field="unit_value")
    if amount > MAX_UNIT_VALUE:  # before quantize(), which cannot hold "1e100"
        raise DomainError(_l("The unit value can be at most ¥1,000,000.00."), field="unit_value")
    if amount != amount.quantize(CENT):
        raise DomainError(_l("The unit value has at most two decimals (fen), e.g. 12.50."), field="unit_value")
    return amount.quantize(CENT)


def has_movements(item):
    return db.session.scalar(sa.select(StockMovement.id).where(StockMovement.item_id == item.id).limit(1)) is not None


# ---- items ------------------------------------------------------------------------------------


def item_values(data, item=None):
    """Checked values of an item, or ValidationError with a message on each wrong field."""
    errors = {}
    values = {"code": _code(data, errors, MaterialItem, item)}
    values["name_zh"] = _required_text(data, "name_zh", errors, _l("Enter the name in Chinese."), NAME_MAX)
    values["name_en"] = _required_text(data, "name_en", errors, _l("Enter the name in English."), NAME_MAX)
    category = data.get("category")
    if category not in ITEM_CATEGORIES:
        errors["category"] = [_l("Choose a category.")]
    values["category"] = category
    values["unit"] = _required_text(data, "unit", errors, _l("Enter the unit, e.g. 张, 个, 套."), UNIT_MAX)
    try:
        values["unit_value"] = parse_unit_value(data.get("unit_value"))
    except DomainError as error:
        errors["unit_value"] = [error.message]
    values["serial_tracked"] = bool(data.get("serial_tracked"))
    if item is not None and values["serial_tracked"] != bool(item.serial_tracked) and has_movements(item):
        errors["serial_tracked"] = [_l("This item already has stock movements: serial tracking can no longer be "
                                       "switched on or off. Create a new item instead.")]
    description = _text(data, "description")
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_l("At most %(max)d characters.", max=DESCRIPTION_MAX)]
    values["description"] = description or None
    values["active"] = bool(data.get("active", True))
    if errors:
        raise ValidationError(errors)
    return values


def create_item(data, actor):
    _require_manager(actor)
    item = MaterialItem(**item_values(data))
    db.session.add(item)
    _flush_as(actor)
    return item


def update_item(item, data, actor):
    """Change an item; the unit value's change (old → new) is in the audit trail. Requests
    keep the unit value they were made at (MaterialRequestLine.unit_value)."""
    _require_manager(actor)
    for name, value in item_values(data, item).items():
        setattr(item, name, value)
    _flush_as(actor)
    return item


# ---- warehouses -------------------------------------------------------------------------------


def warehouse_values(data, warehouse=None):
    errors = {}
    values = {"code": _code(data, errors, Warehouse, warehouse)}
    values["name"] = _required_text(data, "name", errors, _l("Enter the warehouse's name."), WAREHOUSE_NAME_MAX)
    territory_id = data.get("territory_id")
    territory = None
    if territory_id not in (None, "", 0):
        territory = db.session.get(Territory, territory_id) \
            if isinstance(territory_id, int) and 0 < territory_id < 2 ** 31 else None
        if territory is None or not territory.active:
            errors["territory_id"] = [_l("Choose a territory from the list.")]
    values["territory_id"] = territory.id if territory is not None else None
    address = _text(data, "address")
    if len(address) > ADDRESS_MAX:
        errors["address"] = [_l("At most %(max)d characters.", max=ADDRESS_MAX)]
    values["address"] = address or None
    values["active"] = bool(data.get("active", True))
    if warehouse is not None and warehouse.active and not values["active"]:
        held = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StockLevel.on_hand), 0))
                                 .where(StockLevel.warehouse_id == warehouse.id))
        if held:
            errors["active"] = [_l("This warehouse still holds %(count)s units: issue, move or write them off before "
                                   "closing it.", count=held)]
    if errors:
        raise ValidationError(errors)
    return values


def create_warehouse(data, actor):
    _require_manager(actor)
    warehouse = Warehouse(**warehouse_values(data))
    db.session.add(warehouse)
    _flush_as(actor)
    return warehouse


def update_warehouse(warehouse, data, actor):
    _require_manager(actor)
    for name, value in warehouse_values(data, warehouse).items():
        setattr(warehouse, name, value)
    _flush_as(actor)
    return warehouse
