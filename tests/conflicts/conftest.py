"""Builders for the conflict case tests: a third partner in Guangdong, cases, deposits, deal
registrations, and small helpers to read pages."""
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

P1_ADMIN, P1_STAFF, P2_ADMIN, P3_ADMIN = ("p1.admin@test.example", "p1.staff@test.example", "p2.admin@test.example",
                                          "p3.admin@test.example")
GD_MANAGER, ZJ_MANAGER, ADMIN = "gd.manager@test.example", "zj.manager@test.example", "admin@test.example"


def upload(data=PDF, name="photo.pdf"):
    return (io.BytesIO(data), name)


@pytest.fixture
def cast(people, partners, make_user, make_prospect, reference_data, db):
    """People and partners: One (Shenzhen) and Three (Guangzhou) in Guangdong under the GD
    manager, Two (Hangzhou) under the ZJ manager; each partner has an admin."""
    from portal.partners.models import Partner

    t = reference_data["GD-GZ"]
    prospect = make_prospect("Partner Three Mobile", "GD-GZ", owner=people["manager"], stage="signed",
                             credit_code="91440101MA5CXW1X28")
    three = Partner(name="Partner Three Mobile", credit_code="91440101MA5CXW1X28", prospect_id=prospect.id,
                    province_id=t.parent_id, city_id=t.id, channel_type_id=reference_data["social"].id,
                    manager_id=people["manager"].id, status="active")
    three.territories = [t]
    db.session.add(three)
    db.session.commit()
    user = make_user(P3_ADMIN, "partner_admin")
    user.partner_id = three.id
    db.session.commit()
    return {**people, "one": partners["one"], "two": partners["two"], "three": three}


@pytest.fixture
def make_case(cast, db):
    """A case opened as a partner would (through open_case), committed."""
    from portal.conflicts.services import open_case

    def factory(parties, kind="cross_territory", origin="partner", title="Handsets sold in Futian",
                description="Partner Three sells our handsets in Futian.", opened_by=None, registration=None,
                status="open", manager=None, **kw):
        case = open_case(kind, origin, title, description, parties, opened_by=opened_by, registration=registration,
                         manager=manager, **kw)
        case.status = status
        db.session.commit()
        return case

    return factory


@pytest.fixture
def deposit(cast, db):
    """Record ``amount`` paid on ``partner``'s deposit account (opened if needed)."""
    from portal.partners import ledger

    def factory(partner, amount):
        account = partner.deposit_account or ledger.open_account(partner)
        ledger.record_movement(account, "paid", Decimal(amount), cast["manager"], reference="BANK-1")
        db.session.commit()
        return account

    return factory


@pytest.fixture
def registrations(cast, db):
    """Partner One's approved, protected registration of a customer, and Partner Two's later
    registration of the same customer written differently, held."""
    from datetime import date

    from portal.deals.models import DealRegistration

    first = DealRegistration(number="DR-2026-0001", partner_id=cast["one"].id, customer_name="深圳华通科技有限公司",
                             customer_key="深圳华通科技", expected_value=Decimal("880000.00"), status="approved",
                             protected_until=date(2027, 2, 1))
    db.session.add(first)
    db.session.flush()
    held = DealRegistration(number="DR-2026-0002", partner_id=cast["two"].id, customer_name="深圳華通科技 有限责任公司",
                            customer_key="深圳华通科技", expected_value=Decimal("650000.00"), status="held",
                            matched_id=first.id)
    db.session.add(held)
    db.session.commit()
    return {"first": first, "held": held}


@pytest.fixture
def deal_case(make_case, cast, registrations, db):
    """The automatic case opened on the held registration, as the deal part opens it: a manager's
    title and description that name Partner One, its registration and its value."""
    held = registrations["held"]
    case = make_case([(cast["two"], "involved"), (cast["one"], "involved")], kind="poaching", origin="deal_match",
                     title="DR-2026-0002 matches DR-2026-0001 of Partner One Trading",
                     description="Partner One Trading registered 深圳华通科技有限公司 first (DR-2026-0001, ¥880,000.00).",
                     registration=held, manager=cast["manager"])
    held.case_id = case.id
    db.session.commit()
    return case


def notifications(email, db):
    from portal.accounts.models import User
    from portal.notifications.models import Notification

    user = db.session.scalar(sa.select(User).where(User.email == email))
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def kinds_for(email, db):
    return [n.kind for n in notifications(email, db)]


def row_of(page, text):
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S):
        if text in row:
            return row
    raise AssertionError(f"{text} is not in a table row")


@pytest.fixture
def login(make_client):
    """A signed-in client for ``email``."""

    def factory(email):
        client = make_client()
        client.login(email)
        return client

    return factory
