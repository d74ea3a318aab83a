"""The results dashboard's figures: monthly progress against target (调度指标月进度) by territory,
channel type, partner and outlet; the key outlets (二八原理); the partners falling behind; and a
partner's own figures with its rank band.

Pure query functions: they take the user (or the partner), a ``Filters`` and the business day,
never ``request``, and return plain values. Every figure comes from a fixed number of set-based
statements whatever the number of partners (tests/results/test_dashboard_queries.py): the
overview reads the monthly totals of the 12 months once, summed per province, channel type and
month (``overview``); each partner's figures come from one statement (``partner_rows``); the
outlets from one more (``key_outlets``). Sums are made in SQL; Python only adds up a few hundred
cells and turns them into Decimal cents.

Figures per partner, product line and month come from the monthly totals (``PsiMonthTotal``,
kept by portal.results.psi from the PSI lines in the same transaction): about a hundred times
fewer rows than the lines. Only the outlet figures (key outlets, a partner's outlets) read the
PSI lines, of the period shown.

Even so, a whole network's figures take a few hundred milliseconds to add up (bench/dashboard.py),
so the overview, the partner table and the key outlets of a user's scope are kept a short while
in the process ("the figures cache", ``cached``) under the figures version
(portal.results.models.FiguresVersion), which every commit that writes PSI lines, collections,
targets, partners or outlets replaces: a page asked again is not added up again, and no page
shows figures older than the last commit. After such a commit, the values asked for in the last
minute are computed again off the request path (portal.results.figures_cache). Labels are not
cached: they are in the user's language.

Definitions (said on the pages too):

- **Net sales** = ``sales_amount − returns_amount`` of the PSI lines of the month (Beijing time).
- **Target** for month *m* = for each product line, the amount of the partner's target row with
  the latest ``effective_month`` ≤ *m* (a later row of the same month wins: higher id). The
  year-to-date target adds the months from January to *m*.
- **Progress** = net sales ÷ target, in per cent with one decimal (half up); none without target.
- **Collected** = payment collections (回款) of the month; they are not split by product line.
"""
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.i18n import add_months
from portal.extensions import db
from portal.partners.models import Outlet, Partner
from portal.partners.queries import visible_partners
from portal.reference.models import ChannelType, PartnerTier, ProductLine, Territory
from portal.reference.queries import territory_choices
from portal.results.figures_cache import cached, computed_by
from portal.results.models import PartnerTarget, PaymentCollection, PsiEntry, PsiMonthTotal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)
KEY_SHARE = (4, 5)  # key outlets make 4/5 = 80% of net sales (compared as 5·before < 4·total)
BAND_SHARE = Decimal("0.2")  # top and bottom rank bands: 20% each
TREND_MONTHS = 12
LATEST_MONTH = date(2099, 12, 1)

SORTS = {
    "name": _l("Partner name"),
    "progress": _l("Lowest progress first"),
    "progress_desc": _l("Highest progress first"),
    "sales": _l("Highest net sales first"),
}
PERIODS = {"month": _l("The month"), "year": _l("The year to date")}
BANDS = {"top": _l("Top 20%"), "middle": _l("Middle 60%"), "bottom": _l("Bottom 20%")}


# ---- small helpers ----------------------------------------------------------------------------


def money(value):
    """A sum from the database as Decimal cents (SQLite sums money as floating point)."""
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part, whole):
    """``part`` as a percentage of ``whole`` with one decimal, rounded half up; None when
    ``whole`` is not positive."""
    if whole is None or whole <= 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def as_date(value):
    """A date from a union column (SQLite may hand back the ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def year_start(month):
    return month.replace(month=1, day=1)


def days_in_month(month):
    return (add_months(month, 1) - month).days


def expected_progress(month, today):
    """The pro-rata share of the month's target expected by ``today`` (Beijing business day), in
    per cent with one decimal: elapsed days (today included) ÷ days in the month; 100 for a past
    month, 0 for a future one."""
    current = today.replace(day=1)
    if month < current:
        return Decimal("100.0")
    if month > current:
        return Decimal("0.0")
    return percent(today.day, days_in_month(month))


# ---- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the figures are narrowed to. ``month`` is a first-of-month date (Beijing time)."""

    month: date
    territory_id: int | None = None
    channel_type_id: int | None = None
    tier_id: int | None = None
    product_line_id: int | None = None
    sort: str = "name"
    period: str = "month"

    @classmethod
    def from_args(cls, args, default_month):
        """(filters, month_error): values that do not parse are ignored; a month that does not
        parse falls back to ``default_month`` and the error says so."""
        from portal.results.values import BadValue, parse_month

        month, error = default_month, None
        text = (args.get("month") or "").strip()
        if text:
            try:
                month = parse_month(text)
            except BadValue as bad:
                error = bad.message
            else:
                if month > LATEST_MONTH:
                    month, error = default_month, _l("Enter a month before the year 2100.")
        sort = args.get("sort") if args.get("sort") in SORTS else "name"
        period = args.get("period") if args.get("period") in PERIODS else "month"
        return cls(
            month=month,
            territory_id=_id(args, "territory"), channel_type_id=_id(args, "channel_type"),
            tier_id=_id(args, "tier"), product_line_id=_id(args, "product_line"),
            sort=sort, period=period,
        ), error

    def to_args(self, **changes):
        """The filters as query-string args (for links between the dashboard's pages)."""
        from portal.results.values import month_value

        values = replace(self, **changes) if changes else self
        args = {"month": month_value(values.month), "territory": values.territory_id,
                "channel_type": values.channel_type_id, "tier": values.tier_id,
                "product_line": values.product_line_id,
                "sort": values.sort if values.sort != "name" else None,
                "period": values.period if values.period != "month" else None}
        return {k: v for k, v in args.items() if v}

    @property
    def narrowed(self):
        return bool(self.territory_id or self.channel_type_id or self.tier_id or self.product_line_id)


