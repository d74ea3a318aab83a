"""How a partner's monthly commission statement (佣金结算单) is calculated. Read-only: it returns
the lines; portal.commissions.services writes them.

The rules:

* **Rates** come from the locked term sheet in force for the partner in the month
  (portal.agreements.queries.terms_in_force): a ``commission_rate`` (a percentage, e.g. 3.3500)
  per product line. No terms in force, or no rate for a product line: no commission lines for it.
* **Sales** of a product line in the month are the partner's PSI figures summed over its outlets
  (``PsiMonthTotal``, kept in step with the PSI lines; the month is the Beijing business month,
  so a sale at 00:30 on the 1st in Beijing belongs to that month although UTC still says the
  previous one). A ``sales`` line: base = the sales amount, amount = base × rate / 100 rounded
  to the fen, half up. A ``returns`` line (clawback): base = the returns amount reported in the
  month, amount = −(base × rate / 100, rounded the same way), at the rate in force in the month
  the return is reported. Lines of zero are left out.
* **Late reports**: for each earlier month that has a *released* statement of the partner, the
  sales and returns lines are worked out again from today's figures, per product line, and
  compared with what was settled for that month: the sum of the ``sales``, ``returns`` and
  ``late_report`` lines with that source month on the partner's *other* statements (released
  ones are paid; approved and draft ones will be — counting them stops a difference from being
  claimed on two statements computed out of order). A difference becomes a ``late_report`` line
  (source month = that month; its description keeps "due now/settled", e.g. "83.75/67.00").
  Computing again gives the same lines.
* **Manual corrections**: each CommissionAdjustment of the partner for the month becomes an
  ``adjustment`` line with its amount, product line and reason.
* **Rent subsidies** (房补): the lines portal.subsidies.services.subsidy_lines returns, as they are.
* **Carried forward**: a released statement whose total is below zero paid nothing; its total is
  owed by the partner and is carried, once, to a later statement: for each earlier month whose
  released statement totals less than zero, its total is compared with what was already carried
  from it (the ``carried_forward`` lines with that source month on the partner's *other*
  statements, whatever their status, as for late reports), and a difference becomes a
  ``carried_forward`` line (source month = that month, description = that statement's number).
  A statement released before the partner's termination was completed is not carried: the
  completion took what it owed from the deposit (portal.exits.services.complete).
* The statement's **total** is the sum of its lines.
* **The statement** (portal.commissions.services): one per partner and month, numbered
  ``CS-YYYYMM-NNNN`` (NNNN: the partner's number), computed only once the month is over (Beijing
  time); draft → approved → released. Computing rebuilds a draft's lines; an approved or released
  statement is never recomputed, and a correction to a released month is an adjustment on a
  later month's statement.
"""
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.agreements.queries import terms_in_force
from portal.commissions.models import CommissionAdjustment, CommissionLine, CommissionStatement
from portal.core.i18n import money
from portal.exits.models import Termination
from portal.extensions import db
from portal.reference.models import ProductLine
from portal.results.models import PsiMonthTotal
from portal.results.values import month_label

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SETTLED_KINDS = ("sales", "returns", "late_report")


