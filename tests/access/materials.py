"""Access decisions for the vendor's stock pages: catalogue, warehouses, stock, ledger, trace
(merged into tests/test_access.py). The catalogue and stock are the vendor's: every manager and
the admin may open them (200), partner users and applicants may not (403)."""
from tests.access import *  # noqa: F401,F403

ITEM = "/materials/items/{stock_item_id}"

ROUTES = {
    "materials_admin.items": ("GET", "/materials/items", None, internal()),
    "materials_admin.new_item": ("GET", "/materials/items/new", None, internal()),
    "materials_admin.item": ("GET", ITEM, None, internal()),
    "materials_admin.edit_item": ("GET", ITEM + "/edit", None, internal()),
    "materials_admin.warehouses": ("GET", "/materials/warehouses", None, internal()),
    "materials_admin.new_warehouse": ("GET", "/materials/warehouses/new", None, internal()),
    "materials_admin.edit_warehouse": ("GET", "/materials/warehouses/{stock_warehouse_id}/edit", None, internal()),
    "materials_admin.stock": ("GET", "/materials/stock", None, internal()),
    "materials_admin.receipt": ("GET", ITEM + "/receipt", None, internal()),
    "materials_admin.adjustment": ("GET", ITEM + "/adjustment", None, internal()),
    "materials_admin.stocktake": ("GET", ITEM + "/stocktake", None, internal()),
    "materials_admin.ledger": ("GET", ITEM + "/ledger", None, internal()),
    "materials_admin.export_ledger": ("GET", ITEM + "/ledger.xlsx", None, internal()),
    "materials_admin.trace": ("GET", ITEM + "/trace?serial=ACC00000005", None, internal()),
}


def build(people, partners, reference_data, world):
    """A serial-tracked item (prepaid cards) and a warehouse, with a receipt of 50 cards."""
    from decimal import Decimal

    from portal.extensions import db
    from portal.materials import stock
    from portal.materials.models import MaterialItem, Warehouse

    item = MaterialItem(code="STOCK-ACCESS-CARD", name_en="Access test card", name_zh="测试卡", category="prepaid_card",
                        unit="张", unit_value=Decimal("50.00"), serial_tracked=True)
    warehouse = Warehouse(code="STOCK-ACCESS-WH", name="Access test warehouse", territory_id=reference_data["GD"].id)
    db.session.add_all([item, warehouse])
    db.session.flush()
    stock.receive(item, warehouse, people["manager"], reference="DN-ACCESS-1",
                  serial_range={"prefix": "ACC", "first": "1", "last": "50", "digits": "8"})
    db.session.commit()
    return {"stock_item_id": item.id, "stock_warehouse_id": warehouse.id}
