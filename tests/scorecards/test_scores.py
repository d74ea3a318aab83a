"""Scorecards computed from the figures of each part, against examples worked out by hand."""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.core.settings import set_setting
from portal.scorecards import services
from portal.scorecards.models import Scorecard
from tests.scorecards.conftest import IN_JULY, JUNE, P1_ADMIN, P1_STAFF


def test_hand_computed_example(partners, tiers, figures, training, inspect, case, db):
    """Partner One, June 2026, default settings (weights 40/20/15/25; 10 points per conflict, 5 per
    complaint):

    - sales: targets 10,000 (mobile) + 5,000 (broadband) = 15,000; net sales (9,500 − 500) +
      3,000 = 12,000 (May's 99,999 is another month) → 12,000 ÷ 15,000 = 80.00
    - collection: 5,000 + 4,000 collected in June (July's 7,000 is not) ÷ 12,000 net sales = 75.00
    - training: 2 modules × 2 active people = 4 required; held at 30 June: admin both, staff
      module 1 (issued in May) = 3; staff module 2 expired on 31 May, renewed on 2 July → 3 ÷ 4 = 75.00
    - inspection: April–June: 45/50 = 90 % and 40/50 = 80 % (March's 0 % is outside) → 85.00
    - weighted mean = (40×80 + 20×75 + 15×75 + 25×85) ÷ 100 = (3200 + 1500 + 1125 + 2125) ÷ 100 = 79.50
    - deductions: case A (opened in May, ruled against it on 12 June) 10 + case B (opened on
      5 June, Partner One respondent, still open) 5 = 15
    - total = 79.50 − 15 = 64.50 → Silver (60 ≤ 64.50 < 80 Gold); Gold needs 15.50 more
    """
    figures.target("10000.00", "mobile")
    figures.target("5000.00", "broadband")
    figures.psi("9500.00", "500.00", "mobile")
    figures.psi("3000.00", line="broadband")
    figures.psi("99999.00", month=date(2026, 5, 1))
    figures.collection("5000.00", date(2026, 6, 3))
    figures.collection("4000.00", date(2026, 6, 30))
    figures.collection("7000.00", date(2026, 7, 1))
    one, two = training.require(2)
    training.certify(P1_ADMIN, one)
    training.certify(P1_ADMIN, two, issued=date(2026, 6, 20))
    training.certify(P1_STAFF, one, issued=date(2026, 5, 2))
    training.certify(P1_STAFF, two, issued=date(2025, 5, 31), expires=date(2026, 5, 31))
    training.certify(P1_STAFF, two, issued=date(2026, 7, 2))
    inspect(40, date(2026, 6, 8))
    inspect(45, date(2026, 4, 20))
    inspect(0, date(2026, 3, 31))
    a = case(date(2026, 5, 20), ruled=date(2026, 6, 12), action="warning")
    b = case(date(2026, 6, 5))

    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)
    db.session.commit()

    assert (card.sales_score, card.collection_score, card.training_score, card.inspection_score) == (
        Decimal("80.00"), Decimal("75.00"), Decimal("75.00"), Decimal("85.00"))
    assert (card.conflicts_against, card.complaints, card.deductions) == (1, 1, Decimal("15.00"))
    assert card.total == Decimal("64.50")
    assert card.proposed_tier == tiers["silver"]
    assert card.details["target"] == "15000.00" and card.details["net_sales"] == "12000.00"
    assert card.details["collected"] == "9000.00"
    assert (card.details["training_done"], card.details["training_required"]) == ("3", "4")
    assert (card.details["inspection_from"], card.details["inspection_to"]) == ("2026-04", "2026-06")
    assert card.details["conflicts"] == [a.number] and card.details["complaints"] == [b.number]
    assert card.details["weighted_mean"] == "79.50"
    rows = {c.key: c for c in services.components(card)}
    assert [rows[k].share for k in ("sales", "collection", "training", "inspection")] == [
        Decimal("40.00"), Decimal("20.00"), Decimal("15.00"), Decimal("25.00")]
    # Room: (100 − 80) × 40% = 8.00, (100 − 75) × 20% = 5.00, 25 × 15% = 3.75, 15 × 25% = 3.75
    assert [(c.key, c.room) for c in services.most_room(card)] == [("sales", Decimal("8.00")),
                                                                   ("collection", Decimal("5.00"))]
    nxt = services.next_tier(card.total)
    assert nxt == tiers["gold"] and nxt.min_score - card.total == Decimal("15.50")


def test_a_component_with_nothing_to_score_is_left_out_and_the_weights_shared_again(partners, tiers, figures,
                                                                                     training, db):
    """No target (sales not scored), no inspection (not scored):
    collection 8,000 ÷ 10,000 = 80.00 (weight 20), training 1 of 2 = 50.00 (weight 15)
    → (20×80 + 15×50) ÷ (20 + 15) = 2350 ÷ 35 = 67.142… → 67.14; shares 20/35 = 57.14 %, 15/35 = 42.86 %."""
    figures.psi("10000.00")
    figures.collection("8000.00")
    (module,) = training.require(1)
    training.certify(P1_ADMIN, module)

    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)

    assert card.sales_score is None and card.inspection_score is None
    assert (card.collection_score, card.training_score, card.total) == (Decimal("80.00"), Decimal("50.00"),
                                                                       Decimal("67.14"))
    assert "target" not in card.details
    shares = {c.key: c.share for c in services.components(card)}
    assert shares == {"sales": None, "collection": Decimal("57.14"), "training": Decimal("42.86"), "inspection": None}
    assert card.proposed_tier == tiers["silver"]


