"""Deal registration as partners and managers use it: register, hold on a match (with its conflict
case), approve and protect, override, reject, won/lost, expiry; what the held partner may read."""
import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import format_date

from portal.conflicts.models import ConflictCase
from portal.core.i18n import business_today
from portal.core.settings import set_setting
from portal.deals import commands, services
from portal.deals.models import DealRegistration
from portal.notifications.models import Notification
from portal.notifications.services import render_text

CODE = "91440300MA5FHT0A14"
HELD_TEXT = "This customer is already registered by another partner"


def deal_form(reference_data, **overrides):
    data = {"customer_name": "深圳市华通科技有限公司", "credit_code": "", "phone": "13812345678",
            "city_id": str(reference_data["GD-SZ"].id), "product_line_id": str(reference_data["mobile"].id),
            "expected_value": "120000", "expected_close_on": (business_today() + timedelta(days=30)).isoformat(),
            "description": "Fifty lines for the sales team."}
    data.update(overrides)
    return data


def registrations(db):
    return db.session.scalars(sa.select(DealRegistration).order_by(DealRegistration.id)).all()


def register_as(make_client, email, data):
    client = make_client()
    client.login(email)
    response = client.post("/partner/deals/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, response


def texts(db, email):
    """The in-app notification texts of a user, as they read them."""
    from portal.accounts.models import User

    user = db.session.scalar(sa.select(User).where(User.email == email))
    return [render_text(n) for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))]


def mails_to(outbox, email):
    return [f"{m.subject}\n{m.body}" for m in outbox if email in m.to]


@pytest.fixture
def approved_p1(make_client, partners, people, reference_data, db):
    """Partner One registered the customer (with its credit code) and the GD manager approved it."""
    register_as(make_client, "p1.admin@test.example",
                deal_form(reference_data, credit_code=CODE, expected_value="987654.32",
                          expected_close_on=(business_today() + timedelta(days=77)).isoformat()))
    first = registrations(db)[0]
    manager = make_client()
    manager.login("gd.manager@test.example")
    assert manager.post(f"/deals/{first.id}/approve", {}).status_code == 302
    db.session.refresh(first)
    assert first.status == "approved"
    return first


# ---- registering --------------------------------------------------------------------------------


