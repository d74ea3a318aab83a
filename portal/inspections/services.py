"""Inspections of outlets (检查巡视), mystery shopping (暗访) and rectification orders (整改).

Plain functions: they take the acting user and plain values, check the rules, change the
objects and raise DomainError / ValidationError naming the form field. The caller commits.

Rules kept here (the views only load, call and commit):

- **Checklists** are the vendor's (any manager or admin may keep them). An item that has been
  scored keeps its maximum and pass scores for ever (past inspections and their orders keep
  their meaning); it is deactivated, never deleted, and a new item is added instead. Its text
  may still be corrected (the audit trail keeps the old text; past orders keep the required
  action as it was written).
- **Recording an inspection** scores every active item of the checklist (0..max). The
  inspection's score is the sum of the item scores, its maximum the sum of the items' maximums.
  Each item scored below its pass score opens a rectification order with the required action
  (by default the item's text and the inspector's note) and a deadline (by default
  ``DEFAULT_DEADLINE_DAYS`` days later; never in the past). The partner's users are told.
- **A rectification order** goes open → answered → closed | escalated, one step at a time:
  the partner answers an *open* order (what it did, photos); the manager re-inspects an
  *answered* order — a new inspection of that one item, pointing at the order — and a pass
  closes the order, a fail escalates it. The manager may also escalate without re-inspecting,
  with a note: an answered order, or an open one whose deadline has passed (the partner never
  answered). A closed or escalated order is final: it is neither answered nor decided again.
- **Overdue**: the deadline (a Beijing-time date, ``business_today``) has passed and the order
  is still open or answered.
- **Mystery shopping**: the partner sees its outlets' mystery shops once recorded, like any
  inspection, but never the name of the vendor's inspector (``inspector_shown``).
"""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core import numbers, storage
from portal.core.audit import acting_as
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import add_months, business_today
from portal.core.models import utcnow
from portal.core.permissions import can_view_partner, has_permission
from portal.extensions import db
from portal.inspections.models import (
    INSPECTION_KINDS, ChecklistItem, Inspection, InspectionChecklist, InspectionPhoto, InspectionScore, Rectification,
    RectificationPhoto,
)
from portal.notifications.services import MESSAGES

NAME_MAX = 200
ITEM_TEXT_MAX = 300
ITEM_NOTE_MAX = 500
NOTES_MAX = 5000
ACTION_MAX = 2000
ANSWER_MAX = 5000
DECISION_MAX = 2000
SCORE_CEILING = 1000  # the highest maximum score an item may have
POSITION_MAX = 9999
DEFAULT_DEADLINE_DAYS = 14
DEADLINE_MAX_DAYS = 365
PHOTO_KINDS = ("png", "jpeg")
PHOTO_MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 10
OPEN_STATUSES = ("open", "answered")  # may be overdue
DONE_STATUSES = ("closed", "escalated")

MESSAGES.update({
    "inspection_recorded": _l("Your outlet %(outlet)s was inspected on %(date)s (%(number)s): %(score)s of %(max)s "
                              "points."),
    "inspection_orders": _l("Your outlet %(outlet)s was inspected on %(date)s (%(number)s): %(score)s of %(max)s "
                            "points. Rectification orders to answer: %(count)s, by %(due_on)s."),
    "rectification_answered": _l("%(partner)s answered rectification order %(number)s (%(outlet)s): it awaits your "
                                 "re-inspection."),
    "rectification_closed": _l("Rectification order %(number)s (%(outlet)s) is closed: the re-inspection passed."),
    "rectification_escalated": _l("Rectification order %(number)s (%(outlet)s) was escalated by the vendor."),
})


# ---- small helpers -------------------------------------------------------------------------------------


def _text(value, field, required_message, maximum, errors):
    text = (value or "").strip()
    if not text:
        if required_message:
            errors[field] = [required_message]
        return None
    if len(text) > maximum:
        errors[field] = [_l("At most %(max)d characters.", max=maximum)]
        return None
    return text


