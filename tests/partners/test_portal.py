"""The signed partner's own portal: home, profile, outlets, staff, agreements and the deposit ledger."""
import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditLog
from portal.core.i18n import local_today_in
from portal.partners import ledger
from portal.partners.models import DepositMovement, Outlet
from portal.recruitment.models import Prospect

PASSWORD = "correct-horse-battery"


def signed_agreement(make_agreement, partner, db, **kw):
    """A countersigned agreement of ``partner`` (its signed PDF is the generated one, for the test)."""
    prospect = db.session.get(Prospect, partner.prospect_id)
    agreement = make_agreement(prospect, partner=partner, status="countersigned", **kw)
    agreement.signed_document_id = agreement.document_id
    db.session.commit()
    return agreement


def user_id(email, db):
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def outlet_form(reference_data, **overrides):
    data = {"name": "Futian Flagship", "address": "1 Shennan Road, Futian", "city_id": str(reference_data["GD-SZ"].id),
            "kind": "store", "opened_on": "2025-03-01"}
    data.update(overrides)
    return data


# ---- home ---------------------------------------------------------------------------------------


def test_partner_home_shows_organisation_manager_agreement_counts_and_deposit(
        app, client, partners, people, make_agreement, reference_data, db):
    one = partners["one"]
    one.exclusive = True
    one.contact_name, one.phone = "Zhang Wei", "13812345678"
    db.session.add(Outlet(partner_id=one.id, name="Futian Store", address="1 Shennan Road",
                          city_id=reference_data["GD-SZ"].id, kind="store"))
    db.session.add(Outlet(partner_id=one.id, name="Old Kiosk", address="2 Shennan Road",
                          city_id=reference_data["GD-SZ"].id, kind="kiosk", active=False))
    ledger.record_movement(ledger.open_account(one), "due", Decimal("20000.10"), people["manager"], reference="AGR")
    agreement = signed_agreement(make_agreement, one, db)
    db.session.commit()

    client.login("p1.admin@test.example")
    page = client.get("/partner/").get_data(as_text=True)
    assert "Partner One Trading" in page
    assert "Shenzhen" in page and "Exclusive" in page and "Social channel" in page
    assert "Gd.Manager" in page and "gd.manager@test.example" in page  # the manager and how to reach them
    assert agreement.number in page and "Signed by both sides" in page
    assert re.search(r'data-count="outlets">1<', page)  # open outlets only
    assert re.search(r'data-total="due">¥20,000.10<', page)
    assert "Edit contact details" in page
    if "agreements.signed_document" in app.view_functions:
        assert f"/agreements/{agreement.id}" in page and "Download the signed agreement" in page


def test_a_new_partner_sees_empty_states(client, partners):
    client.login("p2.admin@test.example")
    page = client.get("/partner/").get_data(as_text=True)
    assert "Partner Two Retail" in page and "Partner One" not in page
    assert "No agreement is on file for your organisation yet." in page
    assert "No deposit account has been opened for your organisation." in page
    assert "No outlet yet" in client.get("/partner/outlets").get_data(as_text=True)
    assert "No deposit account" in client.get("/partner/deposit").get_data(as_text=True)


def test_staff_see_their_organisation_read_only(client, partners, reference_data):
    client.login("p1.staff@test.example")
    page = client.get("/partner/").get_data(as_text=True)
    assert "Partner One Trading" in page and "Edit contact details" not in page
    assert "Add an outlet" not in client.get("/partner/outlets").get_data(as_text=True)
    assert client.get("/partner/profile").status_code == 403
    assert client.post("/partner/profile", {"contact_name": "X", "phone": "13812345678", "email": "x@x.cn",
                                            "address": "Somewhere"}).status_code == 403
    assert client.post("/partner/outlets/new", outlet_form(reference_data)).status_code == 403
    assert client.get("/partner/staff").status_code == 403


# ---- profile ------------------------------------------------------------------------------------


