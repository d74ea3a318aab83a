"""The vendor's pages: the list (filters, totals, pages, the CSV for the payment run) scoped to
the partners each person may see, the statement page, and the corrections form's messages."""
import csv
import io
from decimal import Decimal

import sqlalchemy as sa

from portal.commissions.models import CommissionAdjustment, CommissionStatement
from portal.core.i18n import add_months, business_today
from portal.finance.models import BankAccount
from tests.commissions.conftest import (ACCOUNT_NUMBER, ADMIN, EARLY, FINANCE, GD_MANAGER, LATE, MAIN, ZJ_MANAGER,
                                       text)
from tests.html_validity import assert_valid_html


def adjustment_form(cast, **overrides):
    return {"partner_id": str(cast["one"].id), "month": MAIN.isoformat()[:7], "product_line_id": "",
            "amount": "88.00", "reason": "Bonus for the store opening", **overrides}


def test_the_list_filters_totals_and_exports_what_the_reader_may_see(figures, compute, settle, report, as_user, db):
    settle(EARLY)
    compute(MAIN)
    report("futian", "mobile", LATE, "300.00")  # 10.05
    compute(LATE)
    manager = as_user(GD_MANAGER)
    page = text(manager.get("/commissions/"))
    assert "3 statements match these filters" in page
    assert "¥967.18" in page  # 67.00 + 890.13 + 10.05
    page = text(manager.get(f"/commissions/?status=draft&month={MAIN.isoformat()[:7]}"))
    assert "1 statement matches these filters" in page and "¥890.13" in page
    assert text(manager.get("/commissions/?q=partner+one")).count("/commissions/") >= 3
    assert "No statement matches these filters." in text(manager.get("/commissions/?q=nobody"))
    export = manager.get("/commissions/export.csv?status=released")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["Statement", "Partner", "Unified social credit code", "Month", "Status", "Total (CNY)"]
    assert len(rows) == 2 and rows[1][5] == "67.00" and rows[1][10] == "ICBC-TRANSFER-1"
    assert rows[0][11:] == ["Bank", "Branch", "Account name", "Account number"]
    assert rows[1][14].endswith("3445") and ACCOUNT_NUMBER not in rows[1][14]  # a manager reads it masked
    # The Zhejiang manager sees none of Partner One's; finance sees all, without the compute form.
    statement = db.session.scalar(sa.select(CommissionStatement).where(CommissionStatement.month == MAIN))
    other = as_user(ZJ_MANAGER)
    assert "No statement yet" in text(other.get("/commissions/"))
    assert other.get(f"/commissions/{statement.id}").status_code == 404
    finance = as_user(FINANCE)
    page = text(finance.get("/commissions/"))
    assert "3 statements match these filters" in page and "Compute statements" not in page
    assert finance.get("/").headers["Location"].endswith("/commissions/")


def test_the_list_has_pages(figures, compute, app, as_user, db):
    app.config["PER_PAGE"], saved = 1, app.config["PER_PAGE"]
    try:
        compute(EARLY)
        compute(MAIN)
        page = text(as_user(ADMIN).get("/commissions/?page=2"))
        assert "2 in all, page 2 of 2" in page and "2 statements match these filters" in page
    finally:
        app.config["PER_PAGE"] = saved


def test_the_statement_page_shows_lines_by_kind_with_base_rate_and_amount(figures, compute, as_user, db):
    statement = compute(MAIN)
    page = text(as_user(GD_MANAGER).get(f"/commissions/{statement.id}"))
    assert "Commission on sales" in page and "Returned sales clawed back" in page
    assert "¥12,030.00" in page and "3.35%" in page and "¥403.01" in page
    assert "¥4,444.20" in page and "2.5%" in page and "¥111.11" in page
    assert "¥890.13" in page and "Approve" in page and "Compute again" in page
    assert f"by {figures['manager'].name}" in page


def test_a_correction_is_entered_and_lands_on_the_draft(figures, compute, as_user, db):
    statement = compute(MAIN)
    manager = as_user(GD_MANAGER)
    assert "Enter a correction" in text(manager.get("/commissions/adjustments"))
    response = manager.post("/commissions/adjustments", adjustment_form(figures, product_line_id=str(figures["mobile"].id)))
    assert response.status_code == 302
    db.session.refresh(statement)
    assert statement.total == Decimal("978.13") and statement.lines[-1].kind == "adjustment"
    page = text(manager.get("/commissions/adjustments"))
    assert "Bonus for the store opening" in page and "¥88.00" in page and statement.number in page


