"""Negotiation on the record: term sheet versions, their order, money, the diff, notifications
and who may open a prospect's terms."""
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.agreements.models import Agreement, AgreementTemplate
from portal.core import storage
from portal.core.errors import DomainError, ValidationError
from portal.extensions import db as _db
from portal.negotiation import services
from portal.negotiation.models import TermSheet
from portal.notifications.models import Notification
from portal.recruitment.models import Activity, Message
from portal.reference.models import PartnerTier

# ---- builders ---------------------------------------------------------------------------------------


@pytest.fixture
def tier(reference_data, db):
    return db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))


@pytest.fixture
def prospect(people, make_prospect):
    """In negotiation, in Shenzhen, owned by the Guangdong manager, applied by applicant1."""
    return make_prospect("Shenzhen Xinda", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                         stage="negotiating")


@pytest.fixture
def terms(reference_data, tier):
    """Values for services.propose_terms; override with keyword arguments."""

    def build(**over):
        values = {
            "territory_ids": [reference_data["GD-SZ"].id], "exclusive": False,
            "channel_type_id": reference_data["social"].id, "tier_id": tier.id,
            "start_date": date(2026, 1, 1), "end_date": date(2026, 12, 31),
            "deposit": "20000.10", "rent_subsidy_per_outlet": "800.00",
            "payment_terms": "Monthly, by the 15th", "special_clauses": "", "note": "",
            "lines": [{"product_line_id": reference_data["mobile"].id, "commission_rate": "3.35",
                       "monthly_target": "50000.00"}],
        }
        values.update(over)
        return values

    return build


@pytest.fixture
def form(reference_data, tier):
    """What the browser sends from the term sheet form; override with keyword arguments."""
    mobile, broadband = reference_data["mobile"].id, reference_data["broadband"].id

    def build(**over):
        data = {
            "territory_ids": [str(reference_data["GD-SZ"].id)], "channel_type_id": str(reference_data["social"].id),
            "tier_id": str(tier.id), "start_date": "2026-01-01", "end_date": "2026-12-31",
            "deposit": "20000.10", "rent_subsidy_per_outlet": "800.00", "payment_terms": "Monthly, by the 15th",
            "special_clauses": "", "note": "Our first offer", f"rate_{mobile}": "3.35",
            f"target_{mobile}": "50000.00", f"rate_{broadband}": "", f"target_{broadband}": "", "based_on": "0",
        }
        data.update(over)
        return data

    return build


