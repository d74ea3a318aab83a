"""Every stock page, with data and with form errors, is valid HTML (Nu validator)."""
import pytest

from portal.extensions import db as _db
from portal.materials import serials, stock
from portal.materials.stock import move
from tests.html_validity import assert_valid_html
from tests.materials.stock_fixtures import make_item, make_request, make_warehouse  # noqa: F401


@pytest.fixture
def stocked(make_item, make_warehouse, make_request, people, partners):
    manager = people["manager"]
    poster, card = make_item("POSTER-A2"), make_item("CARD-50", serial_tracked=True)
    shenzhen, guangzhou = make_warehouse("SZ-01"), make_warehouse("GZ-01", territory="GD-GZ")
    request = make_request(number="MR-2026-0001")
    stock.receive(poster, shenzhen, manager, quantity="100", reference="DN-1", reason="Spring")
    stock.receive(poster, guangzhou, manager, quantity="20", reference="DN-2")
    move(poster, shenzhen, "reserve", 30, manager, request=request, partner=partners["one"])
    move(poster, shenzhen, "issue", 10, manager, request=request, partner=partners["one"])
    stock.receive(card, shenzhen, manager, reference="DN-3",
                  serial_range={"prefix": "CARD", "first": "1", "last": "100", "digits": "8"})
    serials.reserve_serials(card, shenzhen, 20, request)
    move(card, shenzhen, "reserve", 20, manager, request=request)
    issue = move(card, shenzhen, "issue", 20, manager, request=request, partner=partners["one"])
    serials.issue_serials(card, shenzhen, request, partners["one"], issue)
    _db.session.commit()
    poster.unit_value = poster.unit_value + 1  # an audited change for the item page
    _db.session.commit()
    return {"poster": poster.id, "card": card.id, "warehouse": shenzhen.id}


def test_stock_pages_are_valid_html(client, stocked, tmp_path):
    client.login("gd.manager@test.example")
    poster, card, warehouse = (f"/materials/items/{stocked['poster']}", f"/materials/items/{stocked['card']}",
                               stocked["warehouse"])
    pages = {name: client.get(url) for name, url in {
        "stock": "/materials/stock", "stock-empty": "/materials/stock?q=nothing", "items": "/materials/items",
        "item-new": "/materials/items/new", "item": poster, "item-edit": poster + "/edit",
        "warehouses": "/materials/warehouses", "warehouse-new": "/materials/warehouses/new",
        "warehouse-edit": f"/materials/warehouses/{warehouse}/edit", "receipt": poster + "/receipt",
        "receipt-cards": card + "/receipt", "adjustment": poster + "/adjustment", "stocktake": poster + "/stocktake",
        "ledger": poster + "/ledger", "ledger-empty": poster + "/ledger?kind=stocktake", "trace": poster + "/trace",
        "trace-cards": card + "/trace?serial=CARD00000005", "trace-missing": card + "/trace?serial=X1",
    }.items()}
    pages["item-errors"] = client.post("/materials/items/new", {"unit_value": "x"})
    pages["receipt-errors"] = client.post(card + "/receipt", {"warehouse_id": str(warehouse), "first": "9"})
    pages["adjustment-errors"] = client.post(poster + "/adjustment", {"warehouse_id": str(warehouse),
                                                                     "quantity": "-1000", "reason": "x"})
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
    assert_valid_html(pages, tmp_path)
