"""Accessibility (axe-core, WCAG 2 A and AA), phone layout and HTML validity of the main pages.

Each check visits many pages in one test, so that the whole file stays fast; a failure lists
every problem on every page at once.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from portal.accounts.models import User
from portal.extensions import db as _db
from tests.browser.conftest import minimal_pdf
from tests.browser.test_inspection_flow import settle_last_month
from tests.html_validity import assert_valid_html

pytestmark = pytest.mark.browser

AXE_OPTIONS = {"runOnly": ["wcag2a", "wcag2aa"]}
PHONE = {"width": 375, "height": 667}
LONG_COMPANY = "Guangzhou Pearl River Delta Integrated Telecommunications Services and Retail Co., Ltd."


@pytest.fixture
def site(people, partners, make_user, make_prospect, reference_data, make_agreement):
    """A portal with something on every page: a worked prospect, the queue, notifications, and
    the channel's pages (see ``channel_records``)."""
    from portal.core.storage import store_bytes
    from portal.notifications.services import notify
    from portal.recruitment import services

    manager, applicant = people["manager"], people["applicant"]
    prospect = make_prospect(LONG_COMPANY, "GD-GZ", owner=manager, applicant=applicant, source="online",
                             credit_code="91440101MA5CXW1X28", email="li.lei@pearl.example.cn",
                             mobile="13912345678", outlet_count=40, years_in_business=11,
                             pitch="Forty shops in Tianhe and Yuexiu.\nWe would add broadband.")
    services.change_stage(prospect, "qualifying", "Licence checked on the phone.", manager)
    services.post_message(prospect, manager, "Please send last year's sales figures.", is_question=True)
    services.post_message(prospect, applicant, "Attached below.")
    services.log_activity(prospect, "call", datetime.now(timezone.utc) - timedelta(hours=2), "Mr Li",
                          "Interested in broadband for the Tianhe shops.", manager)
    services.schedule_follow_up(prospect, date.today() - timedelta(days=1), "Visit the Tianhe shop", manager, manager)
    services.schedule_follow_up(prospect, date.today() + timedelta(days=7), "Send the draft terms", manager, manager)
    licence = store_bytes(minimal_pdf(), "licence.pdf", "application/pdf", uploaded_by=applicant)
    services.add_document(prospect, licence, "licence", "Business licence", applicant)
    make_prospect("Shenzhen Harbour Mobile Shop", "GD-SZ", owner=manager, stage="negotiating")
    make_prospect("Unclaimed Trading", "GD-SZ")  # the queue
    notify(manager, "application_received", {"company": "Unclaimed Trading"}, link="/pipeline/queue", email=False)
    _db.session.commit()
    channel = channel_records(people, partners, make_user, reference_data)
    commissions = commission_records(people, partners, reference_data, make_agreement)
    return {"prospect_id": prospect.id, **people, **channel, **commissions}


