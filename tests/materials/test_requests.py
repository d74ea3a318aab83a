"""Partners request promotional material; the vendor approves, reserves, ships; the partner
confirms receipt. (Allowances: test_allowance.py; usage reports: test_usage.py; approvals at
once: test_concurrency.py.)"""
import re

import sqlalchemy as sa

from portal.core.i18n import business_quarter, business_today
from portal.materials import request_services as services
from portal.materials.models import MaterialRequest, StockMovement
from portal.materials.stock import ledger_totals
from portal.notifications.models import Notification
from tests.materials.request_fixtures import level, make_request, request_form, shop, submit, user  # noqa: F401

NEW = "/partner/materials/requests/new"


def page(response):
    return response.get_data(as_text=True)


def notified(email, kind):
    from portal.extensions import db

    return db.session.scalar(sa.select(sa.func.count(Notification.id))
                             .where(Notification.kind == kind, Notification.user.has(email=email)))


# ---- the whole way --------------------------------------------------------------------------------


def test_request_partly_approved_shipped_received_reported_and_reviewed(make_client, shop, db, outbox):
    partner, vendor = make_client(), make_client()
    partner.login("p1.admin@test.example")
    vendor.login("gd.manager@test.example")
    poster, bag, store = shop["poster"], shop["bag"], shop["store"]

    # The partner asks for 40 posters and 10 gift bags for the Futian store.
    form = page(partner.get(NEW))
    assert "A2 poster" in form and "Gift bag" in form and "Old flyer" not in form  # the active catalogue only
    assert "Futian Store" in form and "Old Kiosk" not in form and "West Lake Store" not in form
    response, req = submit(partner, shop, {"poster": 40, "bag": 10})
    assert response.status_code == 302
    year = business_today().year
    assert req.number == f"MR-{year}-0001" and req.status == "submitted"
    assert req.quarter == business_quarter(business_today())
    assert [o.name for o in req.outlets] == ["Futian Store"]
    assert notified("gd.manager@test.example", "material_request_submitted") == 1

    # The manager sees it in the queue with the stock available in each warehouse.
    assert req.number in page(vendor.get("/materials/requests"))
    detail = page(vendor.get(f"/materials/requests/{req.id}"))
    assert "Shenzhen central store" in detail and "Guangzhou store" in detail
    assert f'data-available="{store.id}">100<' in detail and f'data-available="{store.id}">30<' in detail

    # Part approved: 25 posters of 40, all 10 bags, with a reason.
    lines = {line.item_id: line for line in req.lines}
    response = vendor.post(f"/materials/requests/{req.id}/decision", {
        "decision": "part", "warehouse_id": str(store.id), "reason": "Posters are short this month",
        f"approved-{lines[poster.id].id}": "25", f"approved-{lines[bag.id].id}": "10"})
    assert response.status_code == 302
    db.session.refresh(req)
    assert req.status == "partly_approved" and req.decision_reason == "Posters are short this month"
    posters = level(poster, store)
    assert (posters.on_hand, posters.reserved, posters.available) == (100, 25, 75)  # available drops by 25
    assert level(bag, store).available == 20
    assert notified("p1.admin@test.example", "material_request_partly_approved") == 1
    assert notified("p1.staff@test.example", "material_request_partly_approved") == 1
    mine = page(partner.get(f"/partner/materials/requests/{req.id}"))
    assert "Partly approved" in mine and "Posters are short this month" in mine

    # Shipped by courier: on hand drops, the reservation is used up.
    response = vendor.post(f"/materials/requests/{req.id}/fulfilment",
                           {"method": "ship", "carrier": "SF Express", "tracking_number": "SF1234567890"})
    assert response.status_code == 302
    posters = level(poster, store)
    assert (posters.on_hand, posters.reserved, posters.available) == (75, 0, 75)
    assert (level(bag, store).on_hand, level(bag, store).reserved) == (20, 0)
    db.session.refresh(req)
    assert req.status == "shipped" and req.carrier == "SF Express" and req.tracking_number == "SF1234567890"
    assert [line.quantity_issued for line in req.lines] == [25, 10]
    assert notified("p1.staff@test.example", "material_request_shipped") == 1
    assert ledger_totals(poster.id, store.id) == (75, 0)
    kinds = db.session.scalars(sa.select(StockMovement.kind).where(StockMovement.request_id == req.id)
                               .order_by(StockMovement.id)).all()
    assert kinds == ["reserve", "reserve", "issue", "issue"]

    # The partner confirms receipt with a note.
    response = partner.post(f"/partner/materials/requests/{req.id}/receipt", {"note": "Two posters torn"})
    assert response.status_code == 302
    db.session.refresh(req)
    assert req.status == "received" and req.receipt_note == "Two posters torn"
    assert notified("gd.manager@test.example", "material_request_received") == 1

    # After the campaign: the usage report.
    lines = {line.item_id: line for line in req.lines}
    response = partner.post(f"/partner/materials/requests/{req.id}/usage", {
        f"handed_out-{lines[poster.id].id}": "20", f"remaining-{lines[poster.id].id}": "3",
        f"note-{lines[poster.id].id}": "Two torn on arrival",
        f"handed_out-{lines[bag.id].id}": "10", f"remaining-{lines[bag.id].id}": "0", "note": "Busy week"})
    assert response.status_code == 302
    db.session.refresh(req)
    assert req.status == "usage_reported"
    assert notified("gd.manager@test.example", "material_usage_reported") == 1
    detail = page(vendor.get(f"/materials/requests/{req.id}"))
    assert "Busy week" in detail and "2 not accounted for" in detail

    # The manager reviews it against the plan and accepts it.
    response = vendor.post(f"/materials/requests/{req.id}/review", {"outcome": "accepted", "review_note": "Fine"})
    assert response.status_code == 302
    db.session.refresh(req)
    assert req.status == "closed" and req.usage_report.review_outcome == "accepted"
    assert notified("p1.admin@test.example", "material_usage_accepted") == 1

    # The history tells the story, with who did each step.
    history = page(partner.get(f"/partner/materials/requests/{req.id}"))
    for label in ("Awaiting approval", "Partly approved", "Shipped", "Received", "Usage reported", "Usage reviewed"):
        assert label in history
    assert "(Gd.Manager)" in history and "(P1.Admin)" in history
    assert outbox  # each notification went by e-mail too


