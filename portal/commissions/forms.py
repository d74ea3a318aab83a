"""Forms of the commission pages. They turn the request into values; the rules and their
messages are in portal.commissions.services, whose errors land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.partners.forms import LocalDateField


class Required:
    """Marks a field as required (asterisk, ``required``) without checking: the service checks."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


def id_or_none(value):
    """An id, or None (an empty choice, text, or a number too large to be one)."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


def id_blank_or_text(value):
    """An id, None for the empty choice, or the text sent when it is no id (the service refuses
    it on the field rather than taking it for "none")."""
    if value is None or str(value).strip() == "":
        return None
    parsed = id_or_none(value)
    return parsed if parsed is not None else str(value)[:100]


MONTH_INPUT = {"placeholder": "YYYY-MM", "autocomplete": "off"}


class ComputeForm(FlaskForm):
    month = StringField(_l("Month"), validators=[Required()], render_kw=MONTH_INPUT)
    partner_id = SelectField(_l("Partner"), coerce=id_or_none, validate_choice=False)


class ActionForm(FlaskForm):
    """Compute again, approve: nothing to type."""


class SendBackForm(FlaskForm):
    reason = TextAreaField(_l("Why it goes back to draft"), validators=[Required()], render_kw={"rows": 2})


class ReleaseForm(FlaskForm):
    payment_reference = StringField(_l("Bank transfer reference"), render_kw={"autocomplete": "off"})
    paid_on = LocalDateField(_l("Paid on"), validators=[Optional()])
    confirm = BooleanField(_l("I have checked the amount and the bank account. A released statement can never be "
                              "changed again."))


class AdjustmentForm(FlaskForm):
    partner_id = SelectField(_l("Partner"), coerce=id_or_none, validate_choice=False, validators=[Required()])
    month = StringField(_l("Month of the statement"), validators=[Required()], render_kw=MONTH_INPUT)
    product_line_id = SelectField(_l("Product line (optional)"), coerce=id_blank_or_text, validate_choice=False)
    amount = StringField(_l("Amount (CNY)"), validators=[Required()], render_kw={"autocomplete": "off"})
    reason = TextAreaField(_l("Reason (the partner reads it)"), validators=[Required()], render_kw={"rows": 2})


class QueryForm(FlaskForm):
    text = TextAreaField(_l("Your question about this line"), validators=[Required()], render_kw={"rows": 3})
