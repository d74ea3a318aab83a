"""Deal registration: register, hold on a match, approve, reject, won/lost, expire.

Plain functions taking the acting user and validated values; they raise DomainError naming the
field and never commit (the caller does). DealRegistration is Audited, so each change is in the
audit trail with its actor.

The rules, decided here:

* **First come, first protected.** A registration that matches (``matching.find_matches``) one
  that another partner registered earlier and that still counts (submitted, held, or approved
  and protected) is **held**, and a "deal poaching" conflict case opens automatically with both
  partners as parties. Its partner is told only that the customer is already registered by
  another partner: never the other partner's name, the other registration's number, value or
  dates — not on its pages, list, notifications or e-mails, nor in the case's title and
  description (both partners see the case).
* **Same partner twice** is not a conflict: the partner is warned, naming its own registration,
  and must tick "register it anyway" (e.g. a second product line for the same customer).
* **Approval** protects the registration for ``deal_protection_days`` (a setting, default 90)
  from today (Beijing time). A registration blocked by an earlier claim of another partner
  (approved and still protected, or submitted/held before it) is approved only
  - once that claim is gone (rejected, expired, won, lost), or
  - when a manager overrides with a written reason: the earlier claims then lose their
    protection (an approved one becomes "expired" as of yesterday, a submitted or held one
    "rejected"), with the reason, and their partners are told. A conflict ruling "deal
    reassigned to another partner" is this override.
* **Protection expires** at the end of ``protected_until``: pages show "expired" from the next
  day (``shown_status``), and ``expire_registrations`` (``flask expire-deals``, daily) writes
  it down and tells the partner — idempotent.
* **Won / lost** are marked by the partner's users on an approved (even if its protection has
  lapsed) or expired registration.
"""
from datetime import timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.core import numbers
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_today, business_zone
from portal.core.models import utcnow
from portal.core.permissions import can_view_partner, has_permission
from portal.core.settings import get_setting
from portal.core.validators import credit_code_error, normalise_credit_code
from portal.deals.matching import find_matches, match_reasons, normalise_name, normalise_phone
from portal.deals.models import DealRegistration
from portal.extensions import db
from portal.notifications.services import MESSAGES, notify
from portal.reference.models import ProductLine, Territory

MESSAGES.update({
    "deal_submitted": _l("%(partner)s registered deal %(number)s for %(customer)s: it awaits your approval."),
    "deal_held": _l("Your deal registration %(number)s for %(customer)s is on hold: this customer is already "
                    "registered by another partner. Your channel manager will look into it."),
    "deal_held_manager": _l("Deal registration %(number)s from %(partner)s for %(customer)s is held: the customer is "
                            "already registered by %(other)s."),
    "deal_approved": _l("Your deal registration %(number)s for %(customer)s is approved and protected until "
                        "%(until)s."),
    "deal_rejected": _l("Your deal registration %(number)s for %(customer)s was not approved: %(reason)s"),
    "deal_protection_ended": _l("The protection of your deal registration %(number)s for %(customer)s was ended by "
                                "a manager's decision: %(reason)s"),
    "deal_expired": _l("The protection of your deal registration %(number)s for %(customer)s ended on %(until)s."),
    "deal_unblocked": _l("Deal registration %(number)s for %(customer)s is no longer blocked: the earlier "
                         "registration's protection has ended. You can approve it now."),
    "deal_won": _l("%(partner)s won deal %(number)s for %(customer)s."),
    "deal_lost": _l("%(partner)s lost deal %(number)s for %(customer)s."),
})

REASON_LABELS = {
    "credit_code": _l("same unified social credit code"),
    "phone": _l("same phone number"),
    "name": _l("same name in the same city"),
}
MAX_VALUE = Decimal("999999999999.99")
CENT = Decimal("0.01")
LONGEST_CLOSE_YEARS = 5


# ---- reading -------------------------------------------------------------------------------------


def shown_status(registration, today=None):
    """The status as people see it: an approved registration whose protection has ended shows
    as "expired" from the day after ``protected_until``, before the daily command writes it."""
    today = today or business_today()
    if registration.status == "approved" and registration.protected_until and registration.protected_until < today:
        return "expired"
    return registration.status