def _whole_number(value, field, errors, low, high, missing, out_of_range):
    """An integer from ``low`` to ``high`` typed in a form (a string or an int)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            if missing:
                errors[field] = [missing]
            return None
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 9:
            errors[field] = [out_of_range]
            return None
        number = int(text)
    if not low <= number <= high:
        errors[field] = [out_of_range]
        return None
    return number


def _require_manager(actor):
    if actor is None or not has_permission(actor, "inspections.manage"):
        raise DomainError(_l("Only a channel manager or an administrator may do this."))


def _flush_as(actor):
    with acting_as(actor):
        db.session.flush()


def _link(endpoint, **values):
    """The path of a page for a notification, or None where no URL can be built (CLI)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except (BuildError, RuntimeError):
        return None


def _bilingual(item):
    """An item's text as a notification parameter, shown in each reader's language."""
    return {"en": item.text_en, "zh": item.text_zh}


def _add_numbered(record, prefix, actor):
    """Add and flush an inspection (IN-2026-0001 …) or rectification order (RO-2026-0001 …),
    numbered by year (Beijing time)."""
    numbers.add_numbered(record, lambda: numbers.next_number(type(record).number, f"{prefix}-{business_today().year}-"),
                         flush=lambda: _flush_as(actor))


# ---- photos --------------------------------------------------------------------------------------------


def check_photos(files, errors, field="photos", required=False):
    """Check every uploaded photo (PNG or JPEG by content, size, how many) before anything is
    stored; return the uploads to store. Problems go to ``errors[field]``."""
    files = [f for f in (files or []) if f is not None and getattr(f, "filename", "")]
    if not files:
        if required:
            errors[field] = [_l("Choose at least one photo (PNG or JPEG).")]
        return []
    if len(files) > MAX_PHOTOS:
        errors[field] = [_l("Attach at most %(max)d photos at a time.", max=MAX_PHOTOS)]
        return []
    for upload in files:
        data = upload.stream.read(PHOTO_MAX_BYTES + 1)
        upload.stream.seek(0)
        if len(data) > PHOTO_MAX_BYTES:
            errors[field] = [_l("The photo %(name)s is larger than %(limit)s. Please send a smaller photo.",
                                name=upload.filename, limit=storage.human_size(PHOTO_MAX_BYTES))]
            return []
        if not data:
            errors[field] = [_l("The file %(name)s is empty.", name=upload.filename)]
            return []
        if storage.detect_type(data, PHOTO_KINDS) is None:
            errors[field] = [_l("The file %(name)s is not a PNG or JPEG photo. Please attach PNG or JPEG photos.",
                                name=upload.filename)]
            return []
    return files


def _store_photos(files, actor, field="photos"):
    return [storage.store_upload(f, PHOTO_KINDS, PHOTO_MAX_BYTES, field, uploaded_by=actor) for f in files]


# ---- checklists ----------------------------------------------------------------------------------------


def _checklist_values(values):
    errors = {}
    name_zh = _text(values.get("name_zh"), "name_zh", _l("Enter the checklist's name in Chinese."), NAME_MAX, errors)
    name_en = _text(values.get("name_en"), "name_en", _l("Enter the checklist's name in English."), NAME_MAX, errors)
    if errors:
        raise ValidationError(errors)
    return {"name_zh": name_zh, "name_en": name_en}


def create_checklist(values, actor):
    """A new, active checklist without items yet."""
    _require_manager(actor)
    checklist = InspectionChecklist(**_checklist_values(values), active=True, created_by_id=actor.id)
    db.session.add(checklist)
    _flush_as(actor)
    return checklist


def update_checklist(checklist, values, actor):
    _require_manager(actor)
    for name, value in _checklist_values(values).items():
        setattr(checklist, name, value)
    _flush_as(actor)
    return checklist


def set_checklist_active(checklist, active, actor):
    """Withdraw a checklist from new inspections (its past inspections keep it), or bring it back."""
    _require_manager(actor)
    checklist.active = bool(active)
    _flush_as(actor)
    return checklist


def times_scored(item):
    """How many inspections scored ``item``."""
    return db.session.scalar(sa.select(sa.func.count(InspectionScore.id)).where(InspectionScore.item_id == item.id))


