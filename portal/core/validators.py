"""Validators for Chinese business data, usable by forms, importers and services."""
import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_credit_code(value):
    return re.sub(r"\s+", "", value or "").upper().translate(
        str.maketrans("０１２３４５６７８９", "0123456789")
    )


def credit_code_check_char(first17):
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_error(value):
    """None if ``value`` is a valid unified social credit code, else the reason."""
    code = normalise_credit_code(value)
    if len(code) != 18:
        return _l("A unified social credit code has 18 characters; this one has %(n)d.", n=len(code))
    bad = [ch for ch in code if ch not in CREDIT_CODE_ALPHABET]
    if bad:
        return _l("The character “%(ch)s” cannot appear in a unified social credit code.", ch=bad[0])
    if credit_code_check_char(code[:17]) != code[17]:
        return _l("The check character (the last one) does not match: please check the code on the licence.")
    return None


def normalise_mobile(value):
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def mobile_error(value):
    if not MOBILE_RE.match(normalise_mobile(value)):
        return _l("Enter a mainland China mobile number: 11 digits starting with 1, e.g. 13812345678.")
    return None


class CreditCode:
    def __call__(self, form, field):
        if field.data:
            error = credit_code_error(field.data)
            if error:
                raise ValidationError(error)
            field.data = normalise_credit_code(field.data)


class MainlandMobile:
    def __call__(self, form, field):
        if field.data:
            error = mobile_error(field.data)
            if error:
                raise ValidationError(error)
            field.data = normalise_mobile(field.data)
