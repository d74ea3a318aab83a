"""The bank account pages are valid HTML (Nu validator), with their errors, empty states and
each status of a request; the vendor's partner page shows the current account, masked."""
from tests.finance.conftest import GD_MANAGER, P1_ADMIN, P2_ADMIN, PNG, SECOND_NUMBER, change_form, text
from tests.html_validity import assert_valid_html


def test_bank_account_pages_are_valid_html(cast, request_change, approve, as_user, db, tmp_path):
    approved = approve(request_change(contact_email="pay@partner-one.example"), note="Checked by phone.")
    rejected = request_change(account_number=SECOND_NUMBER, account_name="Zhang Wei", reason="Owner's account.",
                              proof=PNG, proof_name="letter.png")
    vendor, partner, other = as_user(GD_MANAGER), as_user(P1_ADMIN), as_user(P2_ADMIN)
    pages = {
        "partner-empty": other.get("/partner/bank-account/"),
        "partner-form-first": other.get("/partner/bank-account/change"),
        "partner-form-errors": other.post("/partner/bank-account/change",
                                          change_form(account_name="Someone Else", account_number="12ab",
                                                      contact_email="x@", proof=None)),
        "partner-pending": partner.get("/partner/bank-account/"),
        "partner-request-pending": partner.get(f"/partner/bank-account/changes/{rejected.id}"),
        "vendor-queue": vendor.get("/bank-accounts/"),
        "vendor-queue-empty": vendor.get("/bank-accounts/?status=withdrawn"),
        "vendor-pending": vendor.get(f"/bank-accounts/{rejected.id}"),
        "vendor-reject-errors": vendor.post(f"/bank-accounts/{rejected.id}/reject", {"reason": ""}),
        "vendor-approved": vendor.get(f"/bank-accounts/{approved.id}"),
        "partner-page": vendor.get(f"/partners/{cast['one'].id}"),
    }
    vendor.post(f"/bank-accounts/{rejected.id}/reject", {"reason": "Not the partner's account."})
    pages["vendor-rejected"] = vendor.get(f"/bank-accounts/{rejected.id}")
    pages["partner-rejected"] = partner.get(f"/partner/bank-account/changes/{rejected.id}")
    pages["partner-current"] = partner.get("/partner/bank-account/")
    pages["partner-form-change"] = partner.get("/partner/bank-account/change")
    pages["partner-approved"] = partner.get(f"/partner/bank-account/changes/{approved.id}")
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
    assert_valid_html(pages, tmp_path)


def test_the_vendors_partner_page_shows_the_current_account_masked(cast, request_change, approve, as_user):
    vendor = as_user(GD_MANAGER)
    assert "None approved yet" in text(vendor.get(f"/partners/{cast['one'].id}"))
    approve(request_change(account_number=SECOND_NUMBER))
    page = text(vendor.get(f"/partners/{cast['one'].id}"))
    assert "中国工商银行" in page and "•" * 15 + SECOND_NUMBER[-4:] in page and SECOND_NUMBER not in page
    assert f"/bank-accounts/?partner={cast['one'].id}&amp;status=all" in vendor.get(
        f"/partners/{cast['one'].id}").get_data(as_text=True)
