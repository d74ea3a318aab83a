from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, DecimalField, EmailField, HiddenField, IntegerField, SelectField,
    SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.validators import CreditCode, MainlandMobile
from portal.recruitment.models import ACTIVITY_KINDS

EARLIEST_ACTIVITY_YEAR = 1900


def required(message):
    return DataRequired(message)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProspectFieldsMixin:
    company_name = StringField(_l("Company name"), validators=[required(_l("Enter the company name.")), Length(max=200, message=_l("At most %(max)d characters."))])
    credit_code = StringField(_l("Unified social credit code"), validators=[required(_l("Enter the 18-character unified social credit code.")), CreditCode()])
    legal_representative = StringField(_l("Legal representative"), validators=[required(_l("Enter the legal representative.")), Length(max=100, message=_l("At most %(max)d characters."))])
    contact_name = StringField(_l("Contact person"), validators=[required(_l("Enter the contact person.")), Length(max=100, message=_l("At most %(max)d characters."))])
    mobile = StringField(_l("Mobile phone"), validators=[required(_l("Enter a mobile phone number.")), MainlandMobile()])
    email = EmailField(_l("E-mail"), validators=[required(_l("Enter an e-mail address.")), Email(_l("Enter a valid e-mail address, e.g. name@company.cn.")), Length(max=254)])
    territory_id = SelectField(_l("Province and city"), coerce=int, validators=[required(_l("Choose the province and city you will cover."))])
    channel_type_id = SelectField(_l("Channel type"), coerce=int, validators=[required(_l("Choose a channel type."))])
    outlet_count = IntegerField(_l("Number of outlets"), validators=[InputRequired(_l("Enter the number of outlets (0 if none yet).")), NumberRange(min=0, max=100000, message=_l("Enter a number from %(min)s to %(max)s."))])
    registered_capital = DecimalField(_l("Registered capital (CNY)"), places=2, validators=[InputRequired(_l("Enter the registered capital in yuan.")), NumberRange(min=0, max=10**15, message=_l("Enter an amount of 0 or more."))])
    years_in_business = IntegerField(_l("Years in business"), validators=[InputRequired(_l("Enter the years in business (0 if new).")), NumberRange(min=0, max=200, message=_l("Enter a number from %(min)s to %(max)s."))])
    product_lines = MultiCheckboxField(_l("Product lines of interest"), coerce=int, validators=[required(_l("Choose at least one product line."))])
    pitch = TextAreaField(_l("Why should we work together?"), validators=[required(_l("Tell us briefly about your business and plans.")), Length(max=4000, message=_l("At most %(max)d characters."))])


class ApplicationForm(ProspectFieldsMixin, FlaskForm):
    licence = FileField(_l("Business licence (PDF, JPG or PNG, at most 10 MB)"))
    licence_ref = HiddenField()
    consent = BooleanField(
        _l("I agree that my personal information is processed to assess this application, as described in the privacy notice (PIPL)."),
        validators=[DataRequired(_l("Your consent is needed to process the application."))],
    )


class ProspectForm(ProspectFieldsMixin, FlaskForm):
    """Managers entering a prospect found in the field: only the name, contact and area are needed."""

    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("credit_code", "legal_representative", "mobile", "email", "outlet_count",
                     "registered_capital", "years_in_business", "product_lines", "pitch", "channel_type_id"):
            field = getattr(self, name)
            field.validators = [Optional()] + [v for v in field.validators if not isinstance(v, (DataRequired, InputRequired))]
            field.flags.required = False


class StageForm(FlaskForm):
    to_stage = SelectField(_l("Move to"), validators=[required(_l("Choose a stage."))])
    reason = TextAreaField(_l("Note or reason"), validators=[Length(max=2000)])


class ActivityForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(ACTIVITY_KINDS.items()))
    occurred_at = DateTimeLocalField(_l("When"), format="%Y-%m-%dT%H:%M", validators=[required(_l("Enter the date and time."))])
    participants = StringField(_l("Participants"), validators=[Length(max=300)])
    outcome = TextAreaField(_l("Outcome"), validators=[required(_l("Write what came of it.")), Length(max=4000)])

    def validate_occurred_at(self, field):
        # A year typed short ("0026") would overflow when the local time is turned into UTC.
        if field.data is not None and field.data.year < EARLIEST_ACTIVITY_YEAR:
            raise ValidationError(_l("Enter a date and time after %(year)d.", year=EARLIEST_ACTIVITY_YEAR))


class FollowUpForm(FlaskForm):
    due_date = DateField(_l("Due"), validators=[required(_l("Enter a due date."))])
    note = StringField(_l("What to do"), validators=[required(_l("Say what to do.")), Length(max=500)])
    assignee_id = SelectField(_l("Who"), coerce=int)


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[required(_l("Write a message.")), Length(max=4000)])
    is_question = BooleanField(_l("This is a question the applicant should answer"))


class DocumentForm(FlaskForm):
    file = FileField(_l("Document (PDF, JPG or PNG, at most 10 MB)"))
    description = StringField(_l("Description"), validators=[Length(max=300)])


class AssignForm(FlaskForm):
    owner_id = SelectField(_l("Owner"), coerce=int)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or Excel file (.csv, .xlsx)"))