def _id(args, name):
    """A record id from the query string, or None (ids are positive 32-bit integers)."""
    value = args.get(name, type=int)
    return value if value and 0 < value < 2**31 else None


# ---- figures ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Figures:
    """Month-to-date (the chosen month) and year-to-date (January to the chosen month) sums."""

    target: Decimal = ZERO
    sales: Decimal = ZERO
    collected: Decimal = ZERO
    target_ytd: Decimal = ZERO
    sales_ytd: Decimal = ZERO
    collected_ytd: Decimal = ZERO

    @property
    def progress(self):
        return percent(self.sales, self.target)

    @property
    def progress_ytd(self):
        return percent(self.sales_ytd, self.target_ytd)

    def add(self, other):
        for name in ("target", "sales", "collected", "target_ytd", "sales_ytd", "collected_ytd"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


@dataclass(slots=True)
class PartnerRow:
    id: int
    name: str
    province_id: int | None
    city_id: int | None
    channel_type_id: int | None
    tier_id: int | None
    status: str
    figures: Figures
    lines: int = 0  # PSI lines reported for the month

    @property
    def reported(self):
        return self.lines > 0


@dataclass
class Group:
    key: int | None
    label: str
    partners: int = 0
    figures: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class TrendPoint:
    month: date
    target: Decimal
    sales: Decimal
    collected: Decimal

    @property
    def progress(self):
        return percent(self.sales, self.target)


@dataclass(frozen=True)
class BehindRow:
    partner: PartnerRow
    gap: Decimal | None  # expected − progress, in points; None without a target


# ---- set-based statements ---------------------------------------------------------------------


def scope(user, filters):
    """A select of the ids of the partners in the figures: those ``user`` may see, narrowed by
    territory (a province includes its cities), channel type and tier."""
    query = visible_partners(user).with_only_columns(Partner.id)
    if filters.territory_id:
        query = query.where(sa.or_(Partner.province_id == filters.territory_id,
                                   Partner.city_id == filters.territory_id))
    if filters.channel_type_id:
        query = query.where(Partner.channel_type_id == filters.channel_type_id)
    if filters.tier_id:
        query = query.where(Partner.tier_id == filters.tier_id)
    return query


def _month_values(first, last):
    """A subquery of one row per month from ``first`` to ``last``."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    selects = [sa.select(sa.literal(m, sa.Date).label("month")) for m in months]
    return (sa.union_all(*selects) if len(selects) > 1 else selects[0]).subquery("months")


FACT_KEYS = ("partner", "line", "province", "channel")


def _target_rows(partner_ids, last, product_line_id=None):
    """A subquery of the target rows in force by ``last``, each with ``until``: the effective
    month of the next row of the same partner and product line (None for the latest row; the
    same month when a later row of that month replaced it)."""
    until = sa.func.lead(PartnerTarget.effective_month).over(
        partition_by=(PartnerTarget.partner_id, PartnerTarget.product_line_id),
        order_by=(PartnerTarget.effective_month, PartnerTarget.id))
    rows = sa.select(PartnerTarget.partner_id, PartnerTarget.product_line_id, PartnerTarget.amount,
                     PartnerTarget.effective_month, until.label("until")).where(PartnerTarget.effective_month <= last)
    if partner_ids is not None:
        rows = rows.where(PartnerTarget.partner_id.in_(partner_ids))
    if product_line_id:
        rows = rows.where(PartnerTarget.product_line_id == product_line_id)
    return rows.subquery("target_rows")


def _facts(partner_ids, first, last, product_line_id=None, keys=("partner",)):
    """A union of figures for the months ``first``..``last``, summed per ``keys`` and month:
    (key columns…, month, target, sales, collected, lines). ``keys`` are among "partner"
    (partner_id), "line" (product_line_id; None for collections), "province" (province_id) and
    "channel" (channel_type_id) — the last two are the partner's, found by a join. The targets in
    force each month, the net sales and PSI line count (from the monthly totals), and the
    collections are each summed before they are put together. ``partner_ids`` is a select of
    ids, a list, or None for every partner."""
    assert set(keys) <= set(FACT_KEYS), keys
    zero = sa.literal(0)
    by_partner_attribute = "province" in keys or "channel" in keys

    def key_columns(partner_id, line_id):
        columns = {"partner": partner_id.label("partner_id"), "line": line_id.label("product_line_id"),
                   "province": Partner.province_id.label("province_id"),
                   "channel": Partner.channel_type_id.label("channel_type_id")}
        return [columns[key] for key in keys]

    def grouped(select, partner_id, line_id, month):
        if by_partner_attribute:
            select = select.join(Partner, Partner.id == partner_id)
        group = [c.element for c in key_columns(partner_id, line_id) if not _is_null(c.element)]
        return select.group_by(*group, month)

    totals = PsiMonthTotal
    psi = grouped(sa.select(
        *key_columns(totals.partner_id, totals.product_line_id), totals.month.label("month"),
        zero.label("target"), sa.func.sum(totals.net_sales).label("sales"),
        zero.label("collected"), sa.func.sum(totals.entries).label("lines"),
    ).where(totals.month >= first, totals.month <= last), totals.partner_id, totals.product_line_id, totals.month)
    no_line = sa.cast(sa.null(), sa.Integer)
    collections = grouped(sa.select(
        *key_columns(PaymentCollection.partner_id, no_line), PaymentCollection.month.label("month"),
        zero.label("target"), zero.label("sales"), sa.func.sum(PaymentCollection.amount).label("collected"),
        zero.label("lines"),
    ).where(PaymentCollection.month >= first, PaymentCollection.month <= last), PaymentCollection.partner_id,
        no_line, PaymentCollection.month)
    if partner_ids is not None:
        psi = psi.where(totals.partner_id.in_(partner_ids))
        collections = collections.where(PaymentCollection.partner_id.in_(partner_ids))
    if product_line_id:
        psi = psi.where(totals.product_line_id == product_line_id)
    rows = _target_rows(partner_ids, last, product_line_id)
    span_keys = key_columns(rows.c.partner_id, rows.c.product_line_id)
    if "partner" in keys:
        spans = sa.select(*span_keys, rows.c.effective_month, rows.c.until, rows.c.amount).subquery("spans")
    else:
        # Summed per key and span of months in force first (the thousands of target rows of a
        # province have a few spans), then spread over the months of their span.
        spans = sa.select(*span_keys, rows.c.effective_month, rows.c.until,
                          sa.func.sum(rows.c.amount).label("amount")).select_from(rows)
        if by_partner_attribute:
            spans = spans.join(Partner, Partner.id == rows.c.partner_id)
        spans = spans.group_by(*(c.element for c in span_keys), rows.c.effective_month,
                               rows.c.until).subquery("spans")
    span_columns = [spans.c[c.name] for c in span_keys]
    months = _month_values(first, last)
    targets = sa.select(
        *span_columns, months.c.month, sa.func.sum(spans.c.amount).label("target"),
        zero.label("sales"), zero.label("collected"), zero.label("lines"),
    ).select_from(spans).join(months, sa.and_(spans.c.effective_month <= months.c.month,
                                               sa.or_(spans.c.until.is_(None), spans.c.until > months.c.month))) \
        .group_by(*span_columns, months.c.month)
    return sa.union_all(targets, psi, collections)


def _is_null(element):
    return isinstance(element, sa.Cast) and isinstance(element.clause, sa.Null)


def _sum(column, condition=None):
    value = column if condition is None else sa.case((condition, column), else_=0)
    return sa.func.coalesce(sa.func.sum(value), 0)


def _figure_columns(facts, month, year_from=None):
    """Sums of ``facts`` for ``month`` and for the year to date (the months from ``year_from``;
    all of them when None)."""
    in_month = facts.c.month == month
    in_year = facts.c.month >= year_from if year_from is not None else None
    return (
        _sum(facts.c.target, in_month).label("target"), _sum(facts.c.sales, in_month).label("sales"),
        _sum(facts.c.collected, in_month).label("collected"), _sum(facts.c.target, in_year).label("target_ytd"),
        _sum(facts.c.sales, in_year).label("sales_ytd"), _sum(facts.c.collected, in_year).label("collected_ytd"),
        _sum(facts.c.lines, in_month).label("lines"),
    )


def _figures(row):
    return Figures(money(row.target), money(row.sales), money(row.collected), money(row.target_ytd),
                   money(row.sales_ytd), money(row.collected_ytd))


def _unrestricted(user, filters):
    """True when the scope is every partner (an admin without filters): no id list needed."""
    return user.role == "admin" and not (filters.territory_id or filters.channel_type_id or filters.tier_id)


def _month_number(day):
    """Months since year 0 of a date column (year × 12 + month), in SQL."""
    return sa.extract("year", day) * 12 + sa.extract("month", day)


def _per_partner(partner_ids, month, first=None, product_line_id=None):
    """Three subqueries, each summed per partner on its own (no union to sum again, no table of
    months): ``targets`` (target, target_ytd), ``sales`` (sales, sales_ytd, lines) and
    ``collected`` (collected, collected_ytd), for ``month`` and for the months ``first``..
    ``month`` (without ``first``, the year-to-date columns are NULL). A target row counts its
    amount once for each month of the period it is in force (from its effective month until the
    next row's)."""
    year = first is not None
    rows = _target_rows(partner_ids, month, product_line_id)
    in_force = sa.or_(rows.c.until.is_(None), rows.c.until > month)  # in the month (effective ≤ month)
    target_ytd = sa.null()
    if year:
        last_month = sa.case((in_force, month.year * 12 + month.month), else_=_month_number(rows.c.until) - 1)
        first_month = sa.case((rows.c.effective_month < first, first.year * 12 + first.month),
                              else_=_month_number(rows.c.effective_month))
        months_in_force = sa.case((last_month >= first_month, last_month - first_month + 1), else_=0)
        target_ytd = _sum(rows.c.amount * months_in_force)
    targets = sa.select(rows.c.partner_id, _sum(rows.c.amount, in_force).label("target"),
                        target_ytd.label("target_ytd")).group_by(rows.c.partner_id)

    totals = PsiMonthTotal
    psi_month = totals.month == month
    sales = sa.select(totals.partner_id, _sum(totals.net_sales, psi_month).label("sales"),
                      (_sum(totals.net_sales) if year else sa.null()).label("sales_ytd"),
                      _sum(totals.entries, psi_month).label("lines")) \
        .where(totals.month >= (first or month), totals.month <= month).group_by(totals.partner_id)
    paid = PaymentCollection
    paid_month = paid.month == month
    collected = sa.select(paid.partner_id, _sum(paid.amount, paid_month).label("collected"),
                          (_sum(paid.amount) if year else sa.null()).label("collected_ytd")) \
        .where(paid.month >= (first or month), paid.month <= month).group_by(paid.partner_id)
    if partner_ids is not None:
        sales = sales.where(totals.partner_id.in_(partner_ids))
        collected = collected.where(paid.partner_id.in_(partner_ids))
    if product_line_id:
        sales = sales.where(totals.product_line_id == product_line_id)
    return targets.subquery("targets"), sales.subquery("sales"), collected.subquery("collected")


PARTNER_COLUMNS = ("id", "name", "province_id", "city_id", "channel_type_id", "tier_id", "status")


def _partner_branch(user, filters, first=None):
    """A select of every partner in the scope with its figures (a partner without any is there):
    the columns of PARTNER_COLUMNS, then target, sales, collected, target_ytd, sales_ytd,
    collected_ytd, lines."""
    targets, sales, collected = _per_partner(_ids_or_none(user, filters), filters.month, first,
                                             filters.product_line_id)
    return scope(user, filters).with_only_columns(
        *(getattr(Partner, name) for name in PARTNER_COLUMNS),
        targets.c.target, sales.c.sales, collected.c.collected, targets.c.target_ytd, sales.c.sales_ytd,
        collected.c.collected_ytd, sales.c.lines,
    ).outerjoin(targets, targets.c.partner_id == Partner.id).outerjoin(sales, sales.c.partner_id == Partner.id) \
        .outerjoin(collected, collected.c.partner_id == Partner.id)


def _partner_row(r, year_to_date=True):
    """A PartnerRow from a row of ``_partner_branch`` (unpacked by position: it is ~5x faster than
    reading 5,000 rows' columns by name)."""
    (id_, name, province_id, city_id, channel_type_id, tier_id, status,
     target, sales, collected, target_ytd, sales_ytd, collected_ytd, lines) = r
    if year_to_date:
        figures = Figures(money(target), money(sales), money(collected), money(target_ytd), money(sales_ytd),
                          money(collected_ytd))
    else:
        figures = Figures(money(target), money(sales), money(collected), None, None, None)
    return PartnerRow(id_, name, province_id, city_id, channel_type_id, tier_id, status, figures, int(lines or 0))


def _ids_or_none(user, filters):
    return None if _unrestricted(user, filters) else scope(user, filters)


def partner_rows(user, filters, year_to_date=True):
    """Every partner in the scope with its figures (one statement, cached), sorted as
    ``filters.sort``. Without ``year_to_date`` only the month is read (the year-to-date figures
    are None)."""
    filters = replace(filters, period="month")
    return list(cached("rows", user, (filters, year_to_date)))


@computed_by("rows")
def _cached_rows(user, key):
    return _partner_rows(user, *key)


def _partner_rows(user, filters, year_to_date):
    first = year_start(filters.month) if year_to_date else None
    rows = [_partner_row(r, year_to_date) for r in db.session.execute(_partner_branch(user, filters, first))]
    return sort_rows(rows, filters.sort)


@dataclass(frozen=True)
class Overview:
    """The sums per province, per channel type and in all, and the 12-month trend."""

    by_province: dict  # {province_id: Figures}
    by_channel_type: dict  # {channel_type_id: Figures}
    totals: Figures
    trend: list


def overview(user, filters, months=TREND_MONTHS):
    """The figures per province and channel type (month and year to date) and the trend of the
    ``months`` months up to the chosen one, from ONE statement that reads each monthly total of
    those months once and sums it per province, channel type and month (never per partner)."""
    first = add_months(filters.month, -(months - 1))
    jan = year_start(filters.month)
    facts = _facts(_ids_or_none(user, filters), first, filters.month, filters.product_line_id,
                   keys=("province", "channel")).subquery("facts")
    cells = db.session.execute(
        sa.select(facts.c.province_id, facts.c.channel_type_id, facts.c.month, _sum(facts.c.target).label("target"),
                  _sum(facts.c.sales).label("sales"), _sum(facts.c.collected).label("collected"))
        .group_by(facts.c.province_id, facts.c.channel_type_id, facts.c.month)
    ).all()
    by_province, by_channel, total, by_month = {}, {}, Figures(), {}
    for cell in cells:
        month = as_date(cell.month)
        target, sales, collected = money(cell.target), money(cell.sales), money(cell.collected)
        point = by_month.setdefault(month, [ZERO, ZERO, ZERO])
        point[0] += target
        point[1] += sales
        point[2] += collected
        if month < jan:
            continue
        figures = Figures(target_ytd=target, sales_ytd=sales, collected_ytd=collected)
        if month == filters.month:
            figures.target, figures.sales, figures.collected = target, sales, collected
        for found, key in ((by_province, cell.province_id), (by_channel, cell.channel_type_id)):
            found.setdefault(key, Figures()).add(figures)
        total.add(figures)
    trend_points = [TrendPoint(m, *by_month.get(m, (ZERO, ZERO, ZERO)))
                    for m in (add_months(first, i) for i in range(months))]
    return Overview(by_province, by_channel, total, trend_points)


def _trend_points(found, first, months):
    points = []
    for index in range(months):
        month = add_months(first, index)
        r = found.get(month)
        points.append(TrendPoint(month, money(r.target if r else None), money(r.sales if r else None),
                                 money(r.collected if r else None)))
    return points


def sort_rows(rows, sort):
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.id))
    if sort == "progress":  # lowest first; partners without a target last
        return sorted(by_name, key=lambda r: (r.figures.progress is None, r.figures.progress or 0))
    if sort == "progress_desc":
        return sorted(by_name, key=lambda r: (r.figures.progress is None, -(r.figures.progress or 0)))
    if sort == "sales":
        return sorted(by_name, key=lambda r: -r.figures.sales)
    return by_name


