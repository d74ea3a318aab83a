"""The channel manager's partner directory and partner page."""
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.conflicts.services import open_case
from portal.core.models import utcnow
from portal.deals.models import DealRegistration
from portal.extensions import db
from portal.materials.models import MaterialRequest
from portal.partners.models import Outlet, Partner
from portal.recruitment.models import Activity, FollowUp
from portal.results.models import PartnerTarget, PaymentCollection, PsiEntry


@contextmanager
def counted_queries():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def add_partners(n, reference_data, manager, start=0):
    city = reference_data["GD-GZ"]
    for i in range(start, start + n):
        partner = Partner(name=f"Guangzhou Dealer {i:03d}", province_id=city.parent_id, city_id=city.id,
                          channel_type_id=reference_data["campus"].id, manager_id=manager.id, status="active")
        partner.territories = [city]
        partner.outlets = [Outlet(name=f"Shop {i}-{k}", address="Road", city_id=city.id) for k in range(2)]
        db.session.add(partner)
    db.session.commit()


def names(response):
    return response.get_data(as_text=True)


def test_directory_lists_only_the_partners_a_manager_may_see(client, make_client, people, partners):
    client.login("gd.manager@test.example")
    page = names(client.get("/partners/"))
    assert "Partner One Trading" in page
    assert "Partner Two Retail" not in page
    other = make_client()
    other.login("zj.manager@test.example")
    page = names(other.get("/partners/"))
    assert "Partner Two Retail" in page and "Partner One Trading" not in page


def test_directory_filters_by_territory_with_a_province_covering_its_cities(client, people, partners, reference_data):
    client.login("admin@test.example")
    by_province = names(client.get(f"/partners/?territory={reference_data['GD'].id}"))
    assert "Partner One Trading" in by_province and "Partner Two Retail" not in by_province
    by_city = names(client.get(f"/partners/?territory={reference_data['ZJ-HZ'].id}"))
    assert "Partner Two Retail" in by_city and "Partner One Trading" not in by_city
    other_city = names(client.get(f"/partners/?territory={reference_data['GD-GZ'].id}"))
    assert "Partner One Trading" not in other_city
    assert "No partner matches these filters." in other_city


def test_directory_filters_by_tier_channel_type_and_status(client, people, partners, reference_data):
    from portal.reference.models import PartnerTier

    gold = db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))
    partners["one"].tier_id = gold.id
    partners["two"].status = "suspended"
    partners["two"].channel_type_id = reference_data["campus"].id
    db.session.commit()
    client.login("admin@test.example")
    assert "Partner Two Retail" not in names(client.get(f"/partners/?tier={gold.id}"))
    assert "Partner One Trading" in names(client.get(f"/partners/?tier={gold.id}"))
    campus = names(client.get(f"/partners/?channel_type={reference_data['campus'].id}"))
    assert "Partner Two Retail" in campus and "Partner One Trading" not in campus
    suspended = names(client.get("/partners/?status=suspended"))
    assert "Partner Two Retail" in suspended and "Partner One Trading" not in suspended
    assert "Partner One Trading" in names(client.get("/partners/?q=91440300"))  # credit code search


