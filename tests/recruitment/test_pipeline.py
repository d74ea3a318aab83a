"""Routing, the stage machine, claiming, activities, follow-ups and reminders."""
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.errors import DomainError
from portal.notifications.models import Notification
from portal.recruitment import services
from portal.recruitment.models import STAGES, FollowUp, Prospect, StageChange


# ---- routing ----------------------------------------------------------------------------------


def test_application_goes_to_the_city_manager_first(make_user, reference_data):
    province_manager = make_user("gd@test.example", "manager", [reference_data["GD"]])
    city_manager = make_user("sz@test.example", "manager", [reference_data["GD-SZ"]])
    assert services.route_manager(reference_data["GD-SZ"], reference_data["GD"]) == city_manager
    # Guangzhou has no city manager: the province's manager takes it.
    assert services.route_manager(reference_data["GD-GZ"], reference_data["GD"]) == province_manager


def test_application_with_no_covering_manager_goes_to_the_unassigned_queue(make_user, reference_data):
    make_user("gd@test.example", "manager", [reference_data["GD"]])
    assert services.route_manager(None, reference_data["XZ"]) is None


def test_deactivated_manager_receives_no_new_applications(make_user, reference_data, db):
    gone = make_user("sz@test.example", "manager", [reference_data["GD-SZ"]])
    backup = make_user("gd@test.example", "manager", [reference_data["GD"]])
    gone.active = False
    db.session.commit()
    assert services.route_manager(reference_data["GD-SZ"], reference_data["GD"]) == backup


def test_several_managers_of_one_city_share_new_applications_by_load(make_user, make_prospect, reference_data):
    busy = make_user("busy@test.example", "manager", [reference_data["GD-SZ"]])
    free = make_user("free@test.example", "manager", [reference_data["GD-SZ"]])
    make_prospect("Busy's prospect", "GD-SZ", owner=busy)
    assert services.route_manager(reference_data["GD-SZ"], reference_data["GD"]) == free


# ---- the stage machine ------------------------------------------------------------------------


ALLOWED = {(a, b) for a, targets in services.MANUAL_TRANSITIONS.items() for b in targets}
FORBIDDEN = [(a, b) for a in STAGES for b in STAGES if (a, b) not in ALLOWED]


@pytest.mark.parametrize("from_stage,to_stage", FORBIDDEN, ids=[f"{a}->{b}" for a, b in FORBIDDEN])
def test_every_forbidden_transition_is_refused(from_stage, to_stage, people, make_prospect, db):
    prospect = make_prospect(stage=from_stage, owner=people["manager"])
    with pytest.raises(DomainError) as refused:
        services.change_stage(prospect, to_stage, "a reason", people["manager"])
    assert refused.value.field == "to_stage"
    assert prospect.stage == from_stage
    assert db.session.scalar(sa.select(sa.func.count(StageChange.id))) == 1  # only the creation


def test_agreement_stages_are_reached_only_through_the_workflow(people, make_prospect):
    prospect = make_prospect(stage="negotiating", owner=people["manager"])
    with pytest.raises(DomainError, match="agreement workflow"):
        services.change_stage(prospect, "agreement_sent", "", people["manager"])
    services.change_stage(prospect, "agreement_sent", "", people["manager"], via_workflow=True)
    assert prospect.stage == "agreement_sent"


@pytest.mark.parametrize("to_stage", ["rejected", "withdrawn"])
def test_rejecting_or_withdrawing_needs_a_reason(to_stage, people, make_prospect):
    prospect = make_prospect(owner=people["manager"])
    with pytest.raises(DomainError) as refused:
        services.change_stage(prospect, to_stage, "  ", people["manager"])
    assert refused.value.field == "reason"


