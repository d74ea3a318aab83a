"""Builders for the stock tests (test_stock*.py, test_serials.py, test_catalogue.py): an item, a
warehouse, a request of Partner One. Import the fixtures into a test module to use them."""
from decimal import Decimal

import pytest

from portal.extensions import db as _db
from portal.materials.models import MaterialItem, MaterialRequest, Warehouse


@pytest.fixture
def make_item(db):
    def factory(code="POSTER-A2", serial_tracked=False, unit_value="12.50", category=None, **kw):
        item = MaterialItem(code=code, name_en=kw.pop("name_en", f"Item {code}"), name_zh=kw.pop("name_zh", f"物料{code}"),
                            category=category or ("prepaid_card" if serial_tracked else "poster"),
                            unit=kw.pop("unit", "张"), unit_value=Decimal(unit_value), serial_tracked=serial_tracked, **kw)
        _db.session.add(item)
        _db.session.commit()
        return item

    return factory


@pytest.fixture
def make_warehouse(db, reference_data):
    def factory(code="SZ-01", name="Shenzhen warehouse", territory="GD-SZ", **kw):
        warehouse = Warehouse(code=code, name=name, territory_id=reference_data[territory].id if territory else None,
                              address=kw.pop("address", "1 Keyuan Road"), **kw)
        _db.session.add(warehouse)
        _db.session.commit()
        return warehouse

    return factory


@pytest.fixture
def make_request(db, partners, people):
    counter = {"n": 0}

    def factory(partner=None, campaign="Campus week", **kw):
        counter["n"] += 1
        partner = partner or partners["one"]
        request = MaterialRequest(number=kw.pop("number", f"MR-TEST-{counter['n']:04d}"), partner_id=partner.id,
                                  campaign=campaign, plan=kw.pop("plan", "Hand out at the campus outlets."),
                                  quarter=kw.pop("quarter", "2026Q1"), status=kw.pop("status", "approved"), **kw)
        _db.session.add(request)
        _db.session.commit()
        return request

    return factory
