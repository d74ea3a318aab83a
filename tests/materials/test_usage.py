"""After the campaign the partner reports what was handed out and what is left; the vendor
reviews the report against the plan."""
import sqlalchemy as sa

from portal.materials import request_services as services
from portal.materials.models import UsageReport
from tests.materials.request_fixtures import make_request, shop, user  # noqa: F401


def page(response):
    return response.get_data(as_text=True)


def received(shop, db, quantities=None, email="p1.admin@test.example"):
    """A request approved in full, shipped and received."""
    req = make_request(shop, quantities=quantities or {"poster": 20, "bag": 5}, email=email)
    manager = user("gd.manager@test.example" if email.startswith("p1") else "zj.manager@test.example")
    services.decide_request(req, manager, "all", warehouse=shop["store"])
    services.fulfil_request(req, manager, "ship", "SF Express", "SF42")
    services.confirm_receipt(req, user(email), "All fine")
    db.session.commit()
    return req


def usage_form(req, figures, note=""):
    data = {"note": note}
    for line in req.lines:
        handed_out, remaining = figures.get(line.item.code, ("", ""))
        data[f"handed_out-{line.id}"] = str(handed_out)
        data[f"remaining-{line.id}"] = str(remaining)
    return data


def test_usage_is_reported_once_per_line_and_reviewed(make_client, shop, db):
    req = received(shop, db)
    partner = make_client()
    partner.login("p1.staff@test.example")
    url = f"/partner/materials/requests/{req.id}/usage"
    form = page(partner.get(url))
    assert "A2 poster" in form and "Gift bag" in form and "Send the usage report" in form
    response = partner.post(url, usage_form(req, {"POSTER-A2": (15, 5), "GIFT-BAG": (4, 0)}, note="Good turnout"))
    assert response.status_code == 302
    report = db.session.scalar(sa.select(UsageReport).where(UsageReport.request_id == req.id))
    assert report.note == "Good turnout" and report.submitted_by.email == "p1.staff@test.example"
    assert sorted((row.handed_out, row.remaining) for row in report.lines) == [(4, 0), (15, 5)]
    shown = page(partner.get(url))
    assert "Send the usage report" not in shown and "1 not accounted for" in shown  # 5 bags: 4 + 0

    # Reported once: a second report is refused.
    again = partner.post(url, usage_form(req, {"POSTER-A2": (20, 0), "GIFT-BAG": (5, 0)}))
    assert again.status_code == 400 and "The usage of this request is already reported." in page(again)
    assert db.session.scalar(sa.select(sa.func.count(UsageReport.id))) == 1

    # The manager queries it (a note is required), then accepts it.
    vendor = make_client()
    vendor.login("gd.manager@test.example")
    review = f"/materials/requests/{req.id}/review"
    refused = vendor.post(review, {"outcome": "queried", "review_note": ""})
    assert refused.status_code == 400 and "Say what is queried: the partner sees it." in page(refused)
    refused = vendor.post(review, {"outcome": "maybe"})
    assert refused.status_code == 400 and "Choose whether the report is accepted or queried." in page(refused)
    assert vendor.post(review, {"outcome": "queried", "review_note": "Where is the fifth bag?"}).status_code == 302
    db.session.refresh(req)
    assert req.status == "usage_reported" and req.usage_report.review_outcome == "queried"
    mine = page(partner.get(f"/partner/materials/requests/{req.id}"))
    assert "Where is the fifth bag?" in mine and "Queried by Gd.Manager" in mine
    assert vendor.post(review, {"outcome": "accepted", "review_note": "Explained by phone"}).status_code == 302
    db.session.refresh(req)
    assert req.status == "closed" and req.usage_report.reviewed_by.email == "gd.manager@test.example"
    history = page(partner.get(f"/partner/materials/requests/{req.id}"))
    assert "Usage report reviewed: Queried" in history and "Usage report reviewed: Accepted" in history
    closed = vendor.post(review, {"outcome": "accepted"})
    assert closed.status_code == 400 and "There is no usage report awaiting review" in page(closed)


