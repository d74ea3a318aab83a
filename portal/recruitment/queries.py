"""Prospect queries, always scoped to what the user may see."""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.core.permissions import ADMIN, APPLICANT, can_edit_prospect, can_view_prospect, has_permission
from portal.extensions import db
from portal.recruitment.models import FollowUp, Prospect


def visible_prospects(user):
    """A select of the prospects ``user`` may see (see permissions.can_view_prospect)."""
    query = sa.select(Prospect)
    if user.role == ADMIN:
        return query
    if has_permission(user, "pipeline.view"):
        covered = user.covered_territory_ids()
        conditions = [Prospect.owner_id == user.id, Prospect.owner_id.is_(None)]
        if covered:
            conditions += [Prospect.city_id.in_(covered), Prospect.province_id.in_(covered)]
        return query.where(sa.or_(*conditions))
    if user.role == APPLICANT:
        return query.where(Prospect.applicant_user_id == user.id)
    return query.where(sa.false())


def get_prospect(prospect_id, user, edit=False):
    """Load a prospect the user may see (404 otherwise); with ``edit``, 403 unless they may work it."""
    prospect = db.session.scalar(visible_prospects(user).where(Prospect.id == prospect_id))
    if prospect is None or not can_view_prospect(user, prospect):
        abort(404)
    if edit and not can_edit_prospect(user, prospect):
        abort(403)
    return prospect


SORTS = {
    "updated": Prospect.updated_at.desc(),
    "created": Prospect.created_at.desc(),
    "company": Prospect.company_name.asc(),
    "stage": Prospect.stage_changed_at.asc(),
    "capital": Prospect.registered_capital.desc(),
}


def filtered_prospects(user, args):
    """The prospect list: text search, filters and sorting from request args."""
    query = visible_prospects(user)
    q = (args.get("q") or "").strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Prospect.company_name).like(like),
                sa.func.lower(Prospect.contact_name).like(like),
                sa.func.lower(Prospect.credit_code).like(like),
                Prospect.mobile.like(like),
                sa.func.lower(Prospect.email).like(like),
            )
        )
    stages = [s for s in args.getlist("stage") if s]
    if stages:
        query = query.where(Prospect.stage.in_(stages))
    territory = args.get("territory", type=int)
    if territory:
        query = query.where(sa.or_(Prospect.city_id == territory, Prospect.province_id == territory))
    channel = args.get("channel_type", type=int)
    if channel:
        query = query.where(Prospect.channel_type_id == channel)
    owner = args.get("owner", "")
    if owner == "me":
        query = query.where(Prospect.owner_id == user.id)
    elif owner == "none":
        query = query.where(Prospect.owner_id.is_(None))
    elif owner.isdigit():
        query = query.where(Prospect.owner_id == int(owner))
    for name, op in (("created_from", "ge"), ("created_to", "le")):
        value = args.get(name)
        if value:
            try:
                day = datetime.strptime(value, "%Y-%m-%d").date()
            except ValueError:
                continue
            from portal.core.i18n import local_day_bounds_utc

            start, end = local_day_bounds_utc(day)
            query = query.where(Prospect.created_at >= start if op == "ge" else Prospect.created_at < end)
    sort = args.get("sort", "updated")
    query = query.order_by(SORTS.get(sort, SORTS["updated"]), Prospect.id.desc())
    return query.options(selectinload(Prospect.city), selectinload(Prospect.province),
                         selectinload(Prospect.owner), selectinload(Prospect.channel_type))


def follow_ups_due(user, until_day, include_done=False):
    query = (
        sa.select(FollowUp)
        .where(FollowUp.assignee_id == user.id, FollowUp.due_date <= until_day)
        .order_by(FollowUp.due_date, FollowUp.id)
        .options(selectinload(FollowUp.prospect), selectinload(FollowUp.partner))
    )
    if not include_done:
        query = query.where(FollowUp.done_at.is_(None))
    return db.session.scalars(query).all()


def utc(dt):
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt
