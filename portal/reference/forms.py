from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

CODE = Regexp(r"^[A-Za-z0-9_\-]+$", message=_l("Use letters, digits, - and _ only."))


class ReferenceItemForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a code.")), Length(max=40), CODE])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(_l("Enter the English name.")), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(_l("Enter the Chinese name.")), Length(max=120)])
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=9999)])
    active = BooleanField(_l("In use"), default=True)


class TierForm(ReferenceItemForm):
    min_score = DecimalField(
        _l("Minimum scorecard total (optional)"), places=2, render_kw={"inputmode": "decimal"},
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("Enter a score from 0 to 100."))])


class TerritoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a code.")), Length(max=20), CODE])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(_l("Enter the English name.")), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(_l("Enter the Chinese name.")), Length(max=120)])
    parent_id = SelectField(_l("Province (empty for a province)"), coerce=int, validators=[Optional()])
    managers = SelectMultipleField(_l("Channel managers covering it"), coerce=int)
    active = BooleanField(_l("In use"), default=True)
