"""Partners' requests for promotional material and the usage audit behind them.

The life of a request: a partner user submits it with its usage plan (使用方案) → the vendor
approves all, part or none of it (approval reserves stock: available drops) → the vendor ships
it or the partner picks it up (stock is issued: on hand drops) → the partner confirms receipt →
after the campaign the partner reports what was handed out and what is left → the vendor
reviews the report against the plan (accepted, or queried with a note; a queried report can be
accepted later). A request awaiting approval may be cancelled by the partner; an approval not
yet fulfilled may be withdrawn by the vendor (its reservation is released).

Plain functions: they take the acting user and raw values, check the state and the input, and
raise DomainError / ValidationError naming the form field. Each transition first locks the
request row (SELECT … FOR UPDATE), so two people acting on the same request at once cannot both
succeed. Stock changes only through portal.materials.stock.move. The caller commits, or rolls
back on an error (then nothing is reserved or issued).
"""
import re
from datetime import date, timedelta
from functools import wraps

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.core import numbers
from portal.core.audit import acting_as
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_quarter, business_today
from portal.core.models import utcnow
from portal.core.permissions import PARTNER_ADMIN, PARTNER_STAFF, can_view_partner, has_permission
from portal.extensions import db
from portal.materials import allowances, serials
from portal.materials.models import (
    FULFILMENT_METHODS, REQUEST_STATUSES, MaterialItem, MaterialRequest, MaterialRequestLine, UsageReport,
    UsageReportLine, Warehouse,
)
from portal.materials.stock import NotEnoughStock, move
from portal.notifications.services import MESSAGES, notify
from portal.partners.models import Outlet

MESSAGES.update({
    "material_request_submitted": _l("%(company)s asks for promotional material: request %(number)s awaits your "
                                     "approval."),
    "material_request_cancelled": _l("%(company)s cancelled material request %(number)s."),
    "material_request_approved": _l("Material request %(number)s is approved. We will ship it or tell you where to "
                                    "pick it up."),
    "material_request_partly_approved": _l("Material request %(number)s is partly approved: %(reason)s"),
    "material_request_rejected": _l("Material request %(number)s is not approved: %(reason)s"),
    "material_request_withdrawn": _l("The approval of material request %(number)s was withdrawn: %(reason)s"),
    "material_request_shipped": _l("Material request %(number)s was shipped by %(carrier)s, tracking number "
                                   "%(tracking)s. Please confirm receipt when it arrives."),
    "material_request_picked_up": _l("Material request %(number)s was handed over at %(warehouse)s. Please confirm "
                                     "receipt."),
    "material_request_received": _l("%(company)s confirmed receipt of material request %(number)s."),
    "material_usage_reported": _l("%(company)s reported the usage of material request %(number)s: please review it."),
    "material_usage_accepted": _l("Your usage report for material request %(number)s is accepted."),
    "material_usage_queried": _l("Your usage report for material request %(number)s is queried: %(note)s"),
})

PARTNER_ROLES = (PARTNER_ADMIN, PARTNER_STAFF)
DECISIONS = {"all": _l("Approve all"), "part": _l("Approve part"), "none": _l("Approve none")}
REVIEW_OUTCOMES = {"accepted": _l("Accepted"), "queried": _l("Queried")}
FULFILLABLE = ("approved", "partly_approved")
RECEIVABLE = ("shipped", "picked_up")
MAX_QUANTITY = 1_000_000
WHOLE_NUMBER = re.compile(r"^[0-9]{1,12}$")  # ASCII digits only ("²".isdigit() is true), never thousands of them
MAX_PLAN = 5000
MAX_REASON = 2000


# ---- small helpers --------------------------------------------------------------------------------


def _status(request_):
    return REQUEST_STATUSES.get(request_.status, request_.status)


def _as_actor(service):
    """Run a service (whose second argument is the acting user) with its changes attributed to
    that user in the audit trail, whoever is signed in (or nobody: CLI, tests, threads)."""

    @wraps(service)
    def wrapped(*args, **kwargs):
        actor = kwargs["actor"] if "actor" in kwargs else args[1]
        with acting_as(actor):
            result = service(*args, **kwargs)
            db.session.flush()
        return result

    return wrapped


def _lock(request_):
    """Reload the request's row locked FOR UPDATE (the current status, not a stale one)."""
    db.session.refresh(request_, with_for_update=True)


