"""The per-partner, per-quarter allowance of promotional material (MaterialAllowance).

A limit is either a value in CNY over everything a partner is approved in a business quarter
(``item_id`` None), or a limit on one item (a quantity and/or a value of that item). Default
rows (``partner_id`` None) apply to every partner; a partner's own row for the same item (or
for the value over all items) replaces the default one.

What counts against a limit in a quarter: the approved quantities of the partner's requests of
that quarter that were approved (whatever happened to them after), and the requested
quantities of those still awaiting approval. Rejected and cancelled requests do not count.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import money
from portal.core.permissions import ADMIN, can_view_partner, has_permission
from portal.extensions import db
from portal.materials.models import MaterialAllowance, MaterialItem, MaterialRequest, MaterialRequestLine
from portal.partners.models import Partner

APPROVED_STATUSES = ("approved", "partly_approved", "shipped", "picked_up", "received", "usage_reported", "closed")
PENDING_STATUSES = ("submitted",)
CENT = Decimal("0.01")
MAX_VALUE = Decimal("999999999999.99")
MAX_QUANTITY = 10_000_000


# ---- which limits apply ---------------------------------------------------------------------------


def effective_limits(partner_id):
    """{item id or None: MaterialAllowance}: the partner's own rows, and the default rows for
    whatever the partner has no row of its own."""
    rows = db.session.scalars(
        sa.select(MaterialAllowance)
        .where(sa.or_(MaterialAllowance.partner_id == partner_id, MaterialAllowance.partner_id.is_(None)))
        .order_by(MaterialAllowance.partner_id.is_(None), MaterialAllowance.id)
    ).all()
    limits = {}
    for row in rows:  # the partner's own rows come first and win
        limits.setdefault(row.item_id, row)
    return limits


@dataclass
class QuarterUsage:
    """What already counts against a partner's allowance in one quarter."""

    approved_value: Decimal = Decimal("0.00")
    pending_value: Decimal = Decimal("0.00")
    approved_quantity: dict = field(default_factory=dict)  # item id -> units
    pending_quantity: dict = field(default_factory=dict)
    approved_item_value: dict = field(default_factory=dict)  # item id -> CNY
    pending_item_value: dict = field(default_factory=dict)


def quarter_usage(partner_id, quarter, exclude_request_id=None):
    """The partner's approved and pending amounts in ``quarter`` (values from the unit value
    recorded on each line at the time of the request)."""
    query = (
        sa.select(MaterialRequestLine.item_id, MaterialRequest.status, MaterialRequestLine.quantity_requested,
                  MaterialRequestLine.quantity_approved, MaterialRequestLine.unit_value)
        .join(MaterialRequest, MaterialRequest.id == MaterialRequestLine.request_id)
        .where(MaterialRequest.partner_id == partner_id, MaterialRequest.quarter == quarter,
               MaterialRequest.status.in_(APPROVED_STATUSES + PENDING_STATUSES))
    )
    if exclude_request_id is not None:
        query = query.where(MaterialRequest.id != exclude_request_id)
    usage = QuarterUsage()
    for item_id, status, requested, approved, unit_value in db.session.execute(query):
        unit_value = Decimal(unit_value or 0)
        if status in PENDING_STATUSES:
            quantity, prefix = requested or 0, "pending"
        else:
            quantity, prefix = approved or 0, "approved"
        value = (unit_value * quantity).quantize(CENT)
        setattr(usage, f"{prefix}_value", getattr(usage, f"{prefix}_value") + value)
        quantities = getattr(usage, f"{prefix}_quantity")
        quantities[item_id] = quantities.get(item_id, 0) + quantity
        values = getattr(usage, f"{prefix}_item_value")
        values[item_id] = values.get(item_id, Decimal("0.00")) + value
    return usage


