"""Bank account queries, always scoped to what the user may see.

A partner admin sees only their own organisation's accounts and requests (another's answers
404); managers see the requests of the partners they may see
(portal.partners.queries.visible_partners), admins all of them.
"""
import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.core.permissions import has_permission
from portal.core.urls import id_arg
from portal.extensions import db
from portal.finance.models import CHANGE_STATUSES, BankAccountChange as C
from portal.partners.models import Partner
from portal.partners.queries import visible_partners

ORDER_PENDING_FIRST = (sa.case((C.status == "pending", 0), else_=1), C.id.desc())


def _with_relations(query):
    return query.options(selectinload(C.partner), selectinload(C.requested_by), selectinload(C.decided_by))


# ---- partner side --------------------------------------------------------------------------------


def own_changes(user):
    """A select of the user's organisation's requests, newest first."""
    if user.partner_id is None:
        return sa.select(C).where(sa.false())
    return _with_relations(sa.select(C).where(C.partner_id == user.partner_id).order_by(C.id.desc()))


def get_own(change_id, user):
    """A request of the user's own organisation; 404 for anyone else's."""
    change = None
    if user.partner_id is not None:
        change = db.session.scalar(sa.select(C).where(C.id == change_id, C.partner_id == user.partner_id))
    if change is None:
        abort(404)
    return change


# ---- vendor side ---------------------------------------------------------------------------------


def visible_changes(user):
    """A select of the requests of the partners ``user`` may see."""
    if not has_permission(user, "bank.approve"):
        return sa.select(C).where(sa.false())
    partner_ids = visible_partners(user).with_only_columns(Partner.id).scalar_subquery()
    return sa.select(C).where(C.partner_id.in_(partner_ids))


def queue_filters(args):
    """The queue's filters from the query string: pending requests unless told otherwise."""
    status = args.get("status", "pending")
    return {
        "status": status if status in CHANGE_STATUSES or status == "all" else "pending",
        "partner": id_arg(args, "partner"),
        "q": (args.get("q") or "").strip()[:100],
    }


def queue(user, filters):
    query = visible_changes(user)
    if filters["status"] != "all":
        query = query.where(C.status == filters["status"])
    if filters["partner"]:
        query = query.where(C.partner_id == filters["partner"])
    if filters["q"]:
        like = f"%{filters['q'].lower()}%"
        query = query.where(sa.or_(
            sa.func.lower(C.account_name).like(like), sa.func.lower(C.bank_name).like(like),
            C.partner_id.in_(sa.select(Partner.id).where(sa.func.lower(Partner.name).like(like)))))
    return _with_relations(query.order_by(*ORDER_PENDING_FIRST))


def status_counts(user):
    """{status: count} of the requests the user may see."""
    scoped = visible_changes(user).subquery()
    return dict(db.session.execute(sa.select(scoped.c.status, sa.func.count()).group_by(scoped.c.status)).all())


def partner_choices(user):
    """(id, name) of the partners whose requests the user may see."""
    query = visible_partners(user).with_only_columns(Partner.id, Partner.name).order_by(Partner.name, Partner.id)
    return db.session.execute(query).all()


def get_visible(change_id, user):
    """A request of a partner the user may see; 404 otherwise."""
    change = db.session.scalar(visible_changes(user).where(C.id == change_id))
    if change is None:
        abort(404)
    return change