def totals(rows):
    total = Figures()
    for row in rows:
        total.add(row.figures)
    return total


def groups(rows, key, sums, labels, none_label):
    """One Group per value of ``key`` (a PartnerRow attribute: "province_id", "channel_type_id"):
    its partners counted from ``rows``, its figures from ``sums`` ({value: Figures}); labelled
    from ``labels`` ({id: label}), ordered by label, the group without a value last."""
    counts = {}
    for row in rows:
        value = getattr(row, key)
        counts[value] = counts.get(value, 0) + 1
    found = [Group(value, labels.get(value, none_label) if value is not None else none_label, counts.get(value, 0),
                   sums.get(value) or Figures())
             for value in set(counts) | set(sums)]
    return sorted(found, key=lambda g: (g.key is None, str(g.label).casefold()))


def trend(partner_ids, filters, months=TREND_MONTHS):
    """Target, net sales and collections of each of the ``months`` months up to the chosen one,
    summed over ``partner_ids`` (a select or list of ids, or None for all), in one statement."""
    first = add_months(filters.month, -(months - 1))
    facts = _facts(partner_ids, first, filters.month, filters.product_line_id).subquery("facts")
    found = {
        as_date(r.month): r for r in db.session.execute(
            sa.select(facts.c.month, _sum(facts.c.target).label("target"), _sum(facts.c.sales).label("sales"),
                      _sum(facts.c.collected).label("collected")).group_by(facts.c.month))
    }
    return _trend_points(found, first, months)


