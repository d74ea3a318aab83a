"""Monthly partner scorecards (绩效考核) and the tier changes they propose.

THE RULES (every figure can be worked out by hand from what the scorecard page shows)

A scorecard scores one partner's business month (Beijing time) with four components, each
0–100 with two decimals (half up), or None when there is nothing to score:

- **sales** = net sales ÷ target × 100, within 0–100 (a month of more returns than sales
  scores 0). *Target* = the sum over all product lines of the monthly targets in force (portal.results.targets.targets_for); *net sales* = the sum of
  the month's PSI totals (``PsiMonthTotal.net_sales``: sales − returns) over all product lines.
  None without any target row, or when the targets add up to 0.
- **collection** = min(100, collected ÷ net sales × 100): the month's payment collections (回款,
  the results dashboard's "Collected": ``PaymentCollection`` rows of the month) against the
  month's net sales as defined above (what was sold is what is owed). The results package shows
  both figures side by side and defines no rate of its own. None when net sales are 0 or less.
- **training** = done ÷ required × 100. *Required* = the (person × module) pairs required of the
  partner's active users (portal.training.assignment_services: ``active_people`` and
  ``requirements``, as they stand when the scorecard is computed); *done* = the pairs for which
  the person held a certificate at the end of the month (issued before the month ended, not
  expired on its last day). None when nothing is required.
- **inspection** = the mean percentage of the partner's outlet inspections over the month and
  the two months before it (portal.inspections.services.inspection_scores): outlets are
  visited a few times a year, so one month alone would mostly score nothing. None without any.

The **weighted mean** is Σ(weight × score) ÷ Σ weight over the components that are not None
(the weights of the others are left out, i.e. the remaining weights are re-normalised).

**Deductions** = points per conflict × conflicts ruled against + points per complaint ×
complaints, where

- a *conflict ruled against* the partner is a case (any kind but the partners' own complaints
  about the vendor and commission queries) ruled in the month — ``ruled_at`` in it — with the
  partner as respondent and an action other than "no action", unless the ruling was in its
  favour or its action applies to another party (``in_favour_of_partner_id`` /
  ``penalty_partner_id``, see portal.conflicts.services.rule_case);
- a *complaint* against it is a case of those kinds opened in the month (``created_at``) in which
  the partner is a respondent, whatever became of it.

**Total** = max(0, weighted mean − deductions), two decimals, half up. With no component to
score the total is 0 and no tier is proposed.

**Proposed tier** = among the active tiers with a minimum score, the one with the highest
``min_score`` ≤ total (none if no tier qualifies or none has a minimum score). A manager
applies a tier (the proposal by default) with a reason; the partner sees its next tier: the
active tier with the lowest ``min_score`` above its total, and the points it lacks.

Weights and points per item are admin settings (``SETTING_NAMES``); the ones used are kept in
the scorecard's details, so that a scorecard keeps its meaning when the settings change. A
scorecard is computed (and recomputed: one row per partner and month) by ``compute_scorecards``,
for the current business month or the one before it only (``check_month``): its last PSI reports
and collections come in early the next month; older months are frozen, so that the scorecard a
tier change was based on stays as it was when the manager read it.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from portal.conflicts.models import CaseParty, ConflictCase
from portal.core.audit import acting_as
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import add_months, business_today, business_zone, money
from portal.core.models import utcnow
from portal.core.permissions import PARTNER_ADMIN, PARTNER_STAFF, can_view_partner, has_permission
from portal.core.settings import get_setting, set_setting
from portal.extensions import db
from portal.inspections.services import inspection_scores
from portal.notifications.services import MESSAGES, notify
from portal.partners.models import Partner
from portal.reference.models import PartnerTier
from portal.results.models import PaymentCollection, PsiMonthTotal
from portal.results.targets import targets_for
from portal.results.values import month_value
from portal.scorecards.models import Scorecard, TierChange
from portal.training.assignment_services import active_people, requirements
from portal.training.models import Certificate

MESSAGES.update({
    "tier_changed": _l("Your organisation's tier is now %(tier)s (it was %(previous)s). Reason: %(reason)s"),
    "tier_set": _l("Your organisation's tier is now %(tier)s. Reason: %(reason)s"),
})

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
COMPONENTS = {
    "sales": _l("Sales against target"),
    "collection": _l("Payment collection"),
    "training": _l("Training completion"),
    "inspection": _l("Inspections"),
}
WEIGHTS = {key: f"scorecard_weight_{key}" for key in COMPONENTS}
POINTS = {"conflict": "scorecard_points_per_conflict", "complaint": "scorecard_points_per_complaint"}
SETTING_NAMES = (*WEIGHTS.values(), *POINTS.values())
SETTING_MAX = 100  # weights are relative (0–100 each); more than 100 points per item is meaningless
INSPECTION_MONTHS = 3  # the month and the two before it
EXCLUDED_KINDS = ("complaint", "commission_query")  # the vendor, not a partner, answers these
REASON_MAX = 500


def _round(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _capped_percent(part, whole):
    """part ÷ whole × 100 kept within 0–100 (more returns than sales score 0, not less), two
    decimals half up; None when whole is not positive."""
    if whole is None or whole <= 0:
        return None
    return _round(max(ZERO, min(HUNDRED, Decimal(part) * HUNDRED / Decimal(whole))))


def month_bounds(month):
    """The UTC instants at which the business month starts and ends (end excluded)."""
    zone = business_zone()

    def start(day):
        return datetime.combine(day, time.min).replace(tzinfo=zone).astimezone(timezone.utc)

    return start(month), start(add_months(month, 1))


# ---- settings ------------------------------------------------------------------------------------


def weights():
    """{component: weight} from the admin settings."""
    return {key: int(get_setting(name)) for key, name in WEIGHTS.items()}


def points():
    """{"conflict": points, "complaint": points} from the admin settings."""
    return {key: int(get_setting(name)) for key, name in POINTS.items()}


def update_settings(values, actor):
    """Save the weights and the points per item (audited through ``set_setting``). ``values``
    maps each setting name to what was typed: whole numbers from 0 to 100, the weights not all
    0. Raises ValidationError naming the settings; the caller commits."""
    if actor is None or not has_permission(actor, "settings.manage"):
        raise DomainError(_l("Only an administrator may change these settings."))
    errors, clean = {}, {}
    for name in SETTING_NAMES:
        raw = str(values.get(name) if values.get(name) is not None else "").strip()
        try:
            number = int(raw)
        except ValueError:
            errors[name] = [_l("Enter a whole number.")]
            continue
        if not 0 <= number <= SETTING_MAX:
            errors[name] = [_l("Enter a whole number from 0 to %(max)d.", max=SETTING_MAX)]
            continue
        clean[name] = number
    if not errors and not any(clean[name] for name in WEIGHTS.values()):
        errors[WEIGHTS["sales"]] = [_l("At least one weight must be above 0: otherwise nothing is scored.")]
    if errors:
        raise ValidationError(errors)
    for name, number in clean.items():
        if get_setting(name) != number:
            set_setting(name, number)
    return clean


# ---- computing -----------------------------------------------------------------------------------


def weighted_total(scores, weights_used, deductions):
    """(weighted mean or None, total) — see the module's rules. ``scores`` and ``weights_used``
    map each component to its score (or None) and weight."""
    scored = [(weights_used[key], score) for key, score in scores.items() if score is not None]
    weight = sum(w for w, _score in scored)
    if not weight:
        return None, ZERO
    mean = sum(Decimal(w) * score for w, score in scored) / Decimal(weight)
    return mean, max(ZERO, _round(mean - deductions))


def scored_tiers():
    """The active tiers with a minimum score, highest minimum first (then by list order)."""
    return db.session.scalars(
        sa.select(PartnerTier).where(PartnerTier.active.is_(True), PartnerTier.min_score.is_not(None))
        .order_by(PartnerTier.min_score.desc(), PartnerTier.position, PartnerTier.code)
    ).all()


def proposed_tier(total, tiers=None):
    """The tier with the highest minimum score ≤ ``total``, or None."""
    for tier in tiers if tiers is not None else scored_tiers():
        if tier.min_score <= total:
            return tier
    return None


def next_tier(total, tiers=None):
    """The tier with the lowest minimum score above ``total``, or None (already at the top)."""
    above = [t for t in (tiers if tiers is not None else scored_tiers()) if t.min_score > total]
    return above[-1] if above else None


def _net_sales(ids, month):
    rows = db.session.execute(
        sa.select(PsiMonthTotal.partner_id, sa.func.sum(PsiMonthTotal.net_sales))
        .where(PsiMonthTotal.partner_id.in_(ids), PsiMonthTotal.month == month).group_by(PsiMonthTotal.partner_id)
    ).all()
    return {pid: _round(str(value)) for pid, value in rows}


def _collected(ids, month):
    """The month's collections per partner (portal.results.collections.month_total, for many)."""
    rows = db.session.execute(
        sa.select(PaymentCollection.partner_id, sa.func.sum(PaymentCollection.amount))
        .where(PaymentCollection.partner_id.in_(ids), PaymentCollection.month == month)
        .group_by(PaymentCollection.partner_id)
    ).all()
    return {pid: _round(str(value)) for pid, value in rows}


