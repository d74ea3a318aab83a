"""Authoring training modules: validation, sanitised lessons, attachments, the question bank and
publishing. Access by role is in tests/test_access.py (partner users get 403 on every route)."""
import io
import zipfile

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.errors import DomainError, ValidationError
from portal.training import authoring_services as services
from portal.training.models import AttemptQuestion, ExamAttempt, Question, TrainingModule
from portal.training.sanitize import sanitize_html, video_embed_url

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MANAGE = "/training/manage"


def module_form(**overrides):
    data = {"title_zh": "销售基础", "title_en": "Sales basics", "description_zh": "入门课程。",
            "description_en": "The first course.", "pass_mark": "80", "questions_per_attempt": "2",
            "max_attempts": "3", "time_limit_minutes": "", "certificate_validity_days": "365"}
    data.update(overrides)
    return data


def module_data(**overrides):
    data = module_form(pass_mark=80, questions_per_attempt=2, max_attempts=3, time_limit_minutes=None,
                       certificate_validity_days=365)
    data.update(overrides)
    return data


def lesson_data(**overrides):
    data = {"title_zh": "套餐", "title_en": "Plans", "body_zh": "<p>三种套餐。</p>", "body_en": "<p>Three plans.</p>",
            "video_url": ""}
    data.update(overrides)
    return data


def choice(kind="single", correct=(0,), texts=(("Basic", "基础"), ("Premium", "高级"), ("Family", "家庭"))):
    return {"kind": kind, "text_en": "Which plan is cheapest?", "text_zh": "哪个套餐最便宜？", "active": True,
            "options": [{"id": None, "text_en": en, "text_zh": zh, "correct": i in correct}
                        for i, (en, zh) in enumerate(texts)]}


def question_form(kind="single", correct=(0,), texts=(("Basic", "基础"), ("Premium", "高级")), **extra):
    data = {"kind": kind, "text_en": "Which plan is cheapest?", "text_zh": "哪个套餐最便宜？", "active": "y"}
    for i, (en, zh) in enumerate(texts):
        data[f"options-{i}-text_en"], data[f"options-{i}-text_zh"] = en, zh
        if i in correct:
            data[f"options-{i}-correct"] = "y"
    data.update(extra)
    return data


@pytest.fixture
def manager(people):
    return people["manager"]


@pytest.fixture
def author(client, people):
    client.login("gd.manager@test.example")
    return client


@pytest.fixture
def make_module(manager, db):
    def factory(lessons=1, questions=2, **overrides):
        module = services.create_module(module_data(**overrides), manager)
        for n in range(lessons):
            services.add_lesson(module, lesson_data(title_en=f"Lesson {n + 1}", title_zh=f"第{n + 1}课"), manager)
        for n in range(questions):
            services.save_question(module, choice(texts=((f"Yes {n}", f"是 {n}"), (f"No {n}", f"否 {n}"))), manager)
        db.session.commit()
        return module

    return factory


def field_errors(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return {field: [str(m) for m in messages] for field, messages in caught.value.errors.items()}


def attempt_with(question, user):
    attempt = ExamAttempt(module_id=question.module_id, user_id=user.id, number=1, status="submitted")
    attempt.items.append(AttemptQuestion(question_id=question.id, position=1,
                                         option_order=[o.id for o in question.options], answer=[0], correct=True))
    return attempt


# ---- modules ------------------------------------------------------------------------------------


def test_a_manager_creates_a_draft_module_and_it_is_audited(author, manager, db):
    response = author.post(f"{MANAGE}/new", module_form(time_limit_minutes="30"))
    assert response.status_code == 302
    module = db.session.scalar(sa.select(TrainingModule))
    assert (module.status, module.title_zh, module.pass_mark, module.time_limit_minutes) == ("draft", "销售基础", 80, 30)
    assert module.created_by_id == manager.id
    log = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "TrainingModule"))
    assert log.action == "create" and log.actor_id == manager.id and "销售基础" in log.new_value
    page = author.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sales basics" in page and "Add at least one lesson." in page


