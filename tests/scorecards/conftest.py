"""Builders for the scorecard tests: tiers with minimum scores, and each figure a scorecard reads
(targets, PSI lines, collections, training certificates, inspections, conflict cases), written
as the parts that own them write them, dated in a chosen month."""
import html
from datetime import date, datetime, time, timezone
from decimal import Decimal
from itertools import count

import pytest
import sqlalchemy as sa

from portal.accounts.models import User

JUNE = date(2026, 6, 1)
P1_ADMIN, P1_STAFF, P2_ADMIN = "p1.admin@test.example", "p1.staff@test.example", "p2.admin@test.example"
GD_MANAGER, ZJ_MANAGER, ADMIN, FINANCE = ("gd.manager@test.example", "zj.manager@test.example", "admin@test.example",
                                          "finance@test.example")
_numbers = count(1)


def text(response):
    return html.unescape(response.get_data(as_text=True))


def user(email):
    from portal.extensions import db

    return db.session.scalar(sa.select(User).where(User.email == email))


def at(day, hour=12):
    """Noon (Beijing time) of ``day``, as aware UTC."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour)).replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)


IN_JULY = at(date(2026, 7, 5))  # when June (the month before) may still be computed


@pytest.fixture
def tiers(reference_data, db):
    """Bronze from 0, Silver from 60, Gold (the fixtures' tier) from 80, and Platinum without a
    minimum score (never proposed)."""
    from portal.reference.models import PartnerTier

    gold = db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))
    gold.min_score = Decimal("80.00")
    silver = PartnerTier(code="silver", name_en="Silver", name_zh="银牌", position=2, min_score=Decimal("60.00"))
    bronze = PartnerTier(code="bronze", name_en="Bronze", name_zh="铜牌", position=3, min_score=Decimal("0.00"))
    platinum = PartnerTier(code="platinum", name_en="Platinum", name_zh="白金", position=0)
    db.session.add_all([silver, bronze, platinum])
    db.session.commit()
    return {"gold": gold, "silver": silver, "bronze": bronze, "platinum": platinum}


@pytest.fixture
def outlet(partners, reference_data, db):
    from portal.partners.models import Outlet

    store = Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                   city_id=reference_data["GD-SZ"].id, kind="store")
    db.session.add(store)
    db.session.commit()
    return store


@pytest.fixture
def figures(people, partners, reference_data, outlet, db):
    """Writers of the figures behind a scorecard, each committed."""
    from portal.results.models import PartnerTarget, PaymentCollection, PsiEntry

    class Figures:
        @staticmethod
        def target(amount, line="mobile", month=JUNE, partner=None):
            db.session.add(PartnerTarget(partner_id=(partner or partners["one"]).id,
                                         product_line_id=reference_data[line].id, effective_month=month,
                                         amount=Decimal(amount), source="adjustment", reason="test"))
            db.session.commit()

        @staticmethod
        def psi(sales, returns="0", line="mobile", month=JUNE, store=None):
            store = store or outlet
            db.session.add(PsiEntry(partner_id=store.partner_id, outlet_id=store.id,
                                    product_line_id=reference_data[line].id, month=month, sales=1,
                                    sales_amount=Decimal(sales), returns_amount=Decimal(returns)))
            db.session.commit()

        @staticmethod
        def collection(amount, day=date(2026, 6, 15), partner=None):
            db.session.add(PaymentCollection(partner_id=(partner or partners["one"]).id, amount=Decimal(amount),
                                             received_at=at(day), month=day.replace(day=1),
                                             reference=f"BANK-{next(_numbers)}", recorded_by_id=people["manager"].id))
            db.session.commit()

    return Figures


@pytest.fixture
def training(people, partners, db):
    """``require(n)`` assigns n published modules to Partner One (each required of its admin and its
    staff member); ``certify(email, module, issued, expires)`` gives that person a certificate."""
    from portal.training.models import Certificate, ExamAttempt, TrainingAssignment, TrainingModule

    class Training:
        @staticmethod
        def require(n):
            modules = []
            for i in range(n):
                module = TrainingModule(title_en=f"Module {i + 1}", title_zh=f"模块 {i + 1}", status="published",
                                        created_by_id=people["manager"].id)
                db.session.add(module)
                db.session.flush()
                db.session.add(TrainingAssignment(module_id=module.id, partner_id=partners["one"].id,
                                                  assigned_by_id=people["manager"].id))
                modules.append(module)
            db.session.commit()
            return modules

        @staticmethod
        def certify(email, module, issued=date(2026, 6, 10), expires=date(2027, 6, 10)):
            person = user(email)
            attempt = ExamAttempt(module_id=module.id, user_id=person.id, partner_id=person.partner_id,
                                  number=next(_numbers), status="submitted", score=100, passed=True)
            db.session.add(attempt)
            db.session.flush()
            db.session.add(Certificate(code=f"SC{next(_numbers):010d}", user_id=person.id, partner_id=person.partner_id,
                                       module_id=module.id, attempt_id=attempt.id, issued_at=at(issued),
                                       expires_on=expires))
            db.session.commit()

    return Training


@pytest.fixture
def inspect(people, outlet, db):
    """``inspect(score, day)``: an inspection of Partner One's store scoring ``score`` out of 50."""
    from portal.inspections import services

    manager = people["manager"]
    checklist = services.create_checklist({"name_zh": "网点标准", "name_en": "Outlet standard"}, manager)
    services.add_item(checklist, {"text_zh": "服务规范", "text_en": "Service standard", "max_score": 50,
                                  "pass_score": 0}, manager)
    db.session.commit()

    def factory(score, day):
        item = checklist.items[0]
        inspection = services.record_inspection(manager, outlet, checklist, "planned", day,
                                                {item.id: {"score": str(score)}}, today=date(2026, 12, 31),
                                                notify_users=False)
        db.session.commit()
        return inspection

    return factory


@pytest.fixture
def case(people, partners, db):
    """``case(opened, ruled=None, action="warning", respondent=Partner One, ...)``: a conflict case
    with Partner Two as complainant, opened on ``opened`` and, with ``ruled``, ruled that day."""
    from portal.conflicts import services

    manager = people["manager"]

    def factory(opened, ruled=None, action="warning", respondent=None, target=None, favour=None,
                kind="cross_territory"):
        respondent = respondent or partners["one"]
        opened_case = services.open_case(kind, "manager", "Selling in Hangzhou", "Seen in the PSI report.",
                                         [(partners["two"], "complainant"), (respondent, "respondent")],
                                         opened_by=manager, notify_parties=False)
        if ruled is not None:
            services.move_status(opened_case, "investigating", manager)
            target = target if target is not None else (respondent if action != "no_action" else None)
            services.rule_case(opened_case, manager, "Ruled.", action, target=target, favour=favour)
            opened_case.ruled_at = at(ruled)
        opened_case.created_at = at(opened)
        db.session.commit()
        return opened_case

    return factory


@pytest.fixture
def login(make_client):
    def factory(email):
        client = make_client()
        client.login(email)
        return client

    return factory
