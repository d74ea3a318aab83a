"""A partner admin asks to be paid into another account; the manager approves or rejects it;
the partner is told at the old and the new contact addresses; every step is audited."""
import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.errors import DomainError
from portal.finance import services
from portal.finance.models import BankAccount, BankAccountChange
from portal.notifications.models import Notification
from portal.notifications.services import render_text
from tests.finance.conftest import (
    ADMIN, FIRST_NUMBER, GD_MANAGER, OFFICE, P1_ADMIN, P1_STAFF, PNG, SECOND_NUMBER, accounts, change_form, changes, text,
)


def texts(db, user):
    return [render_text(n) for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))]


def mails_to(outbox, address):
    return [m for m in outbox if address in m.to]


def test_the_first_account_waits_for_approval_and_the_manager_is_told(cast, request_change, as_user, db, outbox):
    change = request_change()
    assert change.status == "pending" and change.requested_by_id == next(
        u.id for u in cast["one"].users if u.email == P1_ADMIN)
    assert change.account_number == FIRST_NUMBER and change.proof_file.content_type == "application/pdf"
    assert accounts(db) == []  # nothing is paid anywhere until a manager approves
    page = text(as_user(P1_ADMIN).get("/partner/bank-account/"))
    assert "No bank account is approved yet" in page and "awaiting approval" in page
    [told] = texts(db, cast["manager"])
    assert "Partner One Trading" in told and "•" in told and FIRST_NUMBER not in told
    assert FIRST_NUMBER[-4:] in told
    [mail] = mails_to(outbox, "gd.manager@test.example")
    assert FIRST_NUMBER not in mail.body and FIRST_NUMBER not in mail.subject


def test_approving_makes_the_new_account_current_keeps_the_old_and_audits_old_to_new(
        cast, request_change, approve, db):
    first = approve(request_change())
    [account] = accounts(db)
    assert account.current and account.change_id == first.id and account.account_number == FIRST_NUMBER
    assert account.approved_by_id == cast["manager"].id and account.approved_at is not None

    second = approve(request_change(account_number="6217 0033-2004 5566 778", bank_name="中国建设银行",
                                    branch="", contact_email="pay@partner-one.example"), email=ADMIN)
    old, new = accounts(db)
    assert (old.id, old.current, old.account_number) == (account.id, False, FIRST_NUMBER)
    assert (new.current, new.account_number, new.branch, new.change_id) == (True, SECOND_NUMBER, None, second.id)
    assert services.current_account(cast["one"]) == new
    assert second.decided_by_id == cast["admin"].id and second.decided_at is not None

    def rows(**where):
        query = sa.select(AuditLog).filter_by(**where).order_by(AuditLog.id)
        return db.session.scalars(query).all()

    # The old account stopped being current: who, when, old → new.
    [stopped] = rows(entity_type="BankAccount", entity_id=str(old.id), action="update", field="current")
    assert (stopped.actor_id, stopped.old_value, stopped.new_value) == (cast["admin"].id, "True", "False")
    assert stopped.created_at is not None
    # The new account was created by the approver, with its values.
    [created] = rows(entity_type="BankAccount", entity_id=str(new.id), action="create")
    assert created.actor_id == cast["admin"].id and "current=True" in created.new_value
    # The request moved from pending to approved, by the approver.
    [status] = rows(entity_type="BankAccountChange", entity_id=str(second.id), field="status")
    assert (status.actor_id, status.old_value, status.new_value) == (cast["admin"].id, "pending", "approved")
    # One row on the partner says which account replaced which (masked).
    first_row, second_row = rows(entity_type="Partner", entity_id=str(cast["one"].id), field="payee_account")
    assert first_row.actor_id == cast["manager"].id and first_row.old_value is None
    assert second_row.actor_id == cast["admin"].id
    assert second_row.old_value == f"中国工商银行 {services.mask(FIRST_NUMBER)} (bank_account {old.id})"
    assert second_row.new_value.startswith(f"中国建设银行 {services.mask(SECOND_NUMBER)} (bank_account {new.id})")
    assert FIRST_NUMBER not in second_row.old_value and SECOND_NUMBER not in second_row.new_value


