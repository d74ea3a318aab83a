"""Inspection queries, always scoped to what the user may see.

- A partner user sees the inspections of its own organisation's outlets (mystery shops too,
  once recorded) and its rectification orders; any other answers 404, and so do their photos.
- A manager sees those of the partners they may see (``portal.partners.queries.visible_partners``:
  the partners they manage or in a territory they cover); an admin sees every one.
- Checklists are the vendor's: every manager and admin may open them.
"""
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.core.permissions import ADMIN, MANAGER, PARTNER_ADMIN, PARTNER_STAFF
from portal.core.urls import id_arg
from portal.extensions import db
from portal.inspections.models import (
    INSPECTION_KINDS, RECTIFICATION_STATUSES, ChecklistItem, Inspection, InspectionChecklist, InspectionPhoto,
    InspectionScore, Rectification, RectificationPhoto,
)
from portal.inspections.services import overdue_condition
from portal.partners.models import Outlet, Partner
from portal.partners.queries import visible_partners

PARTNER_ROLES = (PARTNER_ADMIN, PARTNER_STAFF)


def _scoped(model, user):
    query = sa.select(model)
    if user.role == ADMIN:
        return query
    if user.role == MANAGER:
        return query.where(model.partner_id.in_(visible_partners(user).with_only_columns(Partner.id)))
    if user.role in PARTNER_ROLES and user.partner_id is not None:
        return query.where(model.partner_id == user.partner_id)
    return query.where(sa.false())


def visible_inspections(user):
    """A select of the inspections ``user`` may open."""
    return _scoped(Inspection, user)


def visible_rectifications(user):
    """A select of the rectification orders ``user`` may open."""
    return _scoped(Rectification, user)


def get_inspection(inspection_id, user):
    """The inspection with its scores and photos if ``user`` may see it; 404 otherwise."""
    inspection = db.session.scalar(visible_inspections(user).where(Inspection.id == inspection_id).options(
        selectinload(Inspection.scores).selectinload(InspectionScore.item),
        selectinload(Inspection.photos).selectinload(InspectionPhoto.file),
        selectinload(Inspection.partner), selectinload(Inspection.outlet), selectinload(Inspection.checklist),
        selectinload(Inspection.inspector),
    ))
    if inspection is None:
        abort(404)
    return inspection


def get_rectification(rectification_id, user):
    """The rectification order if ``user`` may see it; 404 otherwise."""
    order = db.session.scalar(visible_rectifications(user).where(Rectification.id == rectification_id).options(
        selectinload(Rectification.photos).selectinload(RectificationPhoto.file),
        selectinload(Rectification.score).selectinload(InspectionScore.item),
        selectinload(Rectification.inspection), selectinload(Rectification.partner),
        selectinload(Rectification.outlet), selectinload(Rectification.answered_by),
        selectinload(Rectification.decided_by),
    ))
    if order is None:
        abort(404)
    return order


def get_inspection_photo(inspection, photo_id):
    photo = next((p for p in inspection.photos if p.id == photo_id), None)
    if photo is None or photo.file is None:
        abort(404)
    return photo


def get_rectification_photo(order, photo_id):
    photo = next((p for p in order.photos if p.id == photo_id), None)
    if photo is None or photo.file is None:
        abort(404)
    return photo


def _date_arg(args, name):
    try:
        day = date.fromisoformat((args.get(name) or "").strip())
    except ValueError:
        return None
    return day if 1900 <= day.year <= 9000 else None


def _page_options(query):
    return query.options(selectinload(Inspection.partner), selectinload(Inspection.outlet),
                         selectinload(Inspection.inspector), selectinload(Inspection.checklist))


def filtered_inspections(user, args, partner_side=False):
    """The inspection list with filters from ``args``: partner (vendor side), outlet, kind,
    from and to (dates, included); newest first."""
    query = visible_inspections(user)
    if not partner_side:
        partner_id = id_arg(args, "partner")
        if partner_id:
            query = query.where(Inspection.partner_id == partner_id)
    outlet_id = id_arg(args, "outlet")
    if outlet_id:
        query = query.where(Inspection.outlet_id == outlet_id)
    kind = args.get("kind", "")
    if kind in INSPECTION_KINDS:
        query = query.where(Inspection.kind == kind)
    first, last = _date_arg(args, "from"), _date_arg(args, "to")
    if first:
        query = query.where(Inspection.inspected_on >= first)
    if last:
        query = query.where(Inspection.inspected_on <= last)
    return _page_options(query.order_by(Inspection.inspected_on.desc(), Inspection.id.desc()))


