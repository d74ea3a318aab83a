"""Commission statement pages: ``admin_bp`` for the vendor (managers compute, correct and approve;
finance and admins release), ``bp`` for the partner's admin (its approved and released
statements, and queries on their lines).

Every statement is loaded through portal.commissions.queries, scoped to what the user may see:
another organisation's statement, a draft (for a partner) or a statement of a partner in another
manager's territory answers 404. Partner staff get 403 (commissions are the partner admin's).
"""
from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.commissions import calculation, queries, services
from portal.commissions.forms import (
    ActionForm, AdjustmentForm, ComputeForm, QueryForm, ReleaseForm, SendBackForm, id_or_none,
)
from portal.commissions.models import LINE_KINDS, STATEMENT_STATUSES
from portal.core.errors import DomainError
from portal.core.i18n import add_months, business_today, money, month_start
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.core.permissions import can_view_partner, has_permission, require
from portal.core.spreadsheets import write_csv
from portal.extensions import db
from portal.finance.services import current_account
from portal.partners.models import Partner
from portal.partners.views import optional_url
from portal.results.values import BadValue, month_label, month_value, parse_month

bp = Blueprint("commissions", __name__, url_prefix="/partner/commissions")
admin_bp = Blueprint("commissions_admin", __name__, url_prefix="/commissions")

def _last_month():
    return add_months(month_start(business_today()), -1)


def _grouped(statement):
    """[(kind, label, lines, subtotal)] in the order of LINE_KINDS, kinds with lines only."""
    groups = []
    for kind, label in LINE_KINDS.items():
        lines = [line for line in statement.lines if line.kind == kind]
        if lines:
            groups.append((kind, label, lines, sum((line.amount for line in lines), 0)))
    return groups


PAGE_HELPERS = {"explain": calculation.explain, "percent": calculation.percent, "month_label": month_label,
                "open_query": services.open_query, "statuses": STATEMENT_STATUSES,
                "settled_at_termination": calculation.settled_at_termination}


# ==== vendor side ======================================================================================


def _compute_form(form=None):
    """The compute form; a link may choose its month and partner (``?compute=YYYY-MM&partner=id``,
    as the termination page's list of months not yet computed does)."""
    if form is None:
        try:
            month = parse_month(request.args["compute"]) if request.args.get("compute") else None
        except BadValue:
            month = None
        form = ComputeForm(formdata=None, month=month_value(month or _last_month()),
                           partner_id=id_or_none(request.args.get("partner")))
    form.partner_id.choices = [("", _("All my partners"))] + [(id_, name) for id_, name in
                                                             queries.partner_choices(current_user)]
    return form


def _list_page(compute_form=None, code=200):
    filters = queries.list_filters(request.args)
    count, total = queries.totals(current_user, filters)
    return render_template(
        "commissions/statements.html", pagination=_paginate(queries.statements(current_user, filters)),
        filters=filters, count=count, total=total, counts=queries.status_counts(current_user, filters),
        compute_form=_compute_form(compute_form) if has_permission(current_user, "commissions.manage") else None,
        month_value=month_value, **PAGE_HELPERS,
    ), code


@admin_bp.route("/")
@require("commissions.view")
def statements():
    return _list_page()


