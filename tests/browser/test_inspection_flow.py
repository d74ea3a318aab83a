"""An inspection in a real browser: the Guangdong manager inspects Partner One's Futian store
and fails one item → the partner's admin reads the rectification order and answers it with a
photo → the manager re-inspects the item, which passes, and the order shows closed on both sides.
Then the partner's admin reads its released commission statement for last month (base × rate =
amount, how it was paid), queries one line, and the manager finds the query as a conflict case.

Each step's pages are checked with axe (WCAG 2 A and AA); screenshots go to
/tmp/portal-screens/inspection-*.png (PORTAL_SCREENSHOTS chooses the folder).
"""
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from babel.dates import format_date, format_skeleton

from portal.core.i18n import add_months, business_today, month_start

pytestmark = pytest.mark.browser

MANAGER = "gd.manager@test.example"
PARTNER = "p1.admin@test.example"


def png(colour, size=(320, 240)):
    """A small photo of one colour, as PNG bytes."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def outlet_and_checklist(people, partners, reference_data, db):
    from portal.inspections import services
    from portal.partners.models import Outlet

    db.session.add(Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                          city_id=reference_data["GD-SZ"].id, kind="store"))
    manager = people["manager"]
    manager.name = "Wang Fang"
    checklist = services.create_checklist({"name_zh": "网点标准", "name_en": "Outlet standard"}, manager)
    for zh, en, top, passing in (("宣传品摆放", "Publicity materials displayed", 10, 6),
                                 ("明码标价", "Prices shown", 10, 6),
                                 ("服务规范", "Service standard", 20, 12)):
        services.add_item(checklist, {"text_zh": zh, "text_en": en, "max_score": top, "pass_score": passing},
                          manager)
    db.session.commit()


def settle_last_month(people, partners, reference_data, make_agreement, outlet):
    """Partner One's statement for the last ended month, released, made through the services as
    the pages would: an agreement in force (mobile 3.35 %, broadband 5 %), the outlet's PSI report
    (mobile 12,030.00; broadband 8,888.88 with 1,234.57 returned), a current bank account; the
    manager computes and approves, finance releases with the transfer's reference. Lines:
    mobile 403.01 and broadband 444.44 commission, broadband −61.73 clawed back: 785.72."""
    from portal.accounts.models import User
    from portal.commissions import services
    from portal.core.audit import acting_as
    from portal.core.models import utcnow
    from portal.extensions import db
    from portal.finance.models import BankAccount
    from portal.negotiation.models import TermLine
    from portal.results import psi
    from portal.results.values import month_value

    one, manager, finance = partners["one"], people["manager"], people["finance"]
    admin = db.session.scalar(sa.select(User).where(User.email == PARTNER))
    month = add_months(month_start(business_today()), -1)
    agreement = make_agreement(one.prospect, status="countersigned", partner=one, pdf=b"%PDF-1.4\n%%EOF\n")
    agreement.start_date, agreement.end_date = add_months(month, -6), None
    for line, rate in ((reference_data["mobile"], "3.3500"), (reference_data["broadband"], "5.0000")):
        agreement.term_sheet.lines.append(TermLine(product_line_id=line.id, commission_rate=Decimal(rate),
                                                   monthly_target=Decimal("100000.00")))
    db.session.add(BankAccount(partner_id=one.id, account_name=one.name, bank_name="中国工商银行",
                               account_number="6222020200112233445", current=True, approved_by_id=manager.id,
                               approved_at=utcnow()))
    db.session.commit()
    with acting_as(admin):
        for line, sales, returns in (("mobile", "12030.00", "0"), ("broadband", "8888.88", "1234.57")):
            psi.submit_report(one, outlet.id, reference_data[line].id, month_value(month),
                              {"purchases": "1", "sales": "1", "sales_amount": sales, "returns_amount": returns,
                               "closing_inventory": "0"}, admin)
    db.session.commit()
    with acting_as(manager):
        statement = services.compute_statement(one, month, manager)
        services.approve(statement, manager)
    db.session.commit()
    with acting_as(finance):
        services.release(statement, finance, "ICBC-TRANSFER-7781")
    db.session.commit()
    return statement


@pytest.fixture
def released_statement(outlet_and_checklist, people, partners, reference_data, make_agreement, db):
    from portal.partners.models import Outlet

    outlet = db.session.scalar(sa.select(Outlet).where(Outlet.name == "Futian Store"))
    statement = settle_last_month(people, partners, reference_data, make_agreement, outlet)
    return {"id": statement.id, "number": statement.number, "month": statement.month,
            "paid_on": statement.paid_on}


def cells(row):
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def open_menu(page, menu, item):
    nav = page.locator("#main-nav")
    nav.locator("a.dropdown-toggle", has_text=menu).first.click()
    click_and_wait(page, nav.locator(".dropdown-menu.show").get_by_role("link", name=item))


def flash(page, text):
    return page.locator("[role=status], [role=alert]").filter(has_text=text)


def no_axe_violations(page, axe, name):
    results = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa"]})
    assert not results.violations_count, f"{name}: {results.generate_report()}"


def item_fieldset(form, text):
    return form.locator("fieldset", has=form.page.locator("legend", has_text=text))


def test_manager_inspects_partner_answers_with_a_photo_and_the_manager_closes_the_order(
        outlet_and_checklist, released_statement, new_context, sign_in, screens, db):
    axe = Axe()
    today = business_today()
    dialogs = []

    def new_page(email):
        page = new_context().new_page()

        def accept(dialog):  # the data-confirm of a final step: read it, then accept
            dialogs.append(dialog.message)
            dialog.accept()

        page.on("dialog", accept)
        return sign_in(page, email)

    # ---- the manager records the visit: publicity fails ------------------------------------------------
    vendor = new_page(MANAGER)
    open_menu(vendor, "Partners", "Inspections")
    assert vendor.locator("h1").inner_text() == "Inspections"
    assert "No inspection yet." in vendor.locator("main").inner_text()
    click_and_wait(vendor, vendor.locator("main").get_by_role("link", name="Record an inspection").first)
    assert "Step 1 of 2" in vendor.locator("main").inner_text()
    vendor.get_by_label("Outlet").select_option(label="Futian Store · Shenzhen")
    vendor.get_by_label("Checklist").select_option(label="Outlet standard")
    click_and_wait(vendor, vendor.get_by_role("button", name="Continue"))

    form = vendor.locator("main form[method=post]")
    assert "Partner One Trading" in vendor.locator("#visit").inner_text()
    assert form.get_by_label("Kind of visit").input_value() == "planned"
    assert form.get_by_label("Date of the visit").input_value() == today.isoformat()
    publicity = item_fieldset(form, "Publicity materials displayed")
    publicity.get_by_label("Score, from 0 to 10 (passes from 6)").fill("3")
    publicity.get_by_label("What you saw (optional)").fill("No posters at the entrance.")
    item_fieldset(form, "Prices shown").get_by_label("Score, from 0 to 10 (passes from 6)").fill("9")
    item_fieldset(form, "Service standard").get_by_label("Score, from 0 to 20 (passes from 12)").fill("18")
    form.get_by_label("General notes (optional)").fill("Visited on a busy Saturday morning.")
    form.get_by_label("Photos (optional)").set_input_files([{"name": "entrance.png", "mimeType": "image/png",
                                                             "buffer": png((200, 60, 40))}])
    no_axe_violations(vendor, axe, "inspection form")
    screens(vendor, "inspection-01-manager-scores")
    click_and_wait(vendor, form.get_by_role("button", name="Record the inspection"))

    heading = vendor.locator("h1").inner_text()
    match = re.fullmatch(r"Inspection (IN-\d{4}-\d{4})", heading)
    assert match, vendor.locator("main").inner_text()
    inspection_number = match.group(1)
    assert flash(vendor, f"Inspection {inspection_number} is recorded: 30 of 40 points. Rectification orders "
                         "opened: 1").count() == 1
    failed = vendor.locator("#scores tbody tr", has_text="Publicity materials displayed")
    assert "3 / 10" in failed.inner_text() and "Failed" in failed.inner_text()
    order_number = re.search(r"RO-\d{4}-\d{4}", failed.inner_text()).group(0)
    assert "Awaiting the partner's answer" in failed.inner_text()
    for passed in ("Prices shown", "Service standard"):
        assert "Passed" in vendor.locator("#scores tbody tr", has_text=passed).inner_text()
    assert vendor.locator("#photos img[alt='Photo 1: entrance.png']").count() == 1
    no_axe_violations(vendor, axe, "inspection page")
    screens(vendor, "inspection-02-manager-recorded")

    # ---- the partner reads the order and answers it with a photo ------------------------------------------
    partner = new_page(PARTNER)
    click_and_wait(partner, partner.locator("#main-nav a[href='/notifications/']"))
    assert (f"Your outlet Futian Store was inspected on " in partner.locator("main").inner_text()
            and f"({inspection_number}): 30 of 40 points. Rectification orders to answer: 1, by"
            in partner.locator("main").inner_text())
    open_menu(partner, "Organisation", "Inspections")
    assert partner.locator("h1").inner_text() == "Inspections of your outlets"
    row = partner.locator("main tbody tr", has_text=inspection_number)
    assert "Futian Store" in row.inner_text() and "30 / 40 (75%)" in row.inner_text()
    assert "Wang Fang" in row.inner_text()  # a planned visit names its inspector
    waiting = flash(partner, "1 rectification order awaits your answer.")
    assert waiting.count() == 1
    click_and_wait(partner, waiting.get_by_role("link", name="Answer them"))
    row = partner.locator("main tbody tr", has_text=order_number)
    assert "Publicity materials displayed" in row.inner_text() and "Awaiting the partner's answer" in row.inner_text()
    screens(partner, "inspection-03-partner-orders")
    click_and_wait(partner, row.get_by_role("link", name=order_number))
    assert partner.locator("h1").inner_text() == f"Rectification order {order_number}"
    required = partner.locator("section[aria-labelledby=action-title]").inner_text()
    assert "Publicity materials displayed" in required and "No posters at the entrance." in required
    answer = partner.locator("#answer-form")
    answer.get_by_label("What you did to put it right").fill("Two new 5G posters are up at the entrance.")
    answer.get_by_label("Photos (optional)").set_input_files([{"name": "posters.png", "mimeType": "image/png",
                                                               "buffer": png((40, 120, 200))}])
    no_axe_violations(partner, axe, "partner's order")
    screens(partner, "inspection-04-partner-answers")
    click_and_wait(partner, answer.get_by_role("button", name="Send the answer"))
    assert dialogs[-1] == "Send your answer? You cannot change it afterwards."
    assert flash(partner, f"Your answer to order {order_number} is sent.").count() == 1
    assert partner.locator("main [data-status]").first.inner_text() == "Answered: awaiting re-inspection"
    assert "Two new 5G posters are up at the entrance." in partner.locator("[data-answer]").inner_text()
    photo = partner.locator("#order-answer img[alt='Photo 1: posters.png']")
    assert photo.count() == 1
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 320  # the photo loads
    assert partner.locator("#answer-form").count() == 0
    screens(partner, "inspection-05-partner-answered")

    # ---- the manager is told, re-inspects the item, and it passes -------------------------------------------
    click_and_wait(vendor, vendor.locator("#main-nav a[href='/notifications/']"))
    assert (f"Partner One Trading answered rectification order {order_number} (Futian Store): it awaits your "
            "re-inspection.") in vendor.locator("main").inner_text()
    open_menu(vendor, "Partners", "Inspections")
    click_and_wait(vendor, vendor.locator("main .nav-tabs").get_by_role("link", name="Rectification orders"))
    row = vendor.locator("main tbody tr", has_text=order_number)
    assert "Answered: awaiting re-inspection" in row.inner_text() and "Partner One Trading" in row.inner_text()
    click_and_wait(vendor, row.get_by_role("link", name=order_number))
    assert "Two new 5G posters are up at the entrance." in vendor.locator("[data-answer]").inner_text()
    assert vendor.locator("#order-answer img[alt='Photo 1: posters.png']").count() == 1
    reinspection = vendor.locator("#reinspection")
    assert reinspection.get_by_label("Date of the re-inspection").input_value() == today.isoformat()
    reinspection.get_by_label("Score").fill("8")
    reinspection.get_by_label("What you saw (optional)").fill("Both posters in place.")
    reinspection.get_by_label("Note on the decision (optional)").fill("Thank you for the quick fix.")
    no_axe_violations(vendor, axe, "manager's order")
    screens(vendor, "inspection-06-manager-reinspects")
    click_and_wait(vendor, reinspection.get_by_role("button", name="Record the re-inspection"))
    assert flash(vendor, f"The re-inspection passed: order {order_number} is closed.").count() == 1
    assert vendor.locator("main [data-status]").first.inner_text() == "Closed"
    decision = vendor.locator("#decision").inner_text()
    assert "Closed on" in decision and "Thank you for the quick fix." in decision and "8 / 10" in decision
    assert vendor.locator("#reinspection").count() == 0 and vendor.locator("#escalation").count() == 0
    screens(vendor, "inspection-07-manager-closed")

    # ---- the partner sees the order closed ---------------------------------------------------------------
    partner.reload()
    assert partner.locator("main [data-status]").first.inner_text() == "Closed"
    assert "This order is closed: the re-inspection passed." in partner.locator("main").inner_text()
    assert "Thank you for the quick fix." in partner.locator("#decision").inner_text()
    open_menu(partner, "Organisation", "Inspections")
    assert partner.locator(".alert", has_text="awaits your answer").count() == 0
    screens(partner, "inspection-08-partner-closed")

    # ---- the partner reads last month's commission statement and queries a line ---------------------------
    number, month = released_statement["number"], format_skeleton("yMMMM", released_statement["month"], locale="en")
    paid_on = format_date(released_statement["paid_on"], "medium", locale="en")
    open_menu(partner, "Organisation", "Commission statements")
    assert partner.locator("h1").inner_text() == "Commission statements"
    assert cells(partner.locator("main tbody tr", has_text=number)) == [month, number, "Released", "¥785.72", paid_on]
    click_and_wait(partner, partner.locator("main tbody").get_by_role("link", name=number))
    assert partner.locator("h1").inner_text() == f"Commission statement {number}"
    assert partner.locator("[data-total]").inner_text() == "¥785.72"
    paid = partner.locator("section[aria-labelledby=paid-title] dl")
    assert paid.locator("dd").all_inner_texts() == [paid_on, "ICBC-TRANSFER-7781", "中国工商银行 •••••••••••••••3445"]
    sales = partner.locator("section[aria-labelledby=kind-sales] tbody tr")
    assert [cells(row)[:4] for row in sales.all()] == [
        [f"Mobile plans\n{month}", "¥12,030.00", "3.35%", "¥403.01"],
        [f"Broadband\n{month}", "¥8,888.88", "5%", "¥444.44"]]
    assert f"3.35% commission on ¥12,030.00 of Mobile plans sold in {month}." in cells(sales.first)[4]
    clawback = partner.locator("section[aria-labelledby=kind-returns]")
    returned = clawback.locator("tbody tr")
    assert cells(returned)[:4] == [f"Broadband\n{month}", "¥1,234.57", "5%", "-¥61.73"]
    assert clawback.locator("tfoot").inner_text().split() == ["Subtotal", "-¥61.73"]
    no_axe_violations(partner, axe, "partner's statement")
    screens(partner, "inspection-09-partner-statement-desktop")
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, PARTNER).goto(partner.url)
    screens(phone, "inspection-10-partner-statement-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll inside their box
    why = phone.locator("section[aria-labelledby=kind-returns] tbody td").last
    assert why.bounding_box()["width"] >= 250  # the explanation keeps a readable width

    returned.locator("summary", has_text="Raise a query on this line").click()
    returned.get_by_label("Your question about this line").fill("We had no broadband returns of that size in Futian.")
    click_and_wait(partner, returned.get_by_role("button", name="Send the query"))
    sent = flash(partner, "Your query is sent as case ")
    assert sent.count() == 1
    case_number = re.search(r"CC-\d{4}-\d{4}", sent.inner_text()).group(0)
    assert sent.inner_text().strip().endswith(f"Your query is sent as case {case_number}: your channel manager answers "
                                              "it there.")
    assert f"Queried case {case_number} (Open)" in returned.inner_text()
    assert returned.locator("summary").count() == 0  # one query per line at a time
    assert "Raise a query on this line" in sales.first.inner_text()
    screens(partner, "inspection-11-partner-queried")

    # ---- the manager is told and opens the case --------------------------------------------------------
    click_and_wait(vendor, vendor.locator("#main-nav a[href='/notifications/']"))
    assert (f"Case {case_number} opened: Query on commission statement {number}, line 3"
            in vendor.locator("main").inner_text())
    open_menu(vendor, "Partners", "Conflict cases")
    row = vendor.locator("main tbody tr", has_text=case_number)
    assert "Query on a commission statement" in row.inner_text() and "Partner One Trading" in row.inner_text()
    assert "Open" in row.inner_text()
    click_and_wait(vendor, row.get_by_role("link", name=case_number))
    title = vendor.locator("h1").inner_text()
    assert title.startswith(f"{case_number} · Query on commission statement {number}, line 3")
    main = vendor.locator("main").inner_text()
    assert "We had no broadband returns of that size in Futian." in main
    assert f"Statement {number} ({released_statement['month']:%Y-%m}), line 3: Returned sales clawed back, -¥61.73." \
        in main
    screens(vendor, "inspection-12-manager-case")