def test_request_numbers_count_up_within_the_year(shop, db):
    first = make_request(shop)
    second = make_request(shop, email="p1.staff@test.example")
    year = business_today().year
    assert (first.number, second.number) == (f"MR-{year}-0001", f"MR-{year}-0002")
    assert second.requested_by.email == "p1.staff@test.example"


# ---- the partner's list ---------------------------------------------------------------------------


def test_partner_list_filters_by_status_pages_and_has_an_empty_state(client, shop, db, app):
    client.login("p1.staff@test.example")
    empty = page(client.get("/partner/materials/requests"))
    assert "No material request yet." in empty and NEW in empty
    app.config["PER_PAGE"], saved = 2, app.config["PER_PAGE"]
    try:
        made = [make_request(shop, campaign=f"Campaign {n}") for n in range(3)]
        services.cancel_request(made[0], user("p1.admin@test.example"))
        db.session.commit()
        listing = page(client.get("/partner/materials/requests"))
        assert made[2].number in listing and made[1].number in listing and made[0].number not in listing  # newest first
        assert "page 1 of 2" in listing
        assert made[0].number in page(client.get("/partner/materials/requests?page=2"))
        cancelled = page(client.get("/partner/materials/requests?status=cancelled"))
        assert made[0].number in cancelled and made[1].number not in cancelled
        assert "No request has this status." in page(client.get("/partner/materials/requests?status=closed"))
    finally:
        app.config["PER_PAGE"] = saved


def test_partner_users_see_only_their_organisations_requests(make_client, shop, db):
    ours = make_request(shop)
    theirs = make_request(shop, email="p2.admin@test.example")
    one = make_client()
    one.login("p1.staff@test.example")
    listing = page(one.get("/partner/materials/requests"))
    assert ours.number in listing and theirs.number not in listing
    for url in (f"/partner/materials/requests/{theirs.id}", f"/partner/materials/requests/{theirs.id}/usage"):
        assert one.get(url).status_code == 404
    for url, data in ((f"/partner/materials/requests/{theirs.id}/cancel", {}),
                      (f"/partner/materials/requests/{theirs.id}/receipt", {"note": "x"}),
                      (f"/partner/materials/requests/{theirs.id}/usage", {})):
        assert one.post(url, data).status_code == 404
    db.session.refresh(theirs)
    assert theirs.status == "submitted"


