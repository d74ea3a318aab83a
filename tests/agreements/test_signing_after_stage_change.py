"""An agreement sent for signature cannot be signed once its prospect has left "agreement sent" by
hand (rejected, withdrawn, or taken back into negotiation): the signature would bind a company
whose application is closed, and the countersignature could never turn it into a partner."""
import pytest
import sqlalchemy as sa

from portal.agreements.models import Agreement, Signature
from portal.recruitment.models import Prospect


@pytest.fixture
def sent(people, make_prospect, make_agreement):
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                             stage="agreement_sent", credit_code="91440300MA5HUATON1")
    return make_agreement(prospect)


def _sign(client, agreement):
    return client.post(f"/agreements/{agreement.id}/sign", {
        "document_sha256": agreement.document.sha256, "signer_name": "Zhang Wei", "signer_title": "General Manager",
        "authorised": "y"})


def _move(client, prospect_id, to_stage, reason):
    response = client.post(f"/pipeline/prospects/{prospect_id}/stage", {"to_stage": to_stage, "reason": reason})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("to_stage", ["rejected", "withdrawn", "negotiating"])
def test_the_applicant_cannot_sign_once_the_prospect_left_agreement_sent(to_stage, client, make_client, sent, db):
    manager = make_client()
    manager.login("gd.manager@test.example")
    _move(manager, sent.prospect_id, to_stage, "Closed after the meeting")

    client.login("applicant1@test.example")
    page = client.get(f"/agreements/{sent.id}/sign").get_data(as_text=True)
    assert 'name="signer_name"' not in page  # no signing form is offered
    response = _sign(client, sent)
    assert response.status_code == 400
    assert f"Agreement {sent.number} cannot be signed while the application is" in response.get_data(as_text=True)
    assert db.session.get(Agreement, sent.id).status == "sent"
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def test_the_manager_cannot_countersign_once_the_prospect_was_rejected(client, make_client, sent, db):
    client.login("applicant1@test.example")
    assert _sign(client, sent).status_code == 302  # signed while the agreement was current
    manager = make_client()
    manager.login("gd.manager@test.example")
    _move(manager, sent.prospect_id, "rejected", "Failed the credit check")

    response = manager.post(f"/agreements/{sent.id}/countersign", {
        "signer_name": "Chen Manager", "signer_title": "Channel Director", "authorised": "y"})
    assert response.status_code == 400
    assert f"Agreement {sent.number} cannot be signed while the application is" in response.get_data(as_text=True)
    assert db.session.get(Agreement, sent.id).status == "partner_signed"
    assert db.session.get(Prospect, sent.prospect_id).stage == "rejected"


def test_the_agreement_page_offers_no_signing_once_the_prospect_was_withdrawn(client, make_client, sent):
    client.login("applicant1@test.example")
    assert "Read and sign" in client.get(f"/agreements/{sent.id}").get_data(as_text=True)
    manager = make_client()
    manager.login("gd.manager@test.example")
    _move(manager, sent.prospect_id, "withdrawn", "The company withdrew")

    page = client.get(f"/agreements/{sent.id}").get_data(as_text=True)
    assert "Read and sign" not in page
    assert "Please read the agreement below, then sign it" not in page
