"""Bad input is answered with a message on the page, never with a server error.

Each case here once raised an exception (a 500 in production): a non-numeric query-string value,
an amount written with a huge exponent, a date whose year was typed short.
"""
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.errors import DomainError
from portal.negotiation import services as negotiation
from portal.negotiation.models import TermSheet
from portal.partners import services as partners_services
from portal.partners.models import DepositMovement
from portal.recruitment import importer
from portal.recruitment.models import Activity


def test_a_non_numeric_parent_in_the_new_territory_link_is_ignored(client, people):
    client.login("admin@test.example")
    response = client.get("/admin/territories/new?parent=abc")
    assert response.status_code == 200
    assert 'name="code"' in response.get_data(as_text=True)


@pytest.mark.parametrize("amount", ["1e100", "9e999999"])
def test_an_amount_with_a_huge_exponent_is_refused_with_a_message(amount):
    assert negotiation.money_error(amount) == negotiation.money_error("1000000000000000")  # "too large"
    with pytest.raises(DomainError) as refused:
        partners_services.parse_amount(amount)
    assert refused.value.field == "amount"


def test_a_deposit_payment_of_1e100_is_a_field_error(client, people, partners, db):
    client.login("gd.manager@test.example")
    response = client.post(f"/partners/{partners['one'].id}/deposit/payments", {"amount": "1e100", "reference": "B-1"})
    assert response.status_code == 400
    assert "Enter an amount greater than zero, in yuan with at most two decimals." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(DepositMovement.id))) == 0


def test_a_term_sheet_with_a_deposit_of_1e100_is_a_field_error(client, people, make_prospect, reference_data, db):
    prospect = make_prospect("Shenzhen Xinda", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                             stage="negotiating", channel_type_id=reference_data["social"].id)
    client.login("gd.manager@test.example")
    page = client.get(f"/prospects/{prospect.id}/terms/new").get_data(as_text=True)
    tier = re.search(r'<select[^>]*name="tier_id".*?<option[^>]*value="(\d+)"', page, re.S)
    lines = re.findall(r'name="(rate_\d+|target_\d+)"', page)
    data = {"based_on": "0", "territory_ids": str(reference_data["GD-SZ"].id),
            "channel_type_id": str(reference_data["social"].id), "tier_id": tier.group(1),
            "start_date": "2026-01-01", "end_date": "2026-12-31", "deposit": "1e100", "rent_subsidy_per_outlet": "0"}
    data.update({name: "3.35" if name.startswith("rate") else "1e100" for name in lines})

    response = client.post(f"/prospects/{prospect.id}/terms/new", data)

    assert response.status_code == 400
    assert "This amount is too large." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(TermSheet.id))) == 0


def test_an_activity_dated_in_year_26_is_a_field_error(client, people, make_prospect, db):
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"])
    client.login("gd.manager@test.example")
    response = client.post(f"/pipeline/prospects/{prospect.id}/activities",
                           {"kind": "call", "occurred_at": "0026-01-05T10:00", "outcome": "Interested"})
    assert response.status_code == 400
    assert "Enter a date and time after 1900." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_an_imported_capital_too_large_for_a_decimal_is_reported_on_its_cell(people):
    text = ("Company name,Contact name,Province,City,Registered capital\n"
            "Shenzhen Trading,Li Lei,Guangdong,Shenzhen,1e999999999万\n").encode()
    result = importer.import_prospects(text, "x.csv", people["manager"])
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(2, "Registered capital")]


def test_money_still_parses_exactly():
    assert partners_services.parse_amount("20,000.10") == Decimal("20000.10")
    assert negotiation.money_error("20000.10") is None
    assert negotiation.money_error("20000.105") is not None


def test_assigning_a_prospect_to_someone_not_in_the_list_says_why_nothing_changed(client, people, make_prospect, db):
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"])
    client.login("gd.manager@test.example")
    response = client.post(f"/pipeline/prospects/{prospect.id}/assign", {"owner_id": str(people["applicant"].id)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose an active channel manager." in page and "Owner saved." not in page
    assert db.session.get(type(prospect), prospect.id).owner_id == people["manager"].id