def test_moving_a_prospect_records_who_when_why_and_tells_the_applicant(client, people, make_prospect, db, outbox):
    prospect = make_prospect(owner=people["manager"], applicant=people["applicant"])
    client.login("gd.manager@test.example")
    response = client.post(f"/pipeline/prospects/{prospect.id}/stage", {"to_stage": "qualifying", "reason": "Licence checked"})
    assert response.status_code == 302
    change = db.session.scalar(sa.select(StageChange).where(StageChange.to_stage == "qualifying"))
    assert (change.from_stage, change.actor_id, change.reason) == ("new", people["manager"].id, "Licence checked")
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == people["applicant"].id))
    assert note.kind == "stage_changed" and note.params["stage"] == "qualifying"
    assert any(m.to == ["applicant1@test.example"] and "Qualifying" in m.subject for m in outbox)
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Prospect", AuditLog.field == "stage"))
    assert (audit.old_value, audit.new_value, audit.actor_id) == ("new", "qualifying", people["manager"].id)


def test_a_refused_move_shows_the_message_on_the_form(client, people, make_prospect):
    prospect = make_prospect(owner=people["manager"])
    client.login("gd.manager@test.example")
    response = client.post(f"/pipeline/prospects/{prospect.id}/stage", {"to_stage": "rejected", "reason": ""})
    assert response.status_code == 400
    assert "Give a reason" in response.get_data(as_text=True)


# ---- claiming ---------------------------------------------------------------------------------


def test_claiming_from_the_queue_makes_the_prospect_yours_and_a_second_claim_is_told(
    client, make_client, people, make_prospect, db
):
    queued = make_prospect("Lhasa Co", "XZ")
    client.login("gd.manager@test.example")
    client.post(f"/pipeline/prospects/{queued.id}/claim")
    assert db.session.get(Prospect, queued.id).owner_id == people["manager"].id
    other = make_client()
    other.login("zj.manager@test.example")
    response = other.post(f"/pipeline/prospects/{queued.id}/claim")
    assert response.status_code == 404  # it is the GD manager's now, outside ZJ's territories


@pytest.mark.postgres
def test_two_concurrent_claims_one_wins_the_other_is_told(app, people, make_prospect):
    queued = make_prospect("Lhasa Co", "XZ")
    managers = [people["manager"].id, people["other_manager"].id]
    barrier = threading.Barrier(2)
    results = {}

    def claim_as(user_id):
        from portal.accounts.models import User
        from portal.extensions import db

        with app.test_request_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                services.claim(queued.id, user)
                db.session.commit()
                results[user_id] = "won"
            except DomainError as error:
                db.session.rollback()
                results[user_id] = str(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim_as, args=(uid,)) for uid in managers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values(), key=lambda v: v != "won")[0] == "won"
    assert list(results.values()).count("won") == 1
    loser = next(v for v in results.values() if v != "won")
    assert "already claimed" in loser
    from portal.extensions import db

    db.session.expire_all()
    owner = db.session.get(Prospect, queued.id).owner_id
    assert results[owner] == "won"


# ---- activities, follow-ups, reminders --------------------------------------------------------


def test_logging_an_activity_and_scheduling_a_follow_up(client, people, make_prospect, db):
    prospect = make_prospect(owner=people["manager"])
    client.login("gd.manager@test.example")
    client.post(f"/pipeline/prospects/{prospect.id}/activities",
                {"kind": "meeting", "occurred_at": "2026-03-02T14:30", "participants": "王总, Li Lei",
                 "outcome": "Wants exclusivity in Nanshan"})
    client.post(f"/pipeline/prospects/{prospect.id}/follow-ups",
                {"due_date": "2026-03-09", "note": "Send draft terms", "assignee_id": str(people["manager"].id)})
    page = client.get(f"/pipeline/prospects/{prospect.id}").get_data(as_text=True)
    assert "Wants exclusivity in Nanshan" in page and "王总, Li Lei" in page
    assert "Send draft terms" in page
    activity = prospect.activities[0]
    # 14:30 in Shanghai is 06:30 UTC.
    assert activity.occurred_at.hour == 6 and activity.occurred_at.minute == 30


def test_an_activity_form_with_no_outcome_says_what_is_missing(client, people, make_prospect):
    prospect = make_prospect(owner=people["manager"])
    client.login("gd.manager@test.example")
    response = client.post(f"/pipeline/prospects/{prospect.id}/activities",
                           {"kind": "call", "occurred_at": "2026-03-02T14:30", "outcome": ""})
    assert response.status_code == 400
    assert "Write what came of it." in response.get_data(as_text=True)