@admin_bp.route("/export.csv")
@require("commissions.view")
def export():
    """The filtered list for the payment run: the account a statement was paid into, or, while it
    awaits release, the partner's current approved account. Those who release payments
    (commissions.release) read the full account number; others only its last four digits."""
    filters = queries.list_filters(request.args)
    headers = [_("Statement"), _("Partner"), _("Unified social credit code"), _("Month"), _("Status"),
               _("Total (CNY)"), _("Approved by"), _("Approved at"), _("Released by"), _("Paid on"),
               _("Bank transfer reference"), _("Bank"), _("Branch"), _("Account name"), _("Account number")]
    statements = db.session.scalars(queries.statements(current_user, filters)).all()
    pay_to = queries.current_accounts({s.partner_id for s in statements if s.status == "approved"})
    full = has_permission(current_user, "commissions.release")
    rows = []
    for s in statements:
        account = s.bank_account or (pay_to.get(s.partner_id) if s.status == "approved" else None)
        number = (account.account_number if full else account.masked_number) if account else None
        rows.append([s.number, s.partner.name, s.partner.credit_code, month_value(s.month), str(s.status_label),
                     s.total, s.approved_by.name if s.approved_by else None, s.approved_at,
                     s.released_by.name if s.released_by else None, s.paid_on, s.payment_reference,
                     account.bank_name if account else None, account.branch if account else None,
                     account.account_name if account else None, number])
    name = f"commission-statements-{month_value(filters['month']) or 'all'}.csv"
    response = send_file(BytesIO(write_csv(headers, rows)), mimetype="text/csv", as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@admin_bp.route("/compute", methods=["POST"])
@require("commissions.manage")
def compute():
    form = _compute_form(ComputeForm())
    if form.validate_on_submit():
        partner = None
        if form.partner_id.data is not None:
            partner = db.session.get(Partner, form.partner_id.data)
            if partner is None or not can_view_partner(current_user, partner):
                form.partner_id.errors = [_("Choose one of your partners, or all of them.")]
                return _list_page(form, 400)
        try:
            computed, final = services.compute_month(form.month.data, current_user, partner=partner)
        except DomainError as error:
            _refused(error, form)
            return _list_page(form, 400)
        db.session.commit()
        month = services.clean_month(form.month.data)
        message = ngettext("%(num)d statement computed for %(month)s.", "%(num)d statements computed for %(month)s.",
                           len(computed), month=month_label(month))
        if final:
            message += " " + ngettext("%(num)d already approved or released was left as it is.",
                                      "%(num)d already approved or released were left as they are.", len(final))
        flash(message, "success")
        return redirect(url_for(".statements", month=month_value(month)))
    return _list_page(form, 400)


def _statement_page(statement, release_form=None, send_back_form=None, code=200):
    releases = statement.status == "approved" and has_permission(current_user, "commissions.release")
    return render_template(
        "commissions/statement.html", statement=statement, groups=_grouped(statement),
        action_form=ActionForm(formdata=None), release_form=release_form or ReleaseForm(formdata=None),
        send_back_form=send_back_form or SendBackForm(formdata=None),
        partner_url=optional_url("partners_admin.partner", partner_id=statement.partner_id),
        approved_by_me=statement.approved_by_id == current_user.id, today=business_today(),
        pay_to=current_account(statement.partner) if releases else None, **PAGE_HELPERS,
    ), code


@admin_bp.route("/<int:statement_id>")
@require("commissions.view")
def statement(statement_id):
    return _statement_page(queries.get_visible(statement_id, current_user))


def _simple_action(statement_id, action, done):
    statement = queries.get_visible(statement_id, current_user)
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
    else:
        try:
            action(statement)
        except DomainError as error:
            _refused(error)
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(url_for(".statement", statement_id=statement_id))


@admin_bp.route("/<int:statement_id>/recompute", methods=["POST"])
@require("commissions.manage")
def recompute(statement_id):
    return _simple_action(statement_id, lambda s: services.compute_statement(s.partner, s.month, current_user),
                          _("The statement is computed again from today's figures."))


@admin_bp.route("/<int:statement_id>/approve", methods=["POST"])
@require("commissions.manage")
def approve(statement_id):
    return _simple_action(statement_id, lambda s: services.approve(s, current_user),
                          _("The statement is approved. Another person (finance or an administrator) releases it for "
                            "payment."))


@admin_bp.route("/<int:statement_id>/send-back", methods=["POST"])
@require("commissions.manage")
def send_back(statement_id):
    statement = queries.get_visible(statement_id, current_user)
    form = SendBackForm()
    if form.validate_on_submit():
        try:
            services.send_back(statement, current_user, form.reason.data)
        except DomainError as error:
            _refused(error, form)
            if error.field is None:
                return redirect(url_for(".statement", statement_id=statement_id))
        else:
            db.session.commit()
            flash(_("The statement is back to draft: compute it again if needed, then approve it."), "success")
            return redirect(url_for(".statement", statement_id=statement_id))
    return _statement_page(queries.get_visible(statement_id, current_user), send_back_form=form, code=400)


@admin_bp.route("/<int:statement_id>/release", methods=["POST"])
@require("commissions.release")
def release(statement_id):
    statement = queries.get_visible(statement_id, current_user)
    form = ReleaseForm()
    if form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = [_("Tick the box to confirm: a released statement can never be changed.")]
        else:
            try:
                services.release(statement, current_user, form.payment_reference.data, form.paid_on.data)
            except DomainError as error:
                _refused(error, form)
            else:
                db.session.commit()
                flash(_("Statement %(number)s is released for payment; the partner has been told.",
                        number=statement.number), "success")
                return redirect(url_for(".statement", statement_id=statement_id))
    return _statement_page(queries.get_visible(statement_id, current_user), release_form=form, code=400)


def _adjustment_form(form=None):
    form = form or AdjustmentForm(formdata=None, month=month_value(month_start(business_today())))
    form.partner_id.choices = [("", _("Choose a partner"))] + list(queries.partner_choices(current_user))
    form.product_line_id.choices = [("", _("None (the whole statement)"))] + [
        (line.id, line.label) for line in queries.product_line_choices()]
    return form


def _adjustments_page(form=None, code=200):
    pagination = _paginate(queries.adjustments(current_user))
    return render_template(
        "commissions/adjustments.html", pagination=pagination, form=_adjustment_form(form),
        on_statement=queries.statements_by_adjustment([a.id for a in pagination.items]), month_label=month_label,
    ), code


@admin_bp.route("/adjustments")
@require("commissions.manage")
def adjustments():
    return _adjustments_page()


@admin_bp.route("/adjustments", methods=["POST"])
@require("commissions.manage")
def add_adjustment():
    form = _adjustment_form(AdjustmentForm())
    if form.validate_on_submit():
        data = {name: form[name].data for name in ("partner_id", "month", "product_line_id", "amount", "reason")}
        try:
            adjustment = services.add_adjustment(data, current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("The correction of %(amount)s for %(partner)s is entered for %(month)s.",
                    amount=money(adjustment.amount), partner=adjustment.partner.name,
                    month=month_label(adjustment.month)), "success")
            return redirect(url_for(".adjustments"))
    return _adjustments_page(form, 400)


# ==== partner side =====================================================================================


@bp.route("/", endpoint="statements")
@require("commissions.partner")
def own_statements():
    return render_template("commissions/partner_statements.html",
                           pagination=_paginate(queries.own_statements(current_user)), **PAGE_HELPERS)


def _partner_page(statement, query_form=None, query_line_id=None, code=200):
    return render_template(
        "commissions/partner_statement.html", statement=statement, groups=_grouped(statement),
        query_form=query_form, query_line_id=query_line_id, blank_query_form=QueryForm(formdata=None),
        **PAGE_HELPERS,
    ), code


@bp.route("/<int:statement_id>", endpoint="statement")
@require("commissions.partner")
def own_statement(statement_id):
    return _partner_page(queries.get_own(statement_id, current_user))


@bp.route("/<int:statement_id>/lines/<int:line_id>/query", methods=["POST"])
@require("commissions.partner")
def raise_query(statement_id, line_id):
    statement = queries.get_own(statement_id, current_user)
    line = queries.get_line(statement, line_id)
    form = QueryForm()
    if form.validate_on_submit():
        try:
            query = services.raise_query(statement, line, form.text.data, current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Your query is sent as case %(number)s: your channel manager answers it there.",
                    number=query.case.number), "success")
            return redirect(url_for(".statement", statement_id=statement_id, _anchor=f"line-{line_id}"))
    return _partner_page(queries.get_own(statement_id, current_user), form, line_id, 400)
