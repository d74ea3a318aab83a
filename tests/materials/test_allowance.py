"""The per-partner, per-quarter allowance of promotional material: by value and by quantity,
counting what is approved and what awaits approval; and the page where it is kept."""
from decimal import Decimal

import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.i18n import business_quarter, business_today
from portal.materials import request_services as services
from portal.materials.models import MaterialAllowance, MaterialRequest
from tests.materials.request_fixtures import level, make_request, shop, submit, user  # noqa: F401


def page(response):
    return response.get_data(as_text=True)


def quarter():
    return business_quarter(business_today())


def limit(db, partner=None, item=None, value=None, quantity=None):
    row = MaterialAllowance(partner_id=partner.id if partner else None, item_id=item.id if item else None,
                            max_value=Decimal(value) if value is not None else None, max_quantity=quantity)
    db.session.add(row)
    db.session.commit()
    return row


def count_requests(db):
    return db.session.scalar(sa.select(sa.func.count(MaterialRequest.id)))


def test_value_limit_counts_pending_and_approved_and_says_what_remains(client, shop, db):
    limit(db, value="200.00")  # the default for every partner
    client.login("p1.admin@test.example")
    assert submit(client, shop, {"poster": 40})[0].status_code == 302  # ¥100.00, pending
    assert submit(client, shop, {"bag": 5})[0].status_code == 302  # ¥100.00, pending: exactly the limit
    response, _ = submit(client, shop, {"poster": 1})
    assert response.status_code == 400
    assert (f"The value allowance for {quarter()} is ¥200.00: ¥0.00 is already approved and ¥200.00 awaits "
            f"approval this quarter, so ¥0.00 remains, and this asks for ¥2.50.") in page(response)
    assert count_requests(db) == 2

    # 20 of the 40 posters approved: ¥50.00 approved, ¥100.00 (the bags) still pending, ¥50.00 left.
    posters = db.session.scalar(sa.select(MaterialRequest).order_by(MaterialRequest.id).limit(1))
    services.decide_request(posters, user("gd.manager@test.example"), "part", warehouse=shop["store"],
                            approved={posters.lines[0].id: "20"}, reason="Half now")
    db.session.commit()
    response, _ = submit(client, shop, {"poster": 21})  # ¥52.50
    assert response.status_code == 400
    assert ("¥50.00 is already approved and ¥100.00 awaits approval this quarter, so ¥50.00 remains, and this "
            "asks for ¥52.50.") in page(response)
    assert submit(client, shop, {"poster": 20})[0].status_code == 302  # ¥50.00 fits exactly


def test_quantity_limit_of_one_item(client, shop, db):
    limit(db, item=shop["poster"], quantity=50)
    client.login("p1.staff@test.example")
    assert submit(client, shop, {"poster": 30})[0].status_code == 302
    response, _ = submit(client, shop, {"poster": 25, "bag": 1})
    assert response.status_code == 400
    assert (f"The allowance of A2 poster for {quarter()} is 50 piece: 0 are already approved and 30 await approval "
            f"this quarter, so 20 remain, and this asks for 25.") in page(response)
    assert submit(client, shop, {"poster": 20, "bag": 25})[0].status_code == 302  # bags are not limited


def test_rejected_and_cancelled_requests_do_not_count(shop, db):
    limit(db, item=shop["poster"], quantity=50)
    rejected = make_request(shop, quantities={"poster": 50})
    services.decide_request(rejected, user("gd.manager@test.example"), "none", reason="No")
    cancelled = make_request(shop, quantities={"poster": 50})
    services.cancel_request(cancelled, user("p1.admin@test.example"))
    db.session.commit()
    assert make_request(shop, quantities={"poster": 50}).status == "submitted"


def test_a_partners_own_limit_replaces_the_default(make_client, shop, partners, db):
    limit(db, value="100.00")
    limit(db, partner=partners["one"], value="1000.00")
    one, two = make_client(), make_client()
    one.login("p1.admin@test.example")
    two.login("p2.admin@test.example")
    assert submit(one, shop, {"bag": 10}, outlet_ids=str(shop["futian"].id))[0].status_code == 302  # ¥200 ≤ ¥1000
    response, _ = submit(two, shop, {"bag": 10}, outlet_ids=str(shop["westlake"].id))
    assert response.status_code == 400 and "The value allowance for" in page(response) and "¥100.00" in page(response)


def test_the_limits_and_what_is_left_are_shown_on_the_request_form(client, shop, db):
    limit(db, value="500.00")
    limit(db, item=shop["poster"], quantity=80)
    make_request(shop, quantities={"poster": 30})
    client.login("p1.staff@test.example")
    form = page(client.get("/partner/materials/requests/new"))
    assert f"Your allowance for {quarter()}" in form
    assert "¥500.00" in form and "¥75.00" in form and "¥425.00" in form  # limit, pending, remaining
    assert "A2 poster (piece)" in form and ">80<" in form and ">50<" in form


def test_approval_checks_the_allowance_again_and_reserves_nothing_over_it(client, shop, partners, db):
    req = make_request(shop, quantities={"poster": 60})
    limit(db, partner=partners["one"], item=shop["poster"], quantity=50)  # set after the request was made
    client.login("gd.manager@test.example")
    response = client.post(f"/materials/requests/{req.id}/decision",
                           {"decision": "all", "warehouse_id": str(shop["store"].id)})
    assert response.status_code == 400
    assert (f"The allowance of A2 poster for {quarter()} is 50 piece: 0 are already approved and 0 await approval "
            f"this quarter, so 50 remain, and this asks for 60.") in page(response)
    assert level(shop["poster"], shop["store"]).reserved == 0
    response = client.post(f"/materials/requests/{req.id}/decision", {
        "decision": "part", "warehouse_id": str(shop["store"].id), f"approved-{req.lines[0].id}": "50",
        "reason": "Your quarterly allowance is 50"})
    assert response.status_code == 302
    assert level(shop["poster"], shop["store"]).reserved == 50


