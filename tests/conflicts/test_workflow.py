"""The case workflow: opening, one step at a time, rulings by managers only, penalties through
the deposit ledger, deals reassigned, complaints, due dates, parties, notifications, settings."""
import html
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.conflicts.models import CaseEvidence, ConflictCase
from portal.core.audit import AuditLog
from portal.core.i18n import business_today
from portal.core.settings import get_setting
from portal.notifications.services import render_text
from portal.partners.models import DepositMovement
from tests.conflicts.conftest import (
    ADMIN, GD_MANAGER, P1_ADMIN, P1_STAFF, P2_ADMIN, P3_ADMIN, PNG, ZJ_MANAGER, kinds_for, notifications, upload,
)


def text(response):
    return html.unescape(response.get_data(as_text=True))


def investigating(case, db):
    case.status = "investigating"
    db.session.commit()
    return case


# ---- opening ------------------------------------------------------------------------------------------


def test_a_partner_opens_a_case_with_evidence_and_the_manager_is_told(login, cast, db, outbox):
    client = login(P1_ADMIN)
    assert "Report a channel conflict" in text(client.get("/partner/cases/new"))
    response = client.post("/partner/cases/new", {
        "kind": "cross_territory", "title": "Handsets sold in Futian",
        "description": "Partner Three Mobile sells our handsets in Futian since May.",
        "evidence": [upload(name="receipt.pdf"), upload(PNG, "shop.png")],
    })
    assert response.status_code == 302
    case = db.session.scalar(sa.select(ConflictCase))
    assert response.headers["Location"].endswith(f"/partner/cases/{case.id}")
    assert (case.kind, case.origin, case.status) == ("cross_territory", "partner", "open")
    assert [(p.partner_id, p.role) for p in case.parties] == [(cast["one"].id, "complainant")]
    assert case.manager_id == cast["manager"].id
    assert case.due_on == business_today() + timedelta(days=get_setting("case_due_days"))
    assert sorted(e.file.original_name for e in case.evidence) == ["receipt.pdf", "shop.png"]
    assert all(e.partner_id == cast["one"].id and not e.shared for e in case.evidence)
    assert kinds_for(GD_MANAGER, db) == ["case_opened"]
    assert kinds_for(P1_STAFF, db) == ["case_opened"]  # a colleague; not the opener
    assert kinds_for(P1_ADMIN, db) == []
    assert any(case.number in m.subject for m in outbox)
    page = text(client.get(f"/partner/cases/{case.id}"))
    assert case.number in page and "Handsets sold in Futian" in page and "receipt.pdf" in page


def test_opening_a_case_with_bad_input_says_what_is_wrong_and_opens_nothing(login, cast, db):
    client = login(P1_ADMIN)
    empty = client.post("/partner/cases/new", {"kind": "", "title": " ", "description": ""})
    page = text(empty)
    assert empty.status_code == 400
    assert "Choose what kind of conflict this is." in page
    assert "Give the case a short title." in page and "Describe what happened" in page
    bad_kind = client.post("/partner/cases/new", {"kind": "complaint", "title": "T", "description": "D"})
    assert bad_kind.status_code == 400 and "Choose what kind of conflict this is." in text(bad_kind)
    long_title = client.post("/partner/cases/new", {"kind": "other", "title": "x" * 201, "description": "D"})
    assert long_title.status_code == 400 and "At most 200 characters." in text(long_title)
    not_pdf = client.post("/partner/cases/new", {"kind": "other", "title": "T", "description": "D",
                                                 "evidence": [upload(b"MZ\x90\x00 not a document", "tool.exe")]})
    assert not_pdf.status_code == 400
    assert "The file tool.exe is not a PDF, JPG or PNG file." in text(not_pdf)
    too_many = client.post("/partner/cases/new", {"kind": "other", "title": "T", "description": "D",
                                                  "evidence": [upload(name=f"{i}.pdf") for i in range(6)]})
    assert too_many.status_code == 400 and "Attach at most 5 files at a time." in text(too_many)
    assert db.session.scalar(sa.select(sa.func.count(ConflictCase.id))) == 0
    assert kinds_for(GD_MANAGER, db) == []


