"""The demo data gives a newcomer a living portal: accounts that sign in, a full funnel, and each
person seeing what their role and territory promise."""
import re
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date, gettext

from portal.accounts.models import User
from portal.agreements.models import Agreement
from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_data
from portal.notifications.models import Notification
from portal.partners.models import Partner
from portal.recruitment.models import NEGOTIATING, STAGE_LABELS, STAGES, Prospect, StageChange
from portal.reference.models import Territory

NAMED_ACCOUNTS = ("admin@demo.example", "manager@demo.example", "manager2@demo.example",
                  "manager3@demo.example", "manager4@demo.example", "applicant@demo.example",
                  "partner@demo.example", "partner2@demo.example", "staff@demo.example")
FIRST, SECOND = "深圳市鹏程通讯连锁有限公司", "Ningbo Sanjiang Telecom Distribution Co., Ltd."


# Loading the demo takes seconds: it is loaded once for this module, whose tests only read it.
pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module", autouse=True)
def demo_once(app):
    """The demo loaded into a clean database, with the e-mail the loading sent; the tables are
    cleaned again when the module ends."""
    from portal.extensions import mail
    from tests.conftest import _clean_tables

    _clean_tables(app)
    with app.test_request_context():
        mail.outbox = app.extensions["mailman"].outbox = []
        loaded = load_demo_data()
        sent = list(app.extensions["mailman"].outbox)
        backend = app.extensions["mailman"].backend
        from portal.extensions import db as _db

        _db.session.remove()
    yield {"loaded": loaded, "sent": sent, "backend": backend}
    _clean_tables(app)


def _prospect_in(db, province_code, owner_email):
    return db.session.scalar(
        sa.select(Prospect)
        .join(Territory, Prospect.province_id == Territory.id)
        .join(User, Prospect.owner_id == User.id)
        .where(Territory.code == province_code, User.email == owner_email).order_by(Prospect.id).limit(1)
    )


def test_demo_accounts_sign_in_with_the_demo_password(db, client, demo_once):
    assert demo_once["loaded"] is True
    assert set(NAMED_ACCOUNTS) <= set(DEMO_ACCOUNTS)
    for email in DEMO_ACCOUNTS:
        client.login(email, DEMO_PASSWORD)
        client.logout()


def test_demo_fills_every_stage_of_a_realistic_funnel(db):
    load_demo_data()
    counts = dict(db.session.execute(sa.select(Prospect.stage, sa.func.count()).group_by(Prospect.stage)).all())
    assert 180 <= sum(counts.values()) <= 220
    assert all(counts.get(stage, 0) > 0 for stage in STAGES), counts
    assert counts["new"] > counts["negotiating"] > counts["agreement_sent"]
    # Histories run forwards in time and end where the prospect is.
    for prospect in db.session.scalars(sa.select(Prospect)):
        changes = prospect.stage_changes
        assert changes[0].from_stage is None and changes[-1].to_stage == prospect.stage
        assert [c.created_at for c in changes] == sorted(c.created_at for c in changes)
        # (the services stamp the prospect and its stage change a few microseconds apart)
        assert abs(prospect.stage_changed_at - changes[-1].created_at) < timedelta(seconds=1)
    closed = db.session.scalars(sa.select(StageChange).where(StageChange.to_stage.in_(("rejected", "withdrawn"))))
    assert all(change.reason for change in closed)


def test_applicant_sees_their_application_in_negotiation(db, client):
    load_demo_data()
    client.login("applicant@demo.example", DEMO_PASSWORD)
    html = client.get("/my-application").get_data(as_text=True)
    assert "东莞市鑫达通讯器材有限公司" in html
    with force_locale("zh_CN"):  # the applicant's language
        negotiating = str(STAGE_LABELS[NEGOTIATING])
    assert f'aria-current="step">{negotiating}<' in html  # the current step of the progress bar
    assert "王芳" in html  # their channel manager
    assert "6家门店中有几家" in html  # the manager's open question


def test_guangdong_manager_sees_guangdong_prospects_and_not_zhejiang_ones(db, client):
    load_demo_data()
    guangdong = _prospect_in(db, "GD", "manager@demo.example")
    zhejiang = _prospect_in(db, "ZJ", "manager2@demo.example")
    assert guangdong is not None and zhejiang is not None
    gd_link, zj_link = f'href="/pipeline/prospects/{guangdong.id}"', f'href="/pipeline/prospects/{zhejiang.id}"'
    client.login("manager@demo.example", DEMO_PASSWORD)
    listed = client.get("/pipeline/prospects", query_string={"q": guangdong.company_name}).get_data(as_text=True)
    assert gd_link in listed
    listed = client.get("/pipeline/prospects", query_string={"q": zhejiang.company_name}).get_data(as_text=True)
    assert zj_link not in listed
    zj_id = db.session.scalar(sa.select(Territory.id).where(Territory.code == "ZJ"))
    listed = client.get("/pipeline/prospects", query_string={"territory": zj_id}).get_data(as_text=True)
    assert not re.search(r'href="/pipeline/prospects/\d+"', listed)  # not one Zhejiang prospect
    assert client.get(f"/pipeline/prospects/{zhejiang.id}").status_code == 404


def test_unassigned_queue_has_prospects_to_claim(db, client):
    load_demo_data()
    waiting = db.session.scalars(sa.select(Prospect).where(Prospect.owner_id.is_(None)).order_by(Prospect.created_at))
    first = next(iter(waiting), None)
    assert first is not None
    client.login("manager2@demo.example", DEMO_PASSWORD)
    assert first.company_name in client.get("/pipeline/queue").get_data(as_text=True)


def test_loading_again_when_not_empty_adds_nothing(db):
    before = (db.session.scalar(sa.select(sa.func.count(User.id))),
              db.session.scalar(sa.select(sa.func.count(Prospect.id))))
    assert before[0] > 0
    assert load_demo_data(only_if_empty=True) is False
    assert load_demo_data() is False  # the demo accounts are there already
    after = (db.session.scalar(sa.select(sa.func.count(User.id))),
             db.session.scalar(sa.select(sa.func.count(Prospect.id))))
    assert after == before


