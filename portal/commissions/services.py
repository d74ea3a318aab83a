"""Monthly commission statements: computing, correcting, approving, releasing, querying.

Plain functions taking the acting user and the values from a form; they raise DomainError (or
ValidationError, several fields at once) naming the field, and never commit: the caller does.
Statements, lines and adjustments are Audited, so every movement of money is in the audit trail
(who, when, old → new). The calculation's rules are in portal.commissions.calculation.

The rules of the flow, decided here:

* **One statement per partner and month**, numbered ``CS-YYYYMM-NNNN`` (the month, then the
  partner's number), so that two computations at once cannot take the same number. Only a month
  that has ended (Beijing time) is computed. Computing rebuilds a draft's lines (deleted and
  created again) and its total; an approved or released statement is never recomputed. Computing
  a month for all the partners a manager may see creates statements only for partners with terms
  in force or with lines, and none for a terminated partner for a month after the one in which
  its termination was completed (it keeps its earlier months).
* **Approve** (a manager who may see the partner, or an admin): draft → approved, refused if the
  figures changed since the draft was computed (compute it again first). An approved statement
  may be **sent back** to draft with a reason, unless the partner has raised a query on it.
* **Release** (finance or an admin): approved → released, never by the person who approved it.
  A statement that pays something needs the bank transfer's reference, the payment date (not in
  the future, not before the month ended) and the partner's current approved bank account,
  which is recorded on it. A statement of zero or less pays nothing: it is released without a
  transfer, and a total below zero is carried to the partner's next statement (a
  ``carried_forward`` line, see portal.commissions.calculation). The partner's admins are told.
* **Released is final**: nothing changes it again (see portal.commissions.guard). A correction
  is an **adjustment** (a signed amount with a reason) for a month whose statement is not yet
  approved or released, from the partner's first month (``first_month``) up to the current
  business month; adding one recomputes that month's draft, if there is one.
* **Queries**: a partner's admin questions a line of its approved or released statement; this
  opens a conflict case (kind and origin ``commission_query``) for the partner's manager. One
  query per line at a time (a new one once the earlier case is closed).

Writes of one partner's statements are serialised by locking the partner's row; a release also
locks the statement's row.
"""
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.agreements.models import Agreement
from portal.commissions import calculation
from portal.commissions.models import (
    LINE_KINDS, CommissionAdjustment, CommissionLine, CommissionQuery, CommissionStatement,
)
from portal.conflicts.services import open_case
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import add_months, business_month, business_today, money, month_start
from portal.core.models import utcnow
from portal.core.permissions import PARTNER_ADMIN, can_view_partner, has_permission
from portal.exits.models import Termination
from portal.extensions import db
from portal.finance.services import current_account
from portal.notifications.services import MESSAGES, notify
from portal.partners.models import Partner
from portal.partners.queries import visible_partners
from portal.reference.models import ProductLine
from portal.results.values import MAX_AMOUNT, BadValue, month_value, parse_month

MESSAGES.update({
    "commission_released": _l("Your commission statement %(number)s for %(month)s is released: %(total)s. Open it "
                              "to see what it pays, why, and how it was paid."),
})

CENT = Decimal("0.01")
MAX_TEXT = 500
MAX_QUERY = 2000


# ---- checks --------------------------------------------------------------------------------------


def _lock_partner(partner_id):
    """Serialise the commission writes of one partner (FOR NO KEY UPDATE on PostgreSQL)."""
    db.session.execute(sa.select(Partner.id).where(Partner.id == partner_id).with_for_update(key_share=True))


def _reload(statement_id, lock=False):
    """The statement as stored now (another transaction's change is seen), optionally locked."""
    query = (sa.select(CommissionStatement).where(CommissionStatement.id == statement_id)
             .options(selectinload(CommissionStatement.lines)))
    if lock:
        query = query.with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def _find(partner_id, month):
    return db.session.scalars(
        sa.select(CommissionStatement).where(CommissionStatement.partner_id == partner_id,
                                             CommissionStatement.month == month)
        .execution_options(populate_existing=True)).first()


def _require_manager(actor, partner):
    if not has_permission(actor, "commissions.manage") or not can_view_partner(actor, partner):
        raise DomainError(_l("Only the partner's channel manager or an administrator may do this."))


def clean_month(value, field="month", ended=True, now=None):
    """A first-of-month date from text (or a date). With ``ended``, the month must be over
    (Beijing time); otherwise it may be the current month but not a later one."""
    try:
        month = parse_month(value) if value not in (None, "") else None
    except BadValue as error:
        raise DomainError(error.message, field=field) from None
    if month is None:
        raise DomainError(_l("Enter the month as YYYY-MM."), field=field)
    current = business_month(now or utcnow())
    if ended and month >= current:
        raise DomainError(_l("%(month)s has not ended yet: only a month that is over can be computed.",
                             month=month_value(month)), field=field)
    if month > current:
        raise DomainError(_l("%(month)s has not begun yet: enter a month up to the current one.",
                             month=month_value(month)), field=field)
    return month


