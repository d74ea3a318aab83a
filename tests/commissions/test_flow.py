"""Draft → approved → released, through the pages: a manager approves, another person (finance or
an admin) releases — never the approver, even an admin; each movement of money is audited."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.commissions import services
from portal.commissions.models import CommissionAdjustment, CommissionStatement
from portal.core.audit import AuditLog, acting_as
from portal.core.errors import DomainError
from portal.core.i18n import add_months, business_today
from portal.notifications.models import Notification
from portal.notifications.services import render_text
from tests.commissions.conftest import (
    ACCOUNT_NUMBER, ADMIN, EARLY, FINANCE, GD_MANAGER, MAIN, ZJ_MANAGER, text,
)


def audit(db, entity, **where):
    query = sa.select(AuditLog).filter_by(entity_type=type(entity).__name__, entity_id=str(entity.id), **where)
    return db.session.scalars(query.order_by(AuditLog.id)).all()


def status_rows(db, statement):
    return [(row.old_value, row.new_value, row.actor_id) for row in audit(db, statement, field="status")]


def release_form(**overrides):
    return {"payment_reference": "ICBC-20261203-0042", "paid_on": "", "confirm": "y", **overrides}


@pytest.fixture
def main(figures, compute):
    return compute(MAIN)


def test_a_manager_approves_and_finance_releases_with_the_payment_recorded_and_audited(
        main, bank_account, as_user, db, outbox):
    statement = main
    manager = as_user(GD_MANAGER)
    assert manager.post(f"/commissions/{statement.id}/approve").status_code == 302
    db.session.refresh(statement)
    assert statement.status == "approved" and statement.approved_by.email == GD_MANAGER

    finance = as_user(FINANCE)
    page = text(finance.get(f"/commissions/{statement.id}"))
    assert "Release for payment" in page and "¥890.13" in page
    response = finance.post(f"/commissions/{statement.id}/release", release_form())
    assert response.status_code == 302, text(response)
    db.session.refresh(statement)
    assert statement.status == "released" and statement.released_by.email == FINANCE
    assert statement.payment_reference == "ICBC-20261203-0042" and statement.paid_on == business_today()
    assert statement.bank_account_id == bank_account.id and statement.released_at is not None

    finance_id, manager_id = statement.released_by_id, statement.approved_by_id
    assert status_rows(db, statement) == [("draft", "approved", manager_id), ("approved", "released", finance_id)]
    [reference] = audit(db, statement, field="payment_reference")
    assert (reference.old_value, reference.new_value, reference.actor_id) == (None, "ICBC-20261203-0042", finance_id)
    [account] = audit(db, statement, field="bank_account_id")
    assert (account.new_value, account.actor_id) == (str(bank_account.id), finance_id)
    assert all(row.created_at is not None for row in audit(db, statement))
    # The partner's admin is told; the page shows the payment, with the account masked.
    admin = next(u for u in statement.partner.users if u.email == "p1.admin@test.example")
    [told] = [render_text(n) for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == admin.id))
              if n.kind == "commission_released"]
    assert statement.number in told and "¥890.13" in told
    page = text(finance.get(f"/commissions/{statement.id}"))
    assert "ICBC-20261203-0042" in page and "•" * 15 + ACCOUNT_NUMBER[-4:] in page and ACCOUNT_NUMBER not in page


def test_computing_writes_an_audit_row_for_each_line_with_its_amount_and_actor(main, db):
    lines = [row for row in db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type == "CommissionLine",
                                                                         AuditLog.action == "create"))]
    assert len(lines) == 5 and all(row.actor_id == main.computed_by_id for row in lines)
    assert any("amount=403.01" in row.new_value and "base_amount=12030.00" in row.new_value for row in lines)
    [created] = audit(db, main, action="create")
    assert "total=890.13" in created.new_value and created.actor_id == main.computed_by_id


def test_an_adjustment_is_audited_with_who_and_how_much(figures, as_user, db):
    response = as_user(GD_MANAGER).post("/commissions/adjustments", {
        "partner_id": str(figures["one"].id), "month": MAIN.isoformat()[:7], "product_line_id": "",
        "amount": "-120.50", "reason": "Activation counted twice"})
    assert response.status_code == 302, text(response)
    adjustment = db.session.scalar(sa.select(CommissionAdjustment))
    assert adjustment.amount == Decimal("-120.50") and adjustment.created_by_id == figures["manager"].id
    [row] = audit(db, adjustment, action="create")
    assert row.actor_id == figures["manager"].id and "amount=-120.50" in row.new_value
    assert "reason=Activation counted twice" in row.new_value


def test_the_approver_cannot_release_even_an_admin(main, bank_account, as_user, make_user, db):
    admin = as_user(ADMIN)
    assert admin.post(f"/commissions/{main.id}/approve").status_code == 302
    assert "You approved this statement; another person must release it." in text(admin.get(f"/commissions/{main.id}"))
    response = admin.post(f"/commissions/{main.id}/release", release_form())
    assert response.status_code == 400
    assert "You approved this statement; another person must release it." in text(response)
    db.session.refresh(main)
    assert main.status == "approved" and main.released_by_id is None
    with pytest.raises(DomainError, match="another person must release it"):
        services.release(main, main.approved_by, "REF")
    # Another administrator may.
    make_user("admin2@test.example", "admin")
    assert as_user("admin2@test.example").post(f"/commissions/{main.id}/release", release_form()).status_code == 302
    db.session.refresh(main)
    assert main.status == "released" and main.released_by.email == "admin2@test.example"


def test_managers_cannot_release_and_finance_cannot_approve_or_compute(main, bank_account, as_user, db):
    manager, finance = as_user(GD_MANAGER), as_user(FINANCE)
    assert finance.post(f"/commissions/{main.id}/approve").status_code == 403
    assert finance.post("/commissions/compute", {"month": MAIN.isoformat()[:7]}).status_code == 403
    assert manager.post(f"/commissions/{main.id}/approve").status_code == 302
    assert manager.post(f"/commissions/{main.id}/release", release_form()).status_code == 403
    assert as_user(ZJ_MANAGER).post(f"/commissions/{main.id}/send-back", {"reason": "x"}).status_code == 404
    db.session.refresh(main)
    assert main.status == "approved"


def test_a_release_needs_the_reference_a_possible_date_the_confirmation_and_a_bank_account(main, as_user, db):
    as_user(GD_MANAGER).post(f"/commissions/{main.id}/approve")
    finance = as_user(FINANCE)
    page = text(finance.post(f"/commissions/{main.id}/release", release_form()))
    assert "Partner One Trading has no approved bank account" in page
    from portal.finance.models import BankAccount
    from portal.core.models import utcnow

    db.session.add(BankAccount(partner_id=main.partner_id, account_name="Partner One Trading", bank_name="ICBC",
                               account_number=ACCOUNT_NUMBER, current=True, approved_at=utcnow()))
    db.session.commit()
    cases = {
        "Enter the bank transfer's reference.": release_form(payment_reference=" "),
        "The payment date cannot be in the future.": release_form(paid_on=str(add_months(business_today(), 1))),
        "The payment date cannot be before the end of the month it pays.": release_form(paid_on=str(MAIN)),
        "Tick the box to confirm": release_form(confirm=""),
        "Enter a date as YYYY-MM-DD.": release_form(paid_on="03/12/2026"),
    }
    for message, form in cases.items():
        response = finance.post(f"/commissions/{main.id}/release", form)
        assert response.status_code == 400 and message in text(response), message
    db.session.refresh(main)
    assert main.status == "approved"
    assert finance.post(f"/commissions/{main.id}/release", release_form(paid_on=str(business_today()))).status_code == 302


def test_approving_is_refused_when_the_figures_changed_since_computing(main, report, as_user, db):
    report("futian", "devices", MAIN, "5000.00")
    manager = as_user(GD_MANAGER)
    page = text(manager.post(f"/commissions/{main.id}/approve", follow_redirects=True))
    assert "The figures have changed since this statement was computed" in page
    db.session.refresh(main)
    assert main.status == "draft"
    assert manager.post(f"/commissions/{main.id}/recompute").status_code == 302
    assert manager.post(f"/commissions/{main.id}/approve").status_code == 302
    db.session.refresh(main)
    assert main.status == "approved" and main.total == Decimal("904.02")  # 890.13 − 111.11 + 5,000 × 2.5 %


def test_an_approved_statement_takes_no_correction_and_goes_back_to_draft_with_a_reason(main, as_user, db):
    manager = as_user(GD_MANAGER)
    manager.post(f"/commissions/{main.id}/approve")
    refused = manager.post("/commissions/adjustments", {"partner_id": str(main.partner_id), "month": MAIN.isoformat()[:7],
                                                        "amount": "10.00", "reason": "Late bonus"})
    assert refused.status_code == 400
    assert "is already approved: enter the correction for a later month." in text(refused)
    response = manager.post(f"/commissions/{main.id}/send-back", {"reason": ""})
    assert response.status_code == 400 and "Say why the statement goes back to draft." in text(response)
    assert manager.post(f"/commissions/{main.id}/send-back", {"reason": "Broadband rate to check"}).status_code == 302
    db.session.refresh(main)
    assert (main.status, main.approved_by_id, main.note) == ("draft", None, "Broadband rate to check")
    assert [(old, new) for old, new, _actor in status_rows(db, main)] == [("draft", "approved"), ("approved", "draft")]


def test_the_whole_month_is_computed_from_the_list_page(figures, as_user, db):
    manager = as_user(GD_MANAGER)
    response = manager.post("/commissions/compute", {"month": MAIN.isoformat()[:7], "partner_id": ""})
    assert response.status_code == 302
    page = text(manager.get(response.headers["Location"]))
    assert "1 statement computed for" in page
    statement = db.session.scalar(sa.select(CommissionStatement))
    assert statement.month == MAIN and statement.total == Decimal("890.13")
    assert statement.number in page and "¥890.13" in page
    for month, message in ((business_today().isoformat()[:7], "has not ended yet"),
                           ("2026-13", "Enter a month as YYYY-MM")):
        refused = manager.post("/commissions/compute", {"month": month})
        assert refused.status_code == 400 and message in text(refused)


def test_a_released_month_is_left_alone_when_the_month_is_computed_again(figures, settle, db):
    early = settle(EARLY)
    with acting_as(figures["manager"]):
        computed, final = services.compute_month(EARLY, figures["manager"])
    assert computed == [] and final == [early]


def test_a_statement_that_pays_nothing_is_released_without_a_transfer(figures, as_user, db):
    zhejiang = as_user(ZJ_MANAGER)
    zhejiang.post("/commissions/adjustments", {"partner_id": str(figures["two"].id), "month": MAIN.isoformat()[:7],
                                               "amount": "-50.00", "reason": "Deposit interest charged back"})
    zhejiang.post("/commissions/compute", {"month": MAIN.isoformat()[:7]})
    statement = db.session.scalar(sa.select(CommissionStatement).where(CommissionStatement.partner_id == figures["two"].id))
    assert statement.total == Decimal("-50.00")
    assert zhejiang.post(f"/commissions/{statement.id}/approve").status_code == 302
    response = as_user(FINANCE).post(f"/commissions/{statement.id}/release", release_form(payment_reference=""))
    assert response.status_code == 302, text(response)
    db.session.refresh(statement)
    assert statement.status == "released" and statement.payment_reference is None and statement.bank_account_id is None
