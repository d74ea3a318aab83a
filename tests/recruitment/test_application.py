"""The public application form: validation in both languages, the licence, duplicates."""
import io
import re

import pytest
import sqlalchemy as sa

from portal.core.models import StoredFile
from portal.core.validators import credit_code_check_char, credit_code_error
from portal.extensions import mail
from portal.recruitment.models import DuplicateApplication, Prospect

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
VALID_CODE = "91350100M000100Y43"


def application(reference_data, **changes):
    data = {
        "company_name": "深圳市华通通信有限公司",
        "credit_code": VALID_CODE,
        "legal_representative": "张伟",
        "contact_name": "李娜",
        "mobile": "13812345678",
        "email": "li.na@huatong.example",
        "territory_id": str(reference_data["GD-SZ"].id),
        "channel_type_id": str(reference_data["social"].id),
        "outlet_count": "12",
        "registered_capital": "5000000",
        "years_in_business": "8",
        "product_lines": [str(reference_data["mobile"].id)],
        "pitch": "We run 12 outlets in Futian and Nanshan.",
        "consent": "y",
        "licence": (io.BytesIO(PDF), "licence.pdf"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, lang="en"):
    client.headers = {"Accept-Language": lang}
    return client.post("/apply", data, content_type="multipart/form-data")


def field_error(html, field):
    match = re.search(rf'id="{field}-error"[^>]*>([^<]+)<', html)
    return match.group(1).strip() if match else None


def test_credit_code_check_character():
    assert credit_code_error(VALID_CODE) is None
    wrong = VALID_CODE[:-1] + ("4" if VALID_CODE[-1] != "4" else "5")
    assert credit_code_error(wrong) is not None
    assert credit_code_error("91350100M000100Y4") is not None  # 17 characters
    assert credit_code_error("91350100M000100I43") is not None  # I is not in the alphabet
    base = "91440300MA5EXAMPL"
    assert credit_code_error(base + credit_code_check_char(base)) is None


def test_valid_application_creates_prospect_account_and_sends_password_link(client, reference_data, people):
    response = post(client, application(reference_data))
    assert response.status_code == 302
    prospect = sa.select(Prospect).where(Prospect.credit_code == VALID_CODE)
    from portal.extensions import db

    prospect = db.session.scalar(prospect)
    assert prospect.stage == "new"
    assert prospect.owner_id == people["manager"].id  # Shenzhen is in Guangdong, which gd.manager covers
    assert prospect.documents[0].kind == "licence"
    assert prospect.documents[0].file.sha256
    assert prospect.consent_at is not None
    assert prospect.applicant.email == "li.na@huatong.example"
    links = [m for m in mail.outbox if m.to == ["li.na@huatong.example"]]
    assert links and "/password/set/" in links[0].body


BAD_VALUES = [
    ("company_name", ""),
    ("credit_code", "91350100M000100Y44"),
    ("legal_representative", ""),
    ("contact_name", ""),
    ("mobile", "12345"),
    ("email", "not-an-email"),
    ("territory_id", ""),
    ("channel_type_id", ""),
    ("outlet_count", "-3"),
    ("registered_capital", "abc"),
    ("years_in_business", "-1"),
    ("product_lines", []),
    ("pitch", ""),
    ("consent", None),
]


@pytest.mark.parametrize("field,value", BAD_VALUES, ids=[f for f, _ in BAD_VALUES])
def test_each_bad_field_gets_its_own_message_in_english_and_chinese_with_other_values_kept(
    client, reference_data, field, value
):
    data = application(reference_data, **{field: value})
    if value is None:
        data.pop(field, None)
    english = post(client, data)
    assert english.status_code == 400
    html_en = english.get_data(as_text=True)
    message_en = field_error(html_en, field)
    assert message_en, f"no message under {field}"
    # Every other value is kept.
    if field != "company_name":
        assert "深圳市华通通信有限公司" in html_en
    if field != "email":
        assert 'value="li.na@huatong.example"' in html_en

    data = application(reference_data, **{field: value})
    if value is None:
        data.pop(field, None)
    chinese = post(client, data, lang="zh-CN")
    message_zh = field_error(chinese.get_data(as_text=True), field)
    assert message_zh and message_zh != message_en
    assert re.search(r"[\u4e00-\u9fff]", message_zh), message_zh


def test_rejected_form_keeps_the_licence_so_it_need_not_be_attached_again(client, reference_data, db):
    first = post(client, application(reference_data, mobile="123"))
    html = first.get_data(as_text=True)
    assert "licence.pdf" in html and 'id="licence-kept"' in html
    ref = re.search(r'name="licence_ref" type="hidden" value="([^"]+)"', html).group(1)
    second = post(client, application(reference_data, licence=None, licence_ref=ref))
    assert second.status_code == 302
    prospect = db.session.scalar(sa.select(Prospect))
    assert prospect.documents[0].file.original_name == "licence.pdf"


def test_missing_licence_is_a_field_error(client, reference_data):
    response = post(client, application(reference_data, licence=None))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "licence")


def test_html_disguised_as_pdf_is_refused_and_nothing_is_stored(client, reference_data, db):
    fake = (io.BytesIO(b"<!DOCTYPE html><html><script>alert(1)</script></html>"), "licence.pdf")
    response = post(client, application(reference_data, licence=fake))
    assert response.status_code == 400
    assert "not a PDF / JPG / PNG file" in field_error(response.get_data(as_text=True), "licence")
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Prospect.id))) == 0


def test_oversized_licence_is_a_field_error_not_a_bare_413(client, reference_data, db):
    big = (io.BytesIO(PDF + b"0" * (10 * 1024 * 1024)), "licence.pdf")
    response = post(client, application(reference_data, licence=big))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "larger than 10.0 MB" in field_error(html, "licence")
    assert "深圳市华通通信有限公司" in html  # other values kept
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0


def test_duplicate_credit_code_gives_the_submitter_no_access(client, make_client, reference_data, people, db):
    assert post(client, application(reference_data)).status_code == 302
    original = db.session.scalar(sa.select(Prospect))

    intruder = make_client()
    response = post(intruder, application(reference_data, email="someone.else@example.com", contact_name="王五",
                                           pitch="Let me see their application"))
    assert response.status_code == 302
    done = intruder.get(response.headers["Location"]).get_data(as_text=True)
    assert "already applied" in done
    assert original.company_name not in done and "li.na" not in done
    # No account for the second submitter, nothing e-mailed to them, and the manager sees the attempt.
    from portal.accounts.models import User

    assert db.session.scalar(sa.select(User).where(User.email == "someone.else@example.com")) is None
    assert not [m for m in mail.outbox if m.to == ["someone.else@example.com"]]
    attempt = db.session.scalar(sa.select(DuplicateApplication))
    assert attempt.prospect_id == original.id and attempt.contact_name == "王五"
    manager = make_client()
    manager.login("gd.manager@test.example")
    page = manager.get(f"/pipeline/prospects/{original.id}").get_data(as_text=True)
    assert "someone.else@example.com" in page


def test_application_with_an_existing_account_email_is_refused_on_the_field(client, reference_data, people):
    response = post(client, application(reference_data, email="gd.manager@test.example"))
    assert response.status_code == 400
    assert "already exists" in field_error(response.get_data(as_text=True), "email")
