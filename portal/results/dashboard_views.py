"""The results dashboard for managers and admins (``admin_bp``, "channel.view"): progress against
target by territory, channel type, partner and outlet, the key outlets, the partners falling
behind and the Excel export; and a partner's own figures with its rank band (``bp``,
"results.report"). Figures come from portal.results.dashboard, over the partners the user may
see (portal.partners.queries.visible_partners).
"""
from io import BytesIO

from flask import current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import spreadsheets
from portal.core.i18n import business_today
from portal.core.pages import KnownPagination, ListPagination, page_number as _page
from portal.core.permissions import require
from portal.partners import queries as partner_queries
from portal.partners.models import PARTNER_STATUSES
from portal.results import charts
from portal.results import dashboard as figures
from portal.results.blueprints import admin_bp, bp
from portal.results.values import month_label, month_value

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_BEHIND_POINTS = 20


def _behind_points():
    """How many points below the pro-rata share of the month a partner falls behind."""
    return current_app.config.get("RESULTS_BEHIND_POINTS", DEFAULT_BEHIND_POINTS)


def _current_month():
    return business_today().replace(day=1)


def _filters():
    return figures.Filters.from_args(request.args, _current_month())


def _month_categories(points):
    """(month, year) labels for a chart: the year under the first month and under each January."""
    return [(format_month_short(p.month), str(p.month.year) if i == 0 or p.month.month == 1 else "")
            for i, p in enumerate(points)]


def format_month_short(month):
    from babel.dates import format_date
    from flask_babel import get_locale

    return format_date(month, "LLL", locale=str(get_locale() or "en"))


def trend_chart(points):
    return charts.line_chart(_month_categories(points), [
        {"name": _("Target"), "values": [p.target for p in points], "dash": "6 4"},
        {"name": _("Net sales"), "values": [p.sales for p in points]},
        {"name": _("Collected"), "values": [p.collected for p in points]},
    ])


def group_chart(groups, limit=15):
    """Target and net sales of the ``limit`` groups with the largest targets (the table shows all)."""
    shown = sorted(groups, key=lambda g: (-g.figures.target, -g.figures.sales))[:limit]
    shown = [g for g in groups if g in shown]
    return charts.bar_chart([g.label for g in shown], [
        {"name": _("Target"), "values": [g.figures.target for g in shown]},
        {"name": _("Net sales"), "values": [g.figures.sales for g in shown]},
    ])


def _context(filters, month_error, names, **extra):
    return {
        "filters": filters, "filter_args": filters.to_args(), "month_error": month_error, "names": names,
        "month_value": month_value(filters.month), "month_label": month_label(filters.month),
        "year": filters.month.year, "sorts": figures.SORTS, "periods": figures.PERIODS,
        "statuses": PARTNER_STATUSES, "behind_points": _behind_points(), **extra,
    }


# ---- the dashboard ----------------------------------------------------------------------------


@admin_bp.route("/", endpoint="index")
@require("channel.view")
def dashboard_page():
    filters, month_error = _filters()
    names = figures.labels()
    data = figures.dashboard(current_user, filters, business_today(), _behind_points(), names)
    return render_template(
        "results/dashboard/index.html", data=data, trend_chart=trend_chart(data.trend),
        province_chart=group_chart(data.by_province), channel_chart=group_chart(data.by_channel_type),
        **_context(filters, month_error, names),
    )


@admin_bp.route("/partners")
@require("channel.view")
def partners():
    filters, month_error = _filters()
    names = figures.labels()
    rows = figures.partner_rows(current_user, filters)
    return render_template(
        "results/dashboard/partners.html", pagination=ListPagination(rows, _page(), 50),
        totals=figures.totals(rows), **_context(filters, month_error, names),
    )


@admin_bp.route("/behind")
@require("channel.view")
def behind():
    filters, month_error = _filters()
    names = figures.labels()
    today = business_today()
    rows = figures.partner_rows(current_user, filters, year_to_date=False)
    expected = figures.expected_progress(filters.month, today)
    future = filters.month > today.replace(day=1)
    listed = [] if future else figures.falling_behind(rows, expected, _behind_points())
    return render_template(
        "results/dashboard/behind.html", pagination=ListPagination(listed, _page(), 50), expected=expected,
        future=future, today=today, days=figures.days_in_month(filters.month),
        **_context(filters, month_error, names),
    )


@admin_bp.route("/outlets")
@require("channel.view")
def key_outlets():
    filters, month_error = _filters()
    names = figures.labels()
    per_page = 50
    page = _page()
    found = figures.key_outlets(current_user, filters, offset=(page - 1) * per_page, limit=per_page)
    pagination = KnownPagination(found.items, page, per_page, found.key_count)
    return render_template("results/dashboard/outlets.html", found=found, pagination=pagination,
                           **_context(filters, month_error, names))


def export_table(rows, names):
    """(headers, rows) of the partner table: the same figures as the page, as numbers."""
    headers = [
        _("Partner"), _("Province"), _("City"), _("Channel type"), _("Tier"), _("Status"),
        _("Target (month)"), _("Net sales (month)"), _("Progress % (month)"), _("Collected (month)"),
        _("Target (year to date)"), _("Net sales (year to date)"), _("Progress % (year to date)"),
        _("Collected (year to date)"), _("Reported this month"),
    ]
    table = []
    for row in rows:
        f = row.figures
        table.append([
            row.name, names.territories.get(row.province_id, ""), names.territories.get(row.city_id, ""),
            names.channel_types.get(row.channel_type_id, ""), names.tiers.get(row.tier_id, ""),
            str(PARTNER_STATUSES.get(row.status, row.status)),
            f.target, f.sales, f.progress, f.collected, f.target_ytd, f.sales_ytd, f.progress_ytd, f.collected_ytd,
            _("Yes") if row.reported else _("No"),
        ])
    return headers, table


@admin_bp.route("/export.xlsx")
@require("channel.view")
def export():
    filters, _month_error = _filters()
    names = figures.labels()
    headers, table = export_table(figures.partner_rows(current_user, filters), names)
    data = spreadsheets.write_xlsx(headers, table, month_value(filters.month))
    response = send_file(BytesIO(data), mimetype=XLSX_TYPE, as_attachment=True,
                         download_name=f"results-{month_value(filters.month)}.xlsx", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- the partner's own figures ----------------------------------------------------------------


@bp.route("/", endpoint="index")
@require("results.report")
def own_results():
    partner = partner_queries.own_partner(current_user)
    filters, month_error = _filters()
    own = figures.own_figures(partner, filters.month)
    names = figures.labels()
    return render_template(
        "results/dashboard/partner.html", partner=partner, own=own, trend_chart=trend_chart(own.trend),
        bands=figures.BANDS, **_context(filters, month_error, names),
    )
