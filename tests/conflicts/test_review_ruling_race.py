"""Two rulings of the same case sent at once (a double click, two managers): one is recorded,
the other is refused, and a penalty is taken from the deposit only once."""
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.conflicts import services
from portal.conflicts.models import ConflictCase
from portal.core.errors import DomainError
from portal.partners.models import DepositMovement, Partner

RULINGS = 4


def rule(case_id, manager_id, target_id):
    from portal.extensions import db

    case = db.session.get(ConflictCase, case_id)
    try:
        services.rule_case(case, db.session.get(User, manager_id), "Sold outside its territory.", "penalty",
                           amount="100.00", target=db.session.get(Partner, target_id))
        db.session.commit()
        return "ruled"
    except DomainError:
        db.session.rollback()
        return "refused"


def penalties(db):
    return db.session.scalars(sa.select(DepositMovement.amount).where(DepositMovement.kind == "deducted")).all()


def test_a_second_ruling_of_a_ruled_case_is_refused(make_case, cast, deposit, db):
    deposit(cast["three"], "5000.00")
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], status="investigating")
    outcomes = [rule(case.id, cast["manager"].id, cast["three"].id) for _ in range(2)]
    assert outcomes == ["ruled", "refused"]
    assert penalties(db) == [Decimal("100.00")]


@pytest.mark.postgres
def test_rulings_sent_at_once_take_the_penalty_once(app, make_case, cast, deposit, db):
    deposit(cast["three"], "5000.00")
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], status="investigating")
    ids = (case.id, cast["manager"].id, cast["three"].id)
    start = threading.Barrier(RULINGS)
    outcomes, errors = [], []

    def worker():
        with app.test_request_context():  # its own app context: its own session and connection
            from portal.extensions import db as _db

            try:
                case_ = _db.session.get(ConflictCase, ids[0])
                assert case_.status == "investigating"  # each read the case before any ruled it
                start.wait(timeout=30)
                outcomes.append(rule(*ids))
            except Exception as exc:  # noqa: BLE001 - reported below, the test must not hang
                errors.append(repr(exc))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(RULINGS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["refused"] * (RULINGS - 1) + ["ruled"]
    db.session.expire_all()
    assert penalties(db) == [Decimal("100.00")]
