"""The stock ledger: receipts, adjustments and stocktakes change on hand exactly and write one
ledger row each; nothing ever takes on hand or available below zero; reservations, releases and
issues move reserved and on hand as the ledger says."""
import pytest
import sqlalchemy as sa

from portal.core.errors import DomainError, ValidationError
from portal.extensions import db as _db
from portal.materials import stock
from portal.materials.models import StockLevel, StockMovement
from portal.materials.stock import NotEnoughStock, ledger_totals, move
from tests.materials.stock_fixtures import make_item, make_request, make_warehouse  # noqa: F401


def movements(item):
    return _db.session.scalars(sa.select(StockMovement).where(StockMovement.item_id == item.id)
                               .order_by(StockMovement.id)).all()


def totals(item, warehouse):
    row = _db.session.scalar(sa.select(StockLevel).where(StockLevel.item_id == item.id,
                                                         StockLevel.warehouse_id == warehouse.id))
    _db.session.refresh(row)
    return row.on_hand, row.reserved, row.available


@pytest.fixture
def poster(make_item):
    return make_item("POSTER-A2")


@pytest.fixture
def shenzhen(make_warehouse):
    return make_warehouse("SZ-01")


def test_a_receipt_adds_exactly_its_quantity_and_writes_one_row_with_who_why_and_reference(
        poster, shenzhen, people):
    stock.receive(poster, shenzhen, people["manager"], quantity="1,000", reason="Spring posters",
                  reference="DN-2026-001")
    _db.session.commit()

    assert totals(poster, shenzhen) == (1000, 0, 1000)
    [row] = movements(poster)
    assert (row.kind, row.on_hand_delta, row.reserved_delta) == ("receipt", 1000, 0)
    assert row.actor_id == people["manager"].id and row.created_at is not None
    assert (row.reason, row.reference) == ("Spring posters", "DN-2026-001")
    assert ledger_totals(poster.id, shenzhen.id) == (1000, 0)


def test_adjustments_change_on_hand_by_their_signed_quantity(poster, shenzhen, people):
    stock.receive(poster, shenzhen, people["manager"], quantity="100", reference="DN-1")
    stock.adjust(poster, shenzhen, "-7", "Water damage in the store room", people["manager"])
    stock.adjust(poster, shenzhen, "+2", "Found behind the shelf", people["admin"], reference="NOTE-9")
    _db.session.commit()

    assert totals(poster, shenzhen) == (95, 0, 95)
    rows = movements(poster)
    assert [(m.kind, m.on_hand_delta) for m in rows] == [("receipt", 100), ("adjust", -7), ("adjust", 2)]
    assert rows[1].reason == "Water damage in the store room" and rows[2].actor_id == people["admin"].id


def test_a_stocktake_writes_the_difference_and_a_count_that_agrees_is_recorded_too(poster, shenzhen, people):
    stock.receive(poster, shenzhen, people["manager"], quantity="100", reference="DN-1")
    stock.stocktake(poster, shenzhen, "96", "Quarterly count Q1", people["manager"])
    stock.stocktake(poster, shenzhen, "96", "Recount", people["manager"])
    _db.session.commit()

    assert totals(poster, shenzhen) == (96, 0, 96)
    assert [(m.kind, m.on_hand_delta) for m in movements(poster)] == [("receipt", 100), ("stocktake", -4),
                                                                      ("stocktake", 0)]


def test_a_decrease_below_zero_is_refused_on_the_quantity_field_and_writes_nothing(poster, shenzhen, people):
    stock.receive(poster, shenzhen, people["manager"], quantity="10", reference="DN-1")
    _db.session.commit()

    with pytest.raises(NotEnoughStock) as refused:
        stock.adjust(poster, shenzhen, "-11", "Lost", people["manager"])
    _db.session.rollback()

    assert refused.value.field == "quantity"
    assert "10 available" in str(refused.value.message)
    assert totals(poster, shenzhen) == (10, 0, 10)
    assert len(movements(poster)) == 1


def test_stock_reserved_for_requests_cannot_be_adjusted_away(poster, shenzhen, people, make_request):
    stock.receive(poster, shenzhen, people["manager"], quantity="10", reference="DN-1")
    move(poster, shenzhen, "reserve", 8, people["manager"], request=make_request())
    _db.session.commit()

    with pytest.raises(NotEnoughStock) as refused:
        stock.adjust(poster, shenzhen, "-3", "Damaged", people["manager"])
    _db.session.rollback()
    assert refused.value.field == "quantity" and "2 available" in str(refused.value.message)

    with pytest.raises(NotEnoughStock) as refused:
        stock.stocktake(poster, shenzhen, "7", "Count", people["manager"])
    _db.session.rollback()
    assert refused.value.field == "counted"
    assert totals(poster, shenzhen) == (10, 8, 2)