def test_bad_figures_get_field_errors_and_nothing_is_stored(client, shop, db):
    req = received(shop, db, quantities={"poster": 20})
    client.login("p1.admin@test.example")
    url = f"/partner/materials/requests/{req.id}/usage"
    line = req.lines[0]
    cases = [
        ({f"handed_out-{line.id}": "15", f"remaining-{line.id}": "6"},
         "Handed out and left together can be at most the 20 you received."),
        ({f"handed_out-{line.id}": "-1", f"remaining-{line.id}": "0"}, "Enter a whole number, zero or more."),
        ({f"handed_out-{line.id}": "10", f"remaining-{line.id}": "-2"}, "Enter a whole number, zero or more."),
        ({f"handed_out-{line.id}": "ten", f"remaining-{line.id}": "0"}, "Enter a whole number, zero or more."),
        ({f"handed_out-{line.id}": "³", f"remaining-{line.id}": "0"}, "Enter a whole number, zero or more."),
        ({f"handed_out-{line.id}": "", f"remaining-{line.id}": "0"}, "Enter how many were handed out (0 or more)."),
        ({f"handed_out-{line.id}": "3", f"remaining-{line.id}": ""}, "Enter how many are left (0 or more)."),
        ({f"handed_out-{line.id}": "3", f"remaining-{line.id}": "1", f"note-{line.id}": "x" * 301},
         "At most 300 characters."),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in page(response), (message, data)
    assert db.session.scalar(sa.select(sa.func.count(UsageReport.id))) == 0
    response = client.post(url, {f"handed_out-{line.id}": "15", f"remaining-{line.id}": "6"})
    assert f'name="handed_out-{line.id}"' in page(response) and 'value="15"' in page(response)  # kept
    assert client.post(url, {f"handed_out-{line.id}": "20", f"remaining-{line.id}": "0"}).status_code == 302


def test_usage_cannot_be_reported_before_receipt(client, shop, db):
    req = make_request(shop, quantities={"poster": 10})
    manager = user("gd.manager@test.example")
    client.login("p1.admin@test.example")
    url = f"/partner/materials/requests/{req.id}/usage"
    line = req.lines[0]
    figures = {f"handed_out-{line.id}": "5", f"remaining-{line.id}": "5"}
    for step in (None, lambda: services.decide_request(req, manager, "all", warehouse=shop["store"]),
                 lambda: services.fulfil_request(req, manager, "pickup")):
        if step:
            step()
            db.session.commit()
        db.session.refresh(req)
        label = req.status_label
        assert f"Usage can be reported once you have confirmed receipt; this request is “{label}”." in \
            page(client.get(url))
        response = client.post(url, figures)
        assert response.status_code == 400
        assert f"Usage can be reported once you have confirmed receipt; this request is “{label}”." in page(response)
    assert db.session.scalar(sa.select(sa.func.count(UsageReport.id))) == 0


def test_the_vendor_cannot_review_before_a_report_nor_the_partner_review(make_client, shop, db):
    req = received(shop, db, quantities={"poster": 10})
    vendor = make_client()
    vendor.login("gd.manager@test.example")
    response = vendor.post(f"/materials/requests/{req.id}/review", {"outcome": "accepted"})
    assert response.status_code == 400
    assert "There is no usage report awaiting review on this request (“Received”)." in page(response)
    partner = make_client()
    partner.login("p1.admin@test.example")
    assert partner.post(f"/materials/requests/{req.id}/review", {"outcome": "accepted"}).status_code == 403


def test_another_partners_usage_report_answers_404(make_client, shop, db):
    theirs = received(shop, db, quantities={"poster": 10}, email="p2.admin@test.example")
    line = theirs.lines[0]
    two = make_client()
    two.login("p2.admin@test.example")
    assert two.post(f"/partner/materials/requests/{theirs.id}/usage",
                    {f"handed_out-{line.id}": "10", f"remaining-{line.id}": "0"}).status_code == 302
    one = make_client()
    one.login("p1.admin@test.example")
    assert one.get(f"/partner/materials/requests/{theirs.id}/usage").status_code == 404
    assert one.post(f"/partner/materials/requests/{theirs.id}/usage",
                    {f"handed_out-{line.id}": "1", f"remaining-{line.id}": "0"}).status_code == 404
    gd = make_client()
    gd.login("gd.manager@test.example")  # Partner Two is not the Guangdong manager's
    assert gd.get(f"/materials/requests/{theirs.id}").status_code == 404
    assert gd.post(f"/materials/requests/{theirs.id}/review", {"outcome": "accepted"}).status_code == 404
    zj = make_client()
    zj.login("zj.manager@test.example")
    assert "10" in page(zj.get(f"/materials/requests/{theirs.id}"))
    assert zj.post(f"/materials/requests/{theirs.id}/review", {"outcome": "accepted"}).status_code == 302