def test_partner_admin_edits_contact_details_with_phone_check_and_audit(client, partners, people, db):
    client.login("p1.admin@test.example")
    bad = client.post("/partner/profile", {"contact_name": "Zhang Wei", "phone": "12345", "email": "wei@p1.cn",
                                           "address": "Shenzhen"})
    assert bad.status_code == 400
    assert "Enter a mainland mobile number" in bad.get_data(as_text=True)

    ok = client.post("/partner/profile", {"contact_name": "Zhang Wei", "phone": "(0755) 8888 8888",
                                          "email": "Wei@P1.cn", "address": "88 Shennan Road, Shenzhen",
                                          "name": "Renamed Co", "credit_code": "X"})
    assert ok.status_code == 302
    partner = partners["one"]
    db.session.refresh(partner)
    assert (partner.contact_name, partner.phone, partner.email) == ("Zhang Wei", "0755-88888888", "wei@p1.cn")
    assert partner.name == "Partner One Trading" and partner.credit_code == "91440300MA5EXAMPLA"  # from the agreement
    change = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Partner", AuditLog.field == "phone"))
    assert change.new_value == "0755-88888888" and change.actor_id == user_id("p1.admin@test.example", db)

    mobile = client.post("/partner/profile", {"contact_name": "Zhang Wei", "phone": "+86 138-1234-5678",
                                              "email": "wei@p1.cn", "address": "88 Shennan Road"})
    assert mobile.status_code == 302
    db.session.refresh(partner)
    assert partner.phone == "13812345678"


@pytest.mark.parametrize("phone, expected", [
    ("13812345678", "13812345678"), ("010-12345678", "010-12345678"), ("02012345678", "020-12345678"),
    ("0755 8888 8888", "0755-88888888"), ("010-12345678-123", "010-12345678-123"), ("400-123-4567", "400-123-4567"),
    ("+86 755 8888 8888", "0755-88888888"),
])
def test_phone_numbers_are_accepted_as_mobiles_or_landlines(app, phone, expected):
    from portal.partners.services import normalise_phone

    assert normalise_phone(phone) == expected


@pytest.mark.parametrize("phone", ["12345", "1381234567", "23812345678", "0755-123", "abc"])
def test_wrong_phone_numbers_are_refused(app, phone):
    from portal.core.errors import DomainError
    from portal.partners.services import normalise_phone

    with pytest.raises(DomainError) as caught:
        normalise_phone(phone)
    assert caught.value.field == "phone"


# ---- outlets ------------------------------------------------------------------------------------


def test_outlets_are_added_checked_edited_and_closed_never_deleted(client, partners, reference_data, db):
    client.login("p1.admin@test.example")
    empty = client.post("/partner/outlets/new", {"name": "", "address": "", "city_id": "", "kind": "store"})
    assert empty.status_code == 400
    text = html.unescape(empty.get_data(as_text=True))
    assert "Enter the outlet's name." in text and "Enter the outlet's address." in text
    assert "Choose the city the outlet is in." in text

    too_far = local_today_in() + timedelta(days=400)
    later = client.post("/partner/outlets/new", outlet_form(reference_data, opened_on=too_far.isoformat()))
    assert later.status_code == 400 and "at most a year from today" in later.get_data(as_text=True)
    province = client.post("/partner/outlets/new", outlet_form(reference_data, city_id=str(reference_data["GD"].id)))
    assert province.status_code == 400 and "Choose the city the outlet is in." in province.get_data(as_text=True)
    not_a_date = client.post("/partner/outlets/new", outlet_form(reference_data, opened_on="next week"))
    assert not_a_date.status_code == 400 and "Enter a date as YYYY-MM-DD." in not_a_date.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Outlet.id))) == 0

    assert client.post("/partner/outlets/new", outlet_form(reference_data)).status_code == 302
    soon = (local_today_in() + timedelta(days=30)).isoformat()
    assert client.post("/partner/outlets/new", outlet_form(reference_data, name="Campus Corner", kind="campus",
                                                           city_id=str(reference_data["GD-GZ"].id),
                                                           opened_on=soon)).status_code == 302
    twin = client.post("/partner/outlets/new", outlet_form(reference_data, name="futian flagship"))
    assert twin.status_code == 400 and "You already have an outlet named" in twin.get_data(as_text=True)

    listing = client.get("/partner/outlets").get_data(as_text=True)
    assert "Futian Flagship" in listing and "Campus Corner" in listing and "Guangzhou" in listing

    outlet = db.session.scalar(sa.select(Outlet).where(Outlet.name == "Futian Flagship"))
    assert outlet.partner_id == partners["one"].id and outlet.opened_on == date(2025, 3, 1)
    edited = client.post(f"/partner/outlets/{outlet.id}/edit", outlet_form(reference_data, name="Futian Flagship Store",
                                                                          kind="franchise"))
    assert edited.status_code == 302
    db.session.refresh(outlet)
    assert (outlet.name, outlet.kind) == ("Futian Flagship Store", "franchise")
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Outlet", AuditLog.field == "name",
                                                       AuditLog.entity_id == str(outlet.id))).new_value == "Futian Flagship Store"

    assert client.post(f"/partner/outlets/{outlet.id}/active", {"active": "0"}).status_code == 302
    db.session.refresh(outlet)
    assert outlet.active is False  # closed, still there
    listing = client.get("/partner/outlets").get_data(as_text=True)
    assert "Futian Flagship Store" in listing and "Closed" in listing
    assert re.search(r'data-count="outlets">1<', client.get("/partner/").get_data(as_text=True))
    assert client.post(f"/partner/outlets/{outlet.id}/active", {"active": "1"}).status_code == 302
    db.session.refresh(outlet)
    assert outlet.active is True