def test_managers_see_requests_of_the_partners_they_look_after(make_client, shop, db):
    ours = make_request(shop)
    theirs = make_request(shop, email="p2.admin@test.example")
    gd = make_client()
    gd.login("gd.manager@test.example")
    queue = page(gd.get("/materials/requests"))
    assert ours.number in queue and theirs.number not in queue
    assert gd.get(f"/materials/requests/{theirs.id}").status_code == 404
    refused = gd.post(f"/materials/requests/{theirs.id}/decision", {"decision": "all",
                                                                    "warehouse_id": str(shop["store"].id)})
    assert refused.status_code == 404
    admin = make_client()
    admin.login("admin@test.example")
    queue = page(admin.get("/materials/requests"))
    assert ours.number in queue and theirs.number in queue


def test_the_queue_filters_by_status_partner_and_quarter(client, shop, db):
    first = make_request(shop)
    second = make_request(shop, email="p2.admin@test.example")
    second.quarter = "2020Q1"
    services.cancel_request(first, user("p1.admin@test.example"))
    db.session.commit()
    client.login("admin@test.example")
    assert "Partner Two Retail" in page(client.get("/materials/requests"))
    by_status = page(client.get("/materials/requests?status=cancelled"))
    assert first.number in by_status and second.number not in by_status
    by_partner = page(client.get(f"/materials/requests?partner={second.partner_id}"))
    assert second.number in by_partner and first.number not in by_partner
    by_quarter = page(client.get("/materials/requests?quarter=2020Q1"))
    assert second.number in by_quarter and first.number not in by_quarter
    assert "No request matches these filters." in page(client.get("/materials/requests?status=closed"))


# ---- cancelling -----------------------------------------------------------------------------------


def test_partner_cancels_a_request_awaiting_approval_but_not_a_decided_one(client, shop, db):
    waiting = make_request(shop)
    decided = make_request(shop)
    services.decide_request(decided, user("gd.manager@test.example"), "none", reason="Not this quarter")
    db.session.commit()
    client.login("p1.staff@test.example")
    assert client.post(f"/partner/materials/requests/{waiting.id}/cancel").status_code == 302
    db.session.refresh(waiting)
    assert waiting.status == "cancelled"
    assert notified("gd.manager@test.example", "material_request_cancelled") == 1
    response = client.post(f"/partner/materials/requests/{decided.id}/cancel")
    assert response.status_code == 302
    db.session.refresh(decided)
    assert decided.status == "rejected"
    shown = page(client.get(f"/partner/materials/requests/{decided.id}"))
    assert "Only a request awaiting approval can be cancelled; this one is “Rejected”." in shown


# ---- deciding -------------------------------------------------------------------------------------


def test_approving_part_or_none_needs_a_reason_and_nothing_is_reserved_without_one(client, shop, db):
    req = make_request(shop, quantities={"poster": 40})
    line = req.lines[0]
    client.login("gd.manager@test.example")
    for decision in ("part", "none"):
        response = client.post(f"/materials/requests/{req.id}/decision", {
            "decision": decision, "warehouse_id": str(shop["store"].id), f"approved-{line.id}": "10", "reason": "  "})
        assert response.status_code == 400
        assert "Give the reason: the partner sees it." in page(response)
    assert level(shop["poster"], shop["store"]).reserved == 0
    db.session.refresh(req)
    assert req.status == "submitted"

    response = client.post(f"/materials/requests/{req.id}/decision", {"decision": "none", "reason": "Out of season"})
    assert response.status_code == 302
    db.session.refresh(req)
    assert req.status == "rejected" and req.lines[0].quantity_approved == 0
    assert level(shop["poster"], shop["store"]).reserved == 0
    assert notified("p1.admin@test.example", "material_request_rejected") == 1


def test_approving_all_reserves_everything_requested(client, shop, db):
    req = make_request(shop, quantities={"poster": 40, "bag": 5})
    client.login("admin@test.example")
    response = client.post(f"/materials/requests/{req.id}/decision",
                           {"decision": "all", "warehouse_id": str(shop["store"].id)})
    assert response.status_code == 302
    db.session.refresh(req)
    assert req.status == "approved" and [line.quantity_approved for line in req.lines] == [40, 5]
    assert req.warehouse_id == shop["store"].id and req.decided_by.email == "admin@test.example"
    assert level(shop["poster"], shop["store"]).available == 60
    assert level(shop["bag"], shop["store"]).available == 25


