"""Approvals racing for the same stock: 100 posters available, 20 requests of 10 approved at
once. Exactly 10 succeed; the others are told there is not enough stock; available never goes
below zero; and the ledger sums to the final stock level.

On PostgreSQL the 20 approvals run in 20 threads, each with its own app context, session and
connection, calling the approval service and committing (the stock level row is locked FOR
UPDATE by stock.move). On any database the same 20 approvals also run one after another.
"""
import threading
import time

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.materials import request_services as services
from portal.materials.models import MaterialRequest, StockLevel, StockMovement, Warehouse
from portal.materials.stock import ledger_totals
from tests.materials.request_fixtures import make_request, shop  # noqa: F401

REQUESTS, EACH, STOCK = 20, 10, 100
NOT_ENOUGH = "Not enough stock of A2 poster in Shenzhen central store: 0 available."


@pytest.fixture
def twenty_requests(shop, db):
    """Partner One's 20 requests of 10 posters each, all awaiting approval (100 posters in stock)."""
    made = [make_request(shop, quantities={"poster": EACH}, campaign=f"Store {n}") for n in range(REQUESTS)]
    assert len({r.number for r in made}) == REQUESTS
    return [r.id for r in made]


def approve(request_id, manager_id, warehouse_id):
    """One manager's approval in the current app context: ("approved", None) or ("refused", message)."""
    from portal.extensions import db

    request_ = db.session.get(MaterialRequest, request_id)
    try:
        services.decide_request(request_, db.session.get(User, manager_id), "all",
                                warehouse=db.session.get(Warehouse, warehouse_id))
        db.session.commit()
        return "approved", None
    except DomainError as error:
        db.session.rollback()
        return "refused", str(error.message)


def check_outcome(outcomes, shop, db):
    approved = [o for o in outcomes if o[0] == "approved"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(approved) == STOCK // EACH and len(refused) == REQUESTS - STOCK // EACH, outcomes
    assert {message for _status, message in refused} == {NOT_ENOUGH}
    db.session.expire_all()
    poster, store = shop["poster"], shop["store"]
    row = db.session.scalar(sa.select(StockLevel).where(StockLevel.item_id == poster.id,
                                                        StockLevel.warehouse_id == store.id))
    assert (row.on_hand, row.reserved, row.available) == (STOCK, STOCK, 0)
    assert ledger_totals(poster.id, store.id) == (row.on_hand, row.reserved)
    statuses = db.session.scalars(sa.select(MaterialRequest.status)).all()
    assert statuses.count("approved") == 10 and statuses.count("submitted") == 10
    reservations = db.session.scalars(sa.select(StockMovement).where(StockMovement.kind == "reserve")).all()
    assert len(reservations) == 10 and {m.reserved_delta for m in reservations} == {EACH}
    # Each approved request has exactly its reservation; the refused ones none.
    approved_ids = set(db.session.scalars(sa.select(MaterialRequest.id).where(MaterialRequest.status == "approved")))
    assert {m.request_id for m in reservations} == approved_ids


def test_twenty_approvals_one_after_another_leave_exactly_ten_approved(twenty_requests, shop, people, db):
    outcomes = [approve(request_id, people["manager"].id, shop["store"].id) for request_id in twenty_requests]
    assert [status for status, _m in outcomes] == ["approved"] * 10 + ["refused"] * 10
    check_outcome(outcomes, shop, db)


@pytest.mark.postgres
def test_twenty_approvals_at_once_leave_exactly_ten_approved(app, twenty_requests, shop, people, db):
    manager_id, warehouse_id, poster_id = people["manager"].id, shop["store"].id, shop["poster"].id
    start = threading.Barrier(REQUESTS)
    outcomes, errors, lowest = [], [], []
    done = threading.Event()

    def worker(request_id):
        with app.test_request_context():  # its own app context: its own session and connection
            try:
                start.wait(timeout=30)
                outcomes.append(approve(request_id, manager_id, warehouse_id))
            except Exception as exc:  # noqa: BLE001 - reported below, the test must not hang
                errors.append(repr(exc))
            finally:
                from portal.extensions import db as _db

                _db.session.remove()

    def watch():
        """Read the committed stock level over and over while the approvals run."""
        with app.app_context():
            from portal.extensions import db as _db

            with _db.engine.connect() as conn:
                while not done.is_set():
                    on_hand, reserved = conn.execute(sa.text(
                        "SELECT on_hand, reserved FROM stock_level WHERE item_id = :i AND warehouse_id = :w"),
                        {"i": poster_id, "w": warehouse_id}).one()
                    lowest.append(on_hand - reserved)
                    conn.rollback()
                    time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=worker, args=(request_id,)) for request_id in twenty_requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    watcher.join(timeout=10)
    assert not errors, errors
    assert len(outcomes) == REQUESTS
    assert lowest and min(lowest) >= 0
    check_outcome(outcomes, shop, db)