def test_another_partner_cannot_see_or_change_our_outlets(client, make_client, partners, reference_data, db):
    outlet = Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="store")
    db.session.add(outlet)
    db.session.commit()
    client.login("p2.admin@test.example")
    assert "Futian Store" not in client.get("/partner/outlets").get_data(as_text=True)
    assert client.get(f"/partner/outlets/{outlet.id}/edit").status_code == 404
    assert client.post(f"/partner/outlets/{outlet.id}/edit", outlet_form(reference_data, name="Mine now")).status_code == 404
    assert client.post(f"/partner/outlets/{outlet.id}/active", {"active": "0"}).status_code == 404
    db.session.refresh(outlet)
    assert outlet.name == "Futian Store" and outlet.active is True

    staff = make_client()
    staff.login("p1.staff@test.example")
    assert "Futian Store" in staff.get("/partner/outlets").get_data(as_text=True)
    assert staff.get(f"/partner/outlets/{outlet.id}/edit").status_code == 403


# ---- staff --------------------------------------------------------------------------------------


def test_partner_admin_invites_staff_who_sets_a_password_and_sees_the_partner_home(
        client, make_client, partners, outbox, db):
    client.login("p1.admin@test.example")
    response = client.post("/partner/staff/invite", {"email": "Sales.Li@P1.example", "name": "Li Na", "locale": "en"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "sales.li@p1.example"))
    assert (user.role, user.partner_id, user.password_hash) == ("partner_staff", partners["one"].id, None)
    mails = [m for m in outbox if m.to == ["sales.li@p1.example"]]
    assert len(mails) == 1
    link = re.search(r"https?://[^/\s]+(/password/set/\S+)", mails[0].body).group(1)
    assert "Li Na" in client.get("/partner/staff").get_data(as_text=True)

    newcomer = make_client()
    assert newcomer.get(link).status_code == 200
    done = newcomer.post(link, {"password": "a-good-password-1", "confirm": "a-good-password-1"})
    assert done.status_code == 302
    home = newcomer.get("/", follow_redirects=True)
    assert home.request.path == "/partner/"
    page = home.get_data(as_text=True)
    assert "Partner One Trading" in page and "Edit contact details" not in page

    again = make_client()
    again.login("sales.li@p1.example", "a-good-password-1")

    duplicate = client.post("/partner/staff/invite", {"email": "sales.li@p1.example", "name": "Li Na", "locale": "en"})
    assert duplicate.status_code == 400
    assert "A user with this e-mail address already exists." in duplicate.get_data(as_text=True)