def blocking_claims(registration, today=None):
    """The other partners' registrations that stand before ``registration``: approved and still
    protected, or submitted/held earlier than it."""
    return [other for other in find_matches(registration, today)
            if other.status == "approved" or other.id < registration.id]


def note_for_partner(registration):
    """The manager's note the partner may read: the reason of a rejection, or of a decision that
    ended its protection early — never the reason a manager gave for approving it over another
    partner's claim (it may name that partner)."""
    if registration.status == "rejected":
        return registration.decision_note
    if (registration.status == "expired" and registration.decision_note and registration.decided_at
            and registration.protected_until
            and registration.protected_until < registration.decided_at.astimezone(business_zone()).date()):
        return registration.decision_note
    return None


def reason_labels(reasons):
    return [str(REASON_LABELS[r]) for r in reasons]


# ---- registering ---------------------------------------------------------------------------------


def next_number(today=None):
    """DR-2026-0001 …, by year of registration (Beijing time)."""
    return numbers.next_number(DealRegistration.number, f"DR-{(today or business_today()).year}-")


def parse_value(value):
    """An amount in yuan, zero or more, at most two decimals, as a Decimal (never float)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value if value is not None else "").strip().replace(",", "").replace("，", "").lstrip("¥￥")
        if not text:
            raise DomainError(_l("Enter the expected value in yuan (0 if you do not know it yet)."),
                              field="expected_value")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
    # The size is checked before quantize(), which cannot hold "1e100" and would raise.
    if amount is None or not amount.is_finite() or amount < 0 or amount > MAX_VALUE or amount != amount.quantize(CENT):
        raise DomainError(_l("Enter an amount of zero or more, in yuan with at most two decimals."),
                          field="expected_value")
    return amount.quantize(CENT)


def clean(data, today=None):
    """Check the fields of a registration; return the values to store or raise ValidationError
    listing every field that is wrong."""
    from portal.partners.services import normalise_phone as checked_phone

    today = today or business_today()
    errors = {}
    name = (data.get("customer_name") or "").strip()
    if not name:
        errors["customer_name"] = [_l("Enter the customer's name.")]
    elif len(name) > 200:
        errors["customer_name"] = [_l("At most %(max)d characters.", max=200)]
    code = normalise_credit_code(data.get("credit_code")) or None
    if code:
        problem = credit_code_error(code)
        if problem:
            errors["credit_code"] = [problem]
    phone_text = (data.get("phone") or "").strip()
    phone = None
    if phone_text:
        try:
            phone = normalise_phone(checked_phone(phone_text))
        except DomainError as error:
            errors["phone"] = [error.message]
    if not code and not phone_text and "credit_code" not in errors:
        errors["credit_code"] = [_l("Enter the customer's unified social credit code or phone number (at least one).")]
    city = data.get("city")
    if not isinstance(city, Territory) or city.level != "city" or not city.active:
        errors["city_id"] = [_l("Choose the customer's city.")]
    product_line = data.get("product_line")
    if not isinstance(product_line, ProductLine) or not product_line.active:
        errors["product_line_id"] = [_l("Choose the product line.")]
    try:
        value = parse_value(data.get("expected_value"))
    except DomainError as error:
        errors["expected_value"] = [error.message]
        value = None
    close_on = data.get("expected_close_on")
    if close_on is None:
        errors["expected_close_on"] = [_l("Enter the expected close date.")]
    elif close_on < today:
        errors["expected_close_on"] = [_l("The expected close date cannot be in the past.")]
    elif close_on > _years_after(today, LONGEST_CLOSE_YEARS):
        errors["expected_close_on"] = [_l("The expected close date can be at most %(years)d years ahead.",
                                          years=LONGEST_CLOSE_YEARS)]
    description = (data.get("description") or "").strip() or None
    if description and len(description) > 2000:
        errors["description"] = [_l("At most %(max)d characters.", max=2000)]
    if errors:
        raise ValidationError(errors)
    return {"customer_name": name, "customer_key": normalise_name(name), "credit_code": code, "phone": phone,
            "city_id": city.id, "product_line_id": product_line.id, "expected_value": value,
            "expected_close_on": close_on, "description": description}


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def own_duplicates(registration, today=None):
    """The partner's own registrations of the same customer that still count."""
    return find_matches(registration, today, same_partner=True)


