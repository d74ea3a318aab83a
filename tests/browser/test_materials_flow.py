"""Marketing and promotional material in a real browser, as issue 5's "Must show" asks.

1. Partner One asks for posters and gift bags with a usage plan → its channel manager approves
   part of it (fewer posters, with a reason) → the stock page shows available down by exactly
   the approved quantities, on hand unchanged → the manager ships it (carrier and tracking
   number) → on hand down by the same quantities → the partner confirms receipt → the request
   shows "Received"; the ledger holds one reservation and one issue per line, and sums to the
   stock.
2. The partner confirms reading a sales policy from its home page, and the manager's page of
   the policy lists it as read; then it downloads a co-branded flyer whose text, read back with
   pdftotext, carries its own name, address and phone.

The catalogue, the stock and the policy are made through the services (as the vendor's pages
would); everything the partner and the manager do happens in the browser. Screenshots go to
/tmp/portal-screens/materials-*.png and marketing-*.png (see conftest.py).
"""
import io
import re
import shutil
import subprocess
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.i18n import business_today
from portal.materials.models import MaterialRequest, StockLevel, StockMovement
from tests.browser.conftest import SCREENS, minimal_pdf

pytestmark = pytest.mark.browser

PARTNER_EMAIL = "p1.admin@test.example"
MANAGER_EMAIL = "gd.manager@test.example"
OUTLET = "Futian Huaqiang North flagship store"
ADDRESS = "深圳市福田区华强北路 1002 号 (1002 Huaqiang North Road, Futian)"
PHONE = "0755-8321 4455"
FLYER_TEMPLATE = """<h1>{{ asset.title }}</h1>
<p>欢迎光临 — 5G 套餐限时优惠 / Summer 5G offers</p>
<footer>
  <p>授权经销商 / Authorised dealer: <strong>{{ partner.name }}</strong></p>
  <p>{{ partner.address }}</p>
  <p>电话 / Phone: {{ partner.phone }}</p>
</footer>"""


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def flash(page, text):
    """The success message shown after a POST (role="status"), or a failure naming the page."""
    found = page.get_by_role("status").filter(has_text=text)
    assert found.count() == 1, f"no message {text!r} on {page.url}:\n{page.locator('main').inner_text()}"


@pytest.fixture
def stocked(people, partners, reference_data, db):
    """A warehouse in Shenzhen holding 100 A2 posters and 30 gift bags (received with their
    delivery notes), and an open outlet of Partner One for the usage plan."""
    from portal.materials import catalogue, stock
    from portal.partners.models import Outlet

    manager = people["manager"]
    warehouse = catalogue.create_warehouse({"code": "SZ-01", "name": "Shenzhen central store",
                                            "territory_id": reference_data["GD-SZ"].id,
                                            "address": "1 Keyuan Road, Nanshan"}, manager)
    poster = catalogue.create_item({"code": "POSTER-A2", "name_zh": "夏季5G海报 A2", "name_en": "Summer 5G poster (A2)",
                                    "category": "poster", "unit": "piece", "unit_value": "2.50",
                                    "description": "Portrait, for shop windows."}, manager)
    bag = catalogue.create_item({"code": "GIFT-BAG", "name_zh": "礼品袋", "name_en": "Gift bag",
                                 "category": "gift", "unit": "bag", "unit_value": "20.00"}, manager)
    stock.receive(poster, warehouse, manager, quantity="100", reference="DN-2026-0415", reason="Spring print run")
    stock.receive(bag, warehouse, manager, quantity="30", reference="DN-2026-0416")
    one = partners["one"]
    outlet = Outlet(partner_id=one.id, name=OUTLET, address="Huaqiang North Road 1002",
                    city_id=reference_data["GD-SZ"].id, kind="store", opened_on=date(2025, 3, 1))
    db.session.add(outlet)
    db.session.commit()
    return {"warehouse": warehouse, "poster": poster, "bag": bag, "outlet": outlet, "partner": one,
            "manager": manager}


