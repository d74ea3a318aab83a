"""Forms of the material requests and allowances.

They only turn the request into typed values; the rules and their messages live in
request_services.py and allowances.py. Per-line values (quantities asked, approved, handed out)
are inputs named ``quantity-<item id>``, ``approved-<line id>``, ``handed_out-<line id>`` … read
by the views, because the lines are not known when the form class is built.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from portal.materials.models import FULFILMENT_METHODS
from portal.materials.request_services import DECISIONS, REVIEW_OUTCOMES
from portal.partners.forms import LocalDateField


class Required:
    """Marks a field as required (asterisk, ``required``) without checking: the service checks."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class PlanDateField(LocalDateField):
    """A date; left empty it is None, and the service says which date is missing."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


def int_or_none(value):
    """An id from a form: a positive 32-bit integer, or None (a larger number is no id at all)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= 2 ** 31 - 1 else None


class RequestForm(FlaskForm):
    outlet_ids = SelectMultipleField(_l("Outlets where the material will be used"), coerce=int_or_none,
                                     validate_choice=False)
    campaign = StringField(_l("Campaign or occasion"), validators=[Required()])
    starts_on = PlanDateField(_l("Campaign starts on"), validators=[Required()])
    ends_on = PlanDateField(_l("Campaign ends on"), validators=[Required()])
    plan = TextAreaField(_l("Usage plan"), validators=[Required()], render_kw={"rows": 5})


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=list(DECISIONS.items()), validate_choice=False, default="all")
    warehouse_id = SelectField(_l("Warehouse the material comes from"), coerce=int_or_none, validate_choice=False)
    reason = TextAreaField(_l("Reason (required to approve part or none; the partner sees it)"),
                           render_kw={"rows": 3})


class WithdrawForm(FlaskForm):
    withdraw_reason = TextAreaField(_l("Why is the approval withdrawn? (the partner sees it)"),
                                    validators=[Required()], render_kw={"rows": 2})


class FulfilForm(FlaskForm):
    method = RadioField(_l("How the material leaves the warehouse"), choices=list(FULFILMENT_METHODS.items()),
                        validate_choice=False, default="ship")
    carrier = StringField(_l("Carrier (for a shipment)"))
    tracking_number = StringField(_l("Tracking number (for a shipment)"))


class ReceiptForm(FlaskForm):
    note = TextAreaField(_l("Note on what arrived (optional)"), render_kw={"rows": 2})


class UsageForm(FlaskForm):
    note = TextAreaField(_l("How the campaign went (optional)"), render_kw={"rows": 3})


class ReviewForm(FlaskForm):
    outcome = RadioField(_l("Review"), choices=list(REVIEW_OUTCOMES.items()), validate_choice=False)
    review_note = TextAreaField(_l("Note (required when you query the report; the partner sees it)"),
                                render_kw={"rows": 3})


class AllowanceForm(FlaskForm):
    partner_id = SelectField(_l("Partner"), coerce=int_or_none, validate_choice=False)
    item_id = SelectField(_l("Item"), coerce=int_or_none, validate_choice=False)
    max_value = StringField(_l("Value limit per quarter (CNY)"), render_kw={"inputmode": "decimal"})
    max_quantity = StringField(_l("Quantity limit per quarter"), render_kw={"inputmode": "numeric"})
    note = StringField(_l("Note (optional)"))
