"""Two partners register the same end customer, written differently, in a real browser: the
first is approved, the second is held and a conflict case opens by itself; the manager
investigates and rules for the first partner; the second partner reads the ruling — and never
learns who the other partner is, nor its registration's number or value.

Partner One (Shenzhen) registers 深圳华通电子有限公司; Partner Three (Guangzhou, same province
and channel manager) registers the same Shenzhen company as 深圳　华通电子 有限责任公司 (an
ideographic space, a space and another legal form) with only a phone: the matcher's "same name
in the same city". Screenshots of each step go to /tmp/portal-screens/conflict-*.png.
"""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser

MANAGER = "gd.manager@test.example"
A_ADMIN = "p1.admin@test.example"
B_ADMIN = "p3.admin@test.example"
A_PARTNER = "Partner One Trading"
B_PARTNER = "Partner Three Mobile"
A_CUSTOMER = "深圳华通电子有限公司"
B_CUSTOMER = "深圳　华通电子 有限责任公司"
A_PHONE, B_PHONE = "0755-8888 6666", "13923456789"
A_VALUE, B_VALUE = "880000", "650000.50"
# Written as the ruling form asks for a case opened automatically: without naming the other partner.
DECISION = ("Another partner registered this customer first and its registration was approved and protected. "
            "The customer stays with that partner; your registration is closed.")


def valid_credit_code(first17="91440300MA5GHT001"):
    from portal.core.validators import credit_code_check_char

    return first17 + credit_code_check_char(first17)


A_CODE = valid_credit_code()


@pytest.fixture
def partner_three(people, partners, make_user, make_prospect, reference_data, db):
    """A third signed partner, in Guangzhou, under the Guangdong manager (as Partner One), with
    its admin p3.admin."""
    from portal.partners.models import Partner

    t = reference_data["GD-GZ"]
    prospect = make_prospect(B_PARTNER, "GD-GZ", owner=people["manager"], stage="signed",
                             credit_code="91440101MA5CXW1X28")
    three = Partner(name=B_PARTNER, credit_code="91440101MA5CXW1X28", prospect_id=prospect.id, province_id=t.parent_id,
                    city_id=t.id, channel_type_id=reference_data["social"].id, manager_id=people["manager"].id,
                    status="active")
    three.territories = [t]
    db.session.add(three)
    db.session.commit()
    user = make_user(B_ADMIN, "partner_admin", name="Chen Jie")
    user.partner_id = three.id
    db.session.commit()
    return three


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def open_menu(page, menu, item):
    """Open a menu of the top navigation and follow one of its entries, as a person would."""
    nav = page.locator("#main-nav")
    nav.get_by_role("button", name=menu).or_(nav.locator("a.dropdown-toggle", has_text=menu)).first.click()
    click_and_wait(page, nav.locator(".dropdown-menu.show").get_by_role("link", name=item))


def flash(page, text):
    return page.locator("[role=status], [role=alert]").filter(has_text=text)


def register_deal(page, customer, city, value, close_on, phone=None, credit_code=None, description=None):
    open_menu(page, "My business", "Deal registrations")
    assert page.locator("h1").inner_text() == "Deal registrations"
    click_and_wait(page, page.get_by_role("link", name="Register a deal").first)
    form = page.locator("main form")
    form.get_by_label("Customer's name").fill(customer)
    if credit_code:
        form.get_by_label("Unified social credit code").fill(credit_code)
    if phone:
        form.get_by_label("Customer's phone").fill(phone)
    form.get_by_label("Customer's city").select_option(label=city)
    form.get_by_label("Product line").select_option(label="Mobile plans")
    form.get_by_label("Expected value (CNY)").fill(value)
    form.get_by_label("Expected close date").fill(close_on.isoformat())
    if description:
        form.get_by_label("What the customer needs").fill(description)
    return form


def deal_number(page):
    heading = page.locator("h1").inner_text()
    match = re.fullmatch(r"Deal (DR-\d{4}-\d{4})", heading)
    assert match, f"not on a deal page: {page.url}\n{page.locator('main').inner_text()}"
    return match.group(1)


def assert_nothing_of_a(page, a_number, where):
    """What partner B must never read about partner A's claim."""
    text = page.locator("body").inner_text()
    html = page.content()
    secrets = (A_PARTNER, "Partner One", a_number, A_CUSTOMER, A_CODE, "880,000", "880000", "88886666", "8888 6666")
    for secret in secrets:
        assert secret not in text and secret not in html, f"{where}: partner B can read {secret!r} on {page.url}"


