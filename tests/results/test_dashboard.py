"""The results dashboard against figures computed by hand from a small fixture.

The fixture (month under test: October 2026, "today" 15 October 2026 in Beijing):

partner   territory          channel  targets (per month)                       October PSI (net)
Alpha     Guangdong/Shenzhen social   mobile 10,000 from Jan, 12,000 from Jul;   A1 mobile 9,000 − 500 returned
                                      broadband 2,000 from Jan;                    (00:30 on 1 Oct, Beijing)
                                      (15,000 from Dec: not yet in force)        A2 broadband 1,500.25 (23:30 on 31 Oct)
Bravo     Guangdong/Guangzhou campus  mobile 5,000 from Mar, re-set to 6,000    B1 mobile 3,000.10
                                      in the same month (the later row wins)
Charlie   Zhejiang/Hangzhou  social   mobile 8,000 from Jan                      C1 mobile 2,000
Delta     Zhejiang/Hangzhou  campus   mobile 3,000 from Jan                      none (no report)

Other months: A1 4,000 (23:50 on 30 Sep, Beijing: September); A1 7,777 at 00:10 on 1 Nov in
Beijing (still 31 October in UTC: November, not counted); B1 2,000 in August; C1 5,000 in
January and 1,000 in December 2025; D1 1,000 in June. Collections: Alpha 3,000 in March and
5,000 in October, Charlie 1,000 in October, Delta 800 in September.
"""
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from portal.core.i18n import business_month
from portal.extensions import db as _db
from portal.partners.models import Outlet, Partner
from portal.results import dashboard
from portal.results.models import PartnerTarget, PaymentCollection, PsiEntry

BEIJING = ZoneInfo("Asia/Shanghai")
OCTOBER = date(2026, 10, 1)
TODAY = date(2026, 10, 15)
D = Decimal


def beijing(*args):
    """An aware UTC moment from a Beijing wall-clock time."""
    return datetime(*args, tzinfo=BEIJING).astimezone(timezone.utc)


@dataclass
class World:
    partners: dict
    outlets: dict


def add_psi(partner, outlet, line, moment, amount, returns="0.00", purchases=0, units=0, closing=0):
    entry = PsiEntry(partner_id=partner.id, outlet_id=outlet.id, product_line_id=line.id,
                     month=business_month(moment), occurred_at=moment, purchases=purchases, sales=units,
                     sales_amount=D(amount), returns_amount=D(returns), closing_inventory=closing)
    _db.session.add(entry)
    return entry


def add_target(partner, line, month, amount):
    row = PartnerTarget(partner_id=partner.id, product_line_id=line.id, effective_month=month, amount=D(amount),
                        source="terms")
    _db.session.add(row)
    _db.session.flush()  # ids in writing order: a later row of the same month wins
    return row


def add_collection(partner, moment, amount):
    _db.session.add(PaymentCollection(partner_id=partner.id, amount=D(amount), received_at=moment,
                                      month=business_month(moment), reference="BANK"))


