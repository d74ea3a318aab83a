"""Accessibility (axe-core, WCAG 2 A and AA), phone layout and HTML validity of the promotional
material pages: the vendor's catalogue, stock, ledger, trace, warehouses, request queue and
request pages, and allowances; the partner's requests, new-request form, request page and usage
report form. The same three checks as tests/browser/test_accessibility.py, on these pages.
"""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from portal.accounts.models import User
from portal.core.i18n import business_today
from portal.extensions import db as _db
from tests.browser.test_accessibility import PHONE, axe_report  # axe_report runs AXE_OPTIONS
from tests.html_validity import assert_valid_html

pytestmark = pytest.mark.browser

LONG_OUTLET = "Futian Huaqiang North Electronics Market flagship store and after-sales service centre"


@pytest.fixture
def shop(people, partners, reference_data):
    """A warehouse with posters, gift bags and serial-numbered prepaid cards; an allowance; and
    three requests of Partner One made through the services: one awaiting approval, one received
    (partly approved, shipped, receipt confirmed), one whose usage is reported."""
    from portal.materials import allowances, catalogue, stock
    from portal.materials import request_services as services
    from portal.partners.models import Outlet

    manager, one = people["manager"], partners["one"]
    partner_admin = _db.session.scalar(sa.select(User).where(User.email == "p1.admin@test.example"))
    warehouse = catalogue.create_warehouse({"code": "SZ-01", "name": "Shenzhen central store",
                                            "territory_id": reference_data["GD-SZ"].id,
                                            "address": "1 Keyuan Road, Nanshan"}, manager)
    catalogue.create_warehouse({"code": "GZ-01", "name": "Guangzhou store", "territory_id": reference_data["GD-GZ"].id},
                               manager)
    poster = catalogue.create_item({"code": "POSTER-A2", "name_zh": "夏季5G海报 A2", "name_en": "Summer 5G poster (A2)",
                                    "category": "poster", "unit": "piece", "unit_value": "2.50",
                                    "description": "Portrait, for shop windows."}, manager)
    bag = catalogue.create_item({"code": "GIFT-BAG", "name_zh": "礼品袋", "name_en": "Gift bag with the 5G logo",
                                 "category": "gift", "unit": "bag", "unit_value": "20.00"}, manager)
    card = catalogue.create_item({"code": "CARD-50", "name_zh": "50元有价卡", "name_en": "Prepaid card, ¥50",
                                  "category": "prepaid_card", "unit": "card", "unit_value": "50.00",
                                  "serial_tracked": True}, manager)
    stock.receive(poster, warehouse, manager, quantity="500", reference="DN-2026-0415", reason="Spring print run")
    stock.receive(bag, warehouse, manager, quantity="120", reference="DN-2026-0416")
    stock.receive(card, warehouse, manager, reference="DN-2026-0417",
                  serial_range={"prefix": "GD50-", "first": "1", "last": "200", "digits": "8"})
    stock.adjust(bag, warehouse, "-2", "Two bags torn in the delivery", manager)
    outlet = Outlet(partner_id=one.id, name=LONG_OUTLET, address="Huaqiang North Road 1002",
                    city_id=reference_data["GD-SZ"].id, kind="store", opened_on=date(2025, 3, 1))
    _db.session.add(outlet)
    _db.session.flush()
    allowances.save_allowance(manager, {"partner": one, "item": None, "max_value": "20000.00", "max_quantity": "",
                                        "note": "Summer campaign"})
    allowances.save_allowance(manager, {"partner": one, "item": poster, "max_value": "", "max_quantity": "300",
                                        "note": ""})

    today = business_today()

    def ask(quantities, campaign):
        return services.submit_request(one, partner_admin, {
            "quantities": {item.id: str(q) for item, q in quantities.items()}, "outlet_ids": [outlet.id],
            "campaign": campaign, "plan": "Posters in the window; a gift bag and a card for each new subscriber.",
            "starts_on": today, "ends_on": today + timedelta(days=30)})

    def deliver(request_, approved):
        services.decide_request(request_, manager, "part", warehouse=warehouse,
                                approved={line.id: str(approved[line.item]) for line in request_.lines},
                                reason="Fewer posters: the print run is shared by four partners.")
        services.fulfil_request(request_, manager, "ship", "SF Express", "SF1402267788")
        services.confirm_receipt(request_, partner_admin, "Arrived in good order.")

    received = ask({poster: 40, bag: 10, card: 20}, "Summer 5G campaign in Futian")
    deliver(received, {poster: 25, bag: 10, card: 20})
    reported = ask({poster: 30, bag: 5}, "Campus back-to-school week")
    deliver(reported, {poster: 20, bag: 5})
    services.report_usage(reported, partner_admin, {
        line.id: {"handed_out": str(line.quantity_issued - 3), "remaining": "1", "note": "Two lost in the rain"}
        for line in reported.lines}, "A busy week; most posters went up on the first day.")
    submitted = ask({poster: 60, bag: 15}, "National Day promotion")
    _db.session.commit()
    return {**people, "partner_admin": partner_admin, "poster_id": poster.id, "card_id": card.id,
            "submitted_id": submitted.id, "received_id": received.id, "reported_id": reported.id}


