"""The stock pages as a manager uses them: recording movements, the overview, an item's ledger
and its Excel export (whose sums match the stock), and the trace of every unit."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db as _db
from portal.materials import serials, stock
from portal.materials.models import StockLevel, StockMovement
from portal.materials.stock import move
from tests.materials.stock_fixtures import make_item, make_request, make_warehouse  # noqa: F401


@pytest.fixture
def manager(client, people):
    client.login("gd.manager@test.example")
    return client


@pytest.fixture
def poster(make_item):
    return make_item("POSTER-A2", name_en="Spring poster A2")


@pytest.fixture
def shenzhen(make_warehouse):
    return make_warehouse("SZ-01", name="Shenzhen warehouse")


def count_movements():
    return _db.session.scalar(sa.select(sa.func.count(StockMovement.id)))


def test_a_receipt_recorded_on_the_page_shows_in_the_ledger_with_who_why_and_reference(manager, poster, shenzhen):
    page = manager.get(f"/materials/items/{poster.id}/receipt?warehouse={shenzhen.id}").get_data(as_text=True)
    assert "Record the receipt" in page and 'name="prefix"' not in page  # no serial fields for posters

    response = manager.post(f"/materials/items/{poster.id}/receipt", {
        "warehouse_id": str(shenzhen.id), "quantity": "500", "reference": "DN-2026-07", "reason": "Spring campaign"})

    assert response.status_code == 302
    ledger = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "Receipt of 500 recorded." in ledger
    for text in ("DN-2026-07", "Spring campaign", "Gd.Manager", "+500", "Receipt (入库)"):
        assert text in ledger
    assert "SZ-01: the ledger sums to 500 on hand and 0 reserved, as the stock shows." in ledger


def test_an_adjustment_below_zero_on_the_page_is_a_field_error_and_writes_nothing(manager, poster, shenzhen, people):
    stock.receive(poster, shenzhen, people["manager"], quantity="10", reference="DN-1")
    _db.session.commit()

    response = manager.post(f"/materials/items/{poster.id}/adjustment", {
        "warehouse_id": str(shenzhen.id), "quantity": "-12", "reason": "Broken"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="quantity-error">[^<]*Not enough stock of Spring poster A2 in Shenzhen warehouse: 10 '
                     r'available\.', page)
    assert count_movements() == 1
    assert _db.session.scalar(sa.select(StockLevel.on_hand)) == 10


def test_adjustment_and_stocktake_pages_record_their_movements(manager, poster, shenzhen, people):
    stock.receive(poster, shenzhen, people["manager"], quantity="10", reference="DN-1")
    _db.session.commit()
    response = manager.post(f"/materials/items/{poster.id}/adjustment", {
        "warehouse_id": str(shenzhen.id), "quantity": "-2", "reason": "Torn"})
    assert response.status_code == 302
    response = manager.post(f"/materials/items/{poster.id}/stocktake", {
        "warehouse_id": str(shenzhen.id), "counted": "9", "reason": "Monthly count"})
    assert response.status_code == 302
    assert "on hand changed by +1" in manager.get(response.headers["Location"]).get_data(as_text=True)
    assert _db.session.scalar(sa.select(StockLevel.on_hand)) == 9
    assert count_movements() == 3


def test_a_movement_form_without_a_warehouse_says_so(manager, poster, shenzhen):
    response = manager.post(f"/materials/items/{poster.id}/receipt", {"quantity": "5", "reference": "DN-1"})
    assert response.status_code == 400
    assert "Choose the warehouse." in response.get_data(as_text=True)
    assert count_movements() == 0


def test_a_serial_range_received_on_the_page_is_found_on_the_trace_page(manager, make_item, shenzhen):
    card = make_item("CARD-50", serial_tracked=True)
    page = manager.get(f"/materials/items/{card.id}/receipt").get_data(as_text=True)
    assert 'name="prefix"' in page

    response = manager.post(f"/materials/items/{card.id}/receipt", {
        "warehouse_id": str(shenzhen.id), "prefix": "CARD", "first": "100", "last": "149", "digits": "8",
        "reference": "DN-CARDS-1"})
    assert response.status_code == 302
    assert _db.session.scalar(sa.select(StockLevel.on_hand)) == 50

    again = manager.post(f"/materials/items/{card.id}/receipt", {
        "warehouse_id": str(shenzhen.id), "prefix": "CARD", "first": "140", "last": "160", "digits": "8",
        "reference": "DN-CARDS-2"})
    assert again.status_code == 400
    assert "These numbers were already received for this item: CARD00000140–CARD00000149." in again.get_data(
        as_text=True)

    trace = manager.get(f"/materials/items/{card.id}/trace?serial=CARD00000123").get_data(as_text=True)
    assert "in the range CARD00000100–CARD00000149" in trace and "In stock in SZ-01" in trace
    missing = manager.get(f"/materials/items/{card.id}/trace?serial=CARD00000999").get_data(as_text=True)
    assert "No card CARD00000999 of this item was ever received." in missing


def test_the_overview_filters_by_category_warehouse_low_stock_and_search(manager, poster, make_item, make_warehouse,
                                                                         shenzhen, people):
    guangzhou = make_warehouse("GZ-01", name="Guangzhou warehouse", territory="GD-GZ")
    gift = make_item("GIFT-MUG", category="gift", name_en="Branded mug")
    for item, warehouse, quantity in ((poster, shenzhen, 500), (poster, guangzhou, 5), (gift, shenzhen, 40)):
        stock.receive(item, warehouse, people["manager"], quantity=str(quantity), reference="DN-1")
    _db.session.commit()

    def rows(query=""):
        page = manager.get("/materials/stock" + query).get_data(as_text=True)
        return set(re.findall(r"<td>((?:SZ|GZ)-01) · ", page)), page

    assert rows()[0] == {"SZ-01", "GZ-01"}
    _, page = rows("?category=gift")
    assert "Branded mug" in page and "Spring" not in page
    assert rows(f"?warehouse={guangzhou.id}")[0] == {"GZ-01"}
    _, page = rows("?low=10")
    assert "GZ-01" in page and "Branded mug" not in page
    _, page = rows("?q=mug")
    assert "Branded mug" in page and "POSTER-A2" not in page
    assert "No stock matches these filters." in rows("?q=nothing-like-this")[1]
    assert manager.get("/materials/stock?low=abc&warehouse=x&page=-3").status_code == 200


@pytest.fixture
def busy_ledger(poster, shenzhen, make_warehouse, people, partners, make_request):
    """Receipts in two warehouses, a reservation, an issue to Partner One, an adjustment."""
    guangzhou = make_warehouse("GZ-01", name="Guangzhou warehouse", territory="GD-GZ")
    manager = people["manager"]
    request = make_request(number="MR-2026-0042", campaign="Freshers' fair")
    stock.receive(poster, shenzhen, manager, quantity="100", reference="DN-1", reason="First delivery")
    stock.receive(poster, guangzhou, manager, quantity="30", reference="DN-2")
    move(poster, shenzhen, "reserve", 40, manager, request=request, partner=partners["one"])
    move(poster, shenzhen, "issue", 25, manager, request=request, partner=partners["one"], reference="SF123")
    stock.adjust(poster, shenzhen, "-3", "Torn", manager)
    _db.session.commit()
    return {"guangzhou": guangzhou, "request": request}


def test_the_ledger_page_filters_by_warehouse_kind_partner_and_date(manager, poster, shenzhen, busy_ledger, partners):
    base = f"/materials/items/{poster.id}/ledger"

    def kinds(query=""):
        page = manager.get(base + query).get_data(as_text=True)
        return re.findall(r"<td>(Receipt \(入库\)|Reservation|Issue to partner \(出库\)|Adjustment)</td>", page)

    assert kinds() == ["Adjustment", "Issue to partner (出库)", "Reservation", "Receipt (入库)", "Receipt (入库)"]
    assert kinds(f"?warehouse={busy_ledger['guangzhou'].id}") == ["Receipt (入库)"]
    assert kinds("?kind=issue") == ["Issue to partner (出库)"]
    assert kinds(f"?partner={partners['one'].id}") == ["Issue to partner (出库)", "Reservation"]
    from portal.core.i18n import local_today_in

    today = local_today_in()
    assert len(kinds(f"?from={today.isoformat()}&to={today.isoformat()}")) == 5
    assert kinds(f"?to={(today - timedelta(days=1)).isoformat()}") == []
    assert manager.get(base + "?from=2026-13-45&kind=bogus&partner=x").status_code == 200

    page = manager.get(base).get_data(as_text=True)
    # the balances after each movement, newest first: 100 → reserve 40 → issue 25 → adjust −3
    issue_row = re.search(r"<td>Issue to partner \(出库\)</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="text-end">([^<]*)</td>', issue_row) == ["-25", "-25", "75", "15"]
    assert "MR-2026-0042" in issue_row and "Partner One Trading" in issue_row and "SF123" in issue_row


def test_the_ledger_export_opens_in_excel_and_its_sums_equal_the_stock(manager, poster, shenzhen, busy_ledger):
    response = manager.get(f"/materials/items/{poster.id}/ledger.xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[0]
    assert headers[:5] == ("Date and time", "Warehouse", "Kind", "On hand change", "Reserved change")
    for name in ("Reason", "Reference", "Request", "Partner", "Serial numbers", "Recorded by"):
        assert name in headers
    movements = rows[1:6]
    assert [r[2] for r in movements] == ["Receipt (入库)", "Receipt (入库)", "Reservation", "Issue to partner (出库)",
                                         "Adjustment"]
    issue = movements[3]
    assert issue[headers.index("Request")] == "MR-2026-0042"
    assert issue[headers.index("Partner")] == "Partner One Trading"
    assert issue[headers.index("Recorded by")] == "Gd.Manager"

    levels = _db.session.scalars(sa.select(StockLevel)).all()
    assert sum(r[3] for r in movements) == sum(lv.on_hand for lv in levels) == 102
    assert sum(r[4] for r in movements) == sum(lv.reserved for lv in levels) == 15
    # the check lines: per warehouse and in all, the ledger against the stock
    checks = {r[1]: r for r in rows if r and not r[0] and r[1] in ("SZ-01", "GZ-01")}
    assert checks["SZ-01"][3:8] == (72, 15, 72, 15, "The ledger equals the stock.")
    assert checks["GZ-01"][3:8] == (30, 0, 30, 0, "The ledger equals the stock.")
    total = next(r for r in rows if r and r[0] == "All warehouses")
    assert total[3:8] == (102, 15, 102, 15, "The ledger equals the stock.")


def test_a_filtered_export_says_so(manager, poster, busy_ledger):
    response = manager.get(f"/materials/items/{poster.id}/ledger.xlsx?kind=receipt")
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:3]] == ["Receipt (入库)", "Receipt (入库)"]
    assert any(r and r[0] and str(r[0]).startswith("Filtered") for r in rows)


def test_the_trace_shows_every_unit_in_warehouses_reserved_and_with_partners(manager, poster, busy_ledger):
    page = manager.get(f"/materials/items/{poster.id}/trace").get_data(as_text=True)

    assert "Received, plus corrections, less issued equals what the warehouses hold." in page
    with_partners = page[page.index('id="partners-title"'):]
    assert "Partner One Trading" in with_partners and "MR-2026-0042" in with_partners
    assert "Freshers&#39; fair" in with_partners and ">25<" in with_partners
    reserved = page[page.index('id="reserved-title"'):page.index('id="partners-title"')]
    assert "MR-2026-0042" in reserved and ">15<" in reserved


def test_the_trace_of_cards_follows_each_range_to_its_partner(manager, make_item, shenzhen, people, partners,
                                                              make_request):
    card = make_item("CARD-50", serial_tracked=True)
    request = make_request(number="MR-2026-0007", campaign="Campus week")
    stock.receive(card, shenzhen, people["manager"], reference="DN-CARDS",
                  serial_range={"prefix": "CARD", "first": "1", "last": "100", "digits": "8"})
    serials.reserve_serials(card, shenzhen, 30, request)
    move(card, shenzhen, "reserve", 30, people["manager"], request=request)
    movement = move(card, shenzhen, "issue", 30, people["manager"], request=request, partner=partners["one"])
    serials.issue_serials(card, shenzhen, request, partners["one"], movement)
    _db.session.commit()

    page = manager.get(f"/materials/items/{card.id}/trace?serial=CARD00000012").get_data(as_text=True)
    assert "Issued on" in page and "to Partner One Trading for request MR-2026-0007 (campaign: Campus week)" in page
    assert "DN-CARDS" in page
    issued = manager.get(f"/materials/items/{card.id}/trace?status=issued").get_data(as_text=True)
    table = issued[issued.index('id="ranges-title"'):]
    assert "CARD00000001–CARD00000030" in table and "CARD00000031–CARD00000100" not in table


def test_partner_users_cannot_see_stock(make_client, partners, poster):
    client = make_client()
    client.login("p1.admin@test.example")
    for url in ("/materials/stock", f"/materials/items/{poster.id}/ledger", f"/materials/items/{poster.id}/trace"):
        assert client.get(url).status_code == 403


def test_numbers_too_large_for_an_id_in_links_and_forms_are_not_errors(manager, poster, shenzhen):
    huge = "99999999999999999999"
    assert manager.get(f"/materials/stock?warehouse={huge}&page={huge}&low={huge}").status_code == 200
    assert manager.get(f"/materials/items/{poster.id}/ledger?warehouse={huge}&partner={huge}").status_code == 200
    assert manager.get(f"/materials/items/{huge}").status_code == 404
    assert manager.get(f"/materials/warehouses/{huge}/edit").status_code == 404
    response = manager.post(f"/materials/items/{poster.id}/receipt",
                            {"warehouse_id": huge, "quantity": "5", "reference": "DN-1"})
    assert response.status_code == 400 and "Choose the warehouse." in response.get_data(as_text=True)
    response = manager.post("/materials/warehouses/new", {"code": "X", "name": "X", "territory_id": huge})
    assert response.status_code == 400 and "Choose a territory from the list." in response.get_data(as_text=True)
