"""Who an announcement or asset reaches: each rule tried with real partners and territories, and
the three ways of asking (SQL visible_condition, Python includes, the partners_in select) agree."""
import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.marketing.audience import includes, partners_in, set_audience, visible_condition
from portal.marketing.models import Audience
from portal.partners.models import Partner
from portal.reference.models import PartnerTier


@pytest.fixture
def world(reference_data):
    """Partners in Guangdong and Zhejiang, of two channel types and two tiers (and none)."""
    gold = db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))
    silver = PartnerTier(code="silver", name_en="Silver", name_zh="银牌", position=2)
    db.session.add(silver)
    t = reference_data

    def partner(name, city, channel="social", tier=gold, covers=None, status="active", province=None):
        p = Partner(name=name, status=status,
                    city_id=t[city].id if city else None,
                    province_id=t[city].parent_id if city else (t[province].id if province else None),
                    channel_type_id=t[channel].id if channel else None, tier_id=tier.id if tier else None)
        p.territories = [t[c] for c in (covers if covers is not None else ([city] if city else []))]
        db.session.add(p)
        return p

    partners = {
        "sz_social_gold": partner("Shenzhen Social Gold", "GD-SZ"),
        "sz_campus_silver": partner("Shenzhen Campus Silver", "GD-SZ", channel="campus", tier=silver),
        "gz_social_silver": partner("Guangzhou Social Silver", "GD-GZ", tier=silver),
        "hz_social_gold": partner("Hangzhou Social Gold", "ZJ-HZ"),
        "hz_campus_gold": partner("Hangzhou Campus Gold", "ZJ-HZ", channel="campus"),
        "sz_covers_guangdong": partner("Shenzhen Province-wide", "GD-SZ", covers=["GD"]),
        "bare": partner("No Details Co", None, channel=None, tier=None),
    }
    db.session.commit()
    return {"t": t, "gold": gold, "silver": silver, "p": partners}


def audience(channel_types=(), tiers=(), territories=(), partners=()):
    a = Audience()
    set_audience(a, channel_types=channel_types, tiers=tiers, territories=territories, partners=partners)
    db.session.add(a)
    db.session.commit()
    return a


def reached_by_sql(a, partner):
    return db.session.scalar(sa.select(Audience.id).where(Audience.id == a.id, visible_condition(partner))) is not None


def reached(a):
    """Names of the partners ``a`` reaches, checked to be the same by all three ways of asking."""
    everyone = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    by_python = {p.name for p in everyone if includes(a, p)}
    by_sql = {p.name for p in everyone if reached_by_sql(a, p)}
    by_select = {p.name for p in db.session.scalars(partners_in(a))}
    assert by_python == by_sql, f"includes and visible_condition disagree: {by_python ^ by_sql}"
    assert by_select == by_python, f"partners_in disagrees with includes: {by_select ^ by_python}"
    return by_python


def names(world, *keys):
    return {world["p"][k].name for k in keys}


ALL = ("sz_social_gold", "sz_campus_silver", "gz_social_silver", "hz_social_gold", "hz_campus_gold",
       "sz_covers_guangdong", "bare")


def test_an_empty_audience_reaches_every_partner(world):
    assert reached(audience()) == names(world, *ALL)


def test_a_channel_type_alone_reaches_only_partners_of_that_type(world):
    a = audience(channel_types=[world["t"]["campus"]])
    assert reached(a) == names(world, "sz_campus_silver", "hz_campus_gold")


def test_a_tier_alone_reaches_only_partners_of_that_tier(world):
    assert reached(audience(tiers=[world["silver"]])) == names(world, "sz_campus_silver", "gz_social_silver")


def test_a_territory_alone_reaches_only_partners_there(world):
    assert reached(audience(territories=[world["t"]["ZJ"]])) == names(world, "hz_social_gold", "hz_campus_gold")


def test_a_named_partner_alone_is_the_only_one_reached(world):
    assert reached(audience(partners=[world["p"]["gz_social_silver"]])) == names(world, "gz_social_silver")


def test_any_value_within_a_dimension_matches(world):
    t = world["t"]
    assert reached(audience(channel_types=[t["social"], t["campus"]])) == names(world, *ALL[:-1])
    assert reached(audience(territories=[t["GD-GZ"], t["ZJ"]])) == names(
        world, "gz_social_silver", "hz_social_gold", "hz_campus_gold", "sz_covers_guangdong")
    two = [world["p"]["sz_social_gold"], world["p"]["hz_campus_gold"]]
    assert reached(audience(partners=two)) == names(world, "sz_social_gold", "hz_campus_gold")


def test_a_partner_must_match_every_dimension_given(world):
    t = world["t"]
    assert reached(audience(channel_types=[t["social"]], territories=[t["GD"]])) == names(
        world, "sz_social_gold", "gz_social_silver", "sz_covers_guangdong")
    assert reached(audience(channel_types=[t["social"]], tiers=[world["gold"]], territories=[t["GD"]])) == names(
        world, "sz_social_gold", "sz_covers_guangdong")
    # Named, but in the wrong province: not reached.
    assert reached(audience(territories=[t["ZJ"]], partners=[world["p"]["sz_social_gold"]])) == set()
    assert reached(audience(channel_types=[t["campus"]], partners=[world["p"]["sz_social_gold"],
                                                                   world["p"]["sz_campus_silver"]])) == names(
        world, "sz_campus_silver")


def test_a_province_covers_its_cities(world):
    assert reached(audience(territories=[world["t"]["GD"]])) == names(
        world, "sz_social_gold", "sz_campus_silver", "gz_social_silver", "sz_covers_guangdong")


def test_a_city_reaches_partners_there_and_those_covering_its_whole_province(world):
    # Guangzhou: the Guangzhou partner, and the Shenzhen partner covering all of Guangdong; not the
    # partners that are merely located in another Guangdong city.
    assert reached(audience(territories=[world["t"]["GD-GZ"]])) == names(
        world, "gz_social_silver", "sz_covers_guangdong")
    assert reached(audience(territories=[world["t"]["GD-SZ"]])) == names(
        world, "sz_social_gold", "sz_campus_silver", "sz_covers_guangdong")


def test_a_partner_covering_another_city_is_reached_there(world):
    t = world["t"]
    roaming = Partner(name="Shenzhen Also Hangzhou", status="active", city_id=t["GD-SZ"].id,
                      province_id=t["GD"].id, channel_type_id=t["social"].id)
    roaming.territories = [t["GD-SZ"], t["ZJ-HZ"]]
    db.session.add(roaming)
    db.session.commit()
    assert "Shenzhen Also Hangzhou" in reached(audience(territories=[t["ZJ"]]))
    assert "Shenzhen Also Hangzhou" in reached(audience(territories=[t["ZJ-HZ"]]))
    assert "Shenzhen Also Hangzhou" not in reached(audience(territories=[t["GD-GZ"]]))


def test_a_partner_without_details_is_reached_only_by_audiences_that_do_not_ask_for_them(world):
    t = world["t"]
    bare = world["p"]["bare"]
    assert includes(audience(), bare)
    for a in (audience(channel_types=[t["social"]]), audience(tiers=[world["gold"]]),
              audience(territories=[t["GD"]])):
        assert not includes(a, bare) and not reached_by_sql(a, bare)


def test_partners_in_counts_only_active_partners(world):
    world["p"]["gz_social_silver"].status = "suspended"
    db.session.commit()
    a = audience(territories=[world["t"]["GD-GZ"]])
    assert {p.name for p in db.session.scalars(partners_in(a))} == names(world, "sz_covers_guangdong")