def material_pages(shop):
    """(role, name, url) of the material pages."""
    poster, card = shop["poster_id"], shop["card_id"]
    return [
        ("manager", "materials-items", "/materials/items"),
        ("manager", "materials-item", f"/materials/items/{poster}"),
        ("manager", "materials-stock", "/materials/stock"),
        ("manager", "materials-ledger", f"/materials/items/{poster}/ledger"),
        ("manager", "materials-trace", f"/materials/items/{poster}/trace"),
        ("manager", "materials-trace-cards", f"/materials/items/{card}/trace"),
        ("manager", "materials-warehouses", "/materials/warehouses"),
        ("manager", "materials-requests", "/materials/requests"),
        ("manager", "materials-request-to-decide", f"/materials/requests/{shop['submitted_id']}"),
        ("manager", "materials-request-received", f"/materials/requests/{shop['received_id']}"),
        ("manager", "materials-request-to-review", f"/materials/requests/{shop['reported_id']}"),
        ("manager", "materials-allowances", "/materials/allowances"),
        ("partner_admin", "partner-requests", "/partner/materials/requests"),
        ("partner_admin", "partner-request-new", "/partner/materials/requests/new"),
        ("partner_admin", "partner-request", f"/partner/materials/requests/{shop['received_id']}"),
        ("partner_admin", "partner-request-reported", f"/partner/materials/requests/{shop['reported_id']}"),
        ("partner_admin", "partner-usage-form", f"/partner/materials/requests/{shop['received_id']}/usage"),
    ]


def test_material_pages_have_no_wcag_a_or_aa_violations(shop, new_context, sign_in, screens):
    axe = Axe()
    problems = []
    pages = {}
    for role, name, url in material_pages(shop):
        if role not in pages:
            pages[role] = new_context().new_page()
            sign_in(pages[role], shop[role].email)
        page = pages[role]
        response = page.goto(url)
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        screens(page, f"a11y-{name}")
        problems.append(axe_report(page, name, axe))

    # The new-request form sent empty, and the usage report form sent empty: errors on the fields.
    page = pages["partner_admin"]
    for name, url, button in (("partner-request-new-errors", "/partner/materials/requests/new", "Send the request"),
                              ("partner-usage-form-errors", f"/partner/materials/requests/{shop['received_id']}/usage",
                               "Send the usage report")):
        page.goto(url)
        with page.expect_navigation():
            page.locator("main form").get_by_role("button", name=button).click()
        assert page.locator(".invalid-feedback, #items-error").count() >= 1, page.locator("main").inner_text()
        screens(page, f"a11y-{name}")
        problems.append(axe_report(page, name, axe))

    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)


def test_material_pages_fit_a_phone_without_horizontal_scrolling(shop, new_context, sign_in, screens):
    """No page is wider than the phone (wide tables scroll inside their own region), and axe finds
    nothing at that width either: a table that scrolls must be reachable with the keyboard."""
    axe = Axe()
    phones = {}
    too_wide = []
    for role, name, url in material_pages(shop):
        if role not in phones:
            phones[role] = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            sign_in(phones[role], shop[role].email)
        page = phones[role]
        page.goto(url)
        screens(page, f"phone-{name}")
        # A phone browser zooms out to show a page wider than the screen, which widens
        # window.innerWidth with it: compare with the phone's own width.
        widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        if widths["scroll"] > PHONE["width"] + 1:
            wide = page.evaluate("""(limit) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit + 1)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))
                """, PHONE["width"])
            too_wide.append(f"{name}: scrollWidth {widths['scroll']} > {PHONE['width']} "
                            f"(innerWidth {widths['inner']}); e.g. {wide}")
        too_wide.append(axe_report(page, f"{name} (phone)", axe))
    too_wide = [p for p in too_wide if p]
    assert not too_wide, "\n".join(too_wide)


def test_material_pages_are_valid_html(shop, make_client, tmp_path):
    clients = {}
    pages = {}
    for role, name, url in material_pages(shop):
        if role not in clients:
            clients[role] = make_client()
            clients[role].login(shop[role].email)
        response = clients[role].get(url)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        pages[name] = response
    partner = clients["partner_admin"]
    for name, url in (("partner-request-new-errors", "/partner/materials/requests/new"),
                      ("partner-usage-form-errors", f"/partner/materials/requests/{shop['received_id']}/usage")):
        response = partner.post(url, {})
        assert response.status_code == 400, f"{name}: {url} answered {response.status_code}"
        pages[name] = response
    response = clients["manager"].post(f"/materials/requests/{shop['submitted_id']}/decision",
                                       {"decision": "part", "warehouse_id": "", "reason": ""})
    assert response.status_code == 400
    pages["materials-request-decision-errors"] = response
    assert_valid_html(pages, tmp_path)
