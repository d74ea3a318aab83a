"""Every route × every kind of user → the expected answer.

The table below must name every endpoint in the URL map: a new route without a decision fails
`test_every_route_has_a_decision`. Statuses: 200 shown, 302 redirected (to sign-in for
visitors, or after a successful POST), 400 refused input, 403 not your role, 404 not yours.

Rule for managers (documented in portal/core/permissions.py): a manager sees the prospects they
own, those in a territory they cover (a province covers its cities) and the unassigned queue;
any other prospect answers 404, as if it did not exist. Admins see everything. An applicant sees
only their own application.
"""
import importlib
import io
from datetime import date

import pytest

from portal.agreements.models import Signature
from portal.core import storage
from portal.extensions import db as _db
from portal.notifications.services import notify
from portal.partners.models import Outlet
from portal.recruitment.models import FollowUp
from portal.recruitment.services import add_document

from tests.access import *  # noqa: F401,F403  (roles, expectation helpers, EMAILS)
from tests.access import FEATURE_TABLES
from tests.conftest import _clean_tables, rolled_back
from tests.access import (ADMIN, ANON, APPL, EMAILS, MGR, OTHER, OTHER_PADMIN, PADMIN, PDF, PSTAFF, ROLES)


# endpoint -> (method, url template, form data, expected by role)
ROUTES = {
    "static": ("GET", "/static/css/portal.css", None, everyone(200)),
    "bootstrap.static": ("GET", "/bootstrap/static/css/bootstrap.min.css", None, everyone(200)),
    "core.home": ("GET", "/", None, signed_in(302, anonymous=200)),
    "core.health": ("GET", "/health", None, everyone(200)),
    "accounts.login": ("GET", "/login", None, signed_in(302, anonymous=200)),
    "accounts.logout": ("POST", "/logout", {}, everyone(302)),
    "accounts.forgot_password": ("GET", "/password/forgot", None, everyone(200)),
    "accounts.set_password": ("GET", "/password/set/not-a-token", None, everyone(400)),
    "accounts.choose_language": ("POST", "/language", {"locale": "zh_CN"}, everyone(302)),
    "accounts.account": ("GET", "/account", None, signed_in(200)),
    "admin_users.users": ("GET", "/admin/users", None, admin_only()),
    "admin_users.invite": ("GET", "/admin/users/invite", None, admin_only()),
    "admin_users.edit_user": ("GET", "/admin/users/{applicant_id}", None, admin_only()),
    "admin_users.set_active": ("POST", "/admin/users/{applicant_id}/active", {"active": "0"}, admin_only(302)),
    "admin_users.resend_invite": ("POST", "/admin/users/{applicant_id}/resend", {}, admin_only(302)),
    "admin_users.audit": ("GET", "/admin/audit", None, admin_only()),
    "reference.territories": ("GET", "/admin/territories", None, admin_only()),
    "reference.edit_territory": ("GET", "/admin/territories/{territory_id}", None, admin_only()),
    "reference.items": ("GET", "/admin/lists/channel-types", None, admin_only()),
    "reference.edit_item": ("GET", "/admin/lists/channel-types/{channel_type_id}", None, admin_only()),
    "apply.apply": ("GET", "/apply", None, everyone(200)),
    "apply.done": ("GET", "/apply/done", None, everyone(200)),
    "applicant.mine": ("GET", "/my-application", None, applicant_only()),
    "applicant.application": ("GET", "/my-application/{prospect_id}", None, applicant_only()),
    "applicant.applicant_message": ("POST", "/my-application/{prospect_id}/messages", {"body": "Hello"}, applicant_only(302)),
    "applicant.applicant_document": ("POST", "/my-application/{prospect_id}/documents", {}, applicant_only(400)),
    "applicant.applicant_download": ("GET", "/my-application/{prospect_id}/documents/{document_id}", None, applicant_only()),
    "pipeline.home": ("GET", "/pipeline/", None, internal()),
    "pipeline.board": ("GET", "/pipeline/board", None, internal()),
    "pipeline.prospects": ("GET", "/pipeline/prospects", None, internal()),
    "pipeline.queue": ("GET", "/pipeline/queue", None, internal()),
    "pipeline.report": ("GET", "/pipeline/report", None, internal()),
    "pipeline.new_prospect": ("GET", "/pipeline/prospects/new", None, internal()),
    "pipeline.import_prospects": ("GET", "/pipeline/prospects/import", None, internal()),
    "pipeline.import_template": ("GET", "/pipeline/prospects/import/template.xlsx", None, internal()),
    "pipeline.export_prospects": ("GET", "/pipeline/prospects/export.csv", None, internal()),
    "pipeline.prospect": ("GET", "/pipeline/prospects/{prospect_id}", None, own_prospect()),
    "pipeline.edit_prospect": ("GET", "/pipeline/prospects/{prospect_id}/edit", None, own_prospect()),
    "pipeline.move": ("POST", "/pipeline/prospects/{prospect_id}/stage", {"to_stage": "qualifying", "reason": "Checked"}, own_prospect(302)),
    "pipeline.claim": ("POST", "/pipeline/prospects/{prospect_id}/claim", {}, own_prospect(302)),
    "pipeline.assign": ("POST", "/pipeline/prospects/{prospect_id}/assign", {"owner_id": "{manager_id}"}, own_prospect(302)),
    "pipeline.add_activity": ("POST", "/pipeline/prospects/{prospect_id}/activities",
                              {"kind": "call", "occurred_at": "2026-01-05T10:00", "outcome": "Interested"}, own_prospect(302)),
    "pipeline.add_follow_up": ("POST", "/pipeline/prospects/{prospect_id}/follow-ups",
                               {"due_date": "2026-12-01", "note": "Call back", "assignee_id": "{manager_id}"}, own_prospect(302)),
    "pipeline.follow_up_done": ("POST", "/pipeline/follow-ups/{follow_up_id}/done", {}, own_prospect(302)),
    "pipeline.add_message": ("POST", "/pipeline/prospects/{prospect_id}/messages", {"body": "Please send your licence"}, own_prospect(302)),
    "pipeline.add_document": ("POST", "/pipeline/prospects/{prospect_id}/documents", {}, own_prospect(400)),
    "pipeline.download": ("GET", "/pipeline/prospects/{prospect_id}/documents/{document_id}", None, own_prospect()),
    "notifications.index": ("GET", "/notifications/", None, signed_in(200)),
    "notifications.open_one": ("POST", "/notifications/{notification_id}/open", {},
                               {**signed_in(404), ANON: 302, APPL: 302}),
    "notifications.read_all": ("POST", "/notifications/read-all", {}, signed_in(302)),
    "partners.home": ("GET", "/partner/", None, partner_users()),
    "partners.profile": ("GET", "/partner/profile", None, partner_admins()),
    "partners.outlets": ("GET", "/partner/outlets", None, partner_users()),
    "partners.new_outlet": ("GET", "/partner/outlets/new", None, partner_admins()),
    "partners.edit_outlet": ("GET", "/partner/outlets/{outlet_id}/edit", None, own_partner(staff=403)),
    "partners.outlet_active": ("POST", "/partner/outlets/{outlet_id}/active", {"active": "0"}, own_partner(302, staff=403)),
    "partners.staff": ("GET", "/partner/staff", None, partner_admins()),
    "partners.invite_staff": ("GET", "/partner/staff/invite", None, partner_admins()),
    "partners.staff_active": ("POST", "/partner/staff/{p1_staff_id}/active", {"active": "0"}, own_partner(302, staff=403)),
    "partners.resend_invitation": ("POST", "/partner/staff/{p1_staff_id}/resend", {}, own_partner(302, staff=403)),
    "partners.agreements": ("GET", "/partner/agreements", None, partner_users()),
    "partners.deposit": ("GET", "/partner/deposit", None, partner_users()),
    "partners_admin.deposit": ("GET", "/partners/{partner_id}/deposit", None, vendor_of_partner_one()),
    "partners_admin.record_payment": ("POST", "/partners/{partner_id}/deposit/payments",
                                      {"amount": "100.00", "reference": "BANK-1"}, vendor_of_partner_one(302)),
    "agreements.register": ("GET", "/agreements/", None, internal()),
    "agreements.sign": ("GET", "/agreements/{signed_agreement_id}/sign", None, agreement_of_prospect_a(applicant=200)),
    "agreements.countersign": ("POST", "/agreements/{signed_agreement_id}/countersign", {},
                               agreement_of_prospect_a(vendor=400)),
    "agreements.seal": ("GET", "/agreements/{signed_agreement_id}/seal", None, agreement_of_prospect_a(200, 200)),
    "agreements.templates": ("GET", "/admin/agreement-templates", None, admin_only()),
    "agreements.new_template": ("GET", "/admin/agreement-templates/new", None, admin_only()),
    "agreements.template": ("GET", "/admin/agreement-templates/{template_id}", None, admin_only()),
    "agreements.edit_template": ("GET", "/admin/agreement-templates/{template_id}/edit", None, admin_only()),
    "agreements.preview_pdf": ("GET", "/admin/agreement-templates/{template_id}/preview.pdf", None, admin_only()),
    "agreements.generate": ("GET", "/pipeline/prospects/{prospect_id}/agreement", None, own_prospect()),
    "agreements.view": ("GET", "/agreements/{partner_agreement_id}", None, partner_one_agreement()),
    "agreements.document": ("GET", "/agreements/{partner_agreement_id}/document.pdf", None, partner_one_agreement()),
    "agreements.signed_document": ("GET", "/agreements/{partner_agreement_id}/signed.pdf", None,
                                   partner_one_agreement()),
    "agreements.verify": ("GET", "/agreements/verify", None, everyone(200)),
    "negotiation.terms": ("GET", "/prospects/{prospect_id}/terms", None, both_sides_of_prospect()),
    "negotiation.propose": ("GET", "/prospects/{negotiating_prospect_id}/terms/new", None, both_sides_of_prospect()),
    # Accept/lock answer 302 to whoever may act (refusals are flashed on the negotiation page).
    "negotiation.accept": ("POST", "/prospects/{negotiating_prospect_id}/terms/1/accept", {}, both_sides_of_prospect(302)),
    "negotiation.lock": ("POST", "/prospects/{negotiating_prospect_id}/terms/1/lock", {}, both_sides_of_prospect(302)),
    "negotiation.start_renewal": ("POST", "/agreements/{signed_agreement_id}/renew", {},
                                  {**internal(302), OTHER: 404}),
    # Training oversight: managers and admins see the partners they look after (Partner One: the GD
    # manager, not the ZJ one); a partner admin sees only their own people; settings are the admin's.
    "training_oversight.overview": ("GET", "/training/oversight/", None, internal()),
    "training_oversight.overdue": ("GET", "/training/oversight/overdue", None, internal()),
    "training_oversight.expiring": ("GET", "/training/oversight/expiring", None, internal()),
    "training_oversight.module_stats": ("GET", "/training/oversight/modules/{module_id}/questions", None, internal()),
    "training_oversight.partner": ("GET", "/training/oversight/partners/{partner_id}", None, vendor_of_partner_one()),
    "training_oversight.person": ("GET", "/training/oversight/people/{p1_staff_id}", None, vendor_of_partner_one()),
    "training_oversight.curricula": ("GET", "/training/oversight/curricula", None, internal()),
    "training_oversight.deactivate_rule": ("POST", "/training/oversight/curricula/{curriculum_rule_id}/deactivate", {},
                                           internal(302)),
    "training_oversight.assign": ("GET", "/training/oversight/assign", None, internal()),
    "training_oversight.assignments": ("GET", "/training/oversight/assignments", None, internal()),
    "training_oversight.withdraw_assignment": (
        "POST", "/training/oversight/assignments/{training_assignment_id}/withdraw", {}, vendor_of_partner_one(302)),
    "training_oversight.my_team": ("GET", "/training/oversight/my-team", None, partner_admins()),
    "training_oversight.team_member": ("GET", "/training/oversight/my-team/{p1_staff_id}", None, own_partner(staff=403)),
    "training_oversight.settings": ("GET", "/training/oversight/settings", None, admin_only()),
    # Training authoring: managers and admins, any module; partner users and applicants 403.
    "training_admin.modules": ("GET", "/training/manage/", None, internal()),
    "training_admin.new_module": ("GET", "/training/manage/new", None, internal()),
    "training_admin.module": ("GET", "/training/manage/{module_id}", None, internal()),
    "training_admin.edit_module": ("GET", "/training/manage/{module_id}/edit", None, internal()),
    "training_admin.set_status": ("POST", "/training/manage/{module_id}/status", {"status": "archived"}, internal(302)),
    "training_admin.preview": ("GET", "/training/manage/{module_id}/preview", None, internal()),
    "training_admin.new_lesson": ("GET", "/training/manage/{module_id}/lessons/new", None, internal()),
    "training_admin.edit_lesson": ("GET", "/training/manage/{module_id}/lessons/{lesson_id}", None, internal()),
    "training_admin.move_lesson": ("POST", "/training/manage/{module_id}/lessons/{lesson_id}/move", {"direction": "down"},
                                   internal(302)),
    "training_admin.delete_lesson": ("POST", "/training/manage/{module_id}/lessons/{lesson_id}/delete", {},
                                     internal(302)),
    "training_admin.add_attachment": ("POST", "/training/manage/{module_id}/lessons/{lesson_id}/attachments", {},
                                      internal(400)),
    "training_admin.download_attachment": (
        "GET", "/training/manage/{module_id}/lessons/{lesson_id}/attachments/{attachment_id}", None, internal()),
    "training_admin.delete_attachment": (
        "POST", "/training/manage/{module_id}/lessons/{lesson_id}/attachments/{attachment_id}/delete", {}, internal(302)),
    "training_admin.questions": ("GET", "/training/manage/{module_id}/questions", None, internal()),
    "training_admin.new_question": ("GET", "/training/manage/{module_id}/questions/new", None, internal()),
    "training_admin.edit_question": ("GET", "/training/manage/{module_id}/questions/{question_id}", None, internal()),
    "training_admin.question_active": ("POST", "/training/manage/{module_id}/questions/{question_id}/active",
                                       {"active": "0"}, internal(302)),
    "training_admin.delete_question": ("POST", "/training/manage/{module_id}/questions/{question_id}/delete", {},
                                       internal(302)),
    # Learning: partner users learn any published module; an attempt is its learner's alone; a
    # certificate is verified publicly and downloaded by the person, their admin and the vendor side.
    "training.index": ("GET", "/training/", None, partner_users()),
    "training.module": ("GET", "/training/modules/{module_id}", None, partner_users()),
    "training.lesson": ("GET", "/training/modules/{module_id}/lessons/{lesson_id}", None, partner_users()),
    "training.mark_read": ("POST", "/training/modules/{module_id}/lessons/{lesson_id}/read", {}, partner_users(302)),
    "training.attachment": ("GET", "/training/modules/{module_id}/lessons/{lesson_id}/attachments/{attachment_id}",
                            None, partner_users()),
    "training.start_exam": ("POST", "/training/modules/{module_id}/exam", {}, partner_users(302)),
    "training.attempt": ("GET", "/training/attempts/{attempt_id}", None, own_attempt()),
    "training.attempt_json": ("GET", "/training/attempts/{attempt_id}.json", None, own_attempt()),
    "training.submit": ("POST", "/training/attempts/{attempt_id}/submit", {"q1": "0"}, own_attempt(302)),
    "training.certificate_pdf": ("GET", "/training/certificates/{certificate_id}.pdf", None, certificate_of_p1_staff()),
    "certificates.verify_form": ("GET", "/verify", None, everyone(200)),
    "certificates.verify_code": ("GET", "/verify/{certificate_code}", None, everyone(200)),
}



