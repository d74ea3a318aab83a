"""Figures coming in: the partners' PSI reports (form, file import, list), the targets managers
adjust, and the payment collections they record.

``bp`` (/partner/results, "results.report"): a partner user's own organisation only; another
organisation's report answers 404. ``admin_bp`` (/results): the vendor side, about partners
the user may see (portal.partners.queries.get_partner answers 404 otherwise); reading needs
"channel.view", changing "results.manage".
"""
import re
from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.core import spreadsheets, storage
from portal.core.audit import history_for
from portal.core.errors import DomainError, apply_to_form
from portal.core.i18n import business_today, money
from portal.core.pages import paginate as _paginate
from portal.core.permissions import has_permission, require
from portal.extensions import db
from portal.partners import queries as partner_queries
from portal.partners.views import optional_url
from portal.reference.models import ProductLine
from portal.results import collections, psi, queries, targets
from portal.results.blueprints import admin_bp, bp
from portal.results.entry_forms import CollectionForm, ImportForm, ReportForm, TargetForm
from portal.results.models import PSI_SOURCES, TARGET_SOURCES
from portal.results.values import month_label, month_value, parse_month

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPT = ".csv,.xlsx,text/csv," + XLSX_TYPE
ERRORS_SHOWN = 500
FIGURE_FIELDS = ("purchases", "sales", "sales_amount", "returns_amount", "closing_inventory")
HISTORY_FIELDS = (*FIGURE_FIELDS, "source")


def _render(template, status=200, **context):
    return render_template(f"results/entry/{template}", month_label=month_label, month_value=month_value,
                           psi_sources=PSI_SOURCES, link=optional_url, **context), status


def _flash_error(error):
    flash(str(error.message), "danger")


def _download(data, filename, mimetype):
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _filters(args, names):
    return {name: args.get(name, "") for name in names if args.get(name)}


MONTH_INPUT_RE = re.compile(r"^\d{4}-\d{2}$")
DATETIME_INPUT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def _valid_html_inputs(form):
    """A month or date-time input must hold a value of its format to be valid HTML: text that is
    not one (the error says what to enter) is not sent back."""
    for name, pattern in (("month", MONTH_INPUT_RE), ("received_at", DATETIME_INPUT_RE)):
        field = getattr(form, name, None)
        if field is None:
            continue
        raw = (field.raw_data or [""])[0] if field.raw_data else (field.data if isinstance(field.data, str) else None)
        if raw and not pattern.match(str(raw)):
            field.raw_data = [""]
            field.data = "" if isinstance(field.data, str) else None
    return form


def _cases_flash(cases):
    for case in cases:
        flash(_("The outlet's city is outside your territories: cross-territory case %(number)s was opened and your "
                "channel manager will look into it.", number=case.number), "warning")


# ---- partner side: PSI reports --------------------------------------------------------------------


@bp.route("/reports")
@require("results.report")
def reports():
    partner = partner_queries.own_partner(current_user)
    query = queries.filtered_entries(partner, request.args)
    return _render(
        "reports.html", partner=partner, pagination=_paginate(query), totals=queries.entry_totals(query),
        outlets=queries.own_outlets(partner, include_inactive=True), product_lines=queries.product_lines(),
        months=queries.recent_months(business_today()), selected_month=queries.month_arg(request.args),
        filtered=bool(_filters(request.args, ("month", "outlet", "product_line"))),
    )


def _report_choices(form, partner):
    form.outlet_id.choices = [(o.id, o.name) for o in queries.own_outlets(partner)]
    form.product_line_id.choices = [(line.id, line.label) for line in queries.product_lines()]


def _prefill(form, partner):
    """Fill the form from ?outlet=&product_line=&month= (a "correct these figures" link), with
    the figures on file when there are some."""
    outlet_id, line_id = queries.int_arg(request.args, "outlet"), queries.int_arg(request.args, "product_line")
    month = queries.month_arg(request.args) or business_today().replace(day=1)
    form.outlet_id.data, form.product_line_id.data, form.month.data = outlet_id, line_id, month_value(month)
    entry = psi.existing_entry(partner, outlet_id, line_id, month)
    if entry is not None:
        for name in FIGURE_FIELDS:
            getattr(form, name).data = str(getattr(entry, name))
    return entry


def _entry_on_file(form, partner):
    try:
        month = parse_month(form.month.data) if form.month.data else None
    except ValueError:
        month = None
    return psi.existing_entry(partner, form.outlet_id.data, form.product_line_id.data, month)


