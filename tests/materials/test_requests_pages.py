"""The material request and allowance pages are valid HTML, pass axe (WCAG 2 A and AA) and fit a
phone, in each state of a request and with errors on their forms."""
from decimal import Decimal

import pytest

from portal.materials import request_services as services
from portal.materials.models import MaterialAllowance
from tests.browser.conftest import base_url, browser_type_launch_args, live_server, screens, sign_in  # noqa: F401
from tests.html_validity import assert_valid_html
from tests.materials.request_fixtures import make_request, request_form, shop, user  # noqa: F401

EMAILS = {"partner": "p1.admin@test.example", "manager": "gd.manager@test.example", "admin": "admin@test.example"}


@pytest.fixture
def states(shop, partners, db):
    """Partner One's requests: awaiting approval, approved, shipped, received, usage reported
    (queried) and closed; a default and a partner limit."""
    manager, partner = user("gd.manager@test.example"), user("p1.admin@test.example")
    db.session.add_all([MaterialAllowance(max_value=Decimal("5000.00"), note="Standard"),
                        MaterialAllowance(partner_id=partners["one"].id, item_id=shop["poster"].id, max_quantity=200)])
    db.session.commit()
    made = {}
    for name in ("submitted", "approved", "shipped", "received", "reported", "closed"):
        req = make_request(shop, quantities={"poster": 10, "bag": 2}, campaign=f"Campaign {name}")
        made[name] = req.id
        if name == "submitted":
            continue
        services.decide_request(req, manager, "part", warehouse=shop["store"],
                                approved={req.lines[0].id: "8", req.lines[1].id: "2"}, reason="Posters are short")
        if name != "approved":
            services.fulfil_request(req, manager, "ship", "SF Express", "SF123")
        if name in ("received", "reported", "closed"):
            services.confirm_receipt(req, partner, "One bag was damaged")
        if name in ("reported", "closed"):
            services.report_usage(req, partner, {req.lines[0].id: {"handed_out": "6", "remaining": "1", "note": "torn"},
                                                 req.lines[1].id: {"handed_out": "2", "remaining": "0"}}, "Busy")
            services.review_usage(req, manager, "queried", "Where is the eighth poster?")
        if name == "closed":
            services.review_usage(req, manager, "accepted", "Explained")
        db.session.commit()
    from portal.extensions import db as _db
    from portal.materials.models import MaterialAllowance as Allowance

    made["allowance"] = _db.session.scalar(_db.select(Allowance.id).where(Allowance.partner_id.is_not(None)))
    return made


def pages(states):
    own = "/partner/materials/requests/{}"
    vendor = "/materials/requests/{}"
    listed = [("partner", "mr-partner-list", "/partner/materials/requests"),
              ("partner", "mr-partner-list-empty", "/partner/materials/requests?status=rejected"),
              ("partner", "mr-new", "/partner/materials/requests/new"),
              ("manager", "mr-queue", "/materials/requests"),
              ("manager", "mr-queue-empty", "/materials/requests?status=rejected"),
              ("manager", "mr-allowances", "/materials/allowances"),
              ("manager", "mr-allowance-new", "/materials/allowances/new"),
              ("admin", "mr-allowance-edit", f"/materials/allowances/{states['allowance']}/edit")]
    for name in ("submitted", "approved", "shipped", "received", "reported", "closed"):
        listed.append(("partner", f"mr-partner-{name}", own.format(states[name])))
        listed.append(("manager", f"mr-vendor-{name}", vendor.format(states[name])))
    listed += [("partner", "mr-usage-form", own.format(states["received"]) + "/usage"),
               ("partner", "mr-usage-report", own.format(states["closed"]) + "/usage"),
               ("partner", "mr-usage-too-early", own.format(states["submitted"]) + "/usage")]
    return listed


def test_the_pages_are_valid_html(make_client, shop, states, tmp_path):
    clients = {}
    for role, email in EMAILS.items():
        clients[role] = make_client()
        clients[role].login(email)
    responses = {name: clients[role].get(url) for role, name, url in pages(states)}
    for name, response in responses.items():
        assert response.status_code == 200, f"{name}: {response.status_code}"
    submitted = states["submitted"]
    responses["mr-new-errors"] = clients["partner"].post("/partner/materials/requests/new",
                                                         request_form(shop, {"poster": "x"}, campaign=""))
    responses["mr-decide-errors"] = clients["manager"].post(f"/materials/requests/{submitted}/decision",
                                                            {"decision": "part", "reason": ""})
    responses["mr-fulfil-errors"] = clients["manager"].post(f"/materials/requests/{states['approved']}/fulfilment",
                                                            {"method": "ship"})
    responses["mr-usage-errors"] = clients["partner"].post(
        f"/partner/materials/requests/{states['received']}/usage", {"note": "x"})
    responses["mr-allowance-errors"] = clients["admin"].post("/materials/allowances/new", {"max_value": "abc"})
    for name, response in responses.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
    assert_valid_html(responses, tmp_path)


@pytest.mark.browser
def test_the_pages_pass_axe_and_fit_a_phone(new_context, sign_in, screens, shop, states):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_accessibility import PHONE, axe_report

    axe = Axe()
    problems, tabs = [], {}
    for role, name, url in pages(states):
        if role not in tabs:
            tabs[role] = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            sign_in(tabs[role], EMAILS[role])
        page = tabs[role]
        response = page.goto(url)
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        screens(page, f"phone-{name}")
        problems.append(axe_report(page, name, axe))
        widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        if widths["scroll"] > widths["inner"] + 1:
            problems.append(f"{name}: wider than the phone ({widths['scroll']} > {widths['inner']})")
    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)