def test_directory_export_has_the_filtered_partners(client, people, partners, reference_data):
    import io

    from openpyxl import load_workbook

    client.login("admin@test.example")
    response = client.get(f"/partners/export.xlsx?territory={reference_data['GD'].id}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == ["Partner One Trading"]


def test_partner_page_gathers_what_the_other_parts_keep(client, people, partners, reference_data, make_agreement):
    one, two = partners["one"], partners["two"]
    month = date.today().replace(day=1)
    outlet = Outlet(partner_id=one.id, name="Futian Flagship", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id)
    db.session.add(outlet)
    db.session.flush()
    db.session.add_all([
        PartnerTarget(partner_id=one.id, product_line_id=reference_data["mobile"].id, effective_month=date(2020, 1, 1),
                      amount=Decimal("1000.00")),
        PsiEntry(partner_id=one.id, outlet_id=outlet.id, product_line_id=reference_data["mobile"].id, month=month,
                 sales=5, sales_amount=Decimal("250.00"), returns_amount=Decimal("50.00")),
        PaymentCollection(partner_id=one.id, amount=Decimal("123.45"), received_at=utcnow(), month=month),
        MaterialRequest(number="MR-2026-0042", partner_id=one.id, campaign="Back to school", plan="Posters",
                        quarter="2026Q4"),
        DealRegistration(number="DR-2026-0007", partner_id=one.id, customer_name="Shenzhen Bright Tech",
                         customer_key="shenzhenbrighttech", expected_value=Decimal("88000.00")),
        Activity(partner_id=one.id, kind="visit", occurred_at=utcnow(), outcome="Checked the displays"),
    ])
    open_case("price_cutting", "manager", "Prices below the floor", "Seen on 1 Dec", [(one, "respondent")],
              notify_parties=False)
    db.session.commit()
    client.login("gd.manager@test.example")
    page = names(client.get(f"/partners/{one.id}"))
    for expected in ("Futian Flagship", "MR-2026-0042", "Back to school", "DR-2026-0007", "Shenzhen Bright Tech",
                     "Prices below the floor", "Checked the displays", "p1.admin@test.example", "¥1,000.00",
                     "¥200.00", "20%", "¥123.45"):
        assert expected in page, expected
    assert "Partner Two" not in page
    assert client.get(f"/partners/{two.id}").status_code == 404


def test_managers_log_activities_and_follow_ups_on_a_partner(client, people, partners):
    one = partners["one"]
    client.login("gd.manager@test.example")
    response = client.post(f"/partners/{one.id}/activities",
                           {"kind": "meeting", "occurred_at": "2026-03-02T15:30", "participants": "Ms Li",
                            "outcome": "Agreed on the Q2 campaign"})
    assert response.status_code == 302
    response = client.post(f"/partners/{one.id}/follow-ups",
                           {"due_date": "2099-01-10", "note": "Send the poster plan",
                            "assignee_id": str(people["manager"].id)})
    assert response.status_code == 302
    page = names(client.get(f"/partners/{one.id}"))
    assert "Agreed on the Q2 campaign" in page and "Send the poster plan" in page
    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.partner_id == one.id))
    assert follow_up.prospect_id is None
    # the manager's home lists it and it can be ticked off from there
    assert "Send the poster plan" not in names(client.get("/pipeline/"))  # not due yet
    assert client.post(f"/partners/follow-ups/{follow_up.id}/done", {}).status_code == 302
    assert db.session.get(FollowUp, follow_up.id).done_at is not None


def test_bad_activity_input_is_refused_with_field_errors(client, people, partners):
    client.login("gd.manager@test.example")
    response = client.post(f"/partners/{partners['one'].id}/activities", {"kind": "visit", "occurred_at": "", "outcome": ""})
    assert response.status_code == 400
    page = names(response)
    assert "Enter the date and time." in page and "Write what came of it." in page
    response = client.post(f"/partners/{partners['one'].id}/follow-ups",
                           {"due_date": "2001-01-01", "note": "Late", "assignee_id": str(people["manager"].id)})
    assert response.status_code == 400
    assert "Choose today or a later day." in names(response)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_follow_up_reminders_cover_partner_follow_ups(app, people, partners, outbox):
    from portal.recruitment.services import send_follow_up_reminders

    db.session.add(FollowUp(partner_id=partners["one"].id, due_date=date(2026, 1, 5), note="Check the stock",
                            assignee_id=people["manager"].id))
    db.session.commit()
    assert send_follow_up_reminders(date(2026, 1, 5)) == 1
    assert any("Partner One Trading" in m.body and f"/partners/{partners['one'].id}" in m.body for m in outbox)


def test_directory_and_partner_page_run_as_many_queries_for_200_partners_as_for_10(
        client, people, partners, reference_data):
    client.login("admin@test.example")
    add_partners(8, reference_data, people["manager"])  # 10 with partners one and two
    client.get("/partners/")  # warm up (reference lists, session)
    with counted_queries() as few:
        assert client.get("/partners/").status_code == 200
    with counted_queries() as few_page:
        assert client.get(f"/partners/{partners['one'].id}").status_code == 200
    with counted_queries() as few_export:
        assert client.get("/partners/export.xlsx").status_code == 200
    add_partners(190, reference_data, people["manager"], start=8)
    with counted_queries() as many:
        assert client.get("/partners/").status_code == 200
    with counted_queries() as many_page:
        assert client.get(f"/partners/{partners['one'].id}").status_code == 200
    with counted_queries() as many_export:
        assert client.get("/partners/export.xlsx").status_code == 200
    assert len(many) == len(few)
    assert len(many_page) == len(few_page)
    assert len(many_export) == len(few_export)
