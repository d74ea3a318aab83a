"""From the first offer to a signed partner, in a real browser: two rounds of offer and
counter-offer, the agreement generated, signed by the prospect, countersigned by the manager;
then the new partner admin downloads the signed PDF and invites a staff member.

Screenshots of each step go to /tmp/portal-screens/agreement-*.png (see conftest.py).
"""
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

from portal.extensions import mail
from tests.browser.conftest import SCREENS

pytestmark = pytest.mark.browser

COMPANY = "Shenzhen Bright Star Telecom Trading Co., Ltd."
APPLICANT_EMAIL = "wang.fang@brightstar.example.cn"
SIGNER = "Wang Fang"
STAFF_EMAIL = "li.na@brightstar.example.cn"


def valid_credit_code(first17="91440300MA5FXY012"):
    from portal.core.validators import credit_code_check_char

    return first17 + credit_code_check_char(first17)


def fill_terms(page, lines, deposit=None, rent=None, note=None, special=None, **fields):
    """Fill the term sheet form (prefilled from the latest version, or from the application)."""
    form = page.locator("form[action$='/terms/new']")
    for selector, value in fields.items():
        form.locator(f"#{selector}").fill(value)
    for line_id, (rate, target) in lines.items():
        form.locator(f"#rate_{line_id}").fill(rate)
        form.locator(f"#target_{line_id}").fill(target)
    if deposit is not None:
        form.locator("#deposit").fill(deposit)
    if rent is not None:
        form.locator("#rent_subsidy_per_outlet").fill(rent)
    if special is not None:
        form.locator("#special_clauses").fill(special)
    if note is not None:
        form.locator("#note").fill(note)
    return form


def send_version(page, form, number):
    with page.expect_navigation():
        form.get_by_role("button", name=f"Send version {number}").click()
    assert re.search(r"/prospects/\d+/terms$", urlsplit(page.url).path), page.locator("main").inner_text()
    assert page.get_by_role("status").filter(has_text=f"Version {number} is sent").count() == 1
    assert page.locator("h2#version-title").inner_text().startswith(f"Version {number}")


