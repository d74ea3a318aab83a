"""The dashboard pages are valid HTML, pass axe (WCAG 2 A and AA), fit a phone, and read the
filters safely; their charts are images with a title and the same figures in a table."""
import pytest

from tests.browser.conftest import base_url, browser_type_launch_args, live_server, screens, sign_in  # noqa: F401
from tests.html_validity import assert_valid_html
from tests.results.test_dashboard import alpha_admin, results_world, today  # noqa: F401

PAGES = [
    ("admin", "results-overview", "/results/?month=2026-10"),
    ("admin", "results-partners", "/results/partners?month=2026-10&sort=progress"),
    ("admin", "results-outlets", "/results/outlets?month=2026-10&period=year"),
    ("admin", "results-behind", "/results/behind?month=2026-10"),
    ("manager", "results-overview-filtered", "/results/?month=2026-10&territory={gd}&channel_type={social}"),
    ("manager", "results-bad-month", "/results/?month=2026-13"),
    ("manager", "results-empty", "/results/?month=2026-10&channel_type={social}&tier=999"),
    ("partner", "results-own", "/partner/results/?month=2026-10"),
]
EMAILS = {"admin": "admin@test.example", "manager": "gd.manager@test.example", "partner": "alpha.admin@test.example"}


def _urls(reference_data):
    ids = {"gd": reference_data["GD"].id, "social": reference_data["social"].id}
    return [(role, name, url.format(**ids)) for role, name, url in PAGES]


def test_the_pages_are_valid_html(make_client, alpha_admin, reference_data, today, tmp_path):  # noqa: F811
    clients, pages = {}, {}
    for role, name, url in _urls(reference_data):
        if role not in clients:
            clients[role] = make_client()
            clients[role].login(EMAILS[role])
        response = clients[role].get(url)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        pages[name] = response
    assert_valid_html(pages, tmp_path)


@pytest.mark.browser
def test_the_pages_pass_axe_and_fit_a_phone(new_context, sign_in, screens, alpha_admin, reference_data,  # noqa: F811
                                            today):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_accessibility import PHONE, axe_report

    # The views run in the live server's thread: "today" is pinned there too by the fixture.
    axe = Axe()
    problems, pages = [], {}
    for role, name, url in _urls(reference_data):
        if role not in pages:
            pages[role] = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            sign_in(pages[role], EMAILS[role])
        page = pages[role]
        response = page.goto(url)
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        screens(page, f"phone-{name}")
        problems.append(axe_report(page, name, axe))
        widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        if widths["scroll"] > widths["inner"] + 1:
            problems.append(f"{name}: wider than the phone ({widths['scroll']} > {widths['inner']})")
    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)


def test_odd_filter_values_are_ignored_not_errors(client, results_world, today):  # noqa: F811
    client.login("admin@test.example")
    for query in ("territory=abc", "channel_type=-1", "tier=99999999999999999999", "product_line=1e5",
                  "sort=drop", "period=decade", "page=-4", "page=99999999999999999999999", "month=0000-00",
                  "month=1999-12", "month=9999-12"):
        for path in ("/results/", "/results/partners", "/results/outlets", "/results/behind", "/results/export.xlsx"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 200, f"{path}?{query}: {response.status_code}"


def test_each_chart_has_a_title_and_its_figures_in_a_table(client, results_world, today):  # noqa: F811
    client.login("admin@test.example")
    page = client.get("/results/?month=2026-10").get_data(as_text=True)
    for chart, table in (("trend-chart", 'id="trend"'), ("province-chart", 'id="by-province"'),
                         ("channel-chart", 'id="by-channel-type"')):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
        assert f'<title id="{chart}-title">' in page
        assert table in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
