"""Prepaid cards by serial range: received as a range, never twice; reserved lowest numbers first
(splitting a range), released, issued to a partner; any card can be found with its holder."""
import pytest
import sqlalchemy as sa

from portal.core.errors import DomainError, ValidationError
from portal.extensions import db as _db
from portal.materials import serials, stock
from portal.materials.models import SerialRange, StockMovement
from portal.materials.stock import NotEnoughStock, move
from tests.materials.stock_fixtures import make_item, make_request, make_warehouse  # noqa: F401


@pytest.fixture
def card(make_item):
    return make_item("CARD-50", serial_tracked=True, unit_value="50.00")


@pytest.fixture
def shenzhen(make_warehouse):
    return make_warehouse("SZ-01")


def receive(card, warehouse, actor, first, last, prefix="CARD", digits="8", reference="DN-1"):
    movement = stock.receive(card, warehouse, actor, reference=reference,
                             serial_range={"prefix": prefix, "first": str(first), "last": str(last), "digits": digits})
    _db.session.commit()
    return movement


def ranges(card):
    return [(r.label(), r.status, r.request_id, r.partner_id) for r in _db.session.scalars(
        sa.select(SerialRange).where(SerialRange.item_id == card.id).order_by(SerialRange.first))]


def test_a_received_range_puts_its_cards_in_stock_and_names_them_on_the_ledger_row(card, shenzhen, people):
    movement = receive(card, shenzhen, people["manager"], 100, 149)

    assert (movement.kind, movement.on_hand_delta) == ("receipt", 50)
    assert movement.serials == "CARD00000100–CARD00000149"
    assert ranges(card) == [("CARD00000100–CARD00000149", "in_stock", None, None)]
    assert stock.level(card.id, shenzhen.id).on_hand == 50
    assert serials.ranges_of_receipt(movement)[0].receipt_movement_id == movement.id


@pytest.mark.parametrize("prefix, first, last, digits", [
    ("CARD", 140, 160, "8"),       # overlaps the end
    ("CARD", 100, 100, "8"),       # the first card
    ("CARD0", 120, 125, "7"),      # the same cards spelled with a zero in the prefix
    ("CARD", 50, 300, "8"),        # covers the whole range
])
def test_a_range_overlapping_cards_already_received_is_refused_and_nothing_is_written(
        card, shenzhen, make_warehouse, people, prefix, first, last, digits):
    receive(card, shenzhen, people["manager"], 100, 149)
    elsewhere = make_warehouse("GZ-01", territory="GD-GZ")  # another warehouse does not make them new cards

    with pytest.raises(ValidationError) as refused:
        receive(card, elsewhere, people["manager"], first, last, prefix=prefix, digits=digits)
    _db.session.rollback()

    assert "already received" in str(refused.value.errors["first"][0])
    assert len(ranges(card)) == 1
    assert _db.session.scalar(sa.select(sa.func.count(StockMovement.id))) == 1


def test_ranges_that_only_touch_or_differ_by_prefix_are_accepted(card, shenzhen, people):
    receive(card, shenzhen, people["manager"], 100, 149)
    receive(card, shenzhen, people["manager"], 150, 199, reference="DN-2")
    receive(card, shenzhen, people["manager"], 100, 149, prefix="GIFT", reference="DN-3")
    assert stock.level(card.id, shenzhen.id).on_hand == 150


@pytest.mark.parametrize("fields, field", [
    ({"first": "", "last": "10"}, "first"),
    ({"first": "20", "last": "10"}, "last"),
    ({"first": "1", "last": "123456789", "digits": "8"}, "last"),
    ({"first": "abc", "last": "10"}, "first"),
    ({"first": "1", "last": "10", "digits": "0"}, "digits"),
    ({"first": "1", "last": "2000000"}, "last"),
    ({"prefix": "CARD X", "first": "1", "last": "10"}, "prefix"),
])
def test_a_bad_range_is_a_field_error(card, shenzhen, people, fields, field):
    values = {"prefix": "CARD", "digits": "8", **fields}
    with pytest.raises(ValidationError) as refused:
        stock.receive(card, shenzhen, people["manager"], reference="DN-1", serial_range=values)
    _db.session.rollback()
    assert field in refused.value.errors
    assert ranges(card) == []


def test_a_quantity_that_disagrees_with_the_range_is_refused(card, shenzhen, people):
    with pytest.raises(ValidationError) as refused:
        stock.receive(card, shenzhen, people["manager"], quantity="40", reference="DN-1",
                      serial_range={"prefix": "CARD", "first": "100", "last": "149", "digits": "8"})
    assert "holds 50 cards" in str(refused.value.errors["quantity"][0])


def test_reserving_takes_the_lowest_numbers_first_and_splits_a_range(card, shenzhen, people, make_request):
    receive(card, shenzhen, people["manager"], 200, 249, reference="DN-2")
    receive(card, shenzhen, people["manager"], 100, 119)
    request = make_request()

    reserved = serials.reserve_serials(card, shenzhen, 30, request)
    move(card, shenzhen, "reserve", 30, people["manager"], request=request, serials=serials.labels(reserved))
    _db.session.commit()

    assert serials.labels(reserved) == "CARD00000100–CARD00000119, CARD00000200–CARD00000209"
    assert ranges(card) == [
        ("CARD00000100–CARD00000119", "reserved", request.id, None),
        ("CARD00000200–CARD00000209", "reserved", request.id, None),
        ("CARD00000210–CARD00000249", "in_stock", None, None),
    ]
    assert serials.in_stock_count(card, shenzhen) == stock.level(card.id, shenzhen.id).available == 40