def test_reminders_are_sent_once_a_day_for_due_and_overdue_follow_ups(people, make_prospect, db, outbox):
    prospect = make_prospect(owner=people["manager"])
    today = date(2026, 11, 27)
    for due, note in ((today - timedelta(days=2), "overdue"), (today, "today"), (today + timedelta(days=1), "tomorrow")):
        db.session.add(FollowUp(prospect=prospect, due_date=due, note=note, assignee_id=people["manager"].id))
    db.session.add(FollowUp(prospect=prospect, due_date=today, note="done already", assignee_id=people["manager"].id,
                            done_at=sa.func.now()))
    db.session.commit()
    assert services.send_follow_up_reminders(today) == 2
    db.session.commit()
    assert services.send_follow_up_reminders(today) == 0  # idempotent: cron may run it again
    assert len([m for m in outbox if m.to == ["gd.manager@test.example"]]) == 2
    assert services.send_follow_up_reminders(today + timedelta(days=1)) == 3  # still open: reminded again tomorrow


def test_reminder_command_runs_from_the_cli(app, people, make_prospect, db):
    prospect = make_prospect(owner=people["manager"])
    db.session.add(FollowUp(prospect=prospect, due_date=date(2020, 1, 1), note="ancient", assignee_id=people["manager"].id))
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-reminders"])
    assert "1 reminder(s) sent." in first.output
    second = runner.invoke(args=["send-reminders"])
    assert "0 reminder(s) sent." in second.output


def test_manager_home_lists_overdue_and_today_follow_ups(client, people, make_prospect, db):
    from portal.core.i18n import local_today_in

    prospect = make_prospect("Due Co", owner=people["manager"])
    today = local_today_in("Asia/Shanghai")
    db.session.add(FollowUp(prospect=prospect, due_date=today - timedelta(days=3), note="Chase the licence",
                            assignee_id=people["manager"].id))
    db.session.add(FollowUp(prospect=prospect, due_date=today + timedelta(days=3), note="Later thing",
                            assignee_id=people["manager"].id))
    db.session.commit()
    client.login("gd.manager@test.example")
    page = client.get("/pipeline/").get_data(as_text=True)
    assert "Chase the licence" in page and "Overdue since" in page
    assert "Later thing" not in page


def test_manager_sends_a_question_and_the_applicant_answers(client, make_client, people, make_prospect, db):
    prospect = make_prospect("Q Co", owner=people["manager"], applicant=people["applicant"])
    client.login("gd.manager@test.example")
    client.post(f"/pipeline/prospects/{prospect.id}/messages", {"body": "How many outlets in Futian?", "is_question": "y"})
    applicant = make_client()
    applicant.login("applicant1@test.example")
    page = applicant.get("/my-application").get_data(as_text=True)
    assert "How many outlets in Futian?" in page
    applicant.post(f"/my-application/{prospect.id}/messages", {"body": "Five outlets."})
    assert "Five outlets." in client.get(f"/pipeline/prospects/{prospect.id}").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == people["manager"].id, Notification.kind == "message_received")) == 1


def test_the_prospect_list_pages_through_many_prospects_keeping_the_filters(client, people, make_prospect):
    for n in range(30):
        make_prospect(f"Paged Co {n:02d}", owner=people["manager"], stage="qualifying" if n % 2 else "new")
    client.login("gd.manager@test.example")
    first = client.get("/pipeline/prospects?sort=company").get_data(as_text=True)
    assert "Paged Co 00" in first and "Paged Co 24" in first and "Paged Co 25" not in first
    assert "page=2" in first and "sort=company" in first
    second = client.get("/pipeline/prospects?sort=company&page=2").get_data(as_text=True)
    assert "Paged Co 25" in second and "Paged Co 00" not in second
    filtered = client.get("/pipeline/prospects?stage=new&sort=company").get_data(as_text=True)
    assert "Paged Co 00" in filtered and "Paged Co 01" not in filtered and "page=2" not in filtered
