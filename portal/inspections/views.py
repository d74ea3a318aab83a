"""Inspection pages: ``bp`` for partner users (their outlets' inspections and rectification
orders), ``admin_bp`` for the vendor (checklists, inspections, re-inspections).

Every inspection and order is loaded through ``portal.inspections.queries``, scoped to what
the user may see: another organisation's inspection, order or photo answers 404. The
checklist pages are in ``portal.inspections.checklists`` (routes on ``admin_bp``).
"""
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.core import storage
from portal.core.errors import DomainError
from portal.core.i18n import business_today, d
from portal.core.permissions import require
from portal.core.urls import id_arg
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.extensions import db
from portal.inspections import queries, services
from portal.inspections.forms import AnswerForm, EscalateForm, ReinspectionForm, inspection_form
from portal.inspections.models import INSPECTION_KINDS, RECTIFICATION_STATUSES, InspectionChecklist, Rectification
from portal.partners import queries as partner_queries

bp = Blueprint("inspections", __name__, url_prefix="/partner/inspections")
admin_bp = Blueprint("inspections_admin", __name__, url_prefix="/inspections")



def _upload_form(build):
    """Build an upload form accepting the request up to the hard ceiling, so that a too-large
    request becomes a field error rather than a bare 413. Returns (form, too_large)."""
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        return build(), False
    except RequestEntityTooLarge:
        form = build(formdata=None)
        form.photos.errors = [_("The photos are larger than %(limit)s altogether. Please send smaller photos.",
                                limit=storage.human_size(current_app.config["MAX_CONTENT_LENGTH"]))]
        return form, True


def _photos():
    return request.files.getlist("photos")


def _serve(photo):
    return storage.serve(photo.file, inline=request.args.get("inline") == "1")


def _reinspected(inspection):
    """The order a re-inspection follows, or None."""
    return db.session.get(Rectification, inspection.rectification_id) if inspection.rectification_id else None


def _inspection_page(inspection, vendor):
    orders = services.rectifications_of(inspection)
    return render_template(
        "inspections/inspection.html", inspection=inspection, vendor=vendor,
        ep="inspections_admin" if vendor else "inspections",
        orders_by_score={o.score_id: o for o in orders}, orders=orders, reinspected=_reinspected(inspection),
        show_inspector=services.inspector_shown(inspection, current_user), today=business_today(),
        is_overdue=services.is_overdue,
    )


# ==== vendor side ======================================================================================


@admin_bp.route("/")
@require("inspections.manage")
def index():
    today = business_today()
    return render_template(
        "inspections/admin_index.html", pagination=_paginate(queries.filtered_inspections(current_user, request.args)),
        kinds=INSPECTION_KINDS, partners=queries.filter_partners(current_user),
        outlets=queries.filter_outlets(current_user), overdue_total=queries.overdue_count(current_user, today),
    )


@admin_bp.route("/rectifications")
@require("inspections.manage")
def rectifications():
    today = business_today()
    pagination = _paginate(queries.filtered_rectifications(current_user, request.args, today))
    return render_template(
        "inspections/admin_rectifications.html", pagination=pagination, statuses=RECTIFICATION_STATUSES,
        partners=queries.filter_partners(current_user), overdue_total=queries.overdue_count(current_user, today),
        is_overdue=services.is_overdue, today=today,
    )


def _choice(outlet, checklist, message=None, status=200):
    """Step one of a new inspection: choose the outlet and the checklist."""
    return render_template("inspections/admin_choose.html", outlets=queries.inspectable_outlets(current_user),
                           checklists=queries.active_checklists(), outlet=outlet, checklist=checklist,
                           message=message), status


