"""Terminating a partner: starting, the open items, completion with the deposit refund, the end
of its users' access, cancelling, and the audit trail of the deposit."""
import re
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditLog
from portal.core.i18n import business_today
from portal.exits import services
from portal.exits.models import Termination
from portal.notifications.models import Notification
from portal.partners import ledger
from portal.partners.models import DepositMovement, Outlet, Partner
from tests.conftest import PASSWORD
from tests.exits.conftest import ADMIN, FINANCE, GD_MANAGER, OFFICE, P1_ADMIN, P1_STAFF, ZJ_MANAGER, text


def kinds_for(db, email):
    user = db.session.scalar(sa.select(User).where(User.email == email))
    return [n.kind for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def refunds(db):
    return db.session.scalars(sa.select(DepositMovement).where(DepositMovement.kind == "refunded")).all()


# ---- starting ---------------------------------------------------------------------------------------


def test_a_manager_starts_a_termination_and_the_partner_admins_are_told(start, cast, db):
    termination = start(reason="  Repeated cross-territory selling  ")
    year = business_today().year
    assert termination.number == f"EX-{year}-0001"
    assert termination.status == "started" and termination.reason == "Repeated cross-territory selling"
    assert termination.effective_on == business_today()  # today by default
    assert termination.started_by_id == cast["manager"].id
    assert cast["one"].status == "active"  # stays active while settling
    assert kinds_for(db, P1_ADMIN) == ["termination_started"]
    assert kinds_for(db, P1_STAFF) == []
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Termination",
                                                       AuditLog.action == "create")).actor_id == cast["manager"].id


def test_the_next_termination_takes_the_next_number(start, cast, login, db):
    first = start()
    login(GD_MANAGER).post(f"/terminations/{first.id}/cancel", {"cancel_reason": "Agreed to improve"})
    second = start(reason="Did not improve", effective_on="2026-12-31")
    assert second.number.endswith("-0002") and second.effective_on.isoformat() == "2026-12-31"


def test_starting_needs_a_reason_and_a_sensible_date(login, cast, db):
    manager = login(GD_MANAGER)
    url = f"/terminations/new?partner_id={cast['one'].id}"
    page = manager.get(url)
    assert page.status_code == 200 and "stays active" in text(page)
    response = manager.post(url, {"reason": "   "})
    assert response.status_code == 400 and "Say why the partner is terminated." in text(response)
    response = manager.post(url, {"reason": "x" * 1001})
    assert response.status_code == 400 and "At most 1000 characters." in text(response)
    response = manager.post(url, {"reason": "Fraud", "effective_on": "31/12/2026"})
    assert response.status_code == 400 and "Enter a date as YYYY-MM-DD." in text(response)
    response = manager.post(url, {"reason": "Fraud", "effective_on": "2090-01-01"})
    assert response.status_code == 400 and "Choose a day within a year of today." in text(response)
    assert db.session.scalar(sa.select(sa.func.count(Termination.id))) == 0


def test_only_one_termination_at_a_time_and_never_of_a_terminated_partner(start, login, cast, db):
    termination = start()
    manager = login(GD_MANAGER)
    url = f"/terminations/new?partner_id={cast['one'].id}"
    response = manager.get(url)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/terminations/{termination.id}")
    assert manager.post(url, {"reason": "Again"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Termination.id))) == 1
    cast["two"].status = "suspended"  # a suspended partner may be terminated
    db.session.commit()
    suspended = start(partner=cast["two"], email=ADMIN)
    assert suspended.status == "started" and cast["two"].status == "suspended"
    cast["two"].status = "terminated"
    suspended.status = "cancelled"
    db.session.commit()
    response = login(ADMIN).get(f"/terminations/new?partner_id={cast['two'].id}", follow_redirects=True)
    assert "only an active or suspended partner can be terminated" in text(response)


