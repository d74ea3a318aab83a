"""Lease proofs: a partner admin sends the lease of an outlet, its channel manager is told and
accepts or rejects it (with a reason the partner reads); only the partner's admins and the
vendor side that looks after the partner see a proof, and a bad upload is named on its field."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.i18n import business_today
from portal.notifications.models import Notification
from portal.notifications.services import render_text
from portal.subsidies import services
from tests.subsidies.conftest import (
    ADMIN, FINANCE, GD_MANAGER, P1_ADMIN, P1_STAFF, P2_ADMIN, PDF, PNG, ZJ_MANAGER, field_error, proofs, text,
    upload_form,
)

URL = "/partner/rent-subsidies/new"


def messages(db, email):
    user = db.session.scalar(sa.select(User).where(User.email == email))
    return [render_text(n) for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


@pytest.fixture
def sent(cast, as_user, db):
    """Partner One's admin sent the lease of its Futian Store through the page."""
    response = as_user(P1_ADMIN).post(URL, upload_form(cast["futian"]))
    assert response.status_code == 302, text(response)
    return proofs(db)[-1]


def test_a_partner_admin_sends_a_lease_and_the_channel_manager_is_told(cast, sent, as_user, db, outbox):
    assert (sent.outlet_id, sent.status, sent.landlord) == (cast["futian"].id, "pending", "深圳市福田物业有限公司")
    assert (sent.monthly_rent, sent.starts_on, sent.ends_on) == (Decimal("8000.00"), date(2026, 1, 10), date(2028, 1, 9))
    assert sent.file.content_type == "application/pdf"
    [told] = messages(db, GD_MANAGER)
    assert "Partner One Trading sent a lease proof for outlet Futian Store (2026-01-10 to 2028-01-09)" in told
    assert any(m.to == [GD_MANAGER] for m in outbox)
    assert messages(db, ZJ_MANAGER) == []
    page = text(as_user(P1_ADMIN).get("/partner/rent-subsidies/"))
    assert "Awaiting review" in page and "深圳市福田物业有限公司" in page


def test_the_outlet_can_be_chosen_in_advance_and_only_open_outlets_are_offered(cast, as_user, db, reference_data):
    from portal.partners.models import Outlet

    db.session.add(Outlet(partner_id=cast["one"].id, name="Old Kiosk", address="3 Road", kind="kiosk",
                          city_id=reference_data["GD-SZ"].id, active=False))
    db.session.commit()
    page = text(as_user(P1_ADMIN).get(f"{URL}?outlet={cast['futian'].id}"))
    assert f'<option value="{cast["futian"].id}" selected>Futian Store</option>' in page
    assert "Old Kiosk" not in page and "Binjiang Store" not in page


def refused(client, outlet, **overrides):
    response = client.post(URL, upload_form(outlet, **overrides))
    assert response.status_code == 400, response.status_code
    return text(response)


def test_each_mistake_in_the_lease_form_is_named_on_its_field_and_nothing_is_kept(cast, as_user, db):
    client = as_user(P1_ADMIN)
    page = refused(client, cast["futian"], file=None, landlord=" ", monthly_rent="-5", starts_on="", ends_on="")
    assert "Attach the lease" in field_error(page, "file")
    assert "Enter the landlord" in field_error(page, "landlord")
    assert "0 or more, at most two decimals" in field_error(page, "monthly_rent")
    assert "Enter the first day the lease covers." in field_error(page, "starts_on")
    assert "Enter the last day the lease covers." in field_error(page, "ends_on")
    page = refused(client, cast["futian"], starts_on="2026-05-01", ends_on="2026-04-30", monthly_rent="12.345")
    assert "cannot end before it starts" in field_error(page, "ends_on")
    assert "at most two decimals" in field_error(page, "monthly_rent")
    page = refused(client, cast["futian"], starts_on="2026-01-01", ends_on="2046-01-02")
    assert "at most 20 years" in field_error(page, "ends_on")
    assert "Enter a date as YYYY-MM-DD." in field_error(refused(client, cast["futian"], starts_on="2026-02-30"),
                                                        "starts_on")
    assert proofs(db) == []


