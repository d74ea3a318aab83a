"""A statement below zero pays nothing; what it owes is carried, once, to the partner's next
statement; a terminated partner gets no statement for a month after its termination.

Worked by hand from the fixture (tests/commissions/conftest.py):

EARLY  mobile sales 2,000.00 × 3.35 % = 67.00, correction −100.00        → total −33.00, released: nothing paid
MAIN   890.13 (test_calculation) + balance of EARLY carried −33.00         → total 857.13
LATE   mobile sales 300.00 × 3.35 % = 10.05, nothing more to carry         → total 10.05
"""
from datetime import datetime, time, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.commissions import services
from portal.commissions.models import CommissionStatement
from portal.core.audit import acting_as
from portal.exits.models import Termination
from tests.commissions.conftest import EARLY, FINANCE, GD_MANAGER, LATE, MAIN, P1_ADMIN, statement_of, summary, text

D = Decimal


def correct(cast, db, month, amount, reason):
    with acting_as(cast["manager"]):
        services.add_adjustment({"partner_id": cast["one"].id, "month": month.isoformat()[:7], "amount": amount,
                                 "reason": reason}, cast["manager"])
    db.session.commit()


def approve(cast, statement, db):
    with acting_as(cast["manager"]):
        services.approve(statement, cast["manager"])
    db.session.commit()


def release(cast, statement, db):
    with acting_as(cast["finance"]):
        services.release(statement, cast["finance"])  # pays nothing: no transfer, no reference
    db.session.commit()


def test_a_statement_below_zero_is_carried_once_to_the_next_statement(figures, compute, report, as_user, db):
    cast = figures
    correct(cast, db, EARLY, "-100.00", "Deposit interest charged back")
    early = compute(EARLY)
    assert early.total == D("-33.00")
    approve(cast, early, db)
    release(cast, early, db)

    main = compute(MAIN)
    assert summary(main)[-1] == ("carried_forward", None, EARLY, None, None, D("-33.00"))
    assert main.lines[-1].description == early.number and main.total == D("857.13")
    main = compute(MAIN)  # computed again: still carried once
    assert [line.kind for line in main.lines].count("carried_forward") == 1 and main.total == D("857.13")

    report("futian", "mobile", LATE, "300.00")
    late = compute(LATE)  # the balance already sits on MAIN (a draft counts, as for late reports)
    assert summary(late) == [("sales", "mobile", LATE, D("300.00"), D("3.3500"), D("10.05"))]

    approve(cast, main, db)
    partner = as_user(P1_ADMIN)
    page = text(partner.get(f"/partner/commissions/{main.id}"))
    assert "Balance carried from the previous statement" in page and "¥857.13" in page
    assert (f"Statement {early.number} for" in page
            and "came to less than zero, so nothing was paid on it: the ¥33.00 it owes is taken from this statement."
            in page)
    for client, url in ((partner, f"/partner/commissions/{early.id}"), (as_user(FINANCE), f"/commissions/{early.id}")):
        page = text(client.get(url))
        assert "Nothing to pay: carried to the next statement." in page and "Paid on" not in page
    listing = text(partner.get("/partner/commissions/"))
    assert "Nothing to pay: carried to the next statement." in listing


def test_a_balance_released_after_the_next_statement_was_approved_lands_on_the_one_after(figures, compute, report,
                                                                                       as_user, db):
    cast = figures
    correct(cast, db, EARLY, "-100.00", "Deposit interest charged back")
    early = compute(EARLY)
    approve(cast, early, db)
    main = compute(MAIN)
    approve(cast, main, db)  # approved while EARLY awaited release: nothing to carry yet
    release(cast, early, db)
    assert "carried_forward" not in [line.kind for line in main.lines]
    report("futian", "mobile", LATE, "300.00")
    late = compute(LATE)
    assert summary(late)[-1] == ("carried_forward", None, EARLY, None, None, D("-33.00"))
    assert late.total == D("-22.95")  # 10.05 − 33.00: below zero again, carried on in its turn


def test_a_draft_computed_before_a_balance_was_released_must_be_computed_again(figures, compute, as_user, db):
    cast = figures
    correct(cast, db, EARLY, "-100.00", "Deposit interest charged back")
    early = compute(EARLY)
    approve(cast, early, db)
    main = compute(MAIN)
    release(cast, early, db)
    manager = as_user(GD_MANAGER)
    page = text(manager.post(f"/commissions/{main.id}/approve", follow_redirects=True))
    assert "The figures have changed since this statement was computed" in page
    assert manager.post(f"/commissions/{main.id}/recompute").status_code == 302
    db.session.refresh(main)
    assert main.total == D("857.13")


def test_a_statement_of_zero_says_nothing_to_pay(figures, compute, as_user, db):
    cast = figures
    correct(cast, db, EARLY, "-67.00", "Returned in full")
    early = compute(EARLY)
    approve(cast, early, db)
    release(cast, early, db)
    assert early.total == D("0.00")
    page = text(as_user(P1_ADMIN).get(f"/partner/commissions/{early.id}"))
    assert "Nothing to pay." in page and "carried to the next statement" not in page
    assert "carried_forward" not in [line.kind for line in compute(MAIN).lines]


def test_a_terminated_partner_keeps_its_months_up_to_the_completion_but_gets_none_after(figures, report, db):
    cast = figures
    report("futian", "mobile", LATE, "300.00")
    completed = datetime.combine(MAIN.replace(day=20), time(10), ZoneInfo("Asia/Shanghai"))
    db.session.add(Termination(number="EX-2026-0009", partner_id=cast["one"].id, status="completed", reason="Fraud",
                               completed_at=completed.astimezone(timezone.utc)))
    cast["one"].status = "terminated"
    db.session.commit()
    with acting_as(cast["manager"]):
        computed, final = services.compute_month(LATE, cast["manager"])
        assert (computed, final) == ([], [])
        computed, _final = services.compute_month(LATE, cast["manager"], partner=cast["one"])
        assert computed == []
        computed, _final = services.compute_month(MAIN, cast["manager"])
    db.session.commit()
    assert [s.month for s in computed] == [MAIN] and computed[0].total == D("890.13")
    assert statement_of(cast["one"], LATE) is None
    assert db.session.scalar(sa.select(sa.func.count(CommissionStatement.id))) == 1
