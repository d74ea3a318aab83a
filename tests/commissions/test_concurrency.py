"""At the same moment: two people releasing the same statement pay it once; a correction entered
while the statement is approved is refused rather than left off it. On PostgreSQL the two run in
parallel threads (each its own session and connection), so the row locks keep them apart; on
SQLite they run one after the other and the same rules must hold."""
import threading

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.commissions import services
from portal.commissions.models import CommissionAdjustment, CommissionStatement
from portal.core.audit import AuditLog, acting_as
from portal.core.errors import DomainError
from portal.extensions import db as _db
from tests.commissions.conftest import MAIN


def in_threads(app, work, arguments, parallel=True):
    """``work(argument)`` for each argument, in threads released at once (or one after another)."""
    results = [None] * len(arguments)
    barrier = threading.Barrier(len(arguments)) if parallel else None

    def run(index, argument):
        with app.test_request_context():
            try:
                if barrier:
                    barrier.wait(timeout=30)
                results[index] = work(argument)
            except Exception as error:  # noqa: BLE001  (reported by the test, not lost in a thread)
                results[index] = f"error: {error!r}"
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(arguments)]
    for thread in threads:
        thread.start()
        if not parallel:
            thread.join(timeout=60)
    for thread in threads:
        thread.join(timeout=60)
    return results


def attempt(action, user_id):
    user = _db.session.get(User, user_id)
    try:
        with acting_as(user):
            action(user)
        _db.session.commit()
        return "ok"
    except DomainError as error:
        _db.session.rollback()
        return str(error.message)


@pytest.fixture
def approved(figures, compute, bank_account, make_user, db):
    statement = compute(MAIN)
    with acting_as(figures["manager"]):
        services.approve(statement, figures["manager"])
    db.session.commit()
    second = make_user("finance2@test.example", "finance")
    return statement.id, [figures["finance"].id, second.id]


def _release_twice(app, approved, parallel):
    statement_id, finance_ids = approved

    def release(user_id):
        return attempt(lambda user: services.release(_db.session.get(CommissionStatement, statement_id), user,
                                                     f"REF-{user_id}"), user_id)

    results = in_threads(app, release, finance_ids, parallel=parallel)
    assert results.count("ok") == 1, results
    assert any("already released" in r for r in results), results
    _db.session.expire_all()
    statement = _db.session.get(CommissionStatement, statement_id)
    assert statement.status == "released" and statement.payment_reference == f"REF-{statement.released_by_id}"
    rows = _db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type == "CommissionStatement",
                                                         AuditLog.field == "status",
                                                         AuditLog.new_value == "released")).all()
    assert len(rows) == 1


@pytest.mark.postgres
def test_two_releases_at_once_pay_once_on_postgresql(app, approved):
    _release_twice(app, approved, parallel=True)


def test_two_releases_one_after_the_other_pay_once(app, approved):
    _release_twice(app, approved, parallel=False)


@pytest.mark.postgres
def test_a_correction_racing_an_approval_is_either_on_the_statement_or_refused(app, figures, compute, db):
    statement = compute(MAIN)
    manager_id, partner_id = figures["manager"].id, figures["one"].id

    def act(which):
        if which == "approve":
            return attempt(lambda user: services.approve(_db.session.get(CommissionStatement, statement.id), user),
                           manager_id)
        return attempt(lambda user: services.add_adjustment(
            {"partner_id": partner_id, "month": MAIN.isoformat()[:7], "amount": "9.99", "reason": "Race"}, user),
            manager_id)

    results = in_threads(app, act, ["approve", "adjust"])
    _db.session.expire_all()
    stored = _db.session.get(CommissionStatement, statement.id)
    adjustments = _db.session.scalars(sa.select(CommissionAdjustment)).all()
    assert results[0] == "ok", results  # the approval goes through either way
    assert stored.status == "approved"
    if adjustments:  # the correction came first: the statement was recomputed with it, then approved
        assert results[1] == "ok" and [line.adjustment_id for line in stored.lines][-1] == adjustments[0].id
    else:  # the approval came first: the correction is refused, not left off the statement
        assert "is already approved: enter the correction for a later month" in results[1], results