def _training(ids, month, end):
    """{partner id: (done, required)} — see the module's rules."""
    people = active_people(ids)
    required = requirements(people)
    last_day = add_months(month, 1) - timedelta(days=1)
    held = set()
    if people:
        held = {tuple(r) for r in db.session.execute(
            sa.select(Certificate.user_id, Certificate.module_id)
            .where(Certificate.user_id.in_([u.id for u in people]), Certificate.issued_at < end,
                   Certificate.expires_on >= last_day)
        )}
    counts = {}
    for user in people:
        done, total = counts.get(user.partner_id, (0, 0))
        for module, _due, _source in required.get(user.id, []):
            total += 1
            done += (user.id, module.id) in held
        counts[user.partner_id] = (done, total)
    return counts


def _cases(ids, start, end):
    """({partner id: [case numbers ruled against it]}, {partner id: [case numbers of complaints]})."""
    respondent = sa.select(CaseParty.partner_id, ConflictCase.number).join(
        ConflictCase, ConflictCase.id == CaseParty.case_id
    ).where(CaseParty.partner_id.in_(ids), CaseParty.role == "respondent", ConflictCase.kind.not_in(EXCLUDED_KINDS))
    against = respondent.where(
        ConflictCase.ruled_at >= start, ConflictCase.ruled_at < end,
        ConflictCase.ruling_action.is_not(None), ConflictCase.ruling_action != "no_action",
        sa.or_(ConflictCase.in_favour_of_partner_id.is_(None),
               ConflictCase.in_favour_of_partner_id != CaseParty.partner_id),
        sa.or_(ConflictCase.penalty_partner_id.is_(None), ConflictCase.penalty_partner_id == CaseParty.partner_id),
    )
    opened = respondent.where(ConflictCase.created_at >= start, ConflictCase.created_at < end)
    found = []
    for query in (against, opened):
        numbers = {}
        for pid, number in db.session.execute(query.order_by(ConflictCase.number)):
            numbers.setdefault(pid, []).append(number)
        found.append(numbers)
    return found


