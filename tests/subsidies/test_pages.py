"""The rent subsidy pages, and the outlet closing page, are valid HTML (Nu validator) with their
errors, empty states and each status of a lease proof."""
from datetime import date
from decimal import Decimal

from tests.html_validity import assert_valid_html
from tests.subsidies.conftest import GD_MANAGER, P1_ADMIN, P2_ADMIN, PNG, proofs, text, upload_form


def test_rent_subsidy_pages_are_valid_html(cast, lease, release, as_user, db, tmp_path):
    partner, vendor, other = as_user(P1_ADMIN), as_user(GD_MANAGER), as_user(P2_ADMIN)
    accepted = lease(cast["futian"], date(2020, 1, 1), date(2039, 12, 31))
    partner.post("/partner/rent-subsidies/new", upload_form(cast["futian"], file=PNG, file_name="lease.png"))
    pending = proofs(db)[-1]
    release(cast["one"], date(2026, 9, 1), [{
        "kind": "subsidy_clawback", "outlet_id": cast["futian"].id, "source_month": date(2026, 8, 1),
        "base_amount": Decimal("1500.00"), "amount": Decimal("-600.00"), "description": "18/31"}])
    pages = {
        "partner-leases": partner.get("/partner/rent-subsidies/"),
        "partner-leases-no-terms": other.get("/partner/rent-subsidies/"),
        "partner-upload": partner.get("/partner/rent-subsidies/new"),
        "partner-upload-errors": partner.post("/partner/rent-subsidies/new",
                                              upload_form(cast["futian"], file=None, landlord="", ends_on="2020-01-01")),
        "vendor-queue": vendor.get("/rent-subsidies/"),
        "vendor-queue-empty": vendor.get("/rent-subsidies/?status=rejected"),
        "vendor-pending": vendor.get(f"/rent-subsidies/{pending.id}"),
        "vendor-accept-errors": vendor.post(f"/rent-subsidies/{pending.id}/accept", {}),
        "vendor-reject-errors": vendor.post(f"/rent-subsidies/{pending.id}/reject", {"reason": ""}),
        "vendor-accepted": vendor.get(f"/rent-subsidies/{accepted.id}"),
        "outlet-close": partner.get(f"/partner/outlets/{cast['futian'].id}/active"),
        "outlet-close-errors": partner.post(f"/partner/outlets/{cast['futian'].id}/active",
                                            {"active": "0", "closed_on": "2020-01-01"}),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
    assert_valid_html(pages, tmp_path)


def test_the_vendor_page_previews_an_image_lease(cast, as_user, db):
    as_user(P1_ADMIN).post("/partner/rent-subsidies/new", upload_form(cast["futian"], file=PNG, file_name="lease.png"))
    page = text(as_user(GD_MANAGER).get(f"/rent-subsidies/{proofs(db)[-1].id}"))
    assert f'<img src="/rent-subsidies/{proofs(db)[-1].id}/file?inline=1"' in page

