"""Case queries, always scoped to what the user may see.

- A partner user sees the cases its organisation is a party to; any other case answers 404, and
  so do its evidence and its answer route. Within a case it sees its own evidence and what a
  manager shared, never another party's private evidence (404 even by URL).
- A manager sees the cases one of whose parties is a partner they may see
  (``portal.partners.queries.visible_partners``) and the cases assigned to them; an admin sees
  every case.
"""
import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.conflicts.models import CaseEntry, CaseEvidence, CaseParty, ConflictCase
from portal.conflicts.services import overdue_condition
from portal.core.permissions import ADMIN, MANAGER
from portal.extensions import db
from portal.core.urls import id_arg
from portal.partners.models import Partner
from portal.partners.queries import visible_partners

PARTNER_ROLES = ("partner_admin", "partner_staff")


def visible_cases(user):
    """A select of the cases ``user`` may open."""
    query = sa.select(ConflictCase)
    if user.role == ADMIN:
        return query
    if user.role == MANAGER:
        partner_ids = visible_partners(user).with_only_columns(Partner.id)
        party_cases = sa.select(CaseParty.case_id).where(CaseParty.partner_id.in_(partner_ids))
        return query.where(sa.or_(ConflictCase.manager_id == user.id, ConflictCase.id.in_(party_cases)))
    if user.role in PARTNER_ROLES and user.partner_id is not None:
        return query.where(ConflictCase.id.in_(
            sa.select(CaseParty.case_id).where(CaseParty.partner_id == user.partner_id)))
    return query.where(sa.false())


def _case_options(query):
    from portal.deals.models import DealRegistration

    return query.options(
        selectinload(ConflictCase.parties).selectinload(CaseParty.partner),
        selectinload(ConflictCase.manager),
        selectinload(ConflictCase.registration).selectinload(DealRegistration.matched),
    )


def get_case(case_id, user):
    """The case if ``user`` may see it; 404 otherwise (another organisation's case included)."""
    case = db.session.scalar(_case_options(visible_cases(user).where(ConflictCase.id == case_id)).options(
        selectinload(ConflictCase.entries).selectinload(CaseEntry.author),
        selectinload(ConflictCase.evidence).selectinload(CaseEvidence.file),
        selectinload(ConflictCase.status_changes),
    ))
    if case is None:
        abort(404)
    return case


def get_evidence(case, evidence_id, user):
    """A piece of evidence of ``case``: every piece for the vendor side; for a partner user its
    own organisation's and the shared ones only (404 otherwise)."""
    evidence = db.session.get(CaseEvidence, evidence_id)
    if evidence is None or evidence.case_id != case.id or evidence.file is None:
        abort(404)
    if user.role not in (ADMIN, MANAGER):
        if not (evidence.shared or (user.partner_id is not None and evidence.partner_id == user.partner_id)):
            abort(404)
    return evidence


def filtered_cases(user, args, today, partner_side=False):
    """The case list with filters from ``args``: status, kind, partner (vendor side), overdue,
    mine (vendor side); open cases first, soonest due first."""
    from portal.conflicts.models import CASE_KINDS, CASE_STATUSES

    query = visible_cases(user)
    status = args.get("status", "")
    if status in CASE_STATUSES:
        query = query.where(ConflictCase.status == status)
    kind = args.get("kind", "")
    if kind in CASE_KINDS:
        query = query.where(ConflictCase.kind == kind)
    if not partner_side:
        partner_id = id_arg(args, "partner")
        if partner_id:
            query = query.where(ConflictCase.id.in_(
                sa.select(CaseParty.case_id).where(CaseParty.partner_id == partner_id)))
        if args.get("mine") == "1":
            query = query.where(ConflictCase.manager_id == user.id)
    if args.get("overdue") == "1":
        query = query.where(overdue_condition(today))
    done = sa.case((ConflictCase.status.in_(("ruled", "closed")), 1), else_=0)
    return _case_options(query.order_by(done, ConflictCase.due_on.is_(None), ConflictCase.due_on,
                                        ConflictCase.id.desc()))


def overdue_count(user, today):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(visible_cases(user).where(overdue_condition(today)).subquery())
    )


def partners_with_cases(user):
    """The partners (that ``user`` may see) party to a case ``user`` may see: the partner filter."""
    case_ids = visible_cases(user).with_only_columns(ConflictCase.id)
    query = (visible_partners(user)
             .where(Partner.id.in_(sa.select(CaseParty.partner_id).where(CaseParty.case_id.in_(case_ids))))
             .order_by(Partner.name, Partner.id))
    return db.session.scalars(query).all()


def partner_choices(user, case):
    """Partners ``user`` may see that are not yet parties to ``case``, for the add-party form."""
    taken = [p.partner_id for p in case.parties]
    query = visible_partners(user).where(Partner.status != "terminated").order_by(Partner.name, Partner.id)
    if taken:
        query = query.where(Partner.id.not_in(taken))
    return db.session.scalars(query).all()


def partner_by_credit_code(code):
    """Any partner by its exact unified social credit code (to add a party from another area)."""
    if not code:
        return None
    return db.session.scalar(sa.select(Partner).where(Partner.credit_code == code))


def managers():
    """Active channel managers and administrators, for the assignment form."""
    return db.session.scalars(
        sa.select(User).where(User.role.in_((ADMIN, MANAGER)), User.active.is_(True)).order_by(User.name, User.id)
    ).all()
