"""Material requests and allowances, always scoped to what the user may see.

A partner user sees the requests of their own organisation; a manager those of the partners
they look after (portal.partners.queries.visible_partners); an admin every one. Loading a
request (or its usage report) of another organisation answers 404.
"""
import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.core.audit import AuditLog
from portal.core.permissions import can_view_partner, has_permission
from portal.core.urls import id_arg
from portal.extensions import db
from portal.materials.allowances import may_edit
from portal.materials.models import (
    REQUEST_STATUSES, MaterialAllowance, MaterialItem, MaterialRequest, MaterialRequestLine, StockLevel,
    StockMovement, UsageReport, UsageReportLine, Warehouse,
)
from portal.partners.models import Partner
from portal.partners.queries import visible_partners

_DETAIL = (
    selectinload(MaterialRequest.lines).selectinload(MaterialRequestLine.item),
    selectinload(MaterialRequest.outlets),
    selectinload(MaterialRequest.partner),
    selectinload(MaterialRequest.usage_report).selectinload(UsageReport.lines),
)


# ---- the partner's side -------------------------------------------------------------------------


def own_requests(user, status=None):
    """A select of the user's organisation's requests, newest first."""
    query = (sa.select(MaterialRequest).where(MaterialRequest.partner_id == user.partner_id)
             .order_by(MaterialRequest.created_at.desc(), MaterialRequest.id.desc())
             .options(selectinload(MaterialRequest.lines)))
    if status in REQUEST_STATUSES:
        query = query.where(MaterialRequest.status == status)
    return query


def get_own_request(request_id, user):
    """A request of the user's own organisation; 404 for any other."""
    if user.partner_id is None:
        abort(404)
    request_ = db.session.scalar(
        sa.select(MaterialRequest).where(MaterialRequest.id == request_id, MaterialRequest.partner_id == user.partner_id)
        .options(*_DETAIL)
    )
    if request_ is None or not can_view_partner(user, request_.partner):
        abort(404)
    return request_


# ---- the vendor's side --------------------------------------------------------------------------


def visible_requests(user):
    """A select of the requests of the partners ``user`` may see."""
    partner_ids = visible_partners(user).with_only_columns(Partner.id).scalar_subquery()
    return sa.select(MaterialRequest).where(MaterialRequest.partner_id.in_(partner_ids))


def filtered_requests(user, args):
    """The vendor's queue: filters status, partner, quarter from ``args``; awaiting approval
    first, then newest first."""
    query = visible_requests(user)
    status = args.get("status", "")
    if status in REQUEST_STATUSES:
        query = query.where(MaterialRequest.status == status)
    partner_id = id_arg(args, "partner")
    if partner_id:
        query = query.where(MaterialRequest.partner_id == partner_id)
    quarter = (args.get("quarter") or "").strip()
    if quarter:
        query = query.where(MaterialRequest.quarter == quarter)
    return query.order_by((MaterialRequest.status == "submitted").desc(), MaterialRequest.created_at.desc(),
                          MaterialRequest.id.desc()).options(selectinload(MaterialRequest.partner),
                                                             selectinload(MaterialRequest.lines))


def status_counts(user):
    scoped = visible_requests(user).subquery()
    return dict(db.session.execute(sa.select(scoped.c.status, sa.func.count()).group_by(scoped.c.status)).all())


def partner_choices(user):
    return db.session.execute(
        visible_partners(user).with_only_columns(Partner.id, Partner.name).order_by(Partner.name)
    ).all()


def quarter_choices(user):
    scoped = visible_requests(user).subquery()
    return db.session.scalars(sa.select(scoped.c.quarter).distinct().order_by(scoped.c.quarter.desc())).all()


def get_request(request_id, user):
    """A request of a partner the vendor-side user may see; 404 for any other."""
    request_ = db.session.scalar(visible_requests(user).where(MaterialRequest.id == request_id).options(*_DETAIL))
    if request_ is None or not has_permission(user, "materials.manage") or not can_view_partner(user, request_.partner):
        abort(404)
    return request_