@pytest.fixture
def results_world(db, people, reference_data):
    ref = reference_data
    from portal.reference.models import PartnerTier

    gold = _db.session.scalar(_db.select(PartnerTier).where(PartnerTier.code == "gold"))

    def partner(name, city, channel, manager):
        p = Partner(name=name, province_id=ref[city].parent_id, city_id=ref[city].id, channel_type_id=ref[channel].id,
                    tier_id=gold.id, manager_id=manager.id, status="active")
        _db.session.add(p)
        _db.session.flush()
        return p

    a = partner("Alpha Trading", "GD-SZ", "social", people["manager"])
    b = partner("Bravo Campus", "GD-GZ", "campus", people["manager"])
    c = partner("Charlie Retail", "ZJ-HZ", "social", people["other_manager"])
    d = partner("Delta Campus", "ZJ-HZ", "campus", people["other_manager"])
    outlets = {}
    for key, owner, city in (("A1", a, "GD-SZ"), ("A2", a, "GD-GZ"), ("B1", b, "GD-GZ"), ("C1", c, "ZJ-HZ"),
                             ("D1", d, "ZJ-HZ")):
        outlets[key] = Outlet(partner_id=owner.id, name=f"Outlet {key}", address="1 Road", city_id=ref[city].id)
        _db.session.add(outlets[key])
    _db.session.flush()

    mobile, broadband = ref["mobile"], ref["broadband"]
    add_target(a, mobile, date(2026, 1, 1), "10000.00")
    add_target(a, mobile, date(2026, 7, 1), "12000.00")  # adjusted mid-year
    add_target(a, mobile, date(2026, 12, 1), "15000.00")  # not yet in force in October
    add_target(a, broadband, date(2026, 1, 1), "2000.00")
    add_target(b, mobile, date(2026, 3, 1), "5000.00")
    add_target(b, mobile, date(2026, 3, 1), "6000.00")  # re-set in the same month: this one counts
    add_target(c, mobile, date(2026, 1, 1), "8000.00")
    add_target(d, mobile, date(2026, 1, 1), "3000.00")

    o = outlets
    add_psi(a, o["A1"], mobile, beijing(2026, 10, 1, 0, 30), "9000.00", "500.00", purchases=100, units=90, closing=20)
    add_psi(a, o["A2"], broadband, beijing(2026, 10, 31, 23, 30), "1500.25", purchases=12, units=10, closing=3)
    add_psi(a, o["A1"], mobile, beijing(2026, 9, 30, 23, 50), "4000.00", purchases=40, units=40, closing=5)
    add_psi(a, o["A1"], mobile, beijing(2026, 11, 1, 0, 10), "7777.00", purchases=70, units=70, closing=1)
    add_psi(b, o["B1"], mobile, beijing(2026, 10, 20, 12, 0), "3000.10", purchases=30, units=28, closing=7)
    add_psi(b, o["B1"], mobile, beijing(2026, 8, 5, 9, 0), "2000.00")
    add_psi(c, o["C1"], mobile, beijing(2026, 10, 10, 9, 0), "2000.00", purchases=25, units=20, closing=9)
    add_psi(c, o["C1"], mobile, beijing(2026, 1, 10, 9, 0), "5000.00")
    add_psi(c, o["C1"], mobile, beijing(2025, 12, 10, 9, 0), "1000.00")
    add_psi(d, o["D1"], mobile, beijing(2026, 6, 10, 9, 0), "1000.00")
    add_collection(a, beijing(2026, 3, 5, 10, 0), "3000.00")
    add_collection(a, beijing(2026, 10, 8, 10, 0), "5000.00")
    add_collection(c, beijing(2026, 10, 9, 10, 0), "1000.00")
    add_collection(d, beijing(2026, 9, 9, 10, 0), "800.00")
    _db.session.commit()
    return World({"A": a, "B": b, "C": c, "D": d}, outlets)


@pytest.fixture
def today(monkeypatch):
    """Pin "today" (Beijing) to 15 October 2026 in the views."""
    from portal.results import dashboard_views

    monkeypatch.setattr(dashboard_views, "business_today", lambda: TODAY)
    return TODAY


def test_the_moments_fall_in_their_beijing_month():
    first_minutes = beijing(2026, 10, 1, 0, 30)
    assert first_minutes.month == 9  # still September in UTC
    assert business_month(first_minutes) == OCTOBER
    assert business_month(beijing(2026, 10, 31, 23, 30)) == OCTOBER
    assert business_month(beijing(2026, 11, 1, 0, 10)) == date(2026, 11, 1)


def figures(*values):
    names = ("target", "sales", "collected", "target_ytd", "sales_ytd", "collected_ytd")
    return dashboard.Figures(**{n: D(v) for n, v in zip(names, values)})


