"""Who may see and decide what: only the partner's admins handle its account (staff 403);
another organisation's requests and proofs answer 404, as do a partner's requests for a
manager of another territory."""
import pytest

from tests.finance.conftest import P1_ADMIN, P1_STAFF, P2_ADMIN, ZJ_MANAGER, accounts


@pytest.fixture
def pending(cast, request_change):
    return request_change()


def test_partner_staff_get_403_on_every_bank_account_page(pending, as_user, db):
    client = as_user(P1_STAFF)
    for url in ("/partner/bank-account/", "/partner/bank-account/change",
                f"/partner/bank-account/changes/{pending.id}", f"/partner/bank-account/changes/{pending.id}/proof"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/partner/bank-account/changes/{pending.id}/withdraw", {}).status_code == 403
    assert client.post("/partner/bank-account/change", {}).status_code == 403
    db.session.refresh(pending)
    assert pending.status == "pending"


def test_another_partners_request_and_proof_answer_404(pending, as_user, db):
    client = as_user(P2_ADMIN)
    assert client.get(f"/partner/bank-account/changes/{pending.id}").status_code == 404
    assert client.get(f"/partner/bank-account/changes/{pending.id}/proof").status_code == 404
    assert client.get(f"/partner/bank-account/changes/{pending.id}/proof?inline=1").status_code == 404
    assert client.post(f"/partner/bank-account/changes/{pending.id}/withdraw", {}).status_code == 404
    assert "You have not asked" in client.get("/partner/bank-account/").get_data(as_text=True)
    db.session.refresh(pending)
    assert pending.status == "pending"


def test_a_manager_of_another_territory_gets_404_and_cannot_decide(pending, as_user, db):
    client = as_user(ZJ_MANAGER)
    for url in (f"/bank-accounts/{pending.id}", f"/bank-accounts/{pending.id}/proof"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/bank-accounts/{pending.id}/approve", {}).status_code == 404
    assert client.post(f"/bank-accounts/{pending.id}/reject", {"reason": "No"}).status_code == 404
    db.session.refresh(pending)
    assert pending.status == "pending" and accounts(db) == []


def test_partner_users_cannot_reach_the_vendor_pages(pending, as_user):
    for email in (P1_ADMIN, P1_STAFF):
        client = as_user(email)
        assert client.get("/bank-accounts/").status_code == 403
        assert client.get(f"/bank-accounts/{pending.id}").status_code == 403
        assert client.post(f"/bank-accounts/{pending.id}/approve", {}).status_code == 403


def test_a_manager_covering_the_province_decides_even_if_not_the_partners_manager(
        pending, make_user, reference_data, as_user, db):
    make_user("gd.second@test.example", "manager", [reference_data["GD"]])
    response = as_user("gd.second@test.example").post(f"/bank-accounts/{pending.id}/approve", {})
    assert response.status_code == 302
    db.session.refresh(pending)
    assert pending.status == "approved"


def test_unknown_and_huge_ids_answer_404(cast, as_user):
    client = as_user(P1_ADMIN)
    assert client.get("/partner/bank-account/changes/999999").status_code == 404
    assert client.get(f"/partner/bank-account/changes/{2 ** 40}").status_code == 404
    assert as_user("gd.manager@test.example").get(f"/bank-accounts/{2 ** 40}").status_code == 404
