"""Partner queries, always scoped to what the user may see.

A partner user's queries start from ``current_user.partner_id``: a forgotten check shows
nothing of another organisation, and loading another organisation's record answers 404.
"""
import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.agreements.models import Agreement
from portal.core.permissions import (
    ADMIN, FINANCE, MANAGER, PARTNER_ADMIN, PARTNER_STAFF, can_manage_partner, can_view_partner,
)
from portal.extensions import db
from portal.partners.models import DepositAccount, DepositMovement, Outlet, Partner

PARTNER_ROLES = (PARTNER_ADMIN, PARTNER_STAFF)


def visible_partners(user):
    """A select of the partners ``user`` may see (see permissions.can_view_partner)."""
    query = sa.select(Partner)
    if user.role in (ADMIN, FINANCE):  # finance pays every partner (its pages are read-only otherwise)
        return query
    if user.role == MANAGER:
        covered = user.covered_territory_ids()
        conditions = [Partner.manager_id == user.id]
        if covered:
            conditions += [Partner.city_id.in_(covered), Partner.province_id.in_(covered)]
        return query.where(sa.or_(*conditions))
    if user.role in PARTNER_ROLES and user.partner_id is not None:
        return query.where(Partner.id == user.partner_id)
    return query.where(sa.false())


def get_partner(partner_id, user, manage=False):
    """The partner if ``user`` may see it (404 otherwise); with ``manage``, 403 unless they may
    change its profile, outlets and staff."""
    partner = db.session.scalar(visible_partners(user).where(Partner.id == partner_id))
    if partner is None or not can_view_partner(user, partner):
        abort(404)
    if manage and not can_manage_partner(user, partner):
        abort(403)
    return partner


def own_partner(user, manage=False):
    """The signed-in partner user's own organisation; 404 if the account belongs to none."""
    if user.partner_id is None:
        abort(404)
    return get_partner(user.partner_id, user, manage=manage)


# ---- outlets ------------------------------------------------------------------------------------


def outlets(partner, include_inactive=True):
    query = (
        sa.select(Outlet).where(Outlet.partner_id == partner.id)
        .order_by(Outlet.active.desc(), Outlet.name, Outlet.id)
        .options(selectinload(Outlet.city))
    )
    if not include_inactive:
        query = query.where(Outlet.active.is_(True))
    return db.session.scalars(query).all()


def get_outlet(outlet_id, user, manage=False):
    """An outlet of the user's own organisation (404 for any other), checked like its partner."""
    if user.partner_id is None:
        abort(404)
    outlet = db.session.scalar(
        sa.select(Outlet).where(Outlet.id == outlet_id, Outlet.partner_id == user.partner_id)
    )
    if outlet is None or not can_view_partner(user, outlet.partner):
        abort(404)
    if manage and not can_manage_partner(user, outlet.partner):
        abort(403)
    return outlet


def outlet_counts(partner):
    """{'active': n, 'inactive': n}."""
    rows = dict(db.session.execute(
        sa.select(Outlet.active, sa.func.count(Outlet.id)).where(Outlet.partner_id == partner.id).group_by(Outlet.active)
    ).all())
    return {"active": rows.get(True, 0), "inactive": rows.get(False, 0)}


# ---- people -------------------------------------------------------------------------------------


def people(partner):
    """The organisation's admins and staff, active first."""
    return db.session.scalars(
        sa.select(User).where(User.partner_id == partner.id, User.role.in_(PARTNER_ROLES))
        .order_by(User.active.desc(), User.role, User.name)
    ).all()


def staff_count(partner):
    return db.session.scalar(
        sa.select(sa.func.count(User.id))
        .where(User.partner_id == partner.id, User.role.in_(PARTNER_ROLES), User.active.is_(True))
    )


def get_staff_member(user_id, actor):
    """A staff member of the actor's own organisation; 404 for anyone else (another partner's
    people, internal users, applicants), 403 unless the actor is its partner admin."""
    if actor.partner_id is None:
        abort(404)
    member = db.session.scalar(
        sa.select(User).where(User.id == user_id, User.partner_id == actor.partner_id,
                              User.role.in_(PARTNER_ROLES))
    )
    if member is None or member.partner is None or not can_view_partner(actor, member.partner):
        abort(404)
    if not can_manage_partner(actor, member.partner):
        abort(403)
    return member


# ---- agreements and deposit -------------------------------------------------------------------


def partner_agreements(partner):
    """The partner's agreements, newest first: those linked to it and those of the prospect it
    was signed from (the original agreement may predate the partner row)."""
    condition = Agreement.partner_id == partner.id
    if partner.prospect_id is not None:
        condition = sa.or_(condition, Agreement.prospect_id == partner.prospect_id)
    return db.session.scalars(
        sa.select(Agreement).where(condition).order_by(Agreement.id.desc())
    ).all()


def current_agreement(agreements):
    """The agreement in force: the countersigned one starting last; else the newest that is not
    superseded; else None."""
    signed = [a for a in agreements if a.status == "countersigned"]
    if signed:
        return max(signed, key=lambda a: (a.start_date is not None, a.start_date, a.id))
    pending = [a for a in agreements if a.status != "superseded"]
    return max(pending, key=lambda a: a.id) if pending else None


def deposit_account(partner):
    return db.session.scalar(sa.select(DepositAccount).where(DepositAccount.partner_id == partner.id))


def deposit_movements(account):
    """The ledger, newest first."""
    if account is None:
        return []
    return db.session.scalars(
        sa.select(DepositMovement).where(DepositMovement.account_id == account.id)
        .order_by(DepositMovement.created_at.desc(), DepositMovement.id.desc())
        .options(selectinload(DepositMovement.actor))
    ).all()