def commission(base, rate):
    """base × rate % in yuan, rounded to the fen, half up (3.35 % of 12,030.00 is 403.01)."""
    return (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def rates(partner_id, month):
    """{product line id: rate} of the terms in force in ``month``; {} without terms."""
    terms = terms_in_force(partner_id, month)
    return {} if terms is None else {line.product_line_id: line.commission_rate for line in terms.lines}


def _line(kind, month, amount, product_line_id=None, base=None, rate=None, description=None, **extra):
    return {"kind": kind, "product_line_id": product_line_id, "source_month": month, "base_amount": base,
            "rate": rate, "amount": amount, "description": description, **extra}


def sales_lines(partner_id, month, rate_by_line=None):
    """The ``sales`` and ``returns`` lines of ``month`` from its PSI totals, per product line in
    the order of the product lines."""
    rate_by_line = rates(partner_id, month) if rate_by_line is None else rate_by_line
    totals = db.session.execute(
        sa.select(PsiMonthTotal.product_line_id, PsiMonthTotal.sales_amount, PsiMonthTotal.returns_amount)
        .join(ProductLine, ProductLine.id == PsiMonthTotal.product_line_id)
        .where(PsiMonthTotal.partner_id == partner_id, PsiMonthTotal.month == month)
        .order_by(ProductLine.position, ProductLine.code)).all()
    lines = []
    for product_line_id, sales, returns in totals:
        rate = rate_by_line.get(product_line_id)
        if rate is None:
            continue
        earned, taken_back = commission(sales, rate), commission(returns, rate)
        if earned:
            lines.append(_line("sales", month, earned, product_line_id, sales, rate))
        if taken_back:
            lines.append(_line("returns", month, -taken_back, product_line_id, returns, rate))
    return lines


def _settled(partner_id, source_month, statement_id):
    """{product line id: amount} settled for ``source_month`` on the partner's other statements."""
    query = (sa.select(CommissionLine.product_line_id, sa.func.sum(CommissionLine.amount))
             .join(CommissionStatement, CommissionStatement.id == CommissionLine.statement_id)
             .where(CommissionStatement.partner_id == partner_id, CommissionLine.source_month == source_month,
                    CommissionLine.kind.in_(SETTLED_KINDS))
             .group_by(CommissionLine.product_line_id))
    if statement_id is not None:
        query = query.where(CommissionStatement.id != statement_id)
    return {line_id: Decimal(total).quantize(CENT) for line_id, total in db.session.execute(query)}


def late_report_lines(partner_id, month, statement_id=None):
    """A ``late_report`` line per product line whose commission for an earlier, released month
    differs now from what was settled for it."""
    released = db.session.scalars(
        sa.select(CommissionStatement.month)
        .where(CommissionStatement.partner_id == partner_id, CommissionStatement.status == "released",
               CommissionStatement.month < month)
        .order_by(CommissionStatement.month)).all()
    lines = []
    for source_month in released:
        rate_by_line = rates(partner_id, source_month)
        due = defaultdict(lambda: ZERO)
        for line in sales_lines(partner_id, source_month, rate_by_line):
            due[line["product_line_id"]] += line["amount"]
        settled = _settled(partner_id, source_month, statement_id)
        for product_line_id in sorted(set(due) | set(settled), key=lambda i: (i is None, i)):
            now, before = due.get(product_line_id, ZERO), settled.get(product_line_id, ZERO)
            if now != before:
                lines.append(_line("late_report", source_month, now - before, product_line_id,
                                   rate=rate_by_line.get(product_line_id), description=f"{now}/{before}"))
    return lines


def adjustment_lines(partner_id, month):
    adjustments = db.session.scalars(
        sa.select(CommissionAdjustment)
        .where(CommissionAdjustment.partner_id == partner_id, CommissionAdjustment.month == month)
        .order_by(CommissionAdjustment.id)).all()
    return [_line("adjustment", month, a.amount, a.product_line_id, description=a.reason, adjustment_id=a.id)
            for a in adjustments]


def termination_completed_at(partner_id):
    return db.session.scalar(sa.select(sa.func.min(Termination.completed_at))
                             .where(Termination.partner_id == partner_id, Termination.status == "completed"))


def settled_at_termination(statement):
    """Whether the balance of ``statement`` (released) was settled by the partner's termination
    rather than carried forward."""
    completed = termination_completed_at(statement.partner_id)
    return completed is not None and statement.released_at is not None and statement.released_at <= completed


def carried_lines(partner_id, month, statement_id=None):
    """A ``carried_forward`` line per earlier released statement below zero whose total is not
    carried yet (see the rules)."""
    negative = (sa.select(CommissionStatement)
                .where(CommissionStatement.partner_id == partner_id, CommissionStatement.status == "released",
                       CommissionStatement.month < month, CommissionStatement.total < 0)
                .order_by(CommissionStatement.month))
    completed = termination_completed_at(partner_id)
    if completed is not None:
        negative = negative.where(CommissionStatement.released_at > completed)
    statements = db.session.scalars(negative).all()
    if not statements:
        return []
    query = (sa.select(CommissionLine.source_month, sa.func.sum(CommissionLine.amount))
             .join(CommissionStatement, CommissionStatement.id == CommissionLine.statement_id)
             .where(CommissionStatement.partner_id == partner_id, CommissionLine.kind == "carried_forward")
             .group_by(CommissionLine.source_month))
    if statement_id is not None:
        query = query.where(CommissionStatement.id != statement_id)
    carried = {source: Decimal(total).quantize(CENT) for source, total in db.session.execute(query)}
    return [_line("carried_forward", s.month, s.total - carried.get(s.month, ZERO), description=s.number)
            for s in statements if s.total != carried.get(s.month, ZERO)]


def statement_lines(partner, month, statement_id=None):
    """Every line of ``partner``'s statement for ``month`` (first day of a business month), as
    dicts of CommissionLine values, in order: sales and returns, late reports, adjustments, rent
    subsidies, balances carried forward. ``statement_id`` is the statement being computed (left
    out of what was settled and carried)."""
    from portal.subsidies.services import subsidy_lines

    return [*sales_lines(partner.id, month), *late_report_lines(partner.id, month, statement_id),
            *adjustment_lines(partner.id, month), *(dict(line) for line in subsidy_lines(partner, month)),
            *carried_lines(partner.id, month, statement_id)]


def has_terms(partner, month):
    return terms_in_force(partner.id, month) is not None


def same_lines(statement, lines):
    """Whether ``statement``'s lines are ``lines`` (nothing changed since it was computed)."""
    keys = ("kind", "product_line_id", "outlet_id", "source_month", "base_amount", "rate", "amount", "adjustment_id")
    stored = Counter(tuple(getattr(line, k) for k in keys) for line in statement.lines)
    return stored == Counter(tuple(values.get(k) for k in keys) for values in lines)


# ---- in words ------------------------------------------------------------------------------------


def percent(rate):
    """3.3500 → "3.35%"."""
    return _("%(rate)s%%", rate=format_decimal(rate, format="#,##0.####")) if rate is not None else ""


def explain(line):
    """Why the line is there, in the reader's language."""
    product = line.product_line.label if line.product_line is not None else None
    outlet = line.outlet.name if line.outlet is not None else None
    if line.kind == "sales":
        return _("%(rate)s commission on %(base)s of %(product)s sold in %(month)s.", rate=percent(line.rate),
                 base=money(line.base_amount), product=product, month=month_label(line.source_month))
    if line.kind == "returns":
        return _("%(base)s of %(product)s sales were returned in %(month)s: the %(rate)s commission on them is "
                 "taken back.", base=money(line.base_amount), product=product, month=month_label(line.source_month),
                 rate=percent(line.rate))
    if line.kind == "late_report":
        due, settled = (line.description or "0/0").split("/")
        return _("The figures of %(product)s for %(month)s changed after that month's statement was released: "
                 "%(due)s is due for it now, %(settled)s was already settled; the difference is paid or taken back "
                 "here.", product=product or "—", month=month_label(line.source_month), due=money(Decimal(due)),
                 settled=money(Decimal(settled)))
    if line.kind == "adjustment":
        reason = line.adjustment.reason if line.adjustment is not None else line.description
        return _("Manual correction: %(reason)s", reason=reason)
    if line.kind == "rent_subsidy":
        return _("Rent subsidy of %(base)s a month for outlet %(outlet)s, %(month)s (days eligible / days in the "
                 "month: %(days)s).", base=money(line.base_amount), outlet=outlet or "—",
                 month=month_label(line.source_month), days=line.description or "—")
    if line.kind == "subsidy_clawback":
        return _("Rent subsidy of outlet %(outlet)s for %(month)s paid for days it was not due: taken back "
                 "(%(days)s).", outlet=outlet or "—", month=month_label(line.source_month),
                 days=line.description or "—")
    if line.kind == "carried_forward":
        return _("Statement %(number)s for %(month)s came to less than zero, so nothing was paid on it: the "
                 "%(amount)s it owes is taken from this statement.", number=line.description or "—",
                 month=month_label(line.source_month), amount=money(-line.amount))
    return line.description or ""
