"""Forms of the learner's pages. The exam itself is not a WTForms form: its fields (q1, q2…,
each valued by displayed option position) are made from the attempt, and read back here."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class VerifyCodeForm(FlaskForm):
    """The public "check a certificate" form (GET, so no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(_l("Verification code"),
                       validators=[DataRequired(_l("Enter the code printed on the certificate.")),
                                   Length(max=40, message=_l("A verification code has 12 letters and digits."))])


def parse_answers(formdata, attempt):
    """{question position: [displayed option positions]} from the submitted exam form.

    Field ``q<position>`` holds the chosen positions (one for a radio group, any number for
    checkboxes). Anything that is not a whole number is ignored: it cannot be a right answer.
    """
    answers = {}
    for item in attempt.items:
        chosen = []
        for value in formdata.getlist(f"q{item.position}"):
            value = (value or "").strip()
            if value.isdigit() and len(value) <= 3:
                chosen.append(int(value))
        answers[item.position] = chosen
    return answers