def channel_records(people, partners, make_user, reference_data):
    """Records for the partner directory and page, policies and news, the asset library, deal
    registrations and conflict cases, made through the services as the pages would: Partner One
    (Shenzhen) registers a customer, which the manager approves; a partner in Guangzhou registers
    the same customer written differently, is held, and a case opens by itself."""
    import io
    from decimal import Decimal

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from portal.conflicts import services as cases
    from portal.core.i18n import business_today
    from portal.deals import services as deals
    from portal.marketing import announcement_services, library_services
    from portal.partners.models import Outlet, Partner
    from portal.recruitment.models import Activity, FollowUp

    manager, one = people["manager"], partners["one"]
    partner_admin = _db.session.scalar(sa.select(User).where(User.email == "p1.admin@test.example"))
    today = business_today()
    gz = reference_data["GD-GZ"]
    three = Partner(name=LONG_COMPANY, province_id=gz.parent_id, city_id=gz.id, status="active",
                    channel_type_id=reference_data["social"].id, manager_id=manager.id)
    three.territories = [gz]
    _db.session.add(three)
    _db.session.flush()
    three_admin = make_user("p3.admin@test.example", "partner_admin")
    three_admin.partner_id = three.id
    _db.session.add_all([
        Outlet(partner_id=one.id, name="Futian Huaqiang North flagship store", address="Huaqiang North Road 1002",
               city_id=reference_data["GD-SZ"].id, kind="store", opened_on=date(2025, 3, 1)),
        Activity(partner_id=one.id, kind="visit", occurred_at=datetime.now(timezone.utc) - timedelta(days=2),
                 participants="Mr Zhang", outcome="Checked the new shelves in Futian.", author_id=manager.id),
        FollowUp(partner_id=one.id, due_date=today + timedelta(days=3), note="Bring the summer posters",
                 assignee_id=manager.id, created_by_id=manager.id),
    ])

    # Policies and news: one published policy for Partner One, to acknowledge.
    policy = announcement_services.save_announcement(
        None, {"title": "Price policy for the summer campaign of 2026, valid in every outlet of Guangdong",
               "kind": "policy", "body": "<p>New prices from <strong>1 July</strong>.</p><ul><li>5G plans: -10%</li>"
               "<li>Broadband: unchanged</li></ul>", "language": "en", "requires_ack": True},
        {"partners": [one]}, manager)
    announcement_services.publish(policy, manager)

    # The asset library: a poster for everyone.
    picture = io.BytesIO()
    Image.new("RGB", (800, 400), (11, 79, 108)).save(picture, format="PNG")
    asset = library_services.create_asset(
        {"title": "Summer 5G poster for shop windows", "description": "A2 poster, portrait.", "category": "poster",
         "tags": "5G, summer", "language": None, "publish_on": today - timedelta(days=1), "expires_on": None,
         "cobrandable": False, "cobrand_template": None},
        FileStorage(io.BytesIO(picture.getvalue()), "summer-poster.png"), manager)

    # Deal registrations: Partner One's, approved; then the same customer from Guangzhou, held.
    def register(partner, user, name, phone, value):
        return deals.register(partner, {
            "customer_name": name, "credit_code": "", "phone": phone, "city": reference_data["GD-SZ"],
            "product_line": reference_data["mobile"], "expected_value": value,
            "expected_close_on": today + timedelta(days=45), "description": "Mobile plans for 120 staff."}, user)

    first = register(one, partner_admin, "深圳华通电子有限公司", "0755-8888 6666", "880000")
    deals.approve(first, manager)
    held = register(three, three_admin, "深圳　华通电子 有限责任公司", "13923456789", Decimal("650000.50"))
    case = held.case
    cases.post_entry(case, partner_admin, "We registered this customer in March and have visited it twice.",
                     partner=one)
    cases.post_entry(case, manager, "Both registrations name the same Futian company; I am looking into it.")
    _db.session.commit()
    return {"partner_admin": partner_admin, "partner_id": one.id, "announcement_id": policy.id,
            "asset_id": asset.id, "deal_id": held.id, "own_deal_id": first.id, "case_id": case.id}


def commission_records(people, partners, reference_data, make_agreement):
    """Partner One's statement of last month, released, with a query on its clawback line (see
    settle_last_month); and the month before, computed without figures and approved."""
    from portal.commissions import services
    from portal.core.audit import acting_as
    from portal.core.i18n import add_months
    from portal.partners.models import Outlet

    outlet = _db.session.scalar(sa.select(Outlet).where(Outlet.name == "Futian Huaqiang North flagship store"))
    released = settle_last_month(people, partners, reference_data, make_agreement, outlet)
    partner_admin = _db.session.scalar(sa.select(User).where(User.email == "p1.admin@test.example"))
    with acting_as(partner_admin):
        services.raise_query(released, released.lines[-1], "We had no broadband returns of that size.", partner_admin)
    manager = people["manager"]
    with acting_as(manager):
        approved = services.compute_statement(partners["one"], add_months(released.month, -1), manager)
        services.approve(approved, manager)
    _db.session.commit()
    return {"statement_id": released.id, "approved_statement_id": approved.id}


def pages_by_role(site):
    """(role, name, url) for the representative pages; role None is a visitor."""
    prospect = f"/pipeline/prospects/{site['prospect_id']}"
    return [
        (None, "landing", "/"),
        (None, "apply", "/apply"),
        (None, "login", "/login"),
        ("manager", "pipeline-home", "/pipeline/"),
        ("manager", "pipeline-board", "/pipeline/board"),
        ("manager", "pipeline-prospects", "/pipeline/prospects"),
        ("manager", "prospect", prospect),
        ("manager", "prospect-edit", prospect + "/edit"),
        ("manager", "prospect-new", "/pipeline/prospects/new"),
        ("manager", "pipeline-queue", "/pipeline/queue"),
        ("manager", "pipeline-report", "/pipeline/report"),
        ("manager", "pipeline-import", "/pipeline/prospects/import"),
        ("manager", "account", "/account"),
        ("manager", "notifications-manager", "/notifications/"),
        ("applicant", "my-application", "/my-application"),
        ("applicant", "notifications-applicant", "/notifications/"),
        ("admin", "admin-users", "/admin/users"),
        ("admin", "admin-territories", "/admin/territories"),
        ("admin", "admin-invite", "/admin/users/invite"),
        ("admin", "admin-channel-types", "/admin/lists/channel-types"),
        ("admin", "admin-audit", "/admin/audit"),
        *channel_pages(site),
    ]