def compute_scorecards(partners, month, now=None):
    """Compute (or recompute) the scorecard of each of ``partners`` for ``month`` (a first-of-month
    date: the business month of ``now`` or the one before, see ``check_month``), in a fixed number
    of queries whatever their number. Returns the Scorecard rows; the caller commits."""
    now = now or utcnow()
    check_month(month, now.astimezone(business_zone()).date())
    partners = sorted(partners, key=lambda p: p.id)
    if not partners:
        return []
    ids = [p.id for p in partners]
    # One computation at a time per partner (two recomputes at once would both insert the row);
    # FOR NO KEY UPDATE, as the commissions do, so that rows referring to the partners (PSI
    # reports, collections) can still be added meanwhile.
    db.session.execute(sa.select(Partner.id).where(Partner.id.in_(ids)).order_by(Partner.id)
                       .with_for_update(key_share=True))
    start, end = month_bounds(month)
    weights_used, points_used = weights(), points()
    targets = {}
    for (pid, _line), amount in targets_for(ids, month).items():
        targets[pid] = targets.get(pid, ZERO) + amount
    net_sales, collected = _net_sales(ids, month), _collected(ids, month)
    training = _training(ids, month, end)
    first = add_months(month, -(INSPECTION_MONTHS - 1))
    inspections = inspection_scores(ids, first, month)
    against, complaints = _cases(ids, start, end)
    tiers = scored_tiers()
    existing = {s.partner_id: s for s in db.session.scalars(
        sa.select(Scorecard).where(Scorecard.partner_id.in_(ids), Scorecard.month == month))}
    cards = []
    for partner in partners:
        pid = partner.id
        target, sales = targets.get(pid), net_sales.get(pid, ZERO)
        paid = collected.get(pid, ZERO)
        done, required = training.get(pid, (0, 0))
        scores = {
            "sales": _capped_percent(sales, target),
            "collection": _capped_percent(paid, sales),
            "training": _capped_percent(done, required),
            "inspection": inspections.get(pid),
        }
        cases_against, cases_opened = against.get(pid, []), complaints.get(pid, [])
        deductions = _round(points_used["conflict"] * len(cases_against) + points_used["complaint"] * len(cases_opened))
        mean, total = weighted_total(scores, weights_used, deductions)
        details = {
            "net_sales": str(sales), "collected": str(paid),
            "training_done": str(done), "training_required": str(required),
            "inspection_from": month_value(first), "inspection_to": month_value(month),
            "conflicts": cases_against, "complaints": cases_opened,
            "weighted_mean": str(_round(mean)) if mean is not None else "",
            **{f"weight_{key}": str(value) for key, value in weights_used.items()},
            **{f"points_per_{key}": str(value) for key, value in points_used.items()},
        }
        if target is not None:
            details["target"] = str(_round(target))
        card = existing.get(pid)
        if card is None:
            card = Scorecard(partner_id=pid, month=month)
            db.session.add(card)
        card.sales_score, card.collection_score = scores["sales"], scores["collection"]
        card.training_score, card.inspection_score = scores["training"], scores["inspection"]
        card.conflicts_against, card.complaints = len(cases_against), len(cases_opened)
        card.deductions, card.total, card.details = deductions, total, details
        card.tier_id = partner.tier_id
        tier = proposed_tier(total, tiers) if mean is not None else None
        card.proposed_tier_id = tier.id if tier is not None else None
        card.computed_at = now
        cards.append(card)
    db.session.flush()
    return cards


