"""Becoming a partner on countersignature: the partner, its admin, its deposit account; and what
an amendment changes."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.agreements import signing
from portal.agreements.models import Agreement
from portal.notifications.models import Notification
from portal.partners.ledger import balances
from portal.partners.models import DepositMovement, Partner
from portal.recruitment.models import StageChange
from portal.reference.models import PartnerTier
from tests.agreements.test_signing import countersign_form, page_hash, sign_form


@pytest.fixture
def deal(people, make_prospect, make_agreement, reference_data):
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                             stage="agreement_sent", credit_code="91440300MA5HUATON1", email="li@huatong.example",
                             mobile="13812345678", legal_representative="Wang Fang", contact_name="Li Lei",
                             channel_type_id=reference_data["campus"].id)
    agreement = make_agreement(prospect, territories=[reference_data["GD-SZ"], reference_data["GD-GZ"]],
                               deposit=Decimal("20000.10"), exclusive=True)
    return {"prospect": prospect, "agreement": agreement}


def sign_and_countersign(agreement, signer, manager):
    signing.sign(agreement, signer, document_sha256=agreement.document.sha256, signer_name=signer.name,
                 signer_title="Owner", authorised=True, ip_address="198.51.100.1", user_agent="pytest")
    signing.countersign(agreement, manager, signer_name=manager.name, signer_title="Manager", authorised=True,
                        ip_address="198.51.100.2", user_agent="pytest")
    from portal.extensions import db

    db.session.commit()


def test_countersignature_makes_the_prospect_a_partner_run_by_its_applicant(client, make_client, deal, people,
                                                                            reference_data, db, outbox):
    agreement = deal["agreement"]
    client.login("applicant1@test.example")
    assert client.post(f"/agreements/{agreement.id}/sign", sign_form(page_hash(client, agreement))).status_code == 302
    manager = make_client()
    manager.login("gd.manager@test.example")
    response = manager.post(f"/agreements/{agreement.id}/countersign", countersign_form())
    assert response.status_code == 302

    prospect = deal["prospect"]
    db.session.refresh(prospect)
    assert prospect.stage == "signed"
    change = db.session.scalar(sa.select(StageChange).where(StageChange.prospect_id == prospect.id,
                                                            StageChange.to_stage == "signed"))
    assert change.from_stage == "agreement_sent" and change.actor_id == people["manager"].id
    partner = db.session.scalar(sa.select(Partner).where(Partner.prospect_id == prospect.id))
    assert partner is not None
    assert (partner.name, partner.credit_code, partner.legal_representative, partner.contact_name, partner.phone,
            partner.email) == ("Shenzhen Huatong", "91440300MA5HUATON1", "Wang Fang", "Li Lei", "13812345678",
                               "li@huatong.example")
    assert (partner.province_id, partner.city_id) == (reference_data["GD"].id, reference_data["GD-SZ"].id)
    assert {t.code for t in partner.territories} == {"GD-SZ", "GD-GZ"}
    assert partner.tier.code == "gold" and partner.exclusive is True
    assert partner.channel_type.code == "social"  # the agreed terms win over what the application said
    assert partner.manager_id == people["manager"].id and partner.signed_at is not None
    assert partner.status == "active"
    assert db.session.get(Agreement, agreement.id).partner_id == partner.id

    applicant = db.session.get(User, people["applicant"].id)
    assert applicant.role == "partner_admin" and applicant.partner_id == partner.id
    # Their session ended: the next request asks them to sign in, then the partner portal opens.
    assert "/login" in client.get("/my-application").headers["Location"]
    client.login("applicant1@test.example")
    home = client.get("/partner/")
    assert home.status_code == 200
    assert client.get("/my-application").status_code == 403

    # The deposit account asks for the deposit of the agreement.
    totals = balances(partner.deposit_account.id)
    assert totals["due"] == Decimal("20000.10") and totals["outstanding"] == Decimal("20000.10")
    assert totals["paid"] == Decimal("0.00") and totals["held"] == Decimal("0.00")
    [movement] = partner.deposit_account.movements
    assert (movement.kind, movement.amount, movement.reference) == ("due", Decimal("20000.10"), agreement.number)
    assert movement.actor_id == people["manager"].id

    # The new partner admin is told, with a link to the partner portal.
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == applicant.id,
                                                           Notification.kind == "partner_created"))
    assert note is not None and note.link == "/partner/"
    mail = [m for m in outbox if m.to == ["applicant1@test.example"] and "is now a partner" in m.subject]
    assert mail and "/partner/" in mail[0].body


def test_a_zero_deposit_opens_an_empty_account(deal, make_prospect, make_agreement, people, db):
    prospect = make_prospect("No Deposit Co", "GD-GZ", owner=people["manager"], applicant=people["other_applicant"],
                             stage="agreement_sent")
    agreement = make_agreement(prospect, deposit=Decimal("0.00"))
    sign_and_countersign(agreement, people["other_applicant"], people["manager"])
    partner = db.session.scalar(sa.select(Partner).where(Partner.prospect_id == prospect.id))
    assert partner.deposit_account is not None and partner.deposit_account.movements == []
    assert balances(partner.deposit_account.id)["due"] == Decimal("0.00")


def test_a_prospect_without_an_applicant_account_becomes_a_partner_without_an_admin(make_prospect, make_agreement,
                                                                                    people, db):
    from portal.partners.onboarding import create_partner_from_agreement

    prospect = make_prospect("Field Found Co", "GD-SZ", owner=people["manager"], stage="agreement_sent")
    agreement = make_agreement(prospect, status="countersigned")
    users_before = {(u.id, u.role, u.partner_id) for u in db.session.scalars(sa.select(User))}
    partner, created = create_partner_from_agreement(agreement, people["manager"])
    db.session.commit()
    assert created and partner.prospect_id == prospect.id and partner.users == []
    assert {(u.id, u.role, u.partner_id) for u in db.session.scalars(sa.select(User))} == users_before
    assert prospect.stage == "signed"


def test_an_amendment_updates_the_partner_and_asks_only_for_the_deposit_increase(client, make_client, deal, people,
                                                                                reference_data, make_agreement,
                                                                                db):
    original = deal["agreement"]
    sign_and_countersign(original, people["applicant"], people["manager"])
    partner = db.session.scalar(sa.select(Partner).where(Partner.prospect_id == deal["prospect"].id))
    admin = db.session.get(User, people["applicant"].id)
    version = admin.session_version
    silver = PartnerTier(code="silver", name_en="Silver", name_zh="银牌", position=2)
    db.session.add(silver)
    db.session.commit()
    amendment = make_agreement(deal["prospect"], kind="amendment", previous=original, partner=partner,
                               territories=[reference_data["GD-SZ"]], tier=silver, exclusive=False,
                               deposit=Decimal("30000.10"), channel_type=reference_data["campus"])

    # The partner admin signs the amendment in the portal; the manager countersigns it.
    client.login("applicant1@test.example")
    assert client.post(f"/agreements/{amendment.id}/sign", sign_form(page_hash(client, amendment))).status_code == 302
    manager = make_client()
    manager.login("gd.manager@test.example")
    assert manager.post(f"/agreements/{amendment.id}/countersign", countersign_form()).status_code == 302

    assert db.session.scalar(sa.select(sa.func.count(Partner.id))
                             .where(Partner.prospect_id == deal["prospect"].id)) == 1
    partner = db.session.get(Partner, partner.id)
    assert [t.code for t in partner.territories] == ["GD-SZ"]
    assert partner.tier.code == "silver" and partner.exclusive is False and partner.channel_type.code == "campus"
    assert db.session.get(Agreement, amendment.id).partner_id == partner.id
    movements = db.session.scalars(sa.select(DepositMovement).order_by(DepositMovement.id)).all()
    assert [(m.kind, m.amount, m.reference) for m in movements] == [
        ("due", Decimal("20000.10"), original.number), ("due", Decimal("10000.00"), amendment.number)]
    assert balances(partner.deposit_account.id)["due"] == Decimal("30000.10")
    admin = db.session.get(User, admin.id)
    assert admin.role == "partner_admin" and admin.session_version == version  # no role change, still signed in
    assert client.get("/partner/").status_code == 200
    assert db.session.get(type(deal["prospect"]), deal["prospect"].id).stage == "signed"
    told = db.session.scalar(sa.select(Notification).where(Notification.user_id == admin.id,
                                                           Notification.kind == "agreement_countersigned"))
    assert told is not None


def test_a_lower_deposit_in_a_renewal_asks_for_nothing_more(deal, people, make_agreement, db):
    original = deal["agreement"]
    sign_and_countersign(original, people["applicant"], people["manager"])
    partner = db.session.scalar(sa.select(Partner).where(Partner.prospect_id == deal["prospect"].id))
    renewal = make_agreement(deal["prospect"], kind="renewal", previous=original, partner=partner,
                             deposit=Decimal("15000.00"))
    sign_and_countersign(renewal, db.session.get(User, people["applicant"].id), people["manager"])
    assert [m.amount for m in partner.deposit_account.movements] == [Decimal("20000.10")]
    assert db.session.scalar(sa.select(sa.func.count(Partner.id))) == 1