def test_a_partner_registers_a_deal_and_its_manager_is_told(make_client, partners, reference_data, db, outbox):
    client, response = register_as(make_client, "p1.staff@test.example", deal_form(reference_data))
    [registration] = registrations(db)
    assert registration.status == "submitted"
    assert re.fullmatch(r"DR-\d{4}-0001", registration.number)
    assert registration.phone == "13812345678" and registration.customer_key == "深圳市华通科技"
    assert registration.expected_value == Decimal("120000.00")
    assert response.headers["Location"].endswith(f"/partner/deals/{registration.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert registration.number in page and "Awaiting" in page
    assert any(registration.number in text and "Partner One Trading" in text
               for text in texts(db, "gd.manager@test.example"))
    assert mails_to(outbox, "gd.manager@test.example")


def test_the_first_approved_registration_is_protected_for_the_configured_days(make_client, partners, reference_data,
                                                                             db, outbox):
    set_setting("deal_protection_days", 30)
    db.session.commit()
    register_as(make_client, "p1.admin@test.example", deal_form(reference_data))
    [registration] = registrations(db)
    manager = make_client()
    manager.login("gd.manager@test.example")
    response = manager.post(f"/deals/{registration.id}/approve", {})
    assert response.status_code == 302
    db.session.refresh(registration)
    assert registration.status == "approved"
    assert registration.protected_until == business_today() + timedelta(days=30)
    assert any("approved and protected until" in text for text in texts(db, "p1.staff@test.example"))
    assert any(registration.number in m for m in mails_to(outbox, "p1.admin@test.example"))


def test_a_later_match_from_another_partner_is_held_and_a_case_opens(make_client, approved_p1, partners,
                                                                     reference_data, db):
    # Partner Two writes the same customer differently: full-width brackets, another legal form.
    register_as(make_client, "p2.admin@test.example",
                deal_form(reference_data, customer_name="深圳市 华通科技 有限责任公司", phone="0755-8888 8888"))
    held = registrations(db)[1]
    assert held.status == "held"
    assert held.matched_id == approved_p1.id
    case = db.session.get(ConflictCase, held.case_id)
    assert case.kind == "poaching" and case.origin == "deal_match" and case.status == "open"
    assert case.registration_id == held.id
    assert {party.partner_id for party in case.parties} == {partners["one"].id, partners["two"].id}
    # The case's words are read by both partners: no partner's name, no number, no value.
    for words in (case.title, case.description):
        assert "Partner One" not in words and "Partner Two" not in words
        assert approved_p1.number not in words and held.number not in words and "987" not in words


def test_a_match_on_the_credit_code_alone_holds_across_cities_and_names(make_client, approved_p1, reference_data, db):
    register_as(make_client, "p2.admin@test.example",
                deal_form(reference_data, customer_name="HT Tech", credit_code=CODE.lower(), phone="",
                          city_id=str(reference_data["ZJ-HZ"].id)))
    assert registrations(db)[1].status == "held"


def test_the_same_name_in_another_city_is_another_customer(make_client, approved_p1, reference_data, db):
    register_as(make_client, "p2.admin@test.example",
                deal_form(reference_data, phone="13900000000", city_id=str(reference_data["ZJ-HZ"].id)))
    later = registrations(db)[1]
    assert later.status == "submitted" and later.case_id is None


def test_a_customer_merely_submitted_by_another_partner_also_holds_the_later_one(make_client, partners,
                                                                                  reference_data, db):
    register_as(make_client, "p1.admin@test.example", deal_form(reference_data))
    register_as(make_client, "p2.admin@test.example", deal_form(reference_data, customer_name="深圳市华通科技股份有限公司"))
    first, second = registrations(db)
    assert first.status == "submitted" and second.status == "held" and second.matched_id == first.id


def test_the_same_partner_registering_twice_is_warned_not_held(make_client, partners, reference_data, db):
    client, _response = register_as(make_client, "p1.admin@test.example", deal_form(reference_data))
    [first] = registrations(db)
    again = deal_form(reference_data, customer_name="深圳市华通科技有限责任公司",
                      product_line_id=str(reference_data["broadband"].id))
    response = client.post("/partner/deals/new", again)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert f"You already registered this customer: {first.number}" in page
    assert 'name="confirm_duplicate"' in page
    assert len(registrations(db)) == 1

    response = client.post("/partner/deals/new", {**again, "confirm_duplicate": "y"})
    assert response.status_code == 302
    second = registrations(db)[1]
    assert second.status == "submitted" and second.case_id is None
    assert db.session.scalar(sa.select(sa.func.count(ConflictCase.id))) == 0


# ---- what the held partner may read --------------------------------------------------------------


def test_the_held_partner_never_sees_the_other_partners_name_number_value_or_dates(
        make_client, approved_p1, partners, reference_data, db, outbox):
    client, response = register_as(make_client, "p2.admin@test.example",
                                   deal_form(reference_data, customer_name="深圳市华通科技有限责任公司",
                                             phone="13700000000"))
    held = registrations(db)[1]
    assert held.status == "held"
    secrets = ["Partner One", approved_p1.number, "987654", "987,654", approved_p1.expected_close_on.isoformat(),
               format_date(approved_p1.expected_close_on), approved_p1.protected_until.isoformat(),
               format_date(approved_p1.protected_until), "gd.manager", "Gd.Manager"]

    pages = {
        "flash and page": client.get(response.headers["Location"]).get_data(as_text=True),
        "list": client.get("/partner/deals/").get_data(as_text=True),
        "held list": client.get("/partner/deals/?status=held").get_data(as_text=True),
        "notifications": client.get("/notifications/").get_data(as_text=True),
    }
    notes = texts(db, "p2.admin@test.example")
    mails = mails_to(outbox, "p2.admin@test.example")
    assert mails and notes
    for where, text in [*pages.items(), *(("notification", n) for n in notes), *(("e-mail", m) for m in mails)]:
        text = html.unescape(text)
        for secret in secrets:
            assert secret not in text, f"{secret!r} shown to the held partner in the {where}"
    assert HELD_TEXT in html.unescape(pages["flash and page"])
    assert any(HELD_TEXT.lower() in n.lower() for n in notes) and any(HELD_TEXT.lower() in m.lower() for m in mails)
    assert held.number in pages["list"]


def test_the_manager_sees_both_registrations_side_by_side(make_client, approved_p1, partners, reference_data, db):
    register_as(make_client, "p2.admin@test.example", deal_form(reference_data, phone="13812345678"))
    held = registrations(db)[1]
    manager = make_client()
    manager.login("zj.manager@test.example")  # Partner Two's manager
    page = html.unescape(manager.get(f"/deals/{held.id}").get_data(as_text=True))
    assert held.number in page and approved_p1.number in page
    assert "Partner One Trading" in page and "Partner Two Retail" in page and "¥987,654.32" in page
    assert "same phone number" in page and "same name in the same city" in page
    assert 'name="override_reason"' in page
    queue = manager.get("/deals/").get_data(as_text=True)
    assert held.number in queue and approved_p1.number not in queue  # Partner One is not theirs
    assert any("Partner One Trading" in text for text in texts(db, "zj.manager@test.example"))


def test_the_queue_lists_held_registrations_first_and_filters(make_client, partners, people, reference_data, db):
    register_as(make_client, "p1.admin@test.example", deal_form(reference_data, customer_name="Alpha Ltd", phone=""
                                                                , credit_code=CODE))
    register_as(make_client, "p2.admin@test.example", deal_form(reference_data, customer_name="Beta", phone="",
                                                                credit_code=CODE))
    register_as(make_client, "p1.admin@test.example", deal_form(reference_data, customer_name="Gamma Ltd",
                                                                phone="13100000000"))
    alpha, beta, gamma = registrations(db)
    admin = make_client()
    admin.login("admin@test.example")
    page = admin.get("/deals/").get_data(as_text=True)
    assert page.index(beta.number) < page.index(gamma.number) < page.index(alpha.number)
    only_one = admin.get(f"/deals/?partner={partners['one'].id}").get_data(as_text=True)
    assert alpha.number in only_one and beta.number not in only_one
    held = admin.get("/deals/?status=held").get_data(as_text=True)
    assert beta.number in held and alpha.number not in held
    assert "No deal registration matches these filters." in admin.get("/deals/?status=won").get_data(as_text=True)


# ---- deciding ------------------------------------------------------------------------------------


def test_a_held_registration_needs_a_reason_while_the_earlier_protection_lasts(
        make_client, approved_p1, partners, reference_data, db):
    register_as(make_client, "p2.admin@test.example", deal_form(reference_data, phone="13700000000"))
    held = registrations(db)[1]
    manager = make_client()
    manager.login("zj.manager@test.example")
    response = manager.post(f"/deals/{held.id}/approve", {})
    assert response.status_code == 400
    assert "give the reason for overriding it" in html.unescape(response.get_data(as_text=True))
    db.session.refresh(held)
    assert held.status == "held"

    response = manager.post(f"/deals/{held.id}/approve", {"override_reason": "The customer chose Partner Two in writing."})
    assert response.status_code == 302
    db.session.refresh(held)
    db.session.refresh(approved_p1)
    assert held.status == "approved" and held.protected_until > business_today()
    assert approved_p1.status == "expired" and approved_p1.protected_until == business_today() - timedelta(days=1)
    assert any("ended by a manager's decision: The customer chose Partner Two in writing." in text
               for text in texts(db, "p1.admin@test.example"))
    p1 = make_client()
    p1.login("p1.admin@test.example")
    assert "The customer chose Partner Two in writing." in p1.get(f"/partner/deals/{approved_p1.id}").get_data(as_text=True)
    # The override reason is about the other partner: the approved partner does not read it on its page.
    p2 = make_client()
    p2.login("p2.admin@test.example")
    assert "The customer chose" not in p2.get(f"/partner/deals/{held.id}").get_data(as_text=True)


def test_a_held_registration_is_approved_plainly_once_the_earlier_protection_has_ended(
        make_client, approved_p1, reference_data, db):
    register_as(make_client, "p2.admin@test.example", deal_form(reference_data, phone="13700000000"))
    held = registrations(db)[1]
    approved_p1.protected_until = business_today() - timedelta(days=1)
    db.session.commit()
    manager = make_client()
    manager.login("zj.manager@test.example")
    assert manager.post(f"/deals/{held.id}/approve", {}).status_code == 302
    db.session.refresh(held)
    assert held.status == "approved"


def test_a_rejection_needs_a_reason_which_the_partner_reads(make_client, partners, reference_data, db):
    register_as(make_client, "p1.admin@test.example", deal_form(reference_data))
    [registration] = registrations(db)
    manager = make_client()
    manager.login("gd.manager@test.example")
    response = manager.post(f"/deals/{registration.id}/reject", {"reason": ""})
    assert response.status_code == 400
    assert "Enter the reason, which the partner will read." in html.unescape(response.get_data(as_text=True))
    assert manager.post(f"/deals/{registration.id}/reject", {"reason": "The customer is a vendor account."}).status_code == 302
    db.session.refresh(registration)
    assert registration.status == "rejected"
    partner = make_client()
    partner.login("p1.staff@test.example")
    assert "The customer is a vendor account." in partner.get(f"/partner/deals/{registration.id}").get_data(as_text=True)
    assert any("was not approved: The customer is a vendor account." in t for t in texts(db, "p1.staff@test.example"))
    # Decided once: a second decision is refused.
    response = manager.post(f"/deals/{registration.id}/approve", {})
    assert response.status_code == 302
    db.session.refresh(registration)
    assert registration.status == "rejected"


def test_partner_users_mark_their_approved_deal_won_or_lost(make_client, approved_p1, db):
    staff = make_client()
    staff.login("p1.staff@test.example")
    assert staff.post(f"/partner/deals/{approved_p1.id}/outcome", {"outcome": "won"}).status_code == 302
    db.session.refresh(approved_p1)
    assert approved_p1.status == "won"
    assert any("won deal" in text for text in texts(db, "gd.manager@test.example"))
    # Once marked, it cannot be marked again.
    staff.post(f"/partner/deals/{approved_p1.id}/outcome", {"outcome": "lost"})
    db.session.refresh(approved_p1)
    assert approved_p1.status == "won"


def test_a_deal_awaiting_approval_cannot_be_marked_won(make_client, partners, reference_data, db):
    client, _ = register_as(make_client, "p1.admin@test.example", deal_form(reference_data))
    [registration] = registrations(db)
    response = client.post(f"/partner/deals/{registration.id}/outcome", {"outcome": "won"})
    assert response.status_code == 302
    assert "Only an approved deal can be marked won or lost." in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(registration)
    assert registration.status == "submitted"


# ---- expiry -----------------------------------------------------------------------------------


def test_protection_expires_on_read_and_the_command_writes_it_once(app, make_client, approved_p1, reference_data, db):
    approved_p1.protected_until = business_today() - timedelta(days=1)
    db.session.commit()
    p1 = make_client()
    p1.login("p1.admin@test.example")
    page = p1.get("/partner/deals/?status=expired").get_data(as_text=True)
    assert approved_p1.number in page and 'data-status="expired"' in page
    assert approved_p1.number not in p1.get("/partner/deals/?status=approved").get_data(as_text=True)

    # A lapsed protection no longer holds another partner's registration.
    register_as(make_client, "p2.admin@test.example", deal_form(reference_data, phone="13700000000"))
    assert registrations(db)[1].status == "submitted"

    runner = app.test_cli_runner()
    result = runner.invoke(commands.expire_deals)
    assert result.exit_code == 0 and "1 deal registration(s) expired." in result.output
    db.session.expire_all()
    assert db.session.get(DealRegistration, approved_p1.id).status == "expired"
    assert "0 deal registration(s) expired." in runner.invoke(commands.expire_deals).output
    ended = [t for t in texts(db, "p1.admin@test.example") if "protection of your deal registration" in t]
    assert len(ended) == 1


def test_the_command_tells_the_manager_when_a_held_registration_is_unblocked(make_client, approved_p1, reference_data,
                                                                             db):
    register_as(make_client, "p2.admin@test.example", deal_form(reference_data, phone="13700000000"))
    held = registrations(db)[1]
    approved_p1.protected_until = business_today() - timedelta(days=1)
    db.session.commit()
    assert services.expire_registrations() == 1
    db.session.commit()
    assert any(held.number in t and "no longer blocked" in t for t in texts(db, "zj.manager@test.example"))


# ---- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides, field, message", [
    ({"customer_name": ""}, "customer_name", "Enter the customer's name."),
    ({"credit_code": "", "phone": ""}, "credit_code", "unified social credit code or phone number (at least one)"),
    ({"credit_code": "91440300MA5FHT0A15"}, "credit_code", "The check character (the last one) does not match"),
    ({"credit_code": "12345"}, "credit_code", "A unified social credit code has 18 characters"),
    ({"phone": "call me"}, "phone", "Enter a mainland mobile number"),
    ({"expected_value": "-1"}, "expected_value", "Enter an amount of zero or more"),
    ({"expected_value": "1e100"}, "expected_value", "Enter an amount of zero or more"),
    ({"expected_value": "12.345"}, "expected_value", "Enter an amount of zero or more"),
    ({"expected_value": "lots"}, "expected_value", "Enter an amount of zero or more"),
    ({"expected_close_on": "2020-01-01"}, "expected_close_on", "The expected close date cannot be in the past."),
    ({"expected_close_on": "2099-01-01"}, "expected_close_on", "at most 5 years ahead"),
    ({"expected_close_on": ""}, "expected_close_on", "Enter the expected close date."),
    ({"expected_close_on": "31/12/2026"}, "expected_close_on", "Enter a date as YYYY-MM-DD."),
    ({"city_id": ""}, "city_id", "Choose the customer's city."),
    ({"city_id": "999999"}, "city_id", "Choose the customer's city."),
    ({"product_line_id": "abc"}, "product_line_id", "Choose the product line."),
])
def test_bad_input_is_shown_next_to_the_field(make_client, partners, reference_data, db, overrides, field, message):
    client = make_client()
    client.login("p1.admin@test.example")
    response = client.post("/partner/deals/new", deal_form(reference_data, **overrides))
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    error = re.search(rf'id="{field}-error">([^<]*)<', page)
    assert error and message in error.group(1), page[page.find("invalid-feedback") - 300:][:800]
    assert registrations(db) == []