def falling_behind(rows, expected, threshold):
    """Active partners without any PSI line this month, or whose progress is more than
    ``threshold`` points below ``expected``; the largest gap first (no target: last)."""
    behind = []
    for row in rows:
        if row.status != "active":
            continue
        progress = row.figures.progress
        gap = expected - progress if progress is not None else None
        if not row.reported or (gap is not None and gap > threshold):
            behind.append(BehindRow(row, gap))
    return sorted(behind, key=lambda b: (b.gap is None, -(b.gap or 0), b.partner.name.casefold(), b.partner.id))


# ---- outlets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutletRow:
    outlet_id: int
    name: str
    city_id: int | None
    partner_id: int
    partner_name: str
    sales: Decimal
    share: Decimal | None
    cumulative_share: Decimal | None
    purchases: int
    units: int
    closing_inventory: int | None  # None when the outlet reported nothing in the chosen month


@dataclass(frozen=True)
class KeyOutlets:
    """The outlets that make 80% of net sales: the shortest list of the best-selling outlets
    whose net sales reach 80% of all outlets' net sales. ``items`` is one page of them."""

    total_sales: Decimal
    outlets: int  # outlets with any PSI line in the period
    key_count: int
    items: list

    @property
    def key_share(self):
        return percent(self.key_count, self.outlets)


