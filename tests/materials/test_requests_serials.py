"""Prepaid cards (serial-tracked) through a request: approval reserves serial ranges, fulfilment
issues them to the partner, a withdrawn approval puts them back in stock."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.materials import request_services as services
from portal.materials import serials
from portal.materials.models import MaterialItem, SerialRange, StockMovement
from portal.materials.stock import ledger_totals, move
from tests.materials.request_fixtures import level, make_request, shop, user  # noqa: F401


@pytest.fixture
def cards(shop, people, db):
    """100 prepaid cards CARD00000001–CARD00000100 received in the Shenzhen store."""
    card = MaterialItem(code="CARD-50", name_en="¥50 prepaid card", name_zh="50元充值卡", unit="card",
                        unit_value=Decimal("50.00"), category="prepaid_card", serial_tracked=True)
    db.session.add(card)
    db.session.flush()
    receipt = move(card, shop["store"], "receipt", 100, people["manager"], reason="Delivery")
    serials.receive_range(card, shop["store"], "CARD", "1", "100", "8", receipt)
    db.session.commit()
    shop["card"] = card
    return card


def ranges(card, status):
    from portal.extensions import db

    db.session.expire_all()
    return db.session.scalars(sa.select(SerialRange).where(SerialRange.item_id == card.id,
                                                           SerialRange.status == status)
                              .order_by(SerialRange.first)).all()


def test_cards_are_reserved_on_approval_and_issued_to_the_partner_on_fulfilment(client, shop, cards, partners, db):
    req = make_request(shop, quantities={"card": 30})
    client.login("gd.manager@test.example")
    assert client.post(f"/materials/requests/{req.id}/decision",
                       {"decision": "all", "warehouse_id": str(shop["store"].id)}).status_code == 302
    [reserved] = ranges(cards, "reserved")
    assert (reserved.label(), reserved.request_id) == ("CARD00000001–CARD00000030", req.id)
    assert serials.labels(ranges(cards, "in_stock")) == "CARD00000031–CARD00000100"
    reservation = db.session.scalar(sa.select(StockMovement).where(StockMovement.kind == "reserve",
                                                                   StockMovement.request_id == req.id))
    assert reservation.serials == "CARD00000001–CARD00000030"

    assert client.post(f"/materials/requests/{req.id}/fulfilment",
                       {"method": "ship", "carrier": "EMS", "tracking_number": "EMS1"}).status_code == 302
    [issued] = ranges(cards, "issued")
    assert (issued.label(), issued.partner_id) == ("CARD00000001–CARD00000030", partners["one"].id)
    issue = db.session.scalar(sa.select(StockMovement).where(StockMovement.kind == "issue",
                                                             StockMovement.request_id == req.id))
    assert issue.serials == "CARD00000001–CARD00000030" and issued.issue_movement_id == issue.id
    assert ledger_totals(cards.id, shop["store"].id) == (70, 0)
    detail = client.get(f"/materials/requests/{req.id}").get_data(as_text=True)
    assert "CARD00000001–CARD00000030" in detail


def test_a_withdrawn_approval_puts_the_cards_back_in_stock(shop, cards, db):
    req = make_request(shop, quantities={"card": 10})
    manager = user("gd.manager@test.example")
    services.decide_request(req, manager, "all", warehouse=shop["store"])
    db.session.commit()
    assert serials.labels(ranges(cards, "reserved")) == "CARD00000001–CARD00000010"
    services.withdraw_approval(req, manager, "Campaign cancelled")
    db.session.commit()
    assert ranges(cards, "reserved") == []
    assert serials.labels(ranges(cards, "in_stock")) == "CARD00000001–CARD00000100"
    release = db.session.scalar(sa.select(StockMovement).where(StockMovement.kind == "release"))
    assert release.serials == "CARD00000001–CARD00000010"
    row = level(cards, shop["store"])
    assert (row.on_hand, row.reserved) == (100, 0) == ledger_totals(cards.id, shop["store"].id)


def test_more_cards_than_in_stock_are_refused_and_nothing_is_reserved(client, shop, cards, db):
    req = make_request(shop, quantities={"card": 101})
    client.login("gd.manager@test.example")
    response = client.post(f"/materials/requests/{req.id}/decision",
                           {"decision": "all", "warehouse_id": str(shop["store"].id)})
    assert response.status_code == 400
    assert "are in stock in Shenzhen central store" in response.get_data(as_text=True)
    assert ranges(cards, "reserved") == [] and level(cards, shop["store"]).reserved == 0
