"""The learner's side: my modules, lessons, and exams graded on the server.

Test data is built directly with the models (authoring is tested elsewhere). ``build_module``
and the helpers below are shared with test_certificates.py.
"""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core import storage
from portal.core.errors import DomainError
from portal.extensions import db as _db
from portal.training import learning
from portal.training.models import (
    AttemptGrant, Certificate, ExamAttempt, Lesson, LessonAttachment, LessonProgress, Question, QuestionOption,
    TrainingAssignment, TrainingModule,
)

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)

SINGLE = ("single", "Which plan suits a student?", "哪种套餐适合学生？",
          [("Campus plan", True), ("Business plan", False), ("Family plan", False)])
MULTIPLE = ("multiple", "Which documents does a new SIM need?", "办理新号卡需要哪些证件？",
            [("ID card", True), ("Utility bill", False), ("Signed form", True), ("Photo of the shop", False)])
TRUE_FALSE = ("true_false", "Prices may be cut without approval.", "未经批准可以降价。",
              [("True", False), ("False", True)])


def question(kind, text_en, text_zh, options, position=0, active=True):
    q = Question(kind=kind, text_en=text_en, text_zh=text_zh, position=position, active=active)
    for number, (text, correct) in enumerate(options, start=1):
        q.options.append(QuestionOption(position=number, text_en=text, text_zh=f"{text}（中）", correct=correct))
    return q


def build_module(*, bank=(SINGLE, MULTIPLE, TRUE_FALSE), per_attempt=None, status="published", pass_mark=80,
                 max_attempts=3, time_limit=None, validity=365, lessons=2, title=("Product basics", "产品基础")):
    module = TrainingModule(title_en=title[0], title_zh=title[1], description_en="Learn the basics.",
                            description_zh="学习基础知识。", status=status, pass_mark=pass_mark,
                            questions_per_attempt=per_attempt or len(bank), max_attempts=max_attempts,
                            time_limit_minutes=time_limit, certificate_validity_days=validity)
    for number in range(1, lessons + 1):
        module.lessons.append(Lesson(position=number, title_en=f"Lesson {number}", title_zh=f"第{number}课",
                                     body_en=f"<p>English body {number}</p>", body_zh=f"<p>中文内容 {number}</p>"))
    for position, spec in enumerate(bank, start=1):
        module.questions.append(question(*spec, position=position))
    _db.session.add(module)
    _db.session.commit()
    return module


def user(email):
    return _db.session.scalar(sa.select(User).where(User.email == email))


def right_answers(attempt):
    """{question position: displayed positions of the correct options}, read from the database."""
    answers = {}
    for item in attempt.items:
        answers[item.position] = [pos for pos, option_id in enumerate(item.option_order)
                                  if _db.session.get(QuestionOption, option_id).correct]
    return answers


def wrong_position(attempt, position):
    """A displayed position of a wrong option of the question at ``position``."""
    item = next(i for i in attempt.items if i.position == position)
    return next(pos for pos, option_id in enumerate(item.option_order)
                if not _db.session.get(QuestionOption, option_id).correct)


def by_kind(attempt):
    return {item.question.kind: item.position for item in attempt.items}


def as_form(answers):
    return {f"q{position}": [str(p) for p in chosen] for position, chosen in answers.items()}


@pytest.fixture
def staff(partners):
    return user("p1.staff@test.example")


@pytest.fixture
def module(partners):
    return build_module()


# ---- grading ------------------------------------------------------------------------------------------


def test_all_right_answers_score_100_and_pass(staff, module, db):
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    learning.submit_attempt(attempt, right_answers(attempt), TODAY, now=NOW + timedelta(minutes=5))
    db.session.commit()
    assert (attempt.status, attempt.score, attempt.passed) == ("submitted", 100, True)
    assert all(item.correct for item in attempt.items)


def test_single_choice_is_right_only_with_the_correct_option(staff, module, db):
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    answers = right_answers(attempt)
    single = by_kind(attempt)["single"]
    answers[single] = [wrong_position(attempt, single)]
    learning.submit_attempt(attempt, answers, TODAY, now=NOW)
    item = next(i for i in attempt.items if i.position == single)
    assert item.correct is False and item.answer == answers[single]
    assert attempt.score == 66 and attempt.passed is False  # 2 of 3, below the pass mark of 80


