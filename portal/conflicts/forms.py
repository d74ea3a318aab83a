"""Forms of the case pages. They check the shape of what was typed; the rules (lengths, states,
who may act, amounts) are the services', whose errors land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField, StringField, TextAreaField

from portal.conflicts.models import PARTY_ROLES, RULING_ACTIONS
from portal.partners.forms import LocalDateField

EVIDENCE_LABEL = _l("Evidence files")
DAYS_INPUT = {"inputmode": "numeric"}
EVIDENCE_INPUT = {"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CaseForm(FlaskForm):
    kind = SelectField(_l("Kind of conflict"), validate_choice=False)
    title = StringField(_l("Title"))
    description = TextAreaField(_l("What happened"), render_kw={"rows": 6})
    evidence = MultipleFileField(EVIDENCE_LABEL, render_kw=EVIDENCE_INPUT)


class ComplaintForm(FlaskForm):
    title = StringField(_l("Subject"))
    description = TextAreaField(_l("Your complaint"), render_kw={"rows": 6})
    evidence = MultipleFileField(EVIDENCE_LABEL, render_kw=EVIDENCE_INPUT)


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), render_kw={"rows": 4})


class EntryForm(FlaskForm):
    body = TextAreaField(_l("Message"), render_kw={"rows": 4})
    internal = BooleanField(_l("Internal note: managers only, never shown to partners"))


class EvidenceForm(FlaskForm):
    evidence = MultipleFileField(EVIDENCE_LABEL, render_kw=EVIDENCE_INPUT)
    note = StringField(_l("Note (optional)"))


class VendorEvidenceForm(EvidenceForm):
    shared = BooleanField(_l("Share with every party of the case"))


class PartyForm(FlaskForm):
    partner_id = SelectField(_l("Partner"), coerce=_int_or_none, validate_choice=False)
    credit_code = StringField(_l("Or the unified social credit code of a partner outside your territories"))
    role = SelectField(_l("Role in the case"), choices=list(PARTY_ROLES.items()), default="respondent",
                       validate_choice=False)


class StatusForm(FlaskForm):
    to_status = SelectField(_l("Move to"), validate_choice=False)
    status_note = TextAreaField(_l("Note (optional)"), render_kw={"rows": 2})


class DueDateForm(FlaskForm):
    due_on = LocalDateField(_l("Due date"))


class AssignForm(FlaskForm):
    manager_id = SelectField(_l("Manager"), coerce=_int_or_none, validate_choice=False)


class RulingForm(FlaskForm):
    decision = TextAreaField(_l("Decision and reasons"), render_kw={"rows": 6})
    action = SelectField(_l("Action"), choices=[("", _l("Choose…"))] + list(RULING_ACTIONS.items()),
                         validate_choice=False)
    target_id = SelectField(_l("Party the action applies to"), coerce=_int_or_none, validate_choice=False)
    penalty_amount = StringField(_l("Penalty (CNY), debited from that party's deposit"))
    favour_id = SelectField(_l("In favour of"), coerce=_int_or_none, validate_choice=False)


class SettingsForm(FlaskForm):
    case_due_days = StringField(_l("Days to resolve a channel conflict case"), render_kw=DAYS_INPUT)
    complaint_due_days = StringField(_l("Days to answer a partner's complaint about the vendor"), render_kw=DAYS_INPUT)
    deal_protection_days = StringField(_l("Days an approved deal registration is protected from other partners"),
                                       render_kw=DAYS_INPUT)
