"""Forms of deal registration. They check presence and length; the rules (credit code, phone,
value, dates, duplicates) are in services.clean, whose errors land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.partners.forms import LocalDateField, _int_or_none


def _max(n):
    return Length(max=n, message=_l("At most %(max)d characters."))


class RegistrationForm(FlaskForm):
    customer_name = StringField(_l("Customer's name"),
                                validators=[DataRequired(_l("Enter the customer's name.")), _max(200)])
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), _max(30)])
    phone = StringField(_l("Customer's phone"), validators=[Optional(), _max(30)])
    # Grouped choices ({province: [(id, label)]}) shown with macros/forms.html grouped_select.
    city_id = SelectField(_l("Customer's city"), coerce=_int_or_none, validate_choice=False,
                          validators=[DataRequired(_l("Choose the customer's city."))])
    product_line_id = SelectField(_l("Product line"), coerce=_int_or_none, validate_choice=False,
                                  validators=[DataRequired(_l("Choose the product line."))])
    expected_value = StringField(_l("Expected value (CNY)"), validators=[
        DataRequired(_l("Enter the expected value in yuan (0 if you do not know it yet).")), _max(30)])
    # InputRequired, not DataRequired: a date typed wrongly keeps its own message ("Enter a date as …").
    expected_close_on = LocalDateField(_l("Expected close date"),
                                       validators=[InputRequired(_l("Enter the expected close date."))])
    description = TextAreaField(_l("What the customer needs"), validators=[Optional(), _max(2000)])
    confirm_duplicate = BooleanField(_l("Register it anyway: this is a separate opportunity"))


class ApproveForm(FlaskForm):
    override_reason = TextAreaField(_l("Reason for overriding the earlier registration (its partner reads it)"),
                                    validators=[Optional(), _max(500)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the partner reads it)"),
                           validators=[DataRequired(_l("Enter the reason, which the partner will read.")), _max(500)])


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[("won", _l("Won")), ("lost", _l("Lost"))])