def filtered_rectifications(user, args, today, partner_side=False):
    """The rectification orders with filters from ``args``: status, overdue, partner (vendor
    side), outlet; undecided ones first, soonest deadline first."""
    query = visible_rectifications(user)
    status = args.get("status", "")
    if status in RECTIFICATION_STATUSES:
        query = query.where(Rectification.status == status)
    if args.get("overdue") == "1":
        query = query.where(overdue_condition(today))
    if not partner_side:
        partner_id = id_arg(args, "partner")
        if partner_id:
            query = query.where(Rectification.partner_id == partner_id)
    outlet_id = id_arg(args, "outlet")
    if outlet_id:
        query = query.where(Rectification.outlet_id == outlet_id)
    done = sa.case((Rectification.status.in_(("closed", "escalated")), 1), else_=0)
    return query.order_by(done, Rectification.deadline, Rectification.id).options(
        selectinload(Rectification.partner), selectinload(Rectification.outlet),
        selectinload(Rectification.score).selectinload(InspectionScore.item),
        selectinload(Rectification.inspection),
    )


def overdue_count(user, today):
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        visible_rectifications(user).where(overdue_condition(today)).subquery()))


def open_count(user):
    """How many orders ``user`` may see still await the partner's answer."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        visible_rectifications(user).where(Rectification.status == "open").subquery()))


# ---- choices -------------------------------------------------------------------------------------------


def inspectable_outlets(user):
    """Active outlets of active partners ``user`` may see, grouped {partner name: [(id, label)]}."""
    partner_ids = visible_partners(user).where(Partner.status == "active").with_only_columns(Partner.id)
    outlets = db.session.scalars(
        sa.select(Outlet).where(Outlet.partner_id.in_(partner_ids), Outlet.active.is_(True))
        .join(Partner, Partner.id == Outlet.partner_id)
        .order_by(Partner.name, Partner.id, Outlet.name, Outlet.id)
        .options(selectinload(Outlet.partner), selectinload(Outlet.city))
    ).all()
    groups = {}
    for outlet in outlets:
        label = f"{outlet.name} · {outlet.city.label}" if outlet.city is not None else outlet.name
        groups.setdefault(outlet.partner.name, []).append((outlet.id, label))
    return groups


def get_inspectable_outlet(outlet_id, user):
    """An outlet to inspect: 404 if it belongs to a partner ``user`` may not see; None if there
    is no such outlet at all. (The service refuses a closed outlet with a field error.)"""
    outlet = db.session.get(Outlet, outlet_id)
    if outlet is None:
        return None
    if db.session.scalar(visible_partners(user).where(Partner.id == outlet.partner_id)) is None:
        abort(404)
    return outlet


def active_checklists():
    """Checklists that can be used for a new inspection: active, with an active item."""
    with_items = sa.select(ChecklistItem.checklist_id).where(ChecklistItem.active.is_(True))
    return db.session.scalars(
        sa.select(InspectionChecklist).where(InspectionChecklist.active.is_(True),
                                             InspectionChecklist.id.in_(with_items))
        .order_by(InspectionChecklist.name_en, InspectionChecklist.id)
    ).all()


def checklists():
    return db.session.scalars(
        sa.select(InspectionChecklist).order_by(InspectionChecklist.active.desc(), InspectionChecklist.name_en,
                                                InspectionChecklist.id)
        .options(selectinload(InspectionChecklist.items))
    ).all()


def get_checklist(checklist_id):
    checklist = db.session.get(InspectionChecklist, checklist_id)
    if checklist is None:
        abort(404)
    return checklist


def get_item(checklist, item_id):
    item = db.session.get(ChecklistItem, item_id)
    if item is None or item.checklist_id != checklist.id:
        abort(404)
    return item


def scored_counts(checklist):
    """{item id: how many inspections scored it}."""
    ids = [i.id for i in checklist.items]
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(InspectionScore.item_id, sa.func.count()).where(InspectionScore.item_id.in_(ids))
        .group_by(InspectionScore.item_id)).all())


def checklist_use_counts(ids):
    """{checklist id: how many inspections used it}."""
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(Inspection.checklist_id, sa.func.count()).where(Inspection.checklist_id.in_(ids))
        .group_by(Inspection.checklist_id)).all())


def filter_partners(user):
    """Partners ``user`` may see that have an inspection: the partner filter."""
    with_inspections = sa.select(Inspection.partner_id)
    return db.session.scalars(visible_partners(user).where(Partner.id.in_(with_inspections))
                              .order_by(Partner.name, Partner.id)).all()


def filter_outlets(user):
    """Outlets with an inspection ``user`` may see, by partner and name: the outlet filter."""
    outlet_ids = visible_inspections(user).with_only_columns(Inspection.outlet_id)
    return db.session.scalars(
        sa.select(Outlet).where(Outlet.id.in_(outlet_ids)).join(Partner, Partner.id == Outlet.partner_id)
        .order_by(Partner.name, Outlet.name, Outlet.id).options(selectinload(Outlet.partner))
    ).all()