def test_reserving_more_cards_than_are_in_stock_is_refused(card, shenzhen, people, make_request):
    receive(card, shenzhen, people["manager"], 1, 10)
    with pytest.raises(NotEnoughStock) as refused:
        serials.reserve_serials(card, shenzhen, 11, make_request())
    assert refused.value.field == "quantity" and "Only 10" in str(refused.value.message)


def test_releasing_gives_back_the_highest_numbers_first_or_all(card, shenzhen, people, make_request):
    receive(card, shenzhen, people["manager"], 1, 50)
    request = make_request()
    serials.reserve_serials(card, shenzhen, 30, request)

    released = serials.release_serials(card, shenzhen, request, quantity=10)
    assert serials.labels(released) == "CARD00000021–CARD00000030"
    assert serials.in_stock_count(card, shenzhen) == 30
    assert [r for r in ranges(card) if r[1] == "reserved"] == [("CARD00000001–CARD00000020", "reserved", request.id,
                                                                None)]

    released = serials.release_serials(card, shenzhen, request)
    assert serials.labels(released) == "CARD00000001–CARD00000020"
    assert serials.in_stock_count(card, shenzhen) == 50
    with pytest.raises(NotEnoughStock):
        serials.release_serials(card, shenzhen, request, quantity=1)


def test_issuing_hands_the_reserved_cards_to_the_partner_with_the_issue_movement(
        card, shenzhen, people, partners, make_request):
    receive(card, shenzhen, people["manager"], 1, 100)
    request, other = make_request(), make_request(campaign="Other")
    for req, quantity in ((request, 25), (other, 5)):
        move(card, shenzhen, "reserve", quantity, people["manager"], request=req,
             serials=serials.labels(serials.reserve_serials(card, shenzhen, quantity, req)))

    movement = move(card, shenzhen, "issue", 25, people["manager"], request=request, partner=partners["one"])
    issued = serials.issue_serials(card, shenzhen, request, partners["one"], movement)
    _db.session.commit()

    assert movement.serials == "CARD00000001–CARD00000025"
    assert all(r.status == "issued" and r.partner_id == partners["one"].id and r.issue_movement_id == movement.id
               for r in issued)
    assert [r[:2] for r in ranges(card)] == [("CARD00000001–CARD00000025", "issued"),
                                             ("CARD00000026–CARD00000030", "reserved"),
                                             ("CARD00000031–CARD00000100", "in_stock")]
    level = stock.level(card.id, shenzhen.id)
    assert (level.on_hand, level.reserved) == (75, 5)


def test_issuing_with_a_movement_of_another_quantity_is_a_programming_error(card, shenzhen, people, partners,
                                                                             make_request):
    receive(card, shenzhen, people["manager"], 1, 10)
    request = make_request()
    serials.reserve_serials(card, shenzhen, 10, request)
    move(card, shenzhen, "reserve", 10, people["manager"], request=request)
    movement = move(card, shenzhen, "issue", 5, people["manager"], request=request, partner=partners["one"])
    with pytest.raises(ValueError):
        serials.issue_serials(card, shenzhen, request, partners["one"], movement)


def test_searching_a_serial_number_finds_its_range_and_holder(card, shenzhen, people, partners, make_request):
    receive(card, shenzhen, people["manager"], 100, 199)
    request = make_request(campaign="Freshers' fair")
    serials.reserve_serials(card, shenzhen, 50, request)
    move(card, shenzhen, "reserve", 50, people["manager"], request=request)
    movement = move(card, shenzhen, "issue", 50, people["manager"], request=request, partner=partners["one"])
    serials.issue_serials(card, shenzhen, request, partners["one"], movement)
    _db.session.commit()

    [held] = serials.find_serial(card, "CARD00000123")
    assert (held.status, held.partner_id, held.request.campaign) == ("issued", partners["one"].id, "Freshers' fair")
    assert held.receipt_movement.reference == "DN-1"
    assert serials.find_serial(card, "card123")[0].id == held.id  # unpadded, any case
    [in_stock] = serials.find_serial(card, "CARD00000150")
    assert in_stock.status == "in_stock"
    assert serials.find_serial(card, "CARD00000200") == []
    assert serials.find_serial(card, "no digits") == []


def test_serial_tracked_stock_is_not_adjusted_without_numbers(card, shenzhen, people):
    receive(card, shenzhen, people["manager"], 1, 10)
    with pytest.raises(ValidationError) as refused:
        stock.adjust(card, shenzhen, "-1", "Lost card", people["manager"])
    assert "serial number" in str(refused.value.errors["quantity"][0])
    with pytest.raises(ValidationError) as refused:
        stock.stocktake(card, shenzhen, "9", "Count", people["manager"])
    assert "counted" in refused.value.errors
    _db.session.rollback()
    stock.stocktake(card, shenzhen, "10", "Count", people["manager"])  # a count that agrees is recorded
    _db.session.commit()


def test_a_plain_item_refuses_a_serial_range(make_item, shenzhen, people):
    poster = make_item("POSTER")
    with pytest.raises(ValidationError) as refused:
        stock.receive(poster, shenzhen, people["manager"], quantity="5", reference="DN-1",
                      serial_range={"prefix": "X", "first": "1", "last": "5", "digits": "8"})
    assert "prefix" in refused.value.errors
    with pytest.raises(DomainError):
        serials.reserve_serials(poster, shenzhen, 1, None)