def _item_values(values, errors, scores_locked=False):
    out = {
        "text_zh": _text(values.get("text_zh"), "text_zh", _l("Enter what is checked, in Chinese."), ITEM_TEXT_MAX,
                         errors),
        "text_en": _text(values.get("text_en"), "text_en", _l("Enter what is checked, in English."), ITEM_TEXT_MAX,
                         errors),
        "position": _whole_number(values.get("position"), "position", errors, 0, POSITION_MAX, None,
                                  _l("The position is a whole number from 0 to %(max)d.", max=POSITION_MAX)),
    }
    if scores_locked:
        return out
    max_score = _whole_number(values.get("max_score"), "max_score", errors, 1, SCORE_CEILING,
                              _l("Enter the highest score of the item."),
                              _l("The highest score is a whole number from 1 to %(max)d.", max=SCORE_CEILING))
    pass_score = _whole_number(values.get("pass_score"), "pass_score", errors, 0, SCORE_CEILING,
                               _l("Enter the score an outlet needs to pass the item."),
                               _l("The pass score is a whole number from 0 to %(max)d.", max=SCORE_CEILING))
    if max_score is not None and pass_score is not None and pass_score > max_score:
        errors["pass_score"] = [_l("The pass score cannot be higher than the highest score (%(max)d).",
                                   max=max_score)]
    out.update(max_score=max_score, pass_score=pass_score)
    return out


def add_item(checklist, values, actor):
    """Add a scored item; without a position it goes last."""
    _require_manager(actor)
    errors = {}
    data = _item_values(values, errors)
    if errors:
        raise ValidationError(errors)
    if data["position"] is None:
        data["position"] = max((i.position for i in checklist.items), default=0) + 1
    item = ChecklistItem(checklist=checklist, active=True, **data)
    db.session.add(item)
    _flush_as(actor)
    return item


def update_item(item, values, actor):
    """Change an item. Once scored, its highest and pass scores stay as they are: a different
    scale is a new item (deactivate this one)."""
    _require_manager(actor)
    errors = {}
    locked = times_scored(item) > 0
    if locked:
        for name in ("max_score", "pass_score"):
            given = str(values.get(name) if values.get(name) is not None else "").strip()
            if given and given != str(getattr(item, name)):
                errors[name] = [_l("This item has been scored in past inspections, so its scores cannot change. "
                                   "Deactivate it and add a new item instead.")]
    data = _item_values(values, errors, scores_locked=locked)
    if errors:
        raise ValidationError(errors)
    if data["position"] is None:
        data["position"] = item.position
    for name, value in data.items():
        setattr(item, name, value)
    _flush_as(actor)
    return item


def set_item_active(item, active, actor):
    """Items are never deleted: an inactive item is left out of new inspections only."""
    _require_manager(actor)
    item.active = bool(active)
    _flush_as(actor)
    return item


def active_items(checklist):
    return [i for i in checklist.items if i.active]


# ---- recording an inspection ---------------------------------------------------------------------------


def _inspection_date(value, field, errors, today, not_before=None):
    if value is None:
        errors.setdefault(field, [_l("Enter the date of the inspection.")])
        return None
    if value > today:
        errors[field] = [_l("The inspection date cannot be in the future.")]
        return None
    if not_before is not None and value < not_before:
        errors[field] = [_l("The re-inspection cannot be dated before the inspection it follows (%(date)s).",
                            date=not_before.isoformat())]
        return None
    return value