def stock_figures(page, item, warehouse):
    """{"On hand": n, "Reserved": n, "Available": n} as the stock page shows them for the item
    in the warehouse (the page searched by the item's code, read by the column headings)."""
    page.goto(f"/materials/stock?q={item.code}")
    headings = [h.strip() for h in page.locator("main table thead th").all_inner_texts()]
    row = page.locator("main table tbody tr").filter(has_text=item.code).filter(has_text=warehouse.code)
    assert row.count() == 1, page.locator("main").inner_text()
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    figures = dict(zip(headings, cells))
    return {name: int(figures[name].replace(",", "")) for name in ("On hand", "Reserved", "Available")}


def both_figures(page, stocked):
    return {key: stock_figures(page, stocked[key], stocked["warehouse"]) for key in ("poster", "bag")}


def test_partner_requests_manager_approves_part_ships_and_partner_confirms_receipt(
        stocked, new_context, sign_in, screens, db):
    poster, bag, warehouse = stocked["poster"], stocked["bag"], stocked["warehouse"]
    today = business_today()

    # ---- the manager's stock before anything happens ------------------------------------------
    vendor = new_context().new_page()
    vendor.on("dialog", lambda dialog: dialog.accept())  # data-confirm before the stock is issued
    sign_in(vendor, MANAGER_EMAIL)
    before = both_figures(vendor, stocked)
    assert before == {"poster": {"On hand": 100, "Reserved": 0, "Available": 100},
                      "bag": {"On hand": 30, "Reserved": 0, "Available": 30}}, before
    screens(vendor, "materials-01-stock-before")

    # ---- the partner asks for 40 posters and 10 gift bags, with a usage plan -------------------
    partner = new_context().new_page()
    partner.on("dialog", lambda dialog: dialog.accept())
    sign_in(partner, PARTNER_EMAIL)
    partner.goto("/partner/materials/requests")
    assert partner.locator("h1").inner_text() == "Material requests"
    assert "No material request yet." in partner.locator("main").inner_text()
    click_and_wait(partner, partner.locator("main").get_by_role("link", name="Request material").first)
    assert partner.locator("h1").inner_text() == "Request material"
    form = partner.locator("main form[method=post]")
    form.get_by_label("Summer 5G poster (A2)").fill("40")
    form.get_by_label("Gift bag").fill("10")
    form.get_by_label(OUTLET).check()
    form.locator("#campaign").fill("Summer 5G campaign in Futian")
    form.locator("#starts_on").fill((today + timedelta(days=7)).isoformat())
    form.locator("#ends_on").fill((today + timedelta(days=37)).isoformat())
    form.locator("#plan").fill("Posters in the window of the Huaqiang North shop; a gift bag for each new 5G "
                               "subscriber. Handed out by the shop staff and logged per customer.")
    screens(partner, "materials-02-partner-request-form")
    click_and_wait(partner, form.get_by_role("button", name="Send the request"))
    number = f"MR-{today.year}-0001"
    flash(partner, f"Request {number} is sent to your channel manager for approval.")
    assert partner.locator("h1").inner_text() == f"Material request {number}"
    assert partner.locator("[data-status]").inner_text() == "Awaiting approval"
    plan = partner.locator("section[aria-labelledby=plan-title]").inner_text()
    assert OUTLET in plan and "Summer 5G campaign in Futian" in plan and "Huaqiang North shop" in plan
    screens(partner, "materials-03-partner-request-sent")

    db.session.expire_all()
    request_ = db.session.scalar(sa.select(MaterialRequest).where(MaterialRequest.number == number))
    assert request_ is not None and request_.partner_id == stocked["partner"].id
    lines = {line.item_id: line for line in request_.lines}
    poster_line, bag_line = lines[poster.id], lines[bag.id]
    assert (poster_line.quantity_requested, bag_line.quantity_requested) == (40, 10)
    assert [o.name for o in request_.outlets] == [OUTLET]
    assert both_figures(vendor, stocked) == before  # asking reserves nothing

    # ---- the manager approves part: 25 posters of the 40, and the 10 gift bags -----------------
    vendor.goto("/materials/requests")
    click_and_wait(vendor, vendor.locator("main table").get_by_role("link", name=number))
    assert vendor.locator("h1").inner_text() == f"Material request {number}"
    assert "Partner One Trading" in vendor.locator("main").inner_text()
    decide = vendor.locator("form[action$='/decision']")
    row = decide.locator("tbody tr").filter(has_text="Summer 5G poster (A2)")
    assert row.locator(f"[data-available='{warehouse.id}']").inner_text() == "100"
    decide.get_by_role("radio", name="Approve part").check()
    decide.locator(f"#approved-{poster_line.id}").fill("25")
    assert decide.locator(f"#approved-{bag_line.id}").input_value() == "10"
    decide.locator("#warehouse_id").select_option(label="Shenzhen central store")
    decide.locator("#reason").fill("25 posters per shop this quarter: the print run is shared by 4 partners.")
    screens(vendor, "materials-04-manager-decides")
    click_and_wait(vendor, decide.get_by_role("button", name="Save the decision"))
    flash(vendor, f"Request {number} is Partly approved: the stock is reserved in Shenzhen central store.")
    assert vendor.locator("[data-status]").inner_text() == "Partly approved"
    assert vendor.locator(f"tr[data-line='{poster_line.id}'] [data-approved]").inner_text() == "25"
    assert vendor.locator(f"tr[data-line='{bag_line.id}'] [data-approved]").inner_text() == "10"
    assert "print run is shared by 4 partners" in vendor.locator("section[aria-labelledby=items-title]").inner_text()
    screens(vendor, "materials-05-manager-approved-part")

    # Available drops by exactly what was approved; nothing has left the warehouse yet.
    approved = both_figures(vendor, stocked)
    assert approved["poster"] == {"On hand": 100, "Reserved": 25, "Available": 100 - 25}, approved
    assert approved["bag"] == {"On hand": 30, "Reserved": 10, "Available": 30 - 10}, approved
    screens(vendor, "materials-06-stock-after-approval")

    # The partner sees the decision and its reason.
    partner.reload()
    assert partner.locator("[data-status]").inner_text() == "Partly approved"
    assert partner.locator(f"tr[data-line='{poster_line.id}'] [data-approved]").inner_text() == "25"
    assert "print run is shared by 4 partners" in partner.locator("main").inner_text()

    # ---- the manager ships it ------------------------------------------------------------------
    vendor.goto(f"/materials/requests/{request_.id}")
    ship = vendor.locator("form[action$='/fulfilment']")
    assert ship.get_by_role("radio", name="Shipment").is_checked()
    ship.locator("#carrier").fill("SF Express")
    ship.locator("#tracking_number").fill("SF1402267788")
    click_and_wait(vendor, ship.get_by_role("button", name="Record the shipment or pick-up"))
    flash(vendor, f"Request {number} is Shipped; the stock is issued to the partner.")
    assert vendor.locator("[data-status]").inner_text() == "Shipped"
    assert "by SF Express, tracking number SF1402267788." in vendor.locator("main").inner_text()
    assert vendor.locator(f"tr[data-line='{poster_line.id}'] [data-issued]").inner_text() == "25"
    screens(vendor, "materials-07-manager-shipped")

    # On hand drops by the same quantities; the reservation is used up.
    shipped = both_figures(vendor, stocked)
    assert shipped["poster"] == {"On hand": 100 - 25, "Reserved": 0, "Available": 75}, shipped
    assert shipped["bag"] == {"On hand": 30 - 10, "Reserved": 0, "Available": 20}, shipped
    screens(vendor, "materials-08-stock-after-shipment")

    # ---- the partner confirms receipt ---------------------------------------------------------
    partner.reload()
    assert partner.locator("[data-status]").inner_text() == "Shipped"
    assert "by SF Express, tracking number SF1402267788." in partner.locator("main").inner_text()
    receipt = partner.locator("form[action$='/receipt']")
    receipt.locator("#note").fill("All 25 posters and 10 bags arrived in good order.")
    click_and_wait(partner, receipt.get_by_role("button", name="Confirm receipt"))
    flash(partner, f"Thank you: receipt of {number} is confirmed.")
    assert partner.locator("[data-status]").inner_text() == "Received"
    main = partner.locator("main").inner_text()
    assert "Receipt confirmed by" in main and "All 25 posters and 10 bags arrived" in main
    assert partner.get_by_role("link", name="Report usage").count() == 1
    history = partner.locator("section[aria-labelledby=history-title]").inner_text()
    assert history.count("\n") >= 3, history  # submitted, decided, shipped, received
    screens(partner, "materials-09-partner-received")
    partner.goto("/partner/materials/requests")
    row = partner.locator("main table tbody tr").filter(has_text=number)
    assert row.locator("[data-status]").inner_text() == "Received"

    # The manager sees it received too.
    vendor.goto(f"/materials/requests/{request_.id}")
    assert vendor.locator("[data-status]").inner_text() == "Received"

    # ---- the ledger: one reservation and one issue per line, summing to the stock --------------
    db.session.expire_all()
    movements = db.session.scalars(sa.select(StockMovement).where(StockMovement.request_id == request_.id)
                                   .order_by(StockMovement.id)).all()
    rows = sorted((m.item_id, m.kind, m.on_hand_delta, m.reserved_delta, m.reference) for m in movements)
    assert rows == sorted([
        (poster.id, "reserve", 0, 25, number), (poster.id, "issue", -25, -25, "SF1402267788"),
        (bag.id, "reserve", 0, 10, number), (bag.id, "issue", -10, -10, "SF1402267788"),
    ]), rows
    manager = db.session.scalar(sa.select(User).where(User.email == MANAGER_EMAIL))
    assert {(m.actor_id, m.partner_id, m.warehouse_id) for m in movements} == \
        {(manager.id, stocked["partner"].id, warehouse.id)}
    for item, on_hand in ((poster, 75), (bag, 20)):
        ledger = db.session.execute(
            sa.select(sa.func.sum(StockMovement.on_hand_delta), sa.func.sum(StockMovement.reserved_delta))
            .where(StockMovement.item_id == item.id, StockMovement.warehouse_id == warehouse.id)).one()
        level = db.session.scalar(sa.select(StockLevel).where(StockLevel.item_id == item.id,
                                                              StockLevel.warehouse_id == warehouse.id))
        assert tuple(ledger) == (level.on_hand, level.reserved) == (on_hand, 0)

    # The manager's ledger page shows the same rows, and its check agrees.
    vendor.goto(f"/materials/items/{poster.id}/ledger")
    check = vendor.locator("section[aria-labelledby=check-title]").inner_text()
    assert "SZ-01: the ledger sums to 75 on hand and 0 reserved, as the stock shows." in check, check
    table = vendor.locator("main table tbody")
    kinds = [" ".join(t.split()) for t in table.locator("tr td:nth-child(3)").all_inner_texts()]
    assert kinds == ["Issue to partner (出库)", "Reservation", "Receipt (入库)"], kinds
    issue = table.locator("tr").nth(0).inner_text()
    assert "-25" in issue and "SF1402267788" in issue and number in issue and "Partner One Trading" in issue
    screens(vendor, "materials-10-ledger")


