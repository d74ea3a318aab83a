"""A partner's staff member takes the demo's onboarding module in a real browser: reads a lesson,
fails the exam once, passes, downloads the certificate and checks it on the public page.

The demo data is loaded into the test database (the `db` fixture cleans it afterwards). staff@
uses the Chinese interface, so the expected words are looked up in the catalogue under her
locale rather than written here in English. Which answers are right is the test's knowledge,
read from the database (the attempt's option order and the options' `correct`), never from the
page. Screenshots go to /tmp/portal-screens/training-*.png (see conftest.py).
"""
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from portal.accounts.models import User
from portal.demo import DEMO_PASSWORD, load_demo_data
from portal.training.learning import format_code
from portal.training.models import AttemptQuestion, Certificate, QuestionOption, TrainingModule
from tests.browser.conftest import SCREENS

pytestmark = pytest.mark.browser

EMAIL = "staff@demo.example"
MODULE_EN = "New partner onboarding: products, policies and rules"


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def attempt_id(page):
    match = re.fullmatch(r"/training/attempts/(\d+)", urlsplit(page.url).path)
    assert match, f"not on an exam page: {page.url}\n{page.locator('main').inner_text()}"
    return int(match.group(1))


def answers_for(db, attempt, right):
    """{question position: [displayed positions to tick]}: the right options, or one wrong one."""
    db.session.expire_all()  # the live server wrote the attempt
    items = db.session.scalars(sa.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt)
                               .order_by(AttemptQuestion.position)).all()
    assert items, "the attempt has no questions"
    answers = {}
    for item in items:
        correct = [db.session.get(QuestionOption, option_id).correct for option_id in item.option_order]
        good = [pos for pos, ok in enumerate(correct) if ok]
        bad = [pos for pos, ok in enumerate(correct) if not ok]
        answers[item.position] = good if right else bad[:1]
    return answers


def answer(page, answers):
    for position, chosen in answers.items():
        for pos in chosen:
            page.locator(f"#q{position}-{pos}").check()


def verdict(page):
    box = page.locator("#verdict")
    return box.get_attribute("class"), " ".join(box.inner_text().split())


def test_staff_fails_once_then_passes_downloads_and_verifies_the_certificate(
        new_context, sign_in, screens, tmp_path, db):
    assert load_demo_data() is True
    staff = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    module = db.session.scalar(sa.select(TrainingModule).where(TrainingModule.title_en == MODULE_EN))
    with force_locale(staff.locale):  # the words staff@ sees, in her language
        title = module.title_zh
        failed = gettext("Not passed: %(score)d%%.", score=0)
        passed = gettext("Passed: %(score)d%%.", score=100)
        valid = gettext("Valid.")

    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm before starting and sending the exam
    sign_in(page, EMAIL, DEMO_PASSWORD)

    # ---- My training: the required module, then a lesson -----------------------------------------
    page.locator("nav li.dropdown:has(a[href='/training/']) > .dropdown-toggle").click()  # the Training menu
    click_and_wait(page, page.locator("nav a[href='/training/']"))
    required = page.locator("section[aria-labelledby=required-title]")
    assert required.get_by_role("link", name=title).count() == 1
    screens(page, "training-01-my-training")
    click_and_wait(page, required.get_by_role("link", name=title))
    assert page.locator("h1").inner_text() == title
    click_and_wait(page, page.locator(f"main a[href^='/training/modules/{module.id}/lessons/']").filter(
        has_text=module.lessons[2].title_zh))
    assert page.locator("h1").inner_text() == module.lessons[2].title_zh
    assert page.locator(".lesson-body li").count() >= 4  # the lesson's formatted text
    screens(page, "training-02-lesson")
    click_and_wait(page, page.locator("form[action$='/read'] button"))  # on to the last lesson
    assert page.locator("h1").inner_text() == module.lessons[3].title_zh
    page.goto(f"/training/modules/{module.id}")
    bar = page.locator("[role=progressbar][aria-labelledby=lessons-progress]")
    assert (bar.get_attribute("aria-valuenow"), bar.get_attribute("aria-valuemax")) == ("3", "4")  # lessons read

    # ---- first attempt: every answer wrong -------------------------------------------------------
    click_and_wait(page, page.locator("form[action$='/exam'] button"))
    first = attempt_id(page)
    assert page.locator("fieldset").count() == module.questions_per_attempt
    answer(page, answers_for(db, first, right=False))
    screens(page, "training-03-exam-answered-wrongly")
    click_and_wait(page, page.locator("form[action$='/submit'] button"))
    classes, text = verdict(page)
    assert "alert-warning" in classes and failed in text, text
    screens(page, "training-04-failed")

    # ---- second attempt: every answer right -------------------------------------------------------
    click_and_wait(page, page.locator(f"main a[href='/training/modules/{module.id}']").last)
    click_and_wait(page, page.locator("form[action$='/exam'] button"))
    second = attempt_id(page)
    assert second != first
    answer(page, answers_for(db, second, right=True))
    click_and_wait(page, page.locator("form[action$='/submit'] button"))
    classes, text = verdict(page)
    assert "alert-success" in classes and passed in text, text
    screens(page, "training-05-passed")

    # ---- the certificate: downloaded, read back, verified ----------------------------------------
    db.session.expire_all()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.attempt_id == second))
    assert certificate is not None and certificate.user_id == staff.id
    with page.expect_download() as download_info:
        page.locator(f"main a[href='/training/certificates/{certificate.id}.pdf']").click()
    saved = tmp_path / "certificate.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    shutil.copy(saved, SCREENS / "training-certificate.pdf")  # for a person to look at
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert staff.name in text and format_code(certificate.code) in text
    fonts = subprocess.run(["pdffonts", str(saved)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"WenQuanYi|Noto\S*CJK", fonts), fonts

    page.goto(f"/verify/{certificate.code}")
    classes, text = verdict(page)
    assert "alert-success" in classes and valid in text, text
    details = page.locator("main dl").inner_text()
    assert staff.name in details and format_code(certificate.code) in details and title in details
    screens(page, "training-06-verified")
