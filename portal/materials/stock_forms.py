"""Forms of the catalogue, the warehouses and the stock movements managers record.

The forms only turn the request into values; the rules and their messages live in
portal.materials.catalogue and portal.materials.stock (numbers are text here, so that "abc" or
"1e9" gets our message on the field, not WTForms' own).
"""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from portal.materials.models import ITEM_CATEGORIES
from portal.training.forms import Required


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _number(label, required=True, **render_kw):
    return StringField(label, validators=[Required()] if required else [],
                       render_kw={"inputmode": "numeric", "autocomplete": "off", **render_kw})


class ItemForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Required()], render_kw={"autocomplete": "off"})
    name_zh = StringField(_l("Name in Chinese"), validators=[Required()], render_kw={"lang": "zh-CN"})
    name_en = StringField(_l("Name in English"), validators=[Required()], render_kw={"lang": "en"})
    category = SelectField(_l("Category"), choices=list(ITEM_CATEGORIES.items()), validate_choice=False,
                           validators=[Required()])
    unit = StringField(_l("Unit"), validators=[Required()])
    unit_value = StringField(_l("Unit value (CNY)"), validators=[Required()],
                             render_kw={"inputmode": "decimal", "autocomplete": "off"})
    serial_tracked = BooleanField(_l("Tracked by serial number (prepaid cards)"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 3})
    active = BooleanField(_l("Active (partners may request it)"), default=True)


class WarehouseForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Required()], render_kw={"autocomplete": "off"})
    name = StringField(lazy_pgettext("name of a thing", "Name"), validators=[Required()])
    territory_id = SelectField(_l("Territory"), coerce=_int_or_none, validate_choice=False)
    address = StringField(_l("Address"))
    active = BooleanField(_l("Open (stock may be received here)"), default=True)


class _MovementForm(FlaskForm):
    warehouse_id = SelectField(_l("Warehouse"), coerce=_int_or_none, validate_choice=False, validators=[Required()])


class ReceiptForm(_MovementForm):
    quantity = _number(_l("Quantity received"), required=False)
    reference = StringField(_l("Reference (delivery note)"), validators=[Required()])
    reason = TextAreaField(_l("Note"), render_kw={"rows": 2})
    prefix = StringField(_l("Serial prefix"), render_kw={"autocomplete": "off"})
    first = _number(_l("First number"), required=False)
    last = _number(_l("Last number"), required=False)
    digits = _number(_l("Digits"), required=False)


class AdjustmentForm(_MovementForm):
    quantity = StringField(_l("Change in quantity"), validators=[Required()],
                           render_kw={"autocomplete": "off", "inputmode": "text"})
    reason = TextAreaField(_l("Reason"), validators=[Required()], render_kw={"rows": 2})
    reference = StringField(_l("Reference (optional)"))


class StocktakeForm(_MovementForm):
    counted = _number(_l("Quantity counted"))
    reason = TextAreaField(_l("Reason"), validators=[Required()], render_kw={"rows": 2})
    reference = StringField(_l("Reference (optional)"))
