"""Builders for the termination tests: Partner One (Shenzhen, the Guangdong manager's) with an
outlet, an e-mail on file and a deposit account; one open item of each kind made with the real
models; clients signed in by e-mail."""
import html
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

P1_ADMIN, P1_STAFF, P2_ADMIN = "p1.admin@test.example", "p1.staff@test.example", "p2.admin@test.example"
GD_MANAGER, ZJ_MANAGER, ADMIN, FINANCE = ("gd.manager@test.example", "zj.manager@test.example", "admin@test.example",
                                          "finance@test.example")
OFFICE = "office@partner-one.example"  # Partner One's e-mail on file: its address for payment notices
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def text(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def cast(people, partners, reference_data, db):
    from portal.partners.models import Outlet

    one = partners["one"]
    one.email = OFFICE
    outlet = Outlet(partner_id=one.id, name="Futian Store", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="store")
    db.session.add(outlet)
    db.session.commit()
    return {**people, "one": one, "two": partners["two"], "outlet": outlet}


@pytest.fixture
def login(make_client):
    def factory(email):
        client = make_client()
        client.login(email)
        return client

    return factory


@pytest.fixture
def deposit(cast, db):
    """Open Partner One's deposit account with ``due`` owed; returns the account."""
    from portal.partners import ledger

    def factory(due="20000.10"):
        account = ledger.open_account(cast["one"])
        ledger.record_movement(account, "due", Decimal(due), cast["manager"], reference="AG-1")
        db.session.commit()
        return account

    return factory


@pytest.fixture
def start(login, cast, db):
    """Start Partner One's termination through the page as its manager; returns it."""
    from portal.exits.models import Termination

    def factory(reason="Repeated cross-territory selling", partner=None, email=GD_MANAGER, **extra):
        partner = partner or cast["one"]
        response = login(email).post(f"/terminations/new?partner_id={partner.id}", {"reason": reason, **extra})
        assert response.status_code == 302, text(response)
        return db.session.scalar(sa.select(Termination).where(Termination.partner_id == partner.id)
                                 .order_by(Termination.id.desc()).limit(1))

    return factory


@pytest.fixture
def open_items_of_each_kind(cast, db):
    """One open item of each kind for Partner One, made with the real models (and the
    inspection and conflict services where they exist); returns them by group key."""
    from portal.commissions.models import CommissionStatement
    from portal.conflicts import services as conflicts
    from portal.core import storage
    from portal.core.i18n import business_today
    from portal.deals.models import DealRegistration
    from portal.finance.models import BankAccountChange
    from portal.inspections import services as inspections
    from portal.materials.models import MaterialRequest
    from portal.subsidies.models import LeaseProof

    one, manager, outlet = cast["one"], cast["manager"], cast["outlet"]
    admin = next(u for u in one.users if u.email == P1_ADMIN)
    checklist = inspections.create_checklist({"name_zh": "网点标准", "name_en": "Outlet standard"}, manager)
    item = inspections.add_item(checklist, {"text_zh": "明码标价", "text_en": "Prices shown", "max_score": 10,
                                            "pass_score": 6}, manager)
    inspection = inspections.record_inspection(manager, outlet, checklist, "planned", business_today(),
                                               {item.id: {"score": "2", "note": "No price tags"}})
    rectification = inspections.rectifications_of(inspection)[0]
    case = conflicts.open_case("price_cutting", "manager", "Prices cut in Futian", "Below the floor price.",
                               [(one, "respondent")], opened_by=manager)
    items = {
        "material_requests": MaterialRequest(number="MR-2026-0001", partner_id=one.id, campaign="Spring campaign",
                                             plan="Hand out 100 leaflets", quarter="2026Q1", status="received"),
        "commission_statements": CommissionStatement(number="CS-202601-0001", partner_id=one.id,
                                                     month=date(2026, 1, 1), status="approved",
                                                     total=Decimal("812.40")),
        "deals": DealRegistration(number="DR-2026-0001", partner_id=one.id, customer_name="Shenzhen Bay Hotel",
                                  customer_key="shenzhen bay hotel", expected_value=Decimal("50000.00"),
                                  status="held"),
        "lease_proofs": LeaseProof(partner_id=one.id, outlet_id=outlet.id, starts_on=date(2026, 1, 1),
                                   ends_on=date(2026, 12, 31), status="pending",
                                   file_id=storage.store_bytes(PDF, "lease.pdf", "application/pdf", admin).id),
        "bank_changes": BankAccountChange(partner_id=one.id, requested_by_id=admin.id, account_name=one.name,
                                          bank_name="中国工商银行", account_number="6222020200112233445",
                                          status="pending"),
    }
    db.session.add_all(items.values())
    db.session.commit()
    return {**items, "rectifications": rectification, "cases": case}


FINAL = {"material_requests": "closed", "commission_statements": "released", "rectifications": "escalated",
         "cases": "closed", "deals": "approved", "lease_proofs": "accepted", "bank_changes": "rejected"}


@pytest.fixture
def settle(db):
    """Put every given item in a final state of its own model."""
    def settle_all(items):
        for key, item in items.items():
            item.status = FINAL[key]
        db.session.commit()

    return settle_all