def summary(partner, quarter):
    """For the partner's pages: [{label, limit, approved, pending, remaining}] for each limit that
    applies to the partner, values already formatted."""
    limits = effective_limits(partner.id)
    if not limits:
        return []
    usage = quarter_usage(partner.id, quarter)
    rows = []
    for item_id, row in sorted(limits.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0)):
        item = row.item
        if item_id is None:
            if row.max_value is not None:
                rows.append(_summary_row(_l("Total value"), row.max_value, usage.approved_value,
                                         usage.pending_value, money))
            continue
        if row.max_quantity is not None:
            rows.append(_summary_row(
                _l("%(item)s (%(unit)s)", item=item.label, unit=item.unit), row.max_quantity,
                usage.approved_quantity.get(item_id, 0), usage.pending_quantity.get(item_id, 0), str))
        if row.max_value is not None:
            rows.append(_summary_row(
                _l("%(item)s (value)", item=item.label), row.max_value,
                usage.approved_item_value.get(item_id, Decimal("0.00")),
                usage.pending_item_value.get(item_id, Decimal("0.00")), money))
    return rows


def _summary_row(label, limit, approved, pending, fmt):
    remaining = max(limit - approved - pending, 0)
    return {"label": label, "limit": fmt(limit), "approved": fmt(approved), "pending": fmt(pending),
            "remaining": fmt(remaining)}


# ---- the check ----------------------------------------------------------------------------------


def check(partner, quarter, wanted, exclude_request_id=None, field=None):
    """Refuse (DomainError on ``field``) when ``wanted`` — [(item, quantity, unit value)] — on top
    of what already counts this quarter would go over a limit. The message names the limit,
    what is approved and pending, what remains and what is asked."""
    limits = effective_limits(partner.id)
    if not limits:
        return
    usage = quarter_usage(partner.id, quarter, exclude_request_id=exclude_request_id)
    problems = []
    value_row = limits.get(None)
    if value_row is not None and value_row.max_value is not None:
        asked = sum(((Decimal(uv) * q).quantize(CENT) for _item, q, uv in wanted), Decimal("0.00"))
        if usage.approved_value + usage.pending_value + asked > value_row.max_value:
            problems.append(_l(
                "The value allowance for %(quarter)s is %(limit)s: %(approved)s is already approved and %(pending)s "
                "awaits approval this quarter, so %(remaining)s remains, and this asks for %(asked)s.",
                quarter=quarter, limit=money(value_row.max_value), approved=money(usage.approved_value),
                pending=money(usage.pending_value), asked=money(asked),
                remaining=money(max(value_row.max_value - usage.approved_value - usage.pending_value, Decimal(0)))))
    totals = {}
    for item, quantity, unit_value in wanted:
        quantity_so_far, value_so_far = totals.get(item.id, (0, Decimal("0.00")))
        totals[item.id] = (quantity_so_far + quantity, value_so_far + (Decimal(unit_value) * quantity).quantize(CENT))
    items = {item.id: item for item, _q, _uv in wanted}
    for item_id, (quantity, value) in totals.items():
        row = limits.get(item_id)
        if row is None:
            continue
        item = items[item_id]
        approved = usage.approved_quantity.get(item_id, 0)
        pending = usage.pending_quantity.get(item_id, 0)
        if row.max_quantity is not None and approved + pending + quantity > row.max_quantity:
            problems.append(_l(
                "The allowance of %(item)s for %(quarter)s is %(limit)d %(unit)s: %(approved)d are already approved "
                "and %(pending)d await approval this quarter, so %(remaining)d remain, and this asks for %(asked)d.",
                item=item.label, quarter=quarter, limit=row.max_quantity, unit=item.unit, approved=approved,
                pending=pending, remaining=max(row.max_quantity - approved - pending, 0), asked=quantity))
        approved_value = usage.approved_item_value.get(item_id, Decimal("0.00"))
        pending_value = usage.pending_item_value.get(item_id, Decimal("0.00"))
        if row.max_value is not None and approved_value + pending_value + value > row.max_value:
            problems.append(_l(
                "The value allowance of %(item)s for %(quarter)s is %(limit)s: %(approved)s is already approved and "
                "%(pending)s awaits approval this quarter, so %(remaining)s remains, and this asks for %(asked)s.",
                item=item.label, quarter=quarter, limit=money(row.max_value), approved=money(approved_value),
                pending=money(pending_value), asked=money(value),
                remaining=money(max(row.max_value - approved_value - pending_value, Decimal(0)))))
    if problems:
        raise ValidationError({field: problems})


def lock_partner(partner):
    """Serialise allowance checks of one partner (approvals at once for the same partner): lock
    its row (FOR NO KEY UPDATE on PostgreSQL, so new requests referring to it are not blocked)."""
    db.session.execute(sa.select(Partner.id).where(Partner.id == partner.id).with_for_update(key_share=True))