def compute_scorecard(partner, month, now=None):
    """Compute (or recompute) one partner's scorecard of ``month``; the caller commits."""
    return compute_scorecards([partner], month, now)[0]


def check_month(month, today=None):
    """A month may be computed if it is the current business month or the one before it."""
    current = (today or business_today()).replace(day=1)
    if month > current:
        raise DomainError(_l("A month that has not started yet cannot be scored."), field="month")
    if month < add_months(current, -1):
        raise DomainError(_l("The scorecards of %(month)s are final: only the current month and the one before it "
                             "can be computed again.", month=month_value(month)), field="month")


# ---- reading a scorecard ------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    score: Decimal | None
    weight: int
    share: Decimal | None  # the weight's share of the scored weights, in per cent
    room: Decimal | None  # the points the total would gain if this score were 100
    figures: list  # [(label, text)]


def _figures(key, details):
    def amount(name):
        return money(Decimal(details[name])) if details.get(name) not in (None, "") else "—"

    if key == "sales":
        return [(_l("Target"), amount("target")), (_l("Net sales"), amount("net_sales"))]
    if key == "collection":
        return [(_l("Collected"), amount("collected")), (_l("Net sales"), amount("net_sales"))]
    if key == "training":
        return [(_l("Certificates held / required"),
                 f"{details.get('training_done', '0')} / {details.get('training_required', '0')}")]
    return [(_l("Period"), f"{details.get('inspection_from', '')} – {details.get('inspection_to', '')}")]


