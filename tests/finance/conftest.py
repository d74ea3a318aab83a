"""Builders for the bank account tests: Partner One with an e-mail on file, clients signed in
as its admin and its manager, a request sent through the page and approved through the page."""
import html
import io

import pytest
import sqlalchemy as sa

from portal.finance.models import BankAccount, BankAccountChange

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

P1_ADMIN, P1_STAFF, P2_ADMIN = "p1.admin@test.example", "p1.staff@test.example", "p2.admin@test.example"
GD_MANAGER, ZJ_MANAGER, ADMIN = "gd.manager@test.example", "zj.manager@test.example", "admin@test.example"
OFFICE = "office@partner-one.example"  # Partner One's e-mail on file
FIRST_NUMBER, SECOND_NUMBER = "6222020200112233445", "6217003320045566778"


def text(response):
    return html.unescape(response.get_data(as_text=True))


def change_form(proof=PDF, proof_name="bank-letter.pdf", **overrides):
    """What a partner admin types into the request form (a fresh proof file each time)."""
    data = {"account_name": "Partner One Trading", "bank_name": "中国工商银行", "branch": "深圳福田支行",
            "account_number": FIRST_NUMBER, "contact_email": "", "reason": ""}
    data.update(overrides)
    if proof is not None:
        data["proof"] = (io.BytesIO(proof), proof_name)
    return data


def changes(db):
    return db.session.scalars(sa.select(BankAccountChange).order_by(BankAccountChange.id)).all()


def accounts(db):
    return db.session.scalars(sa.select(BankAccount).order_by(BankAccount.id)).all()


@pytest.fixture
def cast(people, partners, db):
    partners["one"].email = OFFICE
    db.session.commit()
    return {**people, **partners}


@pytest.fixture
def as_user(make_client):
    def factory(email):
        client = make_client()
        client.login(email)
        return client

    return factory


@pytest.fixture
def request_change(as_user, db):
    """Send a request as Partner One's admin through the page; returns the request."""
    def send(**overrides):
        client = as_user(P1_ADMIN)
        response = client.post("/partner/bank-account/change", change_form(**overrides))
        assert response.status_code == 302, text(response)
        return changes(db)[-1]

    return send


@pytest.fixture
def approve(as_user, db):
    def decide(change, email=GD_MANAGER, note=""):
        response = as_user(email).post(f"/bank-accounts/{change.id}/approve", {"note": note})
        assert response.status_code == 302, text(response)
        db.session.refresh(change)
        assert change.status == "approved"
        return change

    return decide
