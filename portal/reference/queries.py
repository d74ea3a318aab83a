import sqlalchemy as sa

from portal.extensions import db
from portal.reference.models import ChannelType, PartnerTier, ProductLine, Territory


def provinces(active_only=True):
    q = sa.select(Territory).where(Territory.level == "province").order_by(Territory.code)
    if active_only:
        q = q.where(Territory.active.is_(True))
    return db.session.scalars(q).all()


def cities(province_id=None, active_only=True):
    q = sa.select(Territory).where(Territory.level == "city").order_by(Territory.code)
    if province_id:
        q = q.where(Territory.parent_id == province_id)
    if active_only:
        q = q.where(Territory.active.is_(True))
    return db.session.scalars(q).all()


def territory_choices(territories=None):
    """(id, label) for the active provinces and their active cities, cities indented under their
    province: from ``territories`` (ordered by code) when given, else in one statement."""
    if territories is None:
        territories = db.session.scalars(sa.select(Territory).where(Territory.active.is_(True))
                                         .order_by(Territory.code)).all()
    active = [t for t in territories if t.active]
    cities = {}
    for city in active:
        if city.level == "city":
            cities.setdefault(city.parent_id, []).append(city)
    choices = []
    for province in active:
        if province.level == "province":
            choices.append((province.id, province.label))
            choices += [(city.id, f"— {city.label}") for city in cities.get(province.id, ())]
    return choices


def items(model, active_only=True):
    q = sa.select(model).order_by(model.position, model.code)
    if active_only:
        q = q.where(model.active.is_(True))
    return db.session.scalars(q).all()


def channel_types():
    return items(ChannelType)


def product_lines():
    return items(ProductLine)


def tiers():
    return items(PartnerTier)