def test_the_correction_form_says_what_is_wrong(figures, as_user, db):
    manager = as_user(GD_MANAGER)
    future = add_months(business_today().replace(day=1), 1).isoformat()[:7]
    cases = {
        "Enter an amount in yuan, e.g. 120.50 or -120.50.": {"amount": "12O.50"},
        "Give the amount with at most two decimal places.": {"amount": "10.005"},
        "Enter an amount of at most 999,999,999,999.99 yuan.": {"amount": "1e100"},
        "A correction of zero changes nothing": {"amount": "0.00"},
        "Enter the amount in yuan": {"amount": ""},
        "Say why: the partner reads the reason on its statement.": {"reason": "   "},
        "At most 500 characters.": {"reason": "x" * 501},
        "has not begun yet: enter a month up to the current one.": {"month": future},
        "Enter a month as YYYY-MM, e.g. 2026-11.": {"month": "last month"},
        "Choose one of your partners.": {"partner_id": str(figures["two"].id)},
    }
    for message, change in cases.items():
        response = manager.post("/commissions/adjustments", adjustment_form(figures, **change))
        assert response.status_code == 400 and message in text(response), message
    assert db.session.scalar(sa.select(sa.func.count(CommissionAdjustment.id))) == 0
    # The current month is fine: it lands on that month's statement once the month is over.
    current = business_today().isoformat()[:7]
    assert manager.post("/commissions/adjustments", adjustment_form(figures, month=current, amount="-5")).status_code == 302
    assert db.session.scalar(sa.select(CommissionAdjustment.amount)) == Decimal("-5.00")


def test_a_correction_alone_makes_a_statement_for_a_partner_without_terms(figures, as_user, db):
    from tests.commissions.conftest import user

    response = as_user(ZJ_MANAGER).post("/commissions/adjustments", adjustment_form(
        figures, partner_id=str(figures["two"].id), amount="300.00", reason="Goodwill for the flood"))
    assert response.status_code == 302
    as_user(ZJ_MANAGER).post("/commissions/compute", {"month": MAIN.isoformat()[:7]})
    statement = db.session.scalar(sa.select(CommissionStatement).where(CommissionStatement.partner_id == figures["two"].id))
    assert statement.total == Decimal("300.00") and [line.kind for line in statement.lines] == ["adjustment"]
    assert user(ZJ_MANAGER).id == statement.computed_by_id


def test_commission_pages_are_valid_html(figures, compute, settle, as_user, db, tmp_path):
    from tests.commissions.conftest import P1_ADMIN, P2_ADMIN

    vendor = as_user(GD_MANAGER)
    vendor.post("/commissions/adjustments", adjustment_form(figures, month=EARLY.isoformat()[:7], amount="-100"))
    released = settle(EARLY)  # −33.00: nothing to pay, carried to MAIN
    draft = compute(MAIN)
    assert released.total < 0 and draft.lines[-1].kind == "carried_forward"
    finance, partner = as_user(FINANCE), as_user(P1_ADMIN)
    pages = {
        "list": vendor.get("/commissions/"),
        "list-empty": vendor.get("/commissions/?q=nobody"),
        "compute-errors": vendor.post("/commissions/compute", {"month": "13-2026"}),
        "draft": vendor.get(f"/commissions/{draft.id}"),
        "released": finance.get(f"/commissions/{released.id}"),
        "adjustments-empty": vendor.get("/commissions/adjustments"),
        "adjustment-errors": vendor.post("/commissions/adjustments", {"partner_id": "", "month": "x", "amount": "a"}),
        "partner-list-empty": as_user(P2_ADMIN).get("/partner/commissions/"),
        "partner-list": partner.get("/partner/commissions/"),
        "partner-released": partner.get(f"/partner/commissions/{released.id}"),
        "partner-query-errors": partner.post(
            f"/partner/commissions/{released.id}/lines/{released.lines[0].id}/query", {"text": ""}),
    }
    vendor.post(f"/commissions/{draft.id}/approve")
    pages["approved-finance"] = finance.get(f"/commissions/{draft.id}")
    pages["release-errors"] = finance.post(f"/commissions/{draft.id}/release", {"paid_on": "2999-01-01"})
    pages["send-back-errors"] = vendor.post(f"/commissions/{draft.id}/send-back", {"reason": ""})
    partner.post(f"/partner/commissions/{draft.id}/lines/{draft.lines[0].id}/query", {"text": "Which outlets?"})
    pages["partner-queried"] = partner.get(f"/partner/commissions/{draft.id}")
    pages["vendor-queried"] = vendor.get(f"/commissions/{draft.id}")
    vendor.post("/commissions/adjustments", adjustment_form(figures, month=LATE.isoformat()[:7]))
    pages["adjustments"] = vendor.get("/commissions/adjustments")
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
    assert_valid_html(pages, tmp_path)


def test_odd_query_strings_are_ignored_not_errors(figures, compute, as_user):
    compute(MAIN)
    manager = as_user(GD_MANAGER)
    for query in ("month=2026-99", "month=%00", "status=paid", "page=abc", "page=99999999999", "q=" + "x" * 500):
        assert manager.get(f"/commissions/?{query}").status_code == 200, query
        assert manager.get(f"/commissions/export.csv?{query}").status_code == 200, query
    assert manager.get("/commissions/99999999999").status_code == 404


