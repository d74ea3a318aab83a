"""Scorecard queries, always scoped to what the user may see.

The vendor side starts from ``visible_partners(user)``: a partner outside a manager's territory
answers 404. The partner side starts from ``user.partner_id`` and takes no partner id from the
URL, so another organisation's scorecards are never within reach.
"""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.core.i18n import add_months
from portal.core.urls import id_arg
from portal.extensions import db
from portal.partners.models import Partner
from portal.partners.queries import visible_partners
from portal.reference.models import PartnerTier, Territory
from portal.scorecards.models import Scorecard, TierChange

HISTORY_MONTHS = 6


def list_filters(args):
    """The list's filters from the query string (values that do not parse are ignored)."""
    return {"territory": id_arg(args, "territory"), "tier": id_arg(args, "tier"),
            "proposals": args.get("proposals") == "1"}


def scorecard_partners(user, month, filters):
    """A select of the partners ``user`` may see that are active or were scored in ``month``, by
    name; narrowed by territory (a province includes its cities), the partner's current tier, and
    to those whose proposed tier differs from their tier. Their scorecards: ``cards_for``."""
    joined = sa.and_(Scorecard.partner_id == Partner.id, Scorecard.month == month)
    query = visible_partners(user).outerjoin(Scorecard, joined) \
        .where(sa.or_(Partner.status == "active", Scorecard.id.is_not(None)))
    if filters["territory"]:
        territory = filters["territory"]
        query = query.where(sa.or_(Partner.province_id == territory, Partner.city_id == territory))
    if filters["tier"]:
        query = query.where(Partner.tier_id == filters["tier"])
    if filters["proposals"]:
        query = query.where(Scorecard.proposed_tier_id.is_not(None),
                            sa.or_(Partner.tier_id.is_(None), Scorecard.proposed_tier_id != Partner.tier_id))
    return query.options(selectinload(Partner.tier)).order_by(Partner.name, Partner.id)


def cards_for(partners, month):
    """{partner id: its scorecard of ``month``} for a page of partners."""
    ids = [p.id for p in partners]
    if not ids:
        return {}
    return {c.partner_id: c for c in db.session.scalars(
        sa.select(Scorecard).where(Scorecard.partner_id.in_(ids), Scorecard.month == month)
        .options(selectinload(Scorecard.proposed_tier)))}


def active_partners(user):
    """The active partners ``user`` may see (those a recompute covers)."""
    return db.session.scalars(visible_partners(user).where(Partner.status == "active").order_by(Partner.id)).all()


def scorecard_of(partner, month):
    return db.session.scalar(sa.select(Scorecard).where(Scorecard.partner_id == partner.id, Scorecard.month == month))


def recent(partner, month, months=HISTORY_MONTHS):
    """The partner's scorecards of the ``months`` months up to ``month``, newest first."""
    first = add_months(month, -(months - 1))
    return db.session.scalars(
        sa.select(Scorecard).where(Scorecard.partner_id == partner.id, Scorecard.month >= first,
                                   Scorecard.month <= month)
        .options(selectinload(Scorecard.tier), selectinload(Scorecard.proposed_tier))
        .order_by(Scorecard.month.desc())
    ).all()


def own_history(user):
    """A select of the user's organisation's scorecards, newest month first."""
    if user.partner_id is None:
        return sa.select(Scorecard).where(sa.false())
    return sa.select(Scorecard).where(Scorecard.partner_id == user.partner_id) \
        .options(selectinload(Scorecard.tier)).order_by(Scorecard.month.desc())


def tier_changes(partner):
    return db.session.scalars(
        sa.select(TierChange).where(TierChange.partner_id == partner.id)
        .options(selectinload(TierChange.from_tier), selectinload(TierChange.to_tier),
                 selectinload(TierChange.changed_by))
        .order_by(TierChange.changed_at.desc(), TierChange.id.desc())
    ).all()


def tiers(active_only=True):
    query = sa.select(PartnerTier).order_by(PartnerTier.position, PartnerTier.code)
    if active_only:
        query = query.where(PartnerTier.active.is_(True))
    return db.session.scalars(query).all()


def territory_choices():
    """(id, label) of the provinces, each followed by its cities."""
    territories = db.session.scalars(
        sa.select(Territory).where(Territory.active.is_(True)).order_by(Territory.code)).all()
    choices = []
    for province in (t for t in territories if t.level == "province"):
        choices.append((province.id, province.label))
        choices += [(t.id, f"— {t.label}") for t in territories if t.parent_id == province.id]
    return choices