def register(partner, data, actor, confirm_duplicate=False, today=None):
    """``actor`` (a user of ``partner``) registers a deal. Held, with a conflict case, when another
    partner registered the customer first; refused with a warning on ``confirm_duplicate`` when
    the partner already has a registration of the customer, unless confirmed. The caller commits."""
    if not has_permission(actor, "deals.register") or actor.partner_id != partner.id:
        raise DomainError(_l("Only the partner's own people may register its deals."))
    today = today or business_today()
    values = clean(data, today)
    registration = DealRegistration(partner_id=partner.id, partner=partner, submitted_by_id=actor.id,
                                    status="submitted", **values)
    if not confirm_duplicate:
        mine = own_duplicates(registration, today)
        if mine:
            raise DomainError(
                _l("You already registered this customer: %(numbers)s. Tick the box to register it again "
                   "(for example for another product line).", numbers=", ".join(r.number for r in mine)),
                field="confirm_duplicate",
            )
    numbers.add_numbered(registration, lambda: next_number(today))
    earlier = find_matches(registration, today)
    if earlier:
        _hold(registration, earlier)
    else:
        manager = partner.manager
        if manager is not None:
            notify(manager, "deal_submitted", _params(registration), link=_admin_link(registration))
    return registration


def _hold(registration, earlier):
    """Hold ``registration`` behind the ``earlier`` claims of other partners and open the case."""
    from portal.conflicts.services import open_case

    registration.status = "held"
    registration.matched_id = earlier[0].id
    reasons = []
    for other in earlier:
        reasons += [r for r in match_reasons(registration, other) if r not in reasons]
    partner = registration.partner
    parties = [(partner, "involved")] + [(other.partner, "involved") for other in earlier]
    # Both partners read the case: its words name neither partner, no number, value or date.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
        title = _("Customer registered by two partners: %(customer)s", customer=registration.customer_name)[:200]
        description = _(
            "A new deal registration for “%(customer)s” matches a registration already on file from another partner "
            "(%(reasons)s). The new registration is held until a manager decides.",
            customer=registration.customer_name, reasons=", ".join(reason_labels(reasons)))
    case = open_case("poaching", "deal_match", title, description, parties, opened_by=None,
                     registration=registration, manager=partner.manager or earlier[0].partner.manager)
    registration.case_id = case.id
    for user in _people(partner):
        notify(user, "deal_held", _params(registration), link=_partner_link(registration))
    told = set()
    for manager in [partner.manager] + [other.partner.manager for other in earlier]:
        if manager is not None and manager.id not in told:
            told.add(manager.id)
            notify(manager, "deal_held_manager",
                   {**_params(registration), "other": ", ".join(sorted({o.partner.name for o in earlier}))},
                   link=_admin_link(registration))


# ---- deciding ------------------------------------------------------------------------------------


def _check_manager(registration, actor):
    if not has_permission(actor, "deals.manage") or not can_view_partner(actor, registration.partner):
        raise DomainError(_l("Only the partner's channel manager or an administrator may decide on this registration."))


def approve(registration, actor, override_reason=None, today=None):
    """Approve and protect ``registration`` for ``deal_protection_days``. See the module's rules
    for a registration blocked by an earlier claim. The caller commits."""
    _check_manager(registration, actor)
    today = today or business_today()
    if registration.status not in ("submitted", "held"):
        raise DomainError(_l("Only a registration awaiting approval or held can be approved."))
    override_reason = (override_reason or "").strip() or None
    if override_reason and len(override_reason) > 500:
        raise DomainError(_l("At most %(max)d characters.", max=500), field="override_reason")
    blockers = blocking_claims(registration, today)
    if blockers and not override_reason:
        raise DomainError(
            _l("The customer is still claimed by an earlier registration of another partner. Approve it only after "
               "that claim ends, or give the reason for overriding it."), field="override_reason")
    for other in blockers:
        _end_claim(other, actor, override_reason, today)
    days = int(get_setting("deal_protection_days"))
    registration.status = "approved"
    registration.protected_until = today + timedelta(days=days)
    _decided(registration, actor, override_reason)
    for user in _people(registration.partner):
        notify(user, "deal_approved", {**_params(registration), "until": registration.protected_until.isoformat()},
               link=_partner_link(registration))
    return registration


