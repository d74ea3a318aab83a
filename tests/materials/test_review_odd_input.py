"""Odd input on the material pages is a message or an empty result, never a server error: ids too
large for the database in forms and links, and a ledger date filter at the end of the calendar."""
import sqlalchemy as sa

from portal.materials.models import MaterialAllowance, MaterialRequest
from tests.materials.request_fixtures import make_request, shop  # noqa: F401

HUGE = "99999999999999999999"  # larger than any database integer


def page(response):
    return response.get_data(as_text=True)


def test_a_ledger_filtered_up_to_the_last_day_of_the_calendar_is_shown(client, shop):
    client.login("gd.manager@test.example")
    poster = shop["poster"].id
    for url in (f"/materials/items/{poster}/ledger?from=0001-01-01&to=9999-12-31",
                f"/materials/items/{poster}/ledger.xlsx?to=9999-12-31"):
        assert client.get(url).status_code == 200, url
    assert "Opening stock" in page(client.get(f"/materials/items/{poster}/ledger?to=9999-12-31"))


def test_an_allowance_for_a_partner_or_item_id_too_large_is_a_field_error(client, shop, db):
    client.login("gd.manager@test.example")
    response = client.post("/materials/allowances/new", {"partner_id": HUGE, "max_value": "100"})
    assert response.status_code == 400
    assert "Choose one of the partners you look after." in page(response)
    response = client.post("/materials/allowances/new", {"item_id": HUGE, "max_quantity": "5"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(MaterialAllowance.id))) == 0


def test_a_decision_from_a_warehouse_id_too_large_is_a_field_error(client, shop, db):
    request_ = make_request(shop)
    client.login("gd.manager@test.example")
    response = client.post(f"/materials/requests/{request_.id}/decision", {"decision": "all", "warehouse_id": HUGE})
    assert response.status_code == 400
    assert "Choose the warehouse the material comes from." in page(response)
    assert db.session.get(MaterialRequest, request_.id).status == "submitted"


def test_the_request_queue_with_a_partner_id_too_large_ignores_that_filter(client, shop):
    request_ = make_request(shop)
    client.login("gd.manager@test.example")
    response = client.get(f"/materials/requests?partner={HUGE}")
    assert response.status_code == 200
    assert request_.number in page(response)
