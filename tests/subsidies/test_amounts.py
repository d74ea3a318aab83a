"""The rent subsidy lines of a monthly commission statement, computed by hand: ¥1,500 per
outlet per month, paid for the days an outlet is open and covered by an accepted lease; what a
released statement paid too much is clawed back, what it paid too little is made up."""
from datetime import date
from decimal import Decimal

from portal.subsidies.services import subsidy_lines
from tests.subsidies.conftest import NOVEMBER, OCTOBER, SEPTEMBER


def amounts(lines):
    return [(l["kind"], l["source_month"], l["amount"], l["description"]) for l in lines]


def test_a_lease_from_the_tenth_of_a_30_day_month_pays_21_days(cast, lease):
    lease(cast["futian"], date(2026, 9, 10), date(2028, 9, 9))
    [line] = subsidy_lines(cast["one"], SEPTEMBER)
    assert line == {"kind": "rent_subsidy", "outlet_id": cast["futian"].id, "source_month": SEPTEMBER,
                    "base_amount": Decimal("1500.00"), "amount": Decimal("1050.00"), "description": "21/30"}


def test_a_whole_month_pays_the_whole_subsidy_and_the_days_follow_the_month_length(cast, lease):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    assert amounts(subsidy_lines(cast["one"], OCTOBER)) == [("rent_subsidy", OCTOBER, Decimal("1500.00"), "31/31")]
    assert amounts(subsidy_lines(cast["one"], date(2026, 2, 1))) == [
        ("rent_subsidy", date(2026, 2, 1), Decimal("1500.00"), "28/28")]


def test_only_the_days_the_outlet_is_open_count(cast, lease, db):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    cast["futian"].opened_on = date(2026, 9, 16)  # opened on the 16th: 15 days of 30
    db.session.commit()
    assert amounts(subsidy_lines(cast["one"], SEPTEMBER)) == [("rent_subsidy", SEPTEMBER, Decimal("750.00"), "15/30")]
    cast["futian"].opened_on, cast["futian"].closed_on = None, date(2026, 9, 8)  # the closing day is not paid: 7 days
    db.session.commit()
    assert amounts(subsidy_lines(cast["one"], SEPTEMBER)) == [("rent_subsidy", SEPTEMBER, Decimal("350.00"), "7/30")]
    assert subsidy_lines(cast["one"], OCTOBER) == []


def test_two_accepted_leases_count_each_day_once(cast, lease):
    lease(cast["futian"], date(2025, 1, 1), date(2026, 9, 20))
    lease(cast["futian"], date(2026, 9, 15), date(2028, 9, 14))  # overlaps the first from the 15th to the 20th
    assert amounts(subsidy_lines(cast["one"], SEPTEMBER)) == [("rent_subsidy", SEPTEMBER, Decimal("1500.00"), "30/30")]


def test_amounts_are_rounded_half_up_to_the_fen(cast, lease, db):
    cast["agreement"].term_sheet.rent_subsidy_per_outlet = Decimal("1500.15")
    db.session.commit()
    lease(cast["futian"], date(2026, 9, 30), date(2028, 9, 29))  # 1500.15 × 1/30 = 50.005
    assert amounts(subsidy_lines(cast["one"], SEPTEMBER)) == [("rent_subsidy", SEPTEMBER, Decimal("50.01"), "1/30")]


def test_no_subsidy_without_an_accepted_lease(cast, lease):
    assert subsidy_lines(cast["one"], SEPTEMBER) == []
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31), status="pending")
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31), status="rejected")
    lease(cast["futian"], date(2024, 1, 1), date(2026, 8, 31))  # accepted, but over before September
    assert subsidy_lines(cast["one"], SEPTEMBER) == []


def test_no_subsidy_when_the_terms_have_none(cast, lease, db, partners):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    cast["agreement"].term_sheet.rent_subsidy_per_outlet = Decimal("0.00")
    db.session.commit()
    assert subsidy_lines(cast["one"], SEPTEMBER) == []
    lease(cast["binjiang"], date(2026, 1, 1), date(2027, 12, 31))  # Partner Two has no agreement at all
    assert subsidy_lines(partners["two"], SEPTEMBER) == []


