"""Certificates: issued on a pass as a PDF with a verification code, downloaded by the right
people, verified publicly at /verify/<code>, flagged and reminded before they expire."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.core import storage
from portal.core.i18n import local_today_in
from portal.core.models import utcnow
from portal.extensions import db as _db
from portal.notifications.models import Notification
from portal.training import learning
from portal.training.models import Certificate, ExamAttempt
from tests.agreements import poppler, sha256
from tests.training.test_exams import NOW, TODAY, build_module, right_answers, user


@pytest.fixture
def staff(partners):
    return user("p1.staff@test.example")


def pass_exam(person, module, today=None, now=None):
    """Pass the exam on ``today`` (default: today in Asia/Shanghai, as the pages count it)."""
    today, now = today or local_today_in(), now or utcnow()
    attempt = learning.start_attempt(person, module, today, now=now)
    learning.submit_attempt(attempt, right_answers(attempt), today, now=now)
    _db.session.commit()
    return _db.session.scalar(sa.select(Certificate).where(Certificate.attempt_id == attempt.id))


@pytest.fixture
def certificate(staff, partners):
    module = build_module(title=("Anti-fraud rules", "反欺诈规则"), validity=180)
    return pass_exam(staff, module)


# ---- issue ---------------------------------------------------------------------------------------------


def test_a_pass_issues_a_certificate_with_a_unique_code_and_expiry(certificate, staff, partners, outbox):
    assert re.fullmatch(f"[{learning.CODE_ALPHABET}]{{12}}", certificate.code)
    assert not set(certificate.code) & set("01OI")
    assert certificate.expires_on == local_today_in() + timedelta(days=180)
    assert (certificate.user_id, certificate.partner_id) == (staff.id, partners["one"].id)
    stored = certificate.file
    data = storage.path_of(stored).read_bytes()
    assert data.startswith(b"%PDF") and stored.sha256 == sha256(data) and stored.size == len(data)
    assert stored.content_type == "application/pdf"
    told = _db.session.scalars(sa.select(Notification).where(Notification.kind == "certificate_issued")).all()
    assert [n.user_id for n in told] == [staff.id]
    assert any(learning.format_code(certificate.code) in m.body and m.to == ["p1.staff@test.example"]
               for m in outbox)


def test_a_failed_attempt_issues_nothing(staff, partners):
    module = build_module()
    attempt = learning.start_attempt(staff, module, TODAY, now=NOW)
    learning.submit_attempt(attempt, {}, TODAY, now=NOW)
    _db.session.commit()
    assert _db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_the_pdf_shows_the_person_partner_module_dates_code_and_url(certificate, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(storage.path_of(certificate.file).read_bytes())
    text = poppler("pdftotext", path)
    flat = " ".join(text.split())
    assert "P1.Staff" in flat  # the person's name (make_user names people from their e-mail)
    assert "Partner One Trading" in flat
    assert "Anti-fraud rules" in flat and "反欺诈规则" in flat
    assert learning.format_code(certificate.code) in flat
    assert f"/verify/{certificate.code}" in flat
    expires = certificate.expires_on
    assert f"{expires.year}年{expires.month}月{expires.day}日" in flat
    today = local_today_in()
    assert f"{today.year}年{today.month}月{today.day}日" in flat
    fonts = poppler("pdffonts", path)
    cjk = [line for line in fonts.splitlines() if re.search(r"WenQuanYi|WQY|Noto.*CJK|NotoSansCJK|ZenHei", line, re.I)]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts  # embedded
    info = poppler("pdfinfo", path)
    assert "Pages:           1" in info
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height  # A4 landscape


def test_codes_are_unique_even_when_the_random_draw_repeats(certificate, monkeypatch):
    taken = certificate.code
    draws = iter(taken + "ABCDEFGHJKLM")
    monkeypatch.setattr(learning.secrets, "choice", lambda alphabet: next(draws))
    assert learning.new_code() == "ABCDEFGHJKLM"


# ---- download ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("email, status", [
    ("p1.staff@test.example", 200),      # the person
    ("p1.admin@test.example", 200),      # their partner admin
    ("gd.manager@test.example", 200),    # the vendor side looking after Partner One
    ("admin@test.example", 200),
    ("p2.admin@test.example", 404),      # another organisation
    ("zj.manager@test.example", 404),    # a manager of another territory
    ("applicant1@test.example", 404),
])
def test_who_may_download_the_certificate(email, status, certificate, make_client):
    client = make_client()
    client.login(email)
    response = client.get(f"/training/certificates/{certificate.id}.pdf")
    assert response.status_code == status
    if status == 200:
        assert response.data == storage.path_of(certificate.file).read_bytes()
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_another_staff_member_of_the_same_partner_cannot_download_it(certificate, make_client, make_user, partners,
                                                                     db):
    colleague = make_user("p1.colleague@test.example", "partner_staff")
    colleague.partner_id = partners["one"].id
    db.session.commit()
    client = make_client()
    client.login("p1.colleague@test.example")
    assert client.get(f"/training/certificates/{certificate.id}.pdf").status_code == 404


# ---- public verification ---------------------------------------------------------------------------------


def test_a_valid_certificate_verifies(client, certificate):
    response = client.get(f"/verify/{certificate.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid." in page and "P1.Staff" in page and "Partner One Trading" in page
    assert "Anti-fraud rules" in page and "反欺诈规则" in page
    expires = certificate.expires_on
    assert f"valid until {expires.strftime('%b')} {expires.day}, {expires.year}" in page
    assert learning.format_code(certificate.code) in page


def test_the_form_accepts_a_code_typed_loosely(client, certificate):
    typed = learning.format_code(certificate.code).lower().replace("-", " - ")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{certificate.code}")
    assert client.get(f"/verify/{learning.format_code(certificate.code).lower()}").status_code == 200
    empty = client.get("/verify", query_string={"code": ""})
    assert empty.status_code == 400 and "Enter the code printed on the certificate." in empty.get_data(as_text=True)
    assert "Verify a training certificate" in client.get("/verify").get_data(as_text=True)


def test_an_expired_certificate_says_so(client, certificate, db):
    certificate.expires_on = local_today_in() - timedelta(days=1)
    db.session.commit()
    response = client.get(f"/verify/{certificate.code}")
    page = response.get_data(as_text=True)
    day = certificate.expires_on
    assert response.status_code == 200
    assert "Expired." in page and f"expired on {day.strftime('%b')} {day.day}, {day.year}" in page
    assert "Valid." not in page


def test_a_certificate_is_still_valid_on_its_expiry_day(client, certificate, db):
    certificate.expires_on = local_today_in()
    db.session.commit()
    assert "Valid." in client.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_an_unknown_code_says_there_is_no_such_certificate(client, certificate):
    response = client.get("/verify/ZZZZZZZZZZZZ")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "No such certificate." in page and "ZZZZZZZZZZZZ" in page and "P1.Staff" not in page


def test_verification_is_rate_limited(tmp_path):
    app = create_app("testing", {"RATELIMIT_ENABLED": True, "CERTIFICATE_VERIFY_RATE_LIMIT": "3 per minute",
                                 "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.sqlite3'}",
                                 "UPLOAD_DIR": str(tmp_path / "u"), "MAIL_FILE_PATH": str(tmp_path / "o")})
    with app.app_context():
        _db.create_all()  # a throwaway database: only the limiter is under test here
    client = app.test_client()
    codes = [client.get(f"/verify/ABCDEFGHJKL{n}").status_code for n in range(2, 6)]
    assert codes == [404, 404, 404, 429]


# ---- expiry: flagged, re-certified, reminded ------------------------------------------------------------


def test_my_training_flags_a_certificate_expiring_within_30_days(client, certificate, db):
    client.login("p1.staff@test.example")
    assert "Certified until" in client.get("/training/").get_data(as_text=True)
    certificate.expires_on = local_today_in() + timedelta(days=20)
    db.session.commit()
    page = client.get("/training/").get_data(as_text=True)
    assert "1 certificate expires within 30 days" in page and ": re-certify" in page
    module_page = client.get(f"/training/modules/{certificate.module_id}").get_data(as_text=True)
    assert "Take the exam again to re-certify" in module_page
    certificate.expires_on = local_today_in() - timedelta(days=1)
    db.session.commit()
    assert "Certificate expired on" in client.get("/training/").get_data(as_text=True)


def test_reminders_go_once_to_people_whose_certificates_expire_within_30_days(certificate, staff, partners, outbox,
                                                                              app, db):
    soon, later = local_today_in() + timedelta(days=20), local_today_in() + timedelta(days=45)
    certificate.expires_on = soon
    other_module = build_module(title=("Broadband basics", "宽带基础"))
    other = pass_exam(staff, other_module)
    other.expires_on = later
    db.session.commit()
    outbox.clear()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-training-reminders"])
    assert result.exit_code == 0 and "1 training reminder(s) sent." in result.output
    _db.session.expire_all()
    reminders = _db.session.scalars(sa.select(Notification).where(Notification.kind == "certificate_expiring")).all()
    assert [(n.user_id, n.params["module"]) for n in reminders] == [(staff.id, "Anti-fraud rules")]
    assert _db.session.get(Certificate, certificate.id).reminded_on == local_today_in()
    assert len(outbox) == 1 and "re-certify" in outbox[0].body

    again = runner.invoke(args=["send-training-reminders"])
    assert "0 training reminder(s) sent." in again.output
    assert _db.session.scalar(sa.select(sa.func.count(Notification.id))
                              .where(Notification.kind == "certificate_expiring")) == 1


def test_no_reminder_once_the_person_has_re_certified(certificate, staff, db):
    today = local_today_in()
    certificate.expires_on = today + timedelta(days=10)
    db.session.commit()
    renewed = pass_exam(staff, certificate.module)
    assert renewed.expires_on > certificate.expires_on and renewed.code != certificate.code
    assert learning.send_certificate_reminders(today) == 0
    assert certificate.reminded_on is None


def test_an_old_attempt_number_sequence_continues_after_re_certification(certificate, staff, db):
    certificate.expires_on = local_today_in() + timedelta(days=5)
    db.session.commit()
    renewed = pass_exam(staff, certificate.module)
    assert renewed.attempt.number == 2
    assert [a.number for a in db.session.scalars(sa.select(ExamAttempt).order_by(ExamAttempt.id))] == [1, 2]
