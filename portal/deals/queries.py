"""Deal registration queries, always scoped to what the user may see.

A partner user sees only their own organisation's registrations (another's answers 404);
managers see the registrations of the partners they may see (portal.partners.queries.visible_partners),
admins all of them.
"""
import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.core.permissions import has_permission
from portal.deals.models import DEAL_STATUSES, DealRegistration as R
from portal.extensions import db
from portal.core.urls import id_arg
from portal.partners.models import Partner
from portal.partners.queries import visible_partners

ORDER_HELD_FIRST = (sa.case((R.status == "held", 0), else_=1), R.id.desc())


def _with_relations(query):
    return query.options(selectinload(R.partner), selectinload(R.city), selectinload(R.product_line))


def status_condition(status, today):
    """The SQL filter for a status as shown (see services.shown_status): "approved" is still
    protected, "expired" includes approved registrations past their protection."""
    lapsed = sa.and_(R.status == "approved", R.protected_until.is_not(None), R.protected_until < today)
    if status == "approved":
        return sa.and_(R.status == "approved", sa.not_(lapsed))
    if status == "expired":
        return sa.or_(R.status == "expired", lapsed)
    return R.status == status


# ---- partner side --------------------------------------------------------------------------------


def own_registrations(user, status=None, today=None):
    """A select of the user's organisation's registrations, newest first."""
    if user.partner_id is None:
        query = sa.select(R).where(sa.false())
    else:
        query = sa.select(R).where(R.partner_id == user.partner_id)
    if status in DEAL_STATUSES:
        query = query.where(status_condition(status, today))
    return _with_relations(query.order_by(R.id.desc()))


def get_own(registration_id, user):
    """A registration of the user's own organisation; 404 for anyone else's."""
    registration = None
    if user.partner_id is not None:
        registration = db.session.scalar(sa.select(R).where(R.id == registration_id, R.partner_id == user.partner_id))
    if registration is None:
        abort(404)
    return registration


# ---- vendor side ---------------------------------------------------------------------------------


def visible_registrations(user):
    """A select of the registrations of the partners ``user`` may see."""
    if not has_permission(user, "deals.manage"):
        return sa.select(R).where(sa.false())
    partner_ids = visible_partners(user).with_only_columns(Partner.id).scalar_subquery()
    return sa.select(R).where(R.partner_id.in_(partner_ids))


def queue(user, args, today):
    """The vendor's queue: filters (status, partner, text) from ``args``; held ones first."""
    query = visible_registrations(user)
    status = args.get("status", "")
    if status in DEAL_STATUSES:
        query = query.where(status_condition(status, today))
    partner_id = id_arg(args, "partner")
    if partner_id:
        query = query.where(R.partner_id == partner_id)
    q = (args.get("q") or "").strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(sa.or_(sa.func.lower(R.number).like(like), sa.func.lower(R.customer_name).like(like),
                                   R.credit_code == q.upper()))
    return _with_relations(query.order_by(*ORDER_HELD_FIRST))


def status_counts(user, today):
    """{shown status: count} of the registrations the user may see."""
    scoped = visible_registrations(user).subquery()
    shown = sa.case((sa.and_(scoped.c.status == "approved", scoped.c.protected_until < today), "expired"),
                    else_=scoped.c.status)
    return dict(db.session.execute(sa.select(shown, sa.func.count()).group_by(shown)).all())


def partner_choices(user):
    """(id, name) of the partners whose registrations the user may see."""
    query = visible_partners(user).with_only_columns(Partner.id, Partner.name).order_by(Partner.name, Partner.id)
    return db.session.execute(query).all()


def get_visible(registration_id, user):
    """A registration of a partner the manager may see; 404 otherwise."""
    registration = db.session.scalar(visible_registrations(user).where(R.id == registration_id))
    if registration is None:
        abort(404)
    return registration


def visible_partner_ids(user, partner_ids):
    """Of ``partner_ids``, those the user may see (to link to their registrations)."""
    if not partner_ids:
        return set()
    return set(db.session.scalars(
        visible_partners(user).with_only_columns(Partner.id).where(Partner.id.in_(partner_ids))).all())