def changes_table(page):
    """The "What changed" rows as {term: (change, before, after)}."""
    rows = page.locator("#changes tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
        out[cells[0]] = tuple(cells[1:])
    return out


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def test_two_rounds_of_terms_then_signed_partner_downloads_pdf_and_invites_staff(
        new_context, make_user, make_prospect, reference_data, sign_in, screens, tmp_path, db):
    from portal.agreements.services import ensure_default_templates

    manager = make_user("gd.manager@test.example", "manager", [reference_data["GD"]], name="Zhou Manager")
    applicant = make_user(APPLICANT_EMAIL, "applicant", name=SIGNER)
    prospect = make_prospect(COMPANY, "GD-SZ", owner=manager, applicant=applicant, stage="negotiating",
                             credit_code=valid_credit_code(), legal_representative="Wang Jianguo",
                             contact_name=SIGNER, email=APPLICANT_EMAIL, mobile="13812345678",
                             channel_type_id=reference_data["social"].id)
    ensure_default_templates()
    db.session.commit()
    mobile, broadband = reference_data["mobile"].id, reference_data["broadband"].id
    shenzhen = reference_data["GD-SZ"].id

    # ---- round 1: the manager offers version 1 -------------------------------------------------
    vendor = new_context().new_page()
    vendor.on("dialog", lambda dialog: dialog.accept())  # data-confirm on irreversible actions
    sign_in(vendor, manager.email)
    vendor.goto(f"/pipeline/prospects/{prospect.id}")
    click_and_wait(vendor, vendor.locator("#terms").get_by_role("link", name="Open the negotiation"))
    click_and_wait(vendor, vendor.get_by_role("link", name="Propose terms"))
    form = vendor.locator("form[action$='/terms/new']")
    assert form.locator(f"#territory-{shenzhen}").is_checked()  # prefilled from the application
    form.locator("#exclusive").check()
    form.locator("#tier_id").select_option(label="Gold")
    fill_terms(vendor, {mobile: ("3.35", "50,000.00")}, deposit="20000.10", rent="1500", start_date="2026-07-01",
               end_date="2028-06-30", payment_terms="Commissions paid monthly by the 15th.",
               note="Our standard offer for Futian and Nanshan.")
    screens(vendor, "agreement-01-manager-offer-v1")
    send_version(vendor, form, 1)
    version = vendor.locator("#version")
    assert "3.35%" in version.inner_text() and "20,000.10" in version.inner_text()

    # ---- the applicant counters with version 2 -------------------------------------------------
    prospect_context = new_context()
    buyer = prospect_context.new_page()
    buyer.on("dialog", lambda dialog: dialog.accept())
    sign_in(buyer, APPLICANT_EMAIL)
    buyer.goto("/my-application")
    click_and_wait(buyer, buyer.locator("#terms").get_by_role("link", name="Open the negotiation"))
    assert "Version 1 is waiting for your answer" in buyer.locator("#next-title + p").inner_text()
    assert buyer.get_by_role("button", name="Accept version 1").count() == 1
    screens(buyer, "agreement-02-applicant-sees-v1")
    click_and_wait(buyer, buyer.get_by_role("link", name="Send a counter-offer"))
    form = fill_terms(buyer, {mobile: ("3.80", "50000.00")}, deposit="10000.00",
                      note="We ask 3.80% and a lower deposit: our shops are new.")
    assert form.locator("#deposit").input_value() == "10000.00"
    send_version(buyer, form, 2)
    assert "Version 2 is waiting for the other side" in buyer.locator("#next-title + p").inner_text()

    # ---- round 2: the manager sees what changed and offers version 3 --------------------------
    vendor.reload()
    changes = changes_table(vendor)
    assert changes["Commission rate: Mobile plans"] == ("Changed", "3.35%", "3.80%"), changes
    assert changes["Credit deposit"] == ("Changed", "¥20,000.10", "¥10,000.00"), changes
    screens(vendor, "agreement-03-manager-sees-what-changed")
    click_and_wait(vendor, vendor.get_by_role("link", name="Propose a new version"))
    form = fill_terms(vendor, {mobile: ("3.35", "50000.00"), broadband: ("1.50", "20000.00")},
                      deposit="20000.10", rent="1800.00", note="Deposit stays; we add broadband at 1.50% and more rent.")
    send_version(vendor, form, 3)

    # ---- the applicant counters with version 4 -------------------------------------------------
    buyer.reload()
    click_and_wait(buyer, buyer.get_by_role("link", name="Send a counter-offer"))
    form = fill_terms(buyer, {}, rent="2000.00", special="Exclusive display stands in all outlets.",
                      note="Agreed, with 2000 rent per outlet and display stands.")
    send_version(buyer, form, 4)

    # The manager compares any two versions: from the first offer to the last counter-offer.
    vendor.reload()
    vendor.locator("#compare-from").select_option("1")
    vendor.locator("#compare-to").select_option("4")
    click_and_wait(vendor, vendor.locator("#changes").get_by_role("button", name="Compare"))
    assert vendor.locator("#changes caption").inner_text() == "From version 1 to version 4"
    changes = changes_table(vendor)
    assert changes["Rent subsidy per outlet"] == ("Changed", "¥1,500.00", "¥2,000.00"), changes
    assert changes["Product line: Broadband"][0] == "Added", changes
    assert "Commission rate: Mobile plans" not in changes and "Credit deposit" not in changes, changes
    screens(vendor, "agreement-04-manager-compares-v1-v4")

    # The manager (who did not write version 4) accepts it; the applicant cannot lock it yet ...
    assert buyer.get_by_role("button", name=re.compile("Accept version")).count() == 0  # not one's own version
    click_and_wait(vendor, vendor.get_by_role("button", name="Accept version 4"))
    assert vendor.get_by_role("status").filter(has_text="You accepted version 4").count() == 1
    # ... then the applicant, who wrote it, confirms and locks it.
    buyer.reload()
    assert "The other side accepted version 4" in buyer.locator("#next-title + p").inner_text()
    click_and_wait(buyer, buyer.get_by_role("button", name="Confirm and lock version 4"))
    assert buyer.get_by_role("status").filter(has_text="Version 4 is agreed and locked").count() == 1
    timeline = buyer.locator("#timeline").inner_text()
    for event in ("Version 1", "Version 2", "Version 3", "Version 4 accepted", "Version 4 confirmed and locked"):
        assert event in timeline
    screens(buyer, "agreement-05-applicant-locked-v4")

    # ---- the manager generates the agreement --------------------------------------------------
    vendor.goto(f"/pipeline/prospects/{prospect.id}")
    click_and_wait(vendor, vendor.locator("#agreements").get_by_role("link", name="Generate the agreement"))
    assert "Locked terms, version 4" in vendor.locator("main").inner_text()
    vendor.locator("#template_id").select_option(label="Distributor / agent agreement (v1)")
    vendor.locator("#language").select_option("en")
    screens(vendor, "agreement-06-manager-generate")
    click_and_wait(vendor, vendor.get_by_role("button", name="Generate and send for signature"))
    heading = vendor.locator("h1").inner_text()
    assert re.fullmatch(r"Agreement AG-\d{4}-\d{6}", heading), vendor.locator("main").inner_text()
    number = heading.removeprefix("Agreement ")
    assert vendor.get_by_role("status").filter(has_text=f"Agreement {number} generated").count() == 1

    # ---- the applicant reads the PDF inline and signs ----------------------------------------
    buyer.goto("/my-application")
    assert "Agreement sent" in buyer.locator("p.lead .badge").inner_text()
    click_and_wait(buyer, buyer.locator("#agreements").get_by_role("link", name=re.compile("Read and sign")))
    assert buyer.locator("h1").inner_text() == f"Sign agreement {number}"
    frame_src = buyer.locator("iframe").get_attribute("src")
    shown = buyer.request.get(frame_src)
    assert shown.status == 200 and shown.headers["content-type"] == "application/pdf"
    assert shown.body().startswith(b"%PDF")
    buyer.locator("iframe").scroll_into_view_if_needed()
    buyer.wait_for_timeout(500)  # only so that the screenshot shows the rendered PDF
    screens(buyer, "agreement-07-applicant-reads-pdf", full_page=False)
    sign_form = buyer.locator("form[action$='/sign']")
    assert sign_form.locator("#signer_name").input_value() == SIGNER
    sign_form.locator("#signer_title").fill("General Manager")
    sign_form.locator("#authorised").check()
    screens(buyer, "agreement-08-applicant-sign-form", full_page=False)
    click_and_wait(buyer, sign_form.get_by_role("button", name="Sign the agreement"))
    assert buyer.get_by_role("status").filter(has_text=f"You signed agreement {number}").count() == 1
    assert f"{SIGNER}, General Manager" in buyer.locator("#signed-title + dl").inner_text()
    screens(buyer, "agreement-09-applicant-signed")

    # ---- the manager countersigns -----------------------------------------------------------
    vendor.reload()
    click_and_wait(vendor, vendor.get_by_role("link", name="Countersign"))
    assert "The partner signed the current document of this agreement." in vendor.locator("main").inner_text()
    countersign = vendor.locator("form[action$='/countersign']")
    countersign.locator("#signer_title").fill("Channel Manager, Guangdong")
    countersign.locator("#authorised").check()
    click_and_wait(vendor, countersign.get_by_role("button", name="Countersign"))
    assert vendor.get_by_role("status").filter(has_text="signed by both sides and archived").count() == 1
    screens(vendor, "agreement-10-manager-countersigned")

    # ---- the applicant, now the partner admin, signs in afresh -------------------------------
    buyer.goto("/my-application")
    assert urlsplit(buyer.url).path == "/login", "the role change should have ended the applicant's session"
    sign_in(buyer, APPLICANT_EMAIL)
    assert urlsplit(buyer.url).path == "/partner/"
    assert buyer.locator("h1").inner_text() == COMPANY
    assert buyer.locator("[data-total=due]").inner_text() == "¥20,000.10"
    screens(buyer, "agreement-11-partner-home")
    with buyer.expect_download() as download_info:
        buyer.get_by_role("link", name="Download the signed agreement (PDF)").click()
    saved = tmp_path / "signed.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    shutil.copy(saved, SCREENS / "agreement-signed.pdf")  # for a person to look at
    text = subprocess.run(["pdftotext", "-layout", str(saved), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert number in text and SIGNER in text and "Zhou Manager" in text
    assert "3.35" in text and "20,000.10" in text

    # ---- and invites a staff member -------------------------------------------------------------
    click_and_wait(buyer, buyer.get_by_role("link", name="Manage staff"))
    click_and_wait(buyer, buyer.get_by_role("link", name="Invite a staff member").first)
    invite = buyer.locator("main form")
    invite.locator("#email").fill(STAFF_EMAIL)
    invite.locator("#name").fill("Li Na")
    invite.locator("#locale").select_option("en")
    click_and_wait(buyer, invite.get_by_role("button", name="Send the invitation"))
    assert buyer.get_by_role("status").filter(has_text=f"Invitation sent to {STAFF_EMAIL}").count() == 1
    row = buyer.locator("tbody tr", has_text=STAFF_EMAIL)
    assert "Invited" in row.inner_text() and "Partner staff" in row.inner_text()
    screens(buyer, "agreement-12-partner-staff-invited")
    invitations = [m for m in mail.outbox if STAFF_EMAIL in m.to]
    assert len(invitations) == 1 and "/password/set/" in invitations[0].body