EXPECTED_PARTNERS = {
    "A": (figures("14000.00", "10000.25", "5000.00", "128000.00", "14000.25", "8000.00"), D("71.4"), D("10.9")),
    "B": (figures("6000.00", "3000.10", "0.00", "48000.00", "5000.10", "0.00"), D("50.0"), D("10.4")),
    "C": (figures("8000.00", "2000.00", "1000.00", "80000.00", "7000.00", "1000.00"), D("25.0"), D("8.8")),
    "D": (figures("3000.00", "0.00", "0.00", "30000.00", "1000.00", "800.00"), D("0.0"), D("3.3")),
}


def test_each_partners_figures_match_the_hand_computed_ones(results_world, people):
    rows = {r.id: r for r in dashboard.partner_rows(people["admin"], dashboard.Filters(month=OCTOBER))}
    for key, (expected, progress, progress_ytd) in EXPECTED_PARTNERS.items():
        row = rows[results_world.partners[key].id]
        assert row.figures == expected, key
        assert (row.figures.progress, row.figures.progress_ytd) == (progress, progress_ytd), key
    assert [rows[results_world.partners[k].id].reported for k in "ABCD"] == [True, True, True, False]


def test_groups_by_province_and_channel_type_and_the_totals(results_world, people):
    data = dashboard.dashboard(people["admin"], dashboard.Filters(month=OCTOBER), TODAY, 20, dashboard.labels())
    provinces = {g.label: (g.partners, g.figures) for g in data.by_province}
    assert provinces == {
        "Guangdong": (2, figures("20000.00", "13000.35", "5000.00", "176000.00", "19000.35", "8000.00")),
        "Zhejiang": (2, figures("11000.00", "2000.00", "1000.00", "110000.00", "8000.00", "1800.00")),
    }
    assert [g.figures.progress for g in data.by_province] == [D("65.0"), D("18.2")]
    channels = {g.label: (g.partners, g.figures) for g in data.by_channel_type}
    assert channels == {
        "Social channel": (2, figures("22000.00", "12000.25", "6000.00", "208000.00", "21000.25", "9000.00")),
        "Campus agent": (2, figures("9000.00", "3000.10", "0.00", "78000.00", "6000.10", "800.00")),
    }
    assert data.totals == figures("31000.00", "15000.35", "6000.00", "286000.00", "27000.35", "9800.00")
    assert (data.totals.progress, data.totals.progress_ytd) == (D("48.4"), D("9.4"))


def test_the_trend_covers_twelve_months_with_the_target_in_force_each_month(results_world, people):
    points = dashboard.trend(None, dashboard.Filters(month=OCTOBER))
    assert [p.month for p in points][0] == date(2025, 11, 1) and points[-1].month == OCTOBER
    by_month = {p.month.strftime("%Y-%m"): (p.target, p.sales, p.collected) for p in points}
    zero = D("0.00")
    assert by_month == {
        "2025-11": (zero, zero, zero),
        "2025-12": (zero, D("1000.00"), zero),
        "2026-01": (D("23000.00"), D("5000.00"), zero),
        "2026-02": (D("23000.00"), zero, zero),
        "2026-03": (D("29000.00"), zero, D("3000.00")),
        "2026-04": (D("29000.00"), zero, zero),
        "2026-05": (D("29000.00"), zero, zero),
        "2026-06": (D("29000.00"), D("1000.00"), zero),
        "2026-07": (D("31000.00"), zero, zero),
        "2026-08": (D("31000.00"), D("2000.00"), zero),
        "2026-09": (D("31000.00"), D("4000.00"), D("800.00")),
        "2026-10": (D("31000.00"), D("15000.35"), D("6000.00")),
    }
    november = dashboard.trend(None, dashboard.Filters(month=date(2026, 11, 1)))[-1]
    assert november.sales == D("7777.00")  # 00:10 on 1 November in Beijing is November


