"""The proposed tier at its boundaries, and a manager applying a tier."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.errors import DomainError, ValidationError
from portal.notifications.models import Notification
from portal.scorecards import services
from portal.scorecards.models import TierChange
from tests.scorecards.conftest import IN_JULY, JUNE, P1_ADMIN, P1_STAFF, P2_ADMIN, user


@pytest.mark.parametrize("total, expected", [
    ("0.00", "bronze"), ("59.99", "bronze"), ("60.00", "silver"), ("79.99", "silver"), ("80.00", "gold"),
    ("100.00", "gold"),
])
def test_the_proposal_is_the_tier_with_the_highest_minimum_reached(tiers, total, expected):
    assert services.proposed_tier(Decimal(total)) == tiers[expected]


def test_tiers_without_a_minimum_or_not_in_use_are_never_proposed(tiers, db):
    tiers["gold"].active = False
    db.session.commit()
    assert services.proposed_tier(Decimal("95.00")) == tiers["silver"]
    assert services.next_tier(Decimal("65.00")) is None  # Platinum has no minimum, Gold is not in use
    for tier in tiers.values():
        tier.min_score = None
    db.session.commit()
    assert services.proposed_tier(Decimal("95.00")) is None


def test_a_proposal_different_from_the_tier_says_up_or_down(partners, tiers, figures, db):
    """Sales 700 ÷ 1,000 = 70.00, collection 490 ÷ 700 = 70.00 → total 70.00 → Silver."""
    figures.target("1000.00")
    figures.psi("700.00")
    figures.collection("490.00")
    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)
    one = partners["one"]
    assert card.proposed_tier == tiers["silver"]
    assert services.direction(card, one) == "change"  # no tier yet
    one.tier = tiers["gold"]
    assert services.direction(card, one) == "down"
    one.tier = tiers["bronze"]
    assert services.direction(card, one) == "up"
    one.tier = tiers["silver"]
    assert services.direction(card, one) is None


def test_applying_a_tier_changes_the_partner_with_an_audit_row_a_tier_change_and_notifications(
        people, partners, tiers, figures, db):
    one = partners["one"]
    one.tier_id = tiers["bronze"].id
    db.session.commit()
    figures.target("1000.00")
    figures.psi("700.00")
    figures.collection("490.00")
    card = services.compute_scorecard(one, JUNE, now=IN_JULY)
    db.session.commit()

    change = services.apply_tier(one, tiers["silver"], "  Scored 70 in June.  ", people["manager"], card)
    db.session.commit()

    assert one.tier_id == tiers["silver"].id
    assert (change.from_tier_id, change.to_tier_id, change.scorecard_id, change.reason, change.changed_by_id) == (
        tiers["bronze"].id, tiers["silver"].id, card.id, "Scored 70 in June.", people["manager"].id)
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Partner", AuditLog.field == "tier_id",
                                                        AuditLog.entity_id == str(one.id)).order_by(AuditLog.id.desc()))
    assert (audit.old_value, audit.new_value, audit.actor_id) == (str(tiers["bronze"].id), str(tiers["silver"].id),
                                                                  people["manager"].id)
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "tier_changed")).all()
    assert {n.user_id for n in told} == {user(P1_ADMIN).id, user(P1_STAFF).id}
    assert told[0].params["tier"] == {"en": "Silver", "zh": "银牌"} and told[0].params["reason"] == "Scored 70 in June."


def test_a_first_tier_is_announced_without_a_previous_one(people, partners, tiers, db):
    services.apply_tier(partners["one"], tiers["gold"], "Signed as a gold partner.", people["admin"])
    db.session.commit()
    kinds = db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user(P1_ADMIN).id)).all()
    assert "tier_set" in kinds
    assert db.session.scalar(sa.select(TierChange)).scorecard_id is None


@pytest.mark.parametrize("tier, reason, field", [
    (None, "A reason", "tier_id"),
    ("inactive", "A reason", "tier_id"),
    ("same", "A reason", "tier_id"),
    ("silver", "   ", "reason"),
    ("silver", "x" * 501, "reason"),
])
def test_a_tier_change_needs_another_tier_in_use_and_a_reason(people, partners, tiers, db, tier, reason, field):
    partners["one"].tier_id = tiers["gold"].id
    tiers["bronze"].active = False
    db.session.commit()
    chosen = {"inactive": tiers["bronze"], "same": tiers["gold"], "silver": tiers["silver"], None: None}[tier]
    with pytest.raises(ValidationError) as refused:
        services.apply_tier(partners["one"], chosen, reason, people["manager"])
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(TierChange.id))) == 0


def test_only_a_manager_who_sees_the_partner_may_change_its_tier(people, partners, tiers):
    for actor in (people["other_manager"], people["finance"], user(P2_ADMIN)):
        with pytest.raises(DomainError):
            services.apply_tier(partners["one"], tiers["gold"], "Because", actor)


def test_a_month_not_started_cannot_be_scored_and_one_before_the_previous_is_final():
    with pytest.raises(DomainError):
        services.check_month(date(2026, 7, 1), today=date(2026, 6, 30))
    services.check_month(date(2026, 6, 1), today=date(2026, 6, 30))
    services.check_month(date(2026, 5, 1), today=date(2026, 6, 1))
    with pytest.raises(DomainError, match="are final"):
        services.check_month(date(2026, 4, 1), today=date(2026, 6, 30))