def test_reserve_release_and_issue_move_reserved_and_available_as_the_ledger_says(
        poster, shenzhen, people, partners, make_request):
    manager, request = people["manager"], make_request()
    stock.receive(poster, shenzhen, manager, quantity="100", reference="DN-1")
    move(poster, shenzhen, "reserve", 30, manager, request=request, partner=partners["one"])
    assert totals(poster, shenzhen) == (100, 30, 70)
    move(poster, shenzhen, "release", 10, manager, request=request)
    assert totals(poster, shenzhen) == (100, 20, 80)
    move(poster, shenzhen, "issue", 20, manager, request=request, partner=partners["one"])
    _db.session.commit()

    assert totals(poster, shenzhen) == (80, 0, 80)
    assert [(m.kind, m.on_hand_delta, m.reserved_delta) for m in movements(poster)] == [
        ("receipt", 100, 0), ("reserve", 0, 30), ("release", 0, -10), ("issue", -20, -20)]
    assert ledger_totals(poster.id, shenzhen.id) == (80, 0)


def test_reserving_more_than_is_available_is_refused_and_nothing_is_written(poster, shenzhen, people, make_request):
    stock.receive(poster, shenzhen, people["manager"], quantity="50", reference="DN-1")
    move(poster, shenzhen, "reserve", 40, people["manager"], request=make_request())
    _db.session.commit()

    with pytest.raises(NotEnoughStock) as refused:
        move(poster, shenzhen, "reserve", 11, people["manager"], request=make_request())
    _db.session.rollback()

    assert refused.value.field == "quantity" and "10 available" in str(refused.value.message)
    assert totals(poster, shenzhen) == (50, 40, 10)
    assert len(movements(poster)) == 2


def test_releasing_or_issuing_more_than_is_reserved_is_refused(poster, shenzhen, people, make_request):
    request = make_request()
    stock.receive(poster, shenzhen, people["manager"], quantity="50", reference="DN-1")
    move(poster, shenzhen, "reserve", 5, people["manager"], request=request)
    _db.session.commit()
    for kind in ("release", "issue"):
        with pytest.raises(NotEnoughStock):
            move(poster, shenzhen, kind, 6, people["manager"], request=request)
        _db.session.rollback()
    assert totals(poster, shenzhen) == (50, 5, 45)


def test_a_stock_level_read_earlier_in_the_transaction_is_read_again_under_the_lock(
        poster, shenzhen, people, make_request):
    """move() must not trust totals the session loaded before taking the lock: another request
    may have moved stock in between (here simulated by changing the row behind the session)."""
    stock.receive(poster, shenzhen, people["manager"], quantity="100", reference="DN-1")
    _db.session.commit()
    row = stock.level(poster.id, shenzhen.id)
    assert row.reserved == 0
    _db.session.execute(sa.update(StockLevel).where(StockLevel.id == row.id)
                        .values(reserved=StockLevel.reserved + 10)
                        .execution_options(synchronize_session=False))
    assert row.reserved == 0  # the object in the session is stale now

    move(poster, shenzhen, "reserve", 5, people["manager"], request=make_request())

    assert row.reserved == 15  # not 5: the locked read refreshed it
    _db.session.rollback()


@pytest.mark.parametrize("value, message", [
    ("abc", "Enter a whole number"),
    ("1.5", "Enter a whole number"),
    ("99999999999", "Enter at most 1,000,000,000."),
    ("1e9", "Enter a whole number"),
    ("", "Enter the quantity received."),
    ("0", "Enter a quantity greater than zero."),
    ("-5", "Enter a whole number"),
])
def test_a_bad_receipt_quantity_is_a_field_error(poster, shenzhen, people, value, message):
    with pytest.raises(DomainError) as refused:
        stock.receive(poster, shenzhen, people["manager"], quantity=value, reference="DN-1")
    _db.session.rollback()
    errors = getattr(refused.value, "errors", None) or {refused.value.field: [refused.value.message]}
    assert message in " ".join(str(m) for m in errors["quantity"])
    assert movements(poster) == []


def test_a_receipt_needs_its_reference_and_an_adjustment_its_reason(poster, shenzhen, people):
    with pytest.raises(ValidationError) as refused:
        stock.receive(poster, shenzhen, people["manager"], quantity="5", reference="  ")
    assert list(refused.value.errors) == ["reference"]
    with pytest.raises(ValidationError) as refused:
        stock.adjust(poster, shenzhen, "5", "", people["manager"])
    assert list(refused.value.errors) == ["reason"]
    with pytest.raises(ValidationError) as refused:
        stock.stocktake(poster, shenzhen, "5", "x" * 501, people["manager"])
    assert list(refused.value.errors) == ["reason"]
    _db.session.rollback()
    assert movements(poster) == []


def test_no_receipt_into_a_closed_warehouse_or_of_an_inactive_item(make_item, make_warehouse, people):
    closed = make_warehouse("OLD-01", active=False)
    retired = make_item("OLD-POSTER", active=False)
    with pytest.raises(ValidationError) as refused:
        stock.receive(retired, closed, people["manager"], quantity="5", reference="DN-1")
    assert set(refused.value.errors) == {"warehouse_id", "quantity"}


def test_only_managers_and_admins_record_stock(poster, shenzhen, partners, people):
    partner_admin = partners["one"].users[0]
    with pytest.raises(DomainError):
        stock.receive(poster, shenzhen, partner_admin, quantity="5", reference="DN-1")
    with pytest.raises(DomainError):
        stock.adjust(poster, shenzhen, "5", "why", people["applicant"])