def test_the_rent_may_be_left_out_and_a_scan_may_be_a_png(cast, as_user, db):
    response = as_user(P1_ADMIN).post(URL, upload_form(cast["futian"], file=PNG, file_name="lease.png", monthly_rent=""))
    assert response.status_code == 302
    [proof] = proofs(db)
    assert proof.monthly_rent is None and proof.file.content_type == "image/png"


def test_the_file_is_checked_by_its_content_and_its_size(cast, as_user, db, monkeypatch):
    client = as_user(P1_ADMIN)
    page = refused(client, cast["futian"], file=b"not really a lease", file_name="lease.pdf")
    assert "not a PDF / PNG / JPG file" in field_error(page, "file")
    page = refused(client, cast["futian"], file=b"PK\x03\x04" + b"\x00" * 40, file_name="lease.docx")
    assert "not a PDF / PNG / JPG file" in field_error(page, "file")
    page = refused(client, cast["futian"], file_name="../lease.pdf")
    assert "plain name" in field_error(page, "file")
    monkeypatch.setattr(services, "PROOF_MAX_BYTES", 1024)
    page = refused(client, cast["futian"], file=PDF + b"0" * 2048)
    assert "larger than 1.0 KB" in field_error(page, "file")
    assert proofs(db) == []


def test_a_lease_is_only_for_one_of_the_partners_own_open_outlets(cast, as_user, db, reference_data):
    from portal.partners.models import Outlet

    client = as_user(P1_ADMIN)
    assert "Choose one of your outlets." in field_error(refused(client, cast["binjiang"]), "outlet_id")
    db.session.add(Outlet(partner_id=cast["one"].id, name="Nanshan Kiosk", address="2 Keyuan Road", kind="kiosk",
                          city_id=reference_data["GD-SZ"].id))
    cast["futian"].active = False
    db.session.commit()
    assert "This outlet is closed" in field_error(refused(client, cast["futian"]), "outlet_id")
    db.session.execute(sa.update(Outlet).where(Outlet.partner_id == cast["one"].id).values(active=False))
    db.session.commit()
    assert "You have no open outlet" in text(client.get(URL))
    assert proofs(db) == []


def test_the_manager_accepts_after_confirming_and_the_partner_admins_are_told(sent, as_user, db):
    manager = as_user(GD_MANAGER)
    page = text(manager.get(f"/rent-subsidies/{sent.id}"))
    assert "深圳市福田物业有限公司" in page and "¥8,000.00" in page and "<iframe" in page
    unconfirmed = manager.post(f"/rent-subsidies/{sent.id}/accept", {"note": ""})
    assert unconfirmed.status_code == 400
    assert "Tick the box" in field_error(text(unconfirmed), "confirm")
    db.session.refresh(sent)
    assert sent.status == "pending"
    assert manager.post(f"/rent-subsidies/{sent.id}/accept", {"confirm": "y", "note": "Checked."}).status_code == 302
    db.session.refresh(sent)
    assert (sent.status, sent.reviewed_by.email, sent.review_note) == ("accepted", GD_MANAGER, "Checked.")
    assert any("is accepted: the rent subsidy is paid" in m for m in messages(db, P1_ADMIN))
    assert messages(db, P1_STAFF) == []
    again = manager.post(f"/rent-subsidies/{sent.id}/reject", {"reason": "Changed my mind"})
    assert again.status_code == 302
    db.session.refresh(sent)
    assert sent.status == "accepted"
    assert "already reviewed" in text(manager.get(f"/rent-subsidies/{sent.id}"))