def test_a_product_line_filter_narrows_targets_and_sales_but_not_collections(results_world, people):
    rows = {r.id: r for r in dashboard.partner_rows(
        people["admin"], dashboard.Filters(month=OCTOBER, product_line_id=_line_id("broadband")))}
    alpha = rows[results_world.partners["A"].id]
    assert alpha.figures == figures("2000.00", "1500.25", "5000.00", "20000.00", "1500.25", "8000.00")
    assert alpha.figures.progress == D("75.0")
    assert not rows[results_world.partners["B"].id].reported  # no broadband line this month


def _line_id(code):
    from portal.reference.models import ProductLine

    return _db.session.scalar(_db.select(ProductLine.id).where(ProductLine.code == code))


def test_expected_progress_is_the_elapsed_share_of_the_month_in_beijing():
    assert dashboard.expected_progress(OCTOBER, TODAY) == D("48.4")  # 15 of 31 days
    assert dashboard.expected_progress(date(2026, 9, 1), TODAY) == D("100.0")
    assert dashboard.expected_progress(date(2026, 11, 1), TODAY) == D("0.0")
    assert dashboard.expected_progress(date(2026, 2, 1), date(2026, 2, 28)) == D("100.0")


def test_falling_behind_lists_the_partner_without_report_and_the_one_far_behind(results_world, people):
    data = dashboard.dashboard(people["admin"], dashboard.Filters(month=OCTOBER), TODAY, 20, dashboard.labels())
    assert data.expected == D("48.4")
    listed = [(b.partner.name, b.gap, b.partner.reported) for b in data.behind]
    assert listed == [("Delta Campus", D("48.4"), False), ("Charlie Retail", D("23.4"), True)]


def test_key_outlets_are_the_best_sellers_making_80_percent(results_world, people):
    found = dashboard.key_outlets(people["admin"], dashboard.Filters(month=OCTOBER))
    assert found.total_sales == D("15000.35") and found.outlets == 4 and found.key_count == 3
    o = results_world.outlets
    assert [(r.outlet_id, r.sales, r.share, r.cumulative_share) for r in found.items] == [
        (o["A1"].id, D("8500.00"), D("56.7"), D("56.7")),
        (o["B1"].id, D("3000.10"), D("20.0"), D("76.7")),
        (o["C1"].id, D("2000.00"), D("13.3"), D("90.0")),
    ]
    first = found.items[0]
    assert (first.purchases, first.units, first.closing_inventory, first.partner_name) == (100, 90, 20, "Alpha Trading")
    year = dashboard.key_outlets(people["admin"], dashboard.Filters(month=OCTOBER, period="year"))
    # Year to date: A1 12,500, C1 7,000, B1 5,000.10, D1 1,000, A2 1,500.25 of 27,000.35 → 80% is 21,600.28
    assert [r.outlet_id for r in year.items] == [o["A1"].id, o["C1"].id, o["B1"].id]
    assert year.items[0].purchases == 140 and year.items[0].closing_inventory == 20


def test_a_manager_sees_only_the_partners_of_their_territories(results_world, people):
    data = dashboard.dashboard(people["manager"], dashboard.Filters(month=OCTOBER), TODAY, 20, dashboard.labels())
    assert {r.name for r in data.rows} == {"Alpha Trading", "Bravo Campus"}
    assert data.totals == figures("20000.00", "13000.35", "5000.00", "176000.00", "19000.35", "8000.00")
    assert {r.partner_name for r in data.top_outlets.items} == {"Alpha Trading", "Bravo Campus"}
    assert [p.month for p in data.trend if p.sales] == [date(2026, 8, 1), date(2026, 9, 1), OCTOBER]


def test_a_territory_filter_on_a_city_and_on_a_province(results_world, people):
    ref_ids = {t.code: t.id for t in _territories()}
    in_guangzhou = dashboard.partner_rows(people["admin"], dashboard.Filters(month=OCTOBER, territory_id=ref_ids["GD-GZ"]))
    assert [r.name for r in in_guangzhou] == ["Bravo Campus"]
    in_guangdong = dashboard.partner_rows(people["admin"], dashboard.Filters(month=OCTOBER, territory_id=ref_ids["GD"]))
    assert [r.name for r in in_guangdong] == ["Alpha Trading", "Bravo Campus"]


