"""Who must learn what, by when: curriculum rules, manual assignments, notifications, the
materials gate."""
import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditLog
from portal.core.errors import DomainError
from portal.core.settings import get_setting, set_setting
from portal.notifications.models import Notification
from portal.reference.models import PartnerTier
from portal.training.assignment_services import (
    assign_module, create_rule, may_order_materials, required_modules, today_local, training_complete,
)
from portal.training.models import Certificate, CurriculumRule, ExamAttempt, TrainingAssignment, TrainingModule

_codes = itertools.count(1)


@pytest.fixture
def make_module(db):
    def factory(title="Products and prices", status="published", title_zh=None):
        module = TrainingModule(title_en=title, title_zh=title_zh or f"{title}（中文）", status=status)
        db.session.add(module)
        db.session.commit()
        return module

    return factory


@pytest.fixture
def certify(db):
    """A passed attempt and its certificate, as the learner's side would record them."""

    def factory(user, module, expires_on, number=None):
        number = number or (db.session.scalar(sa.select(sa.func.count(ExamAttempt.id)).where(
            ExamAttempt.user_id == user.id, ExamAttempt.module_id == module.id)) + 1)
        attempt = ExamAttempt(module_id=module.id, user_id=user.id, partner_id=user.partner_id, number=number,
                              status="submitted", submitted_at=datetime.now(timezone.utc), score=90, passed=True)
        db.session.add(attempt)
        db.session.flush()
        cert = Certificate(code=f"TC{next(_codes):08d}", user_id=user.id, partner_id=user.partner_id,
                           module_id=module.id, attempt_id=attempt.id, expires_on=expires_on)
        db.session.add(cert)
        db.session.commit()
        return cert

    return factory


def user(email):
    from portal.extensions import db

    return db.session.scalar(sa.select(User).where(User.email == email))


def rule(module, channel_type=None, tier=None, due_days=30, created_at=None, active=True):
    from portal.extensions import db

    r = CurriculumRule(module_id=module.id, channel_type_id=channel_type.id if channel_type else None,
                       tier_id=tier.id if tier else None, due_days=due_days, active=active,
                       created_at=created_at or datetime.now(timezone.utc))
    db.session.add(r)
    db.session.commit()
    return r


def titles(user_):
    return {m.title_en for m, _due, _src in required_modules(user_)}


# ---- required_modules ---------------------------------------------------------------------------


def test_rules_match_the_partners_channel_type_and_tier_and_empty_means_any(partners, reference_data, make_module, db):
    gold = db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))
    partners["one"].tier_id = gold.id  # One: social, gold; Two: campus, no tier
    partners["two"].channel_type_id = reference_data["campus"].id
    db.session.commit()
    rule(make_module("Social basics"), channel_type=reference_data["social"])
    rule(make_module("Gold service"), tier=gold)
    rule(make_module("Campus gold"), channel_type=reference_data["campus"], tier=gold)
    rule(make_module("Campus any tier"), channel_type=reference_data["campus"])
    rule(make_module("Everyone"))

    assert titles(user("p1.staff@test.example")) == {"Social basics", "Gold service", "Everyone"}
    assert titles(user("p1.admin@test.example")) == {"Social basics", "Gold service", "Everyone"}
    assert titles(user("p2.admin@test.example")) == {"Campus any tier", "Everyone"}
    assert required_modules(user("gd.manager@test.example")) == []  # not a partner user


def test_draft_modules_and_inactive_rules_require_nothing(partners, make_module):
    rule(make_module("Draft one", status="draft"))
    rule(make_module("Switched off"), active=False)
    rule(make_module("Archived", status="archived"))
    assert required_modules(user("p1.staff@test.example")) == []


def test_due_date_counts_from_the_later_of_signing_and_rule_creation_in_shanghai(partners, make_module, db):
    # Signed at 16:30 UTC on 10 January: already 11 January in Shanghai.
    partners["one"].signed_at = datetime(2026, 1, 10, 16, 30, tzinfo=timezone.utc)
    db.session.commit()
    old_rule = make_module("Older rule")
    rule(old_rule, due_days=30, created_at=datetime(2025, 12, 1, 2, 0, tzinfo=timezone.utc))
    new_rule = make_module("Newer rule")
    rule(new_rule, due_days=10, created_at=datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc))  # 2 March in Shanghai

    due = {m.title_en: (d, src) for m, d, src in required_modules(user("p1.staff@test.example"))}
    assert due["Older rule"] == (date(2026, 2, 10), "curriculum")  # 11 Jan + 30
    assert due["Newer rule"] == (date(2026, 3, 12), "curriculum")  # 2 Mar + 10

    # A partner with no signing date counts from the rule alone.
    due_two = {m.title_en: d for m, d, _src in required_modules(user("p2.admin@test.example"))}
    assert due_two["Older rule"] == date(2025, 12, 31)


