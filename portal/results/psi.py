"""Purchase-sales-inventory reports (进销存, PSI): a partner's monthly figures per outlet and
product line, entered by form or imported from a CSV/Excel file.

One row per outlet, product line and business month (Beijing time): submitting the same
outlet, product line and month again replaces the figures of that row (PsiEntry is Audited,
so every replaced figure is in the audit trail, old -> new); there is never a second row.
Submissions of one partner are serialised by locking the partner's row.

When an outlet whose city lies outside the partner's territories reports sales, a
cross-territory conflict case (窜货) is opened automatically with the partner as respondent,
once per partner, outlet and month.

``import_reports`` is all or nothing: every row is checked first; if any row is wrong nothing
is saved and every error is returned by row number and by the column name as in the file.

The monthly totals (``PsiMonthTotal``: one row per partner, product line and month, what the
dashboard reads) follow the lines: whenever PSI lines are inserted, changed or deleted through
the session, the flush recomputes the totals of the (partner, product line, month) keys it
touched from ``psi_entry``, in the same transaction (``_keep_totals``), so they cannot drift.
Rows written around the session (bulk ``INSERT``, ``COPY``, raw SQL) must call
``refresh_totals`` or ``rebuild_totals`` (``flask rebuild-psi-totals``) afterwards; as they write
through the session, their commit also renews the version the dashboard caches its figures under
(portal.results.models.FiguresVersion).
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, selectinload

from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_month, business_zone
from portal.core.permissions import can_view_partner, has_permission
from portal.core.spreadsheets import SpreadsheetError, column_letter, read_table, unescape_cell
from portal.extensions import db
from portal.partners.models import Outlet, Partner
from portal.reference.models import ProductLine
from portal.results.models import PsiEntry, PsiMonthTotal
from portal.results.values import (
    EARLIEST_MONTH, BadValue, month_value, parse_count, parse_moment, parse_money, parse_month,
)

MAX_ROWS = 5000
COUNT_FIELDS = ("purchases", "sales", "closing_inventory")
MONEY_FIELDS = ("sales_amount", "returns_amount")
FIGURES = ("purchases", "sales", "sales_amount", "returns_amount", "closing_inventory")
REQUIRED_FIGURES = ("purchases", "sales", "sales_amount", "closing_inventory")
CASE_KEY_RE = re.compile(r"\[PSI-(\d+)-(\d+)-(\d{4}-\d{2})\]")


# ---- the figures --------------------------------------------------------------------------------


def clean_figures(data):
    """{field: value} of the five figures from text (or numbers): counts as int, amounts as
    Decimal; returns amount may be empty (0). Raises ValidationError naming each bad field."""
    errors, values = {}, {}
    for name in FIGURES:
        raw = data.get(name)
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if empty and name == "returns_amount":
            values[name] = parse_money("0")
            continue
        if empty:
            errors[name] = [REQUIRED_MESSAGES[name]]
            continue
        try:
            values[name] = parse_count(raw) if name in COUNT_FIELDS else parse_money(raw)
        except BadValue as error:
            errors[name] = [error.message]
    if errors:
        raise ValidationError(errors)
    return values


REQUIRED_MESSAGES = {
    "purchases": _l("Enter the units purchased (0 if none)."),
    "sales": _l("Enter the units sold (0 if none)."),
    "sales_amount": _l("Enter the sales amount in yuan (0 if none)."),
    "closing_inventory": _l("Enter the units in stock at the end of the month."),
}


def check_month(month, now=None):
    """``month`` (a first-of-month date) if it has begun (Beijing time); DomainError on "month"."""
    now = now or datetime.now(timezone.utc)
    if month is None:
        raise DomainError(_l("Enter the month as YYYY-MM."), field="month")
    if month < EARLIEST_MONTH:
        raise DomainError(_l("Enter a month from January 2000 on."), field="month")
    if month > business_month(now):
        raise DomainError(_l("The month %(month)s has not begun yet: report a month that has.",
                             month=month_value(month)), field="month")
    return month


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _require_reporter(partner, actor):
    if not has_permission(actor, "results.report") or actor.partner_id != partner.id \
            or not can_view_partner(actor, partner):
        raise DomainError(_l("Only the partner's own users may report its figures."))


def _lock_partner(partner):
    """Serialise the PSI writes of one partner (PostgreSQL row lock; SQLite writes are serial)."""
    db.session.execute(sa.select(Partner.id).where(Partner.id == partner.id).with_for_update())


# ---- saving -------------------------------------------------------------------------------------


@dataclass
class Line:
    """One report to save: checked references and cleaned figures."""

    outlet: Outlet
    product_line: ProductLine
    month: object
    figures: dict
    occurred_at: datetime | None = None
    row: int | None = None


@dataclass
class SaveResult:
    entries: list = field(default_factory=list)
    replaced: int = 0
    cases: list = field(default_factory=list)


def _store(partner, lines, actor, source):
    """Insert or replace the entries of ``lines`` (already checked), then open the territory
    cases they call for. Returns a SaveResult. The monthly totals of the keys written are
    recomputed in the flush (``_keep_totals``)."""
    result = SaveResult()
    if not lines:
        return result
    outlet_ids = {line.outlet.id for line in lines}
    months = {line.month for line in lines}
    existing = {
        (e.outlet_id, e.product_line_id, e.month): e
        for e in db.session.scalars(
            sa.select(PsiEntry).where(PsiEntry.partner_id == partner.id, PsiEntry.outlet_id.in_(outlet_ids),
                                      PsiEntry.month.in_(months)))
    }
    for line in lines:
        key = (line.outlet.id, line.product_line.id, line.month)
        entry = existing.get(key)
        if entry is None:
            entry = PsiEntry(partner_id=partner.id, outlet_id=line.outlet.id, product_line_id=line.product_line.id,
                             month=line.month)
            db.session.add(entry)
            existing[key] = entry
        else:
            result.replaced += 1
        for name in FIGURES:
            setattr(entry, name, line.figures[name])
        entry.occurred_at = line.occurred_at
        entry.source = source
        entry.submitted_by_id = actor.id
        entry.outlet = line.outlet
        entry.product_line = line.product_line
        result.entries.append(entry)
    db.session.flush()
    result.cases = open_territory_cases(partner, result.entries)
    return result


def submit_report(partner, outlet_id, product_line_id, month, figures, actor, now=None):
    """A partner user reports one outlet's figures of one product line for one month (by form).
    Resubmitting the same outlet, product line and month replaces the figures. Returns a
    SaveResult: ``entries`` (the one entry), ``replaced`` (1 if earlier figures were replaced)
    and ``cases`` (a cross-territory case opened, if any). ``month`` is a first-of-month date or text ("2026-11"). Raises
    ValidationError naming ``outlet_id``, ``product_line_id``, ``month`` and the figures. The
    caller commits."""
    _require_reporter(partner, actor)
    _lock_partner(partner)
    errors = {}
    outlet = db.session.scalar(
        sa.select(Outlet).where(Outlet.id == outlet_id, Outlet.partner_id == partner.id)
        .options(selectinload(Outlet.city))
    ) if _is_id(outlet_id) else None
    if outlet is None:
        errors["outlet_id"] = [_l("Choose one of your outlets.")]
    elif not outlet.active:
        errors["outlet_id"] = [_l("The outlet %(name)s is closed: reopen it before reporting its figures.",
                                  name=outlet.name)]
    line = db.session.get(ProductLine, product_line_id) if _is_id(product_line_id) else None
    if line is None or not line.active:
        errors["product_line_id"] = [_l("Choose a product line.")]
    try:
        month = check_month(parse_month(month) if isinstance(month, str) else month, now)
    except (BadValue, DomainError) as error:
        errors["month"] = [error.message]
    try:
        values = clean_figures(figures)
    except ValidationError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return _store(partner, [Line(outlet, line, month, values)], actor, "form")


def existing_entry(partner, outlet_id, product_line_id, month):
    """The entry a new submission would replace, if any."""
    if not (_is_id(outlet_id) and _is_id(product_line_id) and month):
        return None
    return db.session.scalar(
        sa.select(PsiEntry).where(PsiEntry.partner_id == partner.id, PsiEntry.outlet_id == outlet_id,
                                  PsiEntry.product_line_id == product_line_id, PsiEntry.month == month))


# ---- monthly totals -----------------------------------------------------------------------------

KEY_FIELDS = ("partner_id", "product_line_id", "month")
TOTAL_COLUMNS = ("partner_id", "product_line_id", "month", "purchases", "sales", "sales_amount", "returns_amount",
                 "net_sales", "closing_inventory", "entries")


def _totals_of(condition=None):
    """An INSERT of the totals of the PSI lines matching ``condition`` (all lines when None),
    summed per partner, product line and month."""
    lines = PsiEntry.__table__.c
    select = sa.select(
        lines.partner_id, lines.product_line_id, lines.month, sa.func.sum(lines.purchases),
        sa.func.sum(lines.sales), sa.func.sum(lines.sales_amount), sa.func.sum(lines.returns_amount),
        sa.func.sum(lines.sales_amount - lines.returns_amount), sa.func.sum(lines.closing_inventory),
        sa.func.count(),
    ).group_by(lines.partner_id, lines.product_line_id, lines.month)
    if condition is not None:
        select = select.where(condition)
    return sa.insert(PsiMonthTotal.__table__).from_select(TOTAL_COLUMNS, select)


def refresh_totals(keys, connection=None):
    """Recompute from ``psi_entry`` the monthly totals of ``keys`` ((partner id, product line id,
    month) triples): the old totals of those keys are deleted and the sums of their lines
    inserted, so a key without lines left has no total. Per partner, every product line × month
    among its keys is recomputed (a few more keys than asked at most: always correct). Runs on
    ``connection`` (the flush's) or the session's; the caller commits."""
    by_partner = {}
    for partner_id, product_line_id, month in keys:
        if partner_id is None or product_line_id is None or month is None:
            continue
        line_ids, months = by_partner.setdefault(partner_id, (set(), set()))
        line_ids.add(product_line_id)
        months.add(month)
    if connection is None:
        db.session.flush()
    run = connection.execute if connection is not None else db.session.execute
    totals, lines = PsiMonthTotal.__table__.c, PsiEntry.__table__.c
    for partner_id, (line_ids, months) in sorted(by_partner.items()):
        run(sa.delete(PsiMonthTotal.__table__).where(
            totals.partner_id == partner_id, totals.product_line_id.in_(sorted(line_ids)),
            totals.month.in_(sorted(months))))
        run(_totals_of(sa.and_(lines.partner_id == partner_id, lines.product_line_id.in_(sorted(line_ids)),
                               lines.month.in_(sorted(months)))))


def rebuild_totals(partner_ids=None):
    """Recompute every monthly total from ``psi_entry`` (of the partners ``partner_ids`` only,
    when given). Returns the number of totals on file for them afterwards. The caller commits."""
    db.session.flush()
    table = PsiMonthTotal.__table__
    if partner_ids is None:
        db.session.execute(sa.delete(table))
        db.session.execute(_totals_of())
        return db.session.scalar(sa.select(sa.func.count()).select_from(table))
    ids = sorted(set(partner_ids))
    if not ids:
        return 0
    db.session.execute(sa.delete(table).where(table.c.partner_id.in_(ids)))
    db.session.execute(_totals_of(PsiEntry.__table__.c.partner_id.in_(ids)))
    return db.session.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.partner_id.in_(ids)))


def _key(entry, before=False):
    """The entry's (partner, product line, month); with ``before``, as it was when loaded."""
    state = inspect(entry)
    values = []
    for name in KEY_FIELDS:
        history = state.attrs[name].load_history() if before else None
        if before and history.deleted:
            values.append(history.deleted[0])
        else:
            values.append(getattr(entry, name))
    return tuple(values)


def _old_value_loaded(target, value, oldvalue, initiator):
    """Nothing to do: listening with ``active_history`` makes SQLAlchemy load the value a key
    field had before it is set (even on an expired line), so the flush knows the key left."""


for _name in KEY_FIELDS:
    event.listen(getattr(PsiEntry, _name), "set", _old_value_loaded, active_history=True)


@event.listens_for(Session, "before_flush")
def _note_old_keys(session, flush_context, instances):
    """The keys PSI lines leave (changed or deleted lines), read while their rows still exist."""
    old = [_key(obj, before=True) for obj in (*session.dirty, *session.deleted)
           if isinstance(obj, PsiEntry) and (obj in session.deleted or session.is_modified(obj))]
    if old:
        session.info.setdefault("psi_total_keys", set()).update(old)


@event.listens_for(Session, "after_flush")
def _keep_totals(session, flush_context):
    """Recompute the monthly totals of every key touched by the PSI lines of this flush (their
    foreign keys are set by now), in the flush's transaction."""
    keys = session.info.pop("psi_total_keys", set())
    keys.update(_key(obj) for obj in (*session.new, *session.dirty) if isinstance(obj, PsiEntry))
    if keys:
        refresh_totals(keys, session.connection())


# ---- territory ----------------------------------------------------------------------------------


def coverage(partner):
    """The territory ids that cover a city for ``partner``: its agreed territories (a province
    covers its cities); a partner with none on file is taken to cover its own city, or its
    province. Empty when nothing is known (then no case is opened)."""
    ids = {t.id for t in partner.territories}
    if not ids:
        ids = {partner.city_id} if partner.city_id else ({partner.province_id} if partner.province_id else set())
    return ids


def outside_territory(partner, outlet, covered=None):
    """True when the outlet's city is known and not covered by the partner's territories."""
    covered = coverage(partner) if covered is None else covered
    city = outlet.city
    if city is None or not covered:
        return False
    return city.id not in covered and city.parent_id not in covered


def case_key(partner_id, outlet_id, month):
    """The reference written in an automatic case's description: one case per partner, outlet
    and month."""
    return f"[PSI-{partner_id}-{outlet_id}-{month_value(month)}]"


def _existing_case_keys(partner):
    from portal.conflicts.models import CaseParty, ConflictCase

    descriptions = db.session.scalars(
        sa.select(ConflictCase.description).join(CaseParty, CaseParty.case_id == ConflictCase.id)
        .where(CaseParty.partner_id == partner.id, ConflictCase.kind == "cross_territory",
               ConflictCase.origin == "psi_territory")
    )
    keys = set()
    for text in descriptions:
        keys.update(f"[PSI-{m.group(1)}-{m.group(2)}-{m.group(3)}]" for m in CASE_KEY_RE.finditer(text or ""))
    return keys


def _bilingual(message, **params):
    """The text in English and in Chinese (once, if the catalogue has no translation yet): an
    automatic case is read by people of either language."""
    texts = []
    for locale in ("en", "zh_CN"):
        with force_locale(locale):
            values = {k: (v() if callable(v) else v) for k, v in params.items()}
            text = str(message) % values if values else str(message)
        if text not in texts:
            texts.append(text)
    return texts


def open_territory_cases(partner, entries):
    """Open a cross-territory case for each outlet and month among ``entries`` that reports
    sales from a city outside the partner's territories, unless one is already on file for
    that partner, outlet and month. Returns the cases opened."""
    from portal.conflicts.services import open_case

    covered = coverage(partner)
    candidates = {}
    for entry in entries:
        if (entry.sales or entry.sales_amount) and outside_territory(partner, entry.outlet, covered):
            candidates.setdefault((entry.outlet_id, entry.month), entry)
    if not candidates:
        return []
    known = _existing_case_keys(partner)
    opened = []
    for (outlet_id, month), entry in sorted(candidates.items(), key=lambda item: (item[0][1], item[0][0])):
        key = case_key(partner.id, outlet_id, month)
        if key in known:
            continue
        outlet = entry.outlet
        city = outlet.city
        params = {"partner": partner.name, "outlet": outlet.name, "month": month_value(month),
                  "city": lambda: city.full_label}
        title = " / ".join(_bilingual(_l("Sales outside the territory: %(outlet)s, %(month)s"), **params))[:200]
        description = "\n\n".join(
            _bilingual(_l("%(partner)s reported sales for %(month)s at its outlet %(outlet)s in %(city)s, a city "
                          "outside the territories of its agreement. This case was opened automatically from the "
                          "purchase-sales-inventory report."), **params)
        ) + "\n\n" + key
        opened.append(open_case("cross_territory", "psi_territory", title, description,
                                parties=[(partner, "respondent")], opened_by=None))
        known.add(key)
    return opened


# ---- import: the columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy English label: the column name in English files and on screen
    zh: str  # the column name in Chinese files
    aliases: tuple = ()
    required: bool = False
    help: object = None
    in_template: bool = True


COLUMNS = (
    Column("month", _l("Month"), "月份", ("business month", "report month", "报表月份", "月"),
           help=_l("The month of the figures, as YYYY-MM (e.g. 2026-11). Either this column or “Date and time” "
                   "is required.")),
    Column("moment", _l("Date and time"), "日期时间",
           ("date", "time", "datetime", "date time", "sold at", "日期", "时间", "销售时间", "销售日期"),
           help=_l("Instead of the month: a date and time in Beijing time (e.g. 2026-11-01 00:30); the figures go "
                   "to the month of that time in Beijing."), in_template=False),
    Column("outlet", _l("Outlet"), "网点", ("outlet name", "outlet id", "网点名称", "网点编号", "门店", "store"),
           required=True, help=_l("The name or the number of one of your open outlets.")),
    Column("product_line", _l("Product line"), "产品线", ("product", "product line code", "产品", "产品线编码"),
           required=True, help=_l("The product line's code or name, in Chinese or English.")),
    Column("purchases", _l("Purchases"), "进货", ("purchased", "purchase units", "进货量", "进货数量"), required=True,
           help=_l("Units received in the month: a whole number, 0 or more.")),
    Column("sales", _l("Sales"), "销量", ("sales units", "units sold", "销售量", "销售数量"), required=True,
           help=_l("Units sold in the month: a whole number, 0 or more.")),
    Column("sales_amount", _l("Sales amount"), "销售额", ("sales amount cny", "amount", "revenue", "销售金额"),
           required=True, help=_l("In yuan, with at most two decimals, e.g. 12800.50.")),
    Column("returns_amount", _l("Returns amount"), "退货额", ("returns", "returns amount cny", "退货金额"),
           help=_l("Sales returned in the month, in yuan. Leave empty for none.")),
    Column("closing_inventory", _l("Closing inventory"), "库存",
           ("inventory", "stock", "closing stock", "期末库存", "库存量"), required=True,
           help=_l("Units in stock at the end of the month: a whole number, 0 or more.")),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it: the header is row 1
    column: str  # as in the file's header
    message: str


@dataclass
class ImportResult:
    saved: SaveResult | None = None
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


def chinese():
    return str(get_locale() or "en").startswith("zh")


def header(column):
    """The column's name in the current user's language."""
    return column.zh if chinese() else str(column.label)


def normalise_header(text):
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    text = re.sub(r"[(\[【].*?[)\]】]", "", text)  # "Sales amount (CNY)", "销售额(元)"
    return re.sub(r"[\s_\-*:.]+", "", text)


def _header_lookup():
    lookup = {}
    for column in COLUMNS:
        names = {column.key, column.zh, *column.aliases}
        for locale in ("en", "zh_CN"):
            with force_locale(locale):
                names.add(str(column.label))
        for name in names:
            lookup[normalise_header(name)] = column
    return lookup


def describe_columns():
    """The columns for the import page, in the user's language."""
    return [{"name": header(c), "other": str(c.label) if chinese() else c.zh, "key": c.key,
             "required": c.required, "help": c.help} for c in COLUMNS]


def template_headers():
    return [header(c) for c in COLUMNS if c.in_template]


def _map_headers(headers, rows):
    """{column key: index}, {column key: name in the file} and the header errors (row 1)."""
    lookup = _header_lookup()
    mapping, names, errors = {}, {}, []
    for index, name in enumerate(headers):
        if not name:
            if any(index < len(r) and r[index] for r in rows):
                errors.append(RowError(1, _("column %(letter)s", letter=column_letter(index)),
                                       _("This column has values but no name in the first row.")))
            continue
        column = lookup.get(normalise_header(name))
        if column is None:
            errors.append(RowError(1, name, _("Unknown column. The columns that can be imported are: %(names)s.",
                                              names=", ".join(header(c) for c in COLUMNS))))
        elif column.key in mapping:
            errors.append(RowError(1, name, _("This column appears twice (as “%(other)s”).",
                                              other=names[column.key])))
        else:
            mapping[column.key] = index
            names[column.key] = name
    for column in COLUMNS:
        if column.required and column.key not in mapping:
            errors.append(RowError(1, header(column), _("This column is required but missing from the file.")))
    if "month" not in mapping and "moment" not in mapping:
        errors.append(RowError(1, header(COLUMNS_BY_KEY["month"]),
                               _("Give the month of the figures in a “%(month)s” column, or their date and time in a "
                                 "“%(moment)s” column.", month=header(COLUMNS_BY_KEY["month"]),
                                 moment=header(COLUMNS_BY_KEY["moment"]))))
    return mapping, names, errors


# ---- import: the rows ----------------------------------------------------------------------------


def _norm(text):
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


class _Reference:
    """The partner's outlets and the product lines, loaded once per import."""

    def __init__(self, partner):
        outlets = db.session.scalars(
            sa.select(Outlet).where(Outlet.partner_id == partner.id).order_by(Outlet.active.desc(), Outlet.id)
            .options(selectinload(Outlet.city))
        ).all()
        self.outlets_by_id = {o.id: o for o in outlets}
        self.outlets_by_name = {}
        for outlet in outlets:  # open outlets first: a closed namesake does not hide an open outlet
            self.outlets_by_name.setdefault(_norm(outlet.name), outlet)
        lines = db.session.scalars(sa.select(ProductLine).where(ProductLine.active.is_(True))
                                   .order_by(ProductLine.position, ProductLine.code)).all()
        self.lines = {}
        for line in lines:
            for name in (line.code, line.name_en, line.name_zh):
                if name:
                    self.lines.setdefault(_norm(name), line)
        self.line_names = [line.label for line in lines]

    def outlet(self, text):
        outlet = self.outlets_by_name.get(_norm(text))
        if outlet is None and re.fullmatch(r"\d{1,12}", _norm(text)):
            outlet = self.outlets_by_id.get(int(_norm(text)))
        return outlet

    def line(self, text):
        return self.lines.get(_norm(text))


def _parse_row(number, values, reference, now, fail):
    """A Line from one row's text values, or None; problems go to ``fail(key, message)``."""
    outlet = line = month = occurred_at = None
    text = values.get("outlet", "")
    if not text:
        fail("outlet", _("Enter the outlet's name or number."))
    else:
        outlet = reference.outlet(text)
        if outlet is None:
            fail("outlet", _("“%(name)s” is not one of your outlets.", name=text))
            outlet = None
        elif not outlet.active:
            fail("outlet", _("The outlet %(name)s is closed: reopen it before reporting its figures.",
                             name=outlet.name))
            outlet = None
    text = values.get("product_line", "")
    if not text:
        fail("product_line", _("Enter the product line."))
    else:
        line = reference.line(text)
        if line is None:
            fail("product_line", _("Unknown product line “%(name)s”. Known product lines: %(names)s.",
                                   name=text, names=", ".join(reference.line_names)))
    moment_text, month_text = values.get("moment", ""), values.get("month", "")
    if moment_text:
        try:
            occurred_at = parse_moment(moment_text, business_zone())
        except BadValue as error:
            fail("moment", str(error.message))
        else:
            if occurred_at > now:
                fail("moment", _("This date and time is in the future."))
                occurred_at = None
            else:
                month = business_month(occurred_at)
    if month_text:
        try:
            given = parse_month(month_text)
        except BadValue as error:
            fail("month", str(error.message))
        else:
            if given > business_month(now):
                fail("month", _("The month %(month)s has not begun yet: report a month that has.",
                                month=month_value(given)))
            elif month is not None and given != month:
                fail("month", _("The month %(month)s does not match the date and time given (%(other)s in Beijing "
                                "time).", month=month_value(given), other=month_value(month)))
            elif not moment_text:
                month = given
    elif not moment_text:
        fail("month" if "month" in values else "moment", _("Enter the month as YYYY-MM."))
    figures = {}
    for key in FIGURES:
        raw = values.get(key, "")
        if not raw:
            if key == "returns_amount":
                figures[key] = parse_money("0")
            else:
                fail(key, str(REQUIRED_MESSAGES[key]))
            continue
        try:
            figures[key] = parse_count(raw) if key in COUNT_FIELDS else parse_money(raw)
        except BadValue as error:
            fail(key, str(error.message))
    if outlet is None or line is None or month is None or len(figures) != len(FIGURES):
        return None
    return Line(outlet, line, month, figures, occurred_at, row=number)


def import_reports(data, filename, partner, actor, now=None, max_rows=None):
    """Save a PSI entry from every row of a CSV or .xlsx file, or none at all.

    Returns an ImportResult: ``saved`` (a SaveResult: entries, how many replaced earlier figures,
    cases opened), or the ``errors`` of every bad row. A file that cannot be read at all raises
    DomainError on the field "file". When the result has errors the caller must roll back
    (nothing has been written); otherwise it commits.
    """
    _require_reporter(partner, actor)
    now = now or datetime.now(timezone.utc)
    try:
        headers, rows = read_table(data, filename, max_rows=max_rows or MAX_ROWS)
    except SpreadsheetError as error:
        raise DomainError(error.message, field="file") from error
    if not any(rows):
        raise DomainError(_l("The file has column names but no rows of figures to import."), field="file")
    mapping, names, errors = _map_headers(headers, rows)
    if errors:
        return ImportResult(errors=errors)

    _lock_partner(partner)
    reference = _Reference(partner)
    lines, seen = [], {}
    for offset, cells in enumerate(rows):
        if not any(cells):
            continue
        number = offset + 2  # the header is row 1
        values = {key: unescape_cell(cells[i]).strip() if i < len(cells) else "" for key, i in mapping.items()}
        problems = []
        line = _parse_row(number, values, reference, now, lambda key, message: problems.append((key, message)))
        if line is not None:
            key = (line.outlet.id, line.product_line.id, line.month)
            if key in seen:
                problems.append(("outlet", _("Row %(other)d already gives the figures of this outlet and product line "
                                             "for %(month)s; give each only once.",
                                             other=seen[key], month=month_value(line.month))))
            else:
                seen[key] = number
                lines.append(line)
        # In the order of the file's columns, as the user reads the row.
        for key, message in sorted(problems, key=lambda problem: mapping.get(problem[0], 0)):
            errors.append(RowError(number, names.get(key, header(COLUMNS_BY_KEY[key])), str(message)))
    if errors:
        return ImportResult(errors=errors)
    return ImportResult(saved=_store(partner, lines, actor, "import"))
