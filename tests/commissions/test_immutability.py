"""A released statement is final: no route changes it — computing again, a correction for its
month, approving, releasing again, sending it back — and a direct change through the ORM is
refused by the guard at flush time."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.commissions import services
from portal.commissions.guard import ReleasedStatementError
from portal.commissions.models import CommissionAdjustment, CommissionLine, CommissionStatement
from portal.core.audit import AuditLog, acting_as
from portal.core.errors import DomainError
from tests.commissions.conftest import ADMIN, FINANCE, GD_MANAGER, MAIN, summary, text

FINAL = "is already released: it can no longer be changed"


@pytest.fixture
def released(figures, settle, db):
    cast = figures
    with acting_as(cast["manager"]):
        services.add_adjustment({"partner_id": cast["one"].id, "month": MAIN.isoformat()[:7], "amount": "150.00",
                                 "reason": "Launch bonus"}, cast["manager"])
    db.session.commit()
    statement = settle(MAIN)
    assert statement.status == "released" and statement.total == Decimal("1040.13")
    return statement


def snapshot(db, statement):
    db.session.expire_all()
    statement = db.session.get(CommissionStatement, statement.id)
    return (statement.status, statement.total, statement.payment_reference, statement.released_by_id,
            statement.approved_by_id, summary(statement), [line.id for line in statement.lines])


def audit_count(db):
    return db.session.scalar(sa.select(sa.func.count(AuditLog.id)))


def test_no_page_changes_a_released_statement(released, report, as_user, db):
    before, rows = snapshot(db, released), audit_count(db)
    report("futian", "mobile", MAIN, "99999.00")  # the figures change afterwards
    rows = audit_count(db)
    manager, finance, admin = as_user(GD_MANAGER), as_user(FINANCE), as_user(ADMIN)
    for client, url, data in (
            (manager, f"/commissions/{released.id}/recompute", {}),
            (manager, f"/commissions/{released.id}/approve", {}),
            (manager, f"/commissions/{released.id}/send-back", {"reason": "Let me fix it"}),
            (finance, f"/commissions/{released.id}/release", {"payment_reference": "AGAIN", "confirm": "y"}),
            (admin, f"/commissions/{released.id}/release", {"payment_reference": "AGAIN", "confirm": "y"})):
        response = client.post(url, data, follow_redirects=True)
        assert response.status_code in (200, 400), url
        assert FINAL in text(response) or "Only an approved statement" in text(response), url
    response = manager.post("/commissions/compute", {"month": MAIN.isoformat()[:7], "partner_id": str(released.partner_id)})
    assert response.status_code == 302
    assert "1 already approved or released was left as it is." in text(manager.get(response.headers["Location"]))
    refused = manager.post("/commissions/adjustments", {"partner_id": str(released.partner_id),
                                                        "month": MAIN.isoformat()[:7], "amount": "10.00",
                                                        "reason": "Missed bonus"})
    assert refused.status_code == 400
    assert "is already released: enter the correction for a later month." in text(refused)
    assert snapshot(db, released) == before
    assert audit_count(db) == rows  # nothing was written, not even an audit row


def test_no_service_changes_a_released_statement(released, db):
    cast = {"manager": released.approved_by, "finance": released.released_by}
    for action in (lambda: services.compute_statement(released.partner, MAIN, cast["manager"]),
                   lambda: services.approve(released, cast["manager"]),
                   lambda: services.send_back(released, cast["manager"], "Fix"),
                   lambda: services.release(released, cast["finance"], "AGAIN")):
        with pytest.raises(DomainError):
            action()
        db.session.rollback()
    with pytest.raises(DomainError) as refused:
        services.add_adjustment({"partner_id": released.partner_id, "month": MAIN.isoformat()[:7], "amount": "1",
                                 "reason": "More"}, cast["manager"])
    assert "enter the correction for a later month" in str(refused.value.errors["month"][0])


@pytest.mark.parametrize("change", [
    "statement total", "statement status", "statement reference", "statement deleted",
    "line amount", "line deleted", "line added", "line moved here", "adjustment amount", "adjustment deleted",
])
def test_the_guard_refuses_a_direct_orm_change(released, change, db):
    before = snapshot(db, released)
    statement = db.session.get(CommissionStatement, released.id)
    line = statement.lines[0]
    adjustment = db.session.scalar(sa.select(CommissionAdjustment))
    if change == "statement total":
        statement.total = Decimal("1.00")
    elif change == "statement status":
        statement.status = "draft"
    elif change == "statement reference":
        statement.payment_reference = "EDITED"
    elif change == "statement deleted":
        db.session.delete(statement)
    elif change == "line amount":
        line.amount = Decimal("0.01")
    elif change == "line deleted":
        statement.lines.remove(line)
    elif change == "line added":
        db.session.add(CommissionLine(statement_id=statement.id, position=99, kind="adjustment", source_month=MAIN,
                                      amount=Decimal("5.00")))
    elif change == "line moved here":
        from tests.commissions.conftest import LATE

        other = CommissionStatement(number="CS-TEST", partner_id=statement.partner_id, month=LATE, status="draft")
        other.lines.append(CommissionLine(position=1, kind="adjustment", source_month=LATE, amount=Decimal("5.00")))
        db.session.add(other)
        db.session.commit()
        other.lines[0].statement_id = statement.id
    elif change == "adjustment amount":
        adjustment.amount = Decimal("999.00")
    elif change == "adjustment deleted":
        db.session.delete(adjustment)
    with pytest.raises(ReleasedStatementError):
        db.session.commit()
    db.session.rollback()
    assert snapshot(db, released) == before


def test_the_guard_lets_drafts_and_the_release_itself_through(figures, compute, bank_account, db):
    statement = compute(MAIN)
    statement.note = "Checked against the PSI file"
    statement.lines[0].description = "checked"
    db.session.commit()
    with acting_as(figures["manager"]):
        services.approve(statement, figures["manager"])
    db.session.commit()
    with acting_as(figures["finance"]):
        services.release(statement, figures["finance"], "REF-1")
    db.session.commit()
    assert db.session.get(CommissionStatement, statement.id).status == "released"