@pytest.fixture
def marketing(people, partners, db):
    """A published sales policy for Partner One that must be acknowledged, and a co-brandable
    flyer in the library; Partner One's address and phone are on file."""
    from werkzeug.datastructures import FileStorage

    from portal.marketing import announcement_services, library_services

    manager, one = people["manager"], partners["one"]
    one.address, one.phone = ADDRESS, PHONE
    policy = announcement_services.save_announcement(
        None, {"title": "Summer 2026 commission policy for Guangdong", "kind": "policy",
               "body": "<p>From <strong>1 July</strong> the 5G plan commission rises to 3.6%.</p>",
               "language": "en", "requires_ack": True},
        {"partners": [one]}, manager)
    announcement_services.publish(policy, manager)
    flyer = library_services.create_asset(
        {"title": "Summer 5G flyer", "description": "A4 flyer with your shop's details.", "category": "brochure",
         "tags": "5G, summer", "language": None, "publish_on": business_today() - timedelta(days=1),
         "expires_on": None, "cobrandable": True, "cobrand_template": FLYER_TEMPLATE},
        FileStorage(io.BytesIO(minimal_pdf("Summer 5G flyer")), "summer-flyer.pdf"), manager)
    db.session.commit()
    return {"policy": policy, "flyer": flyer, "partner": one}