FEATURES = [importlib.import_module(f"tests.access.{name}") for name in FEATURE_TABLES]
for _feature in FEATURES:
    _clash = set(_feature.ROUTES) & set(ROUTES)
    assert not _clash, f"{_feature.__name__} repeats {_clash}"
    ROUTES.update(_feature.ROUTES)


def _oversight_world(module_id, partners, people):
    """A curriculum rule requiring the world's module, and the module assigned to Partner One."""
    from portal.training.models import CurriculumRule, TrainingAssignment

    rule = CurriculumRule(module_id=module_id, due_days=30, created_by_id=people["manager"].id)
    assignment = TrainingAssignment(module_id=module_id, partner_id=partners["one"].id,
                                    assigned_by_id=people["manager"].id)
    _db.session.add_all([rule, assignment])
    _db.session.commit()
    return {"curriculum_rule_id": rule.id, "training_assignment_id": assignment.id}


def _learning_world(module_id, partners, people):
    """p1.staff passed the world's module once (a certificate expiring in 20 days, so
    re-certification is open) and has a second attempt in progress."""
    from datetime import timedelta

    from portal.core.i18n import local_today_in
    from portal.training.models import AttemptQuestion, Certificate, ExamAttempt, Question

    staff = next(u for u in partners["one"].users if u.email == "p1.staff@test.example")
    questions = _db.session.scalars(_db.select(Question).where(Question.module_id == module_id)
                                    .order_by(Question.position)).all()
    passed = ExamAttempt(module_id=module_id, user_id=staff.id, partner_id=partners["one"].id, number=1,
                         status="submitted", score=100, passed=True)
    attempt = ExamAttempt(module_id=module_id, user_id=staff.id, partner_id=partners["one"].id, number=2,
                          status="in_progress")
    for position, q in enumerate(questions, start=1):
        attempt.items.append(AttemptQuestion(question_id=q.id, position=position,
                                             option_order=[o.id for o in q.options]))
    _db.session.add_all([passed, attempt])
    _db.session.flush()
    passed.submitted_at = passed.started_at
    certificate = Certificate(code="ACCESS234567", user_id=staff.id, partner_id=partners["one"].id,
                              module_id=module_id, attempt_id=passed.id,
                              expires_on=local_today_in() + timedelta(days=20),
                              file=storage.store_bytes(PDF, "certificate.pdf", "application/pdf"))
    _db.session.add(certificate)
    _db.session.commit()
    return {"attempt_id": attempt.id, "certificate_id": certificate.id, "certificate_code": certificate.code}