# ---- keeping the limits ---------------------------------------------------------------------------


def may_edit(user, allowance):
    """Admins keep every limit; a manager keeps the limits of partners they look after (the
    defaults, which apply to every partner, are the admins')."""
    if not has_permission(user, "materials.manage"):
        return False
    if user.role == ADMIN:
        return True
    return allowance.partner is not None and can_view_partner(user, allowance.partner)


def _parse_value(raw):
    text = (str(raw).strip().replace(",", "").replace("，", "") if raw is not None else "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0 or value > MAX_VALUE or value != value.quantize(CENT):
        raise DomainError(_l("Enter an amount greater than zero, in yuan with at most two decimals."), field="max_value")
    return value.quantize(CENT)


def _parse_quantity(raw):
    text = str(raw).strip() if raw is not None else ""
    if not text:
        return None
    if not re.match(r"^[0-9]{1,12}$", text) or not 0 < int(text) <= MAX_QUANTITY:
        raise DomainError(_l("Enter a whole number greater than zero."), field="max_quantity")
    return int(text)


def save_allowance(actor, data, allowance=None):
    """Create (``allowance`` None) or change a limit. ``data``: partner (Partner or None for the
    default), item (MaterialItem or None for a value limit over all items), max_value,
    max_quantity (raw text), note. Raises ValidationError naming the fields."""
    errors = {}
    partner = data.get("partner")
    item = data.get("item")
    if not has_permission(actor, "materials.manage") or (allowance is not None and not may_edit(actor, allowance)):
        raise DomainError(_l("Only channel managers and administrators may set allowances."))
    if partner is None and actor.role != ADMIN:
        errors["partner_id"] = [_l("Only an administrator may set the default limits; choose one of your partners.")]
    elif partner is not None and not can_view_partner(actor, partner):
        errors["partner_id"] = [_l("Choose one of the partners you look after.")]
    if data.get("item_missing"):
        errors["item_id"] = [_l("Choose an item from the catalogue.")]
    values = {}
    for name, parse in (("max_value", _parse_value), ("max_quantity", _parse_quantity)):
        try:
            values[name] = parse(data.get(name))
        except DomainError as error:
            errors[name] = [error.message]
    if not errors:
        if item is None and values["max_value"] is None:
            errors["max_value"] = [_l("A limit over all items is a value: enter the most a partner may be "
                                      "approved in a quarter, in yuan.")]
            if values["max_quantity"] is not None:
                errors["max_quantity"] = [_l("A quantity limit is for one item: choose the item.")]
        elif item is not None and values["max_value"] is None and values["max_quantity"] is None:
            errors["max_quantity"] = [_l("Enter a quantity limit, a value limit, or both.")]
    note = (data.get("note") or "").strip() or None
    if note and len(note) > 300:
        errors["note"] = [_l("At most %(max)d characters.", max=300)]
    if not errors:
        same_partner = (MaterialAllowance.partner_id == partner.id) if partner else MaterialAllowance.partner_id.is_(None)
        same_item = (MaterialAllowance.item_id == item.id) if item else MaterialAllowance.item_id.is_(None)
        query = sa.select(MaterialAllowance.id).where(same_partner, same_item)
        if allowance is not None:
            query = query.where(MaterialAllowance.id != allowance.id)
        clash = db.session.scalar(query)
        if clash:
            errors["item_id"] = [_l("There is already a limit for this partner and item: change that one instead.")]
    if errors:
        raise ValidationError(errors)
    if allowance is None:
        allowance = MaterialAllowance()
        db.session.add(allowance)
    allowance.partner_id = partner.id if partner else None
    allowance.partner = partner
    allowance.item_id = item.id if item else None
    allowance.item = item
    allowance.max_value = values["max_value"]
    allowance.max_quantity = values["max_quantity"]
    allowance.note = note
    db.session.flush()
    return allowance


def delete_allowance(actor, allowance):
    """Remove a limit (the audit trail keeps what it was, who removed it and when)."""
    if not may_edit(actor, allowance):
        raise DomainError(_l("You may not change this limit."))
    db.session.delete(allowance)
    db.session.flush()


def active_items():
    return db.session.scalars(
        sa.select(MaterialItem).where(MaterialItem.active.is_(True)).order_by(MaterialItem.category, MaterialItem.code)
    ).all()
