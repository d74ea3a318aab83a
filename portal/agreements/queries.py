"""Load agreements through the access rule, so that no view can forget it."""
from datetime import timedelta

import sqlalchemy as sa
from flask import abort

from portal.agreements.models import Agreement
from portal.core.permissions import ADMIN, APPLICANT, PARTNER_ADMIN, PARTNER_STAFF, can_edit_prospect, can_view_prospect
from portal.extensions import db


def can_view_agreement(user, agreement):
    """Admins; managers who may see its prospect; the applicant of its prospect; the admin and
    staff of the partner organisation it belongs to."""
    if user.role == ADMIN:
        return True
    if user.role == APPLICANT:
        return agreement.prospect.applicant_user_id == user.id
    if user.role in (PARTNER_ADMIN, PARTNER_STAFF):
        partner = agreement.partner or getattr(agreement.prospect, "partner", None)
        return partner is not None and user.partner_id == partner.id
    return can_view_prospect(user, agreement.prospect)


def can_sign_for_prospect(user, agreement):
    """The prospect's side signs: its applicant, or (for amendments and renewals) the admin of
    the partner organisation."""
    if user.role == APPLICANT:
        return agreement.prospect.applicant_user_id == user.id
    if user.role == PARTNER_ADMIN:
        partner = agreement.partner or getattr(agreement.prospect, "partner", None)
        return partner is not None and user.partner_id == partner.id
    return False


def can_act_for_vendor(user, agreement):
    return user.role in (ADMIN, "manager") and can_edit_prospect(user, agreement.prospect)


def get_agreement(agreement_id, user):
    """The agreement if ``user`` may see it; 404 otherwise (as if it did not exist)."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not can_view_agreement(user, agreement):
        abort(404)
    return agreement


def terms_in_force(partner_id, month):
    """The locked term sheet of the partner's agreement in force in ``month`` (any date of the
    business month), or None: among its countersigned agreements (and those an amendment or a
    renewal later superseded), the one whose period overlaps the month with the latest start
    (the latest generated on a tie). Commissions (rates per product line) and rent subsidies
    (per outlet) are computed from it."""
    from portal.core.i18n import add_months, month_start
    from portal.negotiation.models import TermSheet

    first = month_start(month)
    last = add_months(first, 1) - timedelta(days=1)
    agreement = db.session.scalar(
        sa.select(Agreement)
        .where(Agreement.partner_id == partner_id, Agreement.status.in_(("countersigned", "superseded")),
               sa.or_(Agreement.start_date.is_(None), Agreement.start_date <= last),
               sa.or_(Agreement.end_date.is_(None), Agreement.end_date >= first))
        .order_by(Agreement.start_date.desc().nulls_last(), Agreement.id.desc())
        .limit(1)
    )
    return db.session.get(TermSheet, agreement.term_sheet_id) if agreement is not None else None
