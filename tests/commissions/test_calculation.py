"""The calculation against figures worked out by hand from the fixture (tests/commissions/conftest.py).

Rates: mobile 3.35 %, broadband 5 %, devices 2.5 %; every amount is rounded to the fen, half up.

MAIN   mobile     sales   11,030.00 + 1,000.00 = 12,030.00 × 3.35 % = 403.005   → 403.01  (half up; not 403.00)
       mobile     returns 200.00 × 3.35 %                  =   6.70             →  −6.70
       broadband  sales   8,888.88 × 5 %                   = 444.444            → 444.44
       broadband  returns 1,234.57 × 5 %                   =  61.7285           → −61.73
       devices    sales   4,444.20 × 2.5 %                 = 111.105            → 111.11
       adjustment                                                               → 150.00
       total      403.01 − 6.70 + 444.44 − 61.73 + 111.11 + 150.00                = 1,040.13
EARLY  mobile     sales   2,000.00 × 3.35 %                = 67.00  (the 1,000.00 sold at 00:30 on the
                                                                     1st of MAIN, Beijing time, is not here)
Late report: after EARLY is released, Futian's EARLY mobile figures become sales 2,600.00, returns 100.00:
       due now 87.10 − 3.35 = 83.75, settled 67.00 → a late_report line of 16.75 on MAIN: total 1,056.88.
"""
from datetime import timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.commissions import calculation, services
from portal.commissions.models import CommissionStatement
from portal.core.audit import acting_as
from portal.core.errors import DomainError
from portal.results.models import PsiEntry
from tests.commissions.conftest import EARLY, LATE, MAIN, statement_of, summary

D = Decimal


def adjust(cast, db, month, amount, reason, line=None):
    with acting_as(cast["manager"]):
        adjustment = services.add_adjustment(
            {"partner_id": cast["one"].id, "month": month.isoformat()[:7], "amount": amount, "reason": reason,
             "product_line_id": cast[line].id if line else None}, cast["manager"])
    db.session.commit()
    return adjustment


def test_half_up_rounding_to_the_fen():
    assert calculation.commission(D("12030.00"), D("3.3500")) == D("403.01")  # 403.005: half up, not to even
    assert calculation.commission(D("30.00"), D("3.3500")) == D("1.01")
    assert calculation.commission(D("4444.20"), D("2.5000")) == D("111.11")
    assert calculation.commission(D("1234.57"), D("5.0000")) == D("61.73")


def test_the_month_is_computed_line_by_line_as_worked_by_hand(figures, compute, db):
    cast = figures
    adjust(cast, db, MAIN, "150.00", "Launch bonus agreed at the monthly review", "mobile")
    statement = compute(MAIN)
    assert summary(statement) == [
        ("sales", "mobile", MAIN, D("12030.00"), D("3.3500"), D("403.01")),
        ("returns", "mobile", MAIN, D("200.00"), D("3.3500"), D("-6.70")),
        ("sales", "broadband", MAIN, D("8888.88"), D("5.0000"), D("444.44")),
        ("returns", "broadband", MAIN, D("1234.57"), D("5.0000"), D("-61.73")),
        ("sales", "devices", MAIN, D("4444.20"), D("2.5000"), D("111.11")),
        ("adjustment", "mobile", MAIN, None, None, D("150.00")),
    ]
    assert statement.total == D("1040.13")
    assert [line.position for line in statement.lines] == [1, 2, 3, 4, 5, 6]
    assert statement.lines[-1].description == "Launch bonus agreed at the monthly review"
    assert statement.lines[-1].adjustment_id is not None
    assert statement.number == f"CS-{MAIN:%Y%m}-{cast['one'].id:04d}" and statement.status == "draft"
    assert statement.computed_by_id == cast["manager"].id and statement.computed_at is not None
    # Read back from the database, the amounts are exact decimals.
    db.session.expire_all()
    stored = db.session.get(CommissionStatement, statement.id)
    assert stored.total == D("1040.13") and isinstance(stored.total, Decimal)
    assert sum(line.amount for line in stored.lines) == D("1040.13")