def test_single_choice_with_two_answers_sent_is_wrong(staff, module, db):
    """A tampered form ticking the right option and another one cannot pick up the point."""
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    answers = right_answers(attempt)
    single = by_kind(attempt)["single"]
    answers[single] = answers[single] + [wrong_position(attempt, single)]
    learning.submit_attempt(attempt, answers, TODAY, now=NOW)
    assert next(i for i in attempt.items if i.position == single).correct is False


@pytest.mark.parametrize("how", ["one of two right options", "both right plus a wrong one", "nothing ticked",
                                 "only wrong options"])
def test_multiple_choice_is_all_or_nothing(how, staff, module, db):
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    answers = right_answers(attempt)
    multiple = by_kind(attempt)["multiple"]
    right = answers[multiple]
    assert len(right) == 2
    wrong = [p for p in range(4) if p not in right]
    answers[multiple] = {"one of two right options": right[:1], "both right plus a wrong one": right + wrong[:1],
                         "nothing ticked": [], "only wrong options": wrong}[how]
    learning.submit_attempt(attempt, answers, TODAY, now=NOW)
    assert next(i for i in attempt.items if i.position == multiple).correct is False
    assert attempt.score == 66


def test_multiple_choice_with_exactly_the_right_options_is_right(staff, module, db):
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    answers = right_answers(attempt)
    multiple = by_kind(attempt)["multiple"]
    answers[multiple] = list(reversed(answers[multiple]))  # order does not matter
    learning.submit_attempt(attempt, answers, TODAY, now=NOW)
    assert next(i for i in attempt.items if i.position == multiple).correct is True


def test_true_false(staff, module, db):
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    tf = by_kind(attempt)["true_false"]
    item = next(i for i in attempt.items if i.position == tf)
    # True and False keep their authored order (it says nothing about which is right).
    assert [_db.session.get(QuestionOption, i).text_en for i in item.option_order] == ["True", "False"]
    answers = right_answers(attempt)
    assert answers[tf] == [1]  # "False" is right
    answers[tf] = [0]
    learning.submit_attempt(attempt, answers, TODAY, now=NOW)
    assert item.correct is False

    second = learning.start_attempt(staff, module, TODAY, now=NOW + timedelta(hours=1))
    answers = right_answers(second)
    learning.submit_attempt(second, answers, TODAY, now=NOW + timedelta(hours=1))
    assert next(i for i in second.items if i.question.kind == "true_false").correct is True


def test_the_pass_mark_is_compared_exactly(staff, partners, db):
    """4 of 5 right is 80% and passes a mark of 80; 3 of 4 (75%) does not."""
    bank = [SINGLE] * 5
    module = build_module(bank=bank, pass_mark=80)
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    answers = right_answers(attempt)
    answers[1] = [wrong_position(attempt, 1)]
    learning.submit_attempt(attempt, answers, TODAY, now=NOW)
    assert (attempt.score, attempt.passed) == (80, True)

    other = build_module(bank=[SINGLE] * 4, pass_mark=80, title=("Policies", "政策"))
    attempt = learning.start_attempt(staff, other, TODAY, now=NOW)
    answers = right_answers(attempt)
    answers[1] = [wrong_position(attempt, 1)]
    learning.submit_attempt(attempt, answers, TODAY, now=NOW)
    assert (attempt.score, attempt.passed) == (75, False)


# ---- attempts: limits, grants, one at a time ------------------------------------------------------------


def fail(attempt, now=NOW):
    learning.submit_attempt(attempt, {}, TODAY, now=now)
    _db.session.commit()
    assert attempt.passed is False


def test_attempts_are_limited_and_a_grant_adds_more(staff, partners, people, db):
    module = build_module(max_attempts=2)
    fail(learning.start_attempt(staff, module, TODAY, now=NOW))
    fail(learning.start_attempt(staff, module, TODAY, now=NOW))
    assert learning.attempt_allowance(staff, module) == (2, 2)
    with pytest.raises(DomainError, match="used all 2 attempts"):
        learning.start_attempt(staff, module, TODAY, now=NOW)

    db.session.add(AttemptGrant(module_id=module.id, user_id=staff.id, extra=2, reason="Was ill",
                                granted_by_id=people["manager"].id))
    db.session.commit()
    assert learning.attempt_allowance(staff, module) == (2, 4)
    third = learning.start_attempt(staff, module, TODAY, now=NOW)
    assert third.number == 3
    fail(third)
    fail(learning.start_attempt(staff, module, TODAY, now=NOW))
    with pytest.raises(DomainError, match="used all 4 attempts"):
        learning.start_attempt(staff, module, TODAY, now=NOW)