def test_the_release_form_shows_the_account_the_confirmation_speaks_of(figures, compute, cast, as_user, db):
    from portal.commissions import services
    from portal.core.audit import acting_as

    statement = compute(MAIN)
    with acting_as(cast["manager"]):
        services.approve(statement, cast["manager"])
    db.session.commit()
    finance = as_user(FINANCE)
    page = text(finance.get(f"/commissions/{statement.id}"))
    assert "has no approved bank account" in page
    db.session.add(BankAccount(partner_id=cast["one"].id, account_name=cast["one"].name, bank_name="中国工商银行",
                               branch="深圳福田支行", account_number=ACCOUNT_NUMBER, current=True))
    db.session.commit()
    page = text(finance.get(f"/commissions/{statement.id}"))
    assert "中国工商银行 · 深圳福田支行" in page and "I have checked the amount and the bank account" in page
    assert f"<dd class=\"col-sm-8 font-monospace text-break\" data-account-number>{ACCOUNT_NUMBER}</dd>" in page


def _approved(cast, compute, db):
    from portal.commissions import services
    from portal.core.audit import acting_as

    statement = compute(MAIN)
    with acting_as(cast["manager"]):
        services.approve(statement, cast["manager"])
    db.session.commit()
    return statement


def test_who_releases_payments_reads_the_full_account_number_others_only_its_end(figures, compute, bank_account,
                                                                               as_user, db):
    """Finance must be able to make the transfer: the release form and the export for the payment
    run give it the payee's whole account; a manager still reads only its last four digits."""
    statement = _approved(figures, compute, db)
    page = text(as_user(FINANCE).get(f"/commissions/{statement.id}"))
    assert ACCOUNT_NUMBER in page and "Partner One Trading" in page
    assert ACCOUNT_NUMBER not in text(as_user(GD_MANAGER).get(f"/commissions/{statement.id}"))
    exports = {}
    for email in (FINANCE, ADMIN, GD_MANAGER):
        export = as_user(email).get("/commissions/export.csv?status=approved")
        exports[email] = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    for email in (FINANCE, ADMIN):  # the approved statement: the account it is to be paid into
        assert exports[email][1][11:] == ["中国工商银行", "", "Partner One Trading", ACCOUNT_NUMBER]
    assert exports[GD_MANAGER][1][11:] == ["中国工商银行", "", "Partner One Trading", "•" * 15 + "3445"]


def test_finance_sees_no_link_to_a_page_it_may_not_open(figures, compute, as_user, db):
    statement = _approved(figures, compute, db)
    partner = as_user("p1.admin@test.example")
    partner.post(f"/partner/commissions/{statement.id}/lines/{statement.lines[0].id}/query", {"text": "Which outlets?"})
    finance, manager = as_user(FINANCE), as_user(GD_MANAGER)
    url = f"/commissions/{statement.id}"
    finance_page, manager_page = text(finance.get(url)), text(manager.get(url))
    partner_link = f'href="/partners/{figures["one"].id}"'
    assert partner_link in manager_page and "Open the partner page" in manager_page
    assert partner_link not in finance_page and "Open the partner page" not in finance_page
    assert finance.get(f"/partners/{figures['one'].id}").status_code == 403
    case_link = 'href="/cases/'
    assert case_link in manager_page and case_link not in finance_page and "Queried" in finance_page


def test_a_correction_is_only_for_a_month_of_the_partnership_and_a_product_line_that_exists(figures, as_user, db):
    first = add_months(EARLY, -9)  # the fixture's agreement starts then
    manager = as_user(GD_MANAGER)
    before = manager.post("/commissions/adjustments",
                          adjustment_form(figures, month=add_months(first, -1).isoformat()[:7]))
    assert before.status_code == 400
    assert f"The first month of Partner One Trading is {first.isoformat()[:7]}: enter a month from then up to the current " \
           "one." in text(before)
    for value in ("mobile", "12abc", "99999999999"):
        wrong = manager.post("/commissions/adjustments", adjustment_form(figures, product_line_id=value))
        assert wrong.status_code == 400 and "Choose a product line, or none." in text(wrong), value
    assert db.session.scalar(sa.select(sa.func.count(CommissionAdjustment.id))) == 0
    done = manager.post("/commissions/adjustments", adjustment_form(figures, month=first.isoformat()[:7]))
    assert done.status_code == 302
    assert db.session.scalar(sa.select(CommissionAdjustment.month)) == first


def test_a_link_may_choose_the_month_and_partner_to_compute(figures, as_user):
    """The termination page links each month not computed yet to the compute form, filled in."""
    manager = as_user(GD_MANAGER)
    page = text(manager.get(f"/commissions/?compute={EARLY.isoformat()[:7]}&partner={figures['one'].id}"))
    assert f'id="month" name="month" placeholder="YYYY-MM" required type="text" value="{EARLY.isoformat()[:7]}"' in page
    assert f'<option selected value="{figures["one"].id}">Partner One Trading</option>' in page
    page = text(manager.get("/commissions/?compute=garbage&partner=x"))  # ignored: last month, all partners
    assert f'required type="text" value="{LATE.isoformat()[:7]}"' in page
    assert '<option selected value="">All my partners</option>' in page
