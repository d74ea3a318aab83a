"""Termination and money: the commission months still to compute, what the partner owes on its
last statement taken from the deposit before the refund, the agreement ending on the day the
termination takes effect, the number of two terminations started at once, and the reason told."""
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.agreements.models import Agreement
from portal.agreements.queries import terms_in_force
from portal.commissions import calculation
from portal.commissions.models import CommissionStatement
from portal.core.audit import AuditLog
from portal.core.i18n import add_months, business_today
from portal.core.models import utcnow
from portal.exits import services
from portal.exits.models import Termination
from portal.extensions import db as _db
from portal.notifications.models import Notification
from portal.notifications.services import render_text
from portal.partners import ledger
from portal.partners.models import DepositMovement
from tests.exits.conftest import ADMIN, GD_MANAGER, P1_ADMIN, PDF, text

CURRENT = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)  # the business month now


def agreement_from(make_agreement, partner, start, db):
    agreement = make_agreement(partner.prospect, status="countersigned", partner=partner, pdf=PDF)
    agreement.start_date, agreement.end_date = start, None
    db.session.commit()
    return agreement


def released(partner, month, total, db):
    statement = CommissionStatement(number=f"CS-{month:%Y%m}-{partner.id:04d}", partner_id=partner.id, month=month,
                                    status="released", total=Decimal(total), released_at=utcnow(),
                                    paid_on=business_today())
    db.session.add(statement)
    db.session.commit()
    return statement


def movements(db, kind):
    return db.session.scalars(sa.select(DepositMovement).where(DepositMovement.kind == kind)).all()


# ---- the commission months still to compute -----------------------------------------------------------


def test_the_commission_months_not_computed_are_open_items_linked_to_the_compute_form(make_agreement, start, login,
                                                                                     cast, db):
    one = cast["one"]
    agreement_from(make_agreement, one, add_months(CURRENT, -3), db)
    termination = start()
    months = [add_months(CURRENT, n) for n in (-3, -2, -1)]
    group = next(g for g in services.open_items(one, termination.effective_on) if g.key == "commission_months")
    assert [row.detail for row in group.rows] == [f"{m:%Y-%m}" for m in months]
    manager = login(GD_MANAGER)
    page = text(manager.get(f"/terminations/{termination.id}"))
    assert "Commission months not yet computed" in page and "3 items are still open." in page
    assert f'href="/commissions/?compute={months[0]:%Y-%m}&partner={one.id}#compute-title"' in page
    form = text(manager.get(f"/commissions/?compute={months[0]:%Y-%m}&partner={one.id}"))
    assert f'value="{months[0]:%Y-%m}"' in form and f'<option selected value="{one.id}">' in form
    refused = manager.post(f"/terminations/{termination.id}/complete", {"confirm": "y"})
    assert refused.status_code == 400 and "Commission months not yet computed: 3" in text(refused)
    # computed, the month is a statement to approve and release: completion is still refused
    assert manager.post("/commissions/compute", {"month": f"{months[0]:%Y-%m}", "partner_id": str(one.id)}
                        ).status_code == 302
    refused = text(manager.post(f"/terminations/{termination.id}/complete", {"confirm": "y"}))
    assert "Commission months not yet computed: 2" in refused and "Commission statements: 1" in refused
    db.session.refresh(termination)
    assert termination.status == "started"


def test_the_months_to_compute_stop_at_the_month_the_agreement_ends(make_agreement, cast, db):
    one = cast["one"]
    agreement_from(make_agreement, one, add_months(CURRENT, -3), db)
    released(one, add_months(CURRENT, -3), "100.00", db)
    effective = add_months(CURRENT, -2) + timedelta(days=14)
    group = next(g for g in services.open_items(one, effective) if g.key == "commission_months")
    assert [row.detail for row in group.rows] == [f"{add_months(CURRENT, -2):%Y-%m}"]


# ---- what is owed on commissions, taken from the deposit --------------------------------------------------


def test_what_the_last_statement_owes_is_deducted_before_the_rest_is_refunded(start, login, cast, deposit, db, outbox):
    """Held 500.00 − owed on the last statement 120.50 = refund 379.50 (an earlier statement that
    paid something changes nothing)."""
    one = cast["one"]
    account = deposit("1000.00")
    ledger.record_movement(account, "paid", Decimal("500.00"), cast["manager"], reference="BANK-1")
    released(one, add_months(CURRENT, -3), "300.00", db)
    owing = released(one, add_months(CURRENT, -2), "-120.50", db)
    termination = start()
    manager = login(GD_MANAGER)
    page = text(manager.get(f"/terminations/{termination.id}"))
    assert f"Held ¥500.00 − owed on {owing.number} ¥120.50 = refund ¥379.50" in page
    response = manager.post(f"/terminations/{termination.id}/complete", {"reference": "BOC-77", "confirm": "y"},
                            follow_redirects=True)
    assert f"¥120.50 owed on commission statement {owing.number} is deducted from the deposit." in text(response)
    [deducted], [refunded] = movements(db, "deducted"), movements(db, "refunded")
    assert (deducted.amount, deducted.reference, deducted.note) == (Decimal("120.50"), owing.number,
                                                                    f"{owing.number} · {termination.number}")
    assert (refunded.amount, refunded.reference) == (Decimal("379.50"), "BOC-77")
    assert ledger.balances(account.id)["held"] == Decimal("0.00")
    page = text(manager.get(f"/terminations/{termination.id}"))
    assert f"Deducted ¥120.50 owed on commission statement {owing.number}" in page and "Refunded ¥379.50" in page
    assert "-¥120.50, below zero: ¥120.50 was deducted from the credit deposit for it." in outbox[-1].body
    assert "¥379.50" in outbox[-1].body and "You still owe" not in outbox[-1].body
    # settled at the termination: not carried to a later statement, and the statement says so
    assert calculation.carried_lines(one.id, add_months(CURRENT, 1)) == []
    statement_page = text(login(ADMIN).get(f"/commissions/{owing.id}"))
    assert "Nothing to pay: what it owes was settled when the partnership ended." in statement_page