def record_inspection(actor, outlet, checklist, kind, inspected_on, scores, notes=None, photos=(), deadline=None,
                      today=None, notify_users=True):
    """Record an inspection of ``outlet`` against ``checklist``.

    ``scores`` maps each active item's id to {"score": typed score, "note": …, "action": …};
    ``deadline`` (a date) applies to every rectification order opened (default: today +
    ``DEFAULT_DEADLINE_DAYS``). Field errors name ``score_<item id>``, ``note_<item id>``,
    ``action_<item id>``, ``kind``, ``inspected_on``, ``deadline``, ``notes``, ``photos``.
    Returns the inspection; its failed items' orders are in ``rectifications_of(inspection)``.
    """
    _require_manager(actor)
    today = today or business_today()
    if outlet is None or not can_view_partner(actor, outlet.partner):
        raise DomainError(_l("Choose an outlet of a partner you look after."), field="outlet_id")
    if not outlet.active or outlet.partner.status != "active":
        raise DomainError(_l("This outlet is closed or its partner is not active: it cannot be inspected."),
                          field="outlet_id")
    if checklist is None or not checklist.active:
        raise DomainError(_l("Choose an active checklist."), field="checklist_id")
    items = active_items(checklist)
    if not items:
        raise DomainError(_l("This checklist has no active item to score."), field="checklist_id")
    errors = {}
    if kind not in INSPECTION_KINDS:
        errors["kind"] = [_l("Choose a planned inspection or a mystery shop.")]
    inspected_on = _inspection_date(inspected_on, "inspected_on", errors, today)
    notes = _text(notes, "notes", None, NOTES_MAX, errors)
    scores = scores or {}
    lines = []
    for item in items:
        given = scores.get(item.id) or {}
        score = _whole_number(given.get("score"), f"score_{item.id}", errors, 0, item.max_score,
                              _l("Score this item, from 0 to %(max)d.", max=item.max_score),
                              _l("The score is a whole number from 0 to %(max)d.", max=item.max_score))
        note = _text(given.get("note"), f"note_{item.id}", None, ITEM_NOTE_MAX, errors)
        action = _text(given.get("action"), f"action_{item.id}", None, ACTION_MAX, errors)
        lines.append((item, score, note, action))
    failing = [line for line in lines if line[1] is not None and line[1] < line[0].pass_score]
    if deadline is None:
        deadline = today + timedelta(days=DEFAULT_DEADLINE_DAYS)
    elif failing and deadline < today:
        errors["deadline"] = [_l("The deadline cannot be in the past.")]
    elif failing and deadline > today + timedelta(days=DEADLINE_MAX_DAYS):
        errors["deadline"] = [_l("Give at most %(days)d days to rectify.", days=DEADLINE_MAX_DAYS)]
    checked = check_photos(photos, errors)
    if errors:
        raise ValidationError(errors)

    inspection = Inspection(
        partner_id=outlet.partner_id, outlet_id=outlet.id,
        checklist_id=checklist.id, kind=kind, inspected_on=inspected_on, inspector_id=actor.id,
        score=sum(score for _item, score, _n, _a in lines), max_score=sum(item.max_score for item, *_rest in lines),
        notes=notes,
    )
    for item, score, note, _action in lines:
        inspection.scores.append(InspectionScore(item_id=item.id, score=score, max_score=item.max_score,
                                                 passed=score >= item.pass_score, note=note))
    for stored in _store_photos(checked, actor):
        inspection.photos.append(InspectionPhoto(file_id=stored.id))
    _add_numbered(inspection, "IN", actor)
    orders = []
    for line_score, (item, score, note, action) in zip(inspection.scores, lines):
        if line_score.passed:
            continue
        order = Rectification(
            inspection_id=inspection.id, score_id=line_score.id,
            partner_id=inspection.partner_id, outlet_id=inspection.outlet_id,
            required_action=action or default_action(item, note), deadline=deadline, status="open",
        )
        _add_numbered(order, "RO", actor)
        orders.append(order)
    if notify_users:
        _tell_partner_of_inspection(inspection, orders, deadline)
    return inspection


def default_action(item, note=None):
    """The required action when the inspector writes none: the item (in the inspector's
    language) and the inspector's note."""
    text = item.t("text")
    return f"{text}\n{note}" if note else text


def _partner_users(partner):
    return [u for u in partner.users if u.active]


def _tell_partner_of_inspection(inspection, orders, deadline):
    from portal.notifications.services import notify

    params = {"outlet": inspection.outlet.name, "number": inspection.number,
              "date": inspection.inspected_on.isoformat(), "score": inspection.score, "max": inspection.max_score}
    if orders:
        kind, params = "inspection_orders", {**params, "count": len(orders), "due_on": deadline.isoformat()}
        link = _link("inspections.rectifications")
    else:
        kind, link = "inspection_recorded", _link("inspections.inspection", inspection_id=inspection.id)
    for user in _partner_users(inspection.partner):
        notify(user, kind, params, link=link)


