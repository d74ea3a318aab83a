"""Odd input on the case pages is an ignored filter, never a server error."""
from tests.conflicts.conftest import GD_MANAGER, P1_ADMIN  # noqa: F401

HUGE = "99999999999999999999"  # larger than any database integer


def test_the_case_list_with_a_partner_id_or_page_too_large_is_shown(client, cast, make_case):
    case = make_case([(cast["one"], "complainant")])
    client.login(GD_MANAGER)
    response = client.get(f"/cases/?partner={HUGE}&page={HUGE}")
    assert response.status_code == 200
    response = client.get(f"/cases/?partner={HUGE}")
    assert case.number in response.get_data(as_text=True)