def test_a_value_of_zero_and_a_close_date_of_today_are_accepted(make_client, partners, reference_data, db):
    register_as(make_client, "p1.admin@test.example",
                deal_form(reference_data, expected_value="0", expected_close_on=business_today().isoformat()))
    assert registrations(db)[0].expected_value == Decimal("0.00")


# ---- another organisation's records ---------------------------------------------------------------


def test_another_partners_registration_answers_404(make_client, approved_p1, db):
    other = make_client()
    other.login("p2.admin@test.example")
    assert other.get(f"/partner/deals/{approved_p1.id}").status_code == 404
    assert other.post(f"/partner/deals/{approved_p1.id}/outcome", {"outcome": "lost"}).status_code == 404
    assert approved_p1.number not in other.get("/partner/deals/").get_data(as_text=True)
    manager = make_client()
    manager.login("zj.manager@test.example")
    assert manager.get(f"/deals/{approved_p1.id}").status_code == 404
    assert manager.post(f"/deals/{approved_p1.id}/reject", {"reason": "x"}).status_code == 404
    db.session.refresh(approved_p1)
    assert approved_p1.status == "approved"


def test_the_partner_list_has_an_empty_state_and_pages(app, make_client, partners, reference_data, db):
    client = make_client()
    client.login("p1.staff@test.example")
    assert "No deal registered yet." in client.get("/partner/deals/").get_data(as_text=True)
    for i in range(app.config["PER_PAGE"] + 1):
        db.session.add(DealRegistration(number=f"DR-TEST-{i:04d}", partner_id=partners["one"].id,
                                        customer_name=f"Customer {i}", customer_key=f"customer{i}",
                                        expected_value=Decimal("1.00"), status="submitted"))
    db.session.commit()
    first = client.get("/partner/deals/").get_data(as_text=True)
    assert "DR-TEST-0000" not in first and f"DR-TEST-{app.config['PER_PAGE']:04d}" in first
    assert "DR-TEST-0000" in client.get("/partner/deals/?page=2").get_data(as_text=True)


def test_the_lists_do_not_query_once_per_registration(make_client, partners, reference_data, db):
    from tests.test_list_queries import queries_for

    def add(n, start):
        for i in range(start, start + n):
            for partner in partners.values():
                db.session.add(DealRegistration(
                    number=f"DR-Q-{partner.id}-{i:04d}", partner_id=partner.id, customer_name=f"Customer {i}",
                    customer_key=f"customer{i}", city_id=reference_data["GD-SZ"].id,
                    product_line_id=reference_data["mobile"].id, expected_value=Decimal("1.00"),
                    status="held" if i % 2 else "approved", protected_until=business_today()))
        db.session.commit()

    partner, admin = make_client(), make_client()
    partner.login("p1.admin@test.example")
    admin.login("admin@test.example")
    add(2, 0)
    few = queries_for(partner, "/partner/deals/"), queries_for(admin, "/deals/")
    add(18, 2)
    assert (queries_for(partner, "/partner/deals/"), queries_for(admin, "/deals/")) == few