def _text(value, field, maximum, required_message=None):
    """Stripped text, or None; a DomainError on ``field`` when required and empty, or too long."""
    text = (value or "").strip()
    if not text:
        if required_message is not None:
            raise DomainError(required_message, field=field)
        return None
    if len(text) > maximum:
        raise DomainError(_l("At most %(max)d characters.", max=maximum), field=field)
    return text


def parse_count(raw, field, minimum=0, maximum=MAX_QUANTITY):
    """A whole number from a form (None when empty); a DomainError on ``field`` otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    if not WHOLE_NUMBER.match(text) or not minimum <= int(text) <= maximum:
        if minimum > 0:
            raise DomainError(_l("Enter a whole number greater than zero."), field=field)
        raise DomainError(_l("Enter a whole number, zero or more."), field=field)
    return int(text)


def _check_partner_user(actor, request_):
    if not has_permission(actor, "materials.request") or actor.partner_id != request_.partner_id:
        raise DomainError(_l("Only the requesting partner's own people may do this."))


def _check_vendor(actor, request_):
    if not has_permission(actor, "materials.manage") or not can_view_partner(actor, request_.partner):
        raise DomainError(_l("Only the partner's channel manager or an administrator may do this."))


def _partner_people(partner):
    return db.session.scalars(
        sa.select(User).where(User.partner_id == partner.id, User.role.in_(PARTNER_ROLES), User.active.is_(True))
        .order_by(User.id)
    ).all()


def _tell_partner(request_, kind, **params):
    link = url_for("materials.request_detail", request_id=request_.id)
    for person in _partner_people(request_.partner):
        notify(person, kind, {"number": request_.number, "company": request_.partner.name, **params}, link=link)


def _tell_manager(request_, kind, **params):
    manager = request_.partner.manager
    if manager is not None:
        notify(manager, kind, {"number": request_.number, "company": request_.partner.name, **params},
               link=url_for("materials_admin.request_detail", request_id=request_.id))


def next_number(year):
    """MR-2026-0001, MR-2026-0002, … (the next after the highest of the year)."""
    return numbers.next_number(MaterialRequest.number, f"MR-{year}-")


def active_catalogue():
    return db.session.scalars(
        sa.select(MaterialItem).where(MaterialItem.active.is_(True))
        .order_by(MaterialItem.category, MaterialItem.code)
    ).all()


# ---- the partner asks ---------------------------------------------------------------------------


@_as_actor
def submit_request(partner, actor, data, today=None):
    """A partner user asks for material. ``data``: quantities ({item id: raw quantity}; empty
    quantities are not asked for), outlet_ids, campaign, plan, starts_on, ends_on. Returns the
    new request (status "submitted") and tells the partner's manager."""
    from portal.training.assignment_services import may_order_materials

    if not has_permission(actor, "materials.request") or actor.partner_id != partner.id:
        raise DomainError(_l("Only the partner's own people may request material for it."))
    allowed, reason = may_order_materials(partner)
    if not allowed:
        raise DomainError(reason)
    today = today or business_today()
    errors = {}

    def collect(fn):
        try:
            return fn()
        except ValidationError as error:
            for key, messages in error.errors.items():
                errors.setdefault(key, []).extend(messages)
        except DomainError as error:
            errors.setdefault(error.field, []).append(error.message)
        return None

    # The lines: active catalogue items with a quantity.
    catalogue = {item.id: item for item in active_catalogue()}
    wanted = []
    for raw_id, raw_quantity in (data.get("quantities") or {}).items():
        try:
            item = catalogue.get(int(raw_id))
        except (TypeError, ValueError):
            item = None
        quantity = collect(lambda: parse_count(raw_quantity, f"quantity-{raw_id}", minimum=1))
        if quantity is None:
            continue
        if item is None:
            errors.setdefault("items", []).append(_l("Choose items from the current catalogue."))
            continue
        wanted.append((item, quantity, item.unit_value))
    if not wanted and not any(key.startswith("quantity-") for key in errors) and "items" not in errors:
        errors["items"] = [_l("Enter a quantity for at least one item.")]

    # The usage plan.
    open_outlets = {o.id: o for o in db.session.scalars(
        sa.select(Outlet).where(Outlet.partner_id == partner.id, Outlet.active.is_(True)))}
    outlet_ids = data.get("outlet_ids") or []
    outlets = []
    for outlet_id in outlet_ids:
        outlet = open_outlets.get(outlet_id)
        if outlet is None:
            errors["outlet_ids"] = [_l("Choose among your organisation's open outlets.")]
            break
        if outlet not in outlets:
            outlets.append(outlet)
    if open_outlets and not outlets and "outlet_ids" not in errors:
        errors["outlet_ids"] = [_l("Choose the outlets where the material will be used.")]
    campaign = collect(lambda: _text(data.get("campaign"), "campaign", 200, _l("Name the campaign or occasion.")))
    plan = collect(lambda: _text(data.get("plan"), "plan", MAX_PLAN,
                                 _l("Describe how the material will be used: where, for whom, how.")))
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if not isinstance(starts_on, date):
        errors.setdefault("starts_on", []).append(_l("Enter the date the campaign starts."))
    if not isinstance(ends_on, date):
        errors.setdefault("ends_on", []).append(_l("Enter the date the campaign ends."))
    if isinstance(starts_on, date) and isinstance(ends_on, date):
        if ends_on < starts_on:
            errors.setdefault("ends_on", []).append(_l("The campaign cannot end before it starts."))
        elif ends_on < today:
            errors.setdefault("ends_on", []).append(_l("This campaign is already over: material is requested for "
                                                       "a campaign still to come or under way."))
        if starts_on > today + timedelta(days=366):
            errors.setdefault("starts_on", []).append(_l("The campaign can start at most a year from today."))
    if errors:
        raise ValidationError(errors)

    quarter = business_quarter(today)
    allowances.check(partner, quarter, wanted, field="items")

    request_ = MaterialRequest(
        partner_id=partner.id, partner=partner, requested_by_id=actor.id, status="submitted", campaign=campaign,
        plan=plan, starts_on=starts_on, ends_on=ends_on, quarter=quarter,
    )
    request_.outlets = outlets
    request_.lines = [MaterialRequestLine(item_id=item.id, item=item, quantity_requested=quantity,
                                          unit_value=unit_value) for item, quantity, unit_value in wanted]
    numbers.add_numbered(request_, lambda: next_number(today.year))  # two partners at the same moment
    _tell_manager(request_, "material_request_submitted")
    return request_