def test_a_grant_to_someone_else_does_not_count(staff, partners, people, db):
    module = build_module(max_attempts=1)
    admin = user("p1.admin@test.example")
    db.session.add(AttemptGrant(module_id=module.id, user_id=admin.id, extra=5, reason="x",
                                granted_by_id=people["manager"].id))
    db.session.commit()
    fail(learning.start_attempt(staff, module, TODAY, now=NOW))
    with pytest.raises(DomainError, match="used all 1 attempts"):
        learning.start_attempt(staff, module, TODAY, now=NOW)


def test_the_page_refuses_a_start_when_attempts_are_used_up(client, staff, partners, db):
    module = build_module(max_attempts=1)
    fail(learning.start_attempt(staff, module, TODAY, now=NOW))
    client.login("p1.staff@test.example")
    page = client.get(f"/training/modules/{module.id}").get_data(as_text=True)
    assert "You have used all 1 attempts at this exam" in page and "Take the exam" not in page
    response = client.post(f"/training/modules/{module.id}/exam")
    assert response.status_code == 302
    assert "used all 1 attempts" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ExamAttempt.id))) == 1


def test_an_open_attempt_must_be_resumed_not_doubled(client, staff, module, db):
    first = learning.start_attempt(staff, module, TODAY, now=NOW)
    db.session.commit()
    with pytest.raises(learning.AttemptInProgress) as refused:
        learning.start_attempt(staff, module, TODAY, now=NOW)
    assert refused.value.attempt.id == first.id

    client.login("p1.staff@test.example")
    assert "Continue the exam in progress" in client.get(f"/training/modules/{module.id}").get_data(as_text=True)
    response = client.post(f"/training/modules/{module.id}/exam")
    assert response.headers["Location"].endswith(f"/training/attempts/{first.id}")
    assert db.session.scalar(sa.select(sa.func.count(ExamAttempt.id))) == 1


def test_a_pass_with_a_valid_certificate_blocks_retakes_until_it_nearly_expires(staff, module, db):
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    learning.submit_attempt(attempt, right_answers(attempt), TODAY, now=NOW)
    db.session.commit()
    certificate = db.session.scalar(sa.select(Certificate))
    assert certificate.expires_on == TODAY + timedelta(days=365)
    with pytest.raises(DomainError, match="valid certificate"):
        learning.start_attempt(staff, module, TODAY + timedelta(days=300), now=NOW)
    # 30 days before expiry re-certification opens, with a fresh set of attempts.
    retake = learning.start_attempt(staff, module, certificate.expires_on - timedelta(days=30), now=NOW)
    assert retake.number == 2
    assert learning.attempt_allowance(staff, module) == (1, 3)


def test_submitting_twice_is_refused(staff, module, db):
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    learning.submit_attempt(attempt, {}, TODAY, now=NOW)
    db.session.commit()
    with pytest.raises(DomainError, match="already submitted"):
        learning.submit_attempt(attempt, right_answers(attempt), TODAY, now=NOW)
    assert attempt.score == 0


# ---- the time limit, enforced by the server ------------------------------------------------------------------


def test_a_late_submission_is_refused_and_the_attempt_expires(client, staff, partners, db):
    module = build_module(time_limit=10, max_attempts=2)
    client.login("p1.staff@test.example")
    client.post(f"/training/modules/{module.id}/exam")
    attempt = db.session.scalar(sa.select(ExamAttempt))
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=10)
    answers = right_answers(attempt)
    # Time moves on: the deadline (and the 30-second grace) passed a while ago.
    attempt.deadline_at = datetime.now(timezone.utc) - timedelta(seconds=31)
    db.session.commit()

    response = client.post(f"/training/attempts/{attempt.id}/submit", as_form(answers))
    assert response.status_code == 302
    db.session.refresh(attempt)
    assert (attempt.status, attempt.score, attempt.passed, attempt.submitted_at) == ("expired", None, False, None)
    assert all(item.answer is None for item in attempt.items)
    page = client.get(f"/training/attempts/{attempt.id}").get_data(as_text=True)
    assert "Time ran out" in page and "counts as used" in page
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    assert learning.attempt_allowance(user("p1.staff@test.example"), module) == (1, 2)

    # Sending again changes nothing.
    client.post(f"/training/attempts/{attempt.id}/submit", as_form(answers))
    db.session.refresh(attempt)
    assert attempt.status == "expired"


