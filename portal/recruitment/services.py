"""Recruitment: applications, routing, the pipeline, and what managers record on prospects.

Plain functions: they take the acting user and validated values, check the rules, change the
objects and raise DomainError naming the field. The caller commits.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.notifications.services import notify
from portal.recruitment.models import (
    ACTIVITY_KINDS, AGREEMENT_SENT, NEGOTIATING, NEW, QUALIFYING, REJECTED, SIGNED, WITHDRAWN, Activity,
    DuplicateApplication, FollowUp, Message, Prospect, ProspectDocument, StageChange,
)
from portal.reference.models import Territory

# Moves a manager may make by hand. "agreement_sent" and "signed" are reached only through the
# agreement workflow (WORKFLOW_TRANSITIONS), never by hand.
MANUAL_TRANSITIONS = {
    NEW: {QUALIFYING, REJECTED, WITHDRAWN},
    QUALIFYING: {NEGOTIATING, REJECTED, WITHDRAWN},
    NEGOTIATING: {QUALIFYING, REJECTED, WITHDRAWN},
    AGREEMENT_SENT: {NEGOTIATING, REJECTED, WITHDRAWN},
    SIGNED: set(),
    REJECTED: {QUALIFYING},
    WITHDRAWN: {QUALIFYING},
}
WORKFLOW_TRANSITIONS = {
    NEGOTIATING: {AGREEMENT_SENT},
    AGREEMENT_SENT: {SIGNED},
}
REASON_REQUIRED = {REJECTED, WITHDRAWN}

APPLICATION_FIELDS = (
    "company_name", "credit_code", "legal_representative", "contact_name", "mobile", "email",
    "channel_type_id", "outlet_count", "registered_capital", "years_in_business", "pitch",
)


# ---- routing ----------------------------------------------------------------------------------


def _least_loaded(managers):
    managers = [m for m in managers if m.active and m.role == "manager"]
    if not managers:
        return None
    open_counts = dict(
        db.session.execute(
            sa.select(Prospect.owner_id, sa.func.count(Prospect.id))
            .where(Prospect.owner_id.in_([m.id for m in managers]), Prospect.stage.in_((NEW, QUALIFYING, NEGOTIATING)))
            .group_by(Prospect.owner_id)
        ).all()
    )
    return min(managers, key=lambda m: (open_counts.get(m.id, 0), m.id))


def route_manager(city, province):
    """The manager of the city, else of the province, else None (the unassigned queue).
    Several managers on the same level: the one with the fewest open prospects."""
    for territory in (city, province):
        if territory is not None:
            manager = _least_loaded(territory.managers)
            if manager is not None:
                return manager
    return None


def split_territory(territory):
    """A chosen territory (a city or a whole province) as (province, city)."""
    if territory is None:
        return None, None
    if territory.level == "city":
        return territory.parent, territory
    return territory, None


# ---- applications -----------------------------------------------------------------------------


def find_by_credit_code(code):
    return db.session.scalar(sa.select(Prospect).where(Prospect.credit_code == code)) if code else None


def submit_application(data, territory, product_lines, licence, ip_address, locale):
    """Record an online application. Returns ("created", prospect, user) or ("duplicate", None, None).

    A credit code already on file is recorded on the existing prospect for its manager; the
    submitter learns only that the company has already applied.
    """
    existing = find_by_credit_code(data["credit_code"])
    if existing is not None:
        db.session.add(DuplicateApplication(
            prospect=existing, company_name=data["company_name"], contact_name=data["contact_name"],
            email=data["email"], mobile=data.get("mobile"), pitch=data.get("pitch"), ip_address=ip_address,
        ))
        if existing.owner is not None:
            notify(existing.owner, "duplicate_application", {"company": existing.company_name},
                   link=url_for("pipeline.prospect", prospect_id=existing.id))
        return "duplicate", None, None

    if accounts.find_user(data["email"]) is not None:
        raise DomainError(
            _l("An account with this e-mail address already exists. Sign in first, or use another address."),
            field="email",
        )
    user = accounts.create_user(data["email"], data["contact_name"], "applicant", locale=locale)
    if data.get("mobile"):
        user.phone = data["mobile"]
    province, city = split_territory(territory)
    prospect = Prospect(
        **{k: data.get(k) for k in APPLICATION_FIELDS},
        province=province, city=city, source="online", stage=NEW, stage_changed_at=utcnow(),
        applicant_user_id=user.id, consent_at=utcnow(), consent_ip=ip_address,
    )
    prospect.product_lines = list(product_lines)
    owner = route_manager(city, province)
    prospect.owner_id = owner.id if owner else None
    db.session.add(prospect)
    db.session.flush()
    db.session.add(StageChange(prospect=prospect, from_stage=None, to_stage=NEW, actor_id=user.id))
    if licence is not None:
        db.session.add(ProspectDocument(prospect=prospect, file_id=licence.id, kind="licence",
                                        uploaded_by_id=user.id))
        licence.uploaded_by_id = user.id
    if owner is not None:
        notify(owner, "application_received", {"company": prospect.company_name},
               link=url_for("pipeline.prospect", prospect_id=prospect.id))
    accounts.send_password_link(user, "set-password")
    return "created", prospect, user


def create_prospect(data, territory, product_lines, actor, source="manual", owner=None):
    """A prospect found in the field or imported, entered by a manager."""
    if data.get("credit_code") and find_by_credit_code(data["credit_code"]) is not None:
        raise DomainError(_l("A prospect with this credit code is already on file."), field="credit_code")
    province, city = split_territory(territory)
    prospect = Prospect(
        **{k: data.get(k) for k in APPLICATION_FIELDS},
        province=province, city=city, source=source, stage=NEW, stage_changed_at=utcnow(),
    )
    prospect.product_lines = list(product_lines)
    if owner is None and actor.role == "manager":
        owner = actor
    prospect.owner_id = owner.id if owner else None
    db.session.add(prospect)
    db.session.flush()
    db.session.add(StageChange(prospect=prospect, from_stage=None, to_stage=NEW, actor_id=actor.id))
    return prospect


# ---- the pipeline -----------------------------------------------------------------------------


def allowed_manual_moves(prospect):
    return [s for s in (NEW, QUALIFYING, NEGOTIATING, AGREEMENT_SENT, SIGNED, REJECTED, WITHDRAWN)
            if s in MANUAL_TRANSITIONS[prospect.stage]]


def change_stage(prospect, to_stage, reason, actor, via_workflow=False):
    """Move a prospect, recording who, when and why, and tell the applicant."""
    from portal.recruitment.models import STAGE_LABELS

    reason = (reason or "").strip()
    if to_stage not in STAGE_LABELS:
        raise DomainError(_l("Unknown stage."), field="to_stage")
    allowed = WORKFLOW_TRANSITIONS if via_workflow else MANUAL_TRANSITIONS
    if to_stage not in allowed.get(prospect.stage, set()):
        if not via_workflow and to_stage in (AGREEMENT_SENT, SIGNED):
            raise DomainError(
                _l("“%(stage)s” is reached only through the agreement workflow, not by hand.",
                   stage=STAGE_LABELS[to_stage]), field="to_stage")
        raise DomainError(
            _l("A prospect cannot move from “%(from)s” to “%(to)s”.",
               **{"from": STAGE_LABELS[prospect.stage], "to": STAGE_LABELS[to_stage]}), field="to_stage")
    if to_stage in REASON_REQUIRED and not reason:
        raise DomainError(_l("Give a reason: the applicant is told the application was closed."), field="reason")
    now = utcnow()
    change = StageChange(prospect=prospect, from_stage=prospect.stage, to_stage=to_stage,
                         actor_id=actor.id, reason=reason or None, created_at=now)
    db.session.add(change)
    prospect.stage = to_stage
    prospect.stage_changed_at = now
    params = {"company": prospect.company_name, "stage": to_stage}
    if prospect.applicant is not None:
        # The home page takes each user to their own page: the application, or the partner portal once signed.
        notify(prospect.applicant, "stage_changed", params, link=url_for("core.home"))
    if prospect.owner is not None and prospect.owner.id != actor.id:
        notify(prospect.owner, "stage_changed", params,
               link=url_for("pipeline.prospect", prospect_id=prospect.id))
    return change


def claim(prospect_id, actor):
    """Take an unassigned prospect. Two managers at once: one wins, the other is told."""
    result = db.session.execute(
        sa.update(Prospect)
        .where(Prospect.id == prospect_id, Prospect.owner_id.is_(None))
        .values(owner_id=actor.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("Someone else has already claimed this prospect."))
    from portal.core.audit import AuditLog

    db.session.add(AuditLog(actor_id=actor.id, entity_type="Prospect", entity_id=str(prospect_id),
                            action="update", field="owner_id", old_value=None, new_value=str(actor.id)))
    prospect = db.session.get(Prospect, prospect_id)
    db.session.refresh(prospect)
    return prospect


def assign(prospect, owner, actor):
    if owner is not None and (owner.role != "manager" or not owner.active):
        raise DomainError(_l("Choose an active channel manager."), field="owner_id")
    if prospect.owner_id == (owner.id if owner else None):
        return
    prospect.owner = owner
    if owner is not None and owner.id != actor.id:
        notify(owner, "prospect_assigned", {"company": prospect.company_name},
               link=url_for("pipeline.prospect", prospect_id=prospect.id))


def update_details(prospect, data, territory, product_lines, actor):
    if data.get("credit_code") and data["credit_code"] != prospect.credit_code:
        other = find_by_credit_code(data["credit_code"])
        if other is not None and other.id != prospect.id:
            raise DomainError(_l("A prospect with this credit code is already on file."), field="credit_code")
    for key in APPLICATION_FIELDS:
        if key in data:
            setattr(prospect, key, data[key])
    prospect.province, prospect.city = split_territory(territory)
    prospect.product_lines = list(product_lines)


# ---- the relationship -------------------------------------------------------------------------


def log_activity(prospect, kind, occurred_at, participants, outcome, actor):
    if kind not in ACTIVITY_KINDS:
        raise DomainError(_l("Choose a kind of activity."), field="kind")
    if occurred_at > datetime.now(timezone.utc).replace(microsecond=0) + _one_day():
        raise DomainError(_l("An activity is logged after it happens; schedule a follow-up for the future."),
                          field="occurred_at")
    activity = Activity(prospect=prospect, kind=kind, occurred_at=occurred_at, participants=participants or None,
                        outcome=outcome.strip(), author_id=actor.id)
    db.session.add(activity)
    prospect.updated_at = utcnow()
    return activity


def _one_day():
    from datetime import timedelta

    return timedelta(days=1)


def schedule_follow_up(prospect, due_date, note, assignee, actor):
    if assignee is None or assignee.role not in ("manager", "admin") or not assignee.active:
        raise DomainError(_l("Choose who will follow up."), field="assignee_id")
    follow_up = FollowUp(prospect=prospect, due_date=due_date, note=note.strip(), assignee_id=assignee.id,
                         created_by_id=actor.id)
    db.session.add(follow_up)
    return follow_up


def complete_follow_up(follow_up, actor):
    if follow_up.done_at is not None:
        raise DomainError(_l("This follow-up is already done."))
    follow_up.done_at = utcnow()


def post_message(prospect, author, body, is_question=False):
    """A message between the prospect's manager(s) and the applicant; the other side is told."""
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write a message."), field="body")
    message = Message(prospect=prospect, author_id=author.id, body=body,
                      is_question=bool(is_question) and author.role != "applicant")
    db.session.add(message)
    params = {"company": prospect.company_name, "author": author.name}
    if author.role == "applicant":
        if prospect.owner is not None:
            notify(prospect.owner, "message_received", params,
                   link=url_for("pipeline.prospect", prospect_id=prospect.id) + "#messages")
    elif prospect.applicant is not None:
        notify(prospect.applicant, "message_received", params, link=url_for("applicant.mine") + "#messages")
    return message