def test_an_evidence_file_over_10_mb_is_a_field_error(login, cast, db):
    client = login(P1_ADMIN)
    big = upload(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "scan.pdf")
    response = client.post("/partner/cases/new", {"kind": "other", "title": "T", "description": "D",
                                                  "evidence": [big]})
    assert response.status_code == 400
    assert "The file scan.pdf is larger than 10.0 MB." in text(response)
    assert db.session.scalar(sa.select(sa.func.count(ConflictCase.id))) == 0


# ---- one step at a time ----------------------------------------------------------------------------------


def test_a_case_moves_one_step_at_a_time_and_never_back(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")])
    manager = login(GD_MANAGER)
    url = f"/cases/{case.id}"

    skip = manager.post(url + "/status", {"to_status": "ruled"})
    assert skip.status_code == 400
    assert "Record the decision with the ruling form" in text(skip) or "one step at a time" in text(skip)
    assert manager.post(url + "/status", {"to_status": "closed"}).status_code == 400
    early = manager.post(url + "/ruling", {"decision": "Warned.", "action": "warning",
                                           "target_id": str(cast["one"].id)})
    assert early.status_code == 400 and "Only a case under investigation can be ruled" in text(early)
    db.session.refresh(case)
    assert case.status == "open" and case.ruling is None

    moved = manager.post(url + "/status", {"to_status": "investigating", "status_note": "Visited the shop."})
    assert moved.status_code == 302
    by_status = manager.post(url + "/status", {"to_status": "ruled"})
    assert by_status.status_code == 400 and "Record the decision with the ruling form" in text(by_status)
    assert manager.post(url + "/status", {"to_status": "open"}).status_code == 400
    ruled = manager.post(url + "/ruling", {"decision": "Warned: keep to your territory.", "action": "warning",
                                           "target_id": str(cast["one"].id)})
    assert ruled.status_code == 302
    assert manager.post(url + "/status", {"to_status": "investigating"}).status_code == 400
    assert manager.post(url + "/status", {"to_status": "closed"}).status_code == 302
    for back in ("open", "investigating", "ruled", "closed"):
        refused = manager.post(url + "/status", {"to_status": back})
        assert refused.status_code == 400
    assert "its status cannot change any more" in text(manager.post(url + "/status", {"to_status": "open"}))
    db.session.refresh(case)
    assert case.status == "closed" and case.closed_at is not None
    steps = [(s.from_status, s.to_status) for s in case.status_changes]
    assert steps == [(None, "open"), ("open", "investigating"), ("investigating", "ruled"), ("ruled", "closed")]
    assert case.status_changes[1].note == "Visited the shop."
    page = text(manager.get(url))
    assert "Open → Investigating" in page and "Ruled → Closed" in page


def test_a_closed_case_takes_no_more_answers_evidence_or_parties(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")], status="closed")
    partner = login(P1_ADMIN)
    answer = partner.post(f"/partner/cases/{case.id}/answers", {"body": "One more thing"})
    assert answer.status_code == 400 and "answers are no longer taken" in text(answer)
    evidence = partner.post(f"/partner/cases/{case.id}/evidence", {"evidence": [upload()]})
    assert evidence.status_code == 400
    manager = login(GD_MANAGER)
    assert manager.post(f"/cases/{case.id}/parties", {"partner_id": str(cast["three"].id),
                                                      "role": "respondent"}).status_code == 400
    db.session.refresh(case)
    assert case.entries == [] and case.evidence == [] and len(case.parties) == 1


# ---- rulings -----------------------------------------------------------------------------------------------


def test_only_managers_and_admins_rule(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], status="investigating")
    form = {"decision": "In our favour", "action": "no_action"}
    for email in (P1_ADMIN, P1_STAFF, P3_ADMIN, P2_ADMIN):
        partner = login(email)
        assert partner.post(f"/cases/{case.id}/ruling", form).status_code == 403
        assert partner.get(f"/cases/{case.id}/ruling").status_code == 403
    assert login(ZJ_MANAGER).post(f"/cases/{case.id}/ruling", form).status_code == 404  # not theirs
    db.session.refresh(case)
    assert case.status == "investigating" and case.ruling is None
    assert login(ADMIN).post(f"/cases/{case.id}/ruling", form).status_code == 302
    db.session.refresh(case)
    assert case.status == "ruled" and case.ruling_action == "no_action"


def test_a_penalty_is_debited_from_the_deposit_and_shows_in_the_partners_ledger(
        login, make_case, cast, deposit, db):
    deposit(cast["three"], "5000.00")
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], status="investigating")
    manager = login(GD_MANAGER)
    assert "Record the ruling" in text(manager.get(f"/cases/{case.id}/ruling"))
    response = manager.post(f"/cases/{case.id}/ruling", {
        "decision": "Sold 40 handsets in Futian, outside its territory.", "action": "penalty",
        "target_id": str(cast["three"].id), "penalty_amount": "1,200.50"})
    assert response.status_code == 302
    db.session.refresh(case)
    movement = db.session.scalar(sa.select(DepositMovement).where(DepositMovement.kind == "deducted"))
    assert movement.amount == Decimal("1200.50") and movement.reference == case.number
    assert movement.account.partner_id == cast["three"].id and movement.actor_id == cast["manager"].id
    assert (case.status, case.penalty_amount, case.penalty_partner_id, case.deposit_movement_id) == (
        "ruled", Decimal("1200.50"), cast["three"].id, movement.id)

    penalised = login(P3_ADMIN)
    ledger_page = text(penalised.get("/partner/deposit"))
    assert case.number in ledger_page and "−¥1,200.50" in ledger_page and "¥3,799.50" in ledger_page
    case_page = text(penalised.get(f"/partner/cases/{case.id}"))
    assert "¥1,200.50 is deducted from your credit deposit" in case_page
    other_page = text(login(P1_ADMIN).get(f"/partner/cases/{case.id}"))
    assert "A penalty is deducted from the deposit of Partner Three Mobile." in other_page
    assert "¥1,200.50" in text(manager.get(f"/partners/{cast['three'].id}/deposit"))


