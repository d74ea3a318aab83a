"""The signed partner's own business: profile, outlets, staff; the deposit payments managers record.

Plain functions: they take the acting user and validated values, check the rules, change the
objects and raise DomainError naming the field. The caller commits. Partner and Outlet are
Audited, so every change is written to the audit trail with its actor.
"""
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.accounts import services as accounts
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import local_today_in
from portal.core.permissions import (
    PARTNER_ADMIN, PARTNER_STAFF, can_manage_partner, can_view_partner, has_permission,
)
from portal.core.validators import mobile_error, normalise_mobile
from portal.extensions import db
from portal.notifications.services import notify
from portal.partners import ledger
from portal.partners.models import OUTLET_KINDS, Outlet
from portal.reference.models import Territory

# Landline: area code 0 + 2–3 digits, 7–8 digits, optional extension; or a 400/800 number.
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
SERVICE_NUMBER_RE = re.compile(r"^[48]00-?\d{3}-?\d{4}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EARLIEST_OPENING = date(1949, 10, 1)
MAX_AMOUNT = Decimal("999999999999.99")


def _require_manager_of(partner, actor):
    if not can_manage_partner(actor, partner):
        raise DomainError(_l("Only the partner's administrator may change this."))


# ---- profile ----------------------------------------------------------------------------------


def normalise_phone(value):
    """A mainland mobile (13812345678) or landline (0755-88888888, 010-12345678-123, 400-123-4567)
    number in a canonical form, or raise DomainError on the ``phone`` field."""
    raw = (value or "").strip()
    if not raw:
        raise DomainError(_l("Enter a phone number."), field="phone")
    if mobile_error(raw) is None:
        return normalise_mobile(raw)
    compact = re.sub(r"[\s()（）]", "", raw).replace("—", "-").replace("－", "-")
    if compact.startswith("+86") or compact.startswith("0086"):
        rest = compact[3:] if compact.startswith("+86") else compact[4:]
        rest = rest.lstrip("-")
        compact = rest if rest.startswith("0") or rest[:3] in ("400", "800") else "0" + rest
    if re.match(r"^0\d{2,3}\d{7,8}$", compact):  # no dash: split after the area code
        area = 3 if compact[1] in "12" else 4  # 010, 020–029 have 3 digits; others 4
        compact = compact[:area] + "-" + compact[area:]
    if LANDLINE_RE.match(compact) or SERVICE_NUMBER_RE.match(compact):
        return compact
    raise DomainError(
        _l("Enter a mainland mobile number (e.g. 13812345678) or a landline with its area code (e.g. 0755-88888888)."),
        field="phone",
    )


def update_profile(partner, data, actor):
    """Change the contact details. The name and credit code come from the agreement and are
    not changed here."""
    _require_manager_of(partner, actor)
    errors = {}
    contact = (data.get("contact_name") or "").strip()
    if not contact:
        errors["contact_name"] = [_l("Enter the contact person.")]
    elif len(contact) > 100:
        errors["contact_name"] = [_l("At most %(max)d characters.", max=100)]
    try:
        phone = normalise_phone(data.get("phone"))
    except DomainError as error:
        errors["phone"] = [error.message]
        phone = None
    email = (data.get("email") or "").strip().lower()
    if not email or not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = [_l("Enter a valid e-mail address, e.g. name@company.cn.")]
    address = (data.get("address") or "").strip()
    if not address:
        errors["address"] = [_l("Enter the address.")]
    elif len(address) > 300:
        errors["address"] = [_l("At most %(max)d characters.", max=300)]
    if errors:
        raise ValidationError(errors)
    partner.contact_name = contact
    partner.phone = phone
    partner.email = email
    partner.address = address
    return partner


# ---- outlets ----------------------------------------------------------------------------------


def _outlet_values(partner, data, outlet=None, today=None):
    today = today or local_today_in()
    errors = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [_l("Enter the outlet's name.")]
    elif len(name) > 200:
        errors["name"] = [_l("At most %(max)d characters.", max=200)]
    else:
        clash = [o for o in partner.outlets
                 if o.active and o is not outlet and o.name.strip().casefold() == name.casefold()]
        if clash:
            errors["name"] = [_l("You already have an outlet named “%(name)s”.", name=name)]
    address = (data.get("address") or "").strip()
    if not address:
        errors["address"] = [_l("Enter the outlet's address.")]
    elif len(address) > 300:
        errors["address"] = [_l("At most %(max)d characters.", max=300)]
    city = data.get("city")
    if city is None or not isinstance(city, Territory) or city.level != "city" or not city.active:
        errors["city_id"] = [_l("Choose the city the outlet is in.")]
    kind = data.get("kind")
    if kind not in OUTLET_KINDS:
        errors["kind"] = [_l("Choose the type of outlet.")]
    opened_on = data.get("opened_on")
    if opened_on is not None:
        if opened_on > today + timedelta(days=365):
            errors["opened_on"] = [_l("The opening date can be at most a year from today.")]
        elif opened_on < EARLIEST_OPENING:
            errors["opened_on"] = [_l("Enter an opening date after 1 October 1949.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "address": address, "city_id": city.id, "kind": kind, "opened_on": opened_on}


def add_outlet(partner, data, actor, today=None):
    _require_manager_of(partner, actor)
    values = _outlet_values(partner, data, today=today)
    outlet = Outlet(partner=partner, active=True, **values)
    db.session.add(outlet)
    db.session.flush()
    return outlet


def update_outlet(outlet, data, actor, today=None):
    _require_manager_of(outlet.partner, actor)
    if not outlet.active:
        raise DomainError(_l("This outlet is closed. Reopen it before changing it."))
    for key, value in _outlet_values(outlet.partner, data, outlet=outlet, today=today).items():
        setattr(outlet, key, value)
    return outlet


def set_outlet_active(outlet, active, actor):
    """Close (deactivate) or reopen an outlet. Outlets are never deleted: their history stays."""
    _require_manager_of(outlet.partner, actor)
    if active and not outlet.active:
        clash = [o for o in outlet.partner.outlets
                 if o.active and o is not outlet and o.name.strip().casefold() == outlet.name.strip().casefold()]
        if clash:
            raise DomainError(_l("Another open outlet is named “%(name)s”. Rename one of them first.", name=outlet.name))
    outlet.active = bool(active)
    return outlet


# ---- staff ------------------------------------------------------------------------------------


def invite_staff(partner, email, name, locale, actor):
    """Create a partner staff account of ``partner`` and e-mail it a link to choose a password."""
    _require_manager_of(partner, actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Enter a name."), field="name")
    user = accounts.create_user(email, name, PARTNER_STAFF, locale=locale)
    user.partner_id = partner.id
    db.session.flush()
    accounts.send_password_link(user, "invite")
    return user


def _check_own_staff(partner, member, actor):
    _require_manager_of(partner, actor)
    if member.partner_id != partner.id or member.role not in (PARTNER_ADMIN, PARTNER_STAFF):
        raise DomainError(_l("This person is not one of your organisation's staff."))
    if member.role != PARTNER_STAFF:
        raise DomainError(_l("Only staff accounts can be changed here; ask your channel manager about administrator accounts."))


def set_staff_active(partner, member, active, actor):
    """Deactivate a staff member (every session of theirs ends) or let them sign in again."""
    _check_own_staff(partner, member, actor)
    if active:
        accounts.reactivate(member, actor)
    else:
        accounts.deactivate(member, actor)
    return member


def resend_invitation(partner, member, actor):
    _check_own_staff(partner, member, actor)
    if not member.active:
        raise DomainError(_l("This account is deactivated. Reactivate it first."))
    if member.password_hash:
        raise DomainError(_l("%(name)s has already chosen a password and can sign in.", name=member.name))
    return accounts.send_password_link(member, "invite")


# ---- deposit ----------------------------------------------------------------------------------


def parse_amount(value):
    """A positive amount in yuan with at most two decimals, as a Decimal (never float)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", "")) if value is not None else None
    except InvalidOperation:
        amount = None
    # The size is checked before quantize(), which cannot hold "1e100" and would raise.
    if amount is None or not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT \
            or amount != amount.quantize(ledger.CENT):
        raise DomainError(_l("Enter an amount greater than zero, in yuan with at most two decimals."), field="amount")
    return amount.quantize(ledger.CENT)


def record_payment(partner, amount, reference, note, actor):
    """A manager records a deposit payment received from the partner, with the bank reference.
    Opens the deposit account if the partner has none yet."""
    if not has_permission(actor, "agreements.manage") or not can_view_partner(actor, partner):
        raise DomainError(_l("Only the partner's channel manager or an administrator may record payments."))
    amount = parse_amount(amount)
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_l("Enter the bank reference of the payment."), field="reference")
    if len(reference) > 100:
        raise DomainError(_l("At most %(max)d characters.", max=100), field="reference")
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise DomainError(_l("At most %(max)d characters.", max=500), field="note")
    account = partner.deposit_account or ledger.open_account(partner)
    movement = ledger.record_movement(account, "paid", amount, actor, reference=reference, note=note)
    for person in partner.users:
        if person.role == PARTNER_ADMIN and person.active:
            notify(person, "deposit_paid", {"amount": f"{amount:,.2f}", "reference": reference},
                   link=url_for("partners.deposit"))
    return movement