def add_document(prospect, stored_file, kind, description, actor):
    document = ProspectDocument(prospect=prospect, file_id=stored_file.id, kind=kind,
                                description=(description or "").strip() or None, uploaded_by_id=actor.id)
    db.session.add(document)
    if actor.role == "applicant" and prospect.owner is not None:
        notify(prospect.owner, "document_added", {"company": prospect.company_name, "author": actor.name},
               link=url_for("pipeline.prospect", prospect_id=prospect.id) + "#documents")
    return document


# ---- reminders --------------------------------------------------------------------------------


def send_follow_up_reminders(today):
    """Remind each assignee of follow-ups due today or overdue, once per local day.

    Idempotent: run it as often as cron likes; a follow-up is reminded at most once a day.
    Returns how many reminders were sent.
    """
    due = db.session.scalars(
        sa.select(FollowUp)
        .where(FollowUp.done_at.is_(None), FollowUp.due_date <= today,
               sa.or_(FollowUp.reminded_on.is_(None), FollowUp.reminded_on < today))
        .order_by(FollowUp.id)
    ).all()
    sent = 0
    for follow_up in due:
        # Claim the row for today first, so that two runs at once do not both send.
        result = db.session.execute(
            sa.update(FollowUp)
            .where(FollowUp.id == follow_up.id,
                   sa.or_(FollowUp.reminded_on.is_(None), FollowUp.reminded_on < today))
            .values(reminded_on=today)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        notify(follow_up.assignee, "follow_up_due",
               {"company": follow_up.subject_name, "due": follow_up.due_date.isoformat(), "note": follow_up.note},
               link=follow_up.subject_path)
        sent += 1
    return sent


def managers():
    return db.session.scalars(
        sa.select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.name)
    ).all()


def territory_by_id(territory_id):
    return db.session.get(Territory, territory_id) if territory_id else None