def test_modules_assigned_to_a_partner_reach_all_its_people_and_to_a_person_only_them(partners, people, make_module, db):
    everyone = make_module("Whole team")
    just_staff = make_module("Staff only")
    db.session.add_all([
        TrainingAssignment(module_id=everyone.id, partner_id=partners["one"].id, due_on=date(2026, 6, 1)),
        TrainingAssignment(module_id=just_staff.id, user_id=user("p1.staff@test.example").id),
    ])
    db.session.commit()

    staff = required_modules(user("p1.staff@test.example"))
    assert [(m.title_en, d, s) for m, d, s in staff] == [("Whole team", date(2026, 6, 1), "assigned"),
                                                        ("Staff only", None, "assigned")]
    assert titles(user("p1.admin@test.example")) == {"Whole team"}
    assert titles(user("p2.admin@test.example")) == set()


def test_a_module_required_twice_appears_once_with_the_earliest_due_date(partners, make_module, db):
    partners["one"].signed_at = datetime(2026, 1, 1, 4, 0, tzinfo=timezone.utc)
    db.session.commit()
    sooner = make_module("Assigned sooner")
    rule(sooner, due_days=60, created_at=datetime(2025, 6, 1, tzinfo=timezone.utc))  # due 2 March
    later = make_module("Assigned without date")
    rule(later, due_days=20, created_at=datetime(2025, 6, 1, tzinfo=timezone.utc))  # due 21 January
    staff = user("p1.staff@test.example")
    db.session.add_all([
        TrainingAssignment(module_id=sooner.id, user_id=staff.id, due_on=date(2026, 2, 1)),
        TrainingAssignment(module_id=sooner.id, partner_id=partners["one"].id, due_on=date(2026, 4, 1)),
        TrainingAssignment(module_id=later.id, partner_id=partners["one"].id, due_on=None),
    ])
    db.session.commit()

    rows = [(m.title_en, d, s) for m, d, s in required_modules(staff)]
    assert rows == [("Assigned without date", date(2026, 1, 21), "curriculum"),
                    ("Assigned sooner", date(2026, 2, 1), "assigned")]
    admin_rows = {m.title_en: (d, s) for m, d, s in required_modules(user("p1.admin@test.example"))}
    assert admin_rows["Assigned sooner"] == (date(2026, 3, 2), "curriculum")


# ---- creating rules and assignments, with notifications -----------------------------------------


def test_a_new_rule_notifies_each_active_person_of_each_matching_partner_in_their_language(
        partners, people, reference_data, make_module, make_user, outbox, db):
    module = make_module("Number portability", title_zh="携号转网")
    staff = user("p1.staff@test.example")
    staff.locale = "zh_CN"
    gone = make_user("p1.gone@test.example", "partner_staff")
    gone.partner_id, gone.active = partners["one"].id, False
    partners["two"].channel_type_id = reference_data["campus"].id
    db.session.commit()
    outbox.clear()

    create_rule(module, reference_data["social"], None, 14, people["manager"])
    db.session.commit()

    notified = db.session.scalars(sa.select(Notification).where(Notification.kind == "training_assigned")).all()
    assert {n.user.email for n in notified} == {"p1.admin@test.example", "p1.staff@test.example"}
    assert {n.link for n in notified} == {f"/training/modules/{module.id}"}
    assert sorted(m.to[0] for m in outbox) == ["p1.admin@test.example", "p1.staff@test.example"]
    by_address = {m.to[0]: m for m in outbox}
    assert "携号转网" in by_address["p1.staff@test.example"].body
    assert "Number portability" in by_address["p1.admin@test.example"].body
    assert "Number portability" in by_address["p1.admin@test.example"].subject


def test_managers_create_rules_on_the_curricula_page_and_can_deactivate_them(client, partners, make_module, db):
    module = make_module("Complaints handling")
    client.login("gd.manager@test.example")
    response = client.post("/training/oversight/curricula",
                           {"module_id": module.id, "channel_type_id": 0, "tier_id": 0, "due_days": 21})
    assert response.status_code == 302
    created = db.session.scalar(sa.select(CurriculumRule))
    assert (created.module_id, created.channel_type_id, created.tier_id, created.due_days) == (module.id, None, None, 21)
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 3  # both partners' three people
    page = client.get("/training/oversight/curricula").get_data(as_text=True)
    assert "Complaints handling" in page

    refused = client.post("/training/oversight/curricula",
                          {"module_id": module.id, "channel_type_id": 0, "tier_id": 0, "due_days": 0})
    assert refused.status_code == 400
    assert "from 1 to 3650" in refused.get_data(as_text=True)

    assert client.post(f"/training/oversight/curricula/{created.id}/deactivate").status_code == 302
    db.session.refresh(created)
    assert created.active is False
    assert required_modules(user("p1.staff@test.example")) == []