@admin_bp.route("/new", methods=["GET", "POST"])
@require("inspections.manage")
def new():
    outlet_id, checklist_id = id_arg(request.args, "outlet"), id_arg(request.args, "checklist")
    outlet = queries.get_inspectable_outlet(outlet_id, current_user) if outlet_id else None
    checklist = db.session.get(InspectionChecklist, checklist_id) if checklist_id else None
    usable = queries.active_checklists()
    refused = 400 if request.method == "POST" else 200
    if checklist is not None and checklist not in usable:
        return _choice(outlet, None, _("This checklist is withdrawn or has no active item: choose another."), refused)
    if outlet is not None and (not outlet.active or outlet.partner.status != "active"):
        return _choice(None, checklist, _("This outlet is closed or its partner is not active: choose another."),
                       refused)
    if outlet is None or checklist is None:
        submitted = "outlet" in request.args or "checklist" in request.args
        return _choice(outlet, checklist, _("Choose an outlet and a checklist.") if submitted else None, refused)
    if request.method == "GET" and request.args.get("change") == "1":
        return _choice(outlet, checklist)

    items = services.active_items(checklist)
    form, too_large = _upload_form(lambda **kw: inspection_form(items, **kw))
    today = business_today()
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in INSPECTION_KINDS else "planned"
        form.inspected_on.data = today
        form.deadline.data = today + timedelta(days=services.DEFAULT_DEADLINE_DAYS)
    if not too_large and form.validate_on_submit():
        scores = {item.id: {"score": form[f"score_{item.id}"].data, "note": form[f"note_{item.id}"].data,
                            "action": form[f"action_{item.id}"].data} for item in items}
        try:
            inspection = services.record_inspection(
                current_user, outlet, checklist, form.kind.data, form.inspected_on.data, scores, notes=form.notes.data,
                photos=_photos(), deadline=form.deadline.data)
        except DomainError as error:
            _refused(error, form)
        else:
            orders = services.rectifications_of(inspection)
            db.session.commit()
            if orders:
                flash(_("Inspection %(number)s is recorded: %(score)d of %(max)d points. Rectification orders "
                        "opened: %(count)d, due %(due)s. The partner has been told.", number=inspection.number,
                        score=inspection.score, max=inspection.max_score, count=len(orders), due=d(orders[0].deadline)),
                      "success")
            else:
                flash(_("Inspection %(number)s is recorded: %(score)d of %(max)d points, every item passed. The "
                        "partner has been told.", number=inspection.number, score=inspection.score,
                        max=inspection.max_score), "success")
            return redirect(url_for(".inspection", inspection_id=inspection.id))
    status = 400 if request.method == "POST" else 200
    return render_template("inspections/admin_new.html", form=form, outlet=outlet, checklist=checklist, items=items,
                           max_photos=services.MAX_PHOTOS, default_days=services.DEFAULT_DEADLINE_DAYS), status


@admin_bp.route("/<int:inspection_id>")
@require("inspections.manage")
def inspection(inspection_id):
    return _inspection_page(queries.get_inspection(inspection_id, current_user), vendor=True)


@admin_bp.route("/<int:inspection_id>/photos/<int:photo_id>")
@require("inspections.manage")
def photo(inspection_id, photo_id):
    inspection = queries.get_inspection(inspection_id, current_user)
    return _serve(queries.get_inspection_photo(inspection, photo_id))


def _admin_order_page(order, status=200, reinspect_form=None, escalate_form=None):
    today = business_today()
    if reinspect_form is None:
        reinspect_form = ReinspectionForm(formdata=None)
        reinspect_form.inspected_on.data = today
    return render_template(
        "inspections/admin_rectification.html", order=order, today=today, vendor=True, ep="inspections_admin",
        overdue=services.is_overdue(order, today),
        reinspections=services.reinspections_of(order), can_reinspect=order.status == "answered",
        can_escalate=services.may_escalate(order, today), reinspect_form=reinspect_form,
        escalate_form=escalate_form or EscalateForm(formdata=None), max_photos=services.MAX_PHOTOS,
    ), status


@admin_bp.route("/rectifications/<int:rectification_id>")
@require("inspections.manage")
def rectification(rectification_id):
    return _admin_order_page(queries.get_rectification(rectification_id, current_user))


@admin_bp.route("/rectifications/<int:rectification_id>/photos/<int:photo_id>")
@require("inspections.manage")
def rectification_photo(rectification_id, photo_id):
    order = queries.get_rectification(rectification_id, current_user)
    return _serve(queries.get_rectification_photo(order, photo_id))


@admin_bp.route("/rectifications/<int:rectification_id>/reinspection", methods=["POST"])
@require("inspections.manage")
def reinspect(rectification_id):
    order = queries.get_rectification(rectification_id, current_user)
    form, too_large = _upload_form(ReinspectionForm)
    if not too_large and form.validate_on_submit():
        try:
            services.reinspect(order, current_user, form.inspected_on.data, form.score.data, note=form.note.data,
                               photos=_photos(), decision_note=form.decision_note.data)
        except DomainError as error:
            _refused(error, form)
            order = queries.get_rectification(rectification_id, current_user)
        else:
            db.session.commit()
            if order.status == "closed":
                flash(_("The re-inspection passed: order %(number)s is closed. The partner has been told.",
                        number=order.number), "success")
            else:
                flash(_("The re-inspection failed: order %(number)s is escalated. The partner has been told.",
                        number=order.number), "warning")
            return redirect(url_for(".rectification", rectification_id=order.id))
    return _admin_order_page(order, 400, reinspect_form=form)