def test_second_registration_of_a_customer_is_held_and_ruled_for_the_first_partner(
        partner_three, partners, people, new_context, sign_in, screens, db):
    from portal.conflicts.models import ConflictCase
    from portal.core.i18n import business_today
    from portal.deals.models import DealRegistration

    close_on = business_today() + timedelta(days=60)
    dialogs = []

    def new_page(email):
        page = new_context().new_page()

        def answer(dialog):  # the data-confirm of irreversible actions: read it, then accept
            dialogs.append(dialog.message)
            dialog.accept()

        page.on("dialog", answer)
        return sign_in(page, email)

    # ---- partner A registers the customer first ----------------------------------------------------
    a = new_page(A_ADMIN)
    form = register_deal(a, A_CUSTOMER, "Shenzhen", A_VALUE, close_on, phone=A_PHONE, credit_code=A_CODE,
                         description="Mobile plans for 120 staff of the Futian factory.")
    screens(a, "conflict-01-partner-a-registers")
    click_and_wait(a, form.get_by_role("button", name="Register the deal"))
    a_number = deal_number(a)
    assert flash(a, f"Deal {a_number} is registered. Your channel manager will approve it.").count() == 1
    assert a.locator("main [data-status=submitted]").inner_text() == "Awaiting approval"
    assert "Awaiting your channel manager's approval." in a.locator("main").inner_text()

    # ---- the manager approves it from the queue -----------------------------------------------------
    vendor = new_page(MANAGER)
    open_menu(vendor, "Partners", "Deal registrations")
    row = vendor.locator("main tbody tr", has_text=a_number)
    assert A_PARTNER in row.inner_text() and A_CUSTOMER in row.inner_text()
    click_and_wait(vendor, row.get_by_role("link", name=a_number))
    assert "No other partner has a registration of this customer that still counts." in \
        vendor.locator("main").inner_text()
    click_and_wait(vendor, vendor.get_by_role("button", name="Approve and protect"))
    assert vendor.locator("h1").inner_text() == f"Deal {a_number}"
    assert vendor.locator("main [data-status=approved]").count() >= 1
    screens(vendor, "conflict-02-manager-approved-a")

    a.reload()
    assert a.locator("main [data-status=approved]").count() == 1
    assert "Approved: no other partner can claim this customer until" in a.locator("main").inner_text()

    # ---- partner B registers the same customer, written differently: held --------------------------
    b = new_page(B_ADMIN)
    form = register_deal(b, B_CUSTOMER, "Shenzhen", B_VALUE, close_on, phone=B_PHONE,
                         description="Broadband and mobile plans for the new Futian office.")
    screens(b, "conflict-03-partner-b-registers")
    click_and_wait(b, form.get_by_role("button", name="Register the deal"))
    b_number = deal_number(b)
    assert b_number != a_number
    assert flash(b, f"Deal {b_number} is registered and on hold: this customer is already registered by another "
                    "partner.").count() == 1
    assert b.locator("main [data-status=held]").count() == 1
    # The page's own notice (besides the flash message): only that the customer is already registered.
    held = b.locator("main .alert-warning", has=b.get_by_text("This customer is already registered by another partner.",
                                                                exact=True))
    assert held.count() == 1
    details = b.locator("main dl").inner_text()
    assert B_CUSTOMER in details and "¥650,000.50" in details
    screens(b, "conflict-04-partner-b-held")
    assert_nothing_of_a(b, a_number, "B's registration")

    db.session.expire_all()
    case = db.session.scalar(sa.select(ConflictCase).where(ConflictCase.origin == "deal_match"))
    assert case is not None, "no conflict case was opened for the held registration"
    case_number = case.number
    link = held.get_by_role("link", name=f"Open the case {case_number}")
    assert link.count() == 1

    # ... nor on B's list of registrations, its case, its cases and its notifications.
    open_menu(b, "My business", "Deal registrations")
    assert b.locator("main tbody tr").count() == 1 and b_number in b.locator("main tbody").inner_text()
    assert_nothing_of_a(b, a_number, "B's deal list")
    b.go_back()
    click_and_wait(b, b.locator("main").get_by_role("link", name=f"Open the case {case_number}"))
    assert b.locator("h1").inner_text() == f"{case_number} · Deal registration {b_number}: {B_CUSTOMER}"
    assert "Another partner (Involved)" in b.locator("#parties").inner_text()
    assert_nothing_of_a(b, a_number, "B's case while open")
    screens(b, "conflict-05-partner-b-case-open")
    click_and_wait(b, b.locator("#main-nav a[href='/notifications/']"))
    assert b_number in b.locator("main").inner_text()
    assert_nothing_of_a(b, a_number, "B's notifications")

    # ---- the manager finds the case opened by itself, and investigates --------------------------------
    open_menu(vendor, "Partners", "Conflict cases")
    row = vendor.locator("main tbody tr", has_text=case_number)
    assert row.count() == 1
    row_text = row.inner_text()
    assert B_CUSTOMER in row_text and A_PARTNER in row_text and B_PARTNER in row_text and "Open" in row_text
    screens(vendor, "conflict-06-manager-cases")
    click_and_wait(vendor, row.get_by_role("link", name=case_number))
    assert vendor.locator("h1").inner_text().startswith(case_number)
    registrations = vendor.locator("section[aria-labelledby=registrations-title] tbody")
    for text in (a_number, b_number, A_PARTNER, B_PARTNER, A_CUSTOMER, B_CUSTOMER, "¥880,000.00", "¥650,000.50"):
        assert text in registrations.inner_text(), text
    assert "same name in the same city" in vendor.locator("#conversation").inner_text()
    with pytest.raises(AssertionError):  # the check that guards B's pages does see A on the manager's
        assert_nothing_of_a(vendor, a_number, "the manager's case")
    # No ruling before an investigation: the page says so and offers no ruling button.
    assert vendor.get_by_role("link", name="Record the ruling").count() == 0
    assert "Move the case to investigation before ruling on it." in vendor.locator("#workflow").inner_text()

    workflow = vendor.locator("#workflow form[action$='/status']")
    workflow.get_by_label("Move to").select_option(label="Investigating")
    workflow.get_by_label("Note (optional)").fill("Both registrations name the same Futian company.")
    click_and_wait(vendor, workflow.get_by_role("button", name="Move the case"))
    assert dialogs[-1] == "Move the case to the next status? A case never goes back."
    assert flash(vendor, f"Case {case_number} is now “Investigating”.").count() == 1
    assert "Status\nInvestigating" in vendor.locator("#facts-title + dl").inner_text()
    assert "Both registrations name the same Futian company." in vendor.locator("#history").inner_text()

    # ---- and rules for partner A: the deal stays with it -----------------------------------------------
    click_and_wait(vendor, vendor.get_by_role("link", name="Record the ruling"))
    assert vendor.locator("h1").inner_text() == f"Ruling on case {case_number}"
    ruling = vendor.locator("main form")
    ruling.get_by_label("Decision and reasons").fill(DECISION)
    ruling.get_by_label("Action", exact=True).select_option(label="Deal reassigned to another partner")
    ruling.get_by_label("In favour of", exact=True).select_option(label=A_PARTNER)
    screens(vendor, "conflict-07-manager-ruling-form")
    click_and_wait(vendor, ruling.get_by_role("button", name="Record the ruling"))
    assert dialogs[-1].startswith("Record this ruling? It is final")
    assert flash(vendor, f"Case {case_number} is ruled. Everyone involved has been told.").count() == 1
    section = vendor.locator("#ruling")
    assert "Deal reassigned to another partner" in section.inner_text()
    assert f"In favour of: {A_PARTNER}" in section.inner_text()
    db.session.expire_all()  # the live server wrote them
    statuses = {r.number: r.status for r in db.session.scalars(sa.select(DealRegistration))}
    assert statuses == {a_number: "approved", b_number: "rejected"}
    screens(vendor, "conflict-08-manager-ruled")

    # ---- partner B signs in afresh and reads the ruling on its case -------------------------------------
    b.context.close()
    b = new_page(B_ADMIN)
    click_and_wait(b, b.locator("#main-nav a[href='/notifications/']"))
    assert f"Case {case_number} has been ruled: {b_number} · {B_CUSTOMER}." in b.locator("main").inner_text()
    assert_nothing_of_a(b, a_number, "B's notifications after the ruling")
    open_menu(b, "My business", "Cases and complaints")
    row = b.locator("main tbody tr", has_text=case_number)
    assert row.count() == 1 and "Ruled" in row.inner_text(), b.locator("main").inner_text()
    assert_nothing_of_a(b, a_number, "B's cases")
    click_and_wait(b, row.get_by_role("link", name=case_number))
    section = b.locator("#ruling")
    assert section.count() == 1, b.locator("main").inner_text()
    ruling_text = section.inner_text()
    assert "Deal reassigned to another partner" in ruling_text
    assert "In favour of: Another partner" in ruling_text
    assert DECISION in " ".join(ruling_text.split())
    assert "Rejected" in b.locator("section[aria-labelledby=registration-title]").inner_text()
    assert "answers are no longer taken" in b.locator("#conversation").inner_text()
    assert_nothing_of_a(b, a_number, "B's ruled case")
    screens(b, "conflict-09-partner-b-reads-ruling")

    # Its registration is closed, with the ruling as the reason.
    open_menu(b, "My business", "Deal registrations")
    click_and_wait(b, b.locator("main tbody").get_by_role("link", name=b_number))
    assert b.locator("main [data-status=rejected]").count() == 1
    assert f"Decided by the ruling on case {case_number}." in b.locator("main").inner_text()
    assert_nothing_of_a(b, a_number, "B's rejected registration")

    # Partner A keeps its protected customer and sees the ruling in its favour, without B's name.
    a.goto("/partner/cases/")
    click_and_wait(a, a.locator("main tbody tr", has_text=case_number).get_by_role("link", name=case_number))
    a_ruling = a.locator("#ruling").inner_text()
    assert f"In favour of: {A_PARTNER}" in a_ruling
    assert B_PARTNER not in a.locator("body").inner_text() and b_number not in a.locator("body").inner_text()
    assert urlsplit(a.url).path == f"/partner/cases/{case.id}"