# The world takes about a second to build: it is built once for the module, and every test runs
# in a transaction rolled back afterwards (tests.conftest.rolled_back), so that one role's action
# never decides the next one's.
pytestmark = pytest.mark.shared_data
BUILDERS = ("people", "partners", "make_prospect", "make_agreement", "reference_data")


@pytest.fixture(scope="module")
def built_world(app):
    _clean_tables(app)
    values = {}
    yield values
    _clean_tables(app)


@pytest.fixture
def world(built_world, request, db):
    if not built_world:
        built_world.update(_build_world(**{name: request.getfixturevalue(name) for name in BUILDERS}))
    with rolled_back():
        yield built_world


def _build_world(people, partners, make_prospect, make_agreement, reference_data):
    """Prospect A: Shenzhen, owned by the Guangdong manager, applied by applicant1, with a
    document, a follow-up and a notification for the applicant."""
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"], applicant=people["applicant"])
    stored = storage.store_bytes(PDF, "licence.pdf", "application/pdf", people["applicant"])
    document = add_document(prospect, stored, "licence", None, people["applicant"])
    follow_up = FollowUp(prospect=prospect, due_date=date(2026, 12, 1), note="Call", assignee_id=people["manager"].id)
    _db.session.add(follow_up)
    notification = notify(people["applicant"], "stage_changed", {"company": "x", "stage": "new"}, link="/my-application",
                          email=False)
    outlet = Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="store")
    _db.session.add(outlet)
    signed = make_agreement(prospect, status="partner_signed", pdf=PDF)  # signed by applicant1, with a seal scan
    _db.session.add(Signature(agreement=signed, side="partner", user_id=people["applicant"].id, signer_name="Li Lei",
                              signer_title="Owner", authorised=True, document_sha256=signed.document.sha256,
                              seal_file=storage.store_bytes(PDF, "seal.pdf", "application/pdf", people["applicant"])))
    from portal.negotiation.models import TermSheet  # a prospect in negotiation with the vendor's open version 1

    negotiating = make_prospect("Shenzhen Xinda", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                                stage="negotiating")
    _db.session.add(TermSheet(prospect_id=negotiating.id, number=1, author_side="vendor", author_id=people["manager"].id))
    # Partner One's countersigned agreement, with its signed PDF
    partner_agreement = make_agreement(partners["one"].prospect, status="countersigned", partner=partners["one"], pdf=PDF)
    partner_agreement.signed_document = storage.store_bytes(PDF + b"%signed\n", "signed.pdf", "application/pdf")
    # A published training module with a lesson (and its attachment) and two questions.
    from portal.training.models import Lesson, LessonAttachment, Question, QuestionOption, TrainingModule

    module = TrainingModule(title_en="Selling mobile plans", title_zh="销售移动套餐", description_en="The basics.",
                            description_zh="基础知识。", status="published", pass_mark=50, questions_per_attempt=2,
                            max_attempts=3, certificate_validity_days=365, created_by_id=people["manager"].id)
    lesson = Lesson(module=module, position=1, title_en="Our plans", title_zh="我们的套餐",
                    body_en="<p>Three plans.</p>", body_zh="<p>三种套餐。</p>")
    attachment = LessonAttachment(lesson=lesson, label="Price list",
                                  file=storage.store_bytes(PDF, "prices.pdf", "application/pdf", people["manager"]))
    question = Question(module=module, position=1, kind="single", text_en="Which plan is cheapest?",
                        text_zh="哪个套餐最便宜？", options=[
                            QuestionOption(position=1, text_en="Basic", text_zh="基础", correct=True),
                            QuestionOption(position=2, text_en="Premium", text_zh="高级", correct=False)])
    Question(module=module, position=2, kind="true_false", text_en="Plans can be changed monthly.",
             text_zh="套餐可以按月更改。", options=[
                 QuestionOption(position=1, text_en="True", text_zh="对", correct=True),
                 QuestionOption(position=2, text_en="False", text_zh="错", correct=False)])
    _db.session.add_all([module, attachment])
    _db.session.commit()
    values = {
        "prospect_id": prospect.id, "document_id": document.id, "follow_up_id": follow_up.id,
        "notification_id": notification.id, "applicant_id": people["applicant"].id,
        "manager_id": people["manager"].id, "territory_id": reference_data["GD"].id,
        "channel_type_id": reference_data["social"].id,
        "partner_id": partners["one"].id, "other_partner_id": partners["two"].id,
        "outlet_id": outlet.id,
        "p1_staff_id": next(u.id for u in partners["one"].users if u.email == "p1.staff@test.example"),
        "signed_agreement_id": signed.id,
        "negotiating_prospect_id": negotiating.id,
        "partner_agreement_id": partner_agreement.id, "template_id": partner_agreement.template_id,
        "module_id": module.id, "lesson_id": lesson.id, "attachment_id": attachment.id, "question_id": question.id,
        **_oversight_world(module.id, partners, people),
        **_learning_world(module.id, partners, people),
    }
    for feature in FEATURES:
        values.update(feature.build(people=people, partners=partners, reference_data=reference_data, world=values))
        _db.session.commit()
    return values