@admin_bp.route("/rectifications/<int:rectification_id>/escalation", methods=["POST"])
@require("inspections.manage")
def escalate(rectification_id):
    order = queries.get_rectification(rectification_id, current_user)
    form = EscalateForm()
    if form.validate_on_submit():
        try:
            services.escalate(order, current_user, form.escalation_note.data)
        except DomainError as error:
            _refused(error, form)
            order = queries.get_rectification(rectification_id, current_user)
        else:
            db.session.commit()
            flash(_("Order %(number)s is escalated. The partner has been told.", number=order.number), "success")
            return redirect(url_for(".rectification", rectification_id=order.id))
    return _admin_order_page(order, 400, escalate_form=form)


# ==== partner side =====================================================================================


def _own_partner():
    return partner_queries.own_partner(current_user)


@bp.route("/")
@require("inspections.partner")
def index():
    partner = _own_partner()
    today = business_today()
    return render_template(
        "inspections/partner_index.html", partner=partner, kinds=INSPECTION_KINDS,
        pagination=_paginate(queries.filtered_inspections(current_user, request.args, partner_side=True)),
        outlets=queries.filter_outlets(current_user), open_total=queries.open_count(current_user),
        overdue_total=queries.overdue_count(current_user, today), shown=services.inspector_shown,
    )


@bp.route("/rectifications")
@require("inspections.partner")
def rectifications():
    partner = _own_partner()
    today = business_today()
    pagination = _paginate(queries.filtered_rectifications(current_user, request.args, today, partner_side=True))
    return render_template(
        "inspections/partner_rectifications.html", partner=partner, pagination=pagination,
        statuses=RECTIFICATION_STATUSES, overdue_total=queries.overdue_count(current_user, today),
        is_overdue=services.is_overdue, today=today,
    )


@bp.route("/<int:inspection_id>")
@require("inspections.partner")
def inspection(inspection_id):
    _own_partner()
    return _inspection_page(queries.get_inspection(inspection_id, current_user), vendor=False)


@bp.route("/<int:inspection_id>/photos/<int:photo_id>")
@require("inspections.partner")
def photo(inspection_id, photo_id):
    inspection = queries.get_inspection(inspection_id, current_user)
    return _serve(queries.get_inspection_photo(inspection, photo_id))


def _partner_order_page(order, status=200, answer_form=None):
    today = business_today()
    return render_template(
        "inspections/partner_rectification.html", order=order, today=today, vendor=False, ep="inspections",
        overdue=services.is_overdue(order, today),
        reinspections=services.reinspections_of(order), answer_form=answer_form or AnswerForm(formdata=None),
        max_photos=services.MAX_PHOTOS,
    ), status


@bp.route("/rectifications/<int:rectification_id>")
@require("inspections.partner")
def rectification(rectification_id):
    _own_partner()
    return _partner_order_page(queries.get_rectification(rectification_id, current_user))


@bp.route("/rectifications/<int:rectification_id>/photos/<int:photo_id>")
@require("inspections.partner")
def rectification_photo(rectification_id, photo_id):
    order = queries.get_rectification(rectification_id, current_user)
    return _serve(queries.get_rectification_photo(order, photo_id))


@bp.route("/rectifications/<int:rectification_id>/answer", methods=["POST"])
@require("inspections.partner")
def answer(rectification_id):
    partner = _own_partner()
    order = queries.get_rectification(rectification_id, current_user)
    form, too_large = _upload_form(AnswerForm)
    if not too_large and form.validate_on_submit():
        try:
            services.answer_rectification(order, current_user, partner, form.answer.data, photos=_photos())
        except DomainError as error:
            _refused(error, form)
            order = queries.get_rectification(rectification_id, current_user)
        else:
            db.session.commit()
            flash(_("Your answer to order %(number)s is sent. Your channel manager will re-inspect the outlet.",
                    number=order.number), "success")
            return redirect(url_for(".rectification", rectification_id=order.id))
    return _partner_order_page(order, 400, answer_form=form)


from portal.inspections import checklists  # noqa: E402,F401  (the checklist pages, on admin_bp)