def test_a_submission_within_the_grace_period_is_accepted(staff, partners, db):
    module = build_module(time_limit=10)
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    assert attempt.deadline_at == NOW + timedelta(minutes=10)
    learning.submit_attempt(attempt, right_answers(attempt), TODAY, now=attempt.deadline_at + timedelta(seconds=25))
    assert (attempt.status, attempt.passed) == ("submitted", True)

    late = build_module(time_limit=10, title=("Late", "迟到"))
    attempt = learning.start_attempt(staff, late, TODAY, now=NOW)
    with pytest.raises(learning.AttemptExpired):
        learning.submit_attempt(attempt, right_answers(attempt), TODAY,
                                now=attempt.deadline_at + timedelta(seconds=31))
    assert attempt.status == "expired"


def test_an_abandoned_attempt_past_its_deadline_expires_and_a_new_one_can_start(staff, partners, db):
    module = build_module(time_limit=5)
    first = learning.start_attempt(staff, module, TODAY, now=NOW)
    second = learning.start_attempt(staff, module, TODAY, now=NOW + timedelta(minutes=6))
    assert first.status == "expired" and second.number == 2


# ---- drawing from the bank -------------------------------------------------------------------------------------


def test_each_attempt_draws_again_from_the_bank(staff, partners, db):
    bank = [("single", f"Question {n}", f"问题 {n}", [(f"Right {n}", True), (f"Wrong {n}a", False),
                                                       (f"Wrong {n}b", False), (f"Wrong {n}c", False)])
            for n in range(1, 13)]
    module = build_module(bank=bank, per_attempt=3, max_attempts=10)
    inactive = module.questions[0]
    inactive.active = False
    db.session.commit()
    drawn, orders = [], []
    for n in range(10):
        attempt = learning.start_attempt(staff, module, TODAY, now=NOW + timedelta(hours=n))
        ids = [item.question_id for item in attempt.items]
        assert len(ids) == 3 == len(set(ids))
        assert inactive.id not in ids
        assert [item.position for item in attempt.items] == [1, 2, 3]
        for item in attempt.items:
            assert sorted(item.option_order) == sorted(o.id for o in item.question.options)
            orders.append(tuple(item.option_order))
        drawn.append(tuple(ids))
        fail(attempt, now=NOW + timedelta(hours=n))
    # 11 active questions, 3 drawn: 990 ordered draws, so ten identical ones are out of the question.
    assert len(set(drawn)) > 1
    assert len({frozenset(d) for d in drawn}) > 1
    assert len(set(orders)) > 1  # options are shuffled too


def test_a_bank_smaller_than_n_draws_every_question_and_an_empty_bank_refuses(staff, partners, db):
    module = build_module(per_attempt=10)
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    assert len(attempt.items) == 3
    empty = build_module(bank=(), title=("Empty", "空"))
    with pytest.raises(DomainError, match="no questions yet"):
        learning.start_attempt(staff, empty, TODAY, now=NOW)


# ---- the right answers never reach the browser before submission -------------------------------------------

CSRF = re.compile(r'(name="csrf_token" value="|name="csrf-token" content=")[^"]+"')


def masked(html):
    """The page with the CSRF token (different on every request) masked."""
    return CSRF.sub(r'\1MASKED"', html)


def flip_correct_options(module):
    """Make each question's correct option(s) a different one — nothing else changes."""
    for q in module.questions:
        options = list(q.options)
        flags = [o.correct for o in options]
        flags = flags[1:] + flags[:1]  # rotate: single/true-false move to another option, multiple changes set
        for option, flag in zip(options, flags):
            option.correct = flag
    _db.session.commit()


def test_which_option_is_correct_changes_nothing_in_the_exam_html_and_json(client, staff, module, db):
    client.login("p1.staff@test.example")
    client.post(f"/training/modules/{module.id}/exam")
    attempt = db.session.scalar(sa.select(ExamAttempt))
    before_right = right_answers(attempt)
    html_before = client.get(f"/training/attempts/{attempt.id}").get_data()
    json_before = client.get(f"/training/attempts/{attempt.id}.json").get_data()

    flip_correct_options(module)
    assert right_answers(attempt) != before_right  # the right answers really moved

    html_after = client.get(f"/training/attempts/{attempt.id}").get_data()
    json_after = client.get(f"/training/attempts/{attempt.id}.json").get_data()
    assert json_after == json_before  # byte for byte
    assert masked(html_after.decode()).encode() == masked(html_before.decode()).encode()
    assert html_after != b"" and b'name="q1"' in html_after