def test_scores_are_capped_at_100_and_rounded_half_up(partners, figures, db):
    """Sales 1,333.30 ÷ 2,000 = 66.665 → 66.67 (half up); collection 5,000 ÷ 1,333.30 would be
    375.00 → 100.00. Total = (40×66.67 + 20×100) ÷ 60 = 4666.8 ÷ 60 = 77.78."""
    figures.target("2000.00")
    figures.psi("1333.30")
    figures.collection("5000.00")

    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)

    assert (card.sales_score, card.collection_score, card.total) == (Decimal("66.67"), Decimal("100.00"),
                                                                     Decimal("77.78"))


def test_a_partner_with_nothing_to_score_totals_0_and_gets_no_proposal(partners, tiers, db):
    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)
    assert (card.sales_score, card.collection_score, card.training_score, card.inspection_score) == (None,) * 4
    assert card.total == Decimal("0.00") and card.proposed_tier_id is None  # Bronze (from 0) is not proposed
    assert card.details["weighted_mean"] == ""


def test_only_cases_ruled_against_the_partner_in_the_month_and_complaints_opened_in_it_count(partners, figures,
                                                                                           case, db):
    """Points 10 per conflict, 5 per complaint. Sales and collection 100.00: weighted mean 100.
    Against it in June: A (warning). Not against it: B (no action), C (the warning is for Partner
    Two), D (ruled in its favour: a deal reassigned to it), E (ruled in July), F (it only complained).
    Complaints opened in June with it as respondent: B, C, D, E (A opened in May) → 4 × 5 = 20.
    Total = 100 − 10 − 20 = 70.00."""
    figures.target("1000.00")
    figures.psi("1000.00")
    figures.collection("1000.00")
    a = case(date(2026, 5, 20), ruled=date(2026, 6, 12), action="warning")
    b = case(date(2026, 6, 2), ruled=date(2026, 6, 9), action="no_action")
    c = case(date(2026, 6, 3), ruled=date(2026, 6, 9), action="warning", target=partners["two"])
    d = case(date(2026, 6, 4), ruled=date(2026, 6, 10), action="reassign_deal", target=None, favour=partners["one"])
    e = case(date(2026, 6, 5), ruled=date(2026, 7, 1), action="warning")
    case(date(2026, 6, 6), respondent=partners["two"])  # F: Partner One is the complainant

    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)

    assert card.details["conflicts"] == [a.number]
    assert card.details["complaints"] == sorted([b.number, c.number, d.number, e.number])
    assert (card.conflicts_against, card.complaints, card.deductions) == (1, 4, Decimal("30.00"))
    assert card.total == Decimal("70.00")
    july = services.compute_scorecard(partners["one"], date(2026, 7, 1), now=IN_JULY)
    assert july.details["conflicts"] == [e.number] and july.complaints == 0


def test_deductions_follow_the_settings_and_the_total_never_goes_below_0(partners, figures, case, db):
    """Sales 500 ÷ 1,000 = 50.00, collection 0 ÷ 500 = 0.00 → (40×50 + 20×0) ÷ 60 = 33.33;
    2 conflicts × 30 points = 60 → 33.33 − 60 < 0 → 0.00."""
    set_setting("scorecard_points_per_conflict", 30)
    db.session.commit()
    figures.target("1000.00")
    figures.psi("500.00")
    case(date(2026, 5, 2), ruled=date(2026, 6, 3))
    case(date(2026, 5, 3), ruled=date(2026, 6, 4))

    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)

    assert (card.sales_score, card.deductions, card.total) == (Decimal("50.00"), Decimal("60.00"), Decimal("0.00"))
    assert card.details["points_per_conflict"] == "30"


def test_recomputing_updates_the_one_row_of_the_month_with_the_weights_of_the_day(partners, figures, db):
    """Sales 50.00 and collection 100.00: (40×50 + 20×100) ÷ 60 = 66.67; weights 10/30 then:
    (10×50 + 30×100) ÷ 40 = 87.50."""
    figures.target("1000.00")
    figures.psi("500.00")
    figures.collection("500.00")
    first = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)
    db.session.commit()
    assert first.total == Decimal("66.67")
    set_setting("scorecard_weight_sales", 10)
    set_setting("scorecard_weight_collection", 30)

    again = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)
    db.session.commit()

    assert again.id == first.id and again.total == Decimal("87.50")
    assert (again.details["weight_sales"], again.details["weight_collection"]) == ("10", "30")
    assert db.session.scalar(sa.select(sa.func.count(Scorecard.id))) == 1


def test_many_partners_are_computed_at_once_each_with_its_own_figures(partners, figures, outlet, reference_data, db):
    from portal.partners.models import Outlet

    store = Outlet(partner_id=partners["two"].id, name="West Lake Store", address="3 Hubin Road",
                   city_id=reference_data["ZJ-HZ"].id, kind="store")
    db.session.add(store)
    db.session.commit()
    figures.target("1000.00")
    figures.psi("900.00")
    figures.target("2000.00", partner=partners["two"])
    figures.psi("500.00", store=store)

    cards = services.compute_scorecards([partners["two"], partners["one"]], JUNE, now=IN_JULY)

    assert {c.partner_id: c.sales_score for c in cards} == {partners["one"].id: Decimal("90.00"),
                                                            partners["two"].id: Decimal("25.00")}


def test_a_month_of_more_returns_than_sales_scores_0_not_below(partners, tiers, figures, db):
    """Target 1,000; sales 100 − returns 600 = −500 net: sales 0.00 (not −50.00, which would drag
    the other components down); collection is not scored without positive net sales."""
    figures.target("1000.00")
    figures.psi("100.00", "600.00")
    figures.collection("50.00")
    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)
    db.session.commit()
    assert (card.sales_score, card.collection_score, card.total) == (Decimal("0.00"), None, Decimal("0.00"))
    assert card.details["net_sales"] == "-500.00"