@_as_actor
def cancel_request(request_, actor):
    """The partner withdraws a request still awaiting approval (nothing is reserved yet)."""
    _check_partner_user(actor, request_)
    _lock(request_)
    if request_.status != "submitted":
        raise DomainError(_l("Only a request awaiting approval can be cancelled; this one is “%(status)s”.",
                             status=_status(request_)))
    request_.status = "cancelled"
    _tell_manager(request_, "material_request_cancelled")
    return request_


# ---- the vendor decides ---------------------------------------------------------------------------


@_as_actor
def decide_request(request_, actor, decision, warehouse=None, approved=None, reason=None):
    """Approve all, part (``approved``: {line id: raw quantity}, each at most the requested) or
    none of a request; a reason is required for part or none. Approval re-checks the quarter's
    allowance and reserves the approved quantities in ``warehouse`` (NotEnoughStock on the
    "decision" field when there is not enough: the caller rolls back, nothing stays reserved)."""
    _check_vendor(actor, request_)
    _lock(request_)
    if request_.status != "submitted":
        raise DomainError(_l("This request was already decided or withdrawn (“%(status)s”): it cannot be decided "
                             "again.", status=_status(request_)))
    errors = {}
    if decision not in DECISIONS:
        raise DomainError(_l("Choose whether to approve all, part or none of the request."), field="decision")
    try:
        reason = _text(reason, "reason", MAX_REASON,
                       _l("Give the reason: the partner sees it.") if decision in ("part", "none") else None)
    except DomainError as error:
        errors["reason"] = [error.message]
    quantities = {}
    for line in request_.lines:
        if decision == "all":
            quantities[line.id] = line.quantity_requested
        elif decision == "none":
            quantities[line.id] = 0
        else:
            field = f"approved-{line.id}"
            try:
                value = parse_count((approved or {}).get(line.id), field)
            except DomainError as error:
                errors[field] = [error.message]
                continue
            if value is None:
                errors[field] = [_l("Enter the quantity approved (0 to %(count)d).", count=line.quantity_requested)]
            elif value > line.quantity_requested:
                errors[field] = [_l("At most the %(count)d requested.", count=line.quantity_requested)]
            else:
                quantities[line.id] = value
    if decision == "part" and not errors and not any(quantities.values()):
        errors["decision"] = [_l("Nothing would be approved: choose “Approve none” to refuse the request.")]
    approving = any(quantities.values())
    if decision != "none" and (warehouse is None or not isinstance(warehouse, Warehouse) or not warehouse.active):
        errors["warehouse_id"] = [_l("Choose the warehouse the material comes from.")]
    if errors:
        raise ValidationError(errors)

    partner = request_.partner
    if approving:
        wanted = [(line.item, quantities[line.id], line.unit_value) for line in request_.lines if quantities[line.id]]
        if allowances.effective_limits(partner.id):
            allowances.lock_partner(partner)
            allowances.check(partner, request_.quarter, wanted, exclude_request_id=request_.id, field="decision")
        for line in request_.lines:
            quantity = quantities[line.id]
            if not quantity:
                continue
            try:
                labels = None
                if line.item.serial_tracked:  # the lowest numbers in stock, then the ledger row
                    labels = serials.labels(serials.reserve_serials(line.item, warehouse, quantity, request_))
                move(line.item, warehouse, "reserve", quantity, actor, reason=f"{request_.number} approved",
                     reference=request_.number, request=request_, partner=partner, serials=labels or None)
            except NotEnoughStock as error:
                raise NotEnoughStock(error.message, field="decision") from error
        request_.warehouse_id = warehouse.id
        request_.warehouse = warehouse
    for line in request_.lines:
        line.quantity_approved = quantities[line.id]
    if not approving:
        request_.status = "rejected"
    elif all(quantities[line.id] == line.quantity_requested for line in request_.lines):
        request_.status = "approved"
    else:
        request_.status = "partly_approved"
    request_.decided_by_id = actor.id
    request_.decided_at = utcnow()
    request_.decision_reason = reason
    db.session.flush()
    if request_.status == "approved":
        _tell_partner(request_, "material_request_approved")
    else:
        _tell_partner(request_, f"material_request_{request_.status}", reason=reason or "")
    return request_