def test_a_penalty_above_the_deposit_held_is_refused_on_the_amount(login, make_case, cast, deposit, db):
    deposit(cast["three"], "5000.00")
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], status="investigating")
    manager = login(GD_MANAGER)
    form = {"decision": "Penalty", "action": "penalty", "target_id": str(cast["three"].id)}
    too_much = manager.post(f"/cases/{case.id}/ruling", {**form, "penalty_amount": "5000.01"})
    assert too_much.status_code == 400
    assert "Only ¥5,000.00 is held on this deposit account." in text(too_much)
    assert 'id="penalty_amount-error"' in too_much.get_data(as_text=True)
    for bad in ("", "-5", "1.001", "1e100", "abc"):
        response = manager.post(f"/cases/{case.id}/ruling", {**form, "penalty_amount": bad})
        assert response.status_code == 400 and "Enter an amount greater than zero" in text(response), bad
    no_account = manager.post(f"/cases/{case.id}/ruling", {**form, "target_id": str(cast["one"].id),
                                                           "penalty_amount": "10"})
    assert "Partner One Trading has no deposit account" in text(no_account)
    db.session.refresh(case)
    assert case.status == "investigating" and case.ruling is None
    assert db.session.scalar(sa.select(sa.func.count()).where(DepositMovement.kind == "deducted")) == 0


def test_a_ruling_with_missing_or_foreign_choices_says_what_is_wrong(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], status="investigating")
    manager = login(GD_MANAGER)
    empty = text(manager.post(f"/cases/{case.id}/ruling", {}))
    assert "Write the decision and its reasons." in empty and "Choose the action of the ruling." in empty
    warning = text(manager.post(f"/cases/{case.id}/ruling", {"decision": "D", "action": "warning"}))
    assert "Choose the party this action applies to." in warning
    reassign = text(manager.post(f"/cases/{case.id}/ruling", {"decision": "D", "action": "reassign_deal"}))
    assert "Choose the partner the deal goes to." in reassign
    outsider = manager.post(f"/cases/{case.id}/ruling", {"decision": "D", "action": "warning",
                                                         "target_id": str(cast["two"].id)})
    assert outsider.status_code == 400 and "Choose one of the case's parties." in text(outsider)
    db.session.refresh(case)
    assert case.status == "investigating"


