"""The term sheet form: the terms, and one table row (rate, target) per product line.

The rules on the values (two decimals, 0–100 %, end after start, at least one line…) live in
services.validate_terms; the form runs them too, so that every message shows in one pass.
"""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.core.errors import ValidationError as TermsInvalid
from portal.negotiation import services

THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


def clean_number(text):
    """What a person typed as a number, as a decimal string for Decimal(): spaces, a ¥ or % sign
    and thousands separators ("20,000.10") are dropped; a decimal comma ("3,35") is left as it is,
    so that it is refused rather than read as 335. Never a float."""
    text = (text or "").translate(FULL_WIDTH).strip().replace(" ", "").replace("\u00a0", "")
    text = text.removeprefix("¥").removeprefix("￥").removesuffix("%").strip()
    if THOUSANDS.match(text):
        text = text.replace(",", "")
    return text


class TermSheetForm(FlaskForm):
    based_on = HiddenField()
    territory_ids = SelectMultipleField(_l("Territories"), coerce=int,
                                        validators=[DataRequired(_l("Choose at least one territory."))])
    exclusive = BooleanField(_l("Exclusive: no other partner of this channel type in these territories"))
    channel_type_id = SelectField(_l("Channel type"), coerce=int, validators=[DataRequired(_l("Choose a channel type."))])
    tier_id = SelectField(_l("Tier"), coerce=int, validators=[DataRequired(_l("Choose a tier."))])
    start_date = DateField(_l("Start date"), validators=[InputRequired(_l("Enter the start date."))])
    end_date = DateField(_l("End date"), validators=[InputRequired(_l("Enter the end date."))])
    deposit = StringField(_l("Credit deposit (CNY)"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    rent_subsidy_per_outlet = StringField(_l("Rent subsidy per outlet (CNY)"),
                                          render_kw={"inputmode": "decimal", "autocomplete": "off"})
    payment_terms = TextAreaField(_l("Payment terms"), validators=[Length(max=services.TEXT_MAX)])
    special_clauses = TextAreaField(_l("Special clauses"), validators=[Length(max=services.TEXT_MAX)])
    note = TextAreaField(_l("Message with this version"), validators=[Length(max=services.TEXT_MAX)])

    product_lines = ()  # set by term_sheet_form()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.general_errors = []  # not about one field (e.g. a version arrived meanwhile)
        self.lines_errors = []  # about the product lines as a whole
        for name in ("deposit", "rent_subsidy_per_outlet"):
            self[name].flags.required = True  # checked by services.validate_terms
        self.line_rows = [(pl, self[f"rate_{pl.id}"], self[f"target_{pl.id}"]) for pl in self.product_lines]

    def values(self):
        """The form's values for services.propose_terms (numbers as decimal strings)."""
        return {
            "territory_ids": list(self.territory_ids.data or []),
            "exclusive": bool(self.exclusive.data),
            "channel_type_id": self.channel_type_id.data or None,
            "tier_id": self.tier_id.data or None,
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "deposit": clean_number(self.deposit.data),
            "rent_subsidy_per_outlet": clean_number(self.rent_subsidy_per_outlet.data),
            "payment_terms": self.payment_terms.data,
            "special_clauses": self.special_clauses.data,
            "note": self.note.data,
            "lines": [{"product_line_id": pl.id, "commission_rate": clean_number(rate.data),
                       "monthly_target": clean_number(target.data)} for pl, rate, target in self.line_rows],
        }

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        try:
            services.validate_terms(self.values())
        except TermsInvalid as error:
            self.place_errors(error.errors)
            valid = False
        return valid

    def place_errors(self, errors):
        """Put field errors from the service on the fields (once each); the rest above the form."""
        for name, messages in errors.items():
            field = self._fields.get(name) if name else None
            if name == "lines":
                self.lines_errors += [str(m) for m in messages if str(m) not in self.lines_errors]
            elif field is None or field.type == "HiddenField":
                self.general_errors += [str(m) for m in messages if str(m) not in self.general_errors]
            elif not field.errors:
                field.errors = list(field.errors) + [str(m) for m in messages]

    def fill(self, values):
        """Prefill from services.values_from_sheet() (a new version starts from the latest one)."""
        self.territory_ids.data = values["territory_ids"]
        self.exclusive.data = values["exclusive"]
        self.channel_type_id.data = values["channel_type_id"] or 0
        self.tier_id.data = values["tier_id"] or 0
        self.start_date.data, self.end_date.data = values["start_date"], values["end_date"]
        self.deposit.data = str(values["deposit"])
        self.rent_subsidy_per_outlet.data = str(values["rent_subsidy_per_outlet"])
        self.payment_terms.data = values["payment_terms"] or ""
        self.special_clauses.data = values["special_clauses"] or ""
        for line in values["lines"]:
            pid = line["product_line_id"]
            if f"rate_{pid}" in self._fields:
                self[f"rate_{pid}"].data = str(line["commission_rate"])
                self[f"target_{pid}"].data = str(line["monthly_target"])


def term_sheet_form(product_lines, **kwargs):
    """A TermSheetForm with a rate and a target field for each of ``product_lines``."""

    class Form(TermSheetForm):
        pass

    Form.product_lines = tuple(product_lines)
    for pl in product_lines:
        setattr(Form, f"rate_{pl.id}", StringField(
            _l("Commission rate for %(line)s (%%)", line=pl.label),
            render_kw={"inputmode": "decimal", "autocomplete": "off"}))
        setattr(Form, f"target_{pl.id}", StringField(
            _l("Monthly target for %(line)s (CNY)", line=pl.label),
            render_kw={"inputmode": "decimal", "autocomplete": "off"}))
    return Form(**kwargs)