@_as_actor
def withdraw_approval(request_, actor, reason):
    """The vendor takes back an approval not fulfilled yet: the reservations are released
    (available rises again) and the request is cancelled; the partner is told why."""
    _check_vendor(actor, request_)
    _lock(request_)
    if request_.status not in FULFILLABLE:
        raise DomainError(_l("Only an approved request that is not shipped or picked up yet can have its approval "
                             "withdrawn; this one is “%(status)s”.", status=_status(request_)))
    reason = _text(reason, "withdraw_reason", 500, _l("Give the reason: the partner sees it."))
    warehouse = request_.warehouse
    for line in request_.lines:
        if line.quantity_approved:
            labels = None
            if line.item.serial_tracked:
                labels = serials.labels(serials.release_serials(line.item, warehouse, request_))
            move(line.item, warehouse, "release", line.quantity_approved, actor,
                 reason=f"{request_.number}: {reason}"[:500], reference=request_.number, request=request_,
                 partner=request_.partner, serials=labels or None)
    request_.status = "cancelled"
    _tell_partner(request_, "material_request_withdrawn", reason=reason)
    return request_


@_as_actor
def fulfil_request(request_, actor, method, carrier=None, tracking_number=None):
    """Ship the approved material (carrier and tracking number required) or hand it over at the
    warehouse: the approved quantities are issued (on hand and reserved both drop)."""
    _check_vendor(actor, request_)
    _lock(request_)
    if request_.status not in FULFILLABLE:
        raise DomainError(_l("Only an approved request can be shipped or picked up; this one is “%(status)s”.",
                             status=_status(request_)))
    if method not in FULFILMENT_METHODS:
        raise DomainError(_l("Choose shipment or pick-up."), field="method")
    if method == "ship":
        errors = {}
        for name, value, message in (("carrier", carrier, _l("Enter the carrier.")),
                                     ("tracking_number", tracking_number, _l("Enter the tracking number."))):
            try:
                if name == "carrier":
                    carrier = _text(value, name, 100, message)
                else:
                    tracking_number = _text(value, name, 100, message)
            except DomainError as error:
                errors[name] = [error.message]
        if errors:
            raise ValidationError(errors)
    else:
        carrier = tracking_number = None
    warehouse = request_.warehouse
    for line in request_.lines:
        quantity = line.quantity_approved or 0
        if not quantity:
            continue
        movement = move(line.item, warehouse, "issue", quantity, actor,
                        reason=f"{request_.number} {'shipped' if method == 'ship' else 'picked up'}",
                        reference=tracking_number or request_.number, request=request_, partner=request_.partner)
        if line.item.serial_tracked:  # the cards reserved for the request go with it (fills movement.serials)
            serials.issue_serials(line.item, warehouse, request_, request_.partner, movement)
        line.quantity_issued = quantity
    request_.fulfilment_method = method
    request_.carrier, request_.tracking_number = carrier, tracking_number
    request_.fulfilled_by_id = actor.id
    request_.fulfilled_at = utcnow()
    request_.status = "shipped" if method == "ship" else "picked_up"
    db.session.flush()
    if method == "ship":
        _tell_partner(request_, "material_request_shipped", carrier=carrier, tracking=tracking_number)
    else:
        _tell_partner(request_, "material_request_picked_up", warehouse=warehouse.name)
    return request_