def test_a_termination_may_name_the_case_whose_ruling_recommended_it(start, login, cast, db):
    from portal.conflicts import services as conflicts

    manager = cast["manager"]
    case = conflicts.open_case("cross_territory", "manager", "Selling in Hangzhou", "Seen in Hangzhou.",
                               [(cast["one"], "respondent")], opened_by=manager)
    other = conflicts.open_case("price_cutting", "manager", "Prices cut", "Below the floor.",
                                [(cast["one"], "respondent")], opened_by=manager)
    conflicts.move_status(case, "investigating", manager)
    conflicts.rule_case(case, manager, "Third time this year.", "recommend_termination", target=cast["one"])
    db.session.commit()
    form = text(login(GD_MANAGER).get(f"/terminations/new?partner_id={cast['one'].id}"))
    assert f'<option selected value="{case.id}">{case.number}' in form  # offered, and chosen by default
    assert f'<option value="{other.id}"' not in form
    refused = login(GD_MANAGER).post(f"/terminations/new?partner_id={cast['one'].id}",
                                     {"reason": "Ruling", "case_id": str(other.id)})
    assert refused.status_code == 400 and "whose ruling recommended terminating this partner" in text(refused)
    termination = start(reason="Ruling", case_id=str(case.id))
    assert termination.case_id == case.id
    assert case.number in text(login(GD_MANAGER).get(f"/terminations/{termination.id}"))


# ---- open items ---------------------------------------------------------------------------------------


def test_open_items_are_listed_per_kind_with_links_for_the_manager(start, login, cast, open_items_of_each_kind, db):
    groups = {g.key: g for g in services.open_items(cast["one"])}
    assert set(groups) == {"material_requests", "commission_months", "commission_statements", "rectifications",
                           "cases", "deals", "lease_proofs", "bank_changes"}
    assert groups.pop("commission_months").count == 0  # no agreement: no month to compute
    assert all(g.count == 1 for g in groups.values())
    assert groups["deals"].rows[0].label == "DR-2026-0001"
    assert groups["deals"].url.endswith(f"/deals/?partner={cast['one'].id}")
    assert groups["cases"].rows[0].url.endswith(f"/cases/{open_items_of_each_kind['cases'].id}")
    termination = start()
    page = text(login(GD_MANAGER).get(f"/terminations/{termination.id}"))
    assert "7 items are still open." in page
    for number in ("MR-2026-0001", "CS-202601-0001", open_items_of_each_kind["rectifications"].number,
                   open_items_of_each_kind["cases"].number, "DR-2026-0001", "Futian Store", "•••••••••••••••3445"):
        assert number in page
    # Partner Two's open items are not Partner One's
    assert all(g.count == 0 for g in services.open_items(cast["two"]))


def test_settled_items_are_ticked(start, login, cast, open_items_of_each_kind, settle, db):
    termination = start()
    settle({k: v for k, v in open_items_of_each_kind.items() if k != "deals"})
    page = text(login(GD_MANAGER).get(f"/terminations/{termination.id}"))
    assert "1 item is still open." in page
    assert re.search(r'data-open-group="deals" data-count="1"', page)
    assert re.search(r'data-open-group="material_requests" data-count="0"', page)
    settle({"deals": open_items_of_each_kind["deals"]})
    page = text(login(GD_MANAGER).get(f"/terminations/{termination.id}"))
    assert "Everything is settled" in page and page.count("settled</span>") == 8


# ---- completing ---------------------------------------------------------------------------------------


def test_completion_is_refused_while_anything_is_open(start, login, cast, open_items_of_each_kind, deposit, db):
    account = deposit()
    ledger.record_movement(account, "paid", Decimal("500.00"), cast["manager"], reference="BANK-1")
    db.session.commit()
    termination = start()
    response = login(GD_MANAGER).post(f"/terminations/{termination.id}/complete",
                                      {"reference": "REFUND-1", "confirm": "y"})
    assert response.status_code == 400
    assert "cannot be completed while items are open" in text(response)
    assert "Material requests: 1" in text(response) and "Lease proofs awaiting review: 1" in text(response)
    db.session.refresh(termination)
    assert termination.status == "started" and cast["one"].status == "active"
    assert refunds(db) == [] and all(u.active for u in cast["one"].users)


