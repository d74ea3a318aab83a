"""Reservations at the same time cannot take the same units twice.

Stock 100, twenty reservations of 10: exactly ten succeed, the others are told there is not
enough stock, available never goes below zero, and the ledger sums to the final stock. On
PostgreSQL the twenty run in parallel threads, each with its own app context, session and
connection, so the stock level's row lock (SELECT … FOR UPDATE) is what keeps them apart; on
SQLite, which has no row locks, the same scenario runs one after another.
"""
import threading

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db as _db
from portal.materials import serials, stock
from portal.materials.models import MaterialItem, MaterialRequest, SerialRange, StockLevel, Warehouse
from portal.materials.stock import NotEnoughStock, ledger_totals, move
from tests.materials.stock_fixtures import make_item, make_request, make_warehouse  # noqa: F401

ATTEMPTS, EACH, STOCK = 20, 10, 100


@pytest.fixture
def stocked(make_item, make_warehouse, make_request, people):
    item, warehouse = make_item("POSTER-A2"), make_warehouse("SZ-01")
    stock.receive(item, warehouse, people["manager"], quantity=str(STOCK), reference="DN-1")
    _db.session.commit()
    requests = [make_request() for _ in range(ATTEMPTS)]
    return {"item_id": item.id, "warehouse_id": warehouse.id, "actor_id": people["manager"].id,
            "request_ids": [r.id for r in requests]}


def reserve(ids, request_id, kind="reserve", quantity=EACH):
    """One approval's reservation in the current session: 'ok' or the refusal's message."""
    item = _db.session.get(MaterialItem, ids["item_id"])
    warehouse = _db.session.get(Warehouse, ids["warehouse_id"])
    try:
        move(item, warehouse, kind, quantity, _db.session.get(User, ids["actor_id"]),
             request=_db.session.get(MaterialRequest, request_id), reason="approved")
        _db.session.commit()
        return "ok"
    except NotEnoughStock as error:
        _db.session.rollback()
        return str(error.message)


def in_threads(app, work, arguments):
    """Run ``work(argument)`` in one thread per argument, all released at once; each thread has
    its own app (request) context, hence its own session and connection. Returns the results in order."""
    barrier = threading.Barrier(len(arguments))
    results = [None] * len(arguments)

    def run(index, argument):
        with app.test_request_context():
            try:
                barrier.wait(timeout=30)
                results[index] = work(argument)
            except Exception as error:  # noqa: BLE001  (reported by the test, not lost in a thread)
                results[index] = f"error: {error!r}"
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def check_outcome(results, ids):
    assert results.count("ok") == STOCK // EACH, results
    refusals = [r for r in results if r != "ok"]
    assert len(refusals) == ATTEMPTS - STOCK // EACH
    assert all(r == "Not enough stock of Item POSTER-A2 in Shenzhen warehouse: 0 available." for r in refusals), refusals
    _db.session.expire_all()
    level = _db.session.scalar(sa.select(StockLevel).where(StockLevel.item_id == ids["item_id"]))
    assert (level.on_hand, level.reserved, level.available) == (STOCK, STOCK, 0)
    assert ledger_totals(ids["item_id"], ids["warehouse_id"]) == (level.on_hand, level.reserved)


@pytest.mark.postgres
def test_twenty_parallel_reservations_of_ten_from_a_hundred_exactly_ten_succeed(app, stocked):
    results = in_threads(app, lambda request_id: reserve(stocked, request_id), stocked["request_ids"])
    check_outcome(results, stocked)


def test_twenty_reservations_of_ten_from_a_hundred_one_after_another_exactly_ten_succeed(stocked):
    results = [reserve(stocked, request_id) for request_id in stocked["request_ids"]]
    check_outcome(results, stocked)


@pytest.mark.postgres
def test_parallel_card_reservations_never_take_the_same_card_twice(app, make_item, make_warehouse, make_request,
                                                                    people):
    card, warehouse = make_item("CARD-50", serial_tracked=True), make_warehouse("SZ-01")
    stock.receive(card, warehouse, people["manager"], reference="DN-1",
                  serial_range={"prefix": "CARD", "first": "1", "last": "100", "digits": "8"})
    _db.session.commit()
    request_ids = [make_request().id for _ in range(12)]

    def reserve_cards(request_id):
        item, house = _db.session.get(MaterialItem, card.id), _db.session.get(Warehouse, warehouse.id)
        request = _db.session.get(MaterialRequest, request_id)
        try:
            labels = serials.labels(serials.reserve_serials(item, house, 10, request))
            move(item, house, "reserve", 10, _db.session.get(User, people["manager"].id), request=request,
                 serials=labels)
            _db.session.commit()
            return "ok"
        except NotEnoughStock as error:
            _db.session.rollback()
            return str(error.message)

    results = in_threads(app, reserve_cards, request_ids)

    assert results.count("ok") == 10, results
    _db.session.expire_all()
    reserved = _db.session.scalars(sa.select(SerialRange).where(SerialRange.status == "reserved")
                                   .order_by(SerialRange.first)).all()
    numbers = [n for r in reserved for n in range(r.first, r.last + 1)]
    assert numbers == list(range(1, 101))  # every card once, none twice
    for request_id in request_ids:
        mine = [r for r in reserved if r.request_id == request_id]
        assert sum(r.count for r in mine) in (0, 10)


@pytest.mark.postgres
def test_the_same_cards_received_twice_at_once_are_recorded_once(app, make_item, make_warehouse, people):
    card = make_item("CARD-50", serial_tracked=True)
    houses = [make_warehouse("SZ-01").id, make_warehouse("GZ-01", territory="GD-GZ").id]

    def receive(warehouse_id):
        item, house = _db.session.get(MaterialItem, card.id), _db.session.get(Warehouse, warehouse_id)
        try:
            stock.receive(item, house, _db.session.get(User, people["manager"].id), reference="DN-1",
                          serial_range={"prefix": "CARD", "first": "1", "last": "50", "digits": "8"})
            _db.session.commit()
            return "ok"
        except stock.ValidationError as error:
            _db.session.rollback()
            return str(error.errors["first"][0])

    results = in_threads(app, receive, houses * 3)

    assert results.count("ok") == 1, results
    assert all("already received" in r for r in results if r != "ok"), results
    _db.session.expire_all()
    assert _db.session.scalar(sa.select(sa.func.count(SerialRange.id))) == 1