def key_outlets(user, filters, offset=0, limit=50):
    """One page of the key outlets (sorted by net sales, best first) with their PSI, for the
    chosen month or year to date; one statement (cached)."""
    filters = replace(filters, sort="name")
    return cached("outlets", user, (filters, offset, limit))


@computed_by("outlets")
def _cached_outlets(user, key):
    return _key_outlets(user, *key)


def _key_outlets(user, filters, offset, limit):
    first = year_start(filters.month) if filters.period == "year" else filters.month
    partner_ids = None if _unrestricted(user, filters) else scope(user, filters)
    lines = [PsiEntry.month >= first, PsiEntry.month <= filters.month]
    if partner_ids is not None:
        lines.append(PsiEntry.partner_id.in_(partner_ids))
    if filters.product_line_id:
        lines.append(PsiEntry.product_line_id == filters.product_line_id)
    # Every outlet is ranked by its net sales alone; the other sums are made for the page only.
    per_outlet = sa.select(PsiEntry.outlet_id, sa.func.sum(PsiEntry.sales_amount - PsiEntry.returns_amount)
                           .label("sales")).where(*lines).group_by(PsiEntry.outlet_id).subquery("per_outlet")
    order = (per_outlet.c.sales.desc(), per_outlet.c.outlet_id)
    ranked = sa.select(
        per_outlet,
        sa.func.sum(per_outlet.c.sales).over(order_by=order, rows=(None, 0)).label("running"),
        sa.func.sum(per_outlet.c.sales).over().label("total"),
        sa.func.count().over().label("outlets"),
    ).subquery("ranked")
    before = ranked.c.running - ranked.c.sales
    key = sa.select(ranked, sa.func.count().over().label("key_count")).where(
        ranked.c.sales > 0, before * KEY_SHARE[1] < ranked.c.total * KEY_SHARE[0]).subquery("key")
    # The page is cut before the outlets' names and other sums are joined: thousands of key outlets, 50 shown.
    page = sa.select(key).order_by(key.c.sales.desc(), key.c.outlet_id).offset(offset).limit(limit).subquery("page")
    in_month = PsiEntry.month == filters.month
    rows = db.session.execute(
        sa.select(page, sa.func.sum(PsiEntry.purchases).label("purchases"), sa.func.sum(PsiEntry.sales).label("units"),
                  sa.func.sum(sa.case((in_month, PsiEntry.closing_inventory))).label("closing_inventory"),
                  Outlet.name, Outlet.city_id, Outlet.partner_id, Partner.name.label("partner_name"))
        .select_from(sa.join(page, PsiEntry, sa.and_(PsiEntry.outlet_id == page.c.outlet_id, *lines))
                     .join(Outlet, Outlet.id == page.c.outlet_id).join(Partner, Partner.id == Outlet.partner_id))
        .group_by(*page.c, Outlet.id, Partner.id)
        .order_by(page.c.sales.desc(), page.c.outlet_id)
    ).all()
    if not rows:
        summary = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(per_outlet.c.sales), 0), sa.func.count())
            .select_from(per_outlet)).one()
        return KeyOutlets(money(summary[0]), summary[1], 0 if offset == 0 else _key_count(key), [])
    total = money(rows[0].total)
    items = [
        OutletRow(outlet_id=r.outlet_id, name=r.name, city_id=r.city_id, partner_id=r.partner_id,
                  partner_name=r.partner_name, sales=money(r.sales), share=percent(money(r.sales), total),
                  cumulative_share=percent(money(r.running), total), purchases=int(r.purchases or 0),
                  units=int(r.units or 0),
                  closing_inventory=int(r.closing_inventory) if r.closing_inventory is not None else None)
        for r in rows
    ]
    return KeyOutlets(total, int(rows[0].outlets), int(rows[0].key_count), items)


