"""Who may see an announcement or an asset.

An ``Audience`` lists channel types, tiers, territories and (for announcements) partners. Rules:
- an empty dimension means everyone;
- within a dimension any listed value matches;
- every non-empty dimension must match (channel type AND tier AND territory AND partner);
- territories: a province includes its cities. A partner matches a territory when the
  territory is one of the partner's places (its city, its province, the territories it
  covers) or contains one of them; a partner covering a whole province also matches an
  audience naming one of that province's cities.
"""
import sqlalchemy as sa

from portal.extensions import db
from portal.marketing.models import (
    Audience, audience_channel_type, audience_partner, audience_territory, audience_tier,
)
from portal.reference.models import Territory


def partner_places(partner):
    """Territory ids an audience may name to reach ``partner`` (see the module's rules).

    Only the territories the partner *covers* reach down to their cities: a partner located in
    Shenzhen sits in Guangdong (so "Guangdong" reaches it) but does not cover Guangzhou."""
    covered = {t.id for t in partner.territories}
    own = covered | {i for i in (partner.city_id, partner.province_id) if i}
    if not own:
        return set()
    rows = db.session.execute(
        sa.select(Territory.id, Territory.parent_id).where(
            sa.or_(Territory.id.in_(own), Territory.parent_id.in_(covered))
        )
    ).all()
    places = set(own)
    for tid, parent_id in rows:
        if tid in own and parent_id:
            places.add(parent_id)  # the province of one of its cities
        if parent_id in covered:
            places.add(tid)  # a city of a province it covers
    return places


def _dimension(table, column, values):
    """SQL: the audience names nothing in this dimension, or names one of ``values``."""
    names_any = sa.exists().where(table.c.audience_id == Audience.id)
    if not values:
        return ~names_any
    names_match = sa.exists().where(table.c.audience_id == Audience.id, column.in_(values))
    return sa.or_(~names_any, names_match)


def visible_condition(partner):
    """A SQL condition on ``Audience`` true for the audiences ``partner`` belongs to. Join or
    correlate it with the owning row's ``audience_id``, e.g.
    ``select(Asset).join(Audience, Asset.audience_id == Audience.id).where(visible_condition(p))``."""
    return sa.and_(
        _dimension(audience_channel_type, audience_channel_type.c.channel_type_id,
                   [partner.channel_type_id] if partner.channel_type_id else []),
        _dimension(audience_tier, audience_tier.c.tier_id, [partner.tier_id] if partner.tier_id else []),
        _dimension(audience_territory, audience_territory.c.territory_id, sorted(partner_places(partner))),
        _dimension(audience_partner, audience_partner.c.partner_id, [partner.id]),
    )


def includes(audience, partner):
    """The same rule in Python, for one audience already loaded."""
    if audience.channel_types and partner.channel_type_id not in {c.id for c in audience.channel_types}:
        return False
    if audience.tiers and partner.tier_id not in {t.id for t in audience.tiers}:
        return False
    if audience.territories and not ({t.id for t in audience.territories} & partner_places(partner)):
        return False
    if audience.partners and partner.id not in {p.id for p in audience.partners}:
        return False
    return True


def set_audience(audience, channel_types=(), tiers=(), territories=(), partners=()):
    """Replace what an audience names (lists of model rows). The caller commits."""
    audience.channel_types = list(channel_types)
    audience.tiers = list(tiers)
    audience.territories = list(territories)
    audience.partners = list(partners)
    return audience


def partners_in(audience):
    """A select of the active partners an audience reaches (for "who has not read it")."""
    from portal.partners.models import Partner, partner_territory

    query = sa.select(Partner).where(Partner.status == "active")
    if audience.channel_types:
        query = query.where(Partner.channel_type_id.in_([c.id for c in audience.channel_types]))
    if audience.tiers:
        query = query.where(Partner.tier_id.in_([t.id for t in audience.tiers]))
    if audience.partners:
        query = query.where(Partner.id.in_([p.id for p in audience.partners]))
    if audience.territories:
        named = {t.id for t in audience.territories}
        children = set(db.session.scalars(sa.select(Territory.id).where(Territory.parent_id.in_(named))))
        parents = {t.parent_id for t in audience.territories if t.parent_id}
        reach = named | children
        query = query.where(
            sa.or_(
                Partner.city_id.in_(reach),
                Partner.province_id.in_(named),
                Partner.id.in_(sa.select(partner_territory.c.partner_id)
                               .where(partner_territory.c.territory_id.in_(reach | parents))),
            )
        )
    return query.order_by(Partner.name)
