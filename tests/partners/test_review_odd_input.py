"""Odd input on the directory and the outlet form is an ignored filter or a field error, never a
server error."""
import pytest

from portal.partners.models import Outlet

HUGE = "99999999999999999999"  # larger than any database integer


@pytest.mark.parametrize("query", [f"territory={HUGE}", f"tier={HUGE}&channel_type={HUGE}&manager={HUGE}",
                                   "territory=²", "tier=-1", f"page={HUGE}"])
def test_the_directory_with_an_odd_filter_is_shown(client, people, partners, query):
    client.login("gd.manager@test.example")
    assert client.get(f"/partners/?{query}").status_code == 200
    assert client.get(f"/partners/export.xlsx?{query}").status_code == 200


def test_an_outlet_in_a_city_id_too_large_is_a_field_error(client, people, partners, reference_data, db):
    outlet = Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="store")
    db.session.add(outlet)
    db.session.commit()
    client.login("p1.admin@test.example")
    response = client.post(f"/partner/outlets/{outlet.id}/edit",
                           {"name": "Futian Store", "address": "1 Shennan Road", "city_id": HUGE, "kind": "store"})
    assert response.status_code == 400
    assert db.session.get(Outlet, outlet.id).city_id == reference_data["GD-SZ"].id
