"""The recruitment flow end to end in a real browser: apply, work the prospect, follow it.

Screenshots of each step go to /tmp/portal-screens/ (see conftest.py) for a person to look at.
"""
import re
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from flask_babel import gettext

from portal.extensions import mail
from portal.recruitment.models import STAGE_LABELS
from tests.browser.conftest import minimal_pdf

pytestmark = pytest.mark.browser

COMPANY = "Shenzhen Bright Star Telecom Trading Co., Ltd."
APPLICANT_EMAIL = "wang.fang@brightstar.example.cn"
NEW_PASSWORD = "a-long-and-new-password"
NOTE = "Called Ms Wang: 12 outlets in Futian, licence checked. Visit planned."


def valid_credit_code(first17="91440300MA5FXY012"):
    from portal.core.validators import credit_code_check_char

    return first17 + credit_code_check_char(first17)


def zh(message):
    """The app's own Chinese for `message`: right whether or not the catalogue has it yet."""
    with force_locale("zh_CN"):
        return gettext(message)


def set_password_path(email):
    """The path of the set-password link in the last e-mail sent to `email`."""
    for message in reversed(mail.outbox):
        if email in message.to:
            match = re.search(r"https?://\S+/password/set/\S+", message.body)
            if match:
                return urlsplit(match.group(0)).path
    raise AssertionError(f"no set-password link mailed to {email}; outbox: {[m.subject for m in mail.outbox]}")


def test_application_is_worked_by_the_manager_and_followed_by_the_applicant(
        new_context, make_user, reference_data, sign_in, screens):
    manager = make_user("gd.manager@test.example", "manager", [reference_data["GD"]], name="Zhou Manager")
    city = reference_data["GD-SZ"]
    credit_code = valid_credit_code()

    # 1. A visitor whose browser speaks Chinese applies, attaching a PDF licence.
    visitor = new_context(locale="zh-CN").new_page()
    visitor.goto("/apply")
    assert visitor.locator("html").get_attribute("lang") == "zh-CN"
    form = visitor.locator("main form")
    form.locator("#company_name").fill(COMPANY)
    form.locator("#credit_code").fill(credit_code)
    form.locator("#legal_representative").fill("Wang Jianguo")
    form.locator("#territory_id").select_option(str(city.id))
    form.locator("#channel_type_id").select_option(str(reference_data["social"].id))
    form.locator("#registered_capital").fill("5000000")
    form.locator("#outlet_count").fill("12")
    form.locator("#years_in_business").fill("8")
    form.locator("#contact_name").fill("Wang Fang")
    form.locator("#mobile").fill("13812345678")
    form.locator("#email").fill(APPLICANT_EMAIL)
    form.locator(f"input[name=product_lines][value='{reference_data['mobile'].id}']").check()
    form.locator(f"input[name=product_lines][value='{reference_data['broadband'].id}']").check()
    form.locator("#pitch").fill("Twelve shops in Futian and Nanshan selling phones and SIM cards since 2017.")
    form.locator("#licence").set_input_files(
        files=[{"name": "licence.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}])
    form.locator("#consent").check()
    screens(visitor, "01-apply-filled")
    with visitor.expect_navigation():
        form.locator("button[type=submit]").click()
    assert urlsplit(visitor.url).path == "/apply/done", visitor.locator("main").inner_text()
    assert visitor.locator("h1").inner_text() == zh("Thank you: your application is received")
    screens(visitor, "02-apply-done")

    # 2. The manager of the territory finds the card on the board and moves it to "Qualifying".
    manager_page = new_context().new_page()
    sign_in(manager_page, manager.email)
    manager_page.get_by_role("button", name="Recruitment").click()
    manager_page.get_by_role("link", name="Board", exact=True).click()
    new_column = manager_page.locator("section.board-column", has=manager_page.locator("#col-new"))
    card = new_column.locator("a.board-card", has_text=COMPANY)
    card.wait_for()
    screens(manager_page, "03-manager-board")
    card.click()
    manager_page.wait_for_url(re.compile(r"/pipeline/prospects/\d+$"))
    assert manager_page.locator("h1").inner_text() == COMPANY
    assert manager_page.get_by_role("link", name=re.compile(r"^View")).count() == 1  # the licence
    move = manager_page.locator("form[action$='/stage']")
    move.locator("#to_stage").select_option("qualifying")
    move.locator("#reason").fill(NOTE)
    with manager_page.expect_navigation():
        move.locator("button[type=submit]").click()
    assert manager_page.get_by_role("status").filter(has_text="Qualifying").count() == 1
    assert manager_page.locator("h1 + p .badge").inner_text() == "Qualifying"
    screens(manager_page, "04-manager-moved")

    # 3. The applicant chooses a password through the e-mailed link, in a Chinese browser ...
    applicant_context = new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    applicant = applicant_context.new_page()
    applicant.goto(set_password_path(APPLICANT_EMAIL))
    assert applicant.locator("html").get_attribute("lang") == "zh-CN"
    applicant.locator("main form #password").fill(NEW_PASSWORD)
    applicant.locator("main form #confirm").fill(NEW_PASSWORD)
    screens(applicant, "05-applicant-set-password")
    with applicant.expect_navigation():
        applicant.locator("main form button[type=submit]").click()

    # ... signs in afresh, and sees the new stage and the manager's note on their application.
    applicant_context.clear_cookies()
    sign_in(applicant, APPLICANT_EMAIL, NEW_PASSWORD)
    applicant.goto("/my-application")
    with force_locale("zh_CN"):
        expected_stage = str(STAGE_LABELS["qualifying"])
    assert applicant.locator("html").get_attribute("lang") == "zh-CN"
    assert applicant.locator("h1").inner_text() == COMPANY
    assert applicant.locator("p.lead .badge").inner_text() == expected_stage
    assert applicant.locator("[aria-current=step]").inner_text() == expected_stage
    assert NOTE in applicant.locator(".timeline").inner_text()
    screens(applicant, "06-applicant-application-zh")
