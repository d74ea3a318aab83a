"""Is this end customer already registered? The duplicate matcher of deal registration.

Two registrations are of the same customer when, for registrations of another partner that
still count (submitted, held, or approved and still protected: ``counting_condition``):

* their unified social credit codes are equal; or
* their phone numbers are equal (digits only, without the +86 / 0086 country code); or
* their normalised names (``normalise_name``) are equal, **and** they are in the same city, **and**
  they do not carry two different credit codes. A name alone is weak evidence: "华通贸易" in
  Shenzhen and "华通贸易" in Hangzhou are usually two shops, and two different credit codes are
  two legal entities whatever their names. A credit code or a phone is strong evidence and
  matches across cities (the same company buying in two cities is still one customer).

What ``normalise_name`` does, and why (each rule is tried in tests/deals/test_matching.py):

1. NFKC: full-width letters, digits and brackets become half-width (ＡＢＣ１２３（） → ABC123()).
2. Case is folded (Huatong = HUATONG = huatong).
3. Spaces, punctuation and symbols of both scripts are dropped — （）()·,.、-&'" and the like —
   but the words inside brackets stay: (深圳) and （深圳） both become 深圳.
4. Latin legal forms are removed as whole *words* at the end of the name, repeatedly:
   Co., Ltd. / Co.,Ltd / Company Limited / Limited / Ltd / Inc / Incorporated / Corp /
   Corporation / LLC / PLC. Whole words only, so "Costco Ltd" keeps "costco" and does not
   become the same as "Cost Co., Ltd." ("cost").
5. Chinese legal forms are removed wherever they stand: 股份有限公司, 有限责任公司, 有限公司,
   (有限合伙); and at the end: 股份公司, 总公司 (the head office is the company itself), 公司.
   So 华通科技有限公司, 华通科技有限责任公司, 华通科技股份有限公司 and 华通科技公司 are one
   name, and 华通科技有限公司深圳分公司 = 华通科技深圳分公司.
6. Kept on purpose, because they change who the customer is:
   * 分公司 (a branch): 华通科技深圳分公司 is not 华通科技 — a branch buys on its own;
   * 集团 / Group: 华通集团 is not 华通 — a group and one of its companies are different legal
     entities (the credit code links them when it is the same);
   * place names and the words that tell trades apart: 深圳华通 ≠ 深圳华通达,
     Huatong Trading ≠ Huatong Technology, 深圳市华通 ≠ 深圳华通 (we do not guess which 市 is
     part of a place name).
   If removing the legal forms would leave nothing (a name that is only "有限公司"), the name
   is kept as it is after steps 1–3.
"""
import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.core.i18n import business_today
from portal.deals.models import DealRegistration as R
from portal.extensions import db

LATIN_FORMS = frozenset({
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc", "plc",
})
# Removed wherever they stand (longest first: 股份有限公司 contains 有限公司).
CHINESE_FORMS_ANYWHERE = ("股份有限公司", "有限责任公司", "有限公司", "有限合伙")
# Removed at the end only; 公司 not after 分 (a branch, 分公司, is kept).
CHINESE_FORMS_AT_END = re.compile(r"(股份公司|总公司|(?<!分)公司)$")


def _words(text):
    """NFKC, case-folded, with every character that is not a letter, digit or mark turned into a
    space, split into words (a run of Chinese characters is one word)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    cleaned = "".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in text)
    return cleaned.split()


def normalise_name(text):
    """The matching key of a customer's name (see the module's notes)."""
    words = _words(text)
    plain = "".join(words)
    while len(words) > 1 and words[-1] in LATIN_FORMS:
        words.pop()
    key = "".join(words)
    for form in CHINESE_FORMS_ANYWHERE:
        key = key.replace(form, "")
    previous = None
    while key != previous:
        previous = key
        key = CHINESE_FORMS_AT_END.sub("", key)
    return key or plain


def normalise_phone(text):
    """Digits only, without the country code: +86 138-1234-5678 → 13812345678;
    +86 755 8888 8888 → 075588888888 (the trunk 0 of a landline's area code comes back)."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))
    international = False
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif (text or "").strip().startswith(("+86", "＋86")) or (digits.startswith("86") and len(digits) == 13):
        digits, international = digits[2:], True
    if international and digits and not digits.startswith(("0", "1", "400", "800")):
        digits = "0" + digits
    return digits


def match_reasons(new, other):
    """Why ``other`` is the same customer as ``new`` (a list of "credit_code", "phone", "name"),
    empty if it is not. Both are DealRegistration-like (credit_code, phone, customer_key, city_id)."""
    reasons = []
    if new.credit_code and new.credit_code == other.credit_code:
        reasons.append("credit_code")
    if new.phone and new.phone == other.phone:
        reasons.append("phone")
    different_codes = bool(new.credit_code and other.credit_code and new.credit_code != other.credit_code)
    if (new.customer_key and new.customer_key == other.customer_key and not different_codes
            and new.city_id == other.city_id):
        reasons.append("name")
    return reasons


def same_name(a, b):
    """Whether two names written by people are the same name for the matcher."""
    return normalise_name(a) == normalise_name(b)


def counting_condition(today):
    """SQL: a registration that still holds a claim on its customer on ``today``."""
    return sa.or_(R.status.in_(("submitted", "held")),
                  sa.and_(R.status == "approved", sa.or_(R.protected_until.is_(None), R.protected_until >= today)))


def find_matches(registration, today=None, same_partner=False):
    """Registrations of *other* partners (of the same partner with ``same_partner``) that still
    count on ``today`` (business day) and are of the same customer as ``registration``: approved
    ones first, then oldest first (``match_reasons`` tells why each one matches)."""
    today = today or business_today()
    keys = []
    if registration.credit_code:
        keys.append(R.credit_code == registration.credit_code)
    if registration.phone:
        keys.append(R.phone == registration.phone)
    if registration.customer_key:
        keys.append(R.customer_key == registration.customer_key)
    if not keys:
        return []
    query = sa.select(R).where(sa.or_(*keys), counting_condition(today))
    if registration.id is not None:
        query = query.where(R.id != registration.id)
    if same_partner:
        query = query.where(R.partner_id == registration.partner_id)
    else:
        query = query.where(R.partner_id != registration.partner_id)
    query = query.order_by(sa.case((R.status == "approved", 0), else_=1), R.id).options(selectinload(R.partner))
    return [other for other in db.session.scalars(query) if match_reasons(registration, other)]