def test_territory_change_and_termination_are_recorded_with_a_link_to_the_partner(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], status="investigating")
    manager = login(GD_MANAGER)
    assert manager.post(f"/cases/{case.id}/ruling", {
        "decision": "Futian district moves from Partner Three to Partner One from next month.",
        "action": "territory_change", "target_id": str(cast["three"].id),
        "favour_id": str(cast["one"].id)}).status_code == 302
    page = text(manager.get(f"/cases/{case.id}"))
    assert "Territory change" in page and "Futian district moves" in page
    assert f"/partners/{cast['three'].id}" in page  # the partner's page (or its deposit page)
    db.session.refresh(case)
    assert (case.ruling_action, case.penalty_partner_id, case.in_favour_of_partner_id) == (
        "territory_change", cast["three"].id, cast["one"].id)


def test_a_deal_reassigned_to_the_held_partner_approves_its_registration_and_rejects_the_other(
        login, deal_case, registrations, cast, db):
    investigating(deal_case, db)
    manager = login(GD_MANAGER)
    assert manager.post(f"/cases/{deal_case.id}/ruling", {
        "decision": "Partner Two met the customer first; the registration goes to it.", "action": "reassign_deal",
        "favour_id": str(cast["two"].id)}).status_code == 302
    first, held = registrations["first"], registrations["held"]
    db.session.refresh(first)
    db.session.refresh(held)
    assert held.status == "approved"
    assert held.protected_until == business_today() + timedelta(days=get_setting("deal_protection_days"))
    assert first.status == "rejected" and first.protected_until is None
    assert deal_case.number in held.decision_note and held.decided_by_id == cast["manager"].id
    changes = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type == "DealRegistration",
                                                           AuditLog.field == "status")).all()
    assert {(c.entity_id, c.old_value, c.new_value) for c in changes} == {
        (str(held.id), "held", "approved"), (str(first.id), "approved", "rejected")}


def test_a_deal_reassigned_to_a_party_without_a_registration_moves_the_registration_audited(
        login, deal_case, registrations, cast, db):
    manager = login(GD_MANAGER)
    manager.post(f"/cases/{deal_case.id}/parties", {"partner_id": str(cast["three"].id), "role": "involved"})
    investigating(deal_case, db)
    assert manager.post(f"/cases/{deal_case.id}/ruling", {
        "decision": "The customer is Partner Three's.", "action": "reassign_deal",
        "favour_id": str(cast["three"].id)}).status_code == 302
    first, held = registrations["first"], registrations["held"]
    db.session.refresh(first)
    db.session.refresh(held)
    assert (first.partner_id, first.status) == (cast["three"].id, "approved")
    assert held.status == "rejected"
    moved = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "DealRegistration",
                                                        AuditLog.field == "partner_id"))
    assert (moved.entity_id, moved.old_value, moved.new_value) == (
        str(first.id), str(cast["one"].id), str(cast["three"].id))
    assert moved.actor_id == cast["manager"].id


# ---- complaints ------------------------------------------------------------------------------------------


def test_a_complaint_about_the_vendor_is_filed_answered_and_closed(login, cast, db):
    partner = login(P2_ADMIN)
    bad = partner.post("/partner/cases/complaint", {"title": "", "description": ""})
    assert bad.status_code == 400 and "Give the case a short title." in text(bad)
    response = partner.post("/partner/cases/complaint", {
        "title": "Commission for October not paid", "description": "The October commission is three weeks late."})
    assert response.status_code == 302
    case = db.session.scalar(sa.select(ConflictCase))
    assert case.kind == "complaint" and case.manager_id == cast["other_manager"].id
    assert case.due_on == business_today() + timedelta(days=get_setting("complaint_due_days"))
    listing = text(partner.get("/partner/cases/"))
    assert case.number in listing and "Complaint about the vendor" in listing

    manager = login(ZJ_MANAGER)
    assert "Commission for October not paid" in text(manager.get("/cases/?kind=complaint"))
    assert manager.post(f"/cases/{case.id}/entries", {"body": "Paid today, sorry for the delay."}).status_code == 302
    assert manager.post(f"/cases/{case.id}/status", {"to_status": "investigating"}).status_code == 302
    assert manager.post(f"/cases/{case.id}/ruling", {"decision": "Paid late; the finance team is reminded.",
                                                     "action": "no_action"}).status_code == 302
    assert manager.post(f"/cases/{case.id}/status", {"to_status": "closed"}).status_code == 302
    page = text(partner.get(f"/partner/cases/{case.id}"))
    assert "Paid today, sorry for the delay." in page and "Paid late; the finance team is reminded." in page
    assert "Closed" in page
    assert kinds_for(P2_ADMIN, db) == ["case_answered", "case_investigating", "case_ruled", "case_closed"]
    assert login(GD_MANAGER).get(f"/cases/{case.id}").status_code == 404