# ---- the signed partners ---------------------------------------------------------------------------


def _partner_of(db, email):
    return db.session.scalar(sa.select(Partner).join(User, User.partner_id == Partner.id).where(User.email == email))


def _signed_agreement(db, partner):
    return db.session.scalar(sa.select(Agreement).where(Agreement.partner_id == partner.id,
                                                        Agreement.status == "countersigned"))


def test_partner_accounts_land_on_their_own_partner_home(db, client):
    load_demo_data()
    for email, own, other in (("partner@demo.example", FIRST, SECOND), ("partner2@demo.example", SECOND, FIRST),
                              ("staff@demo.example", FIRST, SECOND)):
        client.login(email, DEMO_PASSWORD)
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"].endswith("/partner/"), email
        html = client.get("/partner/").get_data(as_text=True)
        assert re.search(rf"<h1[^>]*>\s*{re.escape(own)}\s*</h1>", html) and other not in html, email
        client.logout()


def test_each_partner_admin_sees_their_outlets_and_downloads_only_their_signed_agreement(db, client):
    load_demo_data()
    first, second = _partner_of(db, "partner@demo.example"), _partner_of(db, "partner2@demo.example")
    assert first is not None and second is not None and first.id != second.id
    agreements = {first.id: _signed_agreement(db, first), second.id: _signed_agreement(db, second)}
    for email, own, other, own_outlet, other_outlet in (
            ("partner@demo.example", first, second, "鹏程通讯华强北旗舰店", "Sanjiang Mobile Tianyi Square"),
            ("partner2@demo.example", second, first, "Sanjiang Mobile Tianyi Square", "鹏程通讯华强北旗舰店")):
        client.login(email, DEMO_PASSWORD)
        outlets = client.get("/partner/outlets").get_data(as_text=True)
        assert own_outlet in outlets and other_outlet not in outlets
        response = client.get(f"/agreements/{agreements[own.id].id}/signed.pdf")
        assert response.status_code == 200
        data = response.get_data()
        assert data.startswith(b"%PDF")
        info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 2  # the agreement and its signature page
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert own.name in text and email in text  # Party B, and the signatory's account on the signature page
        assert client.get(f"/agreements/{agreements[other.id].id}/signed.pdf").status_code == 404
        client.logout()


def test_partner_staff_sees_the_first_partners_home_but_cannot_invite_staff(db, client):
    load_demo_data()
    client.login("staff@demo.example", DEMO_PASSWORD)
    assert FIRST in client.get("/partner/").get_data(as_text=True)
    assert client.get("/partner/staff/invite").status_code == 403
    response = client.post("/partner/staff/invite", {"email": "someone@demo.example", "name": "Someone"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(User.id).where(User.email == "someone@demo.example")) is None


def test_first_partners_deposit_page_shows_the_amount_due_and_the_payment(db, client):
    load_demo_data()
    client.login("partner@demo.example", DEMO_PASSWORD)
    html = client.get("/partner/deposit").get_data(as_text=True)
    assert "¥30,000.00" in html  # due under the agreement: the deposit of the prospect's counter-offer
    assert "¥20,000.00" in html and "CMB-0755-88031264" in html  # the payment the manager recorded
    assert "¥10,000.00" in html  # still outstanding


def test_signed_partners_come_from_a_real_negotiation_and_signing_without_sending_email(db, demo_once):
    load_demo_data()
    for email, versions in (("partner@demo.example", 2), ("partner2@demo.example", 3)):
        agreement = _signed_agreement(db, _partner_of(db, email))
        sheets = agreement.prospect.term_sheets
        assert [s.number for s in sheets] == list(range(1, versions + 1))
        assert [s.author_side for s in sheets][:2] == ["vendor", "prospect"]  # an offer and a counter-offer
        assert [s.status for s in sheets] == ["superseded"] * (versions - 1) + ["locked"]
        assert agreement.term_sheet.id == sheets[-1].id and agreement.prospect.stage == "signed"
        sides = {s.side: s for s in agreement.signatures}
        assert sides["partner"].user.email == email and sides["vendor"].user.id == agreement.prospect.owner_id
        assert sides["partner"].ip_address and sides["partner"].user_agent
        assert sides["partner"].document_sha256 == agreement.document.sha256
    # The services notified in the app, but the demo sent no e-mail, and e-mail works again afterwards.
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).join(User, Notification.user_id == User.id)
                             .where(User.email == "partner@demo.example", Notification.kind == "partner_created")) == 1
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.emailed_at.isnot(None))) == 0
    assert demo_once["sent"] == []
    assert demo_once["backend"] == "locmem"


# ---- training ------------------------------------------------------------------------------------------

ONBOARDING_EN = "New partner onboarding: products, policies and rules"
ONBOARDING_ZH = "新入网代理商上岗培训：产品、政策与规则"
QUARTERLY_EN = "Quarterly sales policy and promotional material"


def _module(db, title_en):
    from portal.training.models import TrainingModule

    return db.session.scalar(sa.select(TrainingModule).where(TrainingModule.title_en == title_en))


