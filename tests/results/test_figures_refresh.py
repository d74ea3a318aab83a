"""After a commit that changes figures, the results pages asked for in the last minute are added
up again by a thread of the process (portal.results.figures_cache, "refresh ahead"), so the
next viewer gets the new figures without waiting for them; a page nobody asked for lately is
left alone; a request that finds its figures being added up waits for them instead of adding
them up a second time."""
import threading
import time

import pytest

from portal.extensions import db as _db
from portal.results import figures_cache as cache_module
from portal.results.figures_cache import cached, computed_by, figures_cache, refresher
from portal.results.models import new_figures_version
from tests.results.test_dashboard import alpha_admin, results_world, today  # noqa: F401  (fixtures)
from tests.results.test_dashboard_cache import OVERVIEW, page
from tests.results.test_dashboard_queries import counted_queries
from tests.results.test_psi import report_form

PARTNERS = "/results/partners?month=2026-10"


@pytest.fixture
def refreshing(app):
    app.config["FIGURES_REFRESH"] = True
    try:
        yield refresher
    finally:
        assert refresher.wait_idle(30)
        app.config["FIGURES_REFRESH"] = False
        figures_cache.clear()


def statements(client, url):
    with counted_queries() as counts:
        html = page(client, url)
    return html, len(counts)


def report_more_sales(partner, world, reference_data):
    """Alpha reports its outlet A1 again: 10,000 − 500 instead of 9,000 − 500 (+1,000)."""
    response = partner.post("/partner/results/reports/new", report_form(
        world.outlets["A1"], reference_data["mobile"], sales_amount="10000.00", returns_amount="500.00"))
    assert response.status_code == 302


def test_after_a_psi_report_the_pages_asked_for_show_the_new_figures_already_added_up(
        refreshing, make_client, alpha_admin, results_world, reference_data, today):
    admin, manager, partner = make_client(), make_client(), make_client()
    admin.login("admin@test.example")
    manager.login("gd.manager@test.example")
    partner.login("alpha.admin@test.example")
    page(admin), page(manager), page(admin, PARTNERS)
    _html, served = statements(admin, OVERVIEW)  # from the cache
    _html, served_partners = statements(admin, PARTNERS)
    _html, served_manager = statements(manager, OVERVIEW)

    report_more_sales(partner, results_world, reference_data)
    assert refreshing.wait_idle(30)

    html, count = statements(admin, OVERVIEW)
    assert "¥16,000.35" in html and "¥15,000.35" not in html
    assert count == served  # added up before the admin came back
    html, count = statements(admin, PARTNERS)
    assert "¥11,000.25" in html and "¥10,000.25" not in html  # Alpha's month
    assert count == served_partners
    html, count = statements(manager, OVERVIEW)
    assert "¥14,000.35" in html and count == served_manager


def test_a_page_nobody_asked_for_within_the_minute_is_not_added_up_again(
        refreshing, make_client, alpha_admin, results_world, reference_data, today, monkeypatch):
    admin, partner = make_client(), make_client()
    admin.login("admin@test.example")
    partner.login("alpha.admin@test.example")
    _html, computed = statements(admin, OVERVIEW)
    _html, served = statements(admin, OVERVIEW)
    assert served < computed

    later = figures_cache.clock() + figures_cache.seconds + 1
    with monkeypatch.context() as patch:
        patch.setattr(figures_cache, "clock", lambda: later)  # a minute later
        report_more_sales(partner, results_world, reference_data)
        assert refreshing.wait_idle(30)

    html, count = statements(admin, OVERVIEW)
    assert "¥16,000.35" in html
    assert count == computed  # added up on the request, as the first time


def test_a_request_waits_for_the_figures_another_thread_is_adding_up(refreshing, app, people):
    calls = []

    @computed_by("test.slow")
    def slow(_user, key):
        calls.append(key)
        return f"computed {key}"

    new_figures_version(_db.session)
    _db.session.commit()
    full_key = ("test.slow", cache_module.current_token(), None, 1)
    done = figures_cache.start_computing(full_key)
    assert done is not None
    found = []

    def ask():
        with app.app_context():
            found.append(cached("test.slow", None, 1))
            _db.session.remove()

    asker = threading.Thread(target=ask)
    asker.start()
    time.sleep(0.3)
    assert not found  # still waiting
    figures_cache.put(full_key, "added up by the other thread")
    figures_cache.done_computing(full_key)
    asker.join(10)
    assert found == ["added up by the other thread"] and calls == []
