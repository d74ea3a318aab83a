"""Who must learn what, by when: curriculum rules, manual assignments, and the materials gate.

``required_modules(user)`` is the contract the learner's pages use; ``requirements(users)``
computes the same for many people at once (a fixed number of queries, whatever their count),
for the oversight pages and ``training_complete``.
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.core.permissions import PARTNER_ADMIN, PARTNER_STAFF, can_view_partner, has_permission
from portal.core.settings import get_setting
from portal.extensions import db
from portal.notifications.services import notify
from portal.partners.models import Partner
from portal.training.models import Certificate, CurriculumRule, TrainingAssignment, TrainingModule

# Signing days, rule days and "today" are counted in the vendor's time zone.
ZONE = ZoneInfo("Asia/Shanghai")
PARTNER_ROLES = (PARTNER_ADMIN, PARTNER_STAFF)
SOURCES = {"curriculum": _l("Curriculum"), "assigned": _l("Assigned")}
LEARNER_LINK = "/training/"


def today_local():
    return datetime.now(ZONE).date()


def local_date(moment):
    return moment.astimezone(ZONE).date() if moment is not None else None


def rule_due_on(rule, partner):
    """``due_days`` after the later of the partner's signing and the rule's creation (local days)."""
    days = [d for d in (local_date(partner.signed_at), local_date(rule.created_at)) if d is not None]
    start = max(days) if days else today_local()
    return start + timedelta(days=rule.due_days)


def rule_matches(rule, partner):
    """An empty channel type or tier on the rule matches any partner."""
    return ((rule.channel_type_id is None or rule.channel_type_id == partner.channel_type_id)
            and (rule.tier_id is None or rule.tier_id == partner.tier_id))


def _earlier(a, b):
    """Which of two due dates comes first; no due date comes after any date."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def requirements(users):
    """{user id: [(module, due_on or None, source)]} for partner users, sorted by due date (none
    last) then title. Users without a partner require nothing."""
    users = [u for u in users if u.partner_id is not None]
    result = {u.id: {} for u in users}
    if not users:
        return {}
    partner_ids = {u.partner_id for u in users}
    partners = {p.id: p for p in db.session.scalars(sa.select(Partner).where(Partner.id.in_(partner_ids)))}
    rules = db.session.scalars(
        sa.select(CurriculumRule).join(TrainingModule, TrainingModule.id == CurriculumRule.module_id)
        .where(CurriculumRule.active.is_(True), TrainingModule.status == "published")
        .options(selectinload(CurriculumRule.module))
    ).all()
    user_ids = [u.id for u in users]
    assignments = db.session.scalars(
        sa.select(TrainingAssignment).join(TrainingModule, TrainingModule.id == TrainingAssignment.module_id)
        .where(TrainingModule.status == "published",
               sa.or_(TrainingAssignment.partner_id.in_(partner_ids), TrainingAssignment.user_id.in_(user_ids)))
        .options(selectinload(TrainingAssignment.module))
    ).all()

    def add(found, module, due_on, source):
        current = found.get(module.id)
        if current is None:
            found[module.id] = (module, due_on, source)
        else:
            best = _earlier(current[1], due_on)
            if best != current[1]:
                found[module.id] = (module, due_on, source)

    for user in users:
        partner = partners[user.partner_id]
        found = result[user.id]
        for rule in rules:
            if rule_matches(rule, partner):
                add(found, rule.module, rule_due_on(rule, partner), "curriculum")
        for assignment in assignments:
            if assignment.user_id == user.id or (assignment.user_id is None and assignment.partner_id == partner.id):
                add(found, assignment.module, assignment.due_on, "assigned")
    return {
        uid: sorted(found.values(), key=lambda r: (r[1] is None, r[1] or date.max, r[0].t("title") or "", r[0].id))
        for uid, found in result.items()
    }


def required_modules(user):
    """The published modules required of a partner user: [(module, due_on or None, source)],
    source "curriculum" or "assigned"; each module once, with its earliest due date."""
    if user is None or user.partner_id is None:
        return []
    return requirements([user]).get(user.id, [])


def active_people(partner_ids):
    """The active partner admins and staff of these partners, by name."""
    if not partner_ids:
        return []
    return db.session.scalars(
        sa.select(User).where(User.partner_id.in_(list(partner_ids)), User.role.in_(PARTNER_ROLES),
                              User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()


def valid_certificates(user_ids, today=None):
    """{(user id, module id): the certificate expiring last} among those not expired on ``today``
    (a certificate is valid up to and including its expiry day)."""
    if not user_ids:
        return {}
    today = today or today_local()
    rows = db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id.in_(list(user_ids)), Certificate.expires_on >= today)
    ).all()
    best = {}
    for cert in rows:
        key = (cert.user_id, cert.module_id)
        if key not in best or cert.expires_on > best[key].expires_on:
            best[key] = cert
    return best


def training_complete(partner, today=None):
    """Every active user of the partner holds a valid, unexpired certificate for each module
    required of them."""
    return not missing_training(partner, today)


def missing_training(partner, today=None):
    """[(user, module)] still lacking a valid certificate."""
    people = active_people([partner.id])
    required = requirements(people)
    certs = valid_certificates([u.id for u in people], today)
    return [(u, module) for u in people for module, _due, _src in required.get(u.id, [])
            if (u.id, module.id) not in certs]