def rectifications_of(inspection):
    """The orders opened by an inspection, in item order."""
    return db.session.scalars(sa.select(Rectification).where(Rectification.inspection_id == inspection.id)
                              .order_by(Rectification.id)).all()


def reinspections_of(order):
    return db.session.scalars(sa.select(Inspection).where(Inspection.rectification_id == order.id)
                              .order_by(Inspection.id)).all()


def inspector_shown(inspection, viewer):
    """Whether ``viewer`` may see who inspected: always for the vendor; for the partner, not in
    a mystery shop."""
    if viewer is not None and has_permission(viewer, "inspections.manage"):
        return True
    return inspection.kind != "mystery"


# ---- rectification orders ------------------------------------------------------------------------------


def is_overdue(order, today=None):
    today = today or business_today()
    return order.status in OPEN_STATUSES and order.deadline < today


def overdue_condition(today):
    return sa.and_(Rectification.deadline < today, Rectification.status.in_(OPEN_STATUSES))


def _locked(order):
    """The order re-read under a row lock (PostgreSQL), so two people cannot move it at once."""
    return db.session.scalars(sa.select(Rectification).where(Rectification.id == order.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _refuse_done(order):
    if order.status in DONE_STATUSES:
        raise DomainError(_l("This order is “%(status)s”: the decision on it is final.", status=order.status_label))


def answer_rectification(order, actor, partner, answer, photos=()):
    """The partner says what it did about an open order, with photos; the manager is told."""
    if partner is None or order.partner_id != partner.id or actor.partner_id != partner.id:
        raise DomainError(_l("This rectification order is not your organisation's."))
    order = _locked(order)
    if order.status in DONE_STATUSES:
        raise DomainError(_l("This order is “%(status)s”: it can no longer be answered.", status=order.status_label))
    if order.status != "open":
        raise DomainError(_l("This order is already answered: it awaits the manager's re-inspection."))
    errors = {}
    answer = _text(answer, "answer", _l("Say what you did to put it right."), ANSWER_MAX, errors)
    checked = check_photos(photos, errors)
    if errors:
        raise ValidationError(errors)
    order.answer, order.answered_by_id, order.answered_at, order.status = answer, actor.id, utcnow(), "answered"
    for stored in _store_photos(checked, actor):
        order.photos.append(RectificationPhoto(file_id=stored.id, uploaded_by_id=actor.id))
    _flush_as(actor)
    _tell_managers(order, actor)
    return order


def _tell_managers(order, actor):
    from portal.notifications.services import notify

    people = []
    for user in (order.inspection.inspector, order.partner.manager):
        if user is not None and user.active and user not in people and user != actor:
            people.append(user)
    params = {"partner": order.partner.name, "number": order.number, "outlet": order.outlet.name}
    for user in people:
        notify(user, "rectification_answered", params,
               link=_link("inspections_admin.rectification", rectification_id=order.id))


def reinspect(order, actor, inspected_on, score, note=None, photos=(), decision_note=None, today=None):
    """Re-inspect the item of an answered order: a new inspection of that item, pointing at the
    order. A pass closes the order, a fail escalates it; the partner is told."""
    _require_manager(actor)
    if not can_view_partner(actor, order.partner):
        raise DomainError(_l("This rectification order is not one of your partners'."))
    today = today or business_today()
    order = _locked(order)
    _refuse_done(order)
    if order.status != "answered":
        raise DomainError(_l("The partner has not answered this order yet: re-inspect it once they have."))
    line = order.score
    item = line.item
    errors = {}
    inspected_on = _inspection_date(inspected_on, "inspected_on", errors, today,
                                    not_before=order.inspection.inspected_on)
    value = _whole_number(score, "score", errors, 0, line.max_score,
                          _l("Score the item, from 0 to %(max)d.", max=line.max_score),
                          _l("The score is a whole number from 0 to %(max)d.", max=line.max_score))
    note = _text(note, "note", None, ITEM_NOTE_MAX, errors)
    decision_note = _text(decision_note, "decision_note", None, DECISION_MAX, errors)
    checked = check_photos(photos, errors)
    if errors:
        raise ValidationError(errors)
    passed = value >= item.pass_score
    inspection = Inspection(
        partner_id=order.partner_id, outlet_id=order.outlet_id,
        checklist_id=order.inspection.checklist_id, kind="planned", inspected_on=inspected_on, inspector_id=actor.id,
        score=value, max_score=line.max_score, notes=decision_note, rectification_id=order.id,
    )
    inspection.scores.append(InspectionScore(item_id=item.id, score=value, max_score=line.max_score, passed=passed,
                                             note=note))
    for stored in _store_photos(checked, actor):
        inspection.photos.append(InspectionPhoto(file_id=stored.id))
    _add_numbered(inspection, "IN", actor)
    order.status = "closed" if passed else "escalated"
    order.decided_by_id, order.decided_at, order.decision_note = actor.id, utcnow(), decision_note
    _flush_as(actor)
    _tell_partner_of_decision(order)
    return inspection


def may_escalate(order, today=None):
    """An answered order, or an open one past its deadline (the partner never answered)."""
    return order.status == "answered" or (order.status == "open" and is_overdue(order, today))


def escalate(order, actor, note, today=None):
    """Escalate without a re-inspection, with a note saying why."""
    _require_manager(actor)
    if not can_view_partner(actor, order.partner):
        raise DomainError(_l("This rectification order is not one of your partners'."))
    today = today or business_today()
    order = _locked(order)
    _refuse_done(order)
    if not may_escalate(order, today):
        raise DomainError(_l("An open order can be escalated only once its deadline has passed; until then the "
                             "partner may still answer it."))
    errors = {}
    note = _text(note, "escalation_note", _l("Say why the order is escalated."), DECISION_MAX, errors)
    if errors:
        raise ValidationError(errors)
    order.status = "escalated"
    order.decided_by_id, order.decided_at, order.decision_note = actor.id, utcnow(), note
    _flush_as(actor)
    _tell_partner_of_decision(order)
    return order


def _tell_partner_of_decision(order):
    from portal.notifications.services import notify

    kind = "rectification_closed" if order.status == "closed" else "rectification_escalated"
    params = {"number": order.number, "outlet": order.outlet.name}
    for user in _partner_users(order.partner):
        notify(user, kind, params, link=_link("inspections.rectification", rectification_id=order.id))


# ---- figures for the scorecard -------------------------------------------------------------------------


def inspection_scores(partner_ids, first_month, last_month):
    """Each partner's average inspection score, in percent, over whole business months.

    ``first_month`` and ``last_month`` are first-of-month dates (``core.i18n.business_month``),
    both included. Every inspection of the partner's outlets dated in those months counts
    once, with its own percentage (score × 100 / maximum) — planned inspections and mystery
    shops alike; re-inspections of a rectification order (a single item) are left out. The
    average is rounded half up to two decimals. Returns {partner_id: Decimal}; a partner with
    no inspection in the period is absent (the caller decides what that is worth).
    """
    ids = [int(i) for i in partner_ids or ()]
    if not ids or first_month > last_month:
        return {}
    end = add_months(last_month.replace(day=1), 1)
    rows = db.session.execute(
        sa.select(Inspection.partner_id, Inspection.score, Inspection.max_score)
        .where(Inspection.partner_id.in_(ids), Inspection.rectification_id.is_(None), Inspection.max_score > 0,
               Inspection.inspected_on >= first_month.replace(day=1), Inspection.inspected_on < end)
    ).all()
    totals = {}
    for partner_id, score, maximum in rows:
        total, count = totals.get(partner_id, (Decimal(0), 0))
        totals[partner_id] = (total + Decimal(score) * 100 / Decimal(maximum), count + 1)
    return {pid: (total / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            for pid, (total, count) in totals.items()}