def test_completion_refunds_exactly_the_balance_held_and_closes_access(start, login, make_client, cast, deposit, db,
                                                                      outbox):
    from portal.conflicts import services as conflicts

    account = deposit("20000.10")
    manager_page = login(GD_MANAGER)
    assert manager_page.post(f"/partners/{cast['one'].id}/deposit/payments",
                             {"amount": "15,000.35", "reference": "ICBC-20260105-77"}).status_code == 302
    case = conflicts.open_case("price_cutting", "manager", "Prices cut", "Below the floor.",
                               [(cast["one"], "respondent")], opened_by=cast["manager"])
    conflicts.move_status(case, "investigating", cast["manager"])
    conflicts.rule_case(case, cast["manager"], "Fined.", "penalty", amount="1234.56", target=cast["one"])
    conflicts.move_status(case, "closed", cast["manager"])
    db.session.commit()
    partner_session = login(P1_ADMIN)
    assert partner_session.get("/partner/").status_code == 200
    termination = start()
    page = text(manager_page.get(f"/terminations/{termination.id}"))
    assert "¥13,765.79 is held on the deposit" in page

    response = manager_page.post(f"/terminations/{termination.id}/complete",
                                 {"reference": " BOC-REFUND-0091 ", "confirm": "y"})
    assert response.status_code == 302, text(response)
    db.session.refresh(termination)
    [refund] = refunds(db)
    assert refund.amount == Decimal("13765.79") and refund.reference == "BOC-REFUND-0091"
    assert refund.note == termination.number and refund.actor_id == cast["manager"].id
    assert termination.refund_movement_id == refund.id and termination.status == "completed"
    assert termination.completed_by_id == cast["manager"].id and termination.completed_at is not None
    assert ledger.balances(account.id)["held"] == Decimal("0.00")
    one = db.session.get(Partner, cast["one"].id)
    assert one.status == "terminated"
    assert [u.active for u in one.users] == [False, False]
    # its records stay: people, outlets, the whole ledger, the case
    assert len(one.users) == 2 and db.session.scalar(sa.select(sa.func.count(Outlet.id))) == 1
    assert [m.kind for m in account.movements] == ["due", "paid", "deducted", "refunded"]
    # the partner is told by e-mail (its users will not sign in again), at the admin's and the payment address
    assert sorted(m.to[0] for m in outbox[-2:]) == [OFFICE, P1_ADMIN]
    assert "¥13,765.79" in outbox[-1].body and "BOC-REFUND-0091" in outbox[-1].body
    # the open session ends, and signing in again fails
    ended = partner_session.get("/partner/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    attempt = make_client().post("/login", {"email": P1_ADMIN, "password": PASSWORD})
    assert attempt.status_code != 302 and "not right" in text(attempt)
    # the page shows what was done
    page = text(manager_page.get(f"/terminations/{termination.id}"))
    assert "Refunded ¥13,765.79" in page and "BOC-REFUND-0091" in page


def test_a_refund_needs_its_bank_reference_and_every_completion_a_confirmation(start, login, cast, deposit, db):
    account = deposit()
    ledger.record_movement(account, "paid", Decimal("0.01"), cast["manager"], reference="BANK-1")
    db.session.commit()
    termination = start()
    response = login(GD_MANAGER).post(f"/terminations/{termination.id}/complete", {"reference": "  "})
    assert response.status_code == 400
    assert "Enter the bank reference of the refund transfer." in text(response)
    assert "Tick the box to confirm the termination." in text(response)
    db.session.refresh(termination)
    assert termination.status == "started" and refunds(db) == []


def test_nothing_held_means_no_refund_and_no_reference(start, login, cast, deposit, db):
    deposit()  # owed but never paid
    termination = start()
    page = text(login(GD_MANAGER).get(f"/terminations/{termination.id}"))
    assert "Nothing is held on the deposit" in page and 'name="reference"' not in page
    response = login(GD_MANAGER).post(f"/terminations/{termination.id}/complete", {"confirm": "y"})
    assert response.status_code == 302
    db.session.refresh(termination)
    assert termination.status == "completed" and termination.refund_movement_id is None
    assert refunds(db) == [] and cast["one"].status == "terminated"


def test_a_completed_termination_cannot_be_completed_or_cancelled_again(start, login, cast, db):
    termination = start()
    manager = login(GD_MANAGER)
    assert manager.post(f"/terminations/{termination.id}/complete", {"confirm": "y"}).status_code == 302
    again = manager.post(f"/terminations/{termination.id}/complete", {"confirm": "y"}, follow_redirects=True)
    assert "it can no longer be completed" in text(again)
    assert "it can no longer be cancelled" in text(
        manager.post(f"/terminations/{termination.id}/cancel", {"cancel_reason": "Oops"}))


# ---- cancelling ---------------------------------------------------------------------------------------


def test_cancelling_needs_a_reason_and_leaves_the_partner_as_it_was(start, login, cast, db):
    termination = start()
    manager = login(GD_MANAGER)
    response = manager.post(f"/terminations/{termination.id}/cancel", {"cancel_reason": ""})
    assert response.status_code == 400 and "Say why the termination is cancelled." in text(response)
    assert manager.post(f"/terminations/{termination.id}/cancel",
                        {"cancel_reason": "The partner paid and improved"}).status_code == 302
    db.session.refresh(termination)
    assert termination.status == "cancelled" and termination.note == "The partner paid and improved"
    assert termination.cancelled_by_id == cast["manager"].id
    assert cast["one"].status == "active" and all(u.active for u in cast["one"].users)
    assert kinds_for(db, P1_ADMIN) == ["termination_started", "termination_cancelled"]


# ---- the deposit: references, what the partner sees, the audit trail --------------------------------


def test_every_deposit_movement_shows_to_the_partner_with_its_reference(login, cast, deposit, db):
    from portal.conflicts import services as conflicts

    deposit("5000.00")
    assert login(GD_MANAGER).post(f"/partners/{cast['one'].id}/deposit/payments",
                                  {"amount": "3000.00", "reference": ""}).status_code == 400  # reference required
    login(GD_MANAGER).post(f"/partners/{cast['one'].id}/deposit/payments",
                           {"amount": "3000.00", "reference": "CCB-7781"})
    case = conflicts.open_case("poaching", "manager", "Deal poached", "Took a held deal.",
                               [(cast["one"], "respondent")], opened_by=cast["manager"])
    conflicts.move_status(case, "investigating", cast["manager"])
    conflicts.rule_case(case, cast["manager"], "Fined.", "penalty", amount="250.00", target=cast["one"])
    db.session.commit()
    page = text(login(P1_STAFF).get("/partner/deposit"))
    for shown in ("AG-1", "¥5,000.00", "CCB-7781", "¥3,000.00", case.number, "−¥250.00"):
        assert shown in page


def test_a_payment_and_the_exit_refund_write_audit_rows_naming_the_actor_and_amount(start, login, cast, deposit, db):
    deposit("1000.00")
    login(GD_MANAGER).post(f"/partners/{cast['one'].id}/deposit/payments",
                           {"amount": "999.99", "reference": "ABC-PAY-1"})
    termination = start()
    login(ADMIN).post(f"/terminations/{termination.id}/complete", {"reference": "ABC-REF-1", "confirm": "y"})
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type == "DepositMovement",
                                                        AuditLog.action == "create").order_by(AuditLog.id)).all()
    paid, refunded = rows[-2:]
    assert paid.actor_id == cast["manager"].id
    assert "kind=paid" in paid.new_value and "amount=999.99" in paid.new_value and "ABC-PAY-1" in paid.new_value
    assert refunded.actor_id == cast["admin"].id
    assert "kind=refunded" in refunded.new_value and "amount=999.99" in refunded.new_value
    assert "reference=ABC-REF-1" in refunded.new_value and termination.number in refunded.new_value
    partner_row = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Partner",
                                                              AuditLog.field == "status"))
    assert (partner_row.old_value, partner_row.new_value, partner_row.actor_id) == ("active", "terminated",
                                                                                    cast["admin"].id)


# ---- who may -----------------------------------------------------------------------------------------


def test_another_provinces_manager_and_finance_cannot_touch_the_termination(start, login, cast, db):
    termination = start()
    zj = login(ZJ_MANAGER)
    assert zj.get(f"/terminations/{termination.id}").status_code == 404
    assert zj.post(f"/terminations/{termination.id}/complete", {"confirm": "y"}).status_code == 404
    assert zj.post(f"/terminations/{termination.id}/cancel", {"cancel_reason": "No"}).status_code == 404
    assert zj.get(f"/terminations/new?partner_id={cast['one'].id}").status_code == 404
    assert termination.number not in text(zj.get("/terminations/"))
    fin = login(FINANCE)
    assert fin.get(f"/terminations/{termination.id}").status_code == 403
    assert fin.get("/terminations/").status_code == 403
    with_partner = login(P1_ADMIN)
    assert with_partner.get(f"/terminations/{termination.id}").status_code == 403
    db.session.refresh(termination)
    assert termination.status == "started"
