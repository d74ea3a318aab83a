"""Signing and countersigning: the order of the steps, the exact file signed, the final PDF."""
import hashlib
import io
import re
import subprocess
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app, url_for

from portal.agreements.models import Agreement, AgreementTemplate, Signature
from portal.core import storage

UA = "Mozilla/5.0 (X11; Linux x86_64) SigningTest/1.0"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def deal(people, make_prospect, make_agreement, reference_data):
    """Prospect A (Shenzhen, the GD manager's, applied by applicant1) with an agreement sent."""
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                             stage="agreement_sent", credit_code="91440300MA5HUATON1", email="li@huatong.example",
                             mobile="13812345678", legal_representative="Wang Fang")
    agreement = make_agreement(prospect, territories=[reference_data["GD-SZ"], reference_data["GD-GZ"]])
    return {"prospect": prospect, "agreement": agreement}


def page_hash(client, agreement):
    """The SHA-256 the sign page carries in its hidden field (the file it shows)."""
    html = client.get(f"/agreements/{agreement.id}/sign").get_data(as_text=True)
    match = re.search(r'name="document_sha256"[^>]*value="([0-9a-f]{64})"', html) or \
        re.search(r'value="([0-9a-f]{64})"[^>]*name="document_sha256"', html)
    assert match, "the sign page must carry the document's SHA-256"
    return match.group(1)


def sign_form(sha, **over):
    data = {"document_sha256": sha, "signer_name": "张伟 Zhang Wei", "signer_title": "General Manager",
            "authorised": "y"}
    data.update(over)
    return data


def countersign_form(**over):
    data = {"signer_name": "Chen Manager", "signer_title": "Channel Director", "authorised": "y"}
    data.update(over)
    return data