def _user(db, email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def _row(html, module):
    """The row of ``module`` in a "My training" table."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, re.S)
    found = [r for r in rows if f'href="/training/modules/{module.id}"' in r]
    assert len(found) == 1, f"expected one row for module {module.id}"
    return re.sub(r"\s+", " ", found[0])


def _pdf_text(data):
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def _pdf_fonts(data):
    return subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_demo_has_a_published_bilingual_onboarding_module_with_an_exam(db):
    from portal.training.authoring_services import publish_problems

    load_demo_data()
    module = _module(db, ONBOARDING_EN)
    assert module is not None and module.title_zh == ONBOARDING_ZH and module.status == "published"
    assert (module.questions_per_attempt, module.pass_mark, module.max_attempts, module.time_limit_minutes,
            module.certificate_validity_days) == (5, 80, 3, 20, 365)
    assert publish_problems(module) == []
    assert 3 <= len(module.lessons) <= 4
    for lesson in module.lessons:
        assert re.search(r"[\u4e00-\u9fff]", lesson.body_zh) and not re.search(r"[\u4e00-\u9fff]", lesson.body_en)
        assert "<h3>" in lesson.body_zh and "<h3>" in lesson.body_en
    assert any("<table>" in lesson.body_en and "<th scope=\"col\">" in lesson.body_zh for lesson in module.lessons)
    assert sum(1 for lesson in module.lessons if lesson.video_url) == 1
    attachments = [a for lesson in module.lessons for a in lesson.attachments]
    assert len(attachments) == 1 and attachments[0].file.content_type == "application/pdf"
    bank = [q for q in module.questions if q.active]
    assert len(bank) >= 8 and {q.kind for q in bank} == {"single", "multiple", "true_false"}
    assert all(re.search(r"[\u4e00-\u9fff]", q.text_zh) and q.text_en for q in bank)
    # The optional module is published too; only the onboarding module has curriculum rules.
    assert _module(db, QUARTERLY_EN).status == "published"


def test_demo_module_shows_in_each_learners_language_with_its_table_and_attachment(db, client):
    load_demo_data()
    module = _module(db, ONBOARDING_EN)
    lesson = next(lesson for lesson in module.lessons if lesson.attachments)
    attachment = lesson.attachments[0]
    for email, title, other_title, words in (
            ("partner@demo.example", ONBOARDING_ZH, ONBOARDING_EN, ("佣金", "次月20日前")),
            ("partner2@demo.example", ONBOARDING_EN, ONBOARDING_ZH,
             ("Commission", "By the 20th of the following month"))):
        client.login(email, DEMO_PASSWORD)
        html = client.get(f"/training/modules/{module.id}").get_data(as_text=True)
        assert re.search(rf"<h1[^>]*>\s*{re.escape(title)}\s*</h1>", html) and other_title not in html, email
        html = client.get(f"/training/modules/{module.id}/lessons/{lesson.id}").get_data(as_text=True)
        assert "<table>" in html and all(word in html for word in words), email
        response = client.get(f"/training/modules/{module.id}/lessons/{lesson.id}/attachments/{attachment.id}")
        assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
        client.logout()
    text = " ".join(_pdf_text(response.get_data()).split())
    assert "佣金结算速查表" in text and "Commission settlement quick reference" in text


def test_each_demo_partner_user_sees_their_own_training_stage(db, client):
    from portal.core.i18n import local_today_in
    from portal.training.learning import attempt_allowance, exam_block_reason

    load_demo_data()
    module = _module(db, ONBOARDING_EN)
    today = local_today_in()
    stages = {
        # email: (labels in the row, the best score, lessons read)
        "partner@demo.example": ("Passed", "80%", 4),
        "staff@demo.example": ("Not taken", "—", 2),
        "partner2@demo.example": ("Not passed yet", "40%", 4),
    }
    for email, (label, best, read) in stages.items():
        user = _user(db, email)
        client.login(email, DEMO_PASSWORD)
        html = client.get("/training/").get_data(as_text=True)
        required = html.split('id="required-title"')[1].split('id="optional-title"')[0]
        row = _row(required, module)  # required of every demo partner, through the curriculum
        with force_locale(user.locale):  # the page is in the person's language
            assert f">{gettext(label)}<" in row, (email, row)
            assert gettext("%(read)d of %(total)d lessons read", read=read, total=len(module.lessons)) in row
            assert format_date(today + timedelta(days=30), "medium") in row, (email, row)  # due in 30 days
        assert f"<td>{best}</td>" in row, (email, row)
        assert (".pdf" in row) == (email == "partner@demo.example"), email  # only partner@ holds a certificate
        client.logout()
    # staff@ has every attempt left: the browser test fails once and then passes.
    staff = _user(db, "staff@demo.example")
    assert attempt_allowance(staff, module) == (0, 3) and exam_block_reason(staff, module, today) is None
    assert attempt_allowance(_user(db, "partner2@demo.example"), module) == (1, 3)


def test_partner_admins_demo_certificate_is_a_real_pdf_and_verifies_as_valid(db, client, make_client):
    from portal.training.learning import format_code
    from portal.training.models import Certificate

    load_demo_data()
    partner = _user(db, "partner@demo.example")
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == partner.id))
    assert certificate is not None and certificate.module.title_en == ONBOARDING_EN
    client.login("partner@demo.example", DEMO_PASSWORD)
    response = client.get(f"/training/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    text = _pdf_text(response.get_data())
    assert partner.name in text and format_code(certificate.code) in text and FIRST in text
    assert re.search(r"WenQuanYi|Noto\S*CJK", _pdf_fonts(response.get_data()))
    # Anyone may check it, without signing in.
    html = make_client({"Accept-Language": "en"}).get(f"/verify/{certificate.code}").get_data(as_text=True)
    verdict = re.search(r'<div class="alert ([^"]+)"[^>]*id="verdict">(.*?)</div>', html, re.S)
    assert verdict and "alert-success" in verdict.group(1) and "Valid." in verdict.group(2)
    assert partner.name in html and ONBOARDING_ZH in html and ONBOARDING_EN in html


def test_one_demo_certificate_expires_within_30_days_and_is_flagged(db, client):
    from portal.core.i18n import local_today_in
    from portal.notifications.models import Notification
    from portal.training.models import Certificate

    load_demo_data()
    today = local_today_in()
    soon = db.session.scalars(sa.select(Certificate).where(Certificate.expires_on >= today,
                                                          Certificate.expires_on <= today + timedelta(days=30))).all()
    assert len(soon) == 1
    certificate = soon[0]
    assert certificate.user.email == "partner2@demo.example" and certificate.module.title_en == QUARTERLY_EN
    assert certificate.issued_at.date() < today - timedelta(days=30)  # earned last quarter, not today
    # Grace Lin was reminded to re-certify, and her training page flags it.
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == certificate.user_id, Notification.kind == "certificate_expiring")) == 1
    client.login("partner2@demo.example", DEMO_PASSWORD)
    html = client.get("/training/").get_data(as_text=True)
    assert "1 certificate expires within 30 days: take the exam again to re-certify." in html
    assert 'class="table-warning"' in _row(html, certificate.module)
    client.logout()
    # Her channel manager sees it among the certificates expiring soon.
    client.login("manager2@demo.example", DEMO_PASSWORD)
    html = client.get("/training/oversight/expiring").get_data(as_text=True)
    assert "Grace Lin" in html and QUARTERLY_EN in html


# ---- policies and news ---------------------------------------------------------------------------------

COMMISSION = "季度移动套餐佣金政策"  # "<year>年第<n>季度移动套餐佣金政策"
PRICE_FLOOR = "关于终端及有价卡最低销售价格的通知 / Minimum selling prices for handsets and prepaid cards"


def _announcements(db):
    from portal.marketing.models import Announcement

    return db.session.scalars(sa.select(Announcement).order_by(Announcement.id)).all()


def _announcement(db, title):
    found = [a for a in _announcements(db) if title in a.title]
    assert len(found) == 1, title
    return found[0]


def _news_items(html):
    """{title: text of its line} in the "Policies and news" section of the partner home page."""
    section = html.split('id="news-title"')[1].split("</section>")[0]
    items = {}
    for item in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S):
        title = re.search(r"<a [^>]*>(.*?)</a>", item, re.S).group(1).strip()
        items[title] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item))
    return section, items


def test_demo_announcements_reach_different_audiences_at_different_times(db):
    from portal.core.models import utcnow
    from portal.marketing.announcement_services import state_of

    load_demo_data()
    items = _announcements(db)
    assert 5 <= len(items) <= 7
    states = [state_of(a) for a in items]
    assert states.count("draft") == 1 and states.count("expired") == 1, states
    published = [a for a in items if a.published_at is not None]
    now = utcnow()
    assert all(now - timedelta(days=60) < a.published_at < now - timedelta(hours=12) for a in published)
    assert len({a.published_at.date() for a in published}) == len(published)  # each on its own day
    assert all(a.created_at <= a.published_at for a in published)
    audiences = [a.audience for a in items]
    assert any(audience.is_everyone for audience in audiences)
    assert any(t.level == "province" for audience in audiences for t in audience.territories)  # one province
    assert any(audience.channel_types for audience in audiences)
    assert any(audience.partners for audience in audiences)  # a named partner
    assert {a.kind for a in items} == {"policy", "news"}
    assert sum(1 for a in items if re.search(r"[\u4e00-\u9fff]", a.title)) >= 5  # mostly Chinese
    english = [a for a in items if a.language == "en"]
    assert english and not re.search(r"[\u4e00-\u9fff]", english[0].body)
    # Publishing notified the people of the partners it reached, in the portal (and not by e-mail).
    commission = _announcement(db, COMMISSION)
    told = set(db.session.scalars(sa.select(User.email).join(Notification, Notification.user_id == User.id).where(
        Notification.link == f"/partner/marketing/announcements/{commission.id}")))
    assert told == {"partner@demo.example", "staff@demo.example", "partner2@demo.example"}


def test_demo_partner_home_shows_policies_to_confirm_and_those_already_read(db, client):
    from flask_babel import ngettext

    load_demo_data()
    commission = _announcement(db, COMMISSION)
    for email, pending, read in (("partner@demo.example", [PRICE_FLOOR], [commission.title]),
                                 ("staff@demo.example", [PRICE_FLOOR, commission.title], []),
                                 ("partner2@demo.example", [], [PRICE_FLOOR, commission.title])):
        user = _user(db, email)
        client.login(email, DEMO_PASSWORD)
        section, items = _news_items(client.get("/partner/").get_data(as_text=True))
        with force_locale(user.locale):  # the page is in the person's language
            to_confirm = gettext("Please confirm you have read it")
            read_on = re.escape(gettext("Read on %(when)s", when="WHEN")).replace("WHEN", r"\S.*?")
            waiting = sum(1 for text in items.values() if to_confirm in text)
            assert waiting >= 1 and ngettext("%(num)d to confirm", "%(num)d to confirm", waiting) in section, email
        for title in pending:
            assert to_confirm in items[title], (email, title)
        for title in read:
            assert re.search(read_on, items[title]), (email, title)
        assert any(re.search(read_on, text) for text in items.values()), email  # both states on every home page
        assert "宽带续约挽留政策" not in section and "校园专项促销" not in section  # the draft, the expired one
        client.logout()


def test_demo_manager_sees_who_has_and_has_not_read_a_policy(db, client):
    load_demo_data()
    commission, floor = _announcement(db, COMMISSION), _announcement(db, PRICE_FLOOR)

    def counts(html):
        return {key: int(n) for key, n in re.findall(r'data-count="(\w+)">(\d+)<', html)}

    client.login("manager@demo.example", DEMO_PASSWORD)  # looks after the Shenzhen partner only
    html = client.get(f"/marketing/announcements/{commission.id}").get_data(as_text=True)
    assert counts(html) == {"reached": 1, "read": 1, "unread": 0}
    assert "黄志明" in html and SECOND not in html
    html = client.get(f"/marketing/announcements/{floor.id}").get_data(as_text=True)
    assert counts(html) == {"reached": 1, "read": 0, "unread": 1}
    assert FIRST in html.split('id="unread-title"')[1]
    client.logout()
    client.login("admin@demo.example", DEMO_PASSWORD)  # sees both partners: one has read it, one has not
    html = client.get(f"/marketing/announcements/{floor.id}").get_data(as_text=True)
    assert counts(html) == {"reached": 2, "read": 1, "unread": 1}
    acked, unread = html.split('id="acked-title"')[1].split('id="unread-title"')
    assert SECOND in acked and "Grace Lin" in acked and FIRST not in acked
    assert FIRST in unread and SECOND not in unread
    assert "Changes since it was published" in html  # corrected two days after publishing


# ---- deal registration ---------------------------------------------------------------------------------


def _registrations(db):
    from portal.deals.models import DealRegistration

    return db.session.scalars(sa.select(DealRegistration).order_by(DealRegistration.id)).all()


def test_demo_deal_registrations_go_through_every_outcome(db):
    from collections import Counter

    from portal.core.i18n import business_today

    load_demo_data()
    registrations = _registrations(db)
    assert 8 <= len(registrations) <= 12
    statuses = Counter(r.status for r in registrations)
    assert statuses["approved"] >= 2 and statuses["submitted"] >= 1, statuses
    assert statuses["won"] == statuses["lost"] == statuses["rejected"] == statuses["held"] == 1, statuses
    today = business_today()
    assert all(r.protected_until >= today for r in registrations if r.status == "approved")
    assert all(r.decision_note for r in registrations if r.status == "rejected")
    assert {r.partner.name for r in registrations} == {FIRST, SECOND}
    # Registered over the past weeks, numbered in that order, each through the services (audited).
    times = [r.created_at for r in registrations]
    assert times == sorted(times) and times[0] < times[-1] - timedelta(days=14)
    assert [r.number for r in registrations] == sorted(r.number for r in registrations)
    assert all(r.credit_code or r.phone for r in registrations)
    # Customers in the partners' own cities, except the one held for another partner's customer.
    for r in registrations:
        assert (r.city_id == r.partner.city_id) == (r.status != "held"), r.number


def test_demo_held_registration_has_its_case_and_hides_the_other_partner(db, client):
    from portal.deals.matching import normalise_name

    load_demo_data()
    held = [r for r in _registrations(db) if r.status == "held"]
    assert len(held) == 1
    held = held[0]
    earlier = held.matched
    assert held.partner.name == FIRST and earlier.partner.name == SECOND and earlier.status == "approved"
    # The same customer written differently (有限责任公司 / 有限公司), caught by the matcher.
    assert held.customer_name != earlier.customer_name
    assert normalise_name(held.customer_name) == normalise_name(earlier.customer_name)
    case = held.case
    assert case is not None and (case.kind, case.origin, case.status) == ("poaching", "deal_match", "open")
    assert case.registration_id == held.id
    assert {party.partner.name for party in case.parties} == {FIRST, SECOND}
    assert case.manager.email == "manager@demo.example" and case.due_on > held.created_at.date()

    client.login("partner@demo.example", DEMO_PASSWORD)
    for url in (f"/partner/deals/{held.id}", "/partner/deals/", f"/partner/cases/{case.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert held.number in html and SECOND not in html and earlier.number not in html, url
        assert "560,000" not in html, url  # the other registration's value
    assert case.number in client.get(f"/partner/deals/{held.id}").get_data(as_text=True)
    assert client.get(f"/partner/deals/{earlier.id}").status_code == 404
    client.logout()
    # The held registration's channel manager finds it first in the queue, with the match beside it.
    client.login("manager@demo.example", DEMO_PASSWORD)
    queue = client.get("/deals/").get_data(as_text=True)
    assert re.search(r'href="/deals/(\d+)"', queue).group(1) == str(held.id)
    assert earlier.number in client.get(f"/deals/{held.id}").get_data(as_text=True)


# ---- signed about six months ago --------------------------------------------------------------------


def _agreement_start():
    from portal.core.i18n import add_months, business_today

    return add_months(business_today().replace(day=1), -6)


def test_demo_partners_signed_about_six_months_ago_and_their_targets_run_from_then(db, client):
    from portal.agreements.signing import _times
    from portal.core.i18n import business_today
    from portal.results.models import PartnerTarget

    load_demo_data()
    start, today = _agreement_start(), business_today()
    for email in ("partner@demo.example", "partner2@demo.example"):
        partner = _partner_of(db, email)
        agreement = _signed_agreement(db, partner)
        assert agreement.start_date == start  # the first of the month six months ago
        assert agreement.end_date > today
        sides = {s.side: s for s in agreement.signatures}
        signed = sides["vendor"].created_at
        assert sides["partner"].created_at < signed
        assert 170 <= (today - signed.date()).days <= 235  # about six to seven months ago
        assert signed.date() < start and partner.signed_at == signed
        assert partner.created_at == signed and agreement.created_at < signed
        # The targets of the terms are in force from the start month.
        months = {t.effective_month for t in db.session.scalars(
            sa.select(PartnerTarget).where(PartnerTarget.partner_id == partner.id, PartnerTarget.source == "terms"))}
        assert months == {start}
        # The signature page of the archived PDF prints the time of signing, not the time of loading.
        client.login(email, DEMO_PASSWORD)
        data = client.get(f"/agreements/{agreement.id}/signed.pdf").get_data()
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert _times(signed)[0] in text and _times(sides["partner"].created_at)[0] in text
        client.logout()
    # The partner's history on the way: outlets opened and the deposit paid after signing, the
    # training done now.
    first = _partner_of(db, "partner@demo.example")
    assert all(o.created_at > first.signed_at for o in first.outlets)
    payment = next(m for m in first.deposit_account.movements if m.kind == "paid")
    assert first.signed_at < payment.created_at < first.signed_at + timedelta(days=30)


# ---- promotional material -----------------------------------------------------------------------------


def test_demo_material_requests_go_through_every_state_and_the_stock_ledger_adds_up(db, client):
    from portal.materials.models import (
        REQUEST_STATUSES, MaterialAllowance, MaterialRequest, SerialRange, StockLevel, StockMovement,
    )
    from portal.materials.stock import ledger_totals

    load_demo_data()
    requests = db.session.scalars(sa.select(MaterialRequest).order_by(MaterialRequest.id)).all()
    statuses = {r.status for r in requests}
    assert statuses == set(REQUEST_STATUSES) - {"cancelled"}, statuses
    assert {r.partner.name for r in requests} == {FIRST, SECOND}
    assert [r.created_at for r in requests] == sorted(r.created_at for r in requests)  # numbered as made
    by_status = {r.status: r for r in requests}
    assert by_status["partly_approved"].decision_reason and by_status["rejected"].decision_reason
    partly = by_status["partly_approved"]
    assert any(line.quantity_approved < line.quantity_requested for line in partly.lines)
    shipped = by_status["shipped"]
    assert shipped.carrier and shipped.tracking_number and shipped.fulfilled_at > shipped.decided_at
    assert by_status["closed"].usage_report.review_outcome == "accepted"
    assert by_status["usage_reported"].usage_report.reviewed_at is None
    # Prepaid cards left the central store by serial range, to the partner that picked them up.
    picked = by_status["picked_up"]
    cards = db.session.scalars(sa.select(SerialRange).where(SerialRange.request_id == picked.id)).all()
    assert cards and all(r.status == "issued" and r.partner_id == picked.partner_id for r in cards)
    assert sum(r.count for r in cards) == sum(line.quantity_issued for line in picked.lines)
    assert any(r.label() == "YJK00010101–YJK00010300" for r in cards)
    # The stock levels are what the ledger adds up to, after receipts, an adjustment and a stocktake.
    levels = db.session.scalars(sa.select(StockLevel)).all()
    assert len(levels) >= 10
    for level in levels:
        assert ledger_totals(level.item_id, level.warehouse_id) == (level.on_hand, level.reserved)
    kinds = set(db.session.scalars(sa.select(StockMovement.kind)))
    assert kinds == {"receipt", "reserve", "issue", "adjust", "stocktake"}
    allowances = db.session.scalars(sa.select(MaterialAllowance)).all()
    assert {a.partner_id is None for a in allowances} == {True, False}  # a default and a partner's own

    client.login("manager@demo.example", DEMO_PASSWORD)
    html = client.get("/materials/stock").get_data(as_text=True)
    assert "深圳中心库" in html and "CARD-50" in html and "1,300" in html  # posters on hand in Shenzhen
    client.logout()
    client.login("partner2@demo.example", DEMO_PASSWORD)
    html = client.get(f"/partner/materials/requests/{shipped.id}").get_data(as_text=True)
    assert shipped.tracking_number in html and shipped.carrier in html
    listed = client.get("/partner/materials/requests").get_data(as_text=True)
    assert picked.number not in listed  # the Shenzhen partner's request
    assert client.get(f"/partner/materials/requests/{picked.id}").status_code == 404


# ---- conflict cases ------------------------------------------------------------------------------------


def _cases(db):
    from portal.conflicts.models import ConflictCase

    return db.session.scalars(sa.select(ConflictCase).order_by(ConflictCase.id)).all()


def test_demo_cases_are_at_every_stage_and_the_penalty_is_in_the_deposit(db, client):
    from portal.conflicts.services import is_overdue
    from portal.core.i18n import business_today

    load_demo_data()
    cases = _cases(db)
    assert {c.status for c in cases} == {"open", "investigating", "ruled", "closed"}
    assert [c.number for c in cases] == sorted(c.number for c in cases)
    assert [c.created_at for c in cases] == sorted(c.created_at for c in cases)  # numbered as opened
    today = business_today()
    overdue = [c for c in cases if is_overdue(c, today)]
    assert len(overdue) == 1 and overdue[0].kind == "complaint" and overdue[0].parties[0].partner.name == SECOND
    # The partner's price-cutting case: evidence and answers from both sides, an internal note.
    case = next(c for c in cases if c.kind == "price_cutting" and c.origin == "partner")
    assert case.status == "investigating" and {p.role for p in case.parties} == {"complainant", "respondent"}
    assert {e.partner_id for e in case.evidence} == {p.partner_id for p in case.parties}
    assert {e.file.content_type for e in case.evidence} == {"image/png", "application/pdf"}
    assert {e.partner_id for e in case.entries if not e.internal} == {p.partner_id for p in case.parties}
    note = next(e for e in case.entries if e.internal)
    # The ruled case: a penalty taken from the Shenzhen partner's deposit.
    ruled = next(c for c in cases if c.status == "ruled")
    assert ruled.ruling_action == "penalty" and ruled.penalty_amount == 2000
    assert ruled.deposit_movement.kind == "deducted" and ruled.deposit_movement.reference == ruled.number

    client.login("partner@demo.example", DEMO_PASSWORD)
    html = client.get("/partner/deposit").get_data(as_text=True)
    assert "−¥2,000.00" in html and ruled.number in html and "¥18,000.00" in html  # what is held now
    html = client.get(f"/partner/cases/{case.id}").get_data(as_text=True)
    assert case.title in html and note.body not in html  # the manager's note stays internal
    evidence = next(e for e in case.evidence if e.partner.name == FIRST and e.file.content_type == "image/png")
    response = client.get(f"/partner/cases/{case.id}/evidence/{evidence.id}")
    assert response.status_code == 200 and response.get_data().startswith(b"\x89PNG")
    client.logout()
    client.login("manager2@demo.example", DEMO_PASSWORD)
    html = client.get("/cases/").get_data(as_text=True)
    assert overdue[0].number in html and "past its due date" in html


# ---- targets and results --------------------------------------------------------------------------------


def test_demo_results_dashboard_shows_this_month_and_the_trend(db, client):
    from portal.core.i18n import business_today
    from portal.results import dashboard
    from portal.results.models import PartnerTarget, PaymentCollection, PsiEntry

    load_demo_data()
    admin = _user(db, "admin@demo.example")
    today = business_today()
    month = today.replace(day=1)
    data = dashboard.dashboard(admin, dashboard.Filters(month=month), today, 20, dashboard.labels())
    assert data.totals.target > 0 and data.totals.sales > 0
    # Six months of reports since the agreements started, plus this month so far, with seasons.
    trend = [p for p in data.trend if p.target > 0]
    assert [p.month for p in trend][0] == _agreement_start() and len(trend) == 7
    full = [p.sales for p in trend[:-1]]
    assert all(s > 0 for s in full) and max(full) > Decimal("1.15") * min(full)
    assert all(p.collected > 0 for p in trend[1:-1])  # the money collected each month
    # The Ningbo partner falls behind this month; the Shenzhen partner is on track.
    assert [b.partner.name for b in data.behind] == [SECOND]
    outlets = db.session.scalar(sa.select(sa.func.count(sa.distinct(PsiEntry.outlet_id))))
    assert outlets == 9  # 4 + 3 outlets, the one in Dongguan, and the Ningbo store at Laowaitan (closed since)
    # The mid-year adjustment of a target, with its reason.
    adjustment = db.session.scalar(sa.select(PartnerTarget).where(PartnerTarget.source == "adjustment"))
    assert adjustment.reason and _agreement_start() < adjustment.effective_month < month
    assert db.session.scalar(sa.select(sa.func.count(PaymentCollection.id))) >= 10

    client.login("admin@demo.example", DEMO_PASSWORD)
    html = client.get("/results/").get_data(as_text=True)
    behind = html.split('id="behind-heading"')[1].split("</table>")[0]  # the partners falling behind
    assert SECOND in behind and FIRST not in behind and "<svg" in html
    client.logout()
    client.login("manager@demo.example", DEMO_PASSWORD)
    html = client.get(f"/results/targets/{adjustment.partner_id}").get_data(as_text=True)
    assert adjustment.reason in html


def test_demo_outlet_outside_the_territory_opened_a_case_that_was_ruled_and_closed(db, client):
    from portal.core.i18n import add_months
    from portal.partners.models import Outlet
    from portal.results.models import PsiEntry

    load_demo_data()
    first = _partner_of(db, "partner@demo.example")
    outlet = db.session.scalar(sa.select(Outlet).where(Outlet.partner_id == first.id, Outlet.active.is_(False)))
    assert outlet is not None and outlet.city.code == "GD-DG" and outlet.city not in first.territories
    months = set(db.session.scalars(sa.select(PsiEntry.month).where(PsiEntry.outlet_id == outlet.id)))
    assert months == {add_months(_agreement_start(), 4)}  # two months ago
    case = next(c for c in _cases(db) if c.kind == "cross_territory")
    assert (case.origin, case.status, case.ruling_action) == ("psi_territory", "closed", "warning")
    assert outlet.name in case.title and case.created_at < case.ruled_at < case.closed_at
    client.login("partner@demo.example", DEMO_PASSWORD)
    assert client.get(f"/partner/cases/{case.id}").status_code == 200


# ---- money, rent subsidies, inspections and scorecards -------------------------------------------------


def _ended_months():
    from portal.core.i18n import add_months

    return [add_months(_agreement_start(), n) for n in range(6)]


def _statements(db, email):
    from portal.commissions.models import CommissionStatement

    partner = _partner_of(db, email)
    return {s.month: s for s in db.session.scalars(
        sa.select(CommissionStatement).where(CommissionStatement.partner_id == partner.id))}


def test_demo_has_a_commission_statement_for_each_ended_month_released_by_finance_not_its_approver(db, client):
    from portal.core.i18n import add_months

    load_demo_data()
    months = _ended_months()
    first, second = _statements(db, "partner@demo.example"), _statements(db, "partner2@demo.example")
    for statements in (first, second):
        assert sorted(statements) == months  # none for this month, which has not ended
        assert all(s.total > 0 and s.total == sum(line.amount for line in s.lines) for s in statements.values())
        for month in months[:-1]:  # five months released and paid
            s = statements[month]
            assert s.status == "released" and s.payment_reference and s.bank_account_id is not None
            assert s.approved_by.role == "manager" and s.released_by.role == "finance"
            assert s.approved_by_id != s.released_by_id and s.approved_at < s.released_at
            assert add_months(month, 1) <= s.paid_on <= add_months(month, 1) + timedelta(days=19)
    # The last month: work waiting for finance and for a manager.
    assert first[months[-1]].status == "approved" and second[months[-1]].status == "draft"
    lines = [line for statements in (first, second) for s in statements.values() for line in s.lines]
    assert {"sales", "returns", "adjustment", "rent_subsidy", "subsidy_clawback"} <= {line.kind for line in lines}
    assert all(line.amount < 0 for line in lines if line.kind in ("returns", "subsidy_clawback"))
    adjustment = next(line for line in lines if line.kind == "adjustment")
    assert adjustment.adjustment.reason and adjustment.description == adjustment.adjustment.reason
    assert adjustment.statement.status == "released"

    client.login("finance@demo.example", DEMO_PASSWORD)
    html = client.get("/commissions/", query_string={"status": "approved"}).get_data(as_text=True)
    assert first[months[-1]].number in html and second[months[-1]].number not in html
    client.logout()
    client.login("partner@demo.example", DEMO_PASSWORD)  # the partner reads why it was paid more
    html = client.get(f"/partner/commissions/{adjustment.statement_id}").get_data(as_text=True)
    assert adjustment.adjustment.reason in html
    assert client.get(f"/partner/commissions/{second[months[0]].id}").status_code == 404


def test_demo_partner_queried_a_clawback_line_and_a_case_opened(db, client):
    from portal.commissions.models import CommissionQuery

    load_demo_data()
    query = db.session.scalar(sa.select(CommissionQuery))
    assert query is not None and query.line.kind == "returns" and query.line.statement.status == "released"
    case = query.case
    assert (case.kind, case.origin, case.status) == ("commission_query", "commission_query", "open")
    assert [p.partner.name for p in case.parties] == [FIRST] and case.manager.email == "manager@demo.example"
    assert query.raised_by.email == "partner@demo.example" and case.due_on > case.created_at.date()
    client.login("partner@demo.example", DEMO_PASSWORD)
    assert case.number in client.get(f"/partner/commissions/{query.line.statement_id}").get_data(as_text=True)


def test_demo_rent_subsidies_follow_the_lease_proofs_and_a_backdated_closing_claws_back(db, client):
    from collections import Counter

    from portal.commissions.models import CommissionLine
    from portal.subsidies.models import LeaseProof

    load_demo_data()
    proofs = db.session.scalars(sa.select(LeaseProof)).all()
    statuses = Counter(p.status for p in proofs)
    assert statuses["pending"] == 1 and statuses["rejected"] == 1 and statuses["accepted"] >= 6, statuses
    rejected = next(p for p in proofs if p.status == "rejected")
    assert rejected.review_note and rejected.reviewed_by.role == "manager"
    assert {p.partner.name for p in proofs if p.status == "accepted"} == {FIRST, SECOND}
    # Each partner's terms give a subsidy per outlet, paid as lines of its statements.
    for email in ("partner@demo.example", "partner2@demo.example"):
        paid = [line for s in _statements(db, email).values() for line in s.lines if line.kind == "rent_subsidy"]
        assert paid and all(line.outlet_id and line.base_amount > 0 for line in paid), email
    # An outlet closed on a day its released statement had already paid: the rest is taken back.
    clawback = db.session.scalar(sa.select(CommissionLine).where(CommissionLine.kind == "subsidy_clawback"))
    outlet = clawback.outlet
    assert not outlet.active and outlet.closed_on is not None
    assert clawback.source_month == outlet.closed_on.replace(day=1) < clawback.statement.month
    paid_then = db.session.scalars(sa.select(CommissionLine).where(
        CommissionLine.outlet_id == outlet.id, CommissionLine.kind == "rent_subsidy",
        CommissionLine.source_month == clawback.source_month)).all()
    assert [line.statement.status for line in paid_then] == ["released"]
    assert paid_then[0].statement.released_at < outlet.updated_at  # the closing was recorded after the payment
    assert 0 < -clawback.amount < paid_then[0].amount

    client.login("partner2@demo.example", DEMO_PASSWORD)
    html = client.get("/partner/rent-subsidies/").get_data(as_text=True)
    assert rejected.review_note in html and "Sanjiang Mobile Yinzhou Wanda" in html


def test_demo_deposit_ledgers_balance(db, client):
    from portal.partners import ledger

    load_demo_data()
    for email in ("partner@demo.example", "partner2@demo.example"):
        account = _partner_of(db, email).deposit_account
        totals = ledger.balances(account.id)
        assert totals["due"] > 0, email  # the amount the terms set
        assert totals["held"] == totals["paid"] - totals["deducted"] - totals["refunded"] >= 0, email
        assert all(m.reference for m in account.movements if m.kind in ("paid", "refunded")), email
    first = ledger.balances(_partner_of(db, "partner@demo.example").deposit_account.id)
    assert (first["paid"], first["deducted"], first["held"]) == (Decimal("20000.00"), Decimal("2000.00"),
                                                                 Decimal("18000.00"))


def test_demo_payee_accounts_were_approved_by_the_managers_and_one_change_awaits(db, client):
    from portal.finance.models import BankAccountChange
    from portal.finance.services import current_account

    load_demo_data()
    for email in ("partner@demo.example", "partner2@demo.example"):
        partner = _partner_of(db, email)
        account = current_account(partner)
        assert account is not None and account.approved_by_id == partner.manager_id, email
        assert account.approved_at < partner.signed_at + timedelta(days=10)
    pending = db.session.scalars(sa.select(BankAccountChange).where(BankAccountChange.status == "pending")).all()
    assert len(pending) == 1 and pending[0].partner.name == SECOND and pending[0].proof_file_id
    client.login("manager2@demo.example", DEMO_PASSWORD)
    assert pending[0].bank_name in client.get("/bank-accounts/").get_data(as_text=True)


def test_demo_outlets_were_inspected_every_month_and_orders_are_in_every_state(db, client):
    from portal.inspections.models import Inspection, Rectification
    from portal.inspections.services import is_overdue, reinspections_of

    load_demo_data()
    inspections = db.session.scalars(sa.select(Inspection).where(Inspection.rectification_id.is_(None))).all()
    for month in _ended_months():
        found = [i for i in inspections if i.inspected_on.replace(day=1) == month]
        assert len(found) >= 2, month
    assert {i.kind for i in inspections} == {"planned", "mystery"}
    assert {i.partner.name for i in inspections} == {FIRST, SECOND}
    assert all(i.notes and 0 < i.score <= i.max_score and len(i.scores) == 8 for i in inspections)
    orders = db.session.scalars(sa.select(Rectification).order_by(Rectification.id)).all()
    assert {o.status for o in orders} == {"open", "answered", "closed", "escalated"}
    closed = [o for o in orders if o.status == "closed"]
    assert len(closed) >= 2 and all(o.answer and o.photos for o in closed)
    assert all(reinspections_of(o)[0].scores[0].passed for o in closed)
    escalated = next(o for o in orders if o.status == "escalated")
    assert not reinspections_of(escalated)[0].scores[0].passed and escalated.decision_note
    overdue = [o for o in orders if is_overdue(o)]
    assert len(overdue) == 1 and overdue[0].status == "open" and overdue[0].partner.name == SECOND
    assert any(o.status == "open" and not is_overdue(o) for o in orders)  # not due yet

    client.login("manager@demo.example", DEMO_PASSWORD)
    inspection = next(i for i in inspections if i.partner.name == FIRST and i.photos)
    html = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert inspection.number in html and inspection.notes in html
    response = client.get(f"/inspections/{inspection.id}/photos/{inspection.photos[0].id}")
    assert response.status_code == 200 and response.get_data().startswith(b"\x89PNG")
    client.logout()
    client.login("partner2@demo.example", DEMO_PASSWORD)
    html = client.get("/partner/inspections/rectifications").get_data(as_text=True)
    assert overdue[0].number in html and not any(o.number in html for o in orders if o.partner.name == FIRST)


def test_demo_scorecards_cover_six_months_and_a_tier_changed_as_proposed(db, client):
    from portal.reference.models import PartnerTier
    from portal.scorecards.models import Scorecard, TierChange

    load_demo_data()
    minimums = {t.code: t.min_score for t in db.session.scalars(sa.select(PartnerTier))}
    assert minimums == {"bronze": Decimal("0.00"), "silver": Decimal("60.00"), "gold": Decimal("80.00")}
    cards = db.session.scalars(sa.select(Scorecard)).all()
    for email in ("partner@demo.example", "partner2@demo.example"):
        months = {c.month for c in cards if c.partner_id == _partner_of(db, email).id}
        assert set(_ended_months()) <= months, email
    assert all(c.total > 0 and c.inspection_score is not None for c in cards)
    changes = db.session.scalars(sa.select(TierChange)).all()
    assert len(changes) == 1
    change = changes[0]
    assert change.reason and change.scorecard.proposed_tier_id == change.to_tier_id != change.from_tier_id
    assert change.partner.tier_id == change.to_tier_id and change.changed_by_id == change.partner.manager_id
    # Later months propose other tiers again: a manager has proposals to look at.
    assert any(c.proposed_tier_id not in (None, c.tier_id) for c in cards if c.month > change.scorecard.month)
    user = next(u for u in change.partner.users if u.role == "partner_admin")
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.kind == "tier_changed")) == 1
    client.login(user.email, DEMO_PASSWORD)
    assert client.get("/partner/scorecard/").status_code == 200