def test_the_decision_is_mailed_to_the_old_and_new_contact_addresses_with_the_masked_number_only(
        cast, request_change, approve, db, outbox):
    first = approve(request_change(contact_email="pay@partner-one.example"))
    assert first.notify_emails == f"{OFFICE}, pay@partner-one.example"  # on file, then the new one
    outbox.clear()

    second = approve(request_change(account_number=SECOND_NUMBER, contact_email="treasury@partner-one.example",
                                    bank_name="中国建设银行"))
    # The old address is now the one the last approved request gave, not the one on file.
    assert second.notify_emails == "pay@partner-one.example, treasury@partner-one.example"
    for address in ("pay@partner-one.example", "treasury@partner-one.example"):
        [mail] = mails_to(outbox, address)
        assert "has changed" in mail.subject and "Partner One Trading" in mail.subject
        assert services.mask(SECOND_NUMBER) in mail.body and services.mask(FIRST_NUMBER) in mail.body
        assert SECOND_NUMBER not in mail.body and FIRST_NUMBER not in mail.body
        assert "gd.manager@test.example" in mail.body  # whom to call if nobody asked for it
    assert not mails_to(outbox, OFFICE)
    # The partner's people are told too, in the app and by e-mail, never with the full number.
    for email in (P1_ADMIN, P1_STAFF):
        person = next(u for u in cast["one"].users if u.email == email)
        assert any("now 中国建设银行" in t and services.mask(SECOND_NUMBER) in t for t in texts(db, person))
        for mail in mails_to(outbox, email):
            assert SECOND_NUMBER not in mail.body
    assert all(SECOND_NUMBER not in m.body and FIRST_NUMBER not in m.body for m in outbox)


def test_a_rejection_needs_a_reason_which_the_partner_reads_at_both_addresses(
        cast, request_change, as_user, db, outbox):
    change = request_change(contact_email="new@partner-one.example")
    manager = as_user(GD_MANAGER)
    refused = manager.post(f"/bank-accounts/{change.id}/reject", {"reason": "  "})
    assert refused.status_code == 400 and "Enter the reason" in text(refused)
    db.session.refresh(change)
    assert change.status == "pending"

    response = manager.post(f"/bank-accounts/{change.id}/reject", {"reason": "The letter is for another account."})
    assert response.status_code == 302
    db.session.refresh(change)
    assert (change.status, change.decision_note, change.decided_by_id) == (
        "rejected", "The letter is for another account.", cast["manager"].id)
    assert accounts(db) == []
    assert change.notify_emails == f"{OFFICE}, new@partner-one.example"
    for address in (OFFICE, "new@partner-one.example"):
        [mail] = mails_to(outbox, address)
        assert "not approved" in mail.subject and "The letter is for another account." in mail.body
        assert FIRST_NUMBER not in mail.body
    page = text(as_user(P1_ADMIN).get(f"/partner/bank-account/changes/{change.id}"))
    assert "Not approved" in page and "The letter is for another account." in page
    # Decided: neither a second decision nor a withdrawal changes it.
    assert manager.post(f"/bank-accounts/{change.id}/approve", {}).status_code == 302
    withdrawn = as_user(P1_ADMIN).post(f"/partner/bank-account/changes/{change.id}/withdraw", {})
    assert withdrawn.status_code == 302
    db.session.refresh(change)
    assert change.status == "rejected" and accounts(db) == []


def test_one_pending_request_at_a_time_and_withdrawing_frees_the_way(cast, request_change, as_user, db):
    change = request_change()
    client = as_user(P1_ADMIN)
    again = client.get("/partner/bank-account/change")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/changes/{change.id}")
    assert client.post("/partner/bank-account/change", {}).status_code == 302
    assert len(changes(db)) == 1
    # The rule holds in the service too (e.g. two admins sending at once).
    admin = next(u for u in cast["one"].users if u.email == P1_ADMIN)
    with pytest.raises(DomainError, match="already awaiting approval"):
        services.request_change(cast["one"], {}, None, admin)
    db.session.rollback()

    response = client.post(f"/partner/bank-account/changes/{change.id}/withdraw", {})
    assert response.status_code == 302
    db.session.refresh(change)
    assert change.status == "withdrawn" and change.decided_by_id == admin.id
    assert "Your request is withdrawn" in text(client.get(response.headers["Location"]))
    manager = as_user(GD_MANAGER)
    assert manager.post(f"/bank-accounts/{change.id}/approve", {}).status_code == 302  # refused, flashed
    db.session.refresh(change)
    assert change.status == "withdrawn" and accounts(db) == []
    assert client.get("/partner/bank-account/change").status_code == 200
    request_change(account_number=SECOND_NUMBER)
    assert [c.status for c in changes(db)] == ["withdrawn", "pending"]


def test_an_account_in_another_name_needs_a_reason_and_the_manager_is_warned(cast, request_change, as_user, db):
    client = as_user(P1_ADMIN)
    refused = client.post("/partner/bank-account/change", change_form(account_name="Zhang Wei"))
    assert refused.status_code == 400
    page = text(refused)
    assert "not in your registered name" in page and "say why" in page
    # The same name written with other spaces, case or full-width letters is the registered name.
    assert services.name_matches(cast["one"], "ＰＡＲＴＮＥＲ  one trading")

    change = request_change(account_name="Zhang Wei", reason="The owner's personal account while ours is opened.")
    [told] = texts(db, cast["manager"])
    assert "Zhang Wei" in told and "not the partner's registered name" in told
    manager = as_user(GD_MANAGER)
    assert "Not the registered name" in text(manager.get("/bank-accounts/"))
    review = text(manager.get(f"/bank-accounts/{change.id}"))
    assert "not in the partner's registered name" in review and "The owner's personal account" in review


