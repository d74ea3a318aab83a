"""Forms of the termination pages. They turn the request into values; the rules and their
messages are in portal.exits.services, whose errors land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.finance.forms import Required
from portal.partners.forms import LocalDateField, _int_or_none


class StartForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the termination"), validators=[Required()], render_kw={"rows": 4})
    effective_on = LocalDateField(_l("Agreement ends on"), validators=[Optional()])
    case_id = SelectField(_l("Conflict case whose ruling recommended it (optional)"), coerce=_int_or_none,
                          validate_choice=False)


class CompleteForm(FlaskForm):
    reference = StringField(_l("Bank reference of the refund transfer"), render_kw={"autocomplete": "off"})
    confirm = BooleanField(_l("I confirm: the balance held is refunded as shown, the partner is terminated and its "
                              "users can no longer sign in. This cannot be undone."))


class CancelForm(FlaskForm):
    cancel_reason = TextAreaField(_l("Why is the termination cancelled?"), validators=[Required()],
                                  render_kw={"rows": 2})