def test_an_outlet_closed_on_the_19th_after_its_month_was_released_gives_back_the_overpaid_days(
        cast, lease, release, db):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    september = subsidy_lines(cast["one"], SEPTEMBER)
    release(cast["one"], SEPTEMBER, september)  # paid ¥1,500.00 for 30/30
    cast["futian"].closed_on, cast["futian"].active = date(2026, 9, 19), False  # open 18 days: ¥900.00 due
    db.session.commit()
    october = subsidy_lines(cast["one"], OCTOBER)
    assert october == [{"kind": "subsidy_clawback", "outlet_id": cast["futian"].id, "source_month": SEPTEMBER,
                        "base_amount": Decimal("1500.00"), "amount": Decimal("-600.00"), "description": "18/30"}]
    assert subsidy_lines(cast["one"], OCTOBER) == october  # computing the draft again changes nothing
    release(cast["one"], OCTOBER, october)
    assert subsidy_lines(cast["one"], NOVEMBER) == []  # taken back once, not every month


def test_a_lease_accepted_after_the_month_was_released_is_paid_on_the_next_statement(cast, lease, release):
    release(cast["one"], SEPTEMBER, subsidy_lines(cast["one"], SEPTEMBER))  # nothing yet: no lease
    lease(cast["futian"], date(2026, 9, 10), date(2028, 9, 9))
    assert amounts(subsidy_lines(cast["one"], OCTOBER)) == [
        ("rent_subsidy", SEPTEMBER, Decimal("1050.00"), "21/30"),  # September's 21 days, made up
        ("rent_subsidy", OCTOBER, Decimal("1500.00"), "31/31")]


def test_only_released_statements_count_as_paid(cast, lease, release, db):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    release(cast["one"], SEPTEMBER, subsidy_lines(cast["one"], SEPTEMBER), status="approved")  # not yet paid
    cast["futian"].closed_on = date(2026, 9, 19)
    db.session.commit()
    assert amounts(subsidy_lines(cast["one"], OCTOBER)) == []


def test_each_outlet_has_its_own_lines(cast, lease, db, reference_data):
    from portal.partners.models import Outlet

    nanshan = Outlet(partner_id=cast["one"].id, name="Nanshan Kiosk", address="2 Keyuan Road",
                     city_id=reference_data["GD-SZ"].id, kind="kiosk")
    db.session.add(nanshan)
    db.session.commit()
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    lease(nanshan, date(2026, 9, 21), date(2027, 12, 31))
    lines = subsidy_lines(cast["one"], SEPTEMBER)
    assert [(l["outlet_id"], l["amount"]) for l in lines] == [(cast["futian"].id, Decimal("1500.00")),
                                                              (nanshan.id, Decimal("500.00"))]


def test_a_clawback_awaiting_release_is_not_taken_back_again_on_the_next_statement(cast, lease, release, db):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    release(cast["one"], SEPTEMBER, subsidy_lines(cast["one"], SEPTEMBER))  # paid ¥1,500.00 for 30/30
    cast["futian"].closed_on, cast["futian"].active = date(2026, 9, 19), False
    db.session.commit()
    october = subsidy_lines(cast["one"], OCTOBER)
    assert amounts(october) == [("subsidy_clawback", SEPTEMBER, Decimal("-600.00"), "18/30")]
    release(cast["one"], OCTOBER, october, status="approved")  # approved, finance has not released it yet
    assert subsidy_lines(cast["one"], NOVEMBER) == []  # ¥600.00 is taken back once, not twice


def test_a_late_lease_made_up_on_a_statement_awaiting_release_is_not_paid_twice(cast, lease, release):
    release(cast["one"], SEPTEMBER, [])  # nothing: no lease yet
    lease(cast["futian"], date(2026, 9, 10), date(2026, 10, 31))
    october = subsidy_lines(cast["one"], OCTOBER)
    release(cast["one"], OCTOBER, october, status="draft")
    assert subsidy_lines(cast["one"], NOVEMBER) == []  # September's ¥1,050.00 is on October's statement


def test_no_subsidy_from_the_day_the_partners_termination_is_completed(cast, lease, db):
    from datetime import datetime, timezone

    from portal.exits.models import Termination

    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    cast["one"].status = "terminated"
    db.session.add(Termination(number="EX-2026-0001", partner_id=cast["one"].id, status="completed", reason="Exit",
                               completed_at=datetime(2026, 9, 20, 16, 30, tzinfo=timezone.utc)))  # 21 Sep, Beijing
    db.session.commit()
    assert amounts(subsidy_lines(cast["one"], SEPTEMBER)) == [("rent_subsidy", SEPTEMBER, Decimal("1000.00"), "20/30")]
    assert subsidy_lines(cast["one"], OCTOBER) == [] and subsidy_lines(cast["one"], NOVEMBER) == []