def test_module_form_says_what_is_wrong_with_each_field(author, db):
    response = author.post(f"{MANAGE}/new", module_form(title_zh="", pass_mark="101", questions_per_attempt="0",
                                                         max_attempts="", certificate_validity_days="0"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the title in Chinese." in page
    assert "The pass mark is a percentage from 1 to 100." in page
    assert "Each attempt draws from 1 to 200 questions." in page
    assert "Enter the maximum number of attempts (1 or more)." in page
    assert "A certificate stays valid from 1 to 3650 days" in page
    assert db.session.scalar(sa.select(sa.func.count(TrainingModule.id))) == 0


def test_pass_mark_must_be_between_1_and_100(manager):
    for mark in (0, 101, -5):
        errors = field_errors(lambda: services.module_values(module_data(pass_mark=mark)))
        assert errors == {"pass_mark": ["The pass mark is a percentage from 1 to 100."]}
    assert services.module_values(module_data(pass_mark=1))["pass_mark"] == 1
    assert services.module_values(module_data(pass_mark=100))["pass_mark"] == 100


def test_both_languages_are_required(manager):
    errors = field_errors(lambda: services.module_values(module_data(title_zh=" ", description_en="")))
    assert errors == {"title_zh": ["Enter the title in Chinese."], "description_en": ["Enter the description in English."]}


def test_module_list_filters_by_status_and_has_an_empty_state(author, manager, make_module, db):
    assert "No training module yet." in author.get(f"{MANAGE}/").get_data(as_text=True)
    make_module(title_en="Draft course")
    live = make_module(title_en="Live course")
    services.set_status(live, "published", manager)
    db.session.commit()
    page = author.get(f"{MANAGE}/").get_data(as_text=True)
    assert "Live course" in page and "Draft course" in page
    page = author.get(f"{MANAGE}/?status=published").get_data(as_text=True)
    assert "Live course" in page and "Draft course" not in page
    page = author.get(f"{MANAGE}/?status=archived").get_data(as_text=True)
    assert "No module has this status." in page and "Live course" not in page


# ---- publishing ---------------------------------------------------------------------------------


def test_publishing_is_refused_without_a_lesson_or_enough_questions(make_module, manager, db):
    module = make_module(lessons=0, questions=1, questions_per_attempt=2)
    errors = field_errors(lambda: services.set_status(module, "published", manager))
    assert errors["status"] == [
        "Add at least one lesson.",
        "Each attempt draws 2 questions, but the bank has 1 active questions. Add questions or draw fewer.",
    ]
    db.session.rollback()
    assert db.session.get(TrainingModule, module.id).status == "draft"


def test_inactive_questions_do_not_count_towards_publishing(author, make_module, manager, db):
    module = make_module(lessons=1, questions=2, questions_per_attempt=2)
    services.set_question_active(module.questions[0], False, manager)
    db.session.commit()
    response = author.post(f"{MANAGE}/{module.id}/status", {"status": "published"})
    page = author.get(response.headers["Location"]).get_data(as_text=True)
    assert "The module&#39;s status was not changed." in page
    assert "but the bank has 1 active questions" in page
    assert db.session.get(TrainingModule, module.id).status == "draft"

    services.set_question_active(db.session.get(Question, module.questions[0].id), True, manager)
    db.session.commit()
    author.post(f"{MANAGE}/{module.id}/status", {"status": "published"})
    assert db.session.get(TrainingModule, module.id).status == "published"


def test_an_invalid_question_blocks_publishing(make_module, manager, db):
    module = make_module(lessons=1, questions=2)
    broken = module.questions[1]
    broken.kind = "true_false"  # a true/false question with the wrong options, written behind the service's back
    db.session.commit()
    errors = field_errors(lambda: services.set_status(module, "published", manager))
    assert errors["status"] == ["Question 2: A true-or-false question has exactly two options, True (对) and "
                                "False (错), one of them correct."]


def test_a_published_module_stays_publishable(make_module, manager, db):
    module = make_module(lessons=1, questions=2, questions_per_attempt=2)
    services.set_status(module, "published", manager)
    db.session.commit()
    with pytest.raises(ValidationError):
        services.set_question_active(module.questions[0], False, manager)
    db.session.rollback()
    with pytest.raises(DomainError) as caught:
        services.update_module(module, module_data(questions_per_attempt=3), manager)
    assert caught.value.field == "questions_per_attempt"
    db.session.rollback()
    with pytest.raises(DomainError) as caught:
        services.delete_lesson(module.lessons[0], manager)
    assert "at least one lesson" in str(caught.value)
    db.session.rollback()
    services.set_status(module, "archived", manager)
    db.session.commit()
    assert module.status == "archived"


# ---- lessons ------------------------------------------------------------------------------------


def test_sanitising_removes_scripts_handlers_and_javascript_links_and_keeps_formatting():
    dirty = ('<h3>Plans</h3><p onclick="steal()">Read <strong>this</strong> and <em>that</em>.</p>'
             '<script>alert(1)</script><style>p{display:none}</style><iframe src="https://evil.example"></iframe>'
             '<a href="javascript:alert(1)">bad</a> <a href=" JaVaScRiPt:alert(2)">worse</a> '
             '<a href="https://example.com/prices" target="_blank" onmouseover="x()">prices</a> '
             '<a href="mailto:help@example.com">mail</a> <img src="x" onerror="alert(3)">'
             '<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>quote</blockquote><h4>Small</h4>'
             '<table><thead><tr><th scope="col">Plan</th></tr></thead><tbody><tr><td>Basic</td></tr></tbody></table>'
             '<pre><code>x = 1</code></pre><br>')
    clean = sanitize_html(dirty)
    for gone in ("<script", "alert(1)", "<style", "display:none", "<iframe", "onclick", "onmouseover", "onerror",
                 "javascript", "JaVaScRiPt", "<img", "target="):
        assert gone not in clean
    for kept in ("<h3>Plans</h3>", "<strong>this</strong>", "<em>that</em>", "<ul><li>one</li></ul>",
                 "<ol><li>two</li></ol>", "<blockquote>quote</blockquote>", "<h4>Small</h4>", '<th scope="col">Plan</th>',
                 "<td>Basic</td>", "<pre><code>x = 1</code></pre>", "<br>",
                 '<a href="https://example.com/prices" rel="noopener">prices</a>',
                 '<a href="mailto:help@example.com" rel="noopener">mail</a>'):
        assert kept in clean
    assert '<a rel="noopener">bad</a>' in clean  # the link text stays, without its address


def test_a_lesson_body_is_sanitised_on_save(author, make_module, db):
    module = make_module(lessons=0, questions=0)
    response = author.post(f"{MANAGE}/{module.id}/lessons/new", lesson_data(
        body_en='<p onclick="x()">Hello <strong>team</strong></p><script>alert("x")</script>',
        body_zh='<p>你好</p><a href="javascript:alert(1)">点我</a>'))
    assert response.status_code == 302
    lesson = db.session.get(TrainingModule, module.id).lessons[0]
    assert lesson.body_en == "<p>Hello <strong>team</strong></p>"
    assert lesson.body_zh == '<p>你好</p><a rel="noopener">点我</a>'
    page = author.get(f"{MANAGE}/{module.id}/preview").get_data(as_text=True)
    assert "<p>Hello <strong>team</strong></p>" in page and 'alert("x")' not in page


def test_a_lesson_needs_text_in_both_languages_even_after_cleaning(manager, make_module):
    module = make_module(lessons=0, questions=0)
    errors = field_errors(lambda: services.add_lesson(module, lesson_data(
        title_en="", body_zh="<script>only a script</script>", video_url="http://youtu.be/abcdefgh"), manager))
    assert errors == {"title_en": ["Enter the lesson's title in English."],
                      "body_zh": ["Write the lesson's text in Chinese."],
                      "video_url": ["Enter a video address that starts with https://, e.g. "
                                    "https://www.bilibili.com/video/BV…"]}


def test_known_video_hosts_are_embedded_and_others_linked(author, manager, make_module, db):
    assert video_embed_url("https://www.bilibili.com/video/BV1xx411c7mD") == \
        "https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&autoplay=0"
    assert video_embed_url("https://youtu.be/dQw4w9WgXcQ") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert video_embed_url("https://v.youku.com/v_show/id_XNTg2NjQ4MjQ0MA==.html") == \
        "https://player.youku.com/embed/XNTg2NjQ4MjQ0MA=="
    assert video_embed_url("https://v.qq.com/x/page/a0035xyz12.html") == \
        "https://v.qq.com/txp/iframe/player.html?vid=a0035xyz12"
    assert video_embed_url("https://videos.example.com/intro.mp4") is None
    module = make_module(lessons=0, questions=0)
    services.add_lesson(module, lesson_data(title_en="Watch", video_url="https://www.bilibili.com/video/BV1xx411c7mD"),
                        manager)
    services.add_lesson(module, lesson_data(title_en="Elsewhere", video_url="https://videos.example.com/intro.mp4"),
                        manager)
    db.session.commit()
    page = author.get(f"{MANAGE}/{module.id}/preview").get_data(as_text=True)
    assert '<iframe src="https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&amp;autoplay=0"' in page
    assert 'sandbox="allow-scripts allow-same-origin' in page and "allowfullscreen" in page
    assert 'href="https://videos.example.com/intro.mp4"' in page
    assert page.count("<iframe") == 1


def test_lessons_move_up_and_down(author, make_module, db):
    module = make_module(lessons=3, questions=0)
    first, second, third = (lesson.id for lesson in module.lessons)
    author.post(f"{MANAGE}/{module.id}/lessons/{third}/move", {"direction": "up"})
    db.session.expire_all()
    assert [lesson.id for lesson in db.session.get(TrainingModule, module.id).lessons] == [first, third, second]
    author.post(f"{MANAGE}/{module.id}/lessons/{first}/move", {"direction": "down"})
    author.post(f"{MANAGE}/{module.id}/lessons/{second}/move", {"direction": "down"})  # already last: no change
    lessons = db.session.get(TrainingModule, module.id).lessons
    assert [lesson.id for lesson in lessons] == [third, first, second]
    assert [lesson.position for lesson in lessons] == [1, 2, 3]


def test_a_lesson_or_question_of_another_module_answers_404(author, make_module):
    one, two = make_module(lessons=1, questions=1), make_module(lessons=1, questions=1)
    assert author.get(f"{MANAGE}/{two.id}/lessons/{two.lessons[0].id}").status_code == 200
    assert author.get(f"{MANAGE}/{one.id}/lessons/{two.lessons[0].id}").status_code == 404
    assert author.get(f"{MANAGE}/{one.id}/questions/{two.questions[0].id}").status_code == 404
    assert author.post(f"{MANAGE}/{one.id}/questions/{two.questions[0].id}/delete").status_code == 404


def test_preview_shows_lessons_but_not_the_exam(author, make_module):
    module = make_module(lessons=1, questions=2)
    page = author.get(f"{MANAGE}/{module.id}/preview").get_data(as_text=True)
    assert "Three plans." in page and "Lesson 1" in page
    assert "Which plan is cheapest?" not in page and "Yes 0" not in page
    chinese = author.get(f"{MANAGE}/{module.id}/preview?lang=zh").get_data(as_text=True)
    assert "三种套餐。" in chinese and "第1课" in chinese and "Three plans." not in chinese


# ---- attachments --------------------------------------------------------------------------------


def upload(author, module, data, name, label=""):
    lesson = module.lessons[0]
    return author.post(f"{MANAGE}/{module.id}/lessons/{lesson.id}/attachments",
                       {"file": (io.BytesIO(data), name), "label": label}, content_type="multipart/form-data")


def office_file(member="word/document.xml"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


def test_attachments_are_checked_by_content(author, make_module, db):
    module = make_module(lessons=1, questions=0)
    response = upload(author, module, b"<html><script>alert(1)</script></html>", "prices.pdf")
    assert response.status_code == 400
    assert "This file is not a PDF, PNG or JPG file" in response.get_data(as_text=True)
    response = upload(author, module, b"<html></html>", "slides.pptx")
    assert response.status_code == 400
    response = upload(author, module, office_file(), "report.pdf")  # a ZIP named .pdf
    assert response.status_code == 400
    assert db.session.get(TrainingModule, module.id).lessons[0].attachments == []

    assert upload(author, module, PDF, "prices.pdf", label="Price list").status_code == 302
    assert upload(author, module, office_file(), "Handbook.docx").status_code == 302
    assert upload(author, module, office_file("ppt/presentation.xml"), "deck.PPTX").status_code == 302
    attachments = db.session.get(TrainingModule, module.id).lessons[0].attachments
    assert [(a.label, a.file.content_type) for a in attachments] == [
        ("Price list", "application/pdf"),
        (None, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (None, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ]
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(AuditLog.entity_type == "LessonAttachment")) == 3
    download = author.get(f"{MANAGE}/{module.id}/lessons/{module.lessons[0].id}/attachments/{attachments[0].id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_an_attachment_over_20_mb_is_a_field_error(author, make_module):
    module = make_module(lessons=1, questions=0)
    response = upload(author, module, PDF + b"0" * (20 * 1024 * 1024), "big.pdf")
    assert response.status_code == 400
    assert "The file is larger than 20.0 MB." in response.get_data(as_text=True)


def test_removing_an_attachment(author, make_module, db):
    module = make_module(lessons=1, questions=0)
    upload(author, module, PDF, "prices.pdf")
    lesson = db.session.get(TrainingModule, module.id).lessons[0]
    attachment_id = lesson.attachments[0].id
    response = author.post(f"{MANAGE}/{module.id}/lessons/{lesson.id}/attachments/{attachment_id}/delete")
    assert response.status_code == 302
    assert db.session.get(TrainingModule, module.id).lessons[0].attachments == []
    assert author.get(f"{MANAGE}/{module.id}/lessons/{lesson.id}/attachments/{attachment_id}").status_code == 404


# ---- the question bank --------------------------------------------------------------------------


def test_single_choice_needs_exactly_one_correct_option(manager, make_module):
    module = make_module(lessons=0, questions=0)
    errors = field_errors(lambda: services.save_question(module, choice("single", correct=(0, 1)), manager))
    assert errors == {"options": ["A single-choice question has exactly one correct option; 2 are marked."]}
    errors = field_errors(lambda: services.save_question(module, choice("single", correct=()), manager))
    assert errors == {"options": ["Mark the correct option."]}


def test_multiple_choice_needs_at_least_one_correct_option(author, make_module, db):
    module = make_module(lessons=0, questions=0)
    response = author.post(f"{MANAGE}/{module.id}/questions/new", question_form("multiple", correct=()))
    assert response.status_code == 400
    assert "Mark at least one correct option." in response.get_data(as_text=True)
    response = author.post(f"{MANAGE}/{module.id}/questions/new", question_form("multiple", correct=(0, 1)))
    assert response.status_code == 302
    question = db.session.get(TrainingModule, module.id).questions[0]
    assert [o.correct for o in question.options] == [True, True]


def test_options_come_in_both_languages_two_to_eight_of_them(manager, make_module):
    module = make_module(lessons=0, questions=0)
    errors = field_errors(lambda: services.save_question(module, choice(texts=(("Only", "唯一"),)), manager))
    assert errors == {"options": ["Give from 2 to 8 options."]}
    errors = field_errors(lambda: services.save_question(module, choice(texts=(("Yes", "是"), ("No", ""))), manager))
    assert errors == {"options": ["Option 2 needs its text in both Chinese and English."]}
    nine = tuple((f"Option {n}", f"选项 {n}") for n in range(9))
    assert "Give from 2 to 8 options." in field_errors(
        lambda: services.save_question(module, choice(texts=nine), manager))["options"]
    errors = field_errors(lambda: services.save_question(
        module, {**choice(), "text_zh": "", "text_en": "Q?"}, manager))
    assert errors == {"text_zh": ["Write the question in Chinese."]}


def test_true_false_questions_get_exactly_true_and_false(author, make_module, db):
    module = make_module(lessons=0, questions=0)
    response = author.post(f"{MANAGE}/{module.id}/questions/new", question_form("true_false", texts=()))
    assert response.status_code == 400
    assert "Choose whether the statement is true or false." in response.get_data(as_text=True)
    # Options typed into the choice rows are ignored: a true/false question has its own two.
    response = author.post(f"{MANAGE}/{module.id}/questions/new",
                           question_form("true_false", texts=(("Maybe", "也许"),), tf_answer="false"))
    assert response.status_code == 302
    question = db.session.get(TrainingModule, module.id).questions[0]
    assert [(o.text_en, o.text_zh, o.correct) for o in question.options] == [("True", "对", False), ("False", "错", True)]
    ids = [o.id for o in question.options]
    author.post(f"{MANAGE}/{module.id}/questions/{question.id}", question_form("true_false", texts=(), tf_answer="true"))
    question = db.session.get(Question, question.id)
    assert [(o.id, o.correct) for o in question.options] == [(ids[0], True), (ids[1], False)]
    assert services.question_problems(question) == []


def test_editing_a_question_keeps_its_options_and_may_remove_one(author, make_module, db):
    module = make_module(lessons=0, questions=0)
    author.post(f"{MANAGE}/{module.id}/questions/new",
                question_form(texts=(("A", "甲"), ("B", "乙"), ("C", "丙")), correct=(1,)))
    question = db.session.get(TrainingModule, module.id).questions[0]
    page = author.get(f"{MANAGE}/{module.id}/questions/{question.id}").get_data(as_text=True)
    assert 'value="丙"' in page
    a, b, c = question.options
    form = question_form(texts=(("A", "甲"), ("B (right)", "乙（对）"), ("", "")), correct=(1,))
    form.update({"options-0-option_id": str(a.id), "options-1-option_id": str(b.id), "options-2-option_id": str(c.id)})
    assert author.post(f"{MANAGE}/{module.id}/questions/{question.id}", form).status_code == 302
    question = db.session.get(Question, question.id)
    assert [(o.id, o.text_en, o.correct) for o in question.options] == [(a.id, "A", False), (b.id, "B (right)", True)]


def test_a_question_asked_in_an_exam_keeps_its_options(author, manager, people, make_module, db):
    module = make_module(lessons=1, questions=0)
    question = services.save_question(module, choice(), manager)
    db.session.add(attempt_with(question, people["admin"]))
    db.session.commit()
    a, b, c = question.options
    keep_two = question_form(texts=(("Basic", "基础"), ("Premium", "高级")), correct=(0,))
    keep_two.update({"options-0-option_id": str(a.id), "options-1-option_id": str(b.id), "options-2-option_id": str(c.id)})
    response = author.post(f"{MANAGE}/{module.id}/questions/{question.id}", keep_two)
    assert response.status_code == 400
    assert "its options cannot be removed. Deactivate it" in response.get_data(as_text=True)
    assert len(db.session.get(Question, question.id).options) == 3
    # Rewording is fine, deleting is not, deactivating is.
    errors = field_errors(lambda: services.save_question(module, {**choice(), "kind": "multiple", "options": [
        {"id": o.id, "text_en": o.text_en, "text_zh": o.text_zh, "correct": o.correct} for o in question.options]},
        manager, question=question))
    assert list(errors) == ["kind"]
    db.session.rollback()
    response = author.post(f"{MANAGE}/{module.id}/questions/{question.id}/delete")
    assert "Deactivate it instead." in author.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Question, question.id) is not None
    author.post(f"{MANAGE}/{module.id}/questions/{question.id}/active", {"active": "0"})
    assert db.session.get(Question, question.id).active is False


def test_an_unused_question_can_be_deleted(author, make_module, db):
    module = make_module(lessons=0, questions=3)
    middle = module.questions[1].id
    assert author.post(f"{MANAGE}/{module.id}/questions/{middle}/delete").status_code == 302
    questions = db.session.get(TrainingModule, module.id).questions
    assert middle not in [q.id for q in questions]
    assert [q.position for q in questions] == [1, 2]


def test_the_bank_lists_kind_options_and_status(author, manager, make_module, db):
    module = make_module(lessons=0, questions=0)
    services.save_question(module, choice("multiple", correct=(0, 2)), manager)
    services.save_question(module, {"kind": "true_false", "text_en": "The sky is blue.", "text_zh": "天是蓝的。",
                                    "tf_answer": "true", "active": False}, manager)
    db.session.commit()
    page = author.get(f"{MANAGE}/{module.id}/questions").get_data(as_text=True)
    assert "Multiple choice (all or nothing)" in page and "True or false" in page
    assert '<td class="text-end">3</td>' in page and '<td class="text-end">2</td>' in page
    assert "Inactive" in page
    assert "0 active" not in page and "1 active questions" in page


def test_partner_staff_cannot_author(make_client, partners, make_module):
    module = make_module()
    staff = make_client()
    staff.login("p1.staff@test.example")
    assert staff.get(f"{MANAGE}/").status_code == 403
    assert staff.post(f"{MANAGE}/new", module_form()).status_code == 403
    assert staff.post(f"{MANAGE}/{module.id}/questions/new", question_form()).status_code == 403
