"""Commission statement queries, always scoped to what the user may see.

The vendor side (commissions.view) sees the statements of the partners it may see
(portal.partners.queries.visible_partners: a manager its partners, finance and admins all);
another statement answers 404. A partner's admin sees only its own organisation's approved and
released statements: drafts are internal, and any other statement answers 404.
"""
import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.commissions.models import (
    STATEMENT_STATUSES, CommissionAdjustment as A, CommissionLine, CommissionQuery, CommissionStatement as S,
)
from portal.core.permissions import has_permission
from portal.extensions import db
from portal.finance.models import BankAccount
from portal.partners.models import Partner
from portal.partners.queries import visible_partners
from portal.reference.models import ProductLine
from portal.results.values import BadValue, parse_month

PARTNER_STATUSES = ("approved", "released")


def _partner_ids(user):
    return visible_partners(user).with_only_columns(Partner.id).scalar_subquery()


def _with_lines(query):
    return query.options(
        selectinload(S.partner), selectinload(S.computed_by), selectinload(S.approved_by),
        selectinload(S.released_by), selectinload(S.bank_account),
        selectinload(S.lines).selectinload(CommissionLine.product_line),
        selectinload(S.lines).selectinload(CommissionLine.outlet),
        selectinload(S.lines).selectinload(CommissionLine.adjustment),
        selectinload(S.lines).selectinload(CommissionLine.queries).selectinload(CommissionQuery.case),
    )


# ---- vendor side ---------------------------------------------------------------------------------


def visible_statements(user):
    if not has_permission(user, "commissions.view"):
        return sa.select(S).where(sa.false())
    return sa.select(S).where(S.partner_id.in_(_partner_ids(user)))


def get_visible(statement_id, user):
    """A statement of a partner the user may see, with its lines; 404 otherwise."""
    statement = db.session.scalar(_with_lines(visible_statements(user).where(S.id == statement_id)))
    if statement is None:
        abort(404)
    return statement


def list_filters(args):
    """The list's filters from the query string; a month that cannot be read is ignored."""
    status = args.get("status", "all")
    try:
        month = parse_month(args["month"]) if args.get("month") else None
    except BadValue:
        month = None
    return {"status": status if status in STATEMENT_STATUSES else "all", "month": month,
            "q": (args.get("q") or "").strip()[:100]}


def _filtered(user, filters, status=True):
    query = visible_statements(user)
    if status and filters["status"] != "all":
        query = query.where(S.status == filters["status"])
    if filters["month"]:
        query = query.where(S.month == filters["month"])
    if filters["q"]:
        like = f"%{filters['q'].lower()}%"
        query = query.where(sa.or_(
            sa.func.lower(S.number).like(like),
            S.partner_id.in_(sa.select(Partner.id).where(sa.or_(sa.func.lower(Partner.name).like(like),
                                                                sa.func.lower(Partner.credit_code).like(like))))))
    return query


def statements(user, filters):
    """The filtered statements, latest month first, then by partner."""
    return (_filtered(user, filters).join(Partner, Partner.id == S.partner_id)
            .order_by(S.month.desc(), Partner.name, S.id)
            .options(selectinload(S.partner), selectinload(S.approved_by), selectinload(S.bank_account)))


def totals(user, filters):
    """(count, sum of totals) of the filtered statements, all pages."""
    scoped = _filtered(user, filters).subquery()
    count, total = db.session.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(scoped.c.total), 0))).one()
    return count, total


def status_counts(user, filters):
    """{status: count} of the statements matching the filters other than the status."""
    scoped = _filtered(user, filters, status=False).subquery()
    return dict(db.session.execute(sa.select(scoped.c.status, sa.func.count()).group_by(scoped.c.status)).all())


def partner_choices(user):
    """(id, name) of the partners the user may see."""
    return db.session.execute(visible_partners(user).with_only_columns(Partner.id, Partner.name)
                              .order_by(Partner.name, Partner.id)).all()


def product_line_choices():
    return db.session.scalars(sa.select(ProductLine).where(ProductLine.active.is_(True))
                              .order_by(ProductLine.position, ProductLine.code)).all()


def adjustments(user):
    """The corrections entered for the partners the user may see, newest first."""
    if not has_permission(user, "commissions.manage"):
        return sa.select(A).where(sa.false())
    return (sa.select(A).where(A.partner_id.in_(_partner_ids(user))).order_by(A.id.desc())
            .options(selectinload(A.partner), selectinload(A.product_line), selectinload(A.created_by)))


def statements_by_adjustment(adjustment_ids):
    """{adjustment id: statement} of the statements showing those adjustments."""
    if not adjustment_ids:
        return {}
    rows = db.session.execute(sa.select(CommissionLine.adjustment_id, S).join(S, S.id == CommissionLine.statement_id)
                              .where(CommissionLine.adjustment_id.in_(adjustment_ids))).all()
    return {adjustment_id: statement for adjustment_id, statement in rows}


def current_accounts(partner_ids):
    """{partner id: its current bank account} (portal.finance.services.current_account, for many)."""
    if not partner_ids:
        return {}
    accounts = db.session.scalars(sa.select(BankAccount).where(BankAccount.partner_id.in_(partner_ids),
                                                               BankAccount.current.is_(True))
                                  .order_by(BankAccount.id)).all()
    return {account.partner_id: account for account in accounts}  # the latest wins, as in current_account


# ---- partner side --------------------------------------------------------------------------------


def own_statements(user):
    """The user's organisation's approved and released statements, latest month first."""
    if user.partner_id is None or not has_permission(user, "commissions.partner"):
        return sa.select(S).where(sa.false())
    return (sa.select(S).where(S.partner_id == user.partner_id, S.status.in_(PARTNER_STATUSES))
            .order_by(S.month.desc(), S.id.desc()).options(selectinload(S.bank_account)))


def get_own(statement_id, user):
    """An approved or released statement of the user's organisation, with its lines; 404 otherwise."""
    statement = db.session.scalar(_with_lines(own_statements(user).where(S.id == statement_id)))
    if statement is None:
        abort(404)
    return statement


def get_line(statement, line_id):
    line = next((line for line in statement.lines if line.id == line_id), None)
    if line is None:
        abort(404)
    return line
