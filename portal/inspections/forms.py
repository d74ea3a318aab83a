"""Forms of the inspection pages. They turn the request into typed values; the rules and their
messages are in portal.inspections.services, whose errors land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.inspections.models import INSPECTION_KINDS
from portal.partners.forms import LocalDateField

PHOTO_INPUT = {"accept": ".png,.jpg,.jpeg,image/png,image/jpeg"}


class Required:
    """Marks a field as required (asterisk, ``required``) without checking: the service checks."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


# Whole numbers are typed in text inputs with a numeric keyboard: a type="number" input would
# be invalid HTML when the page shows back what was typed wrong ("7.5", "seven").
NUMBER_INPUT = {"inputmode": "numeric", "autocomplete": "off"}


def _number(label):
    return StringField(label, validators=[Required()], render_kw=NUMBER_INPUT)


class ChecklistForm(FlaskForm):
    name_zh = StringField(_l("Name in Chinese"), validators=[Required()], render_kw={"lang": "zh-CN"})
    name_en = StringField(_l("Name in English"), validators=[Required()], render_kw={"lang": "en"})


class ItemForm(FlaskForm):
    text_zh = StringField(_l("What is checked, in Chinese"), validators=[Required()], render_kw={"lang": "zh-CN"})
    text_en = StringField(_l("What is checked, in English"), validators=[Required()], render_kw={"lang": "en"})
    max_score = _number(_l("Highest score"))
    pass_score = _number(_l("Score needed to pass"))
    position = StringField(_l("Position in the list (optional)"), render_kw=NUMBER_INPUT)


class InspectionForm(FlaskForm):
    """The fields every inspection has; ``inspection_form`` adds a score, a note and a required
    action for each active item of the chosen checklist."""

    kind = SelectField(_l("Kind of visit"), choices=list(INSPECTION_KINDS.items()), validate_choice=False,
                       validators=[Required()])
    # Optional(): an empty date reaches the service, which says what is missing with the other fields.
    inspected_on = LocalDateField(_l("Date of the visit"), validators=[Optional(), Required()])
    notes = TextAreaField(_l("General notes (optional)"), render_kw={"rows": 3})
    photos = MultipleFileField(_l("Photos (optional)"), render_kw=PHOTO_INPUT)
    deadline = LocalDateField(_l("Deadline for the rectification orders"), validators=[Optional()])


def inspection_form(items, **kwargs):
    """An InspectionForm with ``score_<id>``, ``note_<id>`` and ``action_<id>`` for each item."""

    class ItemsForm(InspectionForm):
        pass

    for item in items:
        setattr(ItemsForm, f"score_{item.id}",
                _number(_l("Score, from 0 to %(max)d (passes from %(pass_score)d)", max=item.max_score,
                           pass_score=item.pass_score)))
        setattr(ItemsForm, f"note_{item.id}", StringField(_l("What you saw (optional)")))
        setattr(ItemsForm, f"action_{item.id}", TextAreaField(
            _l("Required action if the item fails (optional)"), render_kw={"rows": 2}))
    return ItemsForm(**kwargs)


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("What you did to put it right"), validators=[Required()], render_kw={"rows": 5})
    photos = MultipleFileField(_l("Photos (optional)"), render_kw=PHOTO_INPUT)


class ReinspectionForm(FlaskForm):
    inspected_on = LocalDateField(_l("Date of the re-inspection"), validators=[Optional(), Required()])
    score = _number(_l("Score"))
    note = StringField(_l("What you saw (optional)"))
    photos = MultipleFileField(_l("Photos (optional)"), render_kw=PHOTO_INPUT)
    decision_note = TextAreaField(_l("Note on the decision (optional)"), render_kw={"rows": 2})


class EscalateForm(FlaskForm):
    escalation_note = TextAreaField(_l("Why the order is escalated"), validators=[Required()], render_kw={"rows": 3})