def first_month(partner):
    """The partner's first business month: that of the earliest start of its agreements that can
    be in force (countersigned, or superseded since), else that of its signing; None when the
    portal knows neither."""
    start = db.session.scalar(sa.select(sa.func.min(Agreement.start_date)).where(
        Agreement.partner_id == partner.id, Agreement.status.in_(("countersigned", "superseded"))))
    if start is not None:
        return month_start(start)
    return business_month(partner.signed_at) if partner.signed_at is not None else None


def months_without_statement(partner, until, now=None):
    """The ended months from the partner's first month up to ``until``'s month (the last ended
    month if that is earlier) that would have a statement — terms in force, or a correction —
    and have none yet, oldest first."""
    first = first_month(partner)
    if first is None:
        return []
    last = min(month_start(until), add_months(business_month(now or utcnow()), -1))
    have = set(db.session.scalars(sa.select(CommissionStatement.month)
                                  .where(CommissionStatement.partner_id == partner.id)))
    corrected = set(db.session.scalars(sa.select(CommissionAdjustment.month)
                                       .where(CommissionAdjustment.partner_id == partner.id)))
    months, month = [], first
    while month <= last:
        if month not in have and (month in corrected or calculation.has_terms(partner, month)):
            months.append(month)
        month = add_months(month, 1)
    return months


def terminated_after(partner):
    """The business month in which the partner's termination was completed, if it is terminated."""
    if partner.status != "terminated":
        return None
    completed = db.session.scalar(sa.select(sa.func.min(Termination.completed_at)).where(
        Termination.partner_id == partner.id, Termination.status == "completed"))
    return business_month(completed) if completed is not None else None


def statement_number(partner_id, month):
    return f"CS-{month.year:04d}{month.month:02d}-{partner_id:04d}"


def _status_refusal(statement):
    return _l("The statement %(number)s is already %(status)s: it can no longer be changed.",
              number=statement.number, status=str(statement.status_label).lower())


# ---- computing -----------------------------------------------------------------------------------


def compute_statement(partner, month, actor, now=None):
    """(Re)build ``partner``'s draft statement for ``month`` from today's figures. Returns it, or
    None when the partner has neither terms in force nor lines (no statement is created)."""
    _require_manager(actor, partner)
    month = clean_month(month, now=now)
    _lock_partner(partner.id)
    statement = _find(partner.id, month)
    if statement is not None and statement.status != "draft":
        raise DomainError(_status_refusal(statement))
    lines = calculation.statement_lines(partner, month, statement.id if statement else None)
    if statement is None:
        if not lines and not calculation.has_terms(partner, month):
            return None
        statement = CommissionStatement(number=statement_number(partner.id, month), partner_id=partner.id,
                                        month=month, status="draft")
        db.session.add(statement)
    else:
        statement.lines.clear()
        db.session.flush()
    for position, values in enumerate(lines, start=1):
        statement.lines.append(CommissionLine(position=position, **values))
    statement.total = sum((values["amount"] for values in lines), Decimal("0.00"))
    statement.computed_at = utcnow()
    statement.computed_by_id = actor.id
    db.session.flush()
    return statement


def compute_month(month, actor, partner=None, now=None):
    """Compute ``month`` for ``partner``, or for every partner ``actor`` may see. Returns
    (statements computed, statements left as they are because approved or released)."""
    if not has_permission(actor, "commissions.manage"):
        raise DomainError(_l("Only a channel manager or an administrator may compute statements."))
    month = clean_month(month, now=now)
    if partner is not None:
        candidates = [partner]
    else:
        candidates = db.session.scalars(visible_partners(actor).order_by(Partner.name, Partner.id)).all()
    computed, final = [], []
    for candidate in candidates:
        ended = terminated_after(candidate)
        if ended is not None and month > ended:
            continue
        existing = _find(candidate.id, month)
        if existing is not None and existing.status != "draft":
            final.append(existing)
            continue
        statement = compute_statement(candidate, month, actor, now=now)
        if statement is not None:
            computed.append(statement)
    return computed, final


# ---- corrections ---------------------------------------------------------------------------------


