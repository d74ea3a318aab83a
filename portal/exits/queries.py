"""Termination queries, scoped to what the user may see: the terminations of the partners the
user may see (``portal.partners.queries.visible_partners``), for those who may terminate
(``exits.manage``); any other answers 404."""
import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.core.permissions import has_permission
from portal.exits.models import TERMINATION_STATUSES, Termination
from portal.exits.services import STARTABLE
from portal.extensions import db
from portal.partners.models import Partner
from portal.partners.queries import visible_partners

T = Termination


def visible_terminations(user):
    if not has_permission(user, "exits.manage"):
        return sa.select(T).where(sa.false())
    partner_ids = visible_partners(user).with_only_columns(Partner.id).scalar_subquery()
    return sa.select(T).where(T.partner_id.in_(partner_ids))


def list_filters(args):
    status = args.get("status", "all")
    return {"status": status if status in TERMINATION_STATUSES else "all",
            "q": (args.get("q") or "").strip()[:100]}


def listing(user, filters):
    """Terminations in progress first, then newest first."""
    query = visible_terminations(user)
    if filters["status"] != "all":
        query = query.where(T.status == filters["status"])
    if filters["q"]:
        like = f"%{filters['q'].lower()}%"
        query = query.where(sa.or_(sa.func.lower(T.number).like(like), T.partner_id.in_(
            sa.select(Partner.id).where(sa.func.lower(Partner.name).like(like)))))
    return query.order_by(sa.case((T.status == "started", 0), else_=1), T.id.desc()).options(
        selectinload(T.partner), selectinload(T.started_by))


def status_counts(user):
    scoped = visible_terminations(user).subquery()
    return dict(db.session.execute(sa.select(scoped.c.status, sa.func.count()).group_by(scoped.c.status)).all())


def startable_partners(user):
    """(id, name) of the partners the user may see that could be put into termination now."""
    started = sa.select(T.partner_id).where(T.status == "started")
    return db.session.execute(
        visible_partners(user).with_only_columns(Partner.id, Partner.name)
        .where(Partner.status.in_(STARTABLE), Partner.id.not_in(started)).order_by(Partner.name, Partner.id)).all()


def get_visible(termination_id, user):
    termination = db.session.scalar(visible_terminations(user).where(T.id == termination_id).options(
        selectinload(T.partner), selectinload(T.case), selectinload(T.refund_movement)))
    if termination is None:
        abort(404)
    return termination


def latest_for(partner):
    """The partner's most recent termination (any status), or None: for the partner page."""
    return db.session.scalar(sa.select(T).where(T.partner_id == partner.id).order_by(T.id.desc()).limit(1))