@bp.route("/reports/new", methods=["GET", "POST"])
@require("results.report")
def new_report():
    partner = partner_queries.own_partner(current_user)
    form = ReportForm()
    _report_choices(form, partner)
    if request.method == "GET":
        existing = _prefill(form, partner)
        return _render("report_form.html", form=form, partner=partner, existing=existing,
                       latest_month=month_value(business_today()))
    if form.validate_on_submit():
        try:
            result = psi.submit_report(partner, form.outlet_id.data, form.product_line_id.data, form.month.data,
                                       {name: getattr(form, name).data for name in FIGURE_FIELDS}, current_user)
        except DomainError as error:
            db.session.rollback()
            partner = partner_queries.own_partner(current_user)
            apply_to_form(form, error) or _flash_error(error)
        else:
            entry = result.entries[0]
            params = {"outlet": entry.outlet.name, "product_line": entry.product_line.label,
                      "month": month_label(entry.month)}
            db.session.commit()
            if result.replaced:
                flash(_("The figures of %(outlet)s for %(product_line)s, %(month)s, replace the earlier ones.",
                        **params), "success")
            else:
                flash(_("The figures of %(outlet)s for %(product_line)s, %(month)s, are saved.", **params), "success")
            _cases_flash(result.cases)
            return redirect(url_for(".reports", month=month_value(entry.month)))
    existing = _entry_on_file(form, partner)
    return _render("report_form.html", 400, form=_valid_html_inputs(form), partner=partner, existing=existing,
                   latest_month=month_value(business_today()))


@bp.route("/reports/<int:entry_id>")
@require("results.report")
def report(entry_id):
    entry = queries.get_entry(entry_id, current_user)
    changes = [c for c in history_for(entry) if c.action != "update" or c.field in HISTORY_FIELDS]
    return _render("report.html", entry=entry, changes=changes, field_labels=_field_labels())


def _field_labels():
    form = ReportForm(formdata=None, meta={"csrf": False})
    labels = {name: getattr(form, name).label.text for name in FIGURE_FIELDS}
    labels.update({"month": _("Month"), "outlet_id": _("Outlet"), "product_line_id": _("Product line"),
                   "source": _("Entered through"), "occurred_at": _("Date and time"), "submitted_by_id": _("Submitted by")})
    return labels


def _too_large_message():
    return _("The file is larger than %(limit)s. Please send a smaller file.",
             limit=storage.human_size(current_app.config["IMPORT_MAX_BYTES"]))


def _import_page(form, partner, result=None, status=200):
    form.file.render_kw = {"accept": ACCEPT, "data-max-bytes": current_app.config["IMPORT_MAX_BYTES"],
                           "data-too-large": _too_large_message()}
    return _render("import.html", status, form=form, partner=partner, result=result,
                   columns=psi.describe_columns(), outlets=queries.own_outlets(partner),
                   product_lines=queries.product_lines(), max_rows=psi.MAX_ROWS,
                   max_size=storage.human_size(current_app.config["IMPORT_MAX_BYTES"]), errors_shown=ERRORS_SHOWN)


@bp.route("/reports/import", methods=["GET", "POST"])
@require("results.report")
def import_reports():
    partner = partner_queries.own_partner(current_user)
    # Accept the request up to the hard ceiling, so that a file over the import limit is a field
    # error on this page rather than a bare 413.
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        form = ImportForm()
    except RequestEntityTooLarge:
        form = ImportForm(formdata=None)
        form.file.errors = [_too_large_message()]
        return _import_page(form, partner, status=400)
    if request.method == "GET":
        return _import_page(form, partner)
    if not form.validate_on_submit():
        return _import_page(form, partner, status=400)
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose a CSV or Excel file to import.")]
        return _import_page(form, partner, status=400)
    try:
        data = storage.read_limited(upload, current_app.config["IMPORT_MAX_BYTES"], "file")
        result = psi.import_reports(data, upload.filename, partner, current_user)
    except DomainError as error:
        db.session.rollback()
        partner = partner_queries.own_partner(current_user)
        if not apply_to_form(form, error):
            form.file.errors = list(form.file.errors) + [str(error.message)]
        return _import_page(form, partner, status=400)
    if not result.ok:
        db.session.rollback()
        partner = partner_queries.own_partner(current_user)
        return _import_page(form, partner, result, status=400)
    saved = result.saved
    db.session.commit()
    count = len(saved.entries)
    if saved.replaced:
        flash(ngettext("%(num)d report imported, of which %(replaced)d replaced earlier figures.",
                       "%(num)d reports imported, of which %(replaced)d replaced earlier figures.", count,
                       replaced=saved.replaced), "success")
    else:
        flash(ngettext("%(num)d report imported.", "%(num)d reports imported.", count), "success")
    _cases_flash(saved.cases)
    return redirect(url_for(".reports"))


@bp.route("/reports/import/template.xlsx")
@require("results.report")
def import_template():
    partner_queries.own_partner(current_user)
    data = spreadsheets.write_xlsx(psi.template_headers(), [], _("PSI reports"))
    return _download(data, "psi-import-template.xlsx", XLSX_TYPE)


# ---- partner side: collections --------------------------------------------------------------------


@bp.route("/collections", endpoint="collections")
@require("results.report")
def own_collections():
    partner = partner_queries.own_partner(current_user)
    query = queries.filtered_collections(current_user, request.args, partner=partner)
    return _render("partner_collections.html", partner=partner, pagination=_paginate(query),
                   total=queries.collection_total(query), months=queries.recent_months(business_today()),
                   selected_month=queries.month_arg(request.args), filtered=bool(request.args.get("month")))


# ---- vendor side: targets -------------------------------------------------------------------------