def may_order_materials(partner, today=None):
    """(True, None) when the training gate is off or the partner's people are all trained;
    otherwise (False, reason)."""
    if not get_setting("training_required_for_materials"):
        return True, None
    missing = missing_training(partner, today)
    if not missing:
        return True, None
    people = len({u.id for u, _m in missing})
    return False, _("Promotional material can be ordered once your team has completed its required training: "
                    "%(people)d person(s) still need %(pairs)d certificate(s).", people=people, pairs=len(missing))


# ---- curriculum rules and assignments ---------------------------------------------------------


def _check_author(actor):
    if not (has_permission(actor, "training.oversee") or has_permission(actor, "training.author")):
        raise DomainError(_l("Only channel managers and administrators may assign training."))


def _check_published(module):
    if module is None:
        raise DomainError(_l("Choose a module."), field="module_id")
    if module.status != "published":
        raise DomainError(_l("Only a published module can be required or assigned."), field="module_id")


def _learner_link(module):
    """The module's page on the learner's side (path only: notifications store paths)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for("training.module", module_id=module.id)
    except (BuildError, RuntimeError):
        return LEARNER_LINK


def _notify_assigned(users, module, due_on):
    """Tell each person, in their own language, once."""
    params = {"module": {"en": module.title_en, "zh": module.title_zh},
              "due_on": due_on.isoformat() if due_on else ""}
    seen = set()
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        notify(user, "training_assigned", params, link=_learner_link(module))
    return len(seen)


def create_rule(module, channel_type, tier, due_days, actor):
    """Require ``module`` of partners of this channel type and tier (None = any), due
    ``due_days`` days later; notify the people of each matching active partner. The caller commits."""
    _check_author(actor)
    _check_published(module)
    try:
        due_days = int(due_days)
    except (TypeError, ValueError):
        raise DomainError(_l("Enter a number of days."), field="due_days") from None
    if due_days < 1:
        raise DomainError(_l("Allow at least one day."), field="due_days")
    if due_days > 3650:
        raise DomainError(_l("Allow at most 3650 days."), field="due_days")
    ct_id = channel_type.id if channel_type is not None else None
    tier_id = tier.id if tier is not None else None
    duplicate = db.session.scalar(sa.select(CurriculumRule.id).where(
        CurriculumRule.module_id == module.id, CurriculumRule.active.is_(True),
        CurriculumRule.channel_type_id.is_(None) if ct_id is None else CurriculumRule.channel_type_id == ct_id,
        CurriculumRule.tier_id.is_(None) if tier_id is None else CurriculumRule.tier_id == tier_id,
    ))
    if duplicate:
        raise DomainError(_l("An active rule already requires this module of these partners."), field="module_id")
    rule = CurriculumRule(module=module, channel_type_id=ct_id, tier_id=tier_id, due_days=due_days, active=True,
                          created_by_id=actor.id)
    db.session.add(rule)
    db.session.flush()
    partners = db.session.scalars(sa.select(Partner).where(Partner.status == "active")).all()
    matching = [p for p in partners if rule_matches(rule, p)]
    by_partner = {}
    for user in active_people([p.id for p in matching]):
        by_partner.setdefault(user.partner_id, []).append(user)
    for partner in matching:
        _notify_assigned(by_partner.get(partner.id, []), module, rule_due_on(rule, partner))
    return rule


def deactivate_rule(rule, actor):
    _check_author(actor)
    if not rule.active:
        raise DomainError(_l("This rule is already inactive."))
    rule.active = False
    return rule


def assign_module(module, actor, partner=None, user=None, due_on=None, today=None):
    """Assign a published module to a partner the actor may see, or to one person of it, with an
    optional due date; notify the person(s). The caller commits."""
    _check_author(actor)
    _check_published(module)
    if user is not None:
        if user.role not in PARTNER_ROLES or user.partner_id is None:
            raise DomainError(_l("Choose a person of a partner organisation."), field="user_id")
        if partner is not None and user.partner_id != partner.id:
            raise DomainError(_l("This person does not belong to the chosen partner."), field="user_id")
        if not user.active:
            raise DomainError(_l("This person's account is deactivated."), field="user_id")
        partner = user.partner
    if partner is None:
        raise DomainError(_l("Choose a partner."), field="partner_id")
    if not can_view_partner(actor, partner):
        raise DomainError(_l("Choose a partner you look after."), field="partner_id")
    if due_on is not None and due_on < (today or today_local()):
        raise DomainError(_l("Choose a due date from today on."), field="due_on")
    target = TrainingAssignment.user_id == user.id if user is not None else sa.and_(
        TrainingAssignment.partner_id == partner.id, TrainingAssignment.user_id.is_(None))
    if db.session.scalar(sa.select(TrainingAssignment.id).where(TrainingAssignment.module_id == module.id, target)):
        raise DomainError(_l("This module is already assigned there."), field="module_id")
    assignment = TrainingAssignment(module=module, partner_id=None if user is not None else partner.id,
                                    user_id=user.id if user is not None else None, due_on=due_on,
                                    assigned_by_id=actor.id)
    db.session.add(assignment)
    db.session.flush()
    recipients = [user] if user is not None else active_people([partner.id])
    _notify_assigned(recipients, module, due_on)
    return assignment


def withdraw_assignment(assignment, actor):
    """Remove a manual assignment (recorded in the audit trail). The caller commits."""
    _check_author(actor)
    target = assignment.partner if assignment.partner_id else (assignment.user.partner if assignment.user else None)
    if target is None or not can_view_partner(actor, target):
        raise DomainError(_l("You do not look after this partner."))
    db.session.delete(assignment)
