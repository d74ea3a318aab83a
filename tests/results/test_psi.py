"""PSI reports (进销存) by form: validation, one row per outlet/product line/month (a resubmission
replaces the figures, audited), scoping to the partner's own outlets and reports, and the
automatic cross-territory case when an outlet outside the partner's territories reports sales."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.conflicts.models import CaseParty, ConflictCase
from portal.core.audit import AuditLog
from portal.core.i18n import add_months, business_today
from portal.extensions import db as _db
from portal.notifications.models import Notification
from portal.partners.models import Outlet
from portal.results import psi
from portal.results.models import PsiEntry

OCTOBER = date(2026, 10, 1)


@pytest.fixture
def outlets(partners, reference_data):
    """Partner One (territory: Shenzhen): Futian in Shenzhen, Tianhe in Guangzhou (outside its
    territory), Luohu closed. Partner Two: West Lake in Hangzhou."""
    one, two = partners["one"], partners["two"]
    made = {
        "futian": Outlet(partner_id=one.id, name="Futian Store", address="1 Shennan Road",
                         city_id=reference_data["GD-SZ"].id, kind="store"),
        "tianhe": Outlet(partner_id=one.id, name="Tianhe Kiosk", address="5 Tianhe Road",
                         city_id=reference_data["GD-GZ"].id, kind="kiosk"),
        "luohu": Outlet(partner_id=one.id, name="Luohu Counter", address="9 Jiefang Road",
                        city_id=reference_data["GD-SZ"].id, kind="kiosk", active=False),
        "westlake": Outlet(partner_id=two.id, name="West Lake Store", address="2 Hubin Road",
                           city_id=reference_data["ZJ-HZ"].id, kind="store"),
    }
    _db.session.add_all(made.values())
    _db.session.commit()
    return made


def report_form(outlet, line, month="2026-10", **figures):
    data = {"outlet_id": str(outlet.id), "product_line_id": str(line.id), "month": month, "purchases": "10",
            "sales": "8", "sales_amount": "1600.50", "returns_amount": "", "closing_inventory": "2"}
    data.update({k: str(v) for k, v in figures.items()})
    return data


def entries():
    return _db.session.scalars(sa.select(PsiEntry).order_by(PsiEntry.id)).all()


def territory_cases():
    return _db.session.scalars(sa.select(ConflictCase).where(ConflictCase.kind == "cross_territory")
                               .order_by(ConflictCase.id)).all()


@pytest.fixture
def p1(client, partners):
    client.login("p1.admin@test.example")
    return client


# ---- the form -----------------------------------------------------------------------------------


def test_partner_reports_an_outlets_month_by_form(p1, make_client, outlets, reference_data):
    response = p1.post("/partner/results/reports/new", report_form(outlets["futian"], reference_data["mobile"]))
    assert response.status_code == 302
    [entry] = entries()
    assert (entry.partner_id, entry.outlet_id, entry.product_line_id, entry.month) == (
        outlets["futian"].partner_id, outlets["futian"].id, reference_data["mobile"].id, OCTOBER)
    assert (entry.purchases, entry.sales, entry.sales_amount, entry.returns_amount, entry.closing_inventory) == (
        10, 8, Decimal("1600.50"), Decimal("0.00"), 2)
    assert entry.source == "form" and entry.submitted_by.email == "p1.admin@test.example"
    listing = p1.get("/partner/results/reports").get_data(as_text=True)
    assert "Futian Store" in listing and "¥1,600.50" in listing
    # staff report too
    staff = make_client()
    staff.login("p1.staff@test.example")
    assert staff.post("/partner/results/reports/new",
                      report_form(outlets["futian"], reference_data["broadband"])).status_code == 302
    assert len(entries()) == 2 and entries()[1].submitted_by.email == "p1.staff@test.example"


@pytest.mark.parametrize("field, value, message", [
    ("sales", "-1", "Enter a whole number of 0 or more."),
    ("purchases", "ten", "Enter a whole number of 0 or more."),
    ("closing_inventory", "2.5", "Enter a whole number of 0 or more."),
    ("sales_amount", "-5", "Enter an amount of 0 or more."),
    ("sales_amount", "12.345", "Give the amount with at most two decimal places."),
    ("returns_amount", "abc", "Enter an amount in yuan, e.g. 12800.50."),
    ("sales_amount", "", "Enter the sales amount in yuan (0 if none)."),
    ("month", "2026-13", "Enter a month as YYYY-MM, e.g. 2026-11."),
    ("month", "last month", "Enter a month as YYYY-MM, e.g. 2026-11."),
])
def test_the_form_says_what_is_wrong_next_to_the_field_and_saves_nothing(p1, outlets, reference_data, field,
                                                                         value, message):
    response = p1.post("/partner/results/reports/new",
                       report_form(outlets["futian"], reference_data["mobile"], **{field: value}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error">{message}' in html
    assert entries() == []


def test_a_month_that_has_not_begun_is_refused(p1, outlets, reference_data):
    next_month = add_months(business_today().replace(day=1), 1)
    response = p1.post("/partner/results/reports/new", report_form(
        outlets["futian"], reference_data["mobile"], month=f"{next_month:%Y-%m}"))
    assert response.status_code == 400
    assert "has not begun yet" in response.get_data(as_text=True)
    assert entries() == []


def test_figures_written_with_separators_and_full_width_digits_are_read(p1, outlets, reference_data):
    response = p1.post("/partner/results/reports/new", report_form(
        outlets["futian"], reference_data["mobile"], purchases="1,200", sales="１２", sales_amount="¥12,800.5",
        returns_amount="100元"))
    assert response.status_code == 302
    [entry] = entries()
    assert (entry.purchases, entry.sales, entry.sales_amount, entry.returns_amount) == (
        1200, 12, Decimal("12800.50"), Decimal("100.00"))


def test_another_partners_outlet_is_refused(p1, outlets, reference_data):
    response = p1.post("/partner/results/reports/new", report_form(outlets["westlake"], reference_data["mobile"]))
    assert response.status_code == 400
    assert 'id="outlet_id-error">Choose one of your outlets.' in response.get_data(as_text=True)
    assert entries() == []


def test_a_closed_outlet_is_refused(p1, outlets, reference_data):
    response = p1.post("/partner/results/reports/new", report_form(outlets["luohu"], reference_data["mobile"]))
    assert response.status_code == 400
    assert "Luohu Counter is closed" in response.get_data(as_text=True)
    assert entries() == []


def test_the_form_offers_only_the_partners_open_outlets(p1, outlets):
    html = p1.get("/partner/results/reports/new").get_data(as_text=True)
    assert "Futian Store" in html and "Tianhe Kiosk" in html
    assert "Luohu Counter" not in html and "West Lake Store" not in html


# ---- resubmission -----------------------------------------------------------------------------------


def test_resubmitting_replaces_the_figures_and_the_change_is_audited(p1, make_client, outlets, reference_data):
    futian, mobile = outlets["futian"], reference_data["mobile"]
    assert p1.post("/partner/results/reports/new", report_form(futian, mobile)).status_code == 302
    [first] = entries()
    p1 = make_client()
    p1.login("p1.staff@test.example")
    form_page = p1.get(f"/partner/results/reports/new?outlet={futian.id}&product_line={mobile.id}&month=2026-10")
    html = form_page.get_data(as_text=True)
    assert "already on file" in html and 'value="1600.50"' in html  # prefilled with the figures on file
    response = p1.post("/partner/results/reports/new", report_form(futian, mobile, sales="9", sales_amount="1800"))
    assert response.status_code == 302
    [entry] = entries()  # never a second row
    assert entry.id == first.id and entry.sales == 9 and entry.sales_amount == Decimal("1800.00")
    assert entry.submitted_by.email == "p1.staff@test.example"
    changes = {(a.field, a.old_value, a.new_value) for a in _db.session.scalars(
        sa.select(AuditLog).where(AuditLog.entity_type == "PsiEntry", AuditLog.entity_id == str(entry.id),
                                  AuditLog.action == "update"))}
    assert ("sales", "8", "9") in changes and ("sales_amount", "1600.50", "1800.00") in changes
    detail = p1.get(f"/partner/results/reports/{entry.id}").get_data(as_text=True)
    assert "1600.50 → 1800.00" in detail and "8 → 9" in detail and "First reported" in detail


def test_the_service_replaces_rather_than_adds(partners, outlets, reference_data, people):
    admin = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    figures = {"purchases": "1", "sales": "1", "sales_amount": "10", "closing_inventory": "0"}
    first = psi.submit_report(partners["one"], outlets["futian"].id, reference_data["mobile"].id, "2026-10",
                              figures, admin)
    second = psi.submit_report(partners["one"], outlets["futian"].id, reference_data["mobile"].id, OCTOBER,
                               {**figures, "sales": "3"}, admin)
    _db.session.commit()
    assert (first.replaced, second.replaced) == (0, 1)
    assert len(entries()) == 1 and entries()[0].sales == 3


# ---- scoping ----------------------------------------------------------------------------------------


def test_another_partners_reports_answer_404_and_are_not_listed(p1, make_client, outlets, reference_data):
    p2 = make_client()
    p2.login("p2.admin@test.example")
    assert p2.post("/partner/results/reports/new",
                   report_form(outlets["westlake"], reference_data["mobile"], sales_amount="777.77")).status_code == 302
    [theirs] = entries()
    assert p1.get(f"/partner/results/reports/{theirs.id}").status_code == 404
    assert "777.77" not in p1.get("/partner/results/reports").get_data(as_text=True)
    assert p2.get(f"/partner/results/reports/{theirs.id}").status_code == 200


def test_managers_see_the_reports_of_the_partners_they_look_after(p1, make_client, partners, outlets,
                                                                  reference_data):
    assert p1.post("/partner/results/reports/new", report_form(outlets["futian"], reference_data["mobile"])) \
        .status_code == 302
    gd = make_client()
    gd.login("gd.manager@test.example")
    page = gd.get(f"/results/reports/{partners['one'].id}")
    assert page.status_code == 200 and "Futian Store" in page.get_data(as_text=True)
    zj = make_client()
    zj.login("zj.manager@test.example")
    assert zj.get(f"/results/reports/{partners['one'].id}").status_code == 404


def test_the_list_filters_by_month_and_outlet(p1, outlets, reference_data):
    mobile = reference_data["mobile"]
    p1.post("/partner/results/reports/new", report_form(outlets["futian"], mobile, month="2026-09", sales_amount="901"))
    p1.post("/partner/results/reports/new", report_form(outlets["futian"], mobile, month="2026-10", sales_amount="1001"))
    p1.post("/partner/results/reports/new", report_form(outlets["tianhe"], mobile, month="2026-10", sales_amount="1002"))
    october = p1.get("/partner/results/reports?month=2026-10").get_data(as_text=True)
    assert "1,001.00" in october and "1,002.00" in october and "901.00" not in october
    futian = p1.get(f"/partner/results/reports?outlet={outlets['futian'].id}").get_data(as_text=True)
    assert "1,001.00" in futian and "901.00" in futian and "1,002.00" not in futian
    none = p1.get("/partner/results/reports?month=2020-01").get_data(as_text=True)
    assert "No report matches these filters." in none
    assert p1.get("/partner/results/reports?month=garbage&outlet=x&page=abc").status_code == 200


def test_odd_query_strings_and_ids_too_large_for_the_database_answer_without_error(p1, make_client, outlets,
                                                                                   reference_data):
    huge = "9" * 25
    assert p1.get(f"/partner/results/reports?outlet={huge}&product_line=-1&month=9999-99").status_code == 200
    assert p1.get(f"/partner/results/reports/{huge}").status_code == 404
    assert p1.get(f"/partner/results/reports/new?outlet={huge}&month=0000-00").status_code == 200
    response = p1.post("/partner/results/reports/new", {**report_form(outlets["futian"], reference_data["mobile"]),
                                                        "outlet_id": huge, "product_line_id": huge})
    assert response.status_code == 400
    gd = make_client()
    gd.login("gd.manager@test.example")
    for url in (f"/results/targets/{huge}", f"/results/reports/{huge}", f"/results/collections/{huge}"):
        assert gd.get(url).status_code == 404
    assert gd.get(f"/results/collections?partner={huge}&month=x").status_code == 200
    assert gd.get("/results/targets?month=9999-12").status_code == 200
    assert entries() == []


def test_the_list_is_paginated(p1, partners, outlets, reference_data, app):
    admin = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    per_page = app.config["PER_PAGE"]
    month = date(2024, 1, 1)
    for n in range(per_page + 1):
        psi.submit_report(partners["one"], outlets["futian"].id, reference_data["mobile"].id,
                          add_months(month, n), {"purchases": 0, "sales": 0, "sales_amount": "0",
                                                 "closing_inventory": 0}, admin)
    _db.session.commit()
    first = p1.get("/partner/results/reports").get_data(as_text=True)
    assert 'aria-label="Pages"' in first
    second = p1.get("/partner/results/reports?page=2").get_data(as_text=True)
    assert "January 2024" in second and "January 2024" not in first


# ---- the territory check ----------------------------------------------------------------------------


def test_sales_outside_the_territory_open_one_case_per_outlet_and_month(p1, partners, outlets, reference_data,
                                                                        people):
    tianhe = outlets["tianhe"]
    assert p1.post("/partner/results/reports/new", report_form(tianhe, reference_data["mobile"])).status_code == 302
    [case] = territory_cases()
    assert case.origin == "psi_territory" and case.status == "open"
    assert [(p.partner_id, p.role) for p in case.parties] == [(partners["one"].id, "respondent")]
    assert case.manager_id == people["manager"].id
    assert "Tianhe Kiosk" in case.title and "2026-10" in case.title
    assert "Guangzhou" in case.description
    assert _db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == people["manager"].id, Notification.kind == "case_opened")) == 1

    # resubmission, another product line, the same month: no second case
    assert p1.post("/partner/results/reports/new", report_form(tianhe, reference_data["mobile"], sales="9")) \
        .status_code == 302
    assert p1.post("/partner/results/reports/new", report_form(tianhe, reference_data["broadband"])) \
        .status_code == 302
    assert len(territory_cases()) == 1
    # another month is another case
    assert p1.post("/partner/results/reports/new", report_form(tianhe, reference_data["mobile"], month="2026-09")) \
        .status_code == 302
    assert len(territory_cases()) == 2


def test_no_case_inside_the_territory_nor_without_sales(p1, outlets, reference_data):
    assert p1.post("/partner/results/reports/new", report_form(outlets["futian"], reference_data["mobile"])) \
        .status_code == 302
    assert p1.post("/partner/results/reports/new", report_form(
        outlets["tianhe"], reference_data["mobile"], sales="0", sales_amount="0")).status_code == 302
    assert territory_cases() == []


def test_a_province_covers_its_cities(p1, partners, outlets, reference_data):
    partners["one"].territories = [reference_data["GD"]]
    _db.session.commit()
    assert p1.post("/partner/results/reports/new", report_form(outlets["tianhe"], reference_data["mobile"])) \
        .status_code == 302
    assert territory_cases() == []


def test_the_case_of_another_partner_does_not_hide_this_one(partners, outlets, reference_data, make_client):
    """Partner Two's own case for the same outlet number and month is not Partner One's case."""
    from portal.conflicts.services import open_case

    key = psi.case_key(partners["one"].id, outlets["tianhe"].id, OCTOBER)
    open_case("cross_territory", "psi_territory", "Someone else's", "Copied text " + key,
              parties=[(partners["two"], "respondent")], notify_parties=False)
    _db.session.commit()
    client = make_client()
    client.login("p1.admin@test.example")
    assert client.post("/partner/results/reports/new", report_form(outlets["tianhe"], reference_data["mobile"])) \
        .status_code == 302
    assert len(territory_cases()) == 2


# ---- at the same time -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_simultaneous_submissions_of_the_same_month_leave_one_row_and_one_case(app, partners, outlets,
                                                                             reference_data):
    import threading

    from portal.accounts.models import User
    from portal.partners.models import Partner

    admin_id = next(u.id for u in partners["one"].users if u.email == "p1.admin@test.example")
    partner_id, outlet_id, line_id = partners["one"].id, outlets["tianhe"].id, reference_data["mobile"].id
    barrier = threading.Barrier(8)
    results = [None] * 8

    def submit(index):
        with app.test_request_context():
            try:
                barrier.wait(timeout=30)
                psi.submit_report(_db.session.get(Partner, partner_id), outlet_id, line_id, OCTOBER,
                                  {"purchases": index, "sales": 1, "sales_amount": "10", "closing_inventory": 0},
                                  _db.session.get(User, admin_id))
                _db.session.commit()
                results[index] = "ok"
            except Exception as error:  # noqa: BLE001  (reported by the test, not lost in a thread)
                results[index] = f"error: {error!r}"
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == ["ok"] * 8
    _db.session.expire_all()
    assert len(entries()) == 1
    assert len(territory_cases()) == 1
