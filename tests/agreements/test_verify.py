"""Verifying a PDF: is it, byte for byte, the archived signed agreement?"""
import io

import pytest

from portal import create_app
from portal.agreements import services
from portal.agreements.models import AgreementTemplate
from portal.core import storage
from portal.extensions import db as _db
from tests.agreements import lock_terms, sha256


@pytest.fixture
def agreement(people, make_prospect, reference_data, db):
    """An agreement generated and sent (not yet signed), with the GD manager's prospect."""
    prospect = make_prospect("Verify Trading Co", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                             stage="negotiating", credit_code="91440300MA5EXAMPLC", legal_representative="赵六")
    lock_terms(prospect)
    services.ensure_default_templates()
    template = db.session.scalar(db.select(AgreementTemplate).where(AgreementTemplate.code == "distributor"))
    agreement = services.generate_agreement(prospect, template, "zh", people["manager"])
    db.session.commit()
    return agreement


def countersign(agreement, db):
    """As the signing workflow does: the signed PDF begins with the sent file, then a signature page."""
    sent = storage.path_of(agreement.document).read_bytes()
    signed = sent + b"\n% incremental update: the signature page\n%%EOF\n"
    agreement.signed_document = storage.store_bytes(signed, f"{agreement.number}-signed.pdf", "application/pdf")
    agreement.status = "countersigned"
    db.session.commit()
    return sent, signed


def check(client, data=None, number="", name="agreement.pdf"):
    form = {"number": number}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post("/agreements/verify", form, content_type="multipart/form-data")


def test_anyone_can_open_the_verification_page(client):
    page = client.get("/agreements/verify")
    assert page.status_code == 200 and "Verify an agreement" in page.get_data(as_text=True)


def test_the_archived_signed_pdf_matches_byte_for_byte(client, agreement, db):
    _, signed = countersign(agreement, db)
    for number in ("", agreement.number, agreement.number.lower()):
        response = check(client, signed, number)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Match." in html and f"the signed agreement {agreement.number}" in html, number
        assert "Signed by both sides" in html and "Verify Trading Co" in html
        assert sha256(signed) in html


def test_a_file_changed_by_one_byte_does_not_match(client, agreement, db):
    _, signed = countersign(agreement, db)
    changed = bytearray(signed)
    changed[len(changed) // 2] ^= 0x01
    for number in ("", agreement.number):
        html = check(client, bytes(changed), number).get_data(as_text=True)
        assert "Does not match." in html and "Match." not in html.replace("Does not match.", ""), number
    # one byte more at the end is just as different
    assert "Does not match." in check(client, signed + b" ", agreement.number).get_data(as_text=True)


def test_an_unknown_number_says_so(client, agreement, db):
    response = check(client, number="AG-2099-999999")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unknown number." in html and "There is no agreement with the number AG-2099-999999" in html
    assert "Verify Trading Co" not in html


def test_an_agreement_not_yet_signed_is_compared_with_the_file_sent(client, agreement, db):
    sent = storage.path_of(agreement.document).read_bytes()
    html = check(client, sent, agreement.number).get_data(as_text=True)
    assert "Match, not yet signed." in html and "Sent for signature" in html


def test_the_unsigned_copy_of_a_signed_agreement_is_not_the_signed_version(client, agreement, db):
    sent, _ = countersign(agreement, db)
    html = check(client, sent).get_data(as_text=True)
    assert "Not the signed version." in html and agreement.number in html


def test_verification_tells_only_number_status_parties_and_dates(client, agreement, db):
    _, signed = countersign(agreement, db)
    for response in (check(client, signed), check(client, number=agreement.number)):
        html = response.get_data(as_text=True)
        assert agreement.number in html and "示例通信有限公司" in html
        for secret in ("91440300MA5EXAMPLC", "赵六", "20,000.10", "3.35", "applicant1@test.example", "Gd.Manager"):
            assert secret not in html, secret
    # The partner is named only to someone holding the file: numbers run in sequence and could
    # otherwise be stepped through to list every partner and prospect.
    assert "Verify Trading Co" in check(client, signed).get_data(as_text=True)
    by_number = check(client, number=agreement.number).get_data(as_text=True)
    assert "Upload the file too" in by_number and "Verify Trading Co" not in by_number
    tampered = check(client, signed[:-1] + bytes([signed[-1] ^ 1]), agreement.number).get_data(as_text=True)
    assert "Does not match." in tampered and "Verify Trading Co" not in tampered


@pytest.mark.parametrize("data,name", [(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "agreement.pdf"),
                                       (b"just some text, not a PDF", "agreement.pdf")])
def test_a_file_that_is_not_a_pdf_is_refused_on_the_field(client, agreement, data, name):
    response = check(client, data, agreement.number, name)
    assert response.status_code == 400
    assert "This file is not a PDF file" in response.get_data(as_text=True)


def test_nothing_to_check_or_a_malformed_number_is_a_field_error(client, agreement):
    empty = check(client)
    assert empty.status_code == 400 and "Upload the PDF, enter the agreement number, or both" in empty.get_data(as_text=True)
    bad = check(client, number="42; DROP TABLE")
    assert bad.status_code == 400 and "looks like AG-2026-000042" in bad.get_data(as_text=True)


def test_a_file_too_large_is_a_field_error(app, client, agreement, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_MAX_BYTES", 1000)
    response = check(client, b"%PDF-1.7\n" + b"0" * 2000, agreement.number)
    assert response.status_code == 400 and "larger than" in response.get_data(as_text=True)


def test_verification_is_rate_limited(tmp_path):
    app = create_app("testing", {"RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False,
                                 "VERIFY_RATE_LIMIT": "3 per minute",
                                 "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.sqlite3'}",
                                 "UPLOAD_DIR": str(tmp_path / "u"), "MAIL_FILE_PATH": str(tmp_path / "o")})
    with app.app_context():
        _db.create_all()  # a throwaway database: only the limiter is under test here
    client = app.test_client()
    codes = [client.post("/agreements/verify", data={"number": "AG-2026-000001"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/agreements/verify").status_code == 200  # reading the page is not limited
