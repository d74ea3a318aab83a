"""Queries of PSI reports and payment collections, always scoped to what the user may see.

A partner user sees only their own organisation's rows (``current_user.partner_id``); a
manager the rows of the partners they may see (portal.partners.queries.visible_partners);
an admin everything. Loading a record the user may not see answers 404.
"""
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.core.permissions import PARTNER_ADMIN, PARTNER_STAFF
from portal.extensions import db
from portal.partners.models import Outlet, Partner
from portal.partners.queries import get_partner as partner_get
from portal.partners.queries import visible_partners
from portal.reference.models import ProductLine
from portal.results.models import PaymentCollection, PsiEntry
from portal.results.values import BadValue, parse_month


def get_partner(partner_id, user):
    """portal.partners.queries.get_partner, with 404 for an id no row can have."""
    if not valid_id(partner_id):
        abort(404)
    return partner_get(partner_id, user)


def visible_partner_ids(user):
    """A select of the ids of the partners ``user`` may see."""
    return visible_partners(user).with_only_columns(Partner.id)


def month_arg(args, name="month"):
    """The first-of-month date in the query string ("2026-11"), or None if absent or malformed."""
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse_month(text)
    except BadValue:
        return None


MAX_ID = 2**31 - 1


def valid_id(value):
    """True for an int that can be a row id (a larger one would overflow the database integer)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def int_arg(args, name):
    """A positive id from the query string, or None (an id too large for the database is none)."""
    try:
        value = int(args.get(name) or "")
    except ValueError:
        return None
    return value if valid_id(value) else None


# ---- outlets and product lines -----------------------------------------------------------------


def own_outlets(partner, include_inactive=False):
    query = sa.select(Outlet).where(Outlet.partner_id == partner.id).order_by(Outlet.active.desc(), Outlet.name,
                                                                              Outlet.id)
    if not include_inactive:
        query = query.where(Outlet.active.is_(True))
    return db.session.scalars(query.options(selectinload(Outlet.city))).all()


def product_lines():
    return db.session.scalars(sa.select(ProductLine).where(ProductLine.active.is_(True))
                              .order_by(ProductLine.position, ProductLine.code)).all()


# ---- PSI entries --------------------------------------------------------------------------------


def visible_entries(user):
    """A select of the PSI entries ``user`` may see."""
    query = sa.select(PsiEntry)
    if user.role in (PARTNER_ADMIN, PARTNER_STAFF):
        if user.partner_id is None:
            return query.where(sa.false())
        return query.where(PsiEntry.partner_id == user.partner_id)
    return query.where(PsiEntry.partner_id.in_(visible_partner_ids(user)))


def get_entry(entry_id, user):
    """A PSI entry the user may see (404 otherwise)."""
    if not valid_id(entry_id):
        abort(404)
    entry = db.session.scalar(visible_entries(user).where(PsiEntry.id == entry_id)
                              .options(selectinload(PsiEntry.outlet), selectinload(PsiEntry.product_line),
                                       selectinload(PsiEntry.submitted_by)))
    if entry is None:
        abort(404)
    return entry


def filtered_entries(partner, args):
    """A partner's entries, filtered by ``month`` (YYYY-MM), ``outlet`` and ``product_line``
    ids from the query string; newest month first."""
    query = (
        sa.select(PsiEntry).where(PsiEntry.partner_id == partner.id)
        .join(Outlet, Outlet.id == PsiEntry.outlet_id)
        .order_by(PsiEntry.month.desc(), Outlet.name, PsiEntry.product_line_id, PsiEntry.id)
        .options(selectinload(PsiEntry.outlet).selectinload(Outlet.city), selectinload(PsiEntry.product_line),
                 selectinload(PsiEntry.submitted_by))
    )
    month = month_arg(args)
    if month is not None:
        query = query.where(PsiEntry.month == month)
    outlet_id = int_arg(args, "outlet")
    if outlet_id is not None:
        query = query.where(PsiEntry.outlet_id == outlet_id)
    line_id = int_arg(args, "product_line")
    if line_id is not None:
        query = query.where(PsiEntry.product_line_id == line_id)
    return query


def entry_totals(query):
    """Sums of the figures of the entries a filtered query selects."""
    scoped = query.order_by(None).with_only_columns(PsiEntry.id).subquery()
    row = db.session.execute(
        sa.select(sa.func.count(PsiEntry.id), sa.func.coalesce(sa.func.sum(PsiEntry.purchases), 0),
                  sa.func.coalesce(sa.func.sum(PsiEntry.sales), 0),
                  sa.func.coalesce(sa.func.sum(PsiEntry.sales_amount), 0),
                  sa.func.coalesce(sa.func.sum(PsiEntry.returns_amount), 0),
                  sa.func.coalesce(sa.func.sum(PsiEntry.closing_inventory), 0))
        .where(PsiEntry.id.in_(sa.select(scoped.c.id)))
    ).one()
    keys = ("count", "purchases", "sales", "sales_amount", "returns_amount", "closing_inventory")
    return dict(zip(keys, row))


# ---- collections --------------------------------------------------------------------------------


def visible_collections(user):
    query = sa.select(PaymentCollection)
    if user.role in (PARTNER_ADMIN, PARTNER_STAFF):
        if user.partner_id is None:
            return query.where(sa.false())
        return query.where(PaymentCollection.partner_id == user.partner_id)
    return query.where(PaymentCollection.partner_id.in_(visible_partner_ids(user)))


def filtered_collections(user, args, partner=None):
    """Collections the user may see, of ``partner`` if given (else of the ``partner`` id in the
    query string), in the ``month`` of the query string; newest first."""
    query = visible_collections(user).order_by(PaymentCollection.received_at.desc(), PaymentCollection.id.desc()) \
        .options(selectinload(PaymentCollection.partner), selectinload(PaymentCollection.recorded_by))
    partner_id = partner.id if partner is not None else int_arg(args, "partner")
    if partner_id is not None:
        query = query.where(PaymentCollection.partner_id == partner_id)
    month = month_arg(args)
    if month is not None:
        query = query.where(PaymentCollection.month == month)
    return query


def collection_total(query):
    scoped = query.order_by(None).with_only_columns(PaymentCollection.id).subquery()
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PaymentCollection.amount), 0))
        .where(PaymentCollection.id.in_(sa.select(scoped.c.id)))
    )


def partner_choices(user):
    """(id, name) of the partners the user may see, for filters."""
    return db.session.execute(
        visible_partners(user).with_only_columns(Partner.id, Partner.name).order_by(Partner.name, Partner.id)
    ).all()


# ---- targets overview ---------------------------------------------------------------------------


def partners_for_targets(user, args):
    """The partners the user may see, filtered by name (``q``), by name."""
    query = visible_partners(user).order_by(Partner.name, Partner.id)
    text = (args.get("q") or "").strip()
    if text:
        query = query.where(sa.func.lower(Partner.name).contains(text.lower(), autoescape=True))
    return query


def recent_months(today, count=24):
    """The first days of the last ``count`` months up to today's, newest first (for filters)."""
    months = []
    month = date(today.year, today.month, 1)
    for _ in range(count):
        months.append(month)
        month = date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)
    return months
