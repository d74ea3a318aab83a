from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.partners.models import OUTLET_KINDS


def _int_or_none(value):
    """An id from a form, or None (also for a number too large to be an id: no 500)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2 ** 31 else None


class LocalDateField(DateField):
    """A date field whose "not a date" message is ours (and translated)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a date as YYYY-MM-DD.")) from exc


def _max(n):
    return Length(max=n, message=_l("At most %(max)d characters."))


class ProfileForm(FlaskForm):
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(_l("Enter the contact person.")), _max(100)])
    phone = StringField(_l("Phone"), validators=[DataRequired(_l("Enter a phone number.")), _max(30)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter an e-mail address.")),
                                                 Email(_l("Enter a valid e-mail address, e.g. name@company.cn.")), _max(254)])
    address = StringField(_l("Address"), validators=[DataRequired(_l("Enter the address.")), _max(300)])


class OutletForm(FlaskForm):
    name = StringField(_l("Outlet name"), validators=[DataRequired(_l("Enter the outlet's name.")), _max(200)])
    address = StringField(_l("Address"), validators=[DataRequired(_l("Enter the outlet's address.")), _max(300)])
    # Grouped choices ({province: [(id, label)]}) shown with macros/forms.html grouped_select;
    # the service checks that the value is an active city.
    city_id = SelectField(_l("City"), coerce=_int_or_none, validate_choice=False,
                          validators=[DataRequired(_l("Choose the city the outlet is in."))])
    kind = SelectField(_l("Type"), choices=list(OUTLET_KINDS.items()),
                       validators=[DataRequired(_l("Choose the type of outlet."))])
    opened_on = LocalDateField(_l("Opening date"), validators=[Optional()])


class CloseOutletForm(FlaskForm):
    """Closing an outlet: the day it closed (empty: today). The rent subsidy stops that day."""
    closed_on = LocalDateField(_l("Closing date"), validators=[Optional()])


class InviteStaffForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter an e-mail address.")),
                                                 Email(_l("Enter a valid e-mail address, e.g. name@company.cn.")), _max(254)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), _max(120)])
    locale = SelectField(_l("Language of the invitation"), choices=[("zh_CN", "中文"), ("en", "English")])


class PaymentForm(FlaskForm):
    amount = StringField(_l("Amount received (CNY)"), validators=[DataRequired(_l("Enter the amount received."))])
    reference = StringField(_l("Bank reference"), validators=[DataRequired(_l("Enter the bank reference of the payment.")), _max(100)])
    note = TextAreaField(_l("Note"), validators=[Optional(), _max(500)])

    def validate_amount(self, field):
        from portal.core.errors import DomainError
        from portal.partners.services import parse_amount

        try:
            field.data = parse_amount(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from error
