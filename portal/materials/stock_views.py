"""The vendor's side of promotional material: the catalogue, warehouses, stock and its ledger.

Every view needs "materials.manage" (managers and admins; 403 otherwise). The catalogue and
the stock belong to the vendor, not to a territory, so any manager may open any item or
warehouse; an id that does not exist answers 404. Stock changes only through stock.move(),
called by the receipt, adjustment and stocktake services; the ledger is never edited.
"""
import io
from datetime import datetime

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.audit import history_for
from portal.core.errors import DomainError
from portal.core.i18n import current_zone, local_now
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.core.permissions import require
from portal.core.spreadsheets import write_xlsx
from portal.extensions import db
from portal.materials import catalogue, queries, stock
from portal.materials.blueprints import admin_bp as bp
from portal.materials.models import ITEM_CATEGORIES, MOVEMENT_KINDS, SERIAL_STATUSES
from portal.materials.serials import find_serial
from portal.materials.stock_forms import AdjustmentForm, ItemForm, ReceiptForm, StocktakeForm, WarehouseForm
from portal.reference import queries as ref

ITEM_FIELDS = ("code", "name_zh", "name_en", "category", "unit", "unit_value", "serial_tracked", "description",
               "active")
WAREHOUSE_FIELDS = ("code", "name", "territory_id", "address", "active")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_data(form, names):
    return {name: getattr(form, name).data for name in names}


# ---- the catalogue ----------------------------------------------------------------------------


@bp.route("/items")
@require("materials.manage")
def items():
    filters = queries.ItemFilters.from_args(request.args)
    pagination = _paginate(queries.items_query(filters))
    return render_template("materials/stock/items.html", pagination=pagination, filters=filters,
                           categories=ITEM_CATEGORIES, totals=queries.stock_totals([i.id for i in pagination.items]),
                           any_item=bool(pagination.items) or queries.any_item())


