"""Lease proof and subsidy queries, always scoped to what the user may see.

A partner admin sees only its own organisation's proofs and paid lines (another's proof answers
404); managers see the proofs of the partners they may see
(portal.partners.queries.visible_partners), admins all of them.
"""
import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.commissions.models import CommissionLine, CommissionStatement
from portal.core.permissions import has_permission
from portal.core.urls import id_arg
from portal.extensions import db
from portal.partners.models import Partner
from portal.partners.queries import visible_partners
from portal.subsidies.models import LEASE_STATUSES, LeaseProof as L
from portal.subsidies.services import released_subsidy_lines


def _with_relations(query):
    return query.options(selectinload(L.partner), selectinload(L.outlet), selectinload(L.file),
                         selectinload(L.uploaded_by), selectinload(L.reviewed_by))


# ---- partner side --------------------------------------------------------------------------------


def get_own(proof_id, user):
    """A proof of the user's own organisation; 404 for anyone else's."""
    proof = None
    if user.partner_id is not None:
        proof = db.session.scalar(sa.select(L).where(L.id == proof_id, L.partner_id == user.partner_id))
    if proof is None:
        abort(404)
    return proof


def paid_lines(partner):
    """A select of the partner's subsidy lines in released statements, newest statement first."""
    return (released_subsidy_lines(partner.id)
            .options(selectinload(CommissionLine.outlet), selectinload(CommissionLine.statement))
            .order_by(CommissionStatement.month.desc(), CommissionLine.source_month.desc(), CommissionLine.id))


# ---- vendor side ---------------------------------------------------------------------------------


def visible_proofs(user):
    """A select of the proofs of the partners ``user`` may see."""
    if not has_permission(user, "subsidies.manage"):
        return sa.select(L).where(sa.false())
    partner_ids = visible_partners(user).with_only_columns(Partner.id).scalar_subquery()
    return sa.select(L).where(L.partner_id.in_(partner_ids))


def queue_filters(args):
    """The queue's filters from the query string: proofs awaiting review unless told otherwise."""
    status = args.get("status", "pending")
    return {"status": status if status in LEASE_STATUSES or status == "all" else "pending",
            "partner": id_arg(args, "partner")}


def queue(user, filters):
    query = visible_proofs(user)
    if filters["status"] != "all":
        query = query.where(L.status == filters["status"])
    if filters["partner"]:
        query = query.where(L.partner_id == filters["partner"])
    return _with_relations(query.order_by(sa.case((L.status == "pending", 0), else_=1), L.id.desc()))


def status_counts(user, partner_id=None):
    """{status: count} of the proofs the user may see (of one partner, if given)."""
    query = visible_proofs(user)
    if partner_id:
        query = query.where(L.partner_id == partner_id)
    scoped = query.subquery()
    return dict(db.session.execute(sa.select(scoped.c.status, sa.func.count()).group_by(scoped.c.status)).all())


def partner_choices(user):
    """(id, name) of the partners whose proofs the user may see."""
    query = visible_partners(user).with_only_columns(Partner.id, Partner.name).order_by(Partner.name, Partner.id)
    return db.session.execute(query).all() if has_permission(user, "subsidies.manage") else []


def get_visible(proof_id, user):
    """A proof of a partner the user may see; 404 otherwise."""
    proof = db.session.scalar(_with_relations(visible_proofs(user).where(L.id == proof_id)))
    if proof is None:
        abort(404)
    return proof
