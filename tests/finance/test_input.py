"""What a partner admin may type into the request form: each mistake is named next to its
field, in the user's language, and nothing is stored; never a 500."""
import io

import pytest

from portal.core.errors import DomainError
from portal.finance import services
from tests.finance.conftest import P1_ADMIN, PDF, change_form, changes, text

URL = "/partner/bank-account/change"


@pytest.fixture
def admin_client(cast, as_user):
    return as_user(P1_ADMIN)


def refused(client, **overrides):
    response = client.post(URL, change_form(**overrides))
    assert response.status_code == 400, response.status_code
    return text(response)


def field_error(page, field):
    """The message shown under ``field`` (the field macro's ``<id>-error`` element)."""
    start = page.index(f'id="{field}-error"')
    return page[page.index(">", start) + 1:page.index("</div>", start)]


@pytest.mark.parametrize("number, message", [
    ("", "Enter the account number."),
    ("6222 0202 00AB 3344", "digits only"),
    ("１２３４５６７", "8 to 30 digits; this one has 7"),
    ("1" * 31, "8 to 30 digits; this one has 31"),
    ("６２２２٣٤٥٦٧٨", "digits only"),  # full-width digits are folded; Arabic-Indic ones are not ours
])
def test_a_bad_account_number_is_named_on_its_field(admin_client, db, number, message):
    page = refused(admin_client, account_number=number)
    assert message in field_error(page, "account_number")
    assert changes(db) == []


def test_spaces_dashes_and_full_width_digits_are_removed_from_the_number():
    assert services.normalise_account_number(" 6222-0202 0011－２２３３ ") == "622202020011" + "2233"


def test_the_proof_is_required_and_must_be_a_pdf_or_an_image(admin_client, db):
    assert "Attach the proof" in field_error(refused(admin_client, proof=None), "proof")
    page = refused(admin_client, proof=b"just some text, not a letter", proof_name="letter.pdf")
    assert "not a PDF / PNG / JPG file" in field_error(page, "proof")
    page = refused(admin_client, proof=b"PK\x03\x04" + b"\x00" * 40, proof_name="letter.docx")
    assert "not a PDF / PNG / JPG file" in field_error(page, "proof")
    assert changes(db) == []


def test_a_proof_over_the_limit_is_a_field_error_not_a_bare_413(admin_client, db, monkeypatch):
    monkeypatch.setattr(services, "PROOF_MAX_BYTES", 1024)
    page = refused(admin_client, proof=PDF + b"0" * 2048)
    assert "larger than 1.0 KB" in field_error(page, "proof")
    assert changes(db) == []


def test_a_bad_contact_email_and_missing_names_are_each_named(admin_client, db):
    page = refused(admin_client, contact_email="pay@@partner", account_name="", bank_name=" ", proof=None)
    assert "valid e-mail address" in field_error(page, "contact_email")
    assert "Enter the name the account is held in." in field_error(page, "account_name")
    assert "Enter the bank's name." in field_error(page, "bank_name")
    assert "Attach the proof" in field_error(page, "proof")
    page = refused(admin_client, branch="x" * 201, reason="y" * 501)
    assert "At most 200 characters." in field_error(page, "branch")
    assert "At most 500 characters." in field_error(page, "reason")
    assert changes(db) == []


def test_the_current_account_cannot_be_asked_for_again(admin_client, cast, request_change, approve, db):
    approve(request_change())
    page = refused(admin_client)
    assert "already your payee account" in field_error(page, "account_number")


def test_a_file_name_with_a_folder_is_refused(admin_client, db):
    page = refused(admin_client, proof_name="../../etc/letter.pdf")
    assert "plain name" in field_error(page, "proof")


def test_errors_are_in_the_users_language(cast, make_client, db):
    client = make_client({"Accept-Language": "zh-CN"})
    admin = next(u for u in cast["one"].users if u.email == P1_ADMIN)
    admin.locale = None
    db.session.commit()
    client.login(P1_ADMIN)
    response = client.post(URL, change_form(account_number="abc", contact_email="x"))
    assert response.status_code == 400
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_the_service_refuses_a_staff_member_and_an_unlinked_file(cast, db):
    staff = next(u for u in cast["one"].users if u.role == "partner_staff")
    with pytest.raises(DomainError, match="administrator"):
        services.request_change(cast["one"], {}, None, staff)
    admin = next(u for u in cast["one"].users if u.email == P1_ADMIN)
    from werkzeug.datastructures import FileStorage

    empty = FileStorage(stream=io.BytesIO(b""), filename="")
    with pytest.raises(DomainError) as caught:
        services.request_change(cast["one"], {"account_name": "Partner One Trading", "bank_name": "ICBC",
                                              "account_number": "12345678"}, empty, admin)
    assert set(caught.value.errors) == {"proof"}
