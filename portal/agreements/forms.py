"""Forms for agreement templates, generating an agreement and verifying a PDF."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.agreements.documents import LANGUAGES

BODY_MAX = 100_000


class TemplateForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a short code, e.g. campus-agent.")),
                                               Length(max=40, message=_l("At most %(max)d characters."))])
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(_l("Enter the Chinese name.")),
                                                            Length(max=200, message=_l("At most %(max)d characters."))])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(_l("Enter the English name.")),
                                                            Length(max=200, message=_l("At most %(max)d characters."))])
    body_zh = TextAreaField(_l("Clauses in Chinese"), validators=[
        DataRequired(_l("Write the clauses of the agreement.")),
        Length(max=BODY_MAX, message=_l("At most %(max)d characters."))], render_kw={"rows": 16, "spellcheck": "false"})
    body_en = TextAreaField(_l("Clauses in English"), validators=[
        DataRequired(_l("Write the clauses of the agreement.")),
        Length(max=BODY_MAX, message=_l("At most %(max)d characters."))], render_kw={"rows": 16, "spellcheck": "false"})
    preview = SubmitField(_l("Preview with sample terms"))
    save = SubmitField(_l("Save"))


class GenerateForm(FlaskForm):
    template_id = SelectField(_l("Template"), coerce=int, validators=[DataRequired(_l("Choose a template."))])
    language = SelectField(_l("Language of the agreement"), choices=list(LANGUAGES.items()), default="bilingual",
                           validators=[DataRequired(_l("Choose the language of the agreement."))])


class VerifyForm(FlaskForm):
    number = StringField(_l("Agreement number"), validators=[Optional(), Length(max=40)],
                         render_kw={"autocomplete": "off", "placeholder": "AG-2026-000042"})
    file = FileField(_l("The agreement PDF"))