def test_the_exam_page_and_json_show_questions_and_options_by_position(client, staff, module, db):
    client.login("p1.staff@test.example")
    client.post(f"/training/modules/{module.id}/exam")
    attempt = db.session.scalar(sa.select(ExamAttempt))
    html = client.get(f"/training/attempts/{attempt.id}").get_data(as_text=True)
    data = client.get(f"/training/attempts/{attempt.id}.json").get_json()
    assert data["deadline"] is None and len(data["questions"]) == 3
    for q, item in zip(data["questions"], attempt.items):
        assert q["position"] == item.position and q["kind"] == item.question.kind
        assert q["text"] == item.question.text_en
        assert q["options"] == [_db.session.get(QuestionOption, i).text_en for i in item.option_order]
        kind = "checkbox" if q["kind"] == "multiple" else "radio"
        for pos in range(len(q["options"])):
            assert f'type="{kind}" name="q{q["position"]}" id="q{q["position"]}-{pos}" value="{pos}"' in html
    assert set(data) == {"questions", "deadline", "status"}
    assert "right answer" not in html.lower() and "correct" not in html.lower()


def test_the_result_shows_score_wrong_questions_and_the_right_answers(client, staff, module, db):
    client.login("p1.staff@test.example")
    client.post(f"/training/modules/{module.id}/exam")
    attempt = db.session.scalar(sa.select(ExamAttempt))
    answers = right_answers(attempt)
    single = by_kind(attempt)["single"]
    answers[single] = [wrong_position(attempt, single)]
    response = client.post(f"/training/attempts/{attempt.id}/submit", as_form(answers))
    assert response.headers["Location"].endswith(f"/training/attempts/{attempt.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not passed: 66%" in page and "The pass mark is 80%" in page
    assert "1 question answered wrongly." in page
    assert page.count(">Wrong<") == 1 and page.count(">Right<") == 2
    assert "right answer" in page and "Campus plan" in page
    db.session.refresh(attempt)
    assert (attempt.status, attempt.score, attempt.passed) == ("submitted", 66, False)


# ---- whose attempt --------------------------------------------------------------------------------------------


def test_only_the_learner_opens_an_attempt(make_client, staff, module, db):
    attempt = learning.start_attempt(staff, module, TODAY, now=datetime.now(timezone.utc))
    db.session.commit()
    for email in ("p1.admin@test.example", "p2.admin@test.example"):
        other = make_client()
        other.login(email)
        assert other.get(f"/training/attempts/{attempt.id}").status_code == 404
        assert other.get(f"/training/attempts/{attempt.id}.json").status_code == 404
        assert other.post(f"/training/attempts/{attempt.id}/submit", as_form(right_answers(attempt))).status_code == 404
    db.session.refresh(attempt)
    assert attempt.status == "in_progress"


# ---- my training, modules and lessons ------------------------------------------------------------------------


def test_my_training_lists_required_and_optional_modules_with_progress(client, staff, partners, people, db):
    required = build_module(title=("Anti-fraud rules", "反欺诈规则"))
    optional = build_module(title=("Broadband basics", "宽带基础"))
    build_module(status="draft", title=("Draft module", "草稿"))
    db.session.add(TrainingAssignment(module_id=required.id, user_id=staff.id, due_on=date(2020, 1, 1),
                                      assigned_by_id=people["manager"].id))
    db.session.add(LessonProgress(user_id=staff.id, lesson_id=optional.lessons[0].id))
    db.session.commit()
    client.login("p1.staff@test.example")
    page = client.get("/training/").get_data(as_text=True)
    required_part, optional_part = page.split('id="optional-title"')
    assert "Anti-fraud rules" in required_part and "Overdue" in required_part
    assert "Broadband basics" not in required_part
    assert "Broadband basics" in optional_part and "1 of 2 lessons read" in optional_part
    assert "Draft module" not in page
    assert "1 required module is overdue." in page


def test_my_training_empty_state(client, partners):
    client.login("p1.staff@test.example")
    page = client.get("/training/").get_data(as_text=True)
    assert "No training is available yet" in page


def test_a_draft_module_cannot_be_opened(client, partners):
    draft = build_module(status="draft")
    client.login("p1.staff@test.example")
    assert client.get(f"/training/modules/{draft.id}").status_code == 404
    assert client.post(f"/training/modules/{draft.id}/exam").status_code == 404


def test_reading_lessons_saves_progress(client, staff, module, db):
    client.login("p1.staff@test.example")
    first, second = module.lessons
    page = client.get(f"/training/modules/{module.id}/lessons/{first.id}").get_data(as_text=True)
    assert "<p>English body 1</p>" in page and "Lesson 1 of 2" in page
    response = client.post(f"/training/modules/{module.id}/lessons/{first.id}/read")
    assert response.headers["Location"].endswith(f"/training/modules/{module.id}/lessons/{second.id}")
    client.post(f"/training/modules/{module.id}/lessons/{first.id}/read")  # again: still once
    assert db.session.scalar(sa.select(sa.func.count(LessonProgress.id))) == 1
    assert "1 of 2 lessons read" in client.get(f"/training/modules/{module.id}").get_data(as_text=True)
    response = client.post(f"/training/modules/{module.id}/lessons/{second.id}/read")
    assert response.headers["Location"].endswith(f"/training/modules/{module.id}#exam")
    assert "2 of 2 lessons read" in client.get(f"/training/modules/{module.id}").get_data(as_text=True)


def test_a_lesson_is_shown_in_the_readers_language(client, make_user, partners, module, db):
    reader = make_user("p1.zh@test.example", "partner_staff", locale="zh_CN")
    reader.partner_id = partners["one"].id
    db.session.commit()
    client.login("p1.zh@test.example")
    page = client.get(f"/training/modules/{module.id}/lessons/{module.lessons[0].id}").get_data(as_text=True)
    assert "<p>中文内容 1</p>" in page and "English body" not in page and "第1课" in page


def test_a_lesson_attachment_downloads_as_a_file(client, staff, module, db):
    lesson = module.lessons[0]
    stored = storage.store_bytes(b"%PDF-1.4\n%%EOF\n", "price-list.pdf", "application/pdf")
    attachment = LessonAttachment(lesson_id=lesson.id, file_id=stored.id, label="Price list")
    db.session.add(attachment)
    db.session.commit()
    client.login("p1.staff@test.example")
    assert "Price list" in client.get(f"/training/modules/{module.id}/lessons/{lesson.id}").get_data(as_text=True)
    response = client.get(f"/training/modules/{module.id}/lessons/{lesson.id}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4\n%%EOF\n"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The attachment is reachable only under its own lesson.
    other = module.lessons[1]
    elsewhere = f"/training/modules/{module.id}/lessons/{other.id}/attachments/{attachment.id}"
    assert client.get(elsewhere).status_code == 404


def test_a_video_link_is_shown_only_when_it_is_a_web_link(client, staff, module, db):
    first, second = module.lessons
    first.video_url = "https://video.example/intro"
    second.video_url = "javascript:alert(1)"
    db.session.commit()
    client.login("p1.staff@test.example")
    assert 'href="https://video.example/intro"' in client.get(
        f"/training/modules/{module.id}/lessons/{first.id}").get_data(as_text=True)
    assert "javascript:" not in client.get(f"/training/modules/{module.id}/lessons/{second.id}").get_data(as_text=True)


def test_the_whole_exam_through_the_pages(client, staff, module, outbox, db):
    client.login("p1.staff@test.example")
    home = client.get("/partner/").get_data(as_text=True)
    assert "Your training" in home and 'href="/training/"' in home
    assert "No module is required of you at the moment." in home  # not "passed: 0 of 0"
    response = client.post(f"/training/modules/{module.id}/exam")
    attempt = db.session.scalar(sa.select(ExamAttempt))
    assert response.headers["Location"].endswith(f"/training/attempts/{attempt.id}")
    assert attempt.partner_id == staff.partner_id
    response = client.post(f"/training/attempts/{attempt.id}/submit", as_form(right_answers(attempt)))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Passed: 100%" in page and "Download your certificate" in page
    overview = client.get("/training/").get_data(as_text=True)
    assert "Certified until" in overview and "100%" in overview
