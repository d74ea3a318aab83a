"""Forms of the bank account pages. They turn the request into values; the rules and their
messages are in portal.finance.services, whose errors land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, FileField, StringField, TextAreaField

from portal.finance.services import PROOF_MAX_BYTES

PROOF_INPUT = {"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg", "data-max-bytes": PROOF_MAX_BYTES,
               "data-too-large": _l("This file is larger than 10 MB. Please send a smaller file.")}


class Required:
    """Marks a field as required (asterisk, ``required``) without checking: the service checks."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class ChangeForm(FlaskForm):
    account_name = StringField(_l("Account name"), validators=[Required()], render_kw={"autocomplete": "off"})
    bank_name = StringField(_l("Bank"), validators=[Required()])
    branch = StringField(_l("Branch (optional)"))
    account_number = StringField(_l("Account number"), validators=[Required()],
                                 render_kw={"inputmode": "numeric", "autocomplete": "off"})
    contact_email = EmailField(_l("E-mail for payment notices (optional)"), render_kw={"autocomplete": "email"})
    reason = TextAreaField(_l("Reason for the change"), render_kw={"rows": 3})
    proof = FileField(_l("Proof of the account"), validators=[Required()], render_kw=PROOF_INPUT)


class ApproveForm(FlaskForm):
    note = TextAreaField(_l("Note (optional; the partner reads it)"), render_kw={"rows": 2})


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the partner reads it)"), validators=[Required()], render_kw={"rows": 3})


class WithdrawForm(FlaskForm):
    pass
