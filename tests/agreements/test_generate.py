"""Generating the agreement PDF from the locked terms, and the agreement page."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.agreements import services
from portal.agreements.models import Agreement, AgreementTemplate, Signature
from portal.core import storage
from portal.core.errors import DomainError
from portal.notifications.models import Notification
from portal.recruitment.models import StageChange
from tests.agreements import CHINESE_CLAUSE, ENGLISH_CLAUSE, lock_terms, page_count, page_text, poppler, sha256


@pytest.fixture
def negotiated(people, make_prospect, reference_data, db):
    """A prospect in negotiation in Shenzhen, owned by the GD manager, applied by applicant1,
    with locked terms and the default templates."""
    prospect = make_prospect("深圳华通商贸有限公司", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                             stage="negotiating", credit_code="91440300MA5EXAMPLB", legal_representative="王建国",
                             channel_type_id=reference_data["social"].id)
    sheet = lock_terms(prospect)
    services.ensure_default_templates()
    db.session.commit()
    return prospect, sheet


def template(code="distributor"):
    from portal.extensions import db

    return db.session.scalar(sa.select(AgreementTemplate).where(AgreementTemplate.code == code,
                                                                AgreementTemplate.active.is_(True)))


def generate(prospect, people, language="bilingual", code="distributor"):
    from portal.extensions import db

    agreement = services.generate_agreement(prospect, template(code), language, people["manager"])
    db.session.commit()
    return agreement


def write(tmp_path, agreement, name="agreement.pdf"):
    path = tmp_path / name
    path.write_bytes(storage.path_of(agreement.document).read_bytes())
    return path


# ---- generating through the page --------------------------------------------------------------------


def test_manager_generates_the_agreement_and_the_prospect_is_told(client, negotiated, people, outbox, db):
    prospect, sheet = negotiated
    client.login("gd.manager@test.example")
    form = client.get(f"/pipeline/prospects/{prospect.id}/agreement").get_data(as_text=True)
    assert f"Locked terms, version {sheet.number}" in form and "3.35%" in form
    response = client.post(f"/pipeline/prospects/{prospect.id}/agreement",
                           {"template_id": str(template().id), "language": "bilingual"})
    assert response.status_code == 302
    agreement = db.session.scalar(sa.select(Agreement))
    assert response.headers["Location"].endswith(f"/agreements/{agreement.id}")
    assert re.fullmatch(r"AG-20\d\d-000001", agreement.number)
    assert (agreement.status, agreement.kind, agreement.partner_id, agreement.previous_id) == ("sent", "original", None, None)
    assert (agreement.start_date, agreement.end_date) == (date(2026, 1, 1), date(2026, 12, 31))
    assert agreement.term_sheet_id == sheet.id and agreement.template_id == template().id
    assert agreement.generated_by_id == people["manager"].id

    db.session.refresh(prospect)
    assert prospect.stage == "agreement_sent"
    change = db.session.scalars(sa.select(StageChange).order_by(StageChange.id.desc())).first()
    assert (change.from_stage, change.to_stage, change.actor_id) == ("negotiating", "agreement_sent", people["manager"].id)
    assert agreement.number in change.reason

    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "agreement_sent")).all()
    assert [n.user_id for n in told] == [people["applicant"].id]
    assert told[0].link == f"/agreements/{agreement.id}"
    assert any(agreement.number in m.subject and m.to == ["applicant1@test.example"] for m in outbox)


def test_the_stored_hash_is_the_hash_of_the_downloaded_bytes(client, negotiated, people, db):
    prospect, _ = negotiated
    agreement = generate(prospect, people)
    client.login("applicant1@test.example")
    download = client.get(f"/agreements/{agreement.id}/document.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-")
    assert sha256(download.data) == agreement.document.sha256
    assert len(download.data) == agreement.document.size
    assert "attachment" in download.headers["Content-Disposition"]
    inline = client.get(f"/agreements/{agreement.id}/document.pdf?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert inline.headers["Content-Security-Policy"] == "sandbox"
    assert inline.data == download.data


def test_without_locked_terms_nothing_is_generated(client, people, make_prospect, reference_data, db):
    prospect = make_prospect("Open Terms Co", "GD-SZ", owner=people["manager"], stage="negotiating")
    lock_terms(prospect, status="open")
    services.ensure_default_templates()
    db.session.commit()
    client.login("gd.manager@test.example")
    page = client.get(f"/pipeline/prospects/{prospect.id}/agreement").get_data(as_text=True)
    assert "There are no locked terms yet" in page and "Generate and send for signature" not in page
    response = client.post(f"/pipeline/prospects/{prospect.id}/agreement",
                           {"template_id": str(template().id), "language": "zh"})
    assert response.status_code == 400
    assert "There are no locked terms yet" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == 0
    db.session.refresh(prospect)
    assert prospect.stage == "negotiating"


def test_generation_waits_while_a_newer_version_of_the_terms_is_negotiated(client, negotiated, db):
    prospect, _ = negotiated
    client.login("gd.manager@test.example")
    link = f'href="/pipeline/prospects/{prospect.id}/agreement"'
    assert link in client.get(f"/pipeline/prospects/{prospect.id}").get_data(as_text=True)
    lock_terms(prospect, status="open")  # a newer version is on the table
    assert link not in client.get(f"/pipeline/prospects/{prospect.id}").get_data(as_text=True)
    assert "still being negotiated" in client.get(f"/pipeline/prospects/{prospect.id}/agreement").get_data(as_text=True)
    refused = client.post(f"/pipeline/prospects/{prospect.id}/agreement",
                          {"template_id": str(template().id), "language": "zh"})
    assert refused.status_code == 400 and "still being negotiated" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == 0


# ---- the PDF, read back with poppler ------------------------------------------------------------------


def test_the_pdf_carries_the_parties_and_the_negotiated_terms_in_chinese_and_english(negotiated, people, tmp_path):
    prospect, _ = negotiated
    agreement = generate(prospect, people, "bilingual")
    path = write(tmp_path, agreement)
    text = poppler("pdftotext", path)
    flat = re.sub(r"\s+", "", text)
    # the parties
    for value in ("示例通信有限公司", "Example Telecom Co., Ltd.", "深圳华通商贸有限公司", "91440300MA5EXAMPLB", "王建国"):
        assert value in text, value
    # the terms, in Chinese and in English
    for value in ("广东·深圳", "Shenzhen, Guangdong", "独家", "exclusive", "社会渠道", "Social channel", "金牌", "Gold",
                  "移动套餐", "Mobile plans", "宽带", "Broadband", "3.35%", "5.00%", "200,000.00", "人民币20,000.10元",
                  "CNY20,000.10", "1,500.00", "2026年1月1日", "31December2026", "佣金按月结算"):
        assert re.sub(r"\s+", "", value) in flat, value
    assert CHINESE_CLAUSE in flat and re.sub(r"\s+", "", ENGLISH_CLAUSE) in flat
    # the clauses of both versions and the signature blocks
    for value in ("第九条保密", "9.Confidentiality", "第十条争议解决", "甲方/PartyA（盖章）/(seal)", "授权代表（签字）"):
        assert value in flat, value
    pages = page_count(path)
    sizes = poppler("pdfinfo", path, "-f", "1", "-l", str(pages))
    assert sizes.count("(A4)") == pages  # every page is A4


def test_chinese_text_is_drawn_in_an_embedded_cjk_font(negotiated, people, tmp_path):
    prospect, _ = negotiated
    path = write(tmp_path, generate(prospect, people, "zh"))
    fonts = poppler("pdffonts", path).splitlines()[2:]
    cjk = [line for line in fonts if re.search(r"WenQuanYi|NotoSansCJK|Noto-Sans-CJK|NotoSerifCJK", line)]
    assert cjk, fonts
    for line in cjk:
        columns = line.split()
        assert columns[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, unicode map


LONG_CLAUSES = "\n".join(
    f"第{i}款：乙方应当按月报送进销存报表并配合甲方检查巡视。Clause {i}: the partner reports purchases, sales and stock "
    f"monthly and admits the vendor's inspections of its outlets." for i in range(1, 61)
)


@pytest.mark.parametrize("language,counter", [
    ("en", "Page {n} of {m}"),
    ("zh", "第 {n} 页 / 共 {m} 页"),
    ("bilingual", "第 {n} 页 / 共 {m} 页 · Page {n} of {m}"),
])
def test_every_page_shows_the_number_and_page_n_of_m(language, counter, people, make_prospect, reference_data, db,
                                                     tmp_path):
    prospect = make_prospect("Long Terms Co", "GD-SZ", owner=people["manager"], stage="negotiating")
    lock_terms(prospect, special=LONG_CLAUSES)
    services.ensure_default_templates()
    db.session.commit()
    agreement = generate(prospect, people, language, code="campus-agent")
    path = write(tmp_path, agreement)
    pages = page_count(path)
    assert pages >= 3
    for n in range(1, pages + 1):
        text = page_text(path, n)
        assert counter.format(n=n, m=pages) in text, f"page {n}: {text[-300:]}"
        assert agreement.number in text, f"page {n} lacks the agreement number"


# ---- never regenerated in place ---------------------------------------------------------------------


def test_generating_again_makes_a_new_agreement_and_supersedes_the_first(negotiated, people, db):
    prospect, _ = negotiated
    first = generate(prospect, people, "zh")
    first_bytes = storage.path_of(first.document).read_bytes()
    second = generate(prospect, people, "en", code="campus-agent")
    db.session.refresh(first)
    assert first.status == "superseded" and second.status == "sent"
    assert first.number != second.number and first.document_id != second.document_id
    assert storage.path_of(first.document).read_bytes() == first_bytes  # the first file is untouched
    assert sha256(first_bytes) == first.document.sha256
    assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == 2
    db.session.refresh(prospect)
    assert prospect.stage == "agreement_sent"
    assert db.session.scalar(sa.select(sa.func.count(StageChange.id)).where(StageChange.to_stage == "agreement_sent")) == 1


def test_terms_already_signed_cannot_be_generated_again(negotiated, people, db):
    prospect, _ = negotiated
    first = generate(prospect, people)
    first.status = "countersigned"
    db.session.commit()
    with pytest.raises(DomainError, match="already signed"):
        services.generate_agreement(prospect, template(), "zh", people["manager"])


def test_an_agreement_keeps_the_template_version_it_was_generated_from(client, negotiated, people, db):
    prospect, _ = negotiated
    agreement = generate(prospect, people)
    old = template()
    client.login("admin@test.example")
    client.post(f"/admin/agreement-templates/{old.id}/edit",
                {"name_zh": old.name_zh, "name_en": old.name_en, "body_zh": old.body_zh + "<p>新条款</p>",
                 "body_en": old.body_en, "save": "Save"})
    assert template().version == 2
    db.session.refresh(agreement)
    assert agreement.template_id == old.id and agreement.template.version == 1


def test_an_inactive_template_or_unknown_language_is_refused(negotiated, people, db):
    prospect, _ = negotiated
    old = template()
    with pytest.raises(DomainError) as refused:
        services.generate_agreement(prospect, old, "fr", people["manager"])
    assert refused.value.field == "language"
    old.active = False
    with pytest.raises(DomainError) as refused:
        services.generate_agreement(prospect, old, "zh", people["manager"])
    assert refused.value.field == "template_id"


# ---- amendments and renewals for a partner ------------------------------------------------------------


def test_a_partner_gets_an_amendment_or_a_renewal_linked_to_its_signed_agreement(partners, people, db):
    partner = partners["one"]
    prospect = partner.prospect
    services.ensure_default_templates()
    lock_terms(prospect, start=date(2026, 1, 1), end=date(2026, 12, 31))
    original = generate(prospect, people, "zh")
    original.status = "countersigned"  # as if signed by both sides
    db.session.commit()

    lock_terms(prospect, start=date(2026, 7, 1), end=date(2026, 12, 31), deposit="30000.00")
    amendment = generate(prospect, people, "zh")
    assert (amendment.kind, amendment.partner_id, amendment.previous_id) == ("amendment", partner.id, original.id)

    lock_terms(prospect, start=date(2027, 1, 1), end=date(2027, 12, 31))
    renewal = generate(prospect, people, "zh")
    assert (renewal.kind, renewal.previous_id) == ("renewal", original.id)
    db.session.refresh(amendment)
    assert amendment.status == "superseded"
    db.session.refresh(original)
    assert original.status == "countersigned"  # a signed agreement is never superseded by generating
    db.session.refresh(prospect)
    assert prospect.stage == "signed"
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "agreement_sent")).all()
    admin_id = next(u.id for u in partner.users if u.email == "p1.admin@test.example")
    staff_id = next(u.id for u in partner.users if u.email == "p1.staff@test.example")
    assert admin_id in told and staff_id not in told


# ---- the agreement page -------------------------------------------------------------------------------


def test_the_agreement_page_shows_the_agreement_and_links_to_read_and_sign(client, make_client, negotiated, people, db):
    prospect, _ = negotiated
    agreement = generate(prospect, people)
    client.login("gd.manager@test.example")
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert agreement.number in page and "Sent for signature" in page and "3.35%" in page
    assert f'data="/agreements/{agreement.id}/document.pdf?inline=1"' in page  # shown inline
    assert f'href="/agreements/{agreement.id}/document.pdf"' in page  # and downloadable
    assert agreement.document.sha256 in page
    assert f"/agreements/{agreement.id}/sign" not in page  # the vendor does not sign first

    applicant = make_client()
    applicant.login("applicant1@test.example")
    page = applicant.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert f'href="/agreements/{agreement.id}/sign"' in page
    home = applicant.get(f"/my-application/{prospect.id}").get_data(as_text=True)
    assert agreement.number in home and f"/agreements/{agreement.id}/sign" in home

    agreement.status = "partner_signed"  # as signing leaves it: the status and the partner's signature
    db.session.add(Signature(agreement=agreement, side="partner", user_id=people["applicant"].id, signer_name="Li Lei",
                             signer_title="Owner", authorised=True, document_sha256=agreement.document.sha256))
    db.session.commit()
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert f'href="/agreements/{agreement.id}/countersign"' in page


def test_a_superseded_agreement_points_to_the_current_one(client, negotiated, people, db):
    prospect, _ = negotiated
    first = generate(prospect, people, "zh")
    second = generate(prospect, people, "zh")
    client.login("applicant1@test.example")
    page = client.get(f"/agreements/{first.id}").get_data(as_text=True)
    assert "replaced by a newer one" in page and f'href="/agreements/{second.id}"' in page
    assert f"/agreements/{first.id}/sign" not in page


def test_no_signed_pdf_before_countersignature(client, negotiated, people, db):
    prospect, _ = negotiated
    agreement = generate(prospect, people, "zh")
    client.login("gd.manager@test.example")
    assert client.get(f"/agreements/{agreement.id}/signed.pdf").status_code == 404