# ---- the partner receives and reports -------------------------------------------------------------


@_as_actor
def confirm_receipt(request_, actor, note=None):
    """The partner confirms the shipped or picked-up material arrived (with an optional note,
    e.g. what was damaged)."""
    _check_partner_user(actor, request_)
    _lock(request_)
    if request_.status not in RECEIVABLE:
        raise DomainError(_l("Receipt can be confirmed once the material is shipped or picked up; this request is "
                             "“%(status)s”.", status=_status(request_)))
    note = _text(note, "note", 500)
    request_.received_by_id = actor.id
    request_.received_at = utcnow()
    request_.receipt_note = note
    request_.status = "received"
    _tell_manager(request_, "material_request_received")
    return request_


@_as_actor
def report_usage(request_, actor, lines, note=None):
    """After the campaign: for each line issued, how many were handed out and how many are left
    (``lines``: {line id: {"handed_out", "remaining", "note"}} raw values). Handed out plus
    remaining is at most what was issued; the rest is unaccounted for, and the reviewer sees it."""
    _check_partner_user(actor, request_)
    _lock(request_)
    if request_.status != "received":
        if request_.status in ("usage_reported", "closed"):
            message = _l("The usage of this request is already reported.")
        else:
            message = _l("Usage can be reported once you have confirmed receipt; this request is “%(status)s”.",
                         status=_status(request_))
        raise DomainError(message)
    errors = {}
    rows = []
    for line in request_.lines:
        if not line.quantity_issued:
            continue
        values = (lines or {}).get(line.id) or {}
        parsed = {}
        for name in ("handed_out", "remaining"):
            field = f"{name}-{line.id}"
            try:
                parsed[name] = parse_count(values.get(name), field)
            except DomainError as error:
                errors[field] = [error.message]
                continue
            if parsed[name] is None:
                errors[field] = [_l("Enter how many were handed out (0 or more).") if name == "handed_out"
                                 else _l("Enter how many are left (0 or more).")]
        try:
            line_note = _text(values.get("note"), f"note-{line.id}", 300)
        except DomainError as error:
            errors[error.field] = [error.message]
            line_note = None
        if parsed.get("handed_out") is not None and parsed.get("remaining") is not None:
            if parsed["handed_out"] + parsed["remaining"] > line.quantity_issued:
                errors[f"remaining-{line.id}"] = [_l(
                    "Handed out and left together can be at most the %(count)d you received.",
                    count=line.quantity_issued)]
        rows.append((line, parsed, line_note))
    try:
        note = _text(note, "note", MAX_REASON)
    except DomainError as error:
        errors["note"] = [error.message]
    if errors:
        raise ValidationError(errors)
    report = UsageReport(request_id=request_.id, request=request_, submitted_by_id=actor.id, note=note)
    report.lines = [UsageReportLine(request_line_id=line.id, request_line=line, handed_out=parsed["handed_out"],
                                    remaining=parsed["remaining"], note=line_note) for line, parsed, line_note in rows]
    db.session.add(report)
    request_.status = "usage_reported"
    db.session.flush()
    _tell_manager(request_, "material_usage_reported")
    return report


@_as_actor
def review_usage(request_, actor, outcome, note=None):
    """The vendor reviews the usage report against the plan: "accepted" closes the request;
    "queried" (a note is required) asks the partner about it and may be accepted later."""
    _check_vendor(actor, request_)
    _lock(request_)
    report = request_.usage_report
    if request_.status != "usage_reported" or report is None:
        raise DomainError(_l("There is no usage report awaiting review on this request (“%(status)s”).",
                             status=_status(request_)))
    if outcome not in REVIEW_OUTCOMES:
        raise DomainError(_l("Choose whether the report is accepted or queried."), field="outcome")
    note = _text(note, "review_note", MAX_REASON,
                 _l("Say what is queried: the partner sees it.") if outcome == "queried" else None)
    report.review_outcome = outcome
    report.review_note = note
    report.reviewed_by_id = actor.id
    report.reviewed_at = utcnow()
    if outcome == "accepted":
        request_.status = "closed"
        _tell_partner(request_, "material_usage_accepted")
    else:
        _tell_partner(request_, "material_usage_queried", note=note)
    return report