# ---- notifications ---------------------------------------------------------------------------------------


def test_everyone_involved_is_notified_at_each_step(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")], opened_by=cast["one"].users[0])
    manager = login(GD_MANAGER)
    manager.post(f"/cases/{case.id}/parties", {"partner_id": str(cast["three"].id), "role": "respondent"})
    login(P3_ADMIN).post(f"/partner/cases/{case.id}/answers", {"body": "We never sold in Futian."})
    manager.post(f"/cases/{case.id}/entries", {"body": "Checking the sales reports.", "internal": "y"})
    manager.post(f"/cases/{case.id}/status", {"to_status": "investigating"})
    manager.post(f"/cases/{case.id}/ruling", {"decision": "Warning.", "action": "warning",
                                              "target_id": str(cast["three"].id)})
    manager.post(f"/cases/{case.id}/status", {"to_status": "closed"})
    steps = ["case_investigating", "case_ruled", "case_closed"]
    assert kinds_for(P1_STAFF, db) == ["case_opened", "case_answered"] + steps
    assert kinds_for(P1_ADMIN, db) == ["case_answered"] + steps  # the opener is not told of its own case
    assert kinds_for(P3_ADMIN, db) == ["case_party_added"] + steps  # not told of its own answer
    assert kinds_for(GD_MANAGER, db) == ["case_opened", "case_answered"]  # its own steps are not echoed
    note = notifications(P3_ADMIN, db)[-1]
    assert render_text(note) == f"Case {case.number} is closed: Handsets sold in Futian."


# ---- due dates, managers, parties -------------------------------------------------------------------------


def test_the_due_date_changes_with_an_audit_row_and_bad_dates_are_field_errors(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")])
    old = case.due_on
    manager = login(GD_MANAGER)
    new = business_today() + timedelta(days=30)
    assert manager.post(f"/cases/{case.id}/due-date", {"due_on": new.isoformat()}).status_code == 302
    db.session.refresh(case)
    assert case.due_on == new
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "ConflictCase",
                                                      AuditLog.field == "due_on"))
    assert (row.old_value, row.new_value, row.actor_id) == (old.isoformat(), new.isoformat(), cast["manager"].id)
    assert "Due date:" in text(manager.get(f"/cases/{case.id}"))
    assert "case_due_changed" in kinds_for(P1_ADMIN, db)
    for bad, message in (("2026-02-30", "Enter a date as YYYY-MM-DD."), ("", "Enter a date as YYYY-MM-DD."),
                         ((business_today() - timedelta(days=1)).isoformat(), "The due date cannot be in the past."),
                         ((business_today() + timedelta(days=400)).isoformat(), "at most a year from today")):
        response = manager.post(f"/cases/{case.id}/due-date", {"due_on": bad})
        assert response.status_code == 400 and message in text(response), bad
    db.session.refresh(case)
    assert case.due_on == new


