"""The rules behind the access table (tests/test_access.py), tried with two of each."""
from portal.core import storage
from portal.recruitment.services import add_document

from tests.access import PDF


def test_an_applicant_sees_only_their_own_application(client, people, make_prospect, db):
    mine = make_prospect("Mine Co", "GD-SZ", owner=people["manager"], applicant=people["applicant"])
    theirs = make_prospect("Theirs Co", "ZJ-HZ", owner=people["other_manager"], applicant=people["other_applicant"])
    stored = storage.store_bytes(PDF, "theirs.pdf", "application/pdf", people["other_applicant"])
    doc = add_document(theirs, stored, "other", None, people["other_applicant"])
    db.session.commit()
    client.login("applicant1@test.example")
    page = client.get("/my-application").get_data(as_text=True)
    assert "Mine Co" in page and "Theirs Co" not in page
    assert client.get(f"/my-application/{theirs.id}").status_code == 404
    assert client.get(f"/my-application/{theirs.id}/documents/{doc.id}").status_code == 404
    assert client.post(f"/my-application/{theirs.id}/messages", {"body": "hi"}).status_code == 404
    assert client.get(f"/my-application/{mine.id}/documents/{doc.id}").status_code == 404  # not on my prospect
    assert client.get(f"/pipeline/prospects/{mine.id}").status_code == 403


def test_managers_see_their_territories_their_own_and_the_queue_only(client, make_client, people, make_prospect):
    in_gd = make_prospect("Guangzhou Co", "GD-GZ")  # unowned? no: give it the GD manager
    in_gd.owner_id = people["manager"].id
    in_zj = make_prospect("Hangzhou Co", "ZJ-HZ", owner=people["other_manager"])
    queued = make_prospect("Lhasa Co", "XZ")  # nobody covers Tibet: unassigned
    owned_elsewhere = make_prospect("Tibet Owned", "XZ", owner=people["manager"])
    from portal.extensions import db

    db.session.commit()
    client.login("gd.manager@test.example")
    listing = client.get("/pipeline/prospects").get_data(as_text=True)
    assert "Guangzhou Co" in listing and "Lhasa Co" in listing and "Tibet Owned" in listing
    assert "Hangzhou Co" not in listing
    assert client.get(f"/pipeline/prospects/{in_zj.id}").status_code == 404
    assert client.get(f"/pipeline/prospects/{queued.id}").status_code == 200
    # The queue is visible but must be claimed before it is worked.
    assert client.post(f"/pipeline/prospects/{queued.id}/stage", {"to_stage": "qualifying"}).status_code == 403

    other = make_client()
    other.login("zj.manager@test.example")
    listing = other.get("/pipeline/prospects").get_data(as_text=True)
    assert "Hangzhou Co" in listing and "Lhasa Co" in listing
    assert "Guangzhou Co" not in listing and "Tibet Owned" not in listing
    assert other.get(f"/pipeline/prospects/{owned_elsewhere.id}").status_code == 404
    assert other.get("/pipeline/prospects/export.csv").get_data(as_text=True).count("Guangzhou Co") == 0