def _key_count(key):
    return db.session.scalar(sa.select(sa.func.count()).select_from(key))


# ---- labels -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Names for the ids in the figures, and the choices of the filter form (four statements)."""

    territories: dict
    territory_choices: list
    channel_types: dict
    channel_type_items: list
    tiers: dict
    tier_items: list
    product_lines: dict
    product_line_items: list


def labels():
    territories = db.session.scalars(sa.select(Territory).order_by(Territory.code)).all()
    by_id = {t.id: t.label for t in territories}
    choices = territory_choices(territories)

    def items(model):
        found = db.session.scalars(sa.select(model).order_by(model.position, model.code)).all()
        return {i.id: i.label for i in found}, [i for i in found if i.active]

    channel_types, channel_items = items(ChannelType)
    tiers, tier_items = items(PartnerTier)
    product_lines, line_items = items(ProductLine)
    return Labels(by_id, choices, channel_types, channel_items, tiers, tier_items, product_lines, line_items)


# ---- the dashboard ----------------------------------------------------------------------------


@dataclass
class Dashboard:
    filters: Filters
    rows: list
    totals: Figures
    by_province: list
    by_channel_type: list
    trend: list
    expected: Decimal
    behind: list
    top_outlets: KeyOutlets


def dashboard(user, filters, today, threshold, names, outlets=10):
    """Everything the overview page shows, in four statements (cached together): the groups and
    the trend, each partner's month (for the partners falling behind), the best-selling outlets,
    and the labels (given as ``names``: they are in the user's language, so never cached)."""
    month_only = replace(filters, period="month")
    expected = expected_progress(filters.month, today)
    rows, sums, behind, top_outlets = cached("dashboard", user, (month_only, today, threshold, outlets))
    return Dashboard(
        filters=filters, rows=list(rows), totals=sums.totals,
        by_province=groups(rows, "province_id", sums.by_province, names.territories, _l("No province")),
        by_channel_type=groups(rows, "channel_type_id", sums.by_channel_type, names.channel_types,
                               _l("No channel type")),
        trend=sums.trend, expected=expected, behind=list(behind), top_outlets=top_outlets,
    )