def test_a_rejection_needs_a_reason_which_the_partner_reads(sent, as_user, db):
    manager = as_user(ADMIN)
    empty = manager.post(f"/rent-subsidies/{sent.id}/reject", {"reason": "  "})
    assert empty.status_code == 400 and "Say why" in field_error(text(empty), "reason")
    reason = "The lease is for 3 Shennan Road, not the outlet's address."
    assert manager.post(f"/rent-subsidies/{sent.id}/reject", {"reason": reason}).status_code == 302
    db.session.refresh(sent)
    assert (sent.status, sent.review_note) == ("rejected", reason)
    assert any(reason in m for m in messages(db, P1_ADMIN))
    assert reason in text(as_user(P1_ADMIN).get("/partner/rent-subsidies/"))


def test_another_organisation_and_another_managers_territory_see_nothing(sent, as_user, db):
    other = as_user(P2_ADMIN)
    assert other.get(f"/partner/rent-subsidies/{sent.id}/file").status_code == 404
    assert "Futian Store" not in text(other.get("/partner/rent-subsidies/"))
    zj = as_user(ZJ_MANAGER)
    assert zj.get(f"/rent-subsidies/{sent.id}").status_code == 404
    assert zj.get(f"/rent-subsidies/{sent.id}/file").status_code == 404
    assert zj.post(f"/rent-subsidies/{sent.id}/accept", {"confirm": "y"}).status_code == 404
    assert "Futian Store" not in text(zj.get("/rent-subsidies/?status=all"))
    db.session.refresh(sent)
    assert sent.status == "pending"
    assert as_user(P1_STAFF).get(f"/partner/rent-subsidies/{sent.id}/file").status_code == 403
    assert as_user(FINANCE).get("/rent-subsidies/").status_code == 403


def test_the_queue_filters_by_status_and_partner(sent, as_user, cast):
    manager = as_user(GD_MANAGER)
    assert "Futian Store" in text(manager.get("/rent-subsidies/"))
    assert "Futian Store" not in text(manager.get("/rent-subsidies/?status=accepted"))
    assert "No lease proof matches these filters." in text(manager.get("/rent-subsidies/?status=accepted"))
    assert "Futian Store" not in text(manager.get(f"/rent-subsidies/?partner={cast['two'].id}"))
    assert "Futian Store" in text(manager.get(f"/rent-subsidies/?status=nonsense&partner={cast['one'].id}"))


def test_the_partner_admin_downloads_its_own_lease(sent, as_user):
    client = as_user(P1_ADMIN)
    download = client.get(f"/partner/rent-subsidies/{sent.id}/file")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    inline = as_user(GD_MANAGER).get(f"/rent-subsidies/{sent.id}/file?inline=1")
    assert inline.headers["Content-Security-Policy"] == "sandbox"


def test_the_partner_page_shows_the_subsidy_this_month_and_what_was_paid(cast, lease, release, as_user):
    this_month = business_today().replace(day=1)
    lease(cast["futian"], date(2020, 1, 1), date(2039, 12, 31))
    paid = release(cast["one"], date(2026, 9, 1), [{
        "kind": "rent_subsidy", "outlet_id": cast["futian"].id, "source_month": date(2026, 9, 1),
        "base_amount": Decimal("1500.00"), "amount": Decimal("1050.00"), "description": "21/30"}])
    page = text(as_user(P1_ADMIN).get("/partner/rent-subsidies/"))
    days = services.days_in(this_month)
    assert "¥1,500.00 per outlet per month" in page
    assert f"{days} of {days} days" in page and "Accepted" in page
    assert paid.number in page and "¥1,050.00" in page and "21 of 30 days" in page


def test_the_partner_page_says_so_when_the_terms_have_no_subsidy(cast, as_user, db):
    cast["agreement"].term_sheet.rent_subsidy_per_outlet = Decimal("0.00")
    db.session.commit()
    page = text(as_user(P1_ADMIN).get("/partner/rent-subsidies/"))
    assert "has no rent subsidy: there is nothing to claim" in page
    assert "No rent subsidy has been paid yet." in page
    assert "Send a lease" not in page
