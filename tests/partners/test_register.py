"""The managers' agreement register: scope, filters, sorting, paging and the 60-day highlight."""
import re
from datetime import timedelta

import pytest

from portal.core.i18n import local_today_in
from portal.recruitment.models import Prospect


@pytest.fixture
def in_force(make_agreement, db):
    """A countersigned agreement of ``prospect`` (of ``partner`` when given) ending in ``days`` days."""

    def factory(prospect, days, partner=None, status="countersigned", kind="original"):
        agreement = make_agreement(prospect, partner=partner, status=status, kind=kind)
        today = local_today_in()
        agreement.start_date = today - timedelta(days=700)
        agreement.end_date = today + timedelta(days=days)
        if status == "countersigned":
            agreement.signed_document_id = agreement.document_id
        db.session.commit()
        return agreement

    return factory


def row_of(page, number):
    """The <tr> of the register table that shows agreement ``number``."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S):
        if number in row:
            return row
    raise AssertionError(f"{number} is not in the register")


def test_register_highlights_an_agreement_ending_in_30_days_and_not_one_ending_in_90(
        app, client, people, make_prospect, in_force):
    soon = in_force(make_prospect("Soon Ends Co", "GD-SZ", owner=people["manager"], stage="signed"), 30)
    later = in_force(make_prospect("Later Ends Co", "GD-GZ", owner=people["manager"], stage="signed"), 90)
    client.login("gd.manager@test.example")
    page = client.get("/agreements/").get_data(as_text=True)

    soon_row, later_row = row_of(page, soon.number), row_of(page, later.number)
    assert 'data-expiring="1"' in soon_row and "Ends in 30 days" in soon_row
    assert 'data-expiring="1"' not in later_row and "Ends in" not in later_row
    assert "1 agreement in force ends within 60 days." in page
    if "negotiation.start_renewal" in app.view_functions:
        assert f'action="/agreements/{soon.id}/renew"' in soon_row and "Start renewal" in soon_row
        assert "Start renewal" not in later_row

    expiring = client.get("/agreements/?expiring=1").get_data(as_text=True)
    assert soon.number in expiring and later.number not in expiring


def test_only_agreements_in_force_are_highlighted(client, people, make_prospect, in_force):
    pending = in_force(make_prospect("Pending Co", "GD-SZ", owner=people["manager"], stage="agreement_sent"), 20,
                       status="sent")
    client.login("gd.manager@test.example")
    page = client.get("/agreements/").get_data(as_text=True)
    assert 'data-expiring="1"' not in row_of(page, pending.number)


def test_a_manager_of_another_province_does_not_see_partner_one_s_agreement(
        client, make_client, partners, people, in_force, db):
    one = partners["one"]
    agreement = in_force(db.session.get(Prospect, one.prospect_id), 30, partner=one)

    client.login("zj.manager@test.example")
    page = client.get("/agreements/").get_data(as_text=True)
    assert agreement.number not in page and "Partner One Trading" not in page
    searched = client.get(f"/agreements/?q={agreement.number}").get_data(as_text=True)
    assert "No agreement matches these filters." in searched and "<tbody>" not in searched
    assert "agreement in force ends" not in page  # the count is scoped too

    for email in ("gd.manager@test.example", "admin@test.example"):
        c = make_client()
        c.login(email)
        row = row_of(c.get("/agreements/").get_data(as_text=True), agreement.number)
        assert "Partner One Trading" in row and f"/partners/{one.id}/deposit" in row


def test_register_filters_by_status_kind_territory_and_text(client, people, make_prospect, in_force, reference_data):
    sz = in_force(make_prospect("Shenzhen Alpha", "GD-SZ", owner=people["manager"], stage="signed"), 200)
    gz = in_force(make_prospect("Guangzhou Beta", "GD-GZ", owner=people["manager"], stage="agreement_sent"), 300,
                  status="sent")
    renewal = in_force(make_prospect("Gamma Renewal", "GD-GZ", owner=people["manager"], stage="signed"), 400,
                       kind="renewal")
    client.login("gd.manager@test.example")

    def numbers(query):
        page = client.get("/agreements/" + query).get_data(as_text=True)
        return {a.number for a in (sz, gz, renewal) if a.number in page}

    assert numbers("") == {sz.number, gz.number, renewal.number}
    assert numbers("?status=sent") == {gz.number}
    assert numbers("?kind=renewal") == {renewal.number}
    assert numbers(f"?territory={reference_data['GD-GZ'].id}") == {gz.number, renewal.number}
    assert numbers(f"?territory={reference_data['GD'].id}") == {sz.number, gz.number, renewal.number}
    assert numbers("?q=alpha") == {sz.number}
    assert numbers(f"?q={gz.number.lower()}") == {gz.number}
    assert numbers("?status=nonsense") == {sz.number, gz.number, renewal.number}
    page = client.get("/agreements/").get_data(as_text=True)
    assert re.search(r"Sent for signature <span[^>]*>1</span>", page)  # counts by status
    assert re.search(r"Signed by both sides <span[^>]*>2</span>", page)


def test_register_sorts_and_pages(app, client, people, make_prospect, in_force, monkeypatch):
    made = [in_force(make_prospect(f"Company {name}", "GD-SZ", owner=people["manager"], stage="signed"), days)
            for name, days in (("C", 300), ("A", 100), ("B", 200))]
    client.login("gd.manager@test.example")

    def order(query):
        page = client.get("/agreements/" + query).get_data(as_text=True)
        return sorted((page.index(a.number), a.prospect.company_name) for a in made if a.number in page)

    assert [c for _i, c in order("?sort=end")] == ["Company A", "Company B", "Company C"]
    assert [c for _i, c in order("?sort=company")] == ["Company A", "Company B", "Company C"]
    assert [c for _i, c in order("?sort=recent")] == ["Company B", "Company A", "Company C"]

    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    first = client.get("/agreements/?sort=end").get_data(as_text=True)
    second = client.get("/agreements/?sort=end&page=2").get_data(as_text=True)
    assert made[1].number in first and made[2].number in first and made[0].number not in first
    assert made[0].number in second and "3 in all, page 2 of 2" in second


def test_register_is_for_managers_and_admins_only(client, partners, people):
    client.login("p1.admin@test.example")
    assert client.get("/agreements/").status_code == 403


def test_register_empty_state(client, people):
    client.login("zj.manager@test.example")
    assert "No agreement matches these filters." in client.get("/agreements/").get_data(as_text=True)