def active_warehouses():
    return db.session.scalars(sa.select(Warehouse).where(Warehouse.active.is_(True)).order_by(Warehouse.name)).all()


def availability(item_ids, warehouses):
    """{(item id, warehouse id): available} for these items in these warehouses (0 if none)."""
    if not item_ids or not warehouses:
        return {}
    rows = db.session.scalars(
        sa.select(StockLevel).where(StockLevel.item_id.in_(list(item_ids)),
                                    StockLevel.warehouse_id.in_([w.id for w in warehouses]))
    ).all()
    return {(row.item_id, row.warehouse_id): row.available for row in rows}


# ---- history ------------------------------------------------------------------------------------


def history(request_):
    """What happened to the request, oldest first: its creation and each status change (from the
    audit trail, with who and when), the usage report and its reviews, and the stock movements
    made for it."""
    # The submission from the request itself: the audit trail's "create" rows carry no entity id
    # (portal.core.audit reads the identity before the flush has set it).
    entries = [{"at": request_.created_at, "actor": request_.requested_by, "kind": "status",
                "label": REQUEST_STATUSES["submitted"], "value": "submitted"}]
    rows = db.session.scalars(
        sa.select(AuditLog).where(
            sa.or_(
                sa.and_(AuditLog.entity_type == "MaterialRequest", AuditLog.entity_id == str(request_.id),
                        AuditLog.action == "update", AuditLog.field == "status"),
                sa.and_(AuditLog.entity_type == "UsageReport",
                        AuditLog.entity_id == str(request_.usage_report.id) if request_.usage_report else sa.false(),
                        AuditLog.field == "review_outcome"),
            )
        ).order_by(AuditLog.created_at, AuditLog.id).options(selectinload(AuditLog.actor))
    ).all()
    from portal.materials.request_services import REVIEW_OUTCOMES

    for row in rows:
        if row.entity_type == "UsageReport":
            label = REVIEW_OUTCOMES.get(row.new_value, row.new_value)
            entries.append({"at": row.created_at, "actor": row.actor, "kind": "review", "label": label})
        else:
            value = row.new_value
            entries.append({"at": row.created_at, "actor": row.actor, "kind": "status",
                            "label": REQUEST_STATUSES.get(value, value), "value": value})
    movements = db.session.scalars(
        sa.select(StockMovement).where(StockMovement.request_id == request_.id)
        .order_by(StockMovement.created_at, StockMovement.id)
        .options(selectinload(StockMovement.item), selectinload(StockMovement.warehouse),
                 selectinload(StockMovement.actor))
    ).all()
    return entries, movements


def usage_lines(report):
    """{request line id: UsageReportLine} of a report."""
    if report is None:
        return {}
    return {row.request_line_id: row for row in db.session.scalars(
        sa.select(UsageReportLine).where(UsageReportLine.report_id == report.id))}


# ---- allowances ---------------------------------------------------------------------------------


def visible_allowances(user):
    """The default limits and the limits of the partners ``user`` may see."""
    partner_ids = visible_partners(user).with_only_columns(Partner.id).scalar_subquery()
    return (sa.select(MaterialAllowance)
            .where(sa.or_(MaterialAllowance.partner_id.is_(None), MaterialAllowance.partner_id.in_(partner_ids)))
            .outerjoin(Partner, Partner.id == MaterialAllowance.partner_id)
            .outerjoin(MaterialItem, MaterialItem.id == MaterialAllowance.item_id)
            .order_by(MaterialAllowance.partner_id.is_not(None), Partner.name, MaterialAllowance.item_id.is_not(None),
                      MaterialItem.code, MaterialAllowance.id)
            .options(selectinload(MaterialAllowance.partner), selectinload(MaterialAllowance.item)))


def get_allowance(allowance_id, user, manage=False):
    """A limit the user may see (404 otherwise); with ``manage``, 403 unless they may change it."""
    allowance = db.session.scalar(visible_allowances(user).where(MaterialAllowance.id == allowance_id))
    if allowance is None:
        abort(404)
    if manage and not may_edit(user, allowance):
        abort(403)
    return allowance