def test_every_route_has_a_decision(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes without an access decision in tests/test_access.py: {sorted(missing)}"
    stale = set(ROUTES) - endpoints
    assert not stale, f"decisions for routes that no longer exist: {sorted(stale)}"


def _ask(client, endpoint, role, world):
    method, url, data, expected = ROUTES[endpoint]
    url = url.format(**world)
    if role != ANON:
        client.login(EMAILS[role])
    if method == "GET":
        response = client.get(url)
    else:
        data = {k: v.format(**world) for k, v in (data or {}).items()}
        response = client.post(url, data)
    problems = []
    if response.status_code != expected[role]:
        problems.append(f"{method} {url} as {role}: got {response.status_code}, expected {expected[role]}")
    elif role == ANON and expected[role] == 302 and method == "GET" and endpoint not in ("core.home",):
        if "/login" not in response.headers["Location"]:
            problems.append(f"{method} {url} as {role}: redirected to {response.headers['Location']}, not to sign-in")
    return problems


GET_ENDPOINTS = sorted(e for e, row in ROUTES.items() if row[0] == "GET")
POST_ENDPOINTS = sorted(e for e, row in ROUTES.items() if row[0] != "GET")


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_page_answers_each_role_as_decided(endpoint, make_client, world):
    """Reading a page changes nothing another role would see, so one world serves every role."""
    problems = []
    for role in ROLES:
        problems += _ask(make_client(), endpoint, role, world)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_action_answers_each_role_as_decided(endpoint, role, client, world):
    """Each action is tried on a fresh world: one role's success must not decide the next one's."""
    problems = _ask(client, endpoint, role, world)
    assert not problems, "\n".join(problems)