def test_a_debt_larger_than_the_deposit_takes_all_it_holds_and_the_rest_remains_owed(start, login, cast, deposit, db,
                                                                                   outbox):
    one = cast["one"]
    account = deposit("1000.00")
    ledger.record_movement(account, "paid", Decimal("100.00"), cast["manager"], reference="BANK-1")
    owing = released(one, add_months(CURRENT, -1), "-120.50", db)
    assert len(calculation.carried_lines(one.id, CURRENT)) == 1  # before: carried to the next statement
    termination = start()
    manager = login(GD_MANAGER)
    page = text(manager.get(f"/terminations/{termination.id}"))
    assert f"Held ¥100.00 − owed on {owing.number} ¥120.50 = refund ¥0.00" in page
    assert "¥20.50 remains owed by the partner after the termination" in page and 'name="reference"' not in page
    assert manager.post(f"/terminations/{termination.id}/complete", {"confirm": "y"}).status_code == 302
    assert f"You still owe the vendor ¥20.50 on commission statement {owing.number}" in outbox[-1].body
    [deducted] = movements(db, "deducted")
    assert deducted.amount == Decimal("100.00") and movements(db, "refunded") == []
    db.session.refresh(termination)
    assert termination.status == "completed" and termination.refund_movement_id is None
    assert ledger.balances(account.id)["held"] == Decimal("0.00")


# ---- the agreement ends ------------------------------------------------------------------------------------


def test_at_completion_the_agreement_ends_on_the_day_the_termination_takes_effect(make_agreement, start, login, cast,
                                                                                 db):
    one = cast["one"]
    agreement = agreement_from(make_agreement, one, CURRENT, db)
    termination = start()
    assert login(GD_MANAGER).post(f"/terminations/{termination.id}/complete", {"confirm": "y"}).status_code == 302
    db.session.refresh(agreement)
    assert agreement.end_date == termination.effective_on == business_today()
    assert terms_in_force(one.id, CURRENT) is not None and terms_in_force(one.id, add_months(CURRENT, 1)) is None
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Agreement",
                                                      AuditLog.field == "end_date"))
    assert (row.old_value, row.new_value, row.actor_id) == (None, business_today().isoformat(), cast["manager"].id)


def test_a_backdated_end_never_takes_the_terms_from_a_month_already_settled(make_agreement, start, login, cast, db):
    one = cast["one"]
    agreement = agreement_from(make_agreement, one, add_months(CURRENT, -2), db)
    for n in (-2, -1):
        released(one, add_months(CURRENT, n), "100.00", db)
    effective = add_months(CURRENT, -2) + timedelta(days=9)
    termination = start(effective_on=effective.isoformat())
    assert login(GD_MANAGER).post(f"/terminations/{termination.id}/complete", {"confirm": "y"}).status_code == 302
    db.session.refresh(agreement)
    assert agreement.end_date == CURRENT - timedelta(days=1)  # the end of the last month with a statement
    assert terms_in_force(one.id, add_months(CURRENT, -1)) is not None and terms_in_force(one.id, CURRENT) is None


# ---- starting: the number and the notice ---------------------------------------------------------------------


def test_the_partner_admins_are_told_the_reason(start, db):
    start(reason="Repeated cross-territory selling")
    admin = db.session.scalar(sa.select(User).where(User.email == P1_ADMIN))
    [notice] = db.session.scalars(sa.select(Notification).where(Notification.user_id == admin.id)).all()
    assert "Reason: Repeated cross-territory selling." in render_text(notice)


def _start_both(app, cast, parallel):
    """Partner One and Partner Two put into termination by the admin, at the same moment."""
    admin_id, partner_ids = cast["admin"].id, [cast["one"].id, cast["two"].id]
    barrier = threading.Barrier(2) if parallel else None
    results = [None, None]

    def run(index, partner_id):
        from portal.core.audit import acting_as
        from portal.partners.models import Partner

        with app.test_request_context():
            try:
                if barrier:
                    barrier.wait(timeout=30)
                admin = _db.session.get(User, admin_id)
                with acting_as(admin):
                    services.start(_db.session.get(Partner, partner_id), admin, "Closing the region")
                _db.session.commit()
                results[index] = "ok"
            except Exception as error:  # noqa: BLE001  (reported by the test, not lost in a thread)
                results[index] = f"error: {error!r}"
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(partner_ids)]
    for thread in threads:
        thread.start()
        if not parallel:
            thread.join(timeout=60)
    for thread in threads:
        thread.join(timeout=60)
    assert results == ["ok", "ok"], results
    _db.session.expire_all()
    numbers = sorted(_db.session.scalars(sa.select(Termination.number)))
    year = business_today().year
    assert numbers == [f"EX-{year}-0001", f"EX-{year}-0002"]


@pytest.mark.postgres
def test_two_terminations_started_at_the_same_moment_take_the_next_numbers_on_postgresql(app, cast):
    _start_both(app, cast, parallel=True)


def test_two_terminations_one_after_the_other_take_the_next_numbers(app, cast):
    _start_both(app, cast, parallel=False)
