"""Forms of the rent subsidy pages. They turn the request into values; the rules and their
messages are in portal.subsidies.services, whose errors land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from portal.finance.forms import PROOF_INPUT, Required
from portal.partners.forms import LocalDateField, _int_or_none


class UploadForm(FlaskForm):
    outlet_id = SelectField(_l("Outlet"), coerce=_int_or_none, validate_choice=False, validators=[Required()])
    landlord = StringField(_l("Landlord"), validators=[Required()])
    monthly_rent = StringField(_l("Monthly rent (CNY, optional)"), render_kw={"inputmode": "decimal"})
    # Optional(): an empty date is left to the service, which names what is missing.
    starts_on = LocalDateField(_l("The lease starts on"), validators=[Required(), Optional()])
    ends_on = LocalDateField(_l("The lease ends on"), validators=[Required(), Optional()])
    file = FileField(_l("The lease"), validators=[Required()], render_kw=PROOF_INPUT)


class AcceptForm(FlaskForm):
    confirm = BooleanField(_l("I checked that this lease is for the outlet's address and covers these dates"),
                           validators=[DataRequired(_l("Tick the box to confirm that you checked the lease."))])
    note = TextAreaField(_l("Note (optional; the partner reads it)"), render_kw={"rows": 2})


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the partner reads it)"), validators=[Required()], render_kw={"rows": 3})