def test_staff_cannot_invite_and_nobody_becomes_staff_of_another_partner(client, partners, outbox, db):
    client.login("p1.staff@test.example")
    assert client.get("/partner/staff/invite").status_code == 403
    assert client.post("/partner/staff/invite", {"email": "x@p1.example", "name": "X", "locale": "en"}).status_code == 403
    assert db.session.scalar(sa.select(User).where(User.email == "x@p1.example")) is None
    assert outbox == []


def test_deactivating_a_staff_member_ends_their_sessions(client, make_client, partners, db):
    staff = make_client()
    staff.login("p1.staff@test.example")
    assert staff.get("/partner/").status_code == 200

    client.login("p1.admin@test.example")
    staff_id = user_id("p1.staff@test.example", db)
    assert client.post(f"/partner/staff/{staff_id}/active", {"active": "0"}).status_code == 302
    member = db.session.get(User, staff_id)
    assert member.active is False
    assert staff.get("/partner/").status_code == 302  # signed out
    assert make_client().post("/login", {"email": "p1.staff@test.example", "password": PASSWORD}).status_code == 200
    assert "Deactivated" in client.get("/partner/staff").get_data(as_text=True)

    assert client.post(f"/partner/staff/{staff_id}/active", {"active": "1"}).status_code == 302
    make_client().login("p1.staff@test.example")


def test_a_partner_admin_never_touches_other_organisations_or_internal_users(client, partners, people, db):
    client.login("p1.admin@test.example")
    for email in ("p2.admin@test.example", "gd.manager@test.example", "admin@test.example", "applicant1@test.example"):
        target = user_id(email, db)
        assert client.post(f"/partner/staff/{target}/active", {"active": "0"}).status_code == 404, email
        assert client.post(f"/partner/staff/{target}/resend", {}).status_code == 404, email
        assert db.session.get(User, target).active is True
    # Own administrator account (itself): refused with a message, not changed.
    me = user_id("p1.admin@test.example", db)
    response = client.post(f"/partner/staff/{me}/active", {"active": "0"}, follow_redirects=True)
    assert "Only staff accounts can be changed here" in response.get_data(as_text=True)
    assert db.session.get(User, me).active is True
    listing = client.get("/partner/staff").get_data(as_text=True)
    assert "p1.staff@test.example" in listing and "p2.admin@test.example" not in listing


def test_an_invitation_can_be_sent_again_until_the_password_is_set(client, partners, outbox, db):
    client.login("p1.admin@test.example")
    client.post("/partner/staff/invite", {"email": "late@p1.example", "name": "Late", "locale": "zh_CN"})
    late = user_id("late@p1.example", db)
    assert client.post(f"/partner/staff/{late}/resend", {}).status_code == 302
    assert len([m for m in outbox if m.to == ["late@p1.example"]]) == 2
    staff_id = user_id("p1.staff@test.example", db)  # has a password already
    page = client.post(f"/partner/staff/{staff_id}/resend", {}, follow_redirects=True).get_data(as_text=True)
    assert "has already chosen a password" in page
    assert not [m for m in outbox if m.to == ["p1.staff@test.example"]]


# ---- agreements ---------------------------------------------------------------------------------


def test_partner_users_list_only_their_own_agreements(app, client, make_client, partners, make_agreement, db):
    mine = signed_agreement(make_agreement, partners["one"], db)
    theirs = signed_agreement(make_agreement, partners["two"], db)
    client.login("p1.staff@test.example")
    page = client.get("/partner/agreements").get_data(as_text=True)
    assert mine.number in page and theirs.number not in page
    assert "Signed by both sides" in page
    if "agreements.signed_document" in app.view_functions:
        assert "Download" in page
        other = make_client()
        other.login("p2.admin@test.example")
        from flask import url_for

        assert other.get(url_for("agreements.signed_document", agreement_id=mine.id)).status_code == 404


# ---- deposit ------------------------------------------------------------------------------------