def components(card):
    """The scorecard's components with the weight used, its share, the room left and the figures
    behind each, in COMPONENTS order."""
    details = card.details or {}
    used = {key: int(details.get(f"weight_{key}", 0) or 0) for key in COMPONENTS}
    scores = {"sales": card.sales_score, "collection": card.collection_score, "training": card.training_score,
              "inspection": card.inspection_score}
    scored_weight = sum(used[k] for k, s in scores.items() if s is not None)
    rows = []
    for key, label in COMPONENTS.items():
        score = scores[key]
        share = room = None
        if score is not None and scored_weight:
            share = _round(Decimal(used[key]) * HUNDRED / scored_weight)
            room = _round((HUNDRED - score) * used[key] / scored_weight)
        rows.append(Component(key, label, score, used[key], share, room, _figures(key, details)))
    return rows


def most_room(card, count=2):
    """The scored components whose improvement would add the most points, largest first."""
    found = [c for c in components(card) if c.room]
    return sorted(found, key=lambda c: -c.room)[:count]


def direction(card, partner):
    """"up", "down" or "change" when the proposal differs from the partner's tier; else None."""
    proposed, current = card.proposed_tier, partner.tier
    if proposed is None or (current is not None and proposed.id == current.id):
        return None
    if current is None or current.min_score is None:
        return "change"
    return "up" if proposed.min_score > current.min_score else "down"


# ---- applying a tier ------------------------------------------------------------------------------


def _optional_url(endpoint, **values):
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _bilingual(tier):
    return {"en": tier.name_en, "zh": tier.name_zh}


def apply_tier(partner, tier, reason, actor, scorecard=None):
    """A manager who may see ``partner`` puts it in ``tier`` (an active tier other than its own)
    with a reason (required, at most REASON_MAX characters): ``Partner.tier_id`` changes (the
    audit trail keeps old → new), a TierChange records it with the scorecard behind it, and the
    partner's active users are told. Raises ValidationError naming ``tier_id`` and ``reason``;
    the caller commits."""
    if not has_permission(actor, "scorecards.manage") or not can_view_partner(actor, partner):
        raise DomainError(_l("Only the partner's channel manager or an administrator may change its tier."))
    errors = {}
    if tier is None or not tier.active:
        errors["tier_id"] = [_l("Choose a tier in use.")]
    elif tier.id == partner.tier_id:
        errors["tier_id"] = [_l("The partner is already in this tier.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_l("Say why the tier changes: the partner reads the reason.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_l("At most %(max)d characters.", max=REASON_MAX)]
    if errors:
        raise ValidationError(errors)
    previous = partner.tier
    change = TierChange(partner_id=partner.id, from_tier_id=partner.tier_id, to_tier_id=tier.id,
                        scorecard_id=scorecard.id if scorecard is not None and scorecard.partner_id == partner.id
                        else None, reason=reason, changed_by_id=actor.id, changed_at=utcnow())
    partner.tier_id = tier.id
    partner.tier = tier
    db.session.add(change)
    with acting_as(actor):  # the audit row names the manager, from the web or not
        db.session.flush()
    link = _optional_url("scorecards.index")
    for person in partner.users:
        if person.role in (PARTNER_ADMIN, PARTNER_STAFF):
            if previous is None:
                notify(person, "tier_set", {"tier": _bilingual(tier), "reason": reason}, link=link)
            else:
                notify(person, "tier_changed", {"tier": _bilingual(tier), "previous": _bilingual(previous),
                                                "reason": reason}, link=link)
    return change