def test_the_manager_sees_old_and_new_side_by_side_with_the_proof(cast, request_change, approve, as_user, db):
    approve(request_change())
    change = request_change(account_number=SECOND_NUMBER, bank_name="中国建设银行", proof=PNG, proof_name="letter.png")
    page = text(as_user(GD_MANAGER).get(f"/bank-accounts/{change.id}"))
    assert "Current account" in page and "Asked for" in page
    assert SECOND_NUMBER in page  # in full, to check against the proof
    assert FIRST_NUMBER not in page and services.mask(FIRST_NUMBER) in page
    assert f'<img src="/bank-accounts/{change.id}/proof?inline=1"' in page


def test_the_proof_is_shown_inline_in_a_sandbox(cast, request_change, as_user, db):
    change = request_change()
    for client, url in ((as_user(GD_MANAGER), f"/bank-accounts/{change.id}/proof"),
                        (as_user(P1_ADMIN), f"/partner/bank-account/changes/{change.id}/proof")):
        inline = client.get(url + "?inline=1")
        assert inline.status_code == 200 and inline.mimetype == "application/pdf"
        assert inline.headers["Content-Security-Policy"] == "sandbox"
        assert inline.headers["X-Content-Type-Options"] == "nosniff"
        download = client.get(url)
        assert "attachment" in download.headers["Content-Disposition"]


def test_the_full_number_is_shown_to_the_partner_admin_and_masked_in_lists(
        cast, request_change, approve, as_user, db):
    approve(request_change())
    approve(request_change(account_number=SECOND_NUMBER))
    own = text(as_user(P1_ADMIN).get("/partner/bank-account/"))
    assert SECOND_NUMBER in own  # its current account, in full
    assert FIRST_NUMBER not in own and services.mask(FIRST_NUMBER) in own  # earlier ones masked
    queue = text(as_user(GD_MANAGER).get("/bank-accounts/?status=all"))
    assert SECOND_NUMBER not in queue and FIRST_NUMBER not in queue and services.mask(SECOND_NUMBER) in queue
    decided = text(as_user(GD_MANAGER).get(f"/bank-accounts/{changes(db)[-1].id}"))
    assert SECOND_NUMBER not in decided  # decided: nothing left to check, masked
    partner_page = text(as_user(GD_MANAGER).get(f"/partners/{cast['one'].id}"))
    assert services.mask(SECOND_NUMBER) in partner_page and SECOND_NUMBER not in partner_page


def test_the_queue_lists_pending_requests_first_and_filters(cast, request_change, approve, as_user, db):
    approve(request_change())
    pending = request_change(account_number=SECOND_NUMBER, bank_name="中国建设银行")
    manager = as_user(GD_MANAGER)
    page = text(manager.get("/bank-accounts/"))
    assert f"No. {pending.id}" in page and f"No. {changes(db)[0].id}<" not in page
    assert f"No. {changes(db)[0].id}" in text(manager.get("/bank-accounts/?status=approved"))
    assert "No request matches" in text(manager.get("/bank-accounts/?status=all&q=nobody"))
    assert f"No. {pending.id}" in text(manager.get("/bank-accounts/?status=all&q=partner%20one"))
    assert "No request matches" in text(manager.get(f"/bank-accounts/?status=all&partner={cast['two'].id}"))
    assert manager.get("/bank-accounts/?status=bogus&partner=99999999999&page=-3").status_code == 200
    assert "No request is awaiting approval" in text(as_user("zj.manager@test.example").get("/bank-accounts/"))


def test_nobody_approves_a_request_they_made_themselves(cast, db):
    """Partners' admins make requests and only the vendor decides, so this cannot happen
    through the pages; the service refuses it anyway."""
    change = BankAccountChange(partner_id=cast["one"].id, requested_by_id=cast["manager"].id, account_name="x",
                               bank_name="y", account_number=FIRST_NUMBER, status="pending")
    db.session.add(change)
    db.session.commit()
    with pytest.raises(DomainError, match="yourself"):
        services.approve(change, cast["manager"])
    db.session.rollback()
    partner_admin = next(u for u in cast["one"].users if u.email == P1_ADMIN)
    with pytest.raises(DomainError, match="channel manager or an administrator"):
        services.approve(change, partner_admin)
    db.session.rollback()
    assert db.session.scalars(sa.select(BankAccount)).all() == []


def test_decision_e_mails_are_in_the_language_of_the_partner_admin(cast, request_change, approve, db, outbox):
    admin = next(u for u in cast["one"].users if u.email == P1_ADMIN)
    admin.locale = "zh_CN"
    db.session.commit()
    change = approve(request_change())
    assert services.partner_locale(change) == "zh_CN"
    [mail] = mails_to(outbox, OFFICE)
    assert services.mask(FIRST_NUMBER) in mail.body and FIRST_NUMBER not in mail.body