@computed_by("dashboard")
def _dashboard_figures(user, key):
    month_only, today, threshold, outlets = key
    rows = _partner_rows(user, month_only, year_to_date=False)
    expected = expected_progress(month_only.month, today)
    behind = falling_behind(rows, expected, threshold) if month_only.month <= today.replace(day=1) else []
    return rows, overview(user, month_only), behind, _key_outlets(user, month_only, 0, outlets)


# ---- a partner's own figures ------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    product_line_id: int | None
    figures: Figures


@dataclass(frozen=True)
class OwnOutletRow:
    outlet_id: int
    name: str
    city_id: int | None
    active: bool
    sales: Decimal
    sales_ytd: Decimal
    share: Decimal | None
    purchases: int
    units: int
    closing_inventory: int | None
    reported: bool


@dataclass(frozen=True)
class OwnFigures:
    month: date
    totals: Figures
    by_line: list
    by_outlet: list
    trend: list
    band: str | None  # "top", "middle", "bottom"; None without a target this month
    reported: bool


def own_figures(partner, month):
    """The partner's own figures for ``month``: totals, per product line, per outlet, the 12-month
    trend and its rank band. A fixed number of statements."""
    filters = Filters(month=month)
    ids = [partner.id]
    facts = _facts(ids, year_start(month), month, keys=("line",)).subquery("facts")
    by_line = {}
    lines = 0
    for r in db.session.execute(sa.select(facts.c.product_line_id, *_figure_columns(facts, month))
                                .group_by(facts.c.product_line_id)):
        by_line[r.product_line_id] = _figures(r)
        lines += int(r.lines or 0)
    total = Figures()
    for figures in by_line.values():
        total.add(figures)
    line_rows = [LineRow(k, v) for k, v in by_line.items() if k is not None]
    return OwnFigures(month=month, totals=total, by_line=line_rows, by_outlet=_own_outlets(partner, month),
                      trend=trend(ids, filters), band=rank_band(partner, month), reported=lines > 0)