def test_partner_acknowledges_a_policy_and_downloads_a_cobranded_flyer(
        marketing, new_context, sign_in, screens, tmp_path, db):
    policy, flyer = marketing["policy"], marketing["flyer"]
    partner = new_context().new_page()
    sign_in(partner, PARTNER_EMAIL)

    # ---- the policy waits on the home page ------------------------------------------------------
    assert urlsplit(partner.url).path == "/partner/"
    news = partner.locator("section[aria-labelledby=news-title]")
    assert "1 to confirm" in news.locator("h2").inner_text()
    item = news.locator("li").filter(has_text=policy.title)
    assert "Please confirm you have read it" in item.inner_text()
    screens(partner, "marketing-01-partner-home-policy-to-confirm")
    click_and_wait(partner, item.get_by_role("link", name=policy.title))
    assert partner.locator("h1").inner_text() == policy.title
    assert "the 5G plan commission rises to 3.6%" in partner.locator("article").inner_text()
    click_and_wait(partner, partner.get_by_role("button", name="I have read this"))
    confirmed = partner.locator("section[aria-labelledby=ack-title]").inner_text()
    assert "You confirmed that you have read it on" in confirmed, confirmed
    assert partner.get_by_role("button", name="I have read this").count() == 0
    screens(partner, "marketing-02-partner-confirmed")
    partner.goto("/partner/")
    news = partner.locator("section[aria-labelledby=news-title]")
    assert "to confirm" not in news.locator("h2").inner_text()
    assert "Read on" in news.locator("li").filter(has_text=policy.title).inner_text()

    # ---- the manager sees who has read it ---------------------------------------------------------
    vendor = new_context().new_page()
    sign_in(vendor, MANAGER_EMAIL)
    vendor.goto(f"/marketing/announcements/{policy.id}")
    assert vendor.locator("h1").inner_text() == policy.title
    counts = {key: vendor.locator(f"[data-count={key}]").inner_text() for key in ("reached", "read", "unread")}
    assert counts == {"reached": "1", "read": "1", "unread": "0"}, counts
    acks = vendor.locator("section[aria-labelledby=acked-title]")
    assert "Acknowledged by 1 person" in acks.locator("h2").inner_text()
    row = acks.locator("tbody tr").filter(has_text="Partner One Trading")
    assert row.count() == 1 and "P1.Admin" in row.inner_text(), acks.inner_text()
    assert "Every partner it is meant for has read it." in vendor.locator("main").inner_text()
    screens(vendor, "marketing-03-manager-sees-who-read")

    # ---- the co-branded flyer ----------------------------------------------------------------------
    partner.goto("/partner/marketing/library")
    click_and_wait(partner, partner.locator("main").get_by_role("link", name="Summer 5G flyer"))
    assert partner.locator("h1").inner_text() == "Summer 5G flyer"
    cobrand = partner.locator("section[aria-labelledby=cobrand-title]")
    assert "Partner One Trading" in cobrand.inner_text() and PHONE in cobrand.inner_text()
    screens(partner, "marketing-04-partner-flyer")
    with partner.expect_download() as download_info:
        cobrand.get_by_role("link", name="Download the co-branded PDF").click()
    download = download_info.value
    saved = tmp_path / "flyer.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert download.suggested_filename.endswith(".pdf")
    shutil.copy(saved, SCREENS / "marketing-cobranded-flyer.pdf")  # for a person to look at
    text = subprocess.run(["pdftotext", "-layout", str(saved), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "Partner One Trading" in flat, text
    assert PHONE in flat, text
    assert "深圳市福田区华强北路 1002 号" in flat, text
    assert "Summer 5G flyer" in flat and "欢迎光临" in flat, text

    from portal.marketing.models import AssetDownload, CobrandedFile

    db.session.expire_all()
    assert [(c.asset_id, c.partner_id) for c in db.session.scalars(sa.select(CobrandedFile))] == \
        [(flyer.id, marketing["partner"].id)]
    downloads = db.session.scalars(sa.select(AssetDownload)).all()
    assert [(d.asset_id, d.partner_id, d.cobranded) for d in downloads] == [(flyer.id, marketing["partner"].id, True)]
