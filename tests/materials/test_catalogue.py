"""The catalogue and the warehouses, as a manager keeps them: items with a unit value in CNY
(audited when it changes), serial tracking, warehouses that close only when empty."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.extensions import db as _db
from portal.materials import stock
from portal.materials.models import MaterialItem, Warehouse
from tests.materials.stock_fixtures import make_item, make_warehouse  # noqa: F401

ITEM = {"code": "card-50", "name_zh": "50元有价卡", "name_en": "50-yuan prepaid card", "category": "prepaid_card",
        "unit": "张", "unit_value": "50.00", "serial_tracked": "y", "description": "For campus weeks.", "active": "y"}


@pytest.fixture
def manager(client, people):
    client.login("gd.manager@test.example")
    return client


def test_a_manager_adds_an_item_to_the_catalogue(manager):
    response = manager.post("/materials/items/new", ITEM)

    assert response.status_code == 302
    item = _db.session.scalar(sa.select(MaterialItem))
    assert (item.code, item.unit_value, item.serial_tracked, item.active) == ("CARD-50", Decimal("50.00"), True, True)
    assert response.headers["Location"].endswith(f"/materials/items/{item.id}")
    page = manager.get(f"/materials/items/{item.id}").get_data(as_text=True)
    assert "50元有价卡" in page and "¥50.00" in page and "Tracked by serial number" in page
    listing = manager.get("/materials/items?category=prepaid_card&q=prepaid").get_data(as_text=True)
    assert "CARD-50" in listing
    assert "CARD-50" not in manager.get("/materials/items?category=gift").get_data(as_text=True)


@pytest.mark.parametrize("value, message", [
    ("12.345", "at most two decimals"),
    ("-1", "cannot be negative"),
    ("abc", "Enter the unit value in yuan"),
    ("1e100", "at most ¥1,000,000.00"),
    ("", "Enter the unit value in yuan"),
    ("NaN", "Enter the unit value in yuan"),
])
def test_a_bad_unit_value_is_a_field_error_and_nothing_is_saved(manager, value, message):
    response = manager.post("/materials/items/new", {**ITEM, "unit_value": value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count(MaterialItem.id))) == 0


def test_a_unit_value_written_with_a_yuan_sign_and_commas_is_read(manager):
    assert manager.post("/materials/items/new", {**ITEM, "unit_value": "¥1,250.5"}).status_code == 302
    assert _db.session.scalar(sa.select(MaterialItem.unit_value)) == Decimal("1250.50")


def test_item_codes_are_unique_whatever_their_case(manager, make_item):
    make_item("CARD-50")
    response = manager.post("/materials/items/new", ITEM)
    assert response.status_code == 400
    assert "The code CARD-50 is already used." in response.get_data(as_text=True)


def test_required_fields_are_named(manager):
    response = manager.post("/materials/items/new", {"category": "nonsense", "unit_value": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Enter a code", "Enter the name in Chinese.", "Enter the name in English.", "Choose a category.",
                    "Enter the unit"):
        assert message in page


def test_a_change_of_unit_value_is_in_the_audit_trail_with_who_and_from_which_value(manager, make_item, people):
    item = make_item("POSTER-A2", unit_value="12.00")
    data = {**ITEM, "code": "POSTER-A2", "category": "poster", "serial_tracked": "", "unit_value": "15.50"}
    del data["serial_tracked"]

    assert manager.post(f"/materials/items/{item.id}/edit", data).status_code == 302

    change = _db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "MaterialItem",
                                                          AuditLog.field == "unit_value"))
    assert (change.old_value, change.new_value, change.actor_id) == ("12.00", "15.50", people["manager"].id)
    page = manager.get(f"/materials/items/{item.id}").get_data(as_text=True)
    assert "unit_value" in page and "12.00" in page and "15.50" in page


def test_serial_tracking_cannot_be_switched_once_the_item_has_movements(manager, make_item, make_warehouse, people):
    item = make_item("POSTER-A2")
    stock.receive(item, make_warehouse(), people["manager"], quantity="5", reference="DN-1")
    _db.session.commit()
    data = {**ITEM, "code": "POSTER-A2", "category": "poster"}  # serial_tracked ticked

    response = manager.post(f"/materials/items/{item.id}/edit", data)

    assert response.status_code == 400
    assert "serial tracking can no longer be switched" in response.get_data(as_text=True)
    _db.session.refresh(item)
    assert item.serial_tracked is False


def test_a_manager_adds_and_edits_a_warehouse(manager, reference_data, people):
    response = manager.post("/materials/warehouses/new", {"code": "sz-01", "name": "Shenzhen Futian store room",
                                                           "territory_id": str(reference_data["GD-SZ"].id),
                                                           "address": "1 Shennan Road", "active": "y"})
    assert response.status_code == 302
    warehouse = _db.session.scalar(sa.select(Warehouse))
    assert (warehouse.code, warehouse.territory_id) == ("SZ-01", reference_data["GD-SZ"].id)
    assert "Shenzhen Futian store room" in manager.get("/materials/warehouses").get_data(as_text=True)

    response = manager.post(f"/materials/warehouses/{warehouse.id}/edit", {"code": "SZ-01", "name": "Futian", "address": "",
                                                                          "territory_id": "", "active": "y"})
    assert response.status_code == 302
    _db.session.refresh(warehouse)
    assert (warehouse.name, warehouse.territory_id, warehouse.address) == ("Futian", None, None)
    assert _db.session.scalar(sa.select(AuditLog.actor_id).where(AuditLog.entity_type == "Warehouse",
                                                                 AuditLog.field == "name")) == people["manager"].id


def test_a_warehouse_with_an_unknown_territory_is_refused(manager):
    response = manager.post("/materials/warehouses/new", {"code": "X", "name": "X", "territory_id": "999999"})
    assert response.status_code == 400
    assert "Choose a territory from the list." in response.get_data(as_text=True)


def test_a_warehouse_holding_stock_cannot_be_closed(manager, make_item, make_warehouse, people):
    warehouse = make_warehouse("SZ-01")
    stock.receive(make_item(), warehouse, people["manager"], quantity="3", reference="DN-1")
    _db.session.commit()

    response = manager.post(f"/materials/warehouses/{warehouse.id}/edit", {"code": "SZ-01", "name": "Shenzhen"})

    assert response.status_code == 400
    assert "still holds 3 units" in response.get_data(as_text=True)
    _db.session.refresh(warehouse)
    assert warehouse.active is True


def test_an_unknown_item_or_warehouse_answers_404(manager):
    assert manager.get("/materials/items/999999").status_code == 404
    assert manager.get("/materials/items/999999/ledger").status_code == 404
    assert manager.get("/materials/warehouses/999999/edit").status_code == 404