# ---- the allowances page ------------------------------------------------------------------------


def test_an_admin_sets_a_default_and_a_partner_limit_and_changes_are_audited(client, shop, partners, db):
    client.login("admin@test.example")
    assert "No limit is set" in page(client.get("/materials/allowances"))
    assert client.post("/materials/allowances/new", {"partner_id": "", "item_id": "", "max_value": "3,000.50",
                                                     "note": "Standard"}).status_code == 302
    assert client.post("/materials/allowances/new", {"partner_id": str(partners["one"].id),
                                                     "item_id": str(shop["poster"].id), "max_quantity": "200",
                                                     "max_value": ""}).status_code == 302
    listing = page(client.get("/materials/allowances"))
    assert "Every partner (the default)" in listing and "¥3,000.50" in listing
    assert "Partner One Trading" in listing and "200 piece" in listing
    row = db.session.scalar(sa.select(MaterialAllowance).where(MaterialAllowance.item_id == shop["poster"].id))
    assert client.post(f"/materials/allowances/{row.id}/edit", {
        "partner_id": str(partners["one"].id), "item_id": str(shop["poster"].id), "max_quantity": "150",
        "max_value": "300"}).status_code == 302
    db.session.refresh(row)
    assert (row.max_quantity, row.max_value) == (150, Decimal("300.00"))
    change = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "MaterialAllowance",
                                                         AuditLog.field == "max_quantity"))
    assert (change.old_value, change.new_value, change.actor.email) == ("200", "150", "admin@test.example")
    row_id = row.id
    assert client.post(f"/materials/allowances/{row_id}/delete").status_code == 302
    assert db.session.scalar(sa.select(MaterialAllowance).where(MaterialAllowance.id == row_id)) is None
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "MaterialAllowance",
                                                       AuditLog.action == "delete")) is not None


def test_bad_limits_get_field_errors(client, shop, partners, db):
    limit(db, value="100.00")
    client.login("admin@test.example")
    cases = [
        ({"item_id": "", "max_value": "abc"}, "Enter an amount greater than zero, in yuan with at most two decimals."),
        ({"item_id": "", "max_value": "-5"}, "Enter an amount greater than zero"),
        ({"item_id": "", "max_value": "1.005"}, "Enter an amount greater than zero"),
        ({"item_id": "", "max_value": "1e100"}, "Enter an amount greater than zero"),
        ({"item_id": "", "max_value": "NaN"}, "Enter an amount greater than zero"),
        ({"item_id": str(shop["poster"].id), "max_quantity": "9" * 5000}, "Enter a whole number greater than zero."),
        ({"item_id": "", "max_value": "", "max_quantity": "5"}, "A quantity limit is for one item: choose the item."),
        ({"item_id": str(shop["poster"].id), "max_quantity": "0"}, "Enter a whole number greater than zero."),
        ({"item_id": str(shop["poster"].id), "max_quantity": "1.5"}, "Enter a whole number greater than zero."),
        ({"item_id": str(shop["poster"].id)}, "Enter a quantity limit, a value limit, or both."),
        ({"item_id": str(shop["retired"].id), "max_quantity": "5"}, "Choose an item from the catalogue."),
        ({"item_id": "999999", "max_quantity": "5"}, "Choose an item from the catalogue."),
        ({"item_id": "", "max_value": "50"}, "There is already a limit for this partner and item"),
        ({"partner_id": "999999", "item_id": "", "max_value": "50"}, "Choose one of the partners you look after."),
        ({"item_id": "", "max_value": "50", "note": "x" * 301}, "At most 300 characters."),
    ]
    for data, message in cases:
        response = client.post("/materials/allowances/new", {"partner_id": "", **data})
        assert response.status_code == 400, data
        assert message in page(response), (message, data)
    assert db.session.scalar(sa.select(sa.func.count(MaterialAllowance.id))) == 1


def test_managers_keep_the_limits_of_their_own_partners_only(make_client, shop, partners, db):
    default = limit(db, value="100.00")
    theirs = limit(db, partner=partners["two"], value="300.00")
    gd = make_client()
    gd.login("gd.manager@test.example")
    listing = page(gd.get("/materials/allowances"))
    assert "Every partner (the default)" in listing and "Partner Two Retail" not in listing
    form = page(gd.get("/materials/allowances/new"))
    assert "Partner One Trading" in form and "Partner Two Retail" not in form and "(the default)" not in form
    response = gd.post("/materials/allowances/new", {"partner_id": "", "item_id": "", "max_value": "50"})
    assert response.status_code == 400 and "Only an administrator may set the default limits" in page(response)
    response = gd.post("/materials/allowances/new", {"partner_id": str(partners["two"].id), "item_id": "",
                                                    "max_value": "50"})
    assert response.status_code == 400 and "Choose one of the partners you look after." in page(response)
    assert gd.get(f"/materials/allowances/{default.id}/edit").status_code == 403
    assert gd.get(f"/materials/allowances/{theirs.id}/edit").status_code == 404
    assert gd.post(f"/materials/allowances/{theirs.id}/delete").status_code == 404
    assert gd.post("/materials/allowances/new", {"partner_id": str(partners["one"].id), "item_id": "",
                                                 "max_value": "800"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(MaterialAllowance.id))) == 3