def test_a_case_is_assigned_to_another_manager_who_is_told(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")])
    admin = login(ADMIN)
    assert admin.post(f"/cases/{case.id}/manager", {"manager_id": str(cast["other_manager"].id)}).status_code == 302
    db.session.refresh(case)
    assert case.manager_id == cast["other_manager"].id
    assert kinds_for(ZJ_MANAGER, db) == ["case_assigned"]
    assert login(ZJ_MANAGER).get(f"/cases/{case.id}").status_code == 200  # assigned: visible to them
    refused = admin.post(f"/cases/{case.id}/manager", {"manager_id": str(cast["applicant"].id)})
    assert refused.status_code == 400 and "Choose an active channel manager or administrator." in text(refused)


def test_parties_are_added_from_the_list_or_by_credit_code_once(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")])
    manager = login(GD_MANAGER)
    page = text(manager.get(f"/cases/{case.id}"))
    assert "Partner Three Mobile" in page and "Partner Two Retail" not in page  # only partners they may see
    assert manager.post(f"/cases/{case.id}/parties", {"partner_id": str(cast["three"].id),
                                                      "role": "respondent"}).status_code == 302
    again = manager.post(f"/cases/{case.id}/parties", {"credit_code": "91440101MA5CXW1X28", "role": "involved"})
    assert again.status_code == 400 and "Partner Three Mobile is already a party to this case." in text(again)
    unknown = manager.post(f"/cases/{case.id}/parties", {"credit_code": "91110000MA0000000X", "role": "involved"})
    assert unknown.status_code == 400 and "No partner has this unified social credit code." in text(unknown)
    not_visible = manager.post(f"/cases/{case.id}/parties", {"partner_id": str(cast["two"].id), "role": "involved"})
    assert not_visible.status_code == 400 and "Choose the partner to add." in text(not_visible)
    by_code = manager.post(f"/cases/{case.id}/parties", {"credit_code": "91330100ma2b123450 ", "role": "involved"})
    assert by_code.status_code == 302  # a Zhejiang partner selling into Guangdong: added by its code
    db.session.refresh(case)
    assert [(p.partner_id, p.role) for p in case.parties] == [
        (cast["one"].id, "complainant"), (cast["three"].id, "respondent"), (cast["two"].id, "involved")]
    assert login(ZJ_MANAGER).get(f"/cases/{case.id}").status_code == 200  # now one of theirs is involved


def test_managers_share_and_unshare_evidence_and_file_their_own(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")])
    login(P1_ADMIN).post(f"/partner/cases/{case.id}/evidence", {"evidence": [upload(name="receipt.pdf")],
                                                                 "note": "Receipt from the Futian shop"})
    manager = login(GD_MANAGER)
    item = db.session.scalar(sa.select(CaseEvidence))
    assert manager.post(f"/cases/{case.id}/evidence/{item.id}/share", {"shared": "1"}).status_code == 302
    db.session.refresh(item)
    assert item.shared
    assert manager.post(f"/cases/{case.id}/evidence/{item.id}/share", {"shared": "0"}).status_code == 302
    db.session.refresh(item)
    assert not item.shared
    assert manager.post(f"/cases/{case.id}/evidence", {"evidence": [upload(name="visit.pdf")],
                                                       "note": "Visit report", "shared": "y"}).status_code == 302
    none = manager.post(f"/cases/{case.id}/evidence", {"note": "nothing"})
    assert none.status_code == 400 and "Choose at least one file" in text(none)
    vendor = db.session.scalar(sa.select(CaseEvidence).where(CaseEvidence.partner_id.is_(None)))
    assert vendor.shared and vendor.uploaded_by_id == cast["manager"].id
    page = text(manager.get(f"/cases/{case.id}"))
    assert "receipt.pdf" in page and "Partner One Trading" in page and "visit.pdf" in page


# ---- settings -------------------------------------------------------------------------------------------


def test_the_admin_sets_the_due_days_and_protection_days_audited(login, cast, db):
    admin = login(ADMIN)
    page = text(admin.get("/cases/settings"))
    assert "Days to resolve a channel conflict case" in page and 'value="14"' in page
    bad = admin.post("/cases/settings", {"case_due_days": "abc", "complaint_due_days": "0",
                                         "deal_protection_days": "9999"})
    page = text(bad)
    assert bad.status_code == 400
    assert "Enter a whole number of days." in page and "between 1 and 365" in page and "between 1 and 730" in page
    assert get_setting("case_due_days") == 14
    ok = admin.post("/cases/settings", {"case_due_days": "21", "complaint_due_days": "5",
                                        "deal_protection_days": "120"})
    assert ok.status_code == 302
    assert (get_setting("case_due_days"), get_setting("complaint_due_days"), get_setting("deal_protection_days")) == (
        21, 5, 120)
    audited = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type == "Setting")).all()
    assert len(audited) == 3 and all(a.actor_id == cast["admin"].id for a in audited)
    login(P1_ADMIN).post("/partner/cases/complaint", {"title": "Late", "description": "Late again"})
    case = db.session.scalar(sa.select(ConflictCase))
    assert case.due_on == business_today() + timedelta(days=5)
    assert login(GD_MANAGER).get("/cases/settings").status_code == 403
