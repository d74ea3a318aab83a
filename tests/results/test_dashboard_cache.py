"""The results pages keep their figures a short while (portal.results.dashboard, "the figures
cache") but never show figures older than the last commit: a PSI report, an import, a deleted
line, a collection, a target, a partner's change, bulk statements and a manager's new territory
each show on the very next request; a page asked again without any change is served from the
cache; figures not committed yet (or rolled back) are never kept."""
import re

import sqlalchemy as sa

from portal.extensions import db as _db
from portal.partners.models import Partner
from portal.results import dashboard
from portal.results.models import PaymentCollection, PsiEntry, new_figures_version
from tests.results.test_dashboard import (  # noqa: F401  (fixtures)
    OCTOBER, add_collection, add_psi, add_target, alpha_admin, beijing, results_world, today,
)
from tests.results.test_dashboard_queries import counted_queries
from tests.results.test_psi import report_form
from tests.results.test_psi_import import ENGLISH, upload

OVERVIEW = "/results/?month=2026-10"


def page(client, url=OVERVIEW):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def without_csrf_tokens(html):
    return re.sub(r'"[\w-]{20,}\.[\w-]+\.[\w-]{20,}"', '""', html)


def cached_page(client, url=OVERVIEW):
    """The page, asked twice: the second answer is the same, from the cache (fewer statements)."""
    with counted_queries() as first:
        html = page(client, url)
    with counted_queries() as again:
        assert without_csrf_tokens(page(client, url)) == without_csrf_tokens(html)
    assert len(again) < len(first), "the figures were not cached"
    return html


def behind_names(html):
    """The part of the overview that lists the partners falling behind."""
    return html[html.index('id="behind-heading"'):html.index('id="outlets-heading"')]


def test_pages_asked_again_are_served_from_the_cache(client, results_world, reference_data, today):
    client.login("admin@test.example")
    assert "¥15,000.35" in cached_page(client)
    for url in ("/results/partners?month=2026-10", "/results/behind?month=2026-10", "/results/outlets?month=2026-10",
                f"/results/?month=2026-10&product_line={reference_data['mobile'].id}"):
        cached_page(client, url)


def test_a_psi_report_shows_at_once_to_the_admin_and_the_manager(make_client, alpha_admin, results_world,
                                                                 reference_data, today):
    admin, manager, partner = make_client(), make_client(), make_client()
    admin.login("admin@test.example")
    manager.login("gd.manager@test.example")
    partner.login("alpha.admin@test.example")
    assert "¥15,000.35" in cached_page(admin) and "¥13,000.35" in cached_page(manager)
    assert "¥10,000.25" in cached_page(admin, "/results/partners?month=2026-10")  # Alpha's month
    # Alpha reports its outlet A1 again: 10,000 − 500 instead of 9,000 − 500 (+1,000).
    response = partner.post("/partner/results/reports/new", report_form(
        results_world.outlets["A1"], reference_data["mobile"], sales_amount="10000.00", returns_amount="500.00"))
    assert response.status_code == 302
    overview = page(admin)
    assert "¥16,000.35" in overview and "¥15,000.35" not in overview
    assert "¥9,500.00" in overview  # the best outlet, A1
    assert "¥14,000.35" in page(manager)
    partners = page(admin, "/results/partners?month=2026-10")
    assert "¥11,000.25" in partners and "¥10,000.25" not in partners  # Alpha's month


def test_an_import_and_a_deleted_line_show_at_once(make_client, alpha_admin, results_world, today):
    admin, partner = make_client(), make_client()
    admin.login("admin@test.example")
    partner.login("alpha.admin@test.example")
    assert "¥15,000.35" in cached_page(admin)
    # A2's broadband month again (1,500.25 → 2,000.25) and a first mobile line for A2 (+100).
    data = ENGLISH + "2026-10,Outlet A2,broadband,1,1,2000.25,,0\n2026-10,Outlet A2,mobile,1,1,100,,0\n"
    assert upload(partner, data.encode()).status_code == 302
    assert "¥15,600.35" in cached_page(admin)
    mobile_line = _db.session.scalar(sa.select(PsiEntry).where(
        PsiEntry.outlet_id == results_world.outlets["A2"].id, PsiEntry.month == OCTOBER, PsiEntry.sales_amount == 100))
    _db.session.delete(mobile_line)
    _db.session.commit()
    assert "¥15,500.35" in page(admin)