def test_a_sale_at_half_past_midnight_on_the_first_in_beijing_counts_in_the_new_month(figures, compute, db):
    [imported] = db.session.scalars(sa.select(PsiEntry).where(PsiEntry.outlet_id == figures["nanshan"].id)).all()
    assert imported.occurred_at.astimezone(timezone.utc).date() < MAIN  # still the previous month in UTC
    assert imported.month == MAIN
    early = compute(EARLY)
    assert summary(early) == [("sales", "mobile", EARLY, D("2000.00"), D("3.3500"), D("67.00"))]
    assert early.total == D("67.00")
    main = compute(MAIN)
    assert summary(main)[0] == ("sales", "mobile", MAIN, D("12030.00"), D("3.3500"), D("403.01"))


def test_computing_again_gives_the_same_lines_and_follows_changed_figures(figures, compute, report, db):
    first = compute(MAIN)
    before = summary(first)
    assert summary(compute(MAIN)) == before and first.total == D("890.13")
    report("futian", "devices", MAIN, "4444.60")  # 4,444.60 × 2.5 % = 111.115 → 111.12
    statement = compute(MAIN)
    assert summary(statement)[4] == ("sales", "devices", MAIN, D("4444.60"), D("2.5000"), D("111.12"))
    assert statement.total == D("890.14")
    assert db.session.scalar(sa.select(sa.func.count(CommissionStatement.id))) == 1


def test_a_late_report_for_a_released_month_is_settled_once_on_the_next_statement(figures, compute, settle, report, db):
    cast = figures
    early = settle(EARLY)
    assert early.status == "released" and early.total == D("67.00")
    report("futian", "mobile", EARLY, "2600.00", "100.00")  # reported late, after EARLY was paid
    adjust(cast, db, MAIN, "150.00", "Launch bonus", "mobile")
    main = compute(MAIN)
    late = [line for line in summary(main) if line[0] == "late_report"]
    assert late == [("late_report", "mobile", EARLY, None, D("3.3500"), D("16.75"))]  # 87.10 − 3.35 − 67.00
    assert next(line for line in main.lines if line.kind == "late_report").description == "83.75/67.00"
    assert main.total == D("1056.88")
    assert summary(compute(MAIN)) == summary(main)  # idempotent
    assert summary(early) == [("sales", "mobile", EARLY, D("2000.00"), D("3.3500"), D("67.00"))]  # untouched
    # Once MAIN is released too, LATE owes nothing more for EARLY.
    with acting_as(cast["manager"]):
        services.approve(main, cast["manager"])
    db.session.commit()
    with acting_as(cast["finance"]):
        services.release(main, cast["finance"], "ICBC-2")
    db.session.commit()
    report("futian", "mobile", LATE, "100.00")
    assert summary(compute(LATE)) == [("sales", "mobile", LATE, D("100.00"), D("3.3500"), D("3.35"))]
    # A return reported later for EARLY is clawed back as a negative late report.
    report("futian", "mobile", EARLY, "2600.00", "300.00")  # returns 300 × 3.35 % = 10.05: 6.70 more
    late = compute(LATE)
    assert [line for line in summary(late) if line[0] == "late_report"] == [
        ("late_report", "mobile", EARLY, None, D("3.3500"), D("-6.70"))]
    assert late.total == D("-3.35")


def test_a_late_report_is_not_claimed_twice_by_drafts_computed_out_of_order(figures, compute, settle, report, db):
    settle(EARLY)
    report("futian", "mobile", EARLY, "2600.00", "100.00")
    later = compute(LATE)
    assert [line.amount for line in later.lines if line.kind == "late_report"] == [D("16.75")]
    main = compute(MAIN)
    assert [line for line in main.lines if line.kind == "late_report"] == []  # LATE already carries it
    assert summary(compute(LATE)) == summary(later)