def parse_signed_amount(value):
    """A signed amount in yuan, not zero, at most two decimals: "-120.50", "+80", "1,000"."""
    text = "".join(str(value if value is not None else "").split()).replace(",", "").replace("，", "")
    for token in ("¥", "￥", "元"):
        text = text.replace(token, "")
    text = text.replace("−", "-").replace("－", "-").replace("＋", "+")
    if not text:
        raise BadValue(_l("Enter the amount in yuan: positive to pay more, negative (e.g. -120.50) to take back."))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise BadValue(_l("Enter an amount in yuan, e.g. 120.50 or -120.50."))
    if amount == 0:
        raise BadValue(_l("A correction of zero changes nothing: enter a positive or a negative amount."))
    if abs(amount) > MAX_AMOUNT:
        raise BadValue(_l("Enter an amount of at most %(max)s yuan.", max=f"{MAX_AMOUNT:,}"))
    if amount != amount.quantize(CENT):
        raise BadValue(_l("Give the amount with at most two decimal places."))
    return amount.quantize(CENT)


def add_adjustment(data, actor, now=None):
    """A manual correction: ``data`` has partner_id, month, product_line_id (optional), amount and
    reason. It lands on that month's statement (recomputed now if it is a draft)."""
    if not has_permission(actor, "commissions.manage"):
        raise DomainError(_l("Only a channel manager or an administrator may enter corrections."))
    errors, statement = {}, None
    partner_id = data.get("partner_id")
    partner = db.session.scalar(visible_partners(actor).where(Partner.id == partner_id)) \
        if isinstance(partner_id, int) else None
    if partner is None:
        errors["partner_id"] = [_l("Choose one of your partners.")]
    try:
        month = clean_month(data.get("month"), ended=False, now=now)
    except DomainError as error:
        errors["month"], month = [error.message], None
    first = first_month(partner) if partner is not None else None
    if month is not None and first is not None and month < first:
        errors["month"] = [_l("The first month of %(partner)s is %(first)s: enter a month from then up to the current one.",
                              partner=partner.name, first=month_value(first))]
        month = None
    product_line_id = data.get("product_line_id")
    if product_line_id is not None:
        line = db.session.get(ProductLine, product_line_id) if isinstance(product_line_id, int) else None
        if line is None or not line.active:
            errors["product_line_id"] = [_l("Choose a product line, or none.")]
    try:
        amount = parse_signed_amount(data.get("amount"))
    except BadValue as error:
        errors["amount"] = [error.message]
    reason = " ".join((data.get("reason") or "").split())
    if not reason:
        errors["reason"] = [_l("Say why: the partner reads the reason on its statement.")]
    elif len(reason) > MAX_TEXT:
        errors["reason"] = [_l("At most %(max)d characters.", max=MAX_TEXT)]
    if partner is not None and month is not None:
        _lock_partner(partner.id)
        statement = _find(partner.id, month)
        if statement is not None and statement.status != "draft":
            errors.setdefault("month", []).append(_l(
                "The statement of %(month)s for this partner is already %(status)s: enter the correction for a "
                "later month.", month=month_value(month), status=str(statement.status_label).lower()))
    if errors:
        raise ValidationError(errors)
    adjustment = CommissionAdjustment(partner_id=partner.id, month=month, product_line_id=product_line_id,
                                      amount=amount, reason=reason, created_by_id=actor.id)
    db.session.add(adjustment)
    db.session.flush()
    if statement is not None:
        compute_statement(partner, month, actor, now=now)
    return adjustment


# ---- approving and releasing ---------------------------------------------------------------------


def approve(statement, actor):
    """draft → approved, if its lines are still what the figures give."""
    _require_manager(actor, statement.partner)
    _lock_partner(statement.partner_id)
    statement = _reload(statement.id, lock=True)
    if statement.status != "draft":
        raise DomainError(_status_refusal(statement))
    fresh = calculation.statement_lines(statement.partner, statement.month, statement.id)
    if not calculation.same_lines(statement, fresh):
        raise DomainError(_l("The figures have changed since this statement was computed: compute it again, check "
                             "it, then approve it."))
    statement.status = "approved"
    statement.approved_by_id = actor.id
    statement.approved_at = utcnow()
    return statement


def send_back(statement, actor, reason):
    """approved → draft (to be corrected and approved again), with the reason kept as its note."""
    _require_manager(actor, statement.partner)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_l("Say why the statement goes back to draft."), field="reason")
    if len(reason) > MAX_TEXT:
        raise DomainError(_l("At most %(max)d characters.", max=MAX_TEXT), field="reason")
    _lock_partner(statement.partner_id)
    statement = _reload(statement.id, lock=True)
    if statement.status != "approved":
        raise DomainError(_l("Only an approved statement that is not released can be sent back to draft."))
    queried = db.session.scalar(sa.select(sa.func.count(CommissionQuery.id)).join(CommissionLine)
                                .where(CommissionLine.statement_id == statement.id))
    if queried:
        raise DomainError(_l("The partner has raised a query on this statement: answer it through its case, and "
                             "correct with an adjustment for a later month if needed."))
    statement.status = "draft"
    statement.approved_by_id = None
    statement.approved_at = None
    statement.note = reason
    return statement


