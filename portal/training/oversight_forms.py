"""Forms of the oversight pages: curriculum rules, manual assignments, the training gate."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from portal.partners.forms import LocalDateField


def _int_or_zero(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class RuleForm(FlaskForm):
    module_id = SelectField(_l("Module"), coerce=_int_or_zero,
                            validators=[DataRequired(_l("Choose a published module."))])
    channel_type_id = SelectField(_l("Channel type"), coerce=_int_or_zero)
    tier_id = SelectField(_l("Partner tier"), coerce=_int_or_zero)
    due_days = IntegerField(_l("Due after (days)"), default=30, validators=[
        InputRequired(_l("Enter a number of days.")),
        NumberRange(min=1, max=3650, message=_l("Enter a number of days from 1 to 3650.")),
    ])


class AssignForm(FlaskForm):
    module_id = SelectField(_l("Module"), coerce=_int_or_zero,
                            validators=[DataRequired(_l("Choose a published module."))])
    partner_id = SelectField(_l("Partner"), coerce=_int_or_zero, validators=[DataRequired(_l("Choose a partner."))])
    # Grouped by partner ({partner name: [(id, name)]}), shown with macros/forms.html grouped_select;
    # empty means the whole organisation. The service checks the person belongs to the partner.
    user_id = SelectField(_l("Person"), coerce=_int_or_zero, validate_choice=False)
    due_on = LocalDateField(_l("Due date"), validators=[Optional()])


class SettingsForm(FlaskForm):
    training_required_for_materials = BooleanField(
        _l("Partners must complete their required training before ordering promotional material"))