def test_sales_without_a_rate_or_without_terms_earn_nothing(figures, compute, make_agreement, db):
    cast = figures
    from portal.partners.models import Outlet
    from portal.results import psi

    west_lake = Outlet(partner_id=cast["two"].id, name="West Lake Store", address="3 Hubin Road",
                       city_id=cast["two"].city_id, kind="store")
    db.session.add(west_lake)
    db.session.commit()
    psi.submit_report(cast["two"], west_lake.id, cast["mobile"].id, MAIN.isoformat()[:7],
                      {"purchases": "1", "sales": "1", "sales_amount": "5000", "closing_inventory": "0"},
                      cast["p2_admin"])
    db.session.commit()
    with acting_as(cast["admin"]):
        computed, final = services.compute_month(MAIN.isoformat()[:7], cast["admin"])
    db.session.commit()
    assert [s.partner_id for s in computed] == [cast["one"].id]  # Partner Two has no terms: no statement
    assert statement_of(cast["two"], MAIN) is None and final == []


def test_only_a_month_that_is_over_can_be_computed(figures, compute):
    from tests.commissions.conftest import CURRENT

    with pytest.raises(DomainError) as refused:
        compute(CURRENT)
    assert refused.value.field == "month" and "has not ended yet" in str(refused.value.message)


def test_a_manager_computes_only_the_partners_they_may_see(figures, db):
    cast = figures
    with acting_as(cast["other_manager"]):
        computed, _final = services.compute_month(MAIN, cast["other_manager"])
    assert computed == []
    with pytest.raises(DomainError):
        services.compute_statement(cast["one"], MAIN, cast["other_manager"])
    assert db.session.scalar(sa.select(sa.func.count(CommissionStatement.id))) == 0


def test_the_line_is_explained_in_words(figures, compute, settle, report, db):
    cast = figures
    settle(EARLY)
    report("futian", "mobile", EARLY, "2600.00", "100.00")
    adjust(cast, db, MAIN, "-20.50", "Double-counted activation in Futian")
    main = compute(MAIN)
    words = {}
    for line in main.lines:
        words.setdefault(line.kind, calculation.explain(line))
    assert words["sales"].startswith("3.35% commission on ¥12,030.00 of Mobile plans sold in")
    assert "¥200.00 of Mobile plans sales were returned" in words["returns"]
    assert "¥83.75 is due for it now, ¥67.00 was already settled" in words["late_report"]
    assert words["adjustment"] == "Manual correction: Double-counted activation in Futian"
    assert main.total == D("890.13") + D("16.75") - D("20.50")


def test_rent_subsidy_lines_are_part_of_the_statement(figures, compute, db):
    import calendar

    from portal.core import storage
    from portal.subsidies.models import LeaseProof
    from portal.agreements.queries import terms_in_force
    from tests.commissions.conftest import PDF

    cast = figures
    terms_in_force(cast["one"].id, MAIN).rent_subsidy_per_outlet = D("1500.00")
    db.session.add(LeaseProof(partner_id=cast["one"].id, outlet_id=cast["futian"].id,
                              file_id=storage.store_bytes(PDF, "lease.pdf", "application/pdf").id,
                              starts_on=EARLY, ends_on=LATE, status="accepted"))
    db.session.commit()
    statement = compute(MAIN)
    days = calendar.monthrange(MAIN.year, MAIN.month)[1]
    [subsidy] = [line for line in statement.lines if line.kind == "rent_subsidy"]
    assert (subsidy.outlet_id, subsidy.source_month, subsidy.base_amount, subsidy.amount, subsidy.description) == (
        cast["futian"].id, MAIN, D("1500.00"), D("1500.00"), f"{days}/{days}")
    assert statement.total == D("890.13") + D("1500.00")
    assert "Rent subsidy of ¥1,500.00 a month for outlet Futian Store" in calculation.explain(subsidy)
