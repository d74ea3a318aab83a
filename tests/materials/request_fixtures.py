"""Builders for the material request tests (imported by tests/materials/test_requests*.py,
test_allowance.py, test_usage.py and test_concurrency.py)."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.i18n import business_today
from portal.materials.models import MaterialItem, MaterialRequest, StockLevel, Warehouse
from portal.materials.stock import move
from portal.partners.models import Outlet


def user(email):
    from portal.extensions import db

    return db.session.scalar(sa.select(User).where(User.email == email))


def level(item, warehouse):
    from portal.extensions import db

    db.session.expire_all()
    return db.session.scalar(sa.select(StockLevel).where(StockLevel.item_id == item.id,
                                                         StockLevel.warehouse_id == warehouse.id))


@pytest.fixture
def shop(db, people, partners, reference_data):
    """Two items (posters at ¥2.50 with 100 in the Shenzhen store, gift bags at ¥20.00 with 30),
    a second, empty warehouse, and an open outlet of each partner."""
    manager = people["manager"]
    poster = MaterialItem(code="POSTER-A2", name_en="A2 poster", name_zh="A2海报", unit="piece",
                          unit_value=Decimal("2.50"), category="poster")
    bag = MaterialItem(code="GIFT-BAG", name_en="Gift bag", name_zh="礼品袋", unit="bag",
                       unit_value=Decimal("20.00"), category="gift")
    retired = MaterialItem(code="OLD-FLYER", name_en="Old flyer", name_zh="旧传单", unit="piece",
                           unit_value=Decimal("0.10"), active=False)
    store = Warehouse(code="SZ-1", name="Shenzhen central store")
    spare = Warehouse(code="GZ-1", name="Guangzhou store")
    db.session.add_all([poster, bag, retired, store, spare])
    db.session.flush()
    move(poster, store, "receipt", 100, manager, reason="Opening stock")
    move(bag, store, "receipt", 30, manager, reason="Opening stock")
    futian = Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="store")
    closed = Outlet(partner_id=partners["one"].id, name="Old Kiosk", address="2 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="kiosk", active=False)
    westlake = Outlet(partner_id=partners["two"].id, name="West Lake Store", address="1 Hubin Road",
                      city_id=reference_data["ZJ-HZ"].id, kind="store")
    db.session.add_all([futian, closed, westlake])
    db.session.commit()
    return {"poster": poster, "bag": bag, "retired": retired, "store": store, "spare": spare, "futian": futian,
            "closed": closed, "westlake": westlake}


def request_form(shop, quantities=None, **overrides):
    """The partner's request form: {item key: quantity} and the plan."""
    today = business_today()
    data = {"outlet_ids": str(shop["futian"].id), "campaign": "Spring promotion",
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
            "plan": "Posters in the shop window; a gift bag for each new subscriber."}
    for key, quantity in (quantities if quantities is not None else {"poster": 40, "bag": 10}).items():
        data[f"quantity-{shop[key].id}"] = str(quantity)
    data.update(overrides)
    return data


def submit(client, shop, quantities=None, **overrides):
    """Post a request as the signed-in partner user; returns (response, the newest request)."""
    from portal.extensions import db

    response = client.post("/partner/materials/requests/new", request_form(shop, quantities, **overrides))
    newest = db.session.scalar(sa.select(MaterialRequest).order_by(MaterialRequest.id.desc()).limit(1))
    return response, newest


def make_request(shop, partner_key="one", quantities=None, partners=None, email="p1.admin@test.example", **plan):
    """A submitted request built through the service (no HTTP)."""
    from portal.extensions import db
    from portal.materials import request_services as services

    actor = user(email)
    partner = actor.partner
    today = business_today()
    data = {"quantities": {shop[k].id: str(q) for k, q in (quantities or {"poster": 10}).items()},
            "outlet_ids": [shop["futian" if partner.name.startswith("Partner One") else "westlake"].id],
            "campaign": plan.get("campaign", "Spring promotion"), "plan": "Window posters",
            "starts_on": today, "ends_on": today + timedelta(days=30)}
    request_ = services.submit_request(partner, actor, data)
    db.session.commit()
    return request_
