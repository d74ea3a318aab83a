"""Routes of the material requests: the partner's side on ``bp`` (/partner/materials/requests…),
the vendor's side on ``admin_bp`` (/materials/requests…, /materials/allowances…).

Thin views: load through request_queries (404 for another organisation's record), read the form,
call request_services / allowances, commit once, flash, redirect; on a DomainError roll back and
show the message next to its field (400).
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.errors import DomainError
from portal.core.i18n import business_quarter, business_today
from portal.core.pages import paginate as _paginate
from portal.core.permissions import require
from portal.extensions import db
from portal.materials import allowances, request_queries as queries, request_services as services
from portal.materials.blueprints import admin_bp, bp
from portal.materials.models import ITEM_CATEGORIES, REQUEST_STATUSES, MaterialItem, Warehouse
from portal.materials.request_forms import (
    AllowanceForm, DecisionForm, FulfilForm, ReceiptForm, RequestForm, ReviewForm, UsageForm, WithdrawForm, int_or_none,
)
from portal.partners import queries as partner_queries
from portal.partners.models import Partner


def place_errors(form, error):
    """Put a DomainError's messages on the form's fields; return {name: [messages]} of the rest
    (per-line inputs, or the form as a whole under "_form")."""
    errors = getattr(error, "errors", None) or {error.field: [error.message]}
    rest = {}
    for name, messages in errors.items():
        if name and form is not None and name in form._fields:
            field = form._fields[name]
            field.errors = list(field.errors) + [str(m) for m in messages]
        else:
            rest.setdefault(name or "_form", []).extend(str(m) for m in messages)
    return rest


# ---- the partner's side -------------------------------------------------------------------------


def _gate(partner):
    from portal.training.assignment_services import may_order_materials

    return may_order_materials(partner)


@bp.route("/requests")
@require("materials.request")
def requests():
    partner = partner_queries.own_partner(current_user)
    status = request.args.get("status", "")
    pagination = _paginate(queries.own_requests(current_user, status))
    return render_template("materials/requests/partner_list.html", partner=partner, pagination=pagination,
                           statuses=REQUEST_STATUSES, status=status, may_order=_gate(partner)[0])


def _catalogue_by_category():
    groups = {}
    for item in services.active_catalogue():
        groups.setdefault(item.category, []).append(item)
    return [(ITEM_CATEGORIES.get(code, code), items) for code, items in groups.items()]


@bp.route("/requests/new", methods=["GET", "POST"])
@require("materials.request")
def new_request():
    partner = partner_queries.own_partner(current_user)
    allowed, gate_message = _gate(partner)
    form = RequestForm()
    outlets = partner_queries.outlets(partner, include_inactive=False)
    form.outlet_ids.choices = [(o.id, o.name) for o in outlets]
    line_errors = {}
    quantities = {key[len("quantity-"):]: value for key, value in request.form.items() if key.startswith("quantity-")}
    if request.method == "POST" and allowed:
        if form.validate_on_submit():
            outlet_ids = [int_or_none(v) for v in (form.outlet_ids.raw_data or []) if v.strip()]
            data = {"quantities": quantities, "outlet_ids": outlet_ids, "campaign": form.campaign.data,
                    "plan": form.plan.data, "starts_on": form.starts_on.data, "ends_on": form.ends_on.data}
            try:
                created = services.submit_request(partner, current_user, data)
            except DomainError as error:
                db.session.rollback()
                partner = partner_queries.own_partner(current_user)
                line_errors = place_errors(form, error)
            else:
                db.session.commit()
                flash(_("Request %(number)s is sent to your channel manager for approval.", number=created.number),
                      "success")
                return redirect(url_for(".request_detail", request_id=created.id))
    elif request.method == "POST":
        line_errors = {"_form": [gate_message]}
    status = 400 if request.method == "POST" else 200
    return render_template(
        "materials/requests/new.html", partner=partner, form=form, catalogue=_catalogue_by_category(),
        quantities=quantities, line_errors=line_errors, allowed=allowed, gate_message=gate_message,
        limits=allowances.summary(partner, business_quarter(business_today())),
        quarter=business_quarter(business_today()), has_outlets=bool(outlets),
    ), status


def _partner_page(request_, receipt_form=None, errors=None, status=200):
    entries, movements = queries.history(request_)
    return render_template(
        "materials/requests/partner_detail.html", req=request_, entries=entries,
        receipt_form=receipt_form or ReceiptForm(), errors=errors or {},
        usage=queries.usage_lines(request_.usage_report),
    ), status


@bp.route("/requests/<int:request_id>")
@require("materials.request")
def request_detail(request_id):
    return _partner_page(queries.get_own_request(request_id, current_user))


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@require("materials.request")
def cancel_request(request_id):
    request_ = queries.get_own_request(request_id, current_user)
    try:
        services.cancel_request(request_, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("Request %(number)s is cancelled.", number=request_.number), "success")
    return redirect(url_for(".request_detail", request_id=request_id))


@bp.route("/requests/<int:request_id>/receipt", methods=["POST"])
@require("materials.request")
def confirm_receipt(request_id):
    request_ = queries.get_own_request(request_id, current_user)
    form = ReceiptForm()
    if form.validate_on_submit():
        try:
            services.confirm_receipt(request_, current_user, form.note.data)
        except DomainError as error:
            db.session.rollback()
            request_ = queries.get_own_request(request_id, current_user)
            errors = place_errors(form, error)
        else:
            db.session.commit()
            flash(_("Thank you: receipt of %(number)s is confirmed.", number=request_.number), "success")
            return redirect(url_for(".request_detail", request_id=request_id))
    else:
        errors = {}
    return _partner_page(request_, receipt_form=form, errors=errors, status=400)


def _usage_page(request_, form, values=None, errors=None, status=200):
    return render_template("materials/requests/usage_form.html", req=request_, form=form, values=values or {},
                           errors=errors or {}, usage=queries.usage_lines(request_.usage_report)), status


@bp.route("/requests/<int:request_id>/usage")
@require("materials.request")
def usage_report(request_id):
    """The usage report: the form once receipt is confirmed, the report once it is sent."""
    return _usage_page(queries.get_own_request(request_id, current_user), UsageForm())


@bp.route("/requests/<int:request_id>/usage", methods=["POST"])
@require("materials.request")
def submit_usage(request_id):
    request_ = queries.get_own_request(request_id, current_user)
    form = UsageForm()
    values = {key: value for key, value in request.form.items()
              if key.split("-", 1)[0] in ("handed_out", "remaining", "note") and "-" in key}
    errors = {}
    if form.validate_on_submit():
        lines = {}
        for line in request_.lines:
            lines[line.id] = {name: request.form.get(f"{name}-{line.id}") for name in ("handed_out", "remaining", "note")}
        try:
            services.report_usage(request_, current_user, lines, form.note.data)
        except DomainError as error:
            db.session.rollback()
            request_ = queries.get_own_request(request_id, current_user)
            errors = place_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your usage report for %(number)s is sent to your channel manager.", number=request_.number),
                  "success")
            return redirect(url_for(".request_detail", request_id=request_id))
    return _usage_page(request_, form, values=values, errors=errors, status=400)


# ---- the vendor's side --------------------------------------------------------------------------


@admin_bp.route("/requests", endpoint="requests")
@require("materials.manage")
def queue():
    pagination = _paginate(queries.filtered_requests(current_user, request.args))
    return render_template(
        "materials/requests/queue.html", pagination=pagination, statuses=REQUEST_STATUSES,
        counts=queries.status_counts(current_user), partners=queries.partner_choices(current_user),
        quarters=queries.quarter_choices(current_user),
    )


def _warehouse_choices(form):
    form.warehouse_id.choices = [("", _("Choose a warehouse"))] + [(w.id, w.name) for w in queries.active_warehouses()]


def _vendor_page(request_, decision_form=None, fulfil_form=None, withdraw_form=None, review_form=None,
                 errors=None, status=200):
    decision_form = decision_form or DecisionForm()
    _warehouse_choices(decision_form)
    warehouses = queries.active_warehouses()
    entries, movements = queries.history(request_)
    return render_template(
        "materials/requests/vendor_detail.html", req=request_, entries=entries, movements=movements,
        decision_form=decision_form, fulfil_form=fulfil_form or FulfilForm(),
        withdraw_form=withdraw_form or WithdrawForm(), review_form=review_form or ReviewForm(),
        errors=errors or {}, warehouses=warehouses,
        available=queries.availability({line.item_id for line in request_.lines}, warehouses),
        usage=queries.usage_lines(request_.usage_report),
        limits=allowances.summary(request_.partner, request_.quarter),
        approved_values={key: value for key, value in request.form.items() if key.startswith("approved-")},
    ), status


@admin_bp.route("/requests/<int:request_id>", endpoint="request_detail")
@require("materials.manage")
def vendor_request(request_id):
    return _vendor_page(queries.get_request(request_id, current_user))


def _vendor_action(request_id, form, action, done_message, form_name):
    """Validate ``form``, run ``action(request_)``, commit and redirect; or roll back and show
    the page again with the errors (400)."""
    request_ = queries.get_request(request_id, current_user)
    errors = {}
    if form.validate_on_submit():
        try:
            action(request_)
        except DomainError as error:
            db.session.rollback()
            request_ = queries.get_request(request_id, current_user)
            errors = place_errors(form, error)
        else:
            db.session.commit()
            flash(done_message(request_), "success")
            return redirect(url_for(".request_detail", request_id=request_id))
    return _vendor_page(request_, errors=errors, status=400, **{form_name: form})


@admin_bp.route("/requests/<int:request_id>/decision", methods=["POST"])
@require("materials.manage")
def decide_request(request_id):
    form = DecisionForm()
    _warehouse_choices(form)

    def action(request_):
        warehouse = db.session.get(Warehouse, form.warehouse_id.data) if form.warehouse_id.data else None
        approved = {line.id: request.form.get(f"approved-{line.id}") for line in request_.lines}
        services.decide_request(request_, current_user, form.decision.data, warehouse=warehouse, approved=approved,
                                reason=form.reason.data)

    def done(request_):
        if request_.status == "rejected":
            return _("Request %(number)s is refused; the partner is told why.", number=request_.number)
        return _("Request %(number)s is %(status)s: the stock is reserved in %(warehouse)s.",
                 number=request_.number, status=request_.status_label, warehouse=request_.warehouse.name)

    return _vendor_action(request_id, form, action, done, "decision_form")


@admin_bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@require("materials.manage")
def withdraw_approval(request_id):
    form = WithdrawForm()
    return _vendor_action(
        request_id, form, lambda r: services.withdraw_approval(r, current_user, form.withdraw_reason.data),
        lambda r: _("The approval of %(number)s is withdrawn and its reserved stock released.", number=r.number),
        "withdraw_form")


@admin_bp.route("/requests/<int:request_id>/fulfilment", methods=["POST"])
@require("materials.manage")
def fulfil_request(request_id):
    form = FulfilForm()
    return _vendor_action(
        request_id, form,
        lambda r: services.fulfil_request(r, current_user, form.method.data, form.carrier.data,
                                          form.tracking_number.data),
        lambda r: _("Request %(number)s is %(status)s; the stock is issued to the partner.", number=r.number,
                    status=r.status_label),
        "fulfil_form")


@admin_bp.route("/requests/<int:request_id>/review", methods=["POST"])
@require("materials.manage")
def review_usage(request_id):
    form = ReviewForm()
    return _vendor_action(
        request_id, form, lambda r: services.review_usage(r, current_user, form.outcome.data, form.review_note.data),
        lambda r: _("Your review of the usage report of %(number)s is saved and the partner told.", number=r.number),
        "review_form")


# ---- allowances ---------------------------------------------------------------------------------


@admin_bp.route("/allowances", endpoint="allowances")
@require("materials.manage")
def allowance_list():
    pagination = _paginate(queries.visible_allowances(current_user))
    return render_template("materials/requests/allowances.html", pagination=pagination,
                           may_edit=lambda a: allowances.may_edit(current_user, a),
                           is_admin=current_user.role == "admin")


def _allowance_choices(form):
    partners = [("", _("Every partner (the default)"))] if current_user.role == "admin" else []
    form.partner_id.choices = partners + [(pid, name) for pid, name in queries.partner_choices(current_user)]
    form.item_id.choices = [("", _("All items (a value limit)"))] + [
        (item.id, f"{item.code} · {item.label}") for item in allowances.active_items()]


def _allowance_data(form):
    partner = None
    if form.partner_id.data:
        partner = db.session.scalar(partner_queries.visible_partners(current_user)
                                    .where(Partner.id == form.partner_id.data))
    item = db.session.get(MaterialItem, form.item_id.data) if form.item_id.data else None
    missing_partner = bool(form.partner_id.raw_data and form.partner_id.raw_data[0]) and partner is None
    return {"partner": partner, "item": item if item is None or item.active else None,
            "item_missing": bool(form.item_id.raw_data and form.item_id.raw_data[0]) and (item is None or not item.active),
            "partner_missing": missing_partner, "max_value": form.max_value.data,
            "max_quantity": form.max_quantity.data, "note": form.note.data}


def _save_allowance(form, allowance=None):
    data = _allowance_data(form)
    if data["partner_missing"]:
        form.partner_id.errors = list(form.partner_id.errors) + [_("Choose one of the partners you look after.")]
        return None
    try:
        saved = allowances.save_allowance(current_user, data, allowance)
    except DomainError as error:
        db.session.rollback()
        place_errors(form, error)
        return None
    db.session.commit()
    flash(_("The limit is saved."), "success")
    return saved


@admin_bp.route("/allowances/new", methods=["GET", "POST"])
@require("materials.manage")
def new_allowance():
    form = AllowanceForm()
    _allowance_choices(form)
    if form.validate_on_submit() and _save_allowance(form):
        return redirect(url_for(".allowances"))
    status = 400 if request.method == "POST" else 200
    return render_template("materials/requests/allowance_form.html", form=form, allowance=None), status


@admin_bp.route("/allowances/<int:allowance_id>/edit", methods=["GET", "POST"])
@require("materials.manage")
def edit_allowance(allowance_id):
    allowance = queries.get_allowance(allowance_id, current_user, manage=True)
    form = AllowanceForm(obj=allowance)
    _allowance_choices(form)
    if request.method == "GET":
        form.max_value.data = f"{allowance.max_value:.2f}" if allowance.max_value is not None else ""
        form.max_quantity.data = str(allowance.max_quantity) if allowance.max_quantity is not None else ""
    if form.validate_on_submit():
        if _save_allowance(form, allowance):
            return redirect(url_for(".allowances"))
        allowance = queries.get_allowance(allowance_id, current_user, manage=True)
    status = 400 if request.method == "POST" else 200
    return render_template("materials/requests/allowance_form.html", form=form, allowance=allowance), status


@admin_bp.route("/allowances/<int:allowance_id>/delete", methods=["POST"])
@require("materials.manage")
def delete_allowance(allowance_id):
    allowance = queries.get_allowance(allowance_id, current_user, manage=True)
    try:
        allowances.delete_allowance(current_user, allowance)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("The limit is removed."), "success")
    return redirect(url_for(".allowances"))