def test_bad_decisions_get_field_errors(client, shop, db):
    req = make_request(shop, quantities={"poster": 40})
    line = req.lines[0]
    client.login("gd.manager@test.example")
    url = f"/materials/requests/{req.id}/decision"
    cases = [
        ({"decision": "maybe"}, "Choose whether to approve all, part or none of the request."),
        ({"decision": "all"}, "Choose the warehouse the material comes from."),
        ({"decision": "all", "warehouse_id": "999999"}, "Choose the warehouse the material comes from."),
        ({"decision": "part", "warehouse_id": str(shop["store"].id), "reason": "r", f"approved-{line.id}": "41"},
         "At most the 40 requested."),
        ({"decision": "part", "warehouse_id": str(shop["store"].id), "reason": "r", f"approved-{line.id}": "-3"},
         "Enter a whole number, zero or more."),
        ({"decision": "part", "warehouse_id": str(shop["store"].id), "reason": "r", f"approved-{line.id}": "ten"},
         "Enter a whole number, zero or more."),
        ({"decision": "part", "warehouse_id": str(shop["store"].id), "reason": "r", f"approved-{line.id}": ""},
         "Enter the quantity approved (0 to 40)."),
        ({"decision": "part", "warehouse_id": str(shop["store"].id), "reason": "r", f"approved-{line.id}": "0"},
         "Nothing would be approved"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in page(response), data
    db.session.refresh(req)
    assert req.status == "submitted" and level(shop["poster"], shop["store"]).reserved == 0


def test_not_enough_stock_shows_the_message_and_reserves_nothing(client, shop, db):
    req = make_request(shop, quantities={"poster": 40, "bag": 31})  # 30 bags in stock
    client.login("gd.manager@test.example")
    response = client.post(f"/materials/requests/{req.id}/decision",
                           {"decision": "all", "warehouse_id": str(shop["store"].id)})
    assert response.status_code == 400
    assert "Not enough stock of Gift bag in Shenzhen central store: 30 available." in page(response)
    assert level(shop["poster"], shop["store"]).reserved == 0  # the posters' reservation was rolled back too
    assert level(shop["bag"], shop["store"]).reserved == 0
    db.session.refresh(req)
    assert req.status == "submitted"
    response = client.post(f"/materials/requests/{req.id}/decision",
                           {"decision": "all", "warehouse_id": str(shop["spare"].id)})  # the empty warehouse
    assert response.status_code == 400 and "Not enough stock of A2 poster in Guangzhou store: 0 available." in page(response)


def test_a_request_cannot_be_decided_twice(client, shop, db):
    req = make_request(shop, quantities={"poster": 10})
    client.login("gd.manager@test.example")
    url = f"/materials/requests/{req.id}/decision"
    assert client.post(url, {"decision": "all", "warehouse_id": str(shop["store"].id)}).status_code == 302
    again = client.post(url, {"decision": "all", "warehouse_id": str(shop["store"].id)})
    assert again.status_code == 400
    assert "This request was already decided or withdrawn (“Approved”): it cannot be decided again." in page(again)
    assert level(shop["poster"], shop["store"]).reserved == 10  # reserved once


# ---- statuses cannot be skipped -------------------------------------------------------------------


def test_nothing_is_shipped_before_approval_nor_received_before_shipment(make_client, shop, db):
    req = make_request(shop, quantities={"poster": 10})
    vendor, partner = make_client(), make_client()
    vendor.login("gd.manager@test.example")
    partner.login("p1.admin@test.example")
    shipped = vendor.post(f"/materials/requests/{req.id}/fulfilment",
                          {"method": "ship", "carrier": "SF", "tracking_number": "1"})
    assert shipped.status_code == 400
    assert "Only an approved request can be shipped or picked up; this one is “Awaiting approval”." in page(shipped)
    received = partner.post(f"/partner/materials/requests/{req.id}/receipt", {"note": ""})
    assert received.status_code == 400
    assert "Receipt can be confirmed once the material is shipped or picked up" in page(received)
    services.decide_request(req, user("gd.manager@test.example"), "all", warehouse=shop["store"])
    db.session.commit()
    received = partner.post(f"/partner/materials/requests/{req.id}/receipt", {"note": ""})
    assert received.status_code == 400 and "this request is “Approved”" in page(received)
    assert level(shop["poster"], shop["store"]).on_hand == 100
    db.session.refresh(req)
    assert req.status == "approved"


def test_fulfilment_cannot_be_recorded_twice(client, shop, db):
    req = make_request(shop, quantities={"poster": 10})
    services.decide_request(req, user("gd.manager@test.example"), "all", warehouse=shop["store"])
    db.session.commit()
    client.login("gd.manager@test.example")
    assert client.post(f"/materials/requests/{req.id}/fulfilment", {"method": "pickup"}).status_code == 302
    again = client.post(f"/materials/requests/{req.id}/fulfilment", {"method": "pickup"})
    assert again.status_code == 400 and "this one is “Picked up”" in page(again)
    posters = level(shop["poster"], shop["store"])
    assert (posters.on_hand, posters.reserved) == (90, 0)


# ---- fulfilment -----------------------------------------------------------------------------------


def test_a_shipment_needs_carrier_and_tracking_number_a_pick_up_does_not(make_client, shop, db):
    req = make_request(shop, quantities={"poster": 10})
    services.decide_request(req, user("gd.manager@test.example"), "all", warehouse=shop["store"])
    db.session.commit()
    vendor = make_client()
    vendor.login("gd.manager@test.example")
    url = f"/materials/requests/{req.id}/fulfilment"
    response = vendor.post(url, {"method": "ship", "carrier": " ", "tracking_number": ""})
    assert response.status_code == 400
    assert "Enter the carrier." in page(response) and "Enter the tracking number." in page(response)
    response = vendor.post(url, {"method": "teleport"})
    assert response.status_code == 400 and "Choose shipment or pick-up." in page(response)
    assert level(shop["poster"], shop["store"]).on_hand == 100

    assert vendor.post(url, {"method": "pickup"}).status_code == 302
    db.session.refresh(req)
    assert req.status == "picked_up" and req.carrier is None and req.fulfilled_by.email == "gd.manager@test.example"
    assert notified("p1.staff@test.example", "material_request_picked_up") == 1
    partner = make_client()
    partner.login("p1.staff@test.example")
    shown = page(partner.get(f"/partner/materials/requests/{req.id}"))
    assert "Picked up at Shenzhen central store" in shown and "Confirm receipt" in shown
    assert partner.post(f"/partner/materials/requests/{req.id}/receipt", {"note": ""}).status_code == 302
    db.session.refresh(req)
    assert req.status == "received" and req.received_by.email == "p1.staff@test.example"


def test_withdrawing_an_approval_releases_the_reserved_stock(client, shop, db):
    req = make_request(shop, quantities={"poster": 30})
    services.decide_request(req, user("gd.manager@test.example"), "all", warehouse=shop["store"])
    db.session.commit()
    assert level(shop["poster"], shop["store"]).available == 70
    client.login("gd.manager@test.example")
    url = f"/materials/requests/{req.id}/withdraw"
    response = client.post(url, {"withdraw_reason": ""})
    assert response.status_code == 400 and "Give the reason: the partner sees it." in page(response)
    assert client.post(url, {"withdraw_reason": "The campaign was called off"}).status_code == 302
    db.session.refresh(req)
    assert req.status == "cancelled"
    posters = level(shop["poster"], shop["store"])
    assert (posters.on_hand, posters.reserved) == (100, 0)
    release = db.session.scalar(sa.select(StockMovement).where(StockMovement.request_id == req.id,
                                                               StockMovement.kind == "release"))
    assert release.reserved_delta == -30 and "called off" in release.reason
    assert notified("p1.admin@test.example", "material_request_withdrawn") == 1
    assert ledger_totals(shop["poster"].id, shop["store"].id) == (100, 0)


# ---- bad input and the gate -----------------------------------------------------------------------


def test_bad_requests_get_field_errors_and_nothing_is_stored(client, shop, partners, db):
    client.login("p1.admin@test.example")
    today = business_today()
    cases = [
        (request_form(shop, {}), "Enter a quantity for at least one item."),
        (request_form(shop, {"poster": "0"}), "Enter a whole number greater than zero."),
        (request_form(shop, {"poster": "-5"}), "Enter a whole number greater than zero."),
        (request_form(shop, {"poster": "2.5"}), "Enter a whole number greater than zero."),
        (request_form(shop, {"poster": "lots"}), "Enter a whole number greater than zero."),
        (request_form(shop, {"poster": "²"}), "Enter a whole number greater than zero."),
        (request_form(shop, {"poster": "9" * 5000}), "Enter a whole number greater than zero."),
        (request_form(shop, {"poster": "1e3"}), "Enter a whole number greater than zero."),
        (request_form(shop, {"retired": "5"}), "Choose items from the current catalogue."),
        (request_form(shop, outlet_ids=""), "Choose the outlets where the material will be used."),
        (request_form(shop, outlet_ids=str(shop["westlake"].id)), "Choose among your organisation"),
        (request_form(shop, outlet_ids=str(shop["closed"].id)), "Choose among your organisation"),
        (request_form(shop, outlet_ids="abc"), "Choose among your organisation"),
        (request_form(shop, campaign="  "), "Name the campaign or occasion."),
        (request_form(shop, campaign="x" * 201), "At most 200 characters."),
        (request_form(shop, plan=""), "Describe how the material will be used"),
        (request_form(shop, starts_on=""), "Enter the date the campaign starts."),
        (request_form(shop, ends_on="31/12/2026"), "Enter a date as YYYY-MM-DD."),
        (request_form(shop, ends_on=today.replace(year=today.year - 1).isoformat(),
                      starts_on=today.replace(year=today.year - 1).isoformat()), "This campaign is already over"),
        (request_form(shop, starts_on=today.isoformat(), ends_on=(today.replace(day=1)).isoformat())
         if today.day > 1 else request_form(shop, starts_on="2999-01-02", ends_on="2999-01-01"),
         "The campaign cannot end before it starts."),
    ]
    for data, message in cases:
        response = client.post(NEW, data)
        assert response.status_code == 400, data
        assert message in page(response), (message, data)
    assert db.session.scalar(sa.select(sa.func.count(MaterialRequest.id))) == 0
    # What was typed stays in the form.
    response = client.post(NEW, request_form(shop, {"poster": "12", "bag": "x"}))
    assert re.search(rf'name="quantity-{shop["poster"].id}" value="12"', page(response))


def test_a_partner_without_open_outlets_says_where_in_the_plan(client, shop, db):
    shop["westlake"].active = False
    db.session.commit()
    client.login("p2.admin@test.example")
    assert "has no open outlet on file" in page(client.get(NEW))
    response, req = submit(client, shop, {"poster": 5}, outlet_ids="")
    assert response.status_code == 302 and req.outlets == [] and req.partner.name == "Partner Two Retail"


def test_the_training_gate_refuses_requests_with_its_message(client, shop, partners, db):
    from datetime import datetime, timezone

    from portal.core.settings import set_setting
    from portal.training.models import CurriculumRule, TrainingModule

    module = TrainingModule(title_en="Material rules", title_zh="物料规则", status="published")
    db.session.add(module)
    db.session.flush()
    db.session.add(CurriculumRule(module_id=module.id, due_days=30, active=True,
                                  created_at=datetime.now(timezone.utc)))
    set_setting("training_required_for_materials", True)
    db.session.commit()
    client.login("p1.admin@test.example")
    message = "Promotional material can be ordered once your team has completed its required training"
    form = page(client.get(NEW))
    assert message in form and "2 person(s)" in form and 'name="campaign"' not in form
    assert NEW not in page(client.get("/partner/materials/requests"))  # no "request material" button
    response, _req = submit(client, shop)
    assert response.status_code == 400 and message in page(response)
    assert db.session.scalar(sa.select(sa.func.count(MaterialRequest.id))) == 0

    set_setting("training_required_for_materials", False)
    db.session.commit()
    response, req = submit(client, shop)
    assert response.status_code == 302 and req is not None


def test_vendor_and_applicants_cannot_request_and_partners_cannot_decide(make_client, shop, db):
    req = make_request(shop)
    manager = make_client()
    manager.login("gd.manager@test.example")
    assert manager.get(NEW).status_code == 403
    partner = make_client()
    partner.login("p1.admin@test.example")
    assert partner.post(f"/materials/requests/{req.id}/decision", {"decision": "all"}).status_code == 403
    assert partner.get("/materials/requests").status_code == 403