def test_deposit_ledger_shows_due_paid_and_outstanding_exactly(client, make_client, partners, people, outbox, db):
    one = partners["one"]
    account = ledger.open_account(one)
    ledger.record_movement(account, "due", Decimal("20000.10"), people["manager"], reference="T-1")
    db.session.commit()

    manager = make_client()
    manager.login("gd.manager@test.example")
    response = manager.post(f"/partners/{one.id}/deposit/payments",
                            {"amount": "15000.05", "reference": "ICBC 2026-0117-001", "note": "Transfer"})
    assert response.status_code == 302

    totals = ledger.balances(account.id)
    assert totals["outstanding"] == Decimal("5000.05") and isinstance(totals["outstanding"], Decimal)
    assert totals["held"] == Decimal("15000.05")
    movement = db.session.scalar(sa.select(DepositMovement).where(DepositMovement.kind == "paid"))
    assert (movement.amount, movement.reference, movement.actor_id) == (
        Decimal("15000.05"), "ICBC 2026-0117-001", people["manager"].id)
    assert movement.created_at is not None

    for who in ("p1.admin@test.example", "p1.staff@test.example"):
        c = make_client()
        c.login(who)
        page = c.get("/partner/deposit").get_data(as_text=True)
        assert re.search(r'data-total="due">¥20,000.10<', page)
        assert re.search(r'data-total="paid">¥15,000.05<', page)
        assert re.search(r'data-total="outstanding">¥5,000.05<', page)
        assert re.search(r'data-total="held">¥15,000.05<', page)
        assert "ICBC 2026-0117-001" in page and "Gd.Manager" in page
        assert "Record the payment" not in page  # read-only for the partner

    page = manager.get(f"/partners/{one.id}/deposit").get_data(as_text=True)
    assert re.search(r'data-total="outstanding">¥5,000.05<', page)
    assert any(m.to == ["p1.admin@test.example"] and "15,000.05" in m.body for m in outbox)


def test_payments_are_validated_and_only_the_partners_managers_record_them(client, make_client, partners, db):
    one = partners["one"]
    client.login("gd.manager@test.example")
    for amount in ("12.345", "-5", "0", "abc", ""):
        response = client.post(f"/partners/{one.id}/deposit/payments", {"amount": amount, "reference": "R1"})
        assert response.status_code == 400, amount
    assert "at most two decimals" in client.post(f"/partners/{one.id}/deposit/payments",
                                                 {"amount": "1.001", "reference": "R1"}).get_data(as_text=True)
    missing = client.post(f"/partners/{one.id}/deposit/payments", {"amount": "100", "reference": ""})
    assert missing.status_code == 400 and "Enter the bank reference of the payment." in missing.get_data(as_text=True)
    both = html.unescape(client.post(f"/partners/{one.id}/deposit/payments", {"amount": "ten", "reference": ""})
                         .get_data(as_text=True))
    assert "Enter an amount greater than zero" in both and "Enter the bank reference of the payment." in both
    assert db.session.scalar(sa.select(sa.func.count(DepositMovement.id))) == 0

    other = make_client()
    other.login("zj.manager@test.example")
    assert other.get(f"/partners/{one.id}/deposit").status_code == 404
    assert other.post(f"/partners/{one.id}/deposit/payments", {"amount": "100", "reference": "R"}).status_code == 404
    partner_admin = make_client()
    partner_admin.login("p1.admin@test.example")
    assert partner_admin.post(f"/partners/{one.id}/deposit/payments", {"amount": "100", "reference": "R"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(DepositMovement.id))) == 0

    # Thousands separators are accepted; the amount is kept exactly.
    assert client.post(f"/partners/{one.id}/deposit/payments", {"amount": "1,234.50", "reference": "R2"}).status_code == 302
    assert db.session.scalar(sa.select(DepositMovement.amount)) == Decimal("1234.50")


def test_money_is_never_a_float(app):
    from portal.partners.services import parse_amount

    with pytest.raises(TypeError):
        parse_amount(0.1)
    assert parse_amount("20000.10") == Decimal("20000.10")


def test_a_deposit_payment_sent_twice_is_recorded_once(client, people, partners, db):
    client.login("gd.manager@test.example")
    url = f"/partners/{partners['one'].id}/deposit/payments"
    form = {"amount": "5000.00", "reference": "ICBC-20261127-0001", "note": ""}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)
    assert again.status_code == 400
    assert "A movement with this bank reference is already recorded on this account." in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(DepositMovement.id))) == 1