@admin_bp.route("/targets")
@require("channel.view")
def targets_overview():
    month = queries.month_arg(request.args) or business_today().replace(day=1)
    pagination = _paginate(queries.partners_for_targets(current_user, request.args))
    amounts = targets.targets_for([p.id for p in pagination.items], month)
    return _render("targets.html", pagination=pagination, amounts=amounts, month=month,
                   product_lines=queries.product_lines(), months=queries.recent_months(business_today()),
                   filtered=bool(request.args.get("q")))


def _target_choices(form):
    form.product_line_id.choices = [(line.id, line.label) for line in queries.product_lines()]


def _targets_page(partner, form, status=200):
    _valid_html_inputs(form)
    month = business_today().replace(day=1)
    rows = targets.history(partner)
    agreement_ids = {row.agreement_id for row in rows if row.agreement_id}
    numbers = {}
    if agreement_ids:
        from portal.agreements.models import Agreement

        numbers = dict(db.session.execute(db.select(Agreement.id, Agreement.number)
                                          .where(Agreement.id.in_(agreement_ids))).all())
    return _render("partner_targets.html", status, partner=partner, form=form, month=month,
                   current=targets.current_targets(partner, month), rows=rows, numbers=numbers,
                   sources=TARGET_SOURCES, can_adjust=has_permission(current_user, "results.manage"))


@admin_bp.route("/targets/<int:partner_id>")
@require("channel.view")
def partner_targets(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    form = TargetForm(formdata=None)
    _target_choices(form)
    form.month.data = month_value(business_today())
    return _targets_page(partner, form)


@admin_bp.route("/targets/<int:partner_id>/adjust", methods=["POST"])
@require("results.manage")
def adjust_target(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    form = TargetForm()
    _target_choices(form)
    if form.validate_on_submit():
        line = db.session.get(ProductLine, form.product_line_id.data) if form.product_line_id.data else None
        try:
            row = targets.adjust_target(partner, line, form.month.data, form.amount.data, form.reason.data,
                                        current_user)
        except DomainError as error:
            db.session.rollback()
            partner = queries.get_partner(partner_id, current_user)
            if not apply_to_form(form, error):
                abort(403)
        else:
            params = {"product_line": row.product_line.label, "amount": money(row.amount),
                      "month": month_label(row.effective_month)}
            db.session.commit()
            flash(_("The monthly target for %(product_line)s is %(amount)s from %(month)s on.", **params), "success")
            return redirect(url_for(".partner_targets", partner_id=partner.id))
    return _targets_page(partner, form, 400)


# ---- vendor side: a partner's reports -------------------------------------------------------------


@admin_bp.route("/reports/<int:partner_id>")
@require("channel.view")
def partner_reports(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    query = queries.filtered_entries(partner, request.args)
    return _render(
        "partner_reports.html", partner=partner, pagination=_paginate(query), totals=queries.entry_totals(query),
        outlets=queries.own_outlets(partner, include_inactive=True), product_lines=queries.product_lines(),
        months=queries.recent_months(business_today()), selected_month=queries.month_arg(request.args),
        filtered=bool(_filters(request.args, ("month", "outlet", "product_line"))),
    )


# ---- vendor side: collections ---------------------------------------------------------------------


@admin_bp.route("/collections")
@require("channel.view")
def collections_overview():
    query = queries.filtered_collections(current_user, request.args)
    return _render("collections.html", pagination=_paginate(query), total=queries.collection_total(query),
                   partners=queries.partner_choices(current_user), months=queries.recent_months(business_today()),
                   selected_month=queries.month_arg(request.args), selected_partner=queries.int_arg(request.args, "partner"),
                   filtered=bool(_filters(request.args, ("month", "partner"))))


def _partner_collections_page(partner, form, status=200):
    _valid_html_inputs(form)
    query = queries.filtered_collections(current_user, request.args, partner=partner)
    return _render("manager_collections.html", status, partner=partner, form=form, pagination=_paginate(query),
                   total=queries.collection_total(query), months=queries.recent_months(business_today()),
                   selected_month=queries.month_arg(request.args), filtered=bool(request.args.get("month")),
                   can_record=has_permission(current_user, "results.manage"))


@admin_bp.route("/collections/<int:partner_id>")
@require("channel.view")
def partner_collections(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    return _partner_collections_page(partner, CollectionForm(formdata=None))


@admin_bp.route("/collections/<int:partner_id>", methods=["POST"])
@require("results.manage")
def record_collection(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    form = CollectionForm()
    if form.validate_on_submit():
        try:
            collection = collections.record_collection(
                partner, form.amount.data, collections.beijing_to_utc(form.received_at.data), form.reference.data,
                form.note.data, current_user)
        except DomainError as error:
            db.session.rollback()
            partner = queries.get_partner(partner_id, current_user)
            if not apply_to_form(form, error):
                abort(403)
        else:
            params = {"amount": money(collection.amount), "month": month_label(collection.month)}
            db.session.commit()
            flash(_("Payment of %(amount)s recorded in %(month)s.", **params), "success")
            return redirect(url_for(".partner_collections", partner_id=partner.id))
    return _partner_collections_page(partner, form, 400)

