"""Forms of the scorecard pages. They turn the request into values; the rules and their messages
are in portal.scorecards.services, whose errors land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from portal.partners.forms import _int_or_none
from portal.scorecards.services import REASON_MAX

NUMBER_INPUT = {"inputmode": "numeric", "autocomplete": "off"}


class Required:
    """Marks a field as required (asterisk, ``required``) without checking: the service checks."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class RecomputeForm(FlaskForm):
    month = HiddenField()


class ApplyTierForm(FlaskForm):
    month = HiddenField()
    tier_id = SelectField(_l("New tier"), coerce=_int_or_none, validators=[Required()], validate_choice=False)
    reason = TextAreaField(_l("Reason (the partner reads it)"), validators=[Required()],
                           render_kw={"rows": 3, "maxlength": REASON_MAX})


class SettingsForm(FlaskForm):
    scorecard_weight_sales = StringField(_l("Weight of sales against target"), render_kw=NUMBER_INPUT)
    scorecard_weight_collection = StringField(_l("Weight of payment collection"), render_kw=NUMBER_INPUT)
    scorecard_weight_training = StringField(_l("Weight of training completion"), render_kw=NUMBER_INPUT)
    scorecard_weight_inspection = StringField(_l("Weight of inspection scores"), render_kw=NUMBER_INPUT)
    scorecard_points_per_conflict = StringField(_l("Points taken off per conflict case ruled against the partner"),
                                                render_kw=NUMBER_INPUT)
    scorecard_points_per_complaint = StringField(_l("Points taken off per complaint against the partner"),
                                                 render_kw=NUMBER_INPUT)
