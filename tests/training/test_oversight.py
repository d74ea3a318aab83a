"""What overseers see: completion and overdue for managers, statistics of exams, the partner
admin's team page, and who may open which page."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

from portal.training.assignment_services import today_local
from portal.training.models import AttemptQuestion, Certificate, ExamAttempt, Lesson, LessonProgress, Question
from portal.training.oversight_services import exam_stats, expiring_certificates, overview, question_stats
from tests.training.test_assignments import certify, make_module, rule, user  # noqa: F401  (fixtures, helpers)


def long_ago():
    return datetime.now(timezone.utc) - timedelta(days=400)


def setup_progress(partners, make_module, certify, db):
    """Partner One: "Safety" was due long ago — the staff passed, the admin only read a lesson;
    "Handsets" is due later — the admin started the exam, the staff did nothing. Partner Two's
    admin has an expired "Safety" certificate."""
    safety = make_module("Safety")
    rule(safety, due_days=10, created_at=long_ago())
    handsets = make_module("Handsets")
    rule(handsets, due_days=30)
    lesson = Lesson(module_id=safety.id, title_en="Intro", title_zh="简介", position=1)
    db.session.add(lesson)
    db.session.flush()
    admin, staff, p2 = user("p1.admin@test.example"), user("p1.staff@test.example"), user("p2.admin@test.example")
    db.session.add(LessonProgress(user_id=admin.id, lesson_id=lesson.id))
    db.session.add(ExamAttempt(module_id=handsets.id, user_id=admin.id, partner_id=admin.partner_id, number=1,
                               status="in_progress"))
    db.session.commit()
    certify(staff, safety, today_local() + timedelta(days=200))
    certify(p2, safety, today_local() - timedelta(days=3))
    return safety, handsets


def test_completion_counts_and_the_overdue_list(partners, make_module, certify, db):
    safety, handsets = setup_progress(partners, make_module, certify, db)
    data = overview([partners["one"], partners["two"]])

    one = next(c for c in data["partners"] if c.partner.id == partners["one"].id)
    assert (one.people, one.required, one.passed, one.in_progress, one.overdue) == (2, 4, 1, 1, 1)
    assert one.counts["not_started"] == 1 and one.rate == Decimal("25")
    two = next(c for c in data["partners"] if c.partner.id == partners["two"].id)
    assert (two.required, two.passed, two.counts["expired"], two.counts["not_started"]) == (2, 0, 1, 1)
    assert data["total"].required == 6
    assert {c.label: c.required for c in data["territories"]} == {"Guangdong": 4, "Zhejiang": 2}

    [late] = data["overdue"]
    assert (late.user.email, late.module.title_en) == ("p1.admin@test.example", "Safety")
    due = (long_ago().astimezone(timezone(timedelta(hours=8))).date() + timedelta(days=10))
    assert late.due_on == due and late.days_overdue == (today_local() - due).days

    only_handsets = overview([partners["one"]], module_id=handsets.id)
    assert only_handsets["total"].required == 2 and only_handsets["overdue"] == []


def test_the_manager_overview_shows_only_the_partners_they_look_after(client, make_client, partners, make_module,
                                                                       certify, db):
    setup_progress(partners, make_module, certify, db)
    client.login("gd.manager@test.example")
    page = client.get("/training/oversight/").get_data(as_text=True)
    assert "Partner One Trading" in page and "Partner Two Retail" not in page
    assert "P1.Admin" in page  # in the overdue list
    assert client.get(f"/training/oversight/partners/{partners['one'].id}").status_code == 200

    zj = make_client()
    zj.login("zj.manager@test.example")
    page = zj.get("/training/oversight/").get_data(as_text=True)
    assert "Partner Two Retail" in page and "Partner One Trading" not in page and "P1.Admin" not in page
    assert zj.get(f"/training/oversight/partners/{partners['one'].id}").status_code == 404
    assert zj.get(f"/training/oversight/people/{user('p1.staff@test.example').id}").status_code == 404
    overdue_page = zj.get("/training/oversight/overdue").get_data(as_text=True)
    assert "Nobody is overdue." in overdue_page

    admin = make_client()
    admin.login("admin@test.example")
    page = admin.get("/training/oversight/?territory={}".format(partners["two"].province_id)).get_data(as_text=True)
    assert "Partner Two Retail" in page and "Partner One Trading" not in page


def test_question_stats_put_the_questions_most_often_answered_wrong_first(client, partners, make_module, db):
    module = make_module("Tariffs")
    questions = [Question(module_id=module.id, text_en=f"Q{i}", text_zh=f"问{i}", position=i) for i in range(1, 5)]
    db.session.add_all(questions)
    staff = user("p1.staff@test.example")
    db.session.flush()
    # (question, correct) per attempt; None is an answer not graded (an unfinished attempt).
    answers = [
        [(0, True), (1, False), (2, False)],
        [(0, True), (1, False), (2, True)],
        [(0, True), (1, True)],
        [(0, False), (1, False), (3, None)],
    ]
    for number, items in enumerate(answers, start=1):
        attempt = ExamAttempt(module_id=module.id, user_id=staff.id, partner_id=staff.partner_id, number=number,
                              status="submitted", score=50, passed=number == 3)
        attempt.items = [AttemptQuestion(question_id=questions[q].id, position=i, option_order=[], correct=c)
                         for i, (q, c) in enumerate(items)]
        db.session.add(attempt)
    db.session.commit()

    stats = question_stats(module)
    assert [(q.text_en, answered, wrong, rate) for q, answered, wrong, rate in stats] == [
        ("Q2", 4, 3, Decimal("75.0")),
        ("Q3", 2, 1, Decimal("50.0")),
        ("Q1", 4, 1, Decimal("25.0")),
    ]
    assert question_stats(module, partner_ids={partners["two"].id}) == []

    [summary] = exam_stats([module])
    assert (summary.attempts, summary.passed, summary.pass_rate, summary.average_score) == (
        4, 1, Decimal("25.0"), Decimal("50.0"))

    # The statistics page lists them in the same order.
    client.login("gd.manager@test.example")
    html = client.get(f"/training/oversight/modules/{module.id}/questions").get_data(as_text=True)
    table = html[html.index("<table"):]  # the page head holds a random CSRF token that may contain "Q3"
    assert table.index("Q2") < table.index("Q3") < table.index("Q1")


def test_certificates_expiring_within_30_days_are_listed_unless_renewed(partners, make_module, certify, db):
    module = make_module("Safety")
    other = make_module("Handsets")
    admin, staff = user("p1.admin@test.example"), user("p1.staff@test.example")
    soon = certify(admin, module, today_local() + timedelta(days=10))
    certify(staff, module, today_local() + timedelta(days=40))  # not yet
    certify(staff, other, today_local() + timedelta(days=5))
    certify(staff, other, today_local() + timedelta(days=300))  # renewed already
    certify(admin, other, today_local() - timedelta(days=1))  # already expired
    assert [c.id for c in expiring_certificates([partners["one"].id])] == [soon.id]
    assert expiring_certificates([partners["two"].id]) == []


def test_the_partner_admin_sees_each_of_their_people_and_nobody_elses(client, make_client, partners, make_module,
                                                                     certify, db):
    setup_progress(partners, make_module, certify, db)
    client.login("p1.admin@test.example")
    page = client.get("/training/oversight/my-team").get_data(as_text=True)
    assert "P1.Admin" in page and "P1.Staff" in page and "P2.Admin" not in page
    assert 'data-status="passed"' in page and 'data-status="overdue"' in page
    assert 'data-status="in_progress"' in page and 'data-status="not_started"' in page
    staff = user("p1.staff@test.example")
    detail = client.get(f"/training/oversight/my-team/{staff.id}").get_data(as_text=True)
    code = db.session.scalar(sa.select(Certificate.code).where(Certificate.user_id == staff.id))
    assert "Safety" in detail and "90 %" in detail and code in detail

    other = make_client()
    other.login("p2.admin@test.example")
    page = other.get("/training/oversight/my-team").get_data(as_text=True)
    assert "P2.Admin" in page and "P1.Staff" not in page and "Partner One" not in page
    assert other.get(f"/training/oversight/my-team/{staff.id}").status_code == 404
    assert other.get(f"/training/oversight/my-team/{user('p1.admin@test.example').id}").status_code == 404
    assert other.get(f"/training/oversight/my-team/{user('gd.manager@test.example').id}").status_code == 404


def test_partner_staff_cannot_open_oversight_or_curricula(client, partners):
    client.login("p1.staff@test.example")
    for url in ("/training/oversight/", "/training/oversight/curricula", "/training/oversight/assign",
                "/training/oversight/my-team", "/training/oversight/settings"):
        assert client.get(url).status_code == 403, url
    assert client.post("/training/oversight/curricula", {"module_id": 1, "due_days": 5}).status_code == 403
    assert "/training/oversight/my-team" not in client.get("/partner/").get_data(as_text=True)  # no nav entry


def test_the_navigation_leads_partner_admins_to_their_team_and_managers_to_the_overview(client, make_client, partners):
    client.login("p1.admin@test.example")
    assert 'href="/training/oversight/my-team"' in client.get("/partner/").get_data(as_text=True)
    manager = make_client()
    manager.login("gd.manager@test.example")
    assert 'href="/training/oversight/"' in manager.get("/pipeline/").get_data(as_text=True)
