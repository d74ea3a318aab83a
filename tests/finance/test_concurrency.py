"""At the same moment: two admins of a partner asking for a new account leave one request
awaiting approval; two people approving the same request leave one current account. On
PostgreSQL the two run in parallel threads (each its own session and connection), so the
partner's and the request's row locks are what keep them apart; on SQLite they run one after
the other and the same rules must hold."""
import io
import threading

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.extensions import db as _db
from portal.finance import services
from portal.finance.models import BankAccount, BankAccountChange
from portal.partners.models import Partner
from tests.finance.conftest import FIRST_NUMBER, PDF, SECOND_NUMBER


def in_threads(app, work, arguments, parallel=True):
    """``work(argument)`` for each argument, in threads released at once (or one after another);
    each has its own request context, hence its own session and connection."""
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


def attempt(action):
    try:
        action()
        _db.session.commit()
        return "ok"
    except DomainError as error:
        _db.session.rollback()
        return str(error.message)


@pytest.fixture
def two_admins(cast, make_user, db):
    second = make_user("p1.second@test.example", "partner_admin")
    second.partner_id = cast["one"].id
    db.session.commit()
    first = db.session.scalar(sa.select(User).where(User.email == "p1.admin@test.example"))
    return [first.id, second.id]


def _request(partner_id, user_id, number):
    partner, user = _db.session.get(Partner, partner_id), _db.session.get(User, user_id)
    proof = FileStorage(stream=io.BytesIO(PDF), filename="letter.pdf")
    return attempt(lambda: services.request_change(
        partner, {"account_name": partner.name, "bank_name": "ICBC", "account_number": number}, proof, user))


def _check_one_request(results, partner_id):
    assert sorted(results) == sorted(["ok", "A change of your bank account is already awaiting approval. Withdraw it "
                                            "to ask for another one."]), results
    _db.session.expire_all()
    assert _db.session.scalar(sa.select(sa.func.count(BankAccountChange.id))
                              .where(BankAccountChange.partner_id == partner_id)) == 1


@pytest.mark.postgres
def test_two_admins_asking_at_once_leave_one_pending_request(app, cast, two_admins):
    partner_id = cast["one"].id
    results = in_threads(app, lambda args: _request(partner_id, *args),
                         [(two_admins[0], FIRST_NUMBER), (two_admins[1], SECOND_NUMBER)])
    _check_one_request(results, partner_id)


def test_two_admins_asking_one_after_the_other_leave_one_pending_request(app, cast, two_admins):
    partner_id = cast["one"].id
    results = in_threads(app, lambda args: _request(partner_id, *args),
                         [(two_admins[0], FIRST_NUMBER), (two_admins[1], SECOND_NUMBER)], parallel=False)
    _check_one_request(results, partner_id)


def _approve_twice(app, cast, two_admins, parallel):
    partner = cast["one"]
    assert _request(partner.id, two_admins[0], FIRST_NUMBER) == "ok"
    change_id = _db.session.scalar(sa.select(BankAccountChange.id))

    def approve(user_id):
        change, user = _db.session.get(BankAccountChange, change_id), _db.session.get(User, user_id)
        return attempt(lambda: services.approve(change, user))

    results = in_threads(app, approve, [cast["manager"].id, cast["admin"].id], parallel=parallel)
    assert sorted(results) == ["This request is already decided (Approved).", "ok"], results
    _db.session.expire_all()
    current = _db.session.scalars(sa.select(BankAccount).where(BankAccount.current.is_(True))).all()
    assert len(current) == 1 and current[0].account_number == FIRST_NUMBER


@pytest.mark.postgres
def test_two_approvals_at_once_leave_one_current_account(app, cast, two_admins):
    _approve_twice(app, cast, two_admins, parallel=True)


def test_two_approvals_one_after_the_other_leave_one_current_account(app, cast, two_admins):
    _approve_twice(app, cast, two_admins, parallel=False)
