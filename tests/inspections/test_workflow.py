"""Recording inspections and the rectification workflow: open → answered → closed | escalated,
one step at a time, overdue after the deadline, and who is told at each step."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.errors import DomainError
from portal.core.i18n import business_today
from portal.inspections import services
from portal.inspections.models import Inspection, InspectionPhoto, Rectification, RectificationPhoto
from portal.notifications.services import render_text
from tests.inspections.conftest import (
    GD_MANAGER, P1_ADMIN, P1_STAFF, P2_ADMIN, items_of, kinds_for, notifications, photo, text, upload,
)


def only_order(inspection):
    orders = services.rectifications_of(inspection)
    assert len(orders) == 1
    return orders[0]


def user(email, db):
    from portal.accounts.models import User

    return db.session.scalar(sa.select(User).where(User.email == email))


def answered(inspect, cast, db, answer="New posters are up at the entrance."):
    order = only_order(inspect())
    services.answer_rectification(order, user(P1_ADMIN, db), cast["one"], answer, photos=[photo()])
    db.session.commit()
    return order


@pytest.fixture
def p1_admin(cast, db):
    return user(P1_ADMIN, db)


# ---- recording ------------------------------------------------------------------------------------------


def test_a_manager_records_an_inspection_and_a_failed_item_opens_an_order(login, cast, checklist, db, outbox):
    publicity, prices, service = items_of(checklist)
    today = business_today()
    client = login(GD_MANAGER)
    url = f"/inspections/new?outlet={cast['futian'].id}&checklist={checklist.id}"
    form = text(client.get(url))
    assert "Publicity materials displayed" in form and "Score, from 0 to 20 (passes from 12)" in form
    response = client.post(url, {
        "kind": "planned", "inspected_on": today.isoformat(), "deadline": (today + timedelta(days=14)).isoformat(),
        f"score_{publicity.id}": "4", f"note_{publicity.id}": "No posters at the entrance.",
        f"score_{prices.id}": "9", f"score_{service.id}": "15", "notes": "Busy Saturday.",
        "photos": [upload(name="entrance.png"), upload(name="counter.png")],
    })
    assert response.status_code == 302, text(response)
    inspection = db.session.scalar(sa.select(Inspection))
    assert response.headers["Location"].endswith(f"/inspections/{inspection.id}")
    assert inspection.number == f"IN-{today.year}-0001"
    assert (inspection.score, inspection.max_score, inspection.percent) == (28, 40, 70)
    assert (inspection.partner_id, inspection.outlet_id, inspection.kind) == (cast["one"].id, cast["futian"].id,
                                                                             "planned")
    assert inspection.inspector_id == cast["manager"].id and inspection.notes == "Busy Saturday."
    assert [(s.item_id, s.score, s.max_score, s.passed) for s in inspection.scores] == [
        (publicity.id, 4, 10, False), (prices.id, 9, 10, True), (service.id, 15, 20, True)]
    assert sorted(p.file.original_name for p in inspection.photos) == ["counter.png", "entrance.png"]
    assert {p.file.content_type for p in inspection.photos} == {"image/png"}
    order = only_order(inspection)
    assert order.number == f"RO-{today.year}-0001"
    assert (order.status, order.partner_id, order.outlet_id) == ("open", cast["one"].id, cast["futian"].id)
    assert order.score.item_id == publicity.id
    assert order.deadline == today + timedelta(days=14)
    assert order.required_action == "Publicity materials displayed\nNo posters at the entrance."
    page = text(client.get(response.headers["Location"]))
    assert "Inspection IN-" in page and "28 / 40 (70%)" in page and order.number in page
    # The partner's people are told, in their notifications and by e-mail; nobody else.
    assert kinds_for(P1_ADMIN, db) == ["inspection_orders"] and kinds_for(P1_STAFF, db) == ["inspection_orders"]
    assert kinds_for(P2_ADMIN, db) == [] and kinds_for(GD_MANAGER, db) == []
    message = render_text(notifications(P1_ADMIN, db)[0])
    assert message.startswith("Your outlet Futian Store was inspected on ")
    assert f"({inspection.number}): 28 of 40 points. Rectification orders to answer: 1, by " in message
    assert any(inspection.number in m.subject for m in outbox)


def test_an_inspection_where_everything_passes_opens_no_order(inspect, cast, db):
    inspection = inspect(marks=(10, 6, 12))
    assert (inspection.score, inspection.max_score) == (28, 40)
    assert services.rectifications_of(inspection) == []
    assert all(s.passed for s in inspection.scores)  # a score equal to the pass score passes
    assert kinds_for(P1_ADMIN, db) == ["inspection_recorded"]


def test_each_failed_item_gets_its_own_order_with_the_action_and_deadline_given(cast, checklist, db):
    publicity, prices, service = items_of(checklist)
    deadline = business_today() + timedelta(days=3)
    inspection = services.record_inspection(cast["manager"], cast["nanshan"], checklist, "mystery", business_today(), {
        publicity.id: {"score": "0", "note": "Nothing displayed."},
        prices.id: {"score": "5", "action": "Put a price tag on every handset."},
        service.id: {"score": "20"},
    }, deadline=deadline)
    db.session.commit()
    first, second = services.rectifications_of(inspection)
    assert first.number.endswith("-0001") and second.number.endswith("-0002")
    assert first.required_action == "Publicity materials displayed\nNothing displayed."
    assert second.required_action == "Put a price tag on every handset."
    assert first.deadline == second.deadline == deadline
    assert inspection.kind == "mystery" and (inspection.score, inspection.max_score) == (25, 40)


def test_numbers_count_on_within_the_year(inspect, db):
    first, second = inspect(), inspect()
    year = business_today().year
    assert (first.number, second.number) == (f"IN-{year}-0001", f"IN-{year}-0002")
    assert only_order(second).number == f"RO-{year}-0002"


def test_recording_writes_the_audit_trail(inspect, cast, db):
    inspection = inspect()
    order = only_order(inspection)
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type.in_(("Inspection", "Rectification")),
                                                        AuditLog.action == "create")).all()
    assert {(r.entity_type, r.entity_id) for r in rows} == {("Inspection", str(inspection.id)),
                                                            ("Rectification", str(order.id))}
    assert all(r.actor_id == cast["manager"].id for r in rows)


# ---- the partner answers ----------------------------------------------------------------------------------


def test_the_partner_answers_an_open_order_with_photos_and_the_manager_is_told(login, inspect, cast, db):
    order = only_order(inspect())
    client = login(P1_STAFF)
    page = text(client.get(f"/partner/inspections/rectifications/{order.id}"))
    assert "Answer the order" in page and "Publicity materials displayed" in page
    response = client.post(f"/partner/inspections/rectifications/{order.id}/answer", {
        "answer": "New posters are up at the entrance.", "photos": [upload(name="posters.png")]})
    assert response.status_code == 302
    db.session.expire_all()
    order = db.session.get(Rectification, order.id)
    assert order.status == "answered" and order.answer == "New posters are up at the entrance."
    assert order.answered_by.email == P1_STAFF and order.answered_at is not None
    assert [p.file.original_name for p in order.photos] == ["posters.png"]
    assert kinds_for(GD_MANAGER, db) == ["rectification_answered"]
    assert render_text(notifications(GD_MANAGER, db)[0]) == (
        f"Partner One Trading answered rectification order {order.number} (Futian Store): it awaits your "
        "re-inspection.")
    assert notifications(GD_MANAGER, db)[0].link == f"/inspections/rectifications/{order.id}"
    page = text(client.get(f"/partner/inspections/rectifications/{order.id}"))
    assert "Your answer is sent." in page and "Answer the order" not in page
    vendor = text(login(GD_MANAGER).get(f"/inspections/rectifications/{order.id}"))
    assert "New posters are up at the entrance." in vendor and "Record the re-inspection" in vendor


def test_an_answer_needs_a_text_and_photos_must_be_png_or_jpeg(login, inspect, db):
    order = only_order(inspect())
    client = login(P1_ADMIN)
    url = f"/partner/inspections/rectifications/{order.id}/answer"
    empty = client.post(url, {"answer": "  "})
    assert empty.status_code == 400 and "Say what you did to put it right." in text(empty)
    pdf = client.post(url, {"answer": "Done.", "photos": [upload(b"%PDF-1.4\n%%EOF\n", "receipt.pdf")]})
    assert pdf.status_code == 400
    assert "The file receipt.pdf is not a PNG or JPEG photo. Please attach PNG or JPEG photos." in text(pdf)
    too_many = client.post(url, {"answer": "Done.", "photos": [upload(name=f"{i}.png") for i in range(11)]})
    assert too_many.status_code == 400 and "Attach at most 10 photos at a time." in text(too_many)
    db.session.expire_all()
    assert db.session.get(Rectification, order.id).status == "open"
    assert db.session.scalar(sa.select(sa.func.count(RectificationPhoto.id))) == 0


def test_an_answered_order_cannot_be_answered_again(inspect, cast, p1_admin, db):
    order = answered(inspect, cast, db)
    with pytest.raises(DomainError, match="already answered"):
        services.answer_rectification(order, p1_admin, cast["one"], "Again.")


@pytest.mark.parametrize("final", ["closed", "escalated"])
def test_a_closed_or_escalated_order_cannot_be_answered(final, login, inspect, cast, p1_admin, db):
    order = answered(inspect, cast, db)
    if final == "closed":
        services.reinspect(order, cast["manager"], business_today(), "9")
    else:
        services.escalate(order, cast["manager"], "The posters are still missing.")
    db.session.commit()
    with pytest.raises(DomainError, match="can no longer be answered"):
        services.answer_rectification(order, p1_admin, cast["one"], "Again.")
    db.session.rollback()  # as the view does: the refused step let go of the order's row lock
    client = login(P1_ADMIN)
    response = client.post(f"/partner/inspections/rectifications/{order.id}/answer", {"answer": "Again."})
    assert response.status_code == 400 and "it can no longer be answered" in text(response)
    db.session.expire_all()
    assert db.session.get(Rectification, order.id).answer == "New posters are up at the entrance."


# ---- re-inspection and decisions -------------------------------------------------------------------------


def test_a_passing_reinspection_closes_the_order_and_the_partner_is_told(login, inspect, cast, p1_admin, db):
    order = answered(inspect, cast, db)
    client = login(GD_MANAGER)
    response = client.post(f"/inspections/rectifications/{order.id}/reinspection", {
        "inspected_on": business_today().isoformat(), "score": "8", "note": "Posters in place.",
        "decision_note": "Well done.", "photos": [upload(name="after.png")]})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    order = db.session.get(Rectification, order.id)
    assert (order.status, order.decided_by_id, order.decision_note) == ("closed", cast["manager"].id, "Well done.")
    again = db.session.scalar(sa.select(Inspection).where(Inspection.rectification_id == order.id))
    assert (again.score, again.max_score, again.outlet_id, again.checklist_id) == (8, 10, order.outlet_id,
                                                                                  order.inspection.checklist_id)
    assert [(s.item_id, s.score, s.passed, s.note) for s in again.scores] == [
        (order.score.item_id, 8, True, "Posters in place.")]
    assert [p.file.original_name for p in again.photos] == ["after.png"]
    assert "closed" in kinds_for(P1_ADMIN, db)[-1] and kinds_for(P1_STAFF, db)[-1] == "rectification_closed"
    assert render_text(notifications(P1_STAFF, db)[-1]) == (
        f"Rectification order {order.number} (Futian Store) is closed: the re-inspection passed.")
    page = text(client.get(response.headers["Location"]))
    assert "The re-inspection passed: order" in page and again.number in page
    assert "Record the re-inspection" not in page and "Escalate the order" not in page
    partner_page = text(login(P1_ADMIN).get(f"/partner/inspections/rectifications/{order.id}"))
    assert "This order is closed: the re-inspection passed." in partner_page and "Well done." in partner_page


def test_a_failing_reinspection_escalates_the_order(inspect, cast, db):
    order = answered(inspect, cast, db)
    services.reinspect(order, cast["manager"], business_today(), "5", note="Still only one poster.")
    db.session.commit()
    assert order.status == "escalated"
    assert kinds_for(P1_ADMIN, db)[-1] == "rectification_escalated"
    again = services.reinspections_of(order)
    assert len(again) == 1 and not again[0].scores[0].passed


def test_the_manager_escalates_an_answered_order_with_a_note(login, inspect, cast, db):
    order = answered(inspect, cast, db)
    client = login(GD_MANAGER)
    url = f"/inspections/rectifications/{order.id}/escalation"
    missing = client.post(url, {"escalation_note": ""})
    assert missing.status_code == 400 and "Say why the order is escalated." in text(missing)
    response = client.post(url, {"escalation_note": "Third time this year."})
    assert response.status_code == 302
    db.session.expire_all()
    order = db.session.get(Rectification, order.id)
    assert (order.status, order.decision_note) == ("escalated", "Third time this year.")
    assert services.reinspections_of(order) == []
    assert kinds_for(P1_ADMIN, db)[-1] == "rectification_escalated"


def test_an_open_order_is_escalated_only_once_its_deadline_has_passed(inspect, cast, db):
    order = only_order(inspect())
    with pytest.raises(DomainError, match="only once its deadline has passed"):
        services.escalate(order, cast["manager"], "No answer.")
    services.escalate(order, cast["manager"], "No answer.", today=order.deadline + timedelta(days=1))
    assert order.status == "escalated"


def test_an_order_cannot_skip_to_closed_without_an_answer_and_a_reinspection(login, inspect, cast, db):
    order = only_order(inspect())
    with pytest.raises(DomainError, match="has not answered this order yet"):
        services.reinspect(order, cast["manager"], business_today(), "10")
    db.session.rollback()
    client = login(GD_MANAGER)
    response = client.post(f"/inspections/rectifications/{order.id}/reinspection",
                           {"inspected_on": business_today().isoformat(), "score": "10"})
    assert response.status_code == 400 and "The partner has not answered this order yet" in text(response)
    db.session.expire_all()
    assert db.session.get(Rectification, order.id).status == "open"
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 1


@pytest.mark.parametrize("final", ["closed", "escalated"])
def test_a_decided_order_is_final(final, inspect, cast, db):
    order = answered(inspect, cast, db)
    services.reinspect(order, cast["manager"], business_today(), "9" if final == "closed" else "1")
    db.session.commit()
    assert order.status == final
    with pytest.raises(DomainError, match="the decision on it is final"):
        services.reinspect(order, cast["manager"], business_today(), "10")
    with pytest.raises(DomainError, match="the decision on it is final"):
        services.escalate(order, cast["manager"], "Why not.")


def test_a_reinspection_with_bad_input_says_what_is_wrong(login, inspect, cast, db):
    order = answered(inspect, cast, db)
    client = login(GD_MANAGER)
    url = f"/inspections/rectifications/{order.id}/reinspection"
    tomorrow = (business_today() + timedelta(days=1)).isoformat()
    response = client.post(url, {"inspected_on": tomorrow, "score": "11",
                                 "photos": [upload(b"GIF89a\x01\x00\x01\x00", "after.gif")]})
    page = text(response)
    assert response.status_code == 400
    assert "The inspection date cannot be in the future." in page
    assert "The score is a whole number from 0 to 10." in page
    assert "The file after.gif is not a PNG or JPEG photo." in page
    before = order.inspection.inspected_on - timedelta(days=1)
    early = client.post(url, {"inspected_on": before.isoformat(), "score": ""})
    assert early.status_code == 400
    assert "The re-inspection cannot be dated before the inspection it follows" in text(early)
    assert "Score the item, from 0 to 10." in text(early)
    db.session.expire_all()
    assert db.session.get(Rectification, order.id).status == "answered"


# ---- overdue ----------------------------------------------------------------------------------------------


def test_an_order_is_overdue_once_its_deadline_has_passed_until_it_is_decided(inspect, cast, db):
    order = only_order(inspect())
    deadline = order.deadline
    assert not services.is_overdue(order, today=deadline)
    assert services.is_overdue(order, today=deadline + timedelta(days=1))
    services.answer_rectification(order, user(P1_STAFF, db), cast["one"], "Done.")
    assert order.status == "answered" and services.is_overdue(order, today=deadline + timedelta(days=1))
    services.reinspect(order, cast["manager"], business_today(), "10")
    assert not services.is_overdue(order, today=deadline + timedelta(days=30))


def test_overdue_orders_are_highlighted_and_filtered(login, inspect, cast, db):
    late = only_order(inspect())
    on_time = only_order(inspect(outlet=cast["nanshan"]))
    late.deadline = business_today() - timedelta(days=1)  # as if recorded weeks ago
    db.session.commit()
    client = login(GD_MANAGER)
    page = text(client.get("/inspections/rectifications"))
    assert "1 rectification order is past its deadline." in page
    assert page.count('data-overdue-row="1"') == 1
    overdue_only = text(client.get("/inspections/rectifications?overdue=1"))
    assert late.number in overdue_only and on_time.number not in overdue_only
    partner = text(login(P1_ADMIN).get("/partner/inspections/rectifications?overdue=1"))
    assert late.number in partner and on_time.number not in partner and 'data-overdue="1"' in partner
    assert queries_overdue(cast["manager"]) == 1


def queries_overdue(user):
    from portal.inspections.queries import overdue_count

    return overdue_count(user, business_today())


def test_the_status_filter_lists_only_orders_in_that_status(login, inspect, cast, db):
    answered_order = answered(inspect, cast, db)
    open_order = only_order(inspect(outlet=cast["nanshan"]))
    client = login(GD_MANAGER)
    page = text(client.get("/inspections/rectifications?status=answered"))
    assert answered_order.number in page and open_order.number not in page
    closed = text(client.get("/inspections/rectifications?status=closed"))
    assert "No rectification order matches these filters." in closed


# ---- mystery shops --------------------------------------------------------------------------------------


def test_the_partner_sees_a_mystery_shop_without_the_inspectors_name(login, inspect, cast, db):
    cast["manager"].name = "Wang Fang"
    db.session.commit()
    mystery = inspect(kind="mystery")
    planned = inspect(outlet=cast["nanshan"])
    client = login(P1_ADMIN)
    page = text(client.get(f"/partner/inspections/{mystery.id}"))
    assert "Mystery shopping" in page and "Not named in a mystery shop" in page and "Wang Fang" not in page
    assert "Wang Fang" in text(client.get(f"/partner/inspections/{planned.id}"))
    listing = text(client.get("/partner/inspections/?kind=mystery"))
    assert mystery.number in listing and planned.number not in listing and "Wang Fang" not in listing
    assert "Wang Fang" in text(login(GD_MANAGER).get(f"/inspections/{mystery.id}"))


# ---- photos ----------------------------------------------------------------------------------------------


def test_photos_are_served_to_both_sides_as_images(login, inspect, cast, db):
    inspection = inspect(photos=[photo(name="entrance.png")])
    item = db.session.scalar(sa.select(InspectionPhoto))
    for client, url in ((login(GD_MANAGER), f"/inspections/{inspection.id}/photos/{item.id}"),
                        (login(P1_ADMIN), f"/partner/inspections/{inspection.id}/photos/{item.id}")):
        shown = client.get(url + "?inline=1")
        assert shown.status_code == 200 and shown.mimetype == "image/png"
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
        assert shown.headers["Content-Security-Policy"] == "sandbox"
        assert client.get(url).headers["Content-Disposition"].startswith("attachment")