def release(statement, actor, payment_reference=None, paid_on=None, today=None):
    """approved → released for payment, by someone other than its approver."""
    if not has_permission(actor, "commissions.release"):
        raise DomainError(_l("Only finance or an administrator may release statements for payment."))
    statement = _reload(statement.id, lock=True)
    if statement.status == "released":
        raise DomainError(_status_refusal(statement))
    if statement.status != "approved":
        raise DomainError(_l("A statement must be approved by a manager before it is released."))
    if statement.approved_by_id == actor.id:
        raise DomainError(_l("You approved this statement; another person must release it."))
    today = today or business_today()
    paid_on = paid_on or today
    reference = " ".join((payment_reference or "").split()) or None
    pays = statement.total > 0
    errors = {}
    if pays and not reference:
        errors["payment_reference"] = [_l("Enter the bank transfer's reference.")]
    elif reference and len(reference) > 100:
        errors["payment_reference"] = [_l("At most %(max)d characters.", max=100)]
    if not isinstance(paid_on, date) or paid_on > today:
        errors["paid_on"] = [_l("The payment date cannot be in the future.")]
    elif paid_on < add_months(statement.month, 1):
        errors["paid_on"] = [_l("The payment date cannot be before the end of the month it pays.")]
    account = current_account(statement.partner)
    if pays and account is None:
        errors.setdefault(None, []).append(_l(
            "%(partner)s has no approved bank account: its administrator must submit one and a manager approve it "
            "before this statement can be paid.", partner=statement.partner.name))
    if errors:
        raise ValidationError(errors)
    statement.status = "released"
    statement.released_by_id = actor.id
    statement.released_at = utcnow()
    statement.payment_reference = reference
    statement.paid_on = paid_on
    statement.bank_account_id = account.id if account is not None else None
    db.session.flush()
    _tell_partner(statement)
    return statement


def _tell_partner(statement):
    params = {"number": statement.number, "month": month_value(statement.month), "total": money(statement.total)}
    link = url_for("commissions.statement", statement_id=statement.id)
    for person in statement.partner.users:
        if person.role == PARTNER_ADMIN and person.active:
            notify(person, "commission_released", params, link=link)


# ---- queries -------------------------------------------------------------------------------------


def open_query(line):
    """The query on ``line`` whose case is not closed yet, if any."""
    return next((q for q in line.queries if q.case is not None and q.case.status != "closed"), None)


def _bilingual(message, **params):
    texts = []
    for locale in ("en", "zh_CN"):
        with force_locale(locale):
            text = str(message) % {k: (v() if callable(v) else v) for k, v in params.items()}
        if text not in texts:
            texts.append(text)
    return texts


def raise_query(statement, line, text, actor):
    """A partner admin questions ``line`` of its approved or released statement: a case opens
    for the partner's manager. Returns the CommissionQuery."""
    if not has_permission(actor, "commissions.partner") or actor.partner_id != statement.partner_id:
        raise DomainError(_l("Only the partner's administrator may raise a query on its statement."))
    if statement.status not in ("approved", "released") or line.statement_id != statement.id:
        raise DomainError(_l("This line cannot be queried."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Say what you question about this line."), field="text")
    if len(text) > MAX_QUERY:
        raise DomainError(_l("At most %(max)d characters.", max=MAX_QUERY), field="text")
    earlier = open_query(line)
    if earlier is not None:
        raise DomainError(_l("You already raised a query on this line: it is followed in case %(number)s.",
                             number=earlier.case.number))
    params = {"number": statement.number, "position": line.position, "month": month_value(statement.month),
              "kind": lambda: str(LINE_KINDS.get(line.kind, line.kind)), "amount": money(line.amount)}
    title = " / ".join(_bilingual(_l("Query on commission statement %(number)s, line %(position)s"), **params))
    facts = "\n".join(_bilingual(_l("Statement %(number)s (%(month)s), line %(position)s: %(kind)s, %(amount)s."),
                                 **params))
    case = open_case("commission_query", "commission_query", title[:200], f"{text}\n\n{facts}",
                     parties=[(statement.partner, "complainant")], opened_by=actor)
    query = CommissionQuery(line=line, case=case, raised_by_id=actor.id)
    db.session.add(query)
    db.session.flush()
    return query