def test_a_rule_needs_a_published_module_and_at_least_one_day(partners, people, make_module):
    with pytest.raises(DomainError) as error:
        create_rule(make_module("Draft", status="draft"), None, None, 10, people["manager"])
    assert error.value.field == "module_id"
    with pytest.raises(DomainError) as error:
        create_rule(make_module("Live"), None, None, 0, people["manager"])
    assert error.value.field == "due_days"


def test_assigning_to_a_partner_notifies_everyone_there_and_to_a_person_only_them(partners, people, make_module,
                                                                                  outbox, db):
    module = make_module("Prepaid cards")
    outbox.clear()
    assign_module(module, people["manager"], partner=partners["one"], due_on=today_local() + timedelta(days=7))
    db.session.commit()
    assert sorted(m.to[0] for m in outbox) == ["p1.admin@test.example", "p1.staff@test.example"]

    outbox.clear()
    other = make_module("Handsets")
    staff = user("p1.staff@test.example")
    assign_module(other, people["manager"], user=staff)
    db.session.commit()
    assert [m.to[0] for m in outbox] == ["p1.staff@test.example"]
    assert titles(staff) == {"Prepaid cards", "Handsets"}
    assert titles(user("p1.admin@test.example")) == {"Prepaid cards"}


def test_a_manager_cannot_assign_to_a_partner_outside_their_territories(client, partners, people, make_module, db):
    module = make_module("Handsets")
    with pytest.raises(DomainError) as error:
        assign_module(module, people["other_manager"], partner=partners["one"])
    assert error.value.field == "partner_id"
    with pytest.raises(DomainError):
        assign_module(module, people["other_manager"], user=user("p1.staff@test.example"))

    client.login("zj.manager@test.example")
    response = client.post("/training/oversight/assign", {"module_id": module.id, "partner_id": partners["one"].id,
                                                          "user_id": ""})
    assert response.status_code == 400
    assert "Partner One Trading" not in client.get("/training/oversight/assign").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(TrainingAssignment.id))) == 0


def test_a_manager_assigns_a_module_to_one_person_on_the_assign_page(client, partners, make_module, db):
    module = make_module("Handsets")
    staff = user("p1.staff@test.example")
    client.login("gd.manager@test.example")
    due = (today_local() + timedelta(days=10)).isoformat()
    response = client.post("/training/oversight/assign", {"module_id": module.id, "partner_id": partners["one"].id,
                                                          "user_id": staff.id, "due_on": due})
    assert response.status_code == 302
    assignment = db.session.scalar(sa.select(TrainingAssignment))
    assert (assignment.user_id, assignment.partner_id, assignment.due_on.isoformat()) == (staff.id, None, due)
    # A person of another partner is refused.
    p2 = user("p2.admin@test.example")
    wrong = client.post("/training/oversight/assign", {"module_id": module.id, "partner_id": partners["one"].id,
                                                       "user_id": p2.id})
    assert wrong.status_code == 400
    assert "does not belong to the chosen partner" in wrong.get_data(as_text=True)


# ---- the materials gate --------------------------------------------------------------------------


def test_the_materials_gate_is_off_by_default_and_then_requires_every_person_certified(partners, people,
                                                                                    make_module, certify, db):
    module = make_module("Promotional material rules")
    rule(module)
    one = partners["one"]
    assert get_setting("training_required_for_materials") is False
    assert may_order_materials(one) == (True, None)
    assert training_complete(one) is False

    set_setting("training_required_for_materials", True)
    db.session.commit()
    allowed, reason = may_order_materials(one)
    assert allowed is False and "2 person(s)" in reason

    certify(user("p1.admin@test.example"), module, today_local() + timedelta(days=100))
    certify(user("p1.staff@test.example"), module, today_local() - timedelta(days=1))  # expired: does not count
    allowed, reason = may_order_materials(one)
    assert allowed is False and "1 person(s)" in reason

    certify(user("p1.staff@test.example"), module, today_local())  # valid through its expiry day
    assert training_complete(one) is True
    assert may_order_materials(one) == (True, None)
    assert may_order_materials(partners["two"])[0] is False  # Two's admin is not certified


def test_the_admin_switches_the_gate_on_the_settings_page_and_it_is_audited(client, make_client, partners, db):
    client.login("admin@test.example")
    page = client.get("/training/oversight/settings").get_data(as_text=True)
    assert 'name="training_required_for_materials"' in page and "checked" not in page
    assert client.post("/training/oversight/settings", {"training_required_for_materials": "y"}).status_code == 302
    assert get_setting("training_required_for_materials") is True
    log = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Setting"))
    assert log is not None and log.actor.email == "admin@test.example"
    assert client.post("/training/oversight/settings", {}).status_code == 302
    assert get_setting("training_required_for_materials") is False

    manager = make_client()
    manager.login("gd.manager@test.example")
    assert manager.get("/training/oversight/settings").status_code == 403