def _end_claim(other, actor, reason, today):
    """A manager gave the customer to another registration: ``other`` loses its claim."""
    if other.status == "approved":
        other.status = "expired"
        other.protected_until = today - timedelta(days=1)
    else:
        other.status = "rejected"
    _decided(other, actor, reason)
    for user in _people(other.partner):
        notify(user, "deal_protection_ended", {**_params(other), "reason": reason}, link=_partner_link(other))


def reject(registration, actor, reason):
    """Refuse a registration awaiting approval or held, with the reason its partner reads."""
    _check_manager(registration, actor)
    if registration.status not in ("submitted", "held"):
        raise DomainError(_l("Only a registration awaiting approval or held can be rejected."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Enter the reason, which the partner will read."), field="reason")
    if len(reason) > 500:
        raise DomainError(_l("At most %(max)d characters.", max=500), field="reason")
    registration.status = "rejected"
    _decided(registration, actor, reason)
    for user in _people(registration.partner):
        notify(user, "deal_rejected", {**_params(registration), "reason": reason}, link=_partner_link(registration))
    return registration


def mark_outcome(registration, outcome, actor, today=None):
    """The partner's people mark their approved (or expired) deal won or lost; the manager is told."""
    if outcome not in ("won", "lost"):
        raise DomainError(_l("Choose won or lost."), field="outcome")
    if not has_permission(actor, "deals.register") or actor.partner_id != registration.partner_id:
        raise DomainError(_l("Only the partner's own people may mark its deals."))
    if shown_status(registration, today) not in ("approved", "expired"):
        raise DomainError(_l("Only an approved deal can be marked won or lost."))
    registration.status = outcome
    registration.decided_at = utcnow()
    manager = registration.partner.manager
    if manager is not None:
        notify(manager, f"deal_{outcome}", _params(registration), link=_admin_link(registration))
    return registration


def _decided(registration, actor, note):
    registration.decided_by_id = actor.id if actor is not None else None
    registration.decided_at = utcnow()
    registration.decision_note = note


# ---- expiry (flask expire-deals) -----------------------------------------------------------------


def expire_registrations(today=None):
    """Write down "expired" on approved registrations whose protection ended before ``today``,
    tell their partners, and tell the managers of the registrations this unblocks. Idempotent:
    a second run finds nothing to do. Returns how many expired. The caller commits."""
    today = today or business_today()
    ended = db.session.scalars(
        sa.select(DealRegistration).where(DealRegistration.status == "approved",
                                          DealRegistration.protected_until < today)
        .order_by(DealRegistration.id).options(selectinload(DealRegistration.partner))
    ).all()
    for registration in ended:
        registration.status = "expired"
        for user in _people(registration.partner):
            notify(user, "deal_expired", {**_params(registration), "until": registration.protected_until.isoformat()},
                   link=_partner_link(registration))
    if ended:
        db.session.flush()
        waiting = db.session.scalars(
            sa.select(DealRegistration).where(DealRegistration.status == "held",
                                              DealRegistration.matched_id.in_([r.id for r in ended]))
            .order_by(DealRegistration.id)
        ).all()
        for registration in waiting:
            manager = registration.partner.manager
            if manager is not None and not blocking_claims(registration, today):
                notify(manager, "deal_unblocked", _params(registration), link=_admin_link(registration))
    return len(ended)


# ---- helpers -------------------------------------------------------------------------------------


def _people(partner):
    return [user for user in partner.users if user.active]


def _params(registration):
    return {"number": registration.number, "customer": registration.customer_name,
            "partner": registration.partner.name}


def _link(endpoint, **values):
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():  # the CLI: a path needs no server name
        return url_for(endpoint, **values)


def _partner_link(registration):
    return _link("deals.registration", registration_id=registration.id)


def _admin_link(registration):
    return _link("deals_admin.registration", registration_id=registration.id)

