"""Odd input on the deal pages is a message or an ignored filter, never a server error."""
from tests.deals.test_workflow import deal_form, register_as

HUGE = "99999999999999999999"  # larger than any database integer


def test_the_queue_with_a_partner_id_too_large_ignores_that_filter(make_client, client, people, partners,
                                                                   reference_data):
    register_as(make_client, "p1.admin@test.example", deal_form(reference_data))
    client.login("gd.manager@test.example")
    response = client.get(f"/deals/?partner={HUGE}")
    assert response.status_code == 200
    assert "深圳市华通科技有限公司" in response.get_data(as_text=True)


def test_a_registration_in_a_city_id_too_large_is_a_field_error(client, people, partners, reference_data):
    client.login("p1.admin@test.example")
    response = client.post("/partner/deals/new", deal_form(reference_data, city_id=HUGE, product_line_id=HUGE))
    assert response.status_code == 400