def text(response):
    """The page's text without tags, spaces squeezed (for reading what a user reads)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


def flashed_warning(response):
    return re.search(r'alert-warning[^>]*>(.*?)<', response.get_data(as_text=True), re.S)


@pytest.fixture
def manager_client(make_client, people):
    c = make_client()
    c.login("gd.manager@test.example")
    return c


@pytest.fixture
def applicant_client(make_client, people):
    c = make_client()
    c.login("applicant1@test.example")
    return c


# ---- money: exact through the form and the database ------------------------------------------------


def _money_round_trip(prospect, manager_client, applicant_client, form, reference_data):
    response = manager_client.post(f"/prospects/{prospect.id}/terms/new", form())
    assert response.status_code == 302, text(response)
    _db.session.expire_all()
    sheet = _db.session.scalar(sa.select(TermSheet).where(TermSheet.prospect_id == prospect.id))
    line = sheet.lines[0]
    # Exact decimals, never floats, out of the database.
    assert isinstance(sheet.deposit, Decimal) and isinstance(line.commission_rate, Decimal)
    assert sheet.deposit == Decimal("20000.10")
    assert line.commission_rate == Decimal("3.35")
    assert line.monthly_target == Decimal("50000.00")
    assert services.terms_as_dict(sheet)["deposit"] == "20000.10"
    assert services.terms_as_dict(sheet)["lines"][0]["commission_rate"] == "3.35"
    # What the other side reads…
    page = text(applicant_client.get(f"/prospects/{prospect.id}/terms"))
    assert "3.35%" in page and "¥20,000.10" in page
    # …and what the next version's form is prefilled with.
    html = applicant_client.get(f"/prospects/{prospect.id}/terms/new").get_data(as_text=True)
    mobile = reference_data["mobile"].id
    assert re.search(rf'name="rate_{mobile}"[^>]*value="3.35"', html)
    assert re.search(r'name="deposit"[^>]*value="20000.10"', html)
    # A counter-offer sent back unchanged keeps the values to the fen.
    response = applicant_client.post(f"/prospects/{prospect.id}/terms/new",
                                     {**form(), "based_on": "1", "note": "Same terms, please confirm"})
    assert response.status_code == 302
    _db.session.expire_all()
    second = services.latest_version(prospect)
    assert second.number == 2 and second.author_side == "prospect"
    assert second.deposit == Decimal("20000.10") and second.lines[0].commission_rate == Decimal("3.35")
    assert services.diff_terms(sheet, second) == []


def test_rate_and_deposit_survive_the_round_trip_exactly(prospect, manager_client, applicant_client, form,
                                                         reference_data):
    _money_round_trip(prospect, manager_client, applicant_client, form, reference_data)


@pytest.mark.postgres
def test_rate_and_deposit_survive_the_round_trip_exactly_on_postgresql(prospect, manager_client, applicant_client,
                                                                       form, reference_data, db):
    assert db.engine.dialect.name == "postgresql"
    _money_round_trip(prospect, manager_client, applicant_client, form, reference_data)


# ---- validation: clear messages on the fields ------------------------------------------------------


@pytest.mark.parametrize("field,value,message", [
    ("rate", "3.355", "at most two decimals"),
    ("rate", "-1", "cannot be negative"),
    ("rate", "100.01", "cannot be more than 100%"),
    ("rate", "3,35", "Enter the rate as a percentage"),
    ("rate", "abc", "Enter the rate as a percentage"),
    ("target", "50000.001", "at most two decimals"),
    ("deposit", "-20000", "cannot be negative"),
    ("deposit", "20000.105", "at most two decimals"),
    ("deposit", "", "Enter the credit deposit"),
    ("end_date", "2025-12-31", "The end date must be after the start date"),
    ("end_date", "2026-01-01", "The end date must be after the start date"),
])
def test_wrong_values_are_refused_with_a_message_on_the_field(field, value, message, prospect, manager_client,
                                                              form, reference_data):
    mobile = reference_data["mobile"].id
    name = {"rate": f"rate_{mobile}", "target": f"target_{mobile}"}.get(field, field)
    response = manager_client.post(f"/prospects/{prospect.id}/terms/new", form(**{name: value}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{name}-error">(.*?)</div>', html, re.S)
    assert error and message in error.group(1), html[:200]
    assert services.latest_version(prospect) is None


def test_a_form_with_no_product_line_or_half_a_line_is_refused(prospect, manager_client, form, reference_data):
    mobile, broadband = reference_data["mobile"].id, reference_data["broadband"].id
    response = manager_client.post(f"/prospects/{prospect.id}/terms/new",
                                   form(**{f"rate_{mobile}": "", f"target_{mobile}": ""}))
    assert response.status_code == 400
    assert "Include at least one product line" in text(response)
    response = manager_client.post(f"/prospects/{prospect.id}/terms/new", form(**{f"rate_{broadband}": "2.5"}))
    assert response.status_code == 400
    error = re.search(rf'id="target_{broadband}-error">(.*?)</div>', response.get_data(as_text=True), re.S)
    assert "Enter the monthly target too" in error.group(1)
    assert services.latest_version(prospect) is None


def test_thousands_separators_and_a_percent_sign_are_understood(prospect, manager_client, form, reference_data):
    mobile = reference_data["mobile"].id
    response = manager_client.post(f"/prospects/{prospect.id}/terms/new",
                                   form(deposit="20,000.10", **{f"rate_{mobile}": "3.35%", f"target_{mobile}": "¥50,000"}))
    assert response.status_code == 302
    sheet = services.latest_version(prospect)
    assert sheet.deposit == Decimal("20000.10") and sheet.lines[0].monthly_target == Decimal("50000.00")


def test_the_service_refuses_floats(prospect, people, terms):
    with pytest.raises(ValidationError) as refused:
        services.propose_terms(prospect, terms(deposit=20000.1), people["manager"])
    assert "deposit" in refused.value.errors


# ---- the order of moves ------------------------------------------------------------------------------


def test_versions_are_numbered_with_their_side_and_a_new_one_supersedes_the_open_one(prospect, people, terms, db):
    first = services.propose_terms(prospect, terms(), people["manager"])
    second = services.propose_terms(prospect, terms(deposit="15000.00"), people["applicant"])
    third = services.propose_terms(prospect, terms(deposit="18000.00"), people["manager"])
    db.session.commit()
    assert [(s.number, s.author_side, s.author_id) for s in (first, second, third)] == [
        (1, "vendor", people["manager"].id), (2, "prospect", people["applicant"].id), (3, "vendor", people["manager"].id)]
    assert [s.status for s in (first, second, third)] == ["superseded", "superseded", "open"]
    assert all(s.created_at is not None for s in (first, second, third))


def test_nobody_accepts_their_own_sides_version(prospect, people, make_user, terms, db):
    sheet = services.propose_terms(prospect, terms(), people["manager"])
    with pytest.raises(DomainError, match="written by your side"):
        services.accept_terms(sheet, people["manager"])
    with pytest.raises(DomainError, match="written by your side"):
        services.accept_terms(sheet, people["admin"])  # another vendor-side user
    counter = services.propose_terms(prospect, terms(deposit="1.00"), people["applicant"])
    with pytest.raises(DomainError, match="written by your side"):
        services.accept_terms(counter, people["applicant"])
    assert counter.status == "open" and counter.accepted_at is None


def test_an_older_version_cannot_be_accepted(prospect, people, terms):
    first = services.propose_terms(prospect, terms(), people["manager"])
    services.propose_terms(prospect, terms(deposit="1.00"), people["manager"])  # the vendor revises its own offer
    with pytest.raises(DomainError, match="replaced by a later version"):
        services.accept_terms(first, people["applicant"])
    assert first.status == "superseded" and first.accepted_at is None


def test_locking_before_acceptance_is_refused(prospect, people, terms):
    sheet = services.propose_terms(prospect, terms(), people["manager"])
    with pytest.raises(DomainError, match="has not been accepted yet"):
        services.lock_terms(sheet, people["manager"])
    assert sheet.status == "open" and sheet.locked_at is None


def test_locking_by_the_side_that_accepted_is_refused(prospect, people, terms):
    sheet = services.propose_terms(prospect, terms(), people["manager"])
    services.accept_terms(sheet, people["applicant"])
    with pytest.raises(DomainError, match="Only the side that wrote version 1"):
        services.lock_terms(sheet, people["applicant"])
    assert sheet.status == "accepted" and sheet.locked_at is None
    services.lock_terms(sheet, people["manager"])
    assert sheet.status == "locked" and sheet.locked_by_id == people["manager"].id
    assert services.locked_terms(prospect) == sheet


def test_acceptance_and_lock_happen_once(prospect, people, terms):
    sheet = services.propose_terms(prospect, terms(), people["manager"])
    services.accept_terms(sheet, people["applicant"])
    accepted_at = sheet.accepted_at
    with pytest.raises(DomainError, match="already been accepted"):
        services.accept_terms(sheet, people["applicant"])
    services.lock_terms(sheet, people["manager"])
    with pytest.raises(DomainError, match="already agreed and locked"):
        services.lock_terms(sheet, people["manager"])
    with pytest.raises(DomainError, match="already agreed and locked"):
        services.accept_terms(sheet, people["applicant"])
    assert sheet.accepted_at == accepted_at


@pytest.mark.parametrize("stage", ["new", "qualifying", "agreement_sent", "rejected", "withdrawn"])
def test_proposing_on_a_prospect_not_in_negotiation_is_refused(stage, people, make_prospect, terms, db):
    prospect = make_prospect("Early Co", "GD-SZ", owner=people["manager"], applicant=people["applicant"], stage=stage)
    for actor in (people["manager"], people["applicant"]):
        with pytest.raises(DomainError, match="only on a prospect in negotiation"):
            services.propose_terms(prospect, terms(), actor)
    assert db.session.scalar(sa.select(sa.func.count(TermSheet.id))) == 0


def test_accepting_or_locking_after_the_prospect_left_negotiation_is_refused(prospect, people, terms, db):
    sheet = services.propose_terms(prospect, terms(), people["manager"])
    prospect.stage = "rejected"
    with pytest.raises(DomainError, match="only on a prospect in negotiation"):
        services.accept_terms(sheet, people["applicant"])


def test_the_side_that_accepted_waits_for_the_lock_and_the_author_may_write_again_instead(prospect, people, terms):
    sheet = services.propose_terms(prospect, terms(), people["manager"])
    services.accept_terms(sheet, people["applicant"])
    with pytest.raises(DomainError, match="Your side accepted version 1"):
        services.propose_terms(prospect, terms(deposit="1.00"), people["applicant"])
    # The author declines to confirm by writing a new version: the accepted one is superseded,
    # its acceptance stays on record, and the new one needs a new answer.
    second = services.propose_terms(prospect, terms(deposit="25000.00"), people["manager"])
    assert sheet.status == "superseded" and sheet.accepted_by_id == people["applicant"].id
    assert second.status == "open"
    with pytest.raises(DomainError, match="replaced by a later version"):
        services.lock_terms(sheet, people["manager"])


def test_a_version_after_a_lock_starts_an_amendment_and_the_locked_one_stays_locked(prospect, people, terms):
    sheet = services.propose_terms(prospect, terms(), people["manager"])
    services.accept_terms(sheet, people["applicant"])
    services.lock_terms(sheet, people["manager"])
    amendment = services.propose_terms(prospect, terms(deposit="30000.00"), people["applicant"])
    assert sheet.status == "locked" and amendment.number == 2 and amendment.status == "open"
    assert services.locked_terms(prospect) == sheet
    assert services.latest_version(prospect) == amendment


def test_a_version_written_meanwhile_by_the_other_side_is_not_overwritten_unread(prospect, manager_client, people,
                                                                               form, terms, db):
    services.propose_terms(prospect, terms(), people["manager"])
    services.propose_terms(prospect, terms(deposit="1.00"), people["applicant"])
    db.session.commit()
    # The manager's form was opened on version 1; the applicant's version 2 arrived meanwhile.
    response = manager_client.post(f"/prospects/{prospect.id}/terms/new", form(based_on="1"))
    assert response.status_code == 400
    assert "Version 2 was written while you were editing" in text(response)
    assert services.latest_version(prospect).number == 2
    assert 'name="based_on" type="hidden" value="2"' in response.get_data(as_text=True)


def test_wrong_orders_through_the_pages_are_refused_with_the_reason(prospect, manager_client, applicant_client,
                                                                   people, terms, db):
    services.propose_terms(prospect, terms(), people["manager"])
    db.session.commit()
    url = f"/prospects/{prospect.id}/terms"
    # The author sees no accept button, and a forged request is refused.
    assert "Accept version 1" not in text(manager_client.get(url))
    response = manager_client.post(f"{url}/1/accept", follow_redirects=True)
    assert "written by your side" in text(response)
    response = manager_client.post(f"{url}/1/lock", follow_redirects=True)
    assert "has not been accepted yet" in text(response)
    assert services.latest_version(prospect).status == "open"
    # The other side may accept it; then only the author may lock it.
    assert "Accept version 1" in text(applicant_client.get(url))
    assert applicant_client.post(f"{url}/1/accept").status_code == 302
    response = applicant_client.post(f"{url}/1/lock", follow_redirects=True)
    assert "Only the side that wrote version 1" in text(response)
    assert "Confirm and lock version 1" in text(manager_client.get(url))
    assert manager_client.post(f"{url}/1/lock").status_code == 302
    _db.session.expire_all()
    assert services.latest_version(prospect).status == "locked"
    # A version that does not exist on this prospect is not found.
    assert applicant_client.post(f"{url}/7/accept").status_code == 404


def test_a_manager_cannot_propose_on_a_prospect_not_in_negotiation_through_the_page(people, make_prospect,
                                                                                  manager_client, form):
    early = make_prospect("Early Co", "GD-SZ", owner=people["manager"], stage="qualifying")
    response = manager_client.get(f"/prospects/{early.id}/terms/new", follow_redirects=True)
    assert "only on a prospect in negotiation" in text(response)
    response = manager_client.post(f"/prospects/{early.id}/terms/new", form())
    assert response.status_code == 302
    assert services.latest_version(early) is None


# ---- what changed ------------------------------------------------------------------------------------


def test_the_diff_shows_a_changed_rate_and_an_added_line(prospect, people, terms, reference_data, db,
                                                         manager_client):
    mobile, broadband = reference_data["mobile"].id, reference_data["broadband"].id
    services.propose_terms(prospect, terms(lines=[
        {"product_line_id": mobile, "commission_rate": "3.00", "monthly_target": "50000.00"}]), people["manager"])
    services.propose_terms(prospect, terms(territory_ids=[reference_data["GD-SZ"].id, reference_data["GD-GZ"].id],
                                           lines=[
        {"product_line_id": mobile, "commission_rate": "3.35", "monthly_target": "50000.00"},
        {"product_line_id": broadband, "commission_rate": "1.50", "monthly_target": "8000.00"}]), people["applicant"])
    db.session.commit()
    first, second = sorted(prospect.term_sheets, key=lambda s: s.number)
    changes = services.diff_terms(first, second)
    assert {"kind": "changed", "field": "commission_rate", "old": "3.00", "new": "3.35",
            "line": {"code": "mobile", "name_en": "Mobile plans", "name_zh": "移动套餐"}, "territory": None} in changes
    added = [c for c in changes if c["kind"] == "added" and c["field"] == "line"]
    assert len(added) == 1 and added[0]["line"]["code"] == "broadband"
    assert added[0]["new"]["commission_rate"] == "1.50"
    assert [c["territory"]["code"] for c in changes if c["field"] == "territory"] == ["GD-GZ"]
    assert not any(c["field"] in ("deposit", "monthly_target") for c in changes)  # unchanged terms are not listed

    page = text(manager_client.get(f"/prospects/{prospect.id}/terms?from=1&to=2"))
    assert "Commission rate: Mobile plans Changed 3.00% 3.35%" in page
    assert "Product line: Broadband Added rate 1.50%, monthly target ¥8,000.00" in page
    assert "Territory Added Guangdong · Guangzhou" in page
    # The other way round, the line was removed.
    page = text(manager_client.get(f"/prospects/{prospect.id}/terms?from=2&to=1"))
    assert "Product line: Broadband Removed rate 1.50%" in page


def test_terms_as_dict_gives_plain_values_in_both_languages(prospect, people, terms):
    sheet = services.propose_terms(prospect, terms(exclusive=True), people["manager"])
    data = services.terms_as_dict(sheet)
    assert data["territories"] == [{"code": "GD-SZ", "name_en": "Shenzhen", "name_zh": "深圳",
                                    "full_name_en": "Guangdong · Shenzhen", "full_name_zh": "广东 · 深圳"}]
    assert data["exclusive"] is True and data["start_date"] == "2026-01-01" and data["end_date"] == "2026-12-31"
    assert data["deposit"] == "20000.10" and data["rent_subsidy_per_outlet"] == "800.00"
    assert data["channel_type"]["name_zh"] == "社会渠道" and data["tier"]["name_en"] == "Gold"
    assert data["lines"] == [{"product_line": {"code": "mobile", "name_en": "Mobile plans", "name_zh": "移动套餐"},
                              "commission_rate": "3.35", "monthly_target": "50000.00"}]


# ---- notifications -----------------------------------------------------------------------------------


def _notified(user, kind):
    return _db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


def test_both_sides_are_notified_of_each_version_acceptance_and_lock(prospect, people, make_user, terms, outbox, db):
    admin = people["admin"]
    first = services.propose_terms(prospect, terms(), admin)  # an admin on the owner's behalf
    assert len(_notified(people["manager"], "terms_proposed")) == 1
    assert len(_notified(people["applicant"], "terms_proposed")) == 1
    assert _notified(people["applicant"], "terms_proposed")[0].link == f"/prospects/{prospect.id}/terms"
    assert any("applicant1@test.example" in m.to and "version 1 of the terms" in m.subject for m in outbox)

    second = services.propose_terms(prospect, terms(deposit="1.00"), people["applicant"])
    assert len(_notified(people["manager"], "terms_proposed")) == 2
    assert len(_notified(people["applicant"], "terms_proposed")) == 1  # not told of their own version

    services.accept_terms(second, people["manager"])
    assert len(_notified(people["applicant"], "terms_accepted")) == 1
    services.lock_terms(second, people["applicant"])
    assert len(_notified(people["manager"], "terms_locked")) == 1
    assert not _notified(people["other_manager"], "terms_proposed")
    assert first.status == "superseded"
    texts = [m.subject for m in outbox if "gd.manager@test.example" in m.to]
    assert any("accepted" not in t and "version 2 of the terms for Shenzhen Xinda" in t for t in texts)
    assert any("is agreed and locked" in t for t in texts)


# ---- the pages ---------------------------------------------------------------------------------------


def test_the_applicant_sees_the_terms_on_their_application_and_counters(prospect, people, terms, applicant_client,
                                                                        form, reference_data, db):
    services.propose_terms(prospect, terms(note="Our first offer"), people["manager"])
    db.session.commit()
    page = text(applicant_client.get(f"/my-application/{prospect.id}"))
    assert "Terms" in page and "Version 1" in page and "Awaiting answer" in page
    page = text(applicant_client.get(f"/prospects/{prospect.id}/terms"))
    assert "Our first offer" in page and "Send a counter-offer" in page and "Accept version 1" in page
    mobile = reference_data["mobile"].id
    response = applicant_client.post(f"/prospects/{prospect.id}/terms/new",
                                     form(based_on="1", note="4% please", **{f"rate_{mobile}": "4.00"}))
    assert response.status_code == 302
    sheet = services.latest_version(prospect)
    assert sheet.number == 2 and sheet.author_side == "prospect" and sheet.author_id == people["applicant"].id
    assert sheet.lines[0].commission_rate == Decimal("4.00")


def test_meetings_and_calls_are_in_the_managers_timeline_only(prospect, people, terms, manager_client,
                                                              applicant_client, db):
    from datetime import datetime, timezone

    services.propose_terms(prospect, terms(), people["manager"])
    db.session.add(Activity(prospect=prospect, kind="meeting", occurred_at=datetime(2025, 6, 1, 2, tzinfo=timezone.utc),
                            outcome="Discussed the deposit over tea", author_id=people["manager"].id))
    db.session.add(Activity(prospect=prospect, kind="note", occurred_at=datetime(2025, 6, 2, 2, tzinfo=timezone.utc),
                            outcome="Internal note not about a meeting", author_id=people["manager"].id))
    db.session.add(Message(prospect=prospect, author_id=people["applicant"].id, body="Can we talk about targets?"))
    db.session.commit()
    vendor = text(manager_client.get(f"/prospects/{prospect.id}/terms"))
    assert "Discussed the deposit over tea" in vendor and "Can we talk about targets?" in vendor
    assert "Internal note not about a meeting" not in vendor
    applicant = text(applicant_client.get(f"/prospects/{prospect.id}/terms"))
    assert "Can we talk about targets?" in applicant and "Version 1" in applicant
    assert "Discussed the deposit over tea" not in applicant


def test_the_prospect_page_links_to_the_negotiation(prospect, manager_client):
    page = manager_client.get(f"/pipeline/prospects/{prospect.id}").get_data(as_text=True)
    assert f'href="/prospects/{prospect.id}/terms"' in page


# ---- access ------------------------------------------------------------------------------------------


def test_the_other_applicant_and_partner_twos_admin_get_404(prospect, partners, people, terms, make_client, db):
    sheet = services.propose_terms(prospect, terms(), people["manager"])
    # Partner One's own prospect (signed), with terms its admin negotiates after signing.
    signed = partners["one"].prospect
    amendment = services.propose_terms(signed, terms(), people["manager"])
    db.session.commit()
    for email, target in (("applicant2@test.example", prospect), ("p2.admin@test.example", signed),
                          ("p2.admin@test.example", prospect), ("p1.admin@test.example", prospect)):
        c = make_client()
        c.login(email)
        base = f"/prospects/{target.id}/terms"
        assert c.get(base).status_code == 404, email
        assert c.get(f"{base}?version=1").status_code == 404, email
        assert c.get(f"{base}/new").status_code == 404, email
        assert c.post(f"{base}/new", {"note": "x"}).status_code == 404, email
        assert c.post(f"{base}/1/accept").status_code == 404, email
        assert c.post(f"{base}/1/lock").status_code == 404, email
    assert sheet.status == "open" and amendment.status == "open"
    # Partner One's admin is the prospect side of its own signed prospect: sees and accepts.
    c = make_client()
    c.login("p1.admin@test.example")
    assert "Accept version 1" in text(c.get(f"/prospects/{signed.id}/terms"))
    assert c.post(f"/prospects/{signed.id}/terms/1/accept").status_code == 302
    _db.session.expire_all()
    assert services.latest_version(signed).status == "accepted"
    # Partner staff do not negotiate.
    c = make_client()
    c.login("p1.staff@test.example")
    assert c.get(f"/prospects/{signed.id}/terms").status_code == 403


def test_a_manager_who_may_only_view_cannot_act(people, make_prospect, make_client, terms, db):
    queued = make_prospect("Lhasa Co", "XZ", stage="negotiating")  # the unassigned queue
    c = make_client()
    c.login("gd.manager@test.example")
    assert c.get(f"/prospects/{queued.id}/terms").status_code == 200
    assert c.get(f"/prospects/{queued.id}/terms/new").status_code == 403
    with pytest.raises(DomainError, match="cannot negotiate"):
        services.propose_terms(queued, terms(), people["manager"])


# ---- renewal -----------------------------------------------------------------------------------------


@pytest.fixture
def signed_agreement(partners, people, terms, db):
    """Partner One's countersigned agreement on its locked terms (1 Jan – 31 Dec 2026)."""
    prospect = partners["one"].prospect
    prospect.applicant_user_id = people["applicant"].id
    sheet = services.propose_terms(prospect, terms(exclusive=True), people["manager"])
    services.accept_terms(sheet, people["applicant"])
    services.lock_terms(sheet, people["manager"])
    template = AgreementTemplate(code="distributor", version=1, name_en="Distributor", name_zh="经销", body_en="x",
                                 body_zh="x")
    document = storage.store_bytes(b"%PDF-1.4\n%%EOF\n", "a.pdf", "application/pdf")
    db.session.add(template)
    db.session.flush()
    agreement = Agreement(number="AG-2026-0001", status="countersigned", prospect_id=prospect.id,
                          partner_id=partners["one"].id, term_sheet_id=sheet.id, template_id=template.id,
                          start_date=sheet.start_date, end_date=sheet.end_date, document_id=document.id)
    db.session.add(agreement)
    db.session.commit()
    return agreement