@bp.route("/items/new", methods=["GET", "POST"])
@require("materials.manage")
def new_item():
    form = ItemForm()
    if request.method == "GET":
        form.unit_value.data = "0.00"
    if form.validate_on_submit():
        try:
            item = catalogue.create_item(_form_data(form, ITEM_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("%(item)s is in the catalogue. Record a receipt to put it in stock.", item=item.label), "success")
            return redirect(url_for(".item", item_id=item.id))
    status = 400 if request.method == "POST" else 200
    return render_template("materials/stock/item_form.html", form=form, item=None), status


@bp.route("/items/<int:item_id>")
@require("materials.manage")
def item(item_id):
    item = queries.get_item(item_id)
    return render_template("materials/stock/item.html", item=item, levels=queries.item_levels(item),
                           history=history_for(item, limit=50))


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@require("materials.manage")
def edit_item(item_id):
    item = queries.get_item(item_id)
    form = ItemForm(obj=item)
    if request.method == "GET":
        form.unit_value.data = f"{item.unit_value:.2f}" if item.unit_value is not None else ""
    if form.validate_on_submit():
        try:
            catalogue.update_item(item, _form_data(form, ITEM_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
            item = queries.get_item(item_id)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".item", item_id=item.id))
    status = 400 if request.method == "POST" else 200
    return render_template("materials/stock/item_form.html", form=form, item=item), status


# ---- warehouses -------------------------------------------------------------------------------


def _territory_choices(form):
    form.territory_id.choices = [("", _("No territory"))] + ref.territory_choices()


@bp.route("/warehouses")
@require("materials.manage")
def warehouses():
    return render_template("materials/stock/warehouses.html", warehouses=queries.warehouses())


@bp.route("/warehouses/new", methods=["GET", "POST"])
@require("materials.manage")
def new_warehouse():
    form = WarehouseForm()
    _territory_choices(form)
    if form.validate_on_submit():
        try:
            warehouse = catalogue.create_warehouse(_form_data(form, WAREHOUSE_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Warehouse %(name)s added.", name=warehouse.name), "success")
            return redirect(url_for(".warehouses"))
    status = 400 if request.method == "POST" else 200
    return render_template("materials/stock/warehouse_form.html", form=form, warehouse=None), status


@bp.route("/warehouses/<int:warehouse_id>/edit", methods=["GET", "POST"])
@require("materials.manage")
def edit_warehouse(warehouse_id):
    warehouse = queries.get_warehouse(warehouse_id)
    form = WarehouseForm(obj=warehouse)
    _territory_choices(form)
    if form.validate_on_submit():
        try:
            catalogue.update_warehouse(warehouse, _form_data(form, WAREHOUSE_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
            warehouse = queries.get_warehouse(warehouse_id)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".warehouses"))
    status = 400 if request.method == "POST" else 200
    return render_template("materials/stock/warehouse_form.html", form=form, warehouse=warehouse,
                           history=history_for(warehouse, limit=50)), status


# ---- stock ------------------------------------------------------------------------------------


@bp.route("/stock", endpoint="stock")
@require("materials.manage")
def stock_overview():
    filters = queries.StockFilters.from_args(request.args)
    pagination = _paginate(queries.stock_query(filters))
    return render_template("materials/stock/overview.html", pagination=pagination, filters=filters,
                           categories=ITEM_CATEGORIES, warehouses=queries.warehouses(),
                           any_item=queries.any_item())


def _movement_form(form_class, item):
    form = form_class()
    choices = [(w.id, f"{w.code} · {w.name}") for w in queries.warehouses(active_only=True)]
    form.warehouse_id.choices = choices
    if request.method == "GET":
        chosen = request.args.get("warehouse", type=int)
        form.warehouse_id.data = chosen if chosen in dict(choices) else (choices[0][0] if choices else None)
    return form


def _movement_page(template, form, item, status=200):
    return render_template(template, form=form, item=item, levels=queries.item_levels(item)), status


def _recorded(item, form, movement_message):
    db.session.commit()
    flash(movement_message, "success")
    return redirect(url_for(".ledger", item_id=item.id, warehouse=form.warehouse_id.data))


@bp.route("/items/<int:item_id>/receipt", methods=["GET", "POST"])
@require("materials.manage")
def receipt(item_id):
    item = queries.get_item(item_id)
    form = _movement_form(ReceiptForm, item)
    form.quantity.flags.required = not item.serial_tracked
    for name in ("first", "last", "digits"):
        getattr(form, name).flags.required = item.serial_tracked
    if request.method == "GET" and item.serial_tracked:
        form.digits.data = "8"
    if form.validate_on_submit():
        serial_range = {name: getattr(form, name).data for name in ("prefix", "first", "last", "digits")}
        try:
            movement = stock.receive(item, queries.warehouse_or_none(form.warehouse_id.data), current_user,
                                     quantity=form.quantity.data, reason=form.reason.data,
                                     reference=form.reference.data, serial_range=serial_range)
        except DomainError as error:
            _refused(error, form)
            item = queries.get_item(item_id)
        else:
            return _recorded(item, form, _("Receipt of %(count)s recorded.", count=movement.on_hand_delta))
    return _movement_page("materials/stock/receipt.html", form, item, 400 if request.method == "POST" else 200)


@bp.route("/items/<int:item_id>/adjustment", methods=["GET", "POST"])
@require("materials.manage")
def adjustment(item_id):
    item = queries.get_item(item_id)
    form = _movement_form(AdjustmentForm, item)
    if form.validate_on_submit():
        try:
            movement = stock.adjust(item, queries.warehouse_or_none(form.warehouse_id.data), form.quantity.data,
                                    form.reason.data, current_user, reference=form.reference.data)
        except DomainError as error:
            _refused(error, form)
            item = queries.get_item(item_id)
        else:
            return _recorded(item, form, _("Adjustment of %(count)+d recorded.", count=movement.on_hand_delta))
    return _movement_page("materials/stock/adjustment.html", form, item, 400 if request.method == "POST" else 200)


@bp.route("/items/<int:item_id>/stocktake", methods=["GET", "POST"])
@require("materials.manage")
def stocktake(item_id):
    item = queries.get_item(item_id)
    form = _movement_form(StocktakeForm, item)
    if form.validate_on_submit():
        try:
            movement = stock.stocktake(item, queries.warehouse_or_none(form.warehouse_id.data), form.counted.data,
                                       form.reason.data, current_user, reference=form.reference.data)
        except DomainError as error:
            _refused(error, form)
            item = queries.get_item(item_id)
        else:
            if movement.on_hand_delta:
                message = _("Stocktake recorded: on hand changed by %(count)+d.", count=movement.on_hand_delta)
            else:
                message = _("Stocktake recorded: the count agrees with the stock.")
            return _recorded(item, form, message)
    return _movement_page("materials/stock/stocktake.html", form, item, 400 if request.method == "POST" else 200)


# ---- the ledger and its export ----------------------------------------------------------------


@bp.route("/items/<int:item_id>/ledger")
@require("materials.manage")
def ledger(item_id):
    item = queries.get_item(item_id)
    filters = queries.LedgerFilters.from_args(request.args)
    pagination = _paginate(queries.ledger_query(item, filters))
    return render_template(
        "materials/stock/ledger.html", item=item, pagination=pagination, filters=filters, kinds=MOVEMENT_KINDS,
        balances=queries.running_balances(item, [m.id for m in pagination.items]),
        warehouses=queries.warehouses(), partners=queries.ledger_partners(item), checks=queries.ledger_checks(item),
    )


def _local(moment):
    """A naive local time for a spreadsheet cell (Excel has no time zones)."""
    return moment.astimezone(current_zone()).replace(tzinfo=None, microsecond=0)


def ledger_workbook(item, filters):
    """The ledger of ``item`` (filtered) as .xlsx bytes, oldest first, then the check lines: per
    warehouse, the ledger's sums against the stock level's totals."""
    movements = list(reversed(db.session.scalars(queries.ledger_query(item, filters)).all()))
    balances = queries.running_balances(item)
    headers = [_("Date and time"), _("Warehouse"), _("Kind"), _("On hand change"), _("Reserved change"),
               _("On hand after"), _("Reserved after"), _("Reason"), _("Reference"), _("Request"), _("Partner"),
               _("Serial numbers"), _("Recorded by")]
    rows = []
    for m in movements:
        on_hand_after, reserved_after = balances.get(m.id, (None, None))
        rows.append([_local(m.created_at), m.warehouse.code, str(m.kind_label), m.on_hand_delta, m.reserved_delta,
                     on_hand_after, reserved_after, m.reason or "", m.reference or "",
                     m.request.number if m.request else "", m.partner.name if m.partner else "", m.serials or "",
                     m.actor.name if m.actor else ""])
    rows.append([])
    if filters.any:
        rows.append([_("Filtered: the rows above are part of the ledger; the checks below are on the whole ledger.")])
    rows.append([_("Check"), _("Warehouse"), "", _("Ledger on hand"), _("Ledger reserved"), _("Stock on hand"),
                 _("Stock reserved"), _("Result")])
    checks = queries.ledger_checks(item)
    for check in checks:
        rows.append(["", check["warehouse"].code, "", check["ledger_on_hand"], check["ledger_reserved"],
                     check["on_hand"], check["reserved"],
                     _("The ledger equals the stock.") if check["ok"] else _("Difference: check the stock level.")])
    total = [sum(c[key] for c in checks) for key in ("ledger_on_hand", "ledger_reserved", "on_hand", "reserved")]
    rows.append([_("All warehouses"), "", "", *total,
                 _("The ledger equals the stock.") if all(c["ok"] for c in checks) else
                 _("Difference: check the stock level.")])
    rows.append([_("Exported on %(when)s by %(name)s.", when=local_now().strftime("%Y-%m-%d %H:%M"),
                   name=current_user.name)])
    return write_xlsx(headers, rows, _("Ledger %(code)s", code=item.code))


@bp.route("/items/<int:item_id>/ledger.xlsx")
@require("materials.manage")
def export_ledger(item_id):
    item = queries.get_item(item_id)
    filters = queries.LedgerFilters.from_args(request.args)
    data = ledger_workbook(item, filters)
    name = f"ledger-{item.code}-{datetime.now(current_zone()):%Y%m%d-%H%M}.xlsx"
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


# ---- the trace --------------------------------------------------------------------------------


@bp.route("/items/<int:item_id>/trace")
@require("materials.manage")
def trace(item_id):
    item = queries.get_item(item_id)
    levels = queries.item_levels(item)
    serial = request.args.get("serial", "").strip()[:60]
    status = request.args.get("status", "")
    status = status if status in SERIAL_STATUSES else ""
    context = {"item": item, "levels": levels, "holders": queries.with_partners(item),
               "reservations": queries.reserved_for_requests(item), "kinds": queries.kind_totals(item),
               "serial": serial, "status": status, "statuses": SERIAL_STATUSES, "found": None, "pagination": None}
    if item.serial_tracked:
        context["serial_counts"] = queries.serial_status_counts(item)
        if serial:
            context["found"] = find_serial(item, serial)
        context["pagination"] = _paginate(queries.serial_ranges_query(item, status))
    return render_template("materials/stock/trace.html", **context)
