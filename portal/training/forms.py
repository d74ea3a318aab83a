"""Authoring forms (modules, lessons, attachments, questions).

The forms only turn the request into typed values; the rules and their messages live in
portal.training.authoring_services, which the views call.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField, SelectField, \
    StringField, TextAreaField
from wtforms.validators import Optional

from portal.training.authoring_services import MAX_OPTIONS
from portal.training.models import QUESTION_KINDS


class Required:
    """Marks a field as required (asterisk, ``required``) without checking: the service checks."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


def number(label):
    return IntegerField(label, validators=[Optional(strip_whitespace=True)],
                        render_kw={"inputmode": "numeric"})


class ModuleForm(FlaskForm):
    title_zh = StringField(_l("Title in Chinese"), validators=[Required()], render_kw={"lang": "zh-CN"})
    title_en = StringField(_l("Title in English"), validators=[Required()], render_kw={"lang": "en"})
    description_zh = TextAreaField(_l("Description in Chinese"), validators=[Required()],
                                   render_kw={"lang": "zh-CN", "rows": 3})
    description_en = TextAreaField(_l("Description in English"), validators=[Required()],
                                   render_kw={"lang": "en", "rows": 3})
    pass_mark = number(_l("Pass mark (%)"))
    questions_per_attempt = number(_l("Questions per attempt"))
    max_attempts = number(_l("Maximum attempts"))
    time_limit_minutes = number(_l("Time limit (minutes)"))
    certificate_validity_days = number(_l("Certificate valid for (days)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pass_mark", "questions_per_attempt", "max_attempts", "certificate_validity_days"):
            getattr(self, name).flags.required = True


class LessonForm(FlaskForm):
    title_zh = StringField(_l("Title in Chinese"), validators=[Required()], render_kw={"lang": "zh-CN"})
    title_en = StringField(_l("Title in English"), validators=[Required()], render_kw={"lang": "en"})
    body_zh = TextAreaField(_l("Text in Chinese"), validators=[Required()], render_kw={"lang": "zh-CN", "rows": 12})
    body_en = TextAreaField(_l("Text in English"), validators=[Required()], render_kw={"lang": "en", "rows": 12})
    video_url = StringField(_l("Video link (optional)"), render_kw={"type": "url", "inputmode": "url"})


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF, JPG, PNG, PowerPoint, Word, Excel or ZIP, at most 20 MB)"))
    label = StringField(_l("Label (optional)"))


class OptionForm(Form):
    option_id = HiddenField()
    text_zh = StringField(_l("Chinese"), render_kw={"lang": "zh-CN"})
    text_en = StringField(_l("English"), render_kw={"lang": "en"})
    correct = BooleanField(_l("Correct"))


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"), choices=list(QUESTION_KINDS.items()), validate_choice=False)
    text_zh = TextAreaField(_l("Question in Chinese"), validators=[Required()], render_kw={"lang": "zh-CN", "rows": 3})
    text_en = TextAreaField(_l("Question in English"), validators=[Required()], render_kw={"lang": "en", "rows": 3})
    options = FieldList(FormField(OptionForm), min_entries=MAX_OPTIONS, max_entries=MAX_OPTIONS)
    tf_answer = RadioField(_l("The statement is"), choices=[("true", _l("True (对)")), ("false", _l("False (错)"))],
                           validate_choice=False)
    active = BooleanField(_l("Active (may be drawn for exams)"), default=True)

    def data_for_service(self):
        return {
            "kind": self.kind.data,
            "text_zh": self.text_zh.data,
            "text_en": self.text_en.data,
            "active": self.active.data,
            "tf_answer": self.tf_answer.data,
            "options": [{"id": entry.option_id.data, "text_zh": entry.text_zh.data, "text_en": entry.text_en.data,
                         "correct": entry.correct.data} for entry in self.options],
        }

    def fill_from(self, question):
        """Show a stored question (GET): its options in order, then empty rows."""
        self.kind.data, self.text_zh.data, self.text_en.data = question.kind, question.text_zh, question.text_en
        self.active.data = question.active
        if question.kind == "true_false":
            correct = next((o for o in question.options if o.correct), None)
            self.tf_answer.data = "true" if correct and correct.text_en == "True" else "false" if correct else None
            return
        for entry, option in zip(self.options, question.options):
            entry.option_id.data = str(option.id)
            entry.text_zh.data, entry.text_en.data, entry.correct.data = option.text_zh, option.text_en, option.correct