def test_collections_targets_and_partner_changes_show_at_once(client, results_world, reference_data, today):
    client.login("admin@test.example")
    html = cached_page(client)
    assert "¥6,000.00" in html and "¥31,000.00" in html
    world = results_world.partners
    add_collection(world["C"], beijing(2026, 10, 20, 10, 0), "500.00")
    _db.session.commit()
    assert "¥6,500.00" in cached_page(client)
    add_target(world["D"], reference_data["mobile"], OCTOBER, "4000.00")
    _db.session.commit()
    assert "¥32,000.00" in cached_page(client)
    assert "Delta Campus" in cached_page(client, "/results/behind?month=2026-10")
    world["D"].name = "Delta Campus Ltd"
    _db.session.commit()
    assert "Delta Campus Ltd" in behind_names(page(client))
    assert "Delta Campus Ltd" in page(client, "/results/behind?month=2026-10")


def test_bulk_statements_through_the_session_show_at_once(client, results_world, today):
    client.login("admin@test.example")
    assert "Delta Campus" in behind_names(cached_page(client))
    delta = results_world.partners["D"]
    _db.session.execute(sa.update(Partner).where(Partner.id == delta.id).values(status="suspended"))
    _db.session.commit()
    assert "Delta Campus" not in behind_names(cached_page(client))  # a suspended partner is not chased
    _db.session.execute(sa.insert(PaymentCollection), [
        {"partner_id": delta.id, "amount": "250.00", "received_at": beijing(2026, 10, 2, 9, 0), "month": OCTOBER}])
    _db.session.commit()
    assert "¥6,250.00" in page(client)


def test_rows_written_around_the_session_show_after_a_new_version(client, results_world, today):
    client.login("admin@test.example")
    assert "¥6,000.00" in cached_page(client)
    with _db.engine.begin() as conn:  # as a COPY or another program would
        conn.execute(sa.insert(PaymentCollection), [{"partner_id": results_world.partners["B"].id, "amount": 70,
                                                     "received_at": beijing(2026, 10, 2, 9, 0), "month": OCTOBER}])
    new_figures_version(_db.session)
    _db.session.commit()
    assert "¥6,070.00" in page(client)


def test_figures_not_committed_yet_are_never_kept(results_world, people, reference_data):
    admin, world = people["admin"], results_world
    october = dashboard.Filters(month=OCTOBER)
    assert dashboard.totals(dashboard.partner_rows(admin, october)).sales == dashboard.money("15000.35")
    with counted_queries() as again:
        dashboard.partner_rows(admin, october)
    assert len(again) == 1  # the version read: the rows come from the cache
    add_psi(world.partners["D"], world.outlets["D1"], reference_data["mobile"], beijing(2026, 10, 5, 9, 0), "100.00")
    _db.session.flush()
    assert dashboard.totals(dashboard.partner_rows(admin, october)).sales == dashboard.money("15100.35")
    _db.session.rollback()
    assert admin.role == "admin"  # reloaded after the rollback
    with counted_queries() as after:
        assert dashboard.totals(dashboard.partner_rows(admin, october)).sales == dashboard.money("15000.35")
    assert len(after) == 1  # cached again once the changes are rolled back


def test_a_manager_given_another_province_sees_its_partners_at_once(make_client, results_world, people,
                                                                      reference_data, today):
    manager = make_client()
    manager.login("gd.manager@test.example")
    assert "Charlie Retail" not in cached_page(manager)
    people["manager"].territories.append(reference_data["ZJ"])  # not a figure: the manager's scope
    _db.session.commit()
    html = page(manager)
    assert "Charlie Retail" in behind_names(html) and "¥15,000.35" in html


def test_a_change_kept_around_rolled_back_savepoints_shows_at_once(client, results_world, today):
    client.login("admin@test.example")
    assert "Delta Campus" in behind_names(cached_page(client))
    world = results_world.partners
    world["D"].name = "Delta Campus Ltd"  # flushed in the transaction when the savepoint begins
    outer = _db.session.begin_nested()
    with _db.session.begin_nested():
        world["C"].name = "Charlie Again"
    outer.rollback()
    _db.session.commit()
    html = behind_names(page(client))
    assert "Delta Campus Ltd" in html and "Charlie Retail" in html
