"""Becoming a partner: what the countersignature of an agreement changes.

An original agreement turns the prospect into a partner organisation, makes its applicant the
partner admin and opens its deposit account with the amount due. An amendment or renewal (the
prospect is already a partner) updates the partner's terms and asks for any deposit increase.
Called by ``portal.agreements.signing.countersign``; the caller commits.
"""
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from portal.agreements.models import Agreement
from portal.core.models import utcnow
from portal.core.permissions import APPLICANT, PARTNER_ADMIN
from portal.extensions import db
from portal.notifications.services import notify
from portal.partners import ledger
from portal.partners.models import Partner
from portal.recruitment.models import SIGNED
from portal.recruitment.services import change_stage

ZERO = Decimal("0.00")


def create_partner_from_agreement(agreement, actor):
    """Apply a countersigned agreement. Returns (partner, created)."""
    prospect = agreement.prospect
    partner = agreement.partner or prospect.partner
    if partner is None:
        return _create(agreement, actor), True
    _update(partner, agreement, actor)
    return partner, False


def apply_terms(partner, sheet):
    """The partner's fields that come from the agreed terms."""
    partner.territories = list(sheet.territories)
    partner.exclusive = bool(sheet.exclusive)
    if sheet.channel_type_id is not None:
        partner.channel_type_id = sheet.channel_type_id
    partner.tier_id = sheet.tier_id


def _create(agreement, actor):
    prospect, sheet = agreement.prospect, agreement.term_sheet
    change_stage(prospect, SIGNED, _("Agreement %(number)s signed by both sides.", number=agreement.number), actor,
                 via_workflow=True)
    partner = Partner(
        name=prospect.company_name, credit_code=prospect.credit_code, prospect_id=prospect.id,
        legal_representative=prospect.legal_representative, contact_name=prospect.contact_name,
        phone=prospect.mobile, email=prospect.email, province_id=prospect.province_id, city_id=prospect.city_id,
        channel_type_id=prospect.channel_type_id, manager_id=prospect.owner_id, status="active", signed_at=utcnow(),
    )
    apply_terms(partner, sheet)
    db.session.add(partner)
    db.session.flush()
    agreement.partner = partner

    account = ledger.open_account(partner)
    if sheet.deposit and sheet.deposit > ZERO:
        ledger.record_movement(account, "due", sheet.deposit, actor, reference=agreement.number,
                               note=_("Credit deposit due under agreement %(number)s.", number=agreement.number))

    admin = prospect.applicant
    if admin is not None and admin.role == APPLICANT:
        admin.role = PARTNER_ADMIN
        admin.partner_id = partner.id
        admin.end_sessions()  # the next request signs them in afresh, with the partner's menus
        db.session.flush()
        notify(admin, "partner_created", {"company": partner.name, "number": agreement.number},
               link=url_for("partners.home"))
    return partner


def _update(partner, agreement, actor):
    """An amendment or renewal: new terms for the existing partner; no new partner, no role change."""
    sheet = agreement.term_sheet
    previous = _previous_deposit(agreement, partner)
    apply_terms(partner, sheet)
    agreement.partner = partner
    account = partner.deposit_account or ledger.open_account(partner)
    if previous is None:  # no earlier agreement on file: what the ledger already asks for
        previous = ledger.balances(account.id)["due"]
    increase = (sheet.deposit or ZERO) - previous
    if increase > ZERO:
        ledger.record_movement(account, "due", increase, actor, reference=agreement.number,
                               note=_("Deposit increase under agreement %(number)s.", number=agreement.number))
    db.session.flush()


def _previous_deposit(agreement, partner):
    """The deposit of the terms in force before this agreement: those of the agreement it amends
    or renews if that was countersigned, else of the partner's latest countersigned agreement;
    None if there is none."""
    previous = agreement.previous
    if previous is None or previous.status != "countersigned":
        previous = db.session.scalar(
            sa.select(Agreement)
            .where(Agreement.id != agreement.id, Agreement.status == "countersigned",
                   sa.or_(Agreement.partner_id == partner.id, Agreement.prospect_id == agreement.prospect_id))
            .order_by(Agreement.id.desc())
            .limit(1)
        )
    return previous.term_sheet.deposit if previous is not None else None