def _own_outlets(partner, month):
    net = PsiEntry.sales_amount - PsiEntry.returns_amount
    in_month = PsiEntry.month == month
    per_outlet = sa.select(
        PsiEntry.outlet_id, _sum(net, in_month).label("sales"), _sum(net).label("sales_ytd"),
        _sum(PsiEntry.purchases, in_month).label("purchases"), _sum(PsiEntry.sales, in_month).label("units"),
        sa.func.sum(sa.case((in_month, PsiEntry.closing_inventory))).label("closing_inventory"),
        _sum(sa.case((in_month, 1), else_=0)).label("lines"),
    ).where(PsiEntry.partner_id == partner.id, PsiEntry.month >= year_start(month), PsiEntry.month <= month) \
        .group_by(PsiEntry.outlet_id).subquery("per_outlet")
    rows = db.session.execute(
        sa.select(Outlet.id, Outlet.name, Outlet.city_id, Outlet.active, per_outlet)
        .outerjoin(per_outlet, per_outlet.c.outlet_id == Outlet.id)
        .where(Outlet.partner_id == partner.id, sa.or_(Outlet.active.is_(True), per_outlet.c.outlet_id.is_not(None)))
    ).all()
    month_total = sum((money(r.sales) for r in rows), ZERO)
    result = [
        OwnOutletRow(outlet_id=r.id, name=r.name, city_id=r.city_id, active=r.active, sales=money(r.sales),
                     sales_ytd=money(r.sales_ytd), share=percent(money(r.sales), month_total),
                     purchases=int(r.purchases or 0), units=int(r.units or 0),
                     closing_inventory=int(r.closing_inventory) if r.closing_inventory is not None else None,
                     reported=bool(r.lines))
        for r in rows
    ]
    return sorted(result, key=lambda o: (-o.sales, o.name.casefold(), o.outlet_id))


def rank_band(partner, month):
    """Where the partner's month progress stands among the active partners of its channel type
    with a target that month: "top" when fewer than 20% of them are strictly ahead, "bottom"
    when fewer than 20% are strictly behind, else "middle". None when the partner has no target
    this month (or no channel type). Only the band leaves this function."""
    if partner.channel_type_id is None:
        return None
    # The peers' progress is the same for every partner of the channel type (cached once for all
    # of them); a partner that is not active is compared with the active ones too.
    extra = None if partner.status == "active" else partner.id
    progress = cached("peers", None, (partner.channel_type_id, month, extra))
    mine = progress.get(partner.id)
    if mine is None:
        return None
    count = len(progress)
    ahead = sum(1 for v in progress.values() if v > mine)
    behind = sum(1 for v in progress.values() if v < mine)
    if ahead < BAND_SHARE * count:
        return "top"
    if behind < BAND_SHARE * count:
        return "bottom"
    return "middle"


@computed_by("peers")
def _cached_peers(_user, key):
    return _peer_progress(*key)


def _peer_progress(channel_type_id, month, extra_id=None):
    """{partner id: month progress} of the active partners of the channel type (and of
    ``extra_id``) with a target in ``month``."""
    peers = sa.select(Partner.id).where(Partner.channel_type_id == channel_type_id,
                                        sa.or_(Partner.status == "active", Partner.id == extra_id))
    targets, sales, _collected = _per_partner(peers, month)
    progress = {}
    for r in db.session.execute(
        sa.select(targets.c.partner_id, targets.c.target, sales.c.sales)
        .outerjoin(sales, sales.c.partner_id == targets.c.partner_id)
    ):
        value = percent(money(r.sales), money(r.target))
        if value is not None:
            progress[r.partner_id] = value
    return progress