def channel_pages(site):
    """The channel's pages: the partner directory and page, policies and news, the asset library,
    deal registrations, conflict cases and commission statements, for managers and for a partner admin."""
    return [
        ("manager", "partners-directory", "/partners/"),
        ("manager", "partner-page", f"/partners/{site['partner_id']}"),
        ("manager", "announcements-manager", "/marketing/announcements/"),
        ("manager", "announcement-manager", f"/marketing/announcements/{site['announcement_id']}"),
        ("manager", "assets-manager", "/marketing/assets"),
        ("manager", "asset-manager", f"/marketing/assets/{site['asset_id']}"),
        ("manager", "deals-manager", "/deals/"),
        ("manager", "deal-manager", f"/deals/{site['deal_id']}"),
        ("manager", "cases-manager", "/cases/"),
        ("manager", "case-manager", f"/cases/{site['case_id']}"),
        ("manager", "commission-statement-manager", f"/commissions/{site['statement_id']}"),
        ("manager", "commission-statement-approved-manager", f"/commissions/{site['approved_statement_id']}"),
        ("partner_admin", "announcements-partner", "/partner/marketing/announcements/"),
        ("partner_admin", "announcement-partner", f"/partner/marketing/announcements/{site['announcement_id']}"),
        ("partner_admin", "library-partner", "/partner/marketing/library"),
        ("partner_admin", "library-asset-partner", f"/partner/marketing/library/{site['asset_id']}"),
        ("partner_admin", "deals-partner", "/partner/deals/"),
        ("partner_admin", "deal-partner", f"/partner/deals/{site['own_deal_id']}"),
        ("partner_admin", "deal-new-partner", "/partner/deals/new"),
        ("partner_admin", "cases-partner", "/partner/cases/"),
        ("partner_admin", "case-partner", f"/partner/cases/{site['case_id']}"),
        ("partner_admin", "commission-statement-partner", f"/partner/commissions/{site['statement_id']}"),
    ]


def axe_report(page, name, axe):
    results = axe.run(page, options=AXE_OPTIONS)
    if not results.violations_count:
        return None
    return f"--- {name} ({page.url}) ---\n{results.generate_report()}"


def test_pages_have_no_wcag_a_or_aa_violations(site, new_context, sign_in, screens):
    axe = Axe()
    problems = []
    pages = {}
    for role, name, url in pages_by_role(site):
        if role not in pages:
            pages[role] = new_context().new_page()
            if role:
                sign_in(pages[role], site[role].email)
        page = pages[role]
        response = page.goto(url)
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        screens(page, f"a11y-{name}")
        problems.append(axe_report(page, name, axe))

    # The application form sent empty: every field shows its error.
    page = pages[None]
    page.goto("/apply")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".invalid-feedback").count() >= 5
    screens(page, "a11y-apply-errors")
    problems.append(axe_report(page, "apply-errors", axe))

    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)


def test_phone_layout_has_no_horizontal_scrolling(site, new_context, sign_in, screens):
    visitor = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    manager = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(manager, site["manager"].email)
    partner = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(partner, site["partner_admin"].email)
    phones = {None: visitor, "manager": manager, "partner_admin": partner}
    too_wide = []
    for name, page, url in [("apply", visitor, "/apply"), ("prospects", manager, "/pipeline/prospects"),
                            *((name, phones[role], url) for role, name, url in channel_pages(site))]:
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
    assert not too_wide, "\n".join(too_wide)


# ---- HTML validity -----------------------------------------------------------------------------


def test_pages_are_valid_html(site, make_client, tmp_path):
    clients = {}
    pages = {}
    for role, name, url in pages_by_role(site):
        if role not in clients:
            clients[role] = make_client()
            if role:
                clients[role].login(site[role].email)
        response = clients[role].get(url)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        pages[name] = response
    response = clients[None].post("/apply", {})
    assert response.status_code == 400
    pages["apply-errors"] = response
    assert_valid_html(pages, tmp_path)