def _territories():
    from portal.reference.models import Territory

    return _db.session.scalars(_db.select(Territory)).all()


# ---- the pages ----------------------------------------------------------------------------------


def _text(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_dashboard_page_shows_the_hand_computed_figures(client, results_world, today):
    client.login("admin@test.example")
    page = _text(client.get("/results/?month=2026-10"))
    assert "Results for October 2026" in page
    for text in ("¥31,000.00", "¥15,000.35", "48.4%", "¥286,000.00", "¥27,000.35",
                 "¥13,000.35", "65.0%", "18.2%", "54.5%", "33.3%", "Expected by today: 48.4%"):
        assert text in page, text
    assert "<svg" in page and 'role="img"' in page and "<title id=\"trend-chart-title\">" in page
    behind = page[page.index('id="behind"'):]
    assert behind.index("Delta Campus") < behind.index("Charlie Retail")
    assert "Outlet A1" in page and "¥8,500.00" in page
    assert "minus returned sales" in page


def test_the_dashboard_defaults_to_the_current_business_month(client, results_world, today):
    client.login("admin@test.example")
    assert "Results for October 2026" in _text(client.get("/results/"))
    page = _text(client.get("/results/?month=not-a-month"))
    assert "Enter a month as YYYY-MM" in page and "Results for October 2026" in page


def test_the_falling_behind_page(client, results_world, today):
    client.login("admin@test.example")
    page = _text(client.get("/results/behind?month=2026-10"))
    table = page[page.index('id="behind"'):]
    assert table.index("Delta Campus") < table.index("Charlie Retail")
    assert "Alpha Trading" not in table and "Bravo Campus" not in table
    assert "This month has not started yet." in _text(client.get("/results/behind?month=2026-12"))


def test_the_key_outlets_page(client, results_world, today):
    client.login("admin@test.example")
    page = _text(client.get("/results/outlets?month=2026-10"))
    assert "3 of 4 outlets" in page
    table = page[page.index('id="key-outlets"'):]
    assert table.index("Outlet A1") < table.index("Outlet B1") < table.index("Outlet C1")
    assert "Outlet A2" not in table


def test_the_partner_table_and_its_export_show_the_same_figures(client, results_world, today):
    client.login("admin@test.example")
    page = _text(client.get("/results/partners?month=2026-10&sort=progress"))
    table = page[page.index('id="partners"'):]
    assert table.index("Delta Campus") < table.index("Charlie Retail") < table.index("Bravo Campus") \
        < table.index("Alpha Trading")
    response = client.get("/results/export.xlsx?month=2026-10&sort=progress")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("results-2026-10.xlsx")
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Partner" and rows[0][8] == "Progress % (month)"
    assert [r[0] for r in rows[1:]] == ["Delta Campus", "Charlie Retail", "Bravo Campus", "Alpha Trading"]
    for row in rows[1:]:
        key = row[0][0]
        expected, progress, progress_ytd = EXPECTED_PARTNERS[key]
        assert [D(str(v)).quantize(D("0.01")) for v in (row[6], row[7], row[9], row[10], row[11], row[13])] == [
            expected.target, expected.sales, expected.collected, expected.target_ytd, expected.sales_ytd,
            expected.collected_ytd]
        assert (D(str(row[8])), D(str(row[12]))) == (progress, progress_ytd)
        # The same figures are on the page, in the partner's row.
        start = table.index(row[0])
        cells = table[start:table.index("</tr>", start)]
        for amount in (expected.target, expected.sales, expected.collected, expected.target_ytd, expected.sales_ytd):
            assert f"¥{amount:,.2f}" in cells
        assert f"{progress}%" in cells and f"{progress_ytd}%" in cells
    assert rows[1][14] == "No" and rows[4][14] == "Yes"
    assert rows[1][1] == "Zhejiang" and rows[1][2] == "Hangzhou" and rows[1][3] == "Campus agent"


def test_a_manager_exports_only_their_partners(client, results_world, today):
    client.login("zj.manager@test.example")
    sheet = load_workbook(BytesIO(client.get("/results/export.xlsx?month=2026-10").data)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["Charlie Retail", "Delta Campus"]
    page = _text(client.get("/results/?month=2026-10"))
    assert "Alpha Trading" not in page and "Outlet A1" not in page


def test_an_empty_dashboard_says_so(client, people, today):
    client.login("admin@test.example")
    assert "There are no partners to report on yet." in _text(client.get("/results/"))
    assert "No outlet reported in this period." in _text(client.get("/results/outlets"))


# ---- the partner's own page ----------------------------------------------------------------------


@pytest.fixture
def alpha_admin(make_user, results_world):
    user = make_user("alpha.admin@test.example", "partner_admin")
    user.partner_id = results_world.partners["A"].id
    charlie = make_user("charlie.staff@test.example", "partner_staff")
    charlie.partner_id = results_world.partners["C"].id
    _db.session.commit()
    return user


def test_a_partner_sees_its_own_figures_by_product_line_and_outlet(client, alpha_admin, results_world, today):
    own = dashboard.own_figures(results_world.partners["A"], OCTOBER)
    assert own.totals == EXPECTED_PARTNERS["A"][0]
    lines = {dashboard.labels().product_lines[r.product_line_id]: r.figures for r in own.by_line}
    assert lines == {
        "Mobile plans": figures("12000.00", "8500.00", "0.00", "108000.00", "12500.00", "0.00"),
        "Broadband": figures("2000.00", "1500.25", "0.00", "20000.00", "1500.25", "0.00"),
    }
    assert [(o.name, o.sales, o.share, o.sales_ytd, o.closing_inventory) for o in own.by_outlet] == [
        ("Outlet A1", D("8500.00"), D("85.0"), D("12500.00"), 20),
        ("Outlet A2", D("1500.25"), D("15.0"), D("1500.25"), 3),
    ]
    client.login("alpha.admin@test.example")
    page = _text(client.get("/partner/results/?month=2026-10"))
    for text in ("¥14,000.00", "¥10,000.25", "71.4%", "70.8%", "75.0%", "¥108,000.00", "Outlet A2", "Top 20%"):
        assert text in page, text
    for other in ("Bravo", "Charlie", "Delta", "¥3,000.10"):
        assert other not in page


def test_the_rank_band_among_partners_of_the_same_channel_type(client, alpha_admin, results_world, today):
    assert dashboard.rank_band(results_world.partners["A"], OCTOBER) == "top"  # 71.4% against Charlie's 25.0%
    assert dashboard.rank_band(results_world.partners["C"], OCTOBER) == "bottom"
    assert dashboard.rank_band(results_world.partners["C"], date(2025, 11, 1)) is None  # no target then
    client.login("charlie.staff@test.example")
    page = _text(client.get("/partner/results/?month=2026-10"))
    assert "Bottom 20%" in page and "Alpha" not in page and "71.4%" not in page


def test_rank_bands_split_twenty_sixty_twenty(people, reference_data):
    line = reference_data["mobile"]
    made = []
    for i, sales in enumerate(("100", "90", "80", "70", "60", "50", "40", "30", "20", "10")):
        p = Partner(name=f"Peer {i}", channel_type_id=reference_data["social"].id, status="active")
        _db.session.add(p)
        _db.session.flush()
        outlet = Outlet(partner_id=p.id, name=f"Shop {i}", address="1 Road")
        _db.session.add(outlet)
        _db.session.flush()
        add_target(p, line, OCTOBER, "100.00")
        add_psi(p, outlet, line, beijing(2026, 10, 3, 10, 0), sales)
        made.append(p)
    _db.session.commit()
    bands = [dashboard.rank_band(p, OCTOBER) for p in made]
    assert bands == ["top", "top", "middle", "middle", "middle", "middle", "middle", "middle", "bottom", "bottom"]
