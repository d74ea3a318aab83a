"""Forms of the PSI reports, targets and collections. Fields hold text; the services parse the
figures and say what is wrong next to each field (apply_to_form)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, FileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError


def _int_or_none(value):
    """An id, or None (also for a number too large to be one)."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


class BeijingDateTimeField(DateTimeLocalField):
    """A date-and-time field whose "not a date and time" message is ours (and translated)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter the date and time as YYYY-MM-DD HH:MM.")) from exc


def _max(n):
    return Length(max=n, message=_l("At most %(max)d characters."))


class ReportForm(FlaskForm):
    # Choices are the partner's open outlets and the active product lines; the service checks
    # the values (another organisation's outlet is refused there with a field error).
    outlet_id = SelectField(_l("Outlet"), coerce=_int_or_none, validate_choice=False,
                            validators=[DataRequired(_l("Choose one of your outlets."))])
    product_line_id = SelectField(_l("Product line"), coerce=_int_or_none, validate_choice=False,
                                  validators=[DataRequired(_l("Choose a product line."))])
    month = StringField(_l("Month"), validators=[DataRequired(_l("Enter the month as YYYY-MM."))])
    purchases = StringField(_l("Purchases (units)"), validators=[DataRequired(_l("Enter the units purchased (0 if none)."))])
    sales = StringField(_l("Sales (units)"), validators=[DataRequired(_l("Enter the units sold (0 if none)."))])
    sales_amount = StringField(_l("Sales amount (CNY)"),
                               validators=[DataRequired(_l("Enter the sales amount in yuan (0 if none)."))])
    returns_amount = StringField(_l("Returns amount (CNY)"), validators=[Optional()])
    closing_inventory = StringField(_l("Closing inventory (units)"),
                                    validators=[DataRequired(_l("Enter the units in stock at the end of the month."))])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or Excel file (.csv, .xlsx)"))


class TargetForm(FlaskForm):
    product_line_id = SelectField(_l("Product line"), coerce=_int_or_none, validate_choice=False,
                                  validators=[DataRequired(_l("Choose a product line."))])
    month = StringField(_l("From month"),
                        validators=[DataRequired(_l("Enter the first month the new target applies to, as YYYY-MM."))])
    amount = StringField(_l("Monthly target (CNY)"), validators=[DataRequired(_l("Enter the new monthly target in yuan."))])
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Say why the target changes: the reason is kept with the change.")), _max(500)])


class CollectionForm(FlaskForm):
    amount = StringField(_l("Amount received (CNY)"), validators=[DataRequired(_l("Enter the amount received."))])
    received_at = BeijingDateTimeField(_l("Received at (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                     # InputRequired, not DataRequired: "not a date" must stay the message
                                     validators=[InputRequired(_l("Enter the date and time the money was received."))])
    reference = StringField(_l("Bank reference"),
                            validators=[DataRequired(_l("Enter the bank reference of the payment.")), _max(100)])
    note = TextAreaField(_l("Note"), validators=[Optional(), _max(500)])

    def validate_received_at(self, field):
        # A year typed short ("0026") would overflow when the time is turned into UTC.
        if field.data is not None and field.data.year < 2000:
            raise ValidationError(_l("Enter a date from January 2000 on."))