def test_a_renewal_copies_the_terms_from_the_day_after_the_old_end(signed_agreement, people, db):
    before = len(_notified(people["applicant"], "terms_renewal"))
    sheet = services.start_renewal(signed_agreement, people["manager"])
    db.session.commit()
    old = signed_agreement.term_sheet
    assert sheet.number == 2 and sheet.author_side == "vendor" and sheet.status == "open"
    assert (sheet.start_date, sheet.end_date) == (date(2027, 1, 1), date(2027, 12, 31))
    assert services.diff_terms(old, sheet) == [
        {"kind": "changed", "field": "start_date", "old": "2026-01-01", "new": "2027-01-01", "line": None,
         "territory": None},
        {"kind": "changed", "field": "end_date", "old": "2026-12-31", "new": "2027-12-31", "line": None,
         "territory": None}]
    assert old.status == "locked"
    assert len(_notified(people["applicant"], "terms_renewal")) == before + 1
    p1_admin = db.session.scalar(sa.select(type(people["admin"])).where(type(people["admin"]).email == "p1.admin@test.example"))
    assert _notified(p1_admin, "terms_renewal")
    with pytest.raises(DomainError, match="already under negotiation"):
        services.start_renewal(signed_agreement, people["manager"])


def test_renewal_periods_keep_whole_months():
    assert services.renewal_period(date(2024, 3, 1), date(2025, 2, 28)) == (date(2025, 3, 1), date(2026, 2, 28))
    assert services.renewal_period(date(2025, 7, 1), date(2025, 12, 31)) == (date(2026, 1, 1), date(2026, 6, 30))
    assert services.renewal_period(date(2025, 1, 10), date(2025, 1, 19)) == (date(2025, 1, 20), date(2025, 1, 29))


def test_the_renew_route_starts_a_renewal_for_the_partners_manager_only(signed_agreement, make_client, db):
    url = f"/agreements/{signed_agreement.id}/renew"
    for email, status in (("zj.manager@test.example", 404), ("applicant1@test.example", 403),
                          ("p1.admin@test.example", 403)):
        c = make_client()
        c.login(email)
        assert c.post(url).status_code == status, email
    c = make_client()
    c.login("gd.manager@test.example")
    response = c.post(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/prospects/{signed_agreement.prospect_id}/terms")
    assert services.latest_version(signed_agreement.prospect).number == 2
