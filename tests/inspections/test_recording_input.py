"""Bad input on the inspection form is answered next to the field, and nothing is recorded."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.core.i18n import business_today
from portal.core.models import StoredFile
from portal.inspections.models import Inspection, Rectification
from tests.inspections.conftest import GD_MANAGER, JPEG, PDF, items_of, kinds_for, text, upload


@pytest.fixture
def form(login, cast, checklist):
    """The manager's client, the form's URL and a valid submission to spoil."""
    publicity, prices, service = items_of(checklist)
    today = business_today()
    data = {"kind": "planned", "inspected_on": today.isoformat(),
            "deadline": (today + timedelta(days=14)).isoformat(),
            f"score_{publicity.id}": "3", f"score_{prices.id}": "8", f"score_{service.id}": "16"}
    return login(GD_MANAGER), f"/inspections/new?outlet={cast['futian'].id}&checklist={checklist.id}", data


def nothing_recorded(db):
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Rectification.id))) == 0


def error_of(page, field_id):
    """The error shown under a field (tied to it by aria-describedby)."""
    import re

    match = re.search(rf'id="{field_id}-error">([^<]*)<', page)
    return match.group(1).strip() if match else None


@pytest.mark.parametrize("value, message", [
    ("11", "The score is a whole number from 0 to 10."),
    ("-1", "The score is a whole number from 0 to 10."),
    ("7.5", "The score is a whole number from 0 to 10."),
    ("seven", "The score is a whole number from 0 to 10."),
    ("99999999999999999999", "The score is a whole number from 0 to 10."),
    ("", "Score this item, from 0 to 10."),
])
def test_a_score_out_of_range_or_missing_is_a_field_error(value, message, form, checklist, db):
    client, url, data = form
    publicity = items_of(checklist)[0]
    response = client.post(url, {**data, f"score_{publicity.id}": value})
    assert response.status_code == 400
    assert error_of(text(response), f"score_{publicity.id}") == message
    nothing_recorded(db)


def test_every_item_must_be_scored(form, checklist, db):
    client, url, data = form
    response = client.post(url, {k: v for k, v in data.items() if not k.startswith("score_")})
    page = text(response)
    assert response.status_code == 400
    for item in items_of(checklist):
        assert error_of(page, f"score_{item.id}") == f"Score this item, from 0 to {item.max_score}."
    assert "Please correct the fields marked below." in page
    nothing_recorded(db)


def test_a_visit_cannot_be_dated_in_the_future_or_left_undated(form, db):
    client, url, data = form
    tomorrow = (business_today() + timedelta(days=1)).isoformat()
    future = client.post(url, {**data, "inspected_on": tomorrow})
    assert future.status_code == 400
    assert error_of(text(future), "inspected_on") == "The inspection date cannot be in the future."
    missing = client.post(url, {**data, "inspected_on": ""})
    assert error_of(text(missing), "inspected_on") == "Enter the date of the inspection."
    garbled = client.post(url, {**data, "inspected_on": "26-1-5"})
    assert error_of(text(garbled), "inspected_on") == "Enter a date as YYYY-MM-DD."
    nothing_recorded(db)


def test_the_deadline_cannot_be_in_the_past_or_too_far(form, db):
    client, url, data = form
    past = client.post(url, {**data, "deadline": (business_today() - timedelta(days=1)).isoformat()})
    assert past.status_code == 400 and error_of(text(past), "deadline") == "The deadline cannot be in the past."
    far = client.post(url, {**data, "deadline": (business_today() + timedelta(days=400)).isoformat()})
    assert error_of(text(far), "deadline") == "Give at most 365 days to rectify."
    nothing_recorded(db)


def test_an_unknown_kind_is_refused(form, db):
    client, url, data = form
    response = client.post(url, {**data, "kind": "audit"})
    assert error_of(text(response), "kind") == "Choose a planned inspection or a mystery shop."
    nothing_recorded(db)


def test_photos_must_be_png_or_jpeg_and_nothing_is_kept_when_one_is_not(form, db):
    client, url, data = form
    response = client.post(url, {**data, "photos": [upload(name="ok.png"), upload(PDF, "report.pdf")]})
    assert response.status_code == 400
    assert error_of(text(response), "photos") == ("The file report.pdf is not a PNG or JPEG photo. "
                                                  "Please attach PNG or JPEG photos.")
    nothing_recorded(db)
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
    jpeg = client.post(url, {**data, "photos": [upload(JPEG, "counter.jpg"), upload(name="door.png")]})
    assert jpeg.status_code == 302
    inspection = db.session.scalar(sa.select(Inspection))
    assert sorted(p.file.content_type for p in inspection.photos) == ["image/jpeg", "image/png"]


def test_notes_that_are_too_long_are_field_errors(form, checklist, db):
    client, url, data = form
    publicity = items_of(checklist)[0]
    response = client.post(url, {**data, f"note_{publicity.id}": "x" * 501, "notes": "y" * 5001})
    page = text(response)
    assert error_of(page, f"note_{publicity.id}") == "At most 500 characters."
    assert error_of(page, "notes") == "At most 5000 characters."
    nothing_recorded(db)


def test_a_form_without_its_csrf_token_is_refused(form, db):
    client, url, data = form
    assert client.post(url, data, csrf=False).status_code == 400
    nothing_recorded(db)
    assert kinds_for("p1.admin@test.example", db) == []


def test_a_closed_outlet_cannot_be_inspected(form, cast, db):
    client, url, data = form
    cast["futian"].active = False
    db.session.commit()
    page = client.get(url)
    assert page.status_code == 200
    assert "This outlet is closed or its partner is not active: choose another." in text(page)
    assert client.post(url, data).status_code == 400
    nothing_recorded(db)


def test_odd_choices_in_the_address_lead_back_to_the_first_step(login, cast, checklist):
    client = login(GD_MANAGER)
    for query in ("outlet=abc&checklist=x", "outlet=99999999999999&checklist=1", f"outlet=0&checklist={checklist.id}",
                  f"outlet={cast['futian'].id}&checklist=999999"):
        response = client.get(f"/inspections/new?{query}")
        assert response.status_code == 200, query
        assert "Step 1 of 2" in text(response)
    assert "Step 1 of 2" in text(client.get(f"/inspections/new?outlet={cast['futian'].id}&checklist={checklist.id}"
                                            "&change=1"))


def test_a_withdrawn_checklist_cannot_be_used(login, cast, checklist, db):
    checklist.active = False
    db.session.commit()
    client = login(GD_MANAGER)
    page = text(client.get(f"/inspections/new?outlet={cast['futian'].id}&checklist={checklist.id}"))
    assert "This checklist is withdrawn or has no active item: choose another." in page
    assert "There is no checklist with active items yet." in page


def test_odd_list_filters_and_pages_show_an_empty_list(login, inspect):
    inspect()
    client = login(GD_MANAGER)
    for url in ("/inspections/?partner=abc&outlet=99999999999999&from=2026-13-01&to=x&page=99999999999999999",
                "/inspections/rectifications?status=nonsense&partner=-1&page=-3",
                "/partner/inspections/?page=abc"):
        assert client.get(url).status_code in (200, 403), url
    assert "No inspection matches these filters." in text(client.get("/inspections/?page=999"))