def signed_by_partner(client, agreement, **over):
    client.login("applicant1@test.example")
    response = client.post(f"/agreements/{agreement.id}/sign", sign_form(page_hash(client, agreement), **over),
                           headers={"User-Agent": UA}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response


def text_of(response):
    """The page's text with tags removed and whitespace collapsed, as a reader sees it."""
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


# ---- signing ---------------------------------------------------------------------------------------


def test_the_signature_records_the_file_served_with_ip_and_browser(client, deal, db, outbox):
    agreement = deal["agreement"]
    client.login("applicant1@test.example")
    page = client.get(f"/agreements/{agreement.id}/sign")
    assert page.status_code == 200
    inline_url = url_for("agreements.document", agreement_id=agreement.id, inline=1)
    assert f'src="{inline_url}"' in page.get_data(as_text=True)  # shown in the page
    served = client.get(url_for("agreements.document", agreement_id=agreement.id))
    assert served.status_code == 200 and served.data.startswith(b"%PDF")
    served_sha = hashlib.sha256(served.data).hexdigest()
    assert page_hash(client, agreement) == served_sha

    response = client.post(f"/agreements/{agreement.id}/sign", sign_form(served_sha),
                           headers={"User-Agent": UA}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302
    signature = db.session.scalar(sa.select(Signature).where(Signature.agreement_id == agreement.id))
    assert signature.side == "partner"
    assert signature.user.email == "applicant1@test.example"
    assert signature.document_sha256 == served_sha
    assert signature.ip_address == "203.0.113.7"
    assert signature.user_agent == UA
    assert (signature.signer_name, signature.signer_title, signature.authorised) == \
        ("张伟 Zhang Wei", "General Manager", True)
    assert signature.created_at is not None and signature.seal_file_id is None
    assert db.session.get(Agreement, agreement.id).status == "partner_signed"
    # The manager (the prospect's owner) is told, with a link to countersign.
    mail = [m for m in outbox if "gd.manager@test.example" in m.to and agreement.number in m.subject]
    assert mail and f"/agreements/{agreement.id}/countersign" in mail[0].body
    after = client.get(f"/agreements/{agreement.id}/sign")
    after = after.get_data(as_text=True)
    assert "Signed for your company" in after and 'name="signer_name"' not in after


def test_signing_twice_is_refused(client, deal, db):
    agreement = deal["agreement"]
    sha = agreement.document.sha256
    signed_by_partner(client, agreement)
    again = client.post(f"/agreements/{agreement.id}/sign", sign_form(sha, signer_name="Someone Else"))
    assert again.status_code == 400
    assert f"Agreement {agreement.number} is already signed for your company; it cannot be signed twice." \
        in text_of(again)
    signatures = db.session.scalars(sa.select(Signature).where(Signature.agreement_id == agreement.id)).all()
    assert [s.signer_name for s in signatures] == ["张伟 Zhang Wei"]


def test_a_superseded_agreement_cannot_be_signed(client, deal, make_agreement, db):
    old = deal["agreement"]
    old_sha = old.document.sha256
    old.status = "superseded"
    db.session.commit()
    new = make_agreement(deal["prospect"], deposit=Decimal("25000.00"), previous=old)
    client.login("applicant1@test.example")
    page = client.get(f"/agreements/{old.id}/sign")
    assert "has been replaced by a newer one and can no longer be signed" in text_of(page)
    assert f"/agreements/{new.id}/sign" in page.get_data(as_text=True)  # the way to the current version
    assert 'name="signer_name"' not in page.get_data(as_text=True)
    response = client.post(f"/agreements/{old.id}/sign", sign_form(old_sha))
    assert response.status_code == 400
    assert (f"This version of agreement {old.number} has been replaced by a newer one and can no longer be signed."
            in text_of(response))
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0
    assert db.session.get(Agreement, old.id).status == "superseded"


def test_signing_with_the_hash_of_an_outdated_version_is_refused(client, deal, make_agreement, db):
    old = deal["agreement"]
    old_sha = old.document.sha256
    old.status = "superseded"
    db.session.commit()
    new = make_agreement(deal["prospect"], deposit=Decimal("25000.00"), previous=old)
    client.login("applicant1@test.example")
    response = client.post(f"/agreements/{new.id}/sign", sign_form(old_sha))
    assert response.status_code == 400
    assert (f"The document you read is not the current version of agreement {new.number}. Reload the page, read "
            "the current version and sign again." in text_of(response))
    assert db.session.get(Agreement, new.id).status == "sent"
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def test_a_file_changed_by_one_byte_does_not_match(client, deal, db):
    agreement = deal["agreement"]
    client.login("applicant1@test.example")
    data = bytearray(client.get(url_for("agreements.document", agreement_id=agreement.id)).data)
    data[len(data) // 2] ^= 0x01
    response = client.post(f"/agreements/{agreement.id}/sign", sign_form(hashlib.sha256(bytes(data)).hexdigest()))
    assert response.status_code == 400
    assert "is not the current version" in text_of(response)
    assert db.session.get(Agreement, agreement.id).status == "sent"


def test_an_agreement_not_sent_for_signature_cannot_be_signed(client, deal, db):
    agreement = deal["agreement"]
    sha = agreement.document.sha256
    agreement.status = "draft"  # a status the workflow never sends for signature
    db.session.commit()
    client.login("applicant1@test.example")
    response = client.post(f"/agreements/{agreement.id}/sign", sign_form(sha))
    assert response.status_code == 400
    assert (f"Agreement {agreement.number} has not been sent for signature, so it cannot be signed yet."
            in text_of(response))
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def test_the_signatory_must_give_name_title_and_authority(client, deal, db):
    agreement = deal["agreement"]
    client.login("applicant1@test.example")
    response = client.post(f"/agreements/{agreement.id}/sign",
                           sign_form(agreement.document.sha256, signer_name=" ", signer_title="", authorised=""))
    assert response.status_code == 400
    text = text_of(response)
    assert "Type your full name as your signature." in text
    assert "Type your title (e.g. General Manager)." in text
    assert "You may sign only if you are authorised to sign for the company." in text
    assert db.session.get(Agreement, agreement.id).status == "sent"


def test_a_seal_scan_is_kept_and_shown_to_both_sides(client, make_client, deal, db):
    agreement = deal["agreement"]
    client.login("applicant1@test.example")
    response = client.post(f"/agreements/{agreement.id}/sign",
                           {**sign_form(page_hash(client, agreement)), "seal": (io.BytesIO(PNG), "seal.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    signature = db.session.scalar(sa.select(Signature))
    assert signature.seal_file.content_type == "image/png"
    assert signature.seal_file.sha256 == hashlib.sha256(PNG).hexdigest()
    assert client.get(f"/agreements/{agreement.id}/seal").data == PNG
    manager = make_client()
    manager.login("gd.manager@test.example")
    page = manager.get(f"/agreements/{agreement.id}/countersign").get_data(as_text=True)
    assert f"/agreements/{agreement.id}/seal?inline=1" in page
    inline = manager.get(f"/agreements/{agreement.id}/seal?inline=1")
    assert inline.status_code == 200 and inline.data == PNG
    assert inline.headers["Content-Security-Policy"] == "sandbox"
    assert inline.headers["X-Content-Type-Options"] == "nosniff"


def test_a_seal_scan_must_be_a_pdf_or_picture_of_at_most_10_mb(client, deal, db):
    agreement = deal["agreement"]
    client.login("applicant1@test.example")
    sha = page_hash(client, agreement)
    wrong = client.post(f"/agreements/{agreement.id}/sign",
                        {**sign_form(sha), "seal": (io.BytesIO(b"MZ\x90\x00 not a picture" * 20), "seal.png")},
                        content_type="multipart/form-data")
    assert wrong.status_code == 400
    assert "This file is not a PDF / JPG / PNG file." in text_of(wrong)
    big = PNG + b"\x00" * (10 * 1024 * 1024)
    too_big = client.post(f"/agreements/{agreement.id}/sign",
                          {**sign_form(sha), "seal": (io.BytesIO(big), "seal.png")},
                          content_type="multipart/form-data")
    assert too_big.status_code == 400
    assert "The file is larger than 10.0 MB." in text_of(too_big)
    assert db.session.get(Agreement, agreement.id).status == "sent"
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def test_two_signatures_at_once_one_is_recorded_and_the_other_is_told(app, deal, people):
    """Both requests have read the agreement as "sent". On PostgreSQL the row lock makes the
    second one wait and see the first one's signature; on SQLite (no row locks) the unique
    constraint refuses it. Either way the second signer gets the "signed twice" message."""
    import threading

    from portal.accounts.models import User
    from portal.agreements import signing
    from portal.core.errors import DomainError
    from portal.extensions import db

    agreement_id, sha = deal["agreement"].id, deal["agreement"].document.sha256
    barrier = threading.Barrier(2)
    results = {}

    def sign_as(name):
        with app.test_request_context():
            user = db.session.get(User, people["applicant"].id)
            agreement = db.session.get(Agreement, agreement_id)
            assert agreement.status == "sent" and agreement.signature("partner") is None
            barrier.wait()
            try:
                signing.sign(agreement, user, document_sha256=sha, signer_name=name, signer_title="Owner",
                             authorised=True)
                db.session.commit()
                results[name] = "signed"
            except DomainError as error:
                db.session.rollback()
                results[name] = str(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_as, args=(name,)) for name in ("First Signer", "Second Signer")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()).count("signed") == 1, results
    refused = next(v for v in results.values() if v != "signed")
    assert "cannot be signed twice" in refused
    db.session.expire_all()
    signatures = db.session.scalars(sa.select(Signature).where(Signature.agreement_id == agreement_id)).all()
    assert len(signatures) == 1 and results[signatures[0].signer_name] == "signed"


# ---- countersigning -----------------------------------------------------------------------------------


def test_countersigning_before_the_partner_signs_is_refused(client, deal, db):
    agreement = deal["agreement"]
    client.login("gd.manager@test.example")
    page = client.get(f"/agreements/{agreement.id}/countersign")
    assert page.status_code == 200
    message = (f"The partner has not signed agreement {agreement.number} yet. It can be countersigned only after "
               "the partner's signature.")
    assert message in text_of(page)
    assert 'name="signer_name"' not in page.get_data(as_text=True)
    response = client.post(f"/agreements/{agreement.id}/countersign", countersign_form())
    assert response.status_code == 400
    assert message in text_of(response)
    agreement = db.session.get(Agreement, agreement.id)
    assert agreement.status == "sent" and agreement.signed_document_id is None
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def test_countersigning_twice_is_refused(client, make_client, deal, db):
    agreement = deal["agreement"]
    signed_by_partner(make_client(), agreement)
    client.login("gd.manager@test.example")
    assert client.post(f"/agreements/{agreement.id}/countersign", countersign_form()).status_code == 302
    archived = db.session.get(Agreement, agreement.id).signed_document
    again = client.post(f"/agreements/{agreement.id}/countersign", countersign_form(signer_name="Another Manager"))
    assert again.status_code == 400
    assert f"Agreement {agreement.number} is already countersigned; it cannot be countersigned twice." \
        in text_of(again)
    agreement = db.session.get(Agreement, agreement.id)
    assert agreement.signed_document_id == archived.id  # never regenerated
    assert [s.side for s in agreement.signatures] == ["partner", "vendor"]


def test_the_final_pdf_is_the_signed_file_plus_a_page_with_both_signatures(client, make_client, deal, db, tmp_path):
    agreement = deal["agreement"]
    original = storage.path_of(agreement.document).read_bytes()
    original_pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", "-"], input=original, capture_output=True, check=True).stdout.decode()).group(1))
    signed_by_partner(make_client(), agreement)
    client.login("gd.manager@test.example")
    response = client.post(f"/agreements/{agreement.id}/countersign", countersign_form(),
                           headers={"User-Agent": "VendorBrowser/2.0"}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 302
    agreement = db.session.get(Agreement, agreement.id)
    assert agreement.status == "countersigned"
    final = storage.path_of(agreement.signed_document).read_bytes()
    assert agreement.signed_document.sha256 == hashlib.sha256(final).hexdigest()
    assert final.startswith(original)  # the signed bytes, untouched, then the signature page
    downloaded = client.get(url_for("agreements.signed_document", agreement_id=agreement.id))
    assert downloaded.status_code == 200 and downloaded.data == final

    path = tmp_path / "signed.pdf"
    path.write_bytes(final)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages == original_pages + 1
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), "-layout", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "张伟 Zhang Wei" in last and "Chen Manager" in last
    assert "General Manager" in last and "Channel Director" in last
    assert agreement.document.sha256 in last
    assert "203.0.113.7" in last and "198.51.100.9" in last
    assert UA in re.sub(r"\s+", " ", last) and "VendorBrowser/2.0" in last
    assert "Asia/Shanghai" in last and "UTC" in last
    partner_time = agreement.signature("partner").created_at
    assert partner_time.strftime("%Y-%m-%d %H:%M:%S UTC") in last
    assert agreement.prospect.company_name in last and current_app.config["VENDOR_NAME_EN"] in last
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert agreement.number in first and "Shenzhen Huatong" in first


def test_the_seal_check_is_recorded_on_the_partners_signature(client, make_client, deal, db):
    agreement = deal["agreement"]
    partner = make_client()
    partner.login("applicant1@test.example")
    partner.post(f"/agreements/{agreement.id}/sign",
                 {**sign_form(page_hash(partner, agreement)), "seal": (io.BytesIO(PNG), "seal.png")},
                 content_type="multipart/form-data")
    client.login("gd.manager@test.example")
    assert client.post(f"/agreements/{agreement.id}/countersign",
                       countersign_form(seal_checked="y")).status_code == 302
    signature = db.session.get(Agreement, agreement.id).signature("partner")
    assert signature.seal_checked_by.email == "gd.manager@test.example" and signature.seal_checked_at is not None


# ---- who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["applicant2@test.example", "p2.admin@test.example", "zj.manager@test.example",
                                   "p1.admin@test.example", "p1.staff@test.example"])
def test_outsiders_get_404_on_sign_seal_and_countersign(client, make_client, deal, partners, db, email):
    agreement = deal["agreement"]
    partner = make_client()
    partner.login("applicant1@test.example")
    partner.post(f"/agreements/{agreement.id}/sign",
                 {**sign_form(page_hash(partner, agreement)), "seal": (io.BytesIO(PNG), "seal.png")},
                 content_type="multipart/form-data")
    client.login(email)
    for url in (f"/agreements/{agreement.id}/sign", f"/agreements/{agreement.id}/seal",
                f"/agreements/{agreement.id}/seal?inline=1", f"/agreements/{agreement.id}/countersign"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/agreements/{agreement.id}/sign", sign_form(agreement.document.sha256)).status_code == 404
    assert client.post(f"/agreements/{agreement.id}/countersign", countersign_form()).status_code == 404
    assert db.session.get(Agreement, agreement.id).status == "partner_signed"


def test_each_side_signs_only_its_own_part(client, make_client, deal, db):
    agreement = deal["agreement"]
    client.login("applicant1@test.example")
    assert client.get(f"/agreements/{agreement.id}/countersign").status_code == 403
    assert client.post(f"/agreements/{agreement.id}/countersign", countersign_form()).status_code == 403
    manager = make_client()
    manager.login("gd.manager@test.example")
    assert manager.get(f"/agreements/{agreement.id}/sign").status_code == 403
    assert manager.post(f"/agreements/{agreement.id}/sign", sign_form(agreement.document.sha256)).status_code == 403
    assert db.session.get(Agreement, agreement.id).status == "sent"


# ---- with a generated agreement ------------------------------------------------------------------------


def test_a_generated_agreement_is_signed_countersigned_and_archived(client, make_client, people, make_prospect,
                                                                   reference_data, db, tmp_path):
    """The real chain: locked terms -> generated PDF (several pages, Chinese) -> sign -> countersign."""
    from portal.agreements import services
    from portal.partners.models import Partner
    from tests.agreements import lock_terms

    prospect = make_prospect("深圳华通商贸有限公司", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                             stage="negotiating", credit_code="91440300MA5EXAMPLB", legal_representative="王建国",
                             channel_type_id=reference_data["social"].id)
    lock_terms(prospect, territories=("GD-SZ", "GD-GZ"))
    services.ensure_default_templates()
    template = db.session.scalar(sa.select(AgreementTemplate).where(AgreementTemplate.code == "distributor",
                                                                    AgreementTemplate.active.is_(True)))
    agreement = services.generate_agreement(prospect, template, "bilingual", people["manager"])
    db.session.commit()
    original = storage.path_of(agreement.document).read_bytes()

    signed_by_partner(client, agreement)
    manager = make_client()
    manager.login("gd.manager@test.example")
    assert manager.post(f"/agreements/{agreement.id}/countersign", countersign_form()).status_code == 302

    agreement = db.session.get(Agreement, agreement.id)
    final = storage.path_of(agreement.signed_document).read_bytes()
    assert final.startswith(original)
    (tmp_path / "sent.pdf").write_bytes(original)
    (tmp_path / "signed.pdf").write_bytes(final)
    pages = [int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(tmp_path / name)], capture_output=True,
                                                             text=True, check=True).stdout).group(1))
             for name in ("sent.pdf", "signed.pdf")]
    assert pages[0] >= 2 and pages[1] == pages[0] + 1
    last = subprocess.run(["pdftotext", "-f", str(pages[1]), "-l", str(pages[1]), str(tmp_path / "signed.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "张伟 Zhang Wei" in last and "Chen Manager" in last and agreement.document.sha256 in last
    assert "深圳华通商贸有限公司" in last
    partner = db.session.scalar(sa.select(Partner).where(Partner.prospect_id == prospect.id))
    assert {t.code for t in partner.territories} == {"GD-SZ", "GD-GZ"}
    assert db.session.get(type(prospect), prospect.id).stage == "signed"
