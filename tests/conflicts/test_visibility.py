"""Who sees what: each party sees its case, an uninvolved partner gets 404, private evidence
stays private even by URL, internal notes never reach partners, and the partner whose deal
registration is held never learns who registered the customer first, nor that registration's
number or value. Managers see the cases of partners they may see and those assigned to them."""
import html
from datetime import timedelta

import sqlalchemy as sa

from portal.conflicts.models import CaseEvidence
from portal.conflicts.services import post_entry
from portal.core.i18n import business_today
from portal.notifications.services import render_text
from tests.conflicts.conftest import (
    ADMIN, GD_MANAGER, P1_ADMIN, P1_STAFF, P2_ADMIN, P3_ADMIN, ZJ_MANAGER, notifications, row_of, upload,
)


def text(response):
    return html.unescape(response.get_data(as_text=True))


def evidence_of(case, partner, db):
    return db.session.scalar(sa.select(CaseEvidence).where(CaseEvidence.case_id == case.id,
                                                           CaseEvidence.partner_id == partner.id))


def test_each_party_sees_the_case_and_an_uninvolved_partner_gets_404_everywhere(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")])
    login(GD_MANAGER).post(f"/cases/{case.id}/parties", {"partner_id": str(cast["three"].id), "role": "respondent"})
    login(P1_ADMIN).post(f"/partner/cases/{case.id}/evidence", {"evidence": [upload(name="p1.pdf")]})
    item = evidence_of(case, cast["one"], db)

    for email in (P1_ADMIN, P1_STAFF, P3_ADMIN):
        client = login(email)
        page = text(client.get(f"/partner/cases/{case.id}"))
        assert case.number in page and "Partner One Trading" in page and "Partner Three Mobile" in page, email
        assert case.number in text(client.get("/partner/cases/")), email

    outsider = login(P2_ADMIN)
    assert outsider.get(f"/partner/cases/{case.id}").status_code == 404
    assert outsider.get(f"/partner/cases/{case.id}/evidence/{item.id}").status_code == 404
    assert outsider.post(f"/partner/cases/{case.id}/answers", {"body": "Not mine"}).status_code == 404
    assert outsider.post(f"/partner/cases/{case.id}/evidence", {"evidence": [upload()]}).status_code == 404
    assert case.number not in text(outsider.get("/partner/cases/"))
    assert "Your organisation is not a party to any case." in text(outsider.get("/partner/cases/"))
    db.session.refresh(case)
    assert len(case.entries) == 0 and len(case.evidence) == 1


def test_a_party_never_sees_another_partys_private_evidence_even_by_url(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")])
    one, three = login(P1_ADMIN), login(P3_ADMIN)
    one.post(f"/partner/cases/{case.id}/evidence", {"evidence": [upload(name="one-receipt.pdf")]})
    three.post(f"/partner/cases/{case.id}/evidence", {"evidence": [upload(name="three-invoice.pdf")]})
    mine, theirs = evidence_of(case, cast["one"], db), evidence_of(case, cast["three"], db)

    assert one.get(f"/partner/cases/{case.id}/evidence/{mine.id}").status_code == 200
    assert one.get(f"/partner/cases/{case.id}/evidence/{theirs.id}").status_code == 404
    assert three.get(f"/partner/cases/{case.id}/evidence/{mine.id}").status_code == 404
    page = text(one.get(f"/partner/cases/{case.id}"))
    assert "one-receipt.pdf" in page and "three-invoice.pdf" not in page
    assert login(P1_STAFF).get(f"/partner/cases/{case.id}/evidence/{mine.id}").status_code == 200  # a colleague

    manager = login(GD_MANAGER)
    vendor_page = text(manager.get(f"/cases/{case.id}"))
    assert "one-receipt.pdf" in vendor_page and "three-invoice.pdf" in vendor_page
    assert manager.get(f"/cases/{case.id}/evidence/{theirs.id}").status_code == 200

    manager.post(f"/cases/{case.id}/evidence/{theirs.id}/share", {"shared": "1"})
    response = one.get(f"/partner/cases/{case.id}/evidence/{theirs.id}")
    assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff"
    assert "three-invoice.pdf" in text(one.get(f"/partner/cases/{case.id}"))
    manager.post(f"/cases/{case.id}/evidence/{theirs.id}/share", {"shared": "0"})
    assert one.get(f"/partner/cases/{case.id}/evidence/{theirs.id}").status_code == 404

    manager.post(f"/cases/{case.id}/evidence", {"evidence": [upload(name="vendor-notes.pdf")]})
    vendor_item = db.session.scalar(sa.select(CaseEvidence).where(CaseEvidence.partner_id.is_(None)))
    assert one.get(f"/partner/cases/{case.id}/evidence/{vendor_item.id}").status_code == 404
    # Evidence of another case, asked for through this case's URL: 404 too.
    other = make_case([(cast["one"], "complainant")])
    assert one.get(f"/partner/cases/{other.id}/evidence/{mine.id}").status_code == 404


def test_internal_notes_are_never_shown_to_partners(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")])
    manager = login(GD_MANAGER)
    manager.post(f"/cases/{case.id}/entries", {"body": "Internal: Partner One exaggerates.", "internal": "y"})
    manager.post(f"/cases/{case.id}/entries", {"body": "We are looking into it."})
    partner_page = text(login(P1_ADMIN).get(f"/partner/cases/{case.id}"))
    assert "We are looking into it." in partner_page
    assert "exaggerates" not in partner_page and "Internal note" not in partner_page
    vendor_page = text(manager.get(f"/cases/{case.id}"))
    assert "Internal: Partner One exaggerates." in vendor_page and "Internal note" in vendor_page
    assert all(n.kind != "case_answered" or "exaggerates" not in render_text(n) for n in notifications(P1_ADMIN, db))
    assert len([n for n in notifications(P1_ADMIN, db) if n.kind == "case_answered"]) == 1  # the message only


def test_the_held_partner_never_sees_the_other_partners_name_number_or_value(
        login, deal_case, registrations, cast, db):
    first = registrations["first"]
    secrets = ("Partner One", "DR-2026-0001", "880,000", "880000", "深圳华通科技有限公司")
    # Partner One answers, files evidence the manager shares, and the case is ruled for it.
    one = login(P1_ADMIN)
    one.post(f"/partner/cases/{deal_case.id}/answers", {"body": "We met this customer in March."})
    one.post(f"/partner/cases/{deal_case.id}/evidence", {"evidence": [upload(name="meeting-notes.pdf")]})
    manager = login(GD_MANAGER)
    shared = evidence_of(deal_case, cast["one"], db)
    manager.post(f"/cases/{deal_case.id}/evidence/{shared.id}/share", {"shared": "1"})
    manager.post(f"/cases/{deal_case.id}/status", {"to_status": "investigating"})
    manager.post(f"/cases/{deal_case.id}/ruling", {"decision": "The first registration stands.",
                                                   "action": "reassign_deal", "favour_id": str(cast["one"].id)})

    held = login(P2_ADMIN)
    page = text(held.get(f"/partner/cases/{deal_case.id}"))
    assert deal_case.number in page and "DR-2026-0002" in page and "¥650,000.00" in page  # its own registration
    assert "Another partner" in page and "We met this customer in March." in page
    assert "The first registration stands." in page and "meeting-notes.pdf" in page
    for secret in secrets:
        assert secret not in page, secret
    listing = text(held.get("/partner/cases/"))
    for secret in secrets:
        assert secret not in listing, secret
    for note in notifications(P2_ADMIN, db):
        assert not any(secret in render_text(note) for secret in secrets), render_text(note)
        assert not any(secret in str(note.params) for secret in secrets), note.params
    assert [n.kind for n in notifications(P2_ADMIN, db)] == [
        "case_opened", "case_answered", "case_evidence_shared", "case_investigating", "case_ruled"]
    assert held.get(f"/partner/cases/{deal_case.id}/evidence/{shared.id}").status_code == 200
    # The first registrant is not told who was held either.
    other_page = text(one.get(f"/partner/cases/{deal_case.id}"))
    assert "DR-2026-0001" in other_page and "Partner Two" not in other_page and "DR-2026-0002" not in other_page
    # The vendor side sees everything.
    vendor_page = text(manager.get(f"/cases/{deal_case.id}"))
    assert all(s in vendor_page for s in ("Partner One Trading", "Partner Two Retail", first.number, "¥880,000.00"))


def test_managers_see_the_cases_of_partners_they_may_see_and_those_assigned_to_them(login, make_case, cast, db):
    gd_case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], title="Guangdong case")
    zj_case = make_case([(cast["two"], "complainant")], kind="complaint", title="Zhejiang complaint")
    gd, zj, admin = login(GD_MANAGER), login(ZJ_MANAGER), login(ADMIN)
    gd_list, zj_list, all_list = (text(c.get("/cases/")) for c in (gd, zj, admin))
    assert "Guangdong case" in gd_list and "Zhejiang complaint" not in gd_list
    assert "Zhejiang complaint" in zj_list and "Guangdong case" not in zj_list
    assert "Guangdong case" in all_list and "Zhejiang complaint" in all_list
    assert zj.get(f"/cases/{gd_case.id}").status_code == 404
    assert zj.post(f"/cases/{gd_case.id}/entries", {"body": "x"}).status_code == 404
    assert gd.get(f"/cases/{zj_case.id}").status_code == 404
    assert admin.get(f"/cases/{zj_case.id}").status_code == 200
    zj_case.manager_id = cast["manager"].id  # assigned to the GD manager: now theirs too
    db.session.commit()
    assert gd.get(f"/cases/{zj_case.id}").status_code == 200
    assert login(P1_ADMIN).get(f"/cases/{gd_case.id}").status_code == 403  # the vendor side is not for partners
    assert login(P1_ADMIN).get("/cases/").status_code == 403
    assert gd.get("/partner/cases/").status_code == 403


def test_overdue_cases_are_highlighted_and_filtered(login, make_case, cast, db):
    today = business_today()
    late = make_case([(cast["one"], "complainant")], title="Late case", due_on=today - timedelta(days=2))
    on_time = make_case([(cast["one"], "complainant")], title="Timely case", due_on=today + timedelta(days=3))
    ruled_late = make_case([(cast["one"], "complainant")], title="Ruled case", due_on=today - timedelta(days=5),
                           status="ruled")
    due_today = make_case([(cast["one"], "complainant")], title="Due today case", due_on=today)
    manager = login(GD_MANAGER)
    page = text(manager.get("/cases/"))
    assert "1 case is past its due date." in page
    assert 'class="table-danger"' in row_of(page, late.number) and "Overdue" in row_of(page, late.number)
    for case in (on_time, ruled_late, due_today):
        assert "table-danger" not in row_of(page, case.number) and "Overdue" not in row_of(page, case.number)
    overdue_only = text(manager.get("/cases/?overdue=1"))
    assert late.number in overdue_only
    assert not any(c.number in overdue_only for c in (on_time, ruled_late, due_today))
    partner_page = text(login(P1_ADMIN).get("/partner/cases/"))
    assert "table-danger" in row_of(partner_page, late.number)
    assert "Overdue" in text(manager.get(f"/cases/{late.id}"))


def test_lists_filter_by_status_kind_and_partner_and_page(login, make_case, cast, db, app):
    for n in range(app.config["PER_PAGE"] + 2):
        make_case([(cast["one"], "complainant")], title=f"Case number {n}")
    complaint = make_case([(cast["three"], "complainant")], kind="complaint", title="A complaint of Three",
                          status="investigating")
    manager = login(GD_MANAGER)
    first_page = text(manager.get("/cases/"))
    assert "Next" in first_page and "page 1 of 2" in first_page
    assert "page 2 of 2" in text(manager.get("/cases/?page=2"))
    by_partner = text(manager.get(f"/cases/?partner={cast['three'].id}"))
    assert complaint.number in by_partner and "Case number 1<" not in by_partner
    assert complaint.number in text(manager.get("/cases/?status=investigating&kind=complaint"))
    assert "No case matches these filters." in text(manager.get("/cases/?status=closed"))
    partner = login(P1_ADMIN)
    assert "page 1 of 2" in text(partner.get("/partner/cases/"))
    assert "No case matches these filters." in text(partner.get("/partner/cases/?status=ruled"))
    assert complaint.number not in text(partner.get("/partner/cases/?page=2"))
    assert login(P3_ADMIN).get("/partner/cases/?status=nonsense&page=abc").status_code == 200


def test_a_party_added_by_the_manager_answers_and_the_other_party_sees_it_named(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")])
    assert login(P3_ADMIN).get(f"/partner/cases/{case.id}").status_code == 404  # not a party yet
    login(GD_MANAGER).post(f"/cases/{case.id}/parties", {"partner_id": str(cast["three"].id), "role": "respondent"})
    three = login(P3_ADMIN)
    assert three.post(f"/partner/cases/{case.id}/answers", {"body": "Those were our own customers."}).status_code == 302
    empty = three.post(f"/partner/cases/{case.id}/answers", {"body": "   "})
    assert empty.status_code == 400 and "Write your message." in text(empty)
    page = text(login(P1_ADMIN).get(f"/partner/cases/{case.id}"))
    assert "Those were our own customers." in page and "Partner Three Mobile" in page


def test_a_partner_cannot_post_an_internal_note(login, make_case, cast, db):
    case = make_case([(cast["one"], "complainant")])
    login(P1_ADMIN).post(f"/partner/cases/{case.id}/answers", {"body": "Hello", "internal": "y"})
    db.session.refresh(case)
    assert [e.internal for e in case.entries] == [False]
    entry = post_entry(case, cast["one"].users[0], "Direct call", internal=True, partner=cast["one"])
    assert entry.internal is False
