"""The partner's side: its approved and released statements only (drafts are internal), what it
earned and why, when and how it was paid; a query on a line reaches the manager as a case."""
import sqlalchemy as sa

from portal.commissions import services
from portal.commissions.models import CommissionQuery
from portal.conflicts.models import ConflictCase
from portal.core.audit import acting_as
from portal.notifications.models import Notification
from tests.commissions.conftest import ACCOUNT_NUMBER, EARLY, GD_MANAGER, MAIN, P1_ADMIN, P1_STAFF, P2_ADMIN, text


def approve(cast, statement, db):
    with acting_as(cast["manager"]):
        services.approve(statement, cast["manager"])
    db.session.commit()
    return statement


def test_the_partner_sees_only_its_approved_and_released_statements(figures, compute, settle, as_user, db):
    early = settle(EARLY)
    draft = compute(MAIN)
    client = as_user(P1_ADMIN)
    page = text(client.get("/partner/commissions/"))
    assert early.number in page and draft.number not in page
    assert client.get(f"/partner/commissions/{draft.id}").status_code == 404  # drafts are internal
    approve(figures, draft, db)
    page = text(client.get("/partner/commissions/"))
    assert draft.number in page and "Approved, awaiting payment" in page
    assert as_user(P2_ADMIN).get(f"/partner/commissions/{early.id}").status_code == 404
    assert "No statement yet" in text(as_user(P2_ADMIN).get("/partner/commissions/"))
    assert as_user(P1_STAFF).get(f"/partner/commissions/{early.id}").status_code == 403


def test_the_statement_says_what_was_earned_why_and_how_it_was_paid(figures, compute, settle, db, as_user):
    cast = figures
    with acting_as(cast["manager"]):
        services.add_adjustment({"partner_id": cast["one"].id, "month": MAIN.isoformat()[:7], "amount": "-20.50",
                                 "reason": "Activation counted twice in Futian"}, cast["manager"])
    db.session.commit()
    statement = settle(MAIN)
    page = text(as_user(P1_ADMIN).get(f"/partner/commissions/{statement.id}"))
    assert "¥869.63" in page  # 890.13 − 20.50
    assert "3.35% commission on ¥12,030.00 of Mobile plans sold in" in page
    assert "¥1,234.57 of Broadband sales were returned" in page and "taken back" in page and "-¥61.73" in page
    assert "Manual correction: Activation counted twice in Futian" in page
    assert "ICBC-TRANSFER-1" in page and "中国工商银行" in page and ACCOUNT_NUMBER[-4:] in page
    assert ACCOUNT_NUMBER not in page
    assert "Raise a query on this line" in page


def test_a_query_on_a_line_opens_a_case_for_the_manager(figures, compute, as_user, db):
    statement = approve(figures, compute(MAIN), db)
    line = next(line for line in statement.lines if line.kind == "returns" and line.product_line.code == "broadband")
    client = as_user(P1_ADMIN)
    url = f"/partner/commissions/{statement.id}/lines/{line.id}/query"
    empty = client.post(url, {"text": "  "})
    assert empty.status_code == 400 and "Say what you question about this line." in text(empty)
    response = client.post(url, {"text": "We had no broadband returns of that size in Futian."})
    assert response.status_code == 302
    query = db.session.scalar(sa.select(CommissionQuery))
    case = query.case
    assert query.line_id == line.id and query.raised_by.email == P1_ADMIN
    assert (case.kind, case.origin, case.status) == ("commission_query", "commission_query", "open")
    assert case.manager_id == figures["manager"].id
    assert [(p.partner_id, p.role) for p in case.parties] == [(figures["one"].id, "complainant")]
    assert "We had no broadband returns of that size in Futian." in case.description
    assert statement.number in case.title and statement.number in case.description
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == figures["manager"].id)).all()
    assert [n.kind for n in told] == ["case_opened"] and told[0].link == f"/cases/{case.id}"
    # The line now shows the case, linked to the partner's case page; a second query waits for it.
    page = text(client.get(f"/partner/commissions/{statement.id}"))
    assert f'href="/partner/cases/{case.id}"' in page and f"case {case.number}" in page and "Queried" in page
    again = client.post(url, {"text": "Any news?"})
    assert again.status_code == 400 and f"it is followed in case {case.number}" in text(again)
    assert db.session.scalar(sa.select(sa.func.count(ConflictCase.id))) == 1
    assert client.get(f"/partner/cases/{case.id}").status_code == 200
    # The manager sees the query on the statement, linked to the case.
    page = text(as_user(GD_MANAGER).get(f"/commissions/{statement.id}"))
    assert f'href="/cases/{case.id}"' in page and "Queried" in page


def test_no_query_on_another_partners_line_a_draft_or_by_staff(figures, compute, as_user, db):
    draft = compute(MAIN)
    line = draft.lines[0]
    assert as_user(P1_ADMIN).post(f"/partner/commissions/{draft.id}/lines/{line.id}/query",
                                  {"text": "Why?"}).status_code == 404
    approve(figures, draft, db)
    url = f"/partner/commissions/{draft.id}/lines/{line.id}/query"
    assert as_user(P2_ADMIN).post(url, {"text": "Why?"}).status_code == 404
    assert as_user(P1_STAFF).post(url, {"text": "Why?"}).status_code == 403
    assert as_user(P1_ADMIN).post(f"/partner/commissions/{draft.id}/lines/999999/query",
                                  {"text": "Why?"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(CommissionQuery.id))) == 0


def test_a_queried_statement_cannot_be_sent_back_to_draft(figures, compute, as_user, db):
    statement = approve(figures, compute(MAIN), db)
    as_user(P1_ADMIN).post(f"/partner/commissions/{statement.id}/lines/{statement.lines[0].id}/query",
                           {"text": "Which outlets?"})
    page = text(as_user(GD_MANAGER).post(f"/commissions/{statement.id}/send-back", {"reason": "Recheck"},
                                         follow_redirects=True))
    assert "The partner has raised a query on this statement" in page
    db.session.refresh(statement)
    assert statement.status == "approved"


def test_the_partner_pages_are_in_chinese_for_a_chinese_reader(figures, settle, as_user, db):
    statement = settle(EARLY)
    admin = next(u for u in figures["one"].users if u.email == P1_ADMIN)
    admin.locale = "zh_CN"
    db.session.commit()
    page = text(as_user(P1_ADMIN).get(f"/partner/commissions/{statement.id}"))
    assert 'lang="zh-CN"' in page and f"{EARLY.year}年{EARLY.month}月" in page
    assert "¥67.00" in page
