"""Monthly targets: written from the agreement's terms at countersignature, adjusted from a month
on with a reason (audited), and read one at a time or for many partners in one query."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.errors import ValidationError
from portal.extensions import db as _db
from portal.negotiation.models import TermLine
from portal.notifications.models import Notification
from portal.partners.models import Partner
from portal.results import targets
from portal.results.models import PartnerTarget
from tests.partners.test_onboarding import sign_and_countersign

D = Decimal


def with_lines(agreement, **amounts):
    """Give the agreement's term sheet a line per product line code: monthly target amounts."""
    from portal.reference.models import ProductLine

    for code, amount in amounts.items():
        line = _db.session.scalar(sa.select(ProductLine).where(ProductLine.code == code))
        agreement.term_sheet.lines.append(TermLine(product_line_id=line.id, commission_rate=D("3.5"),
                                                   monthly_target=D(amount)))
    _db.session.commit()
    return agreement


def add_target(partner, line, month, amount, source="terms"):
    row = PartnerTarget(partner_id=partner.id, product_line_id=line.id, effective_month=month, amount=D(amount),
                        source=source)
    _db.session.add(row)
    _db.session.flush()
    return row


@pytest.fixture
def gd_manager(people):
    return people["manager"]


# ---- from the terms ---------------------------------------------------------------------------------


def test_countersignature_writes_the_terms_targets_from_the_start_month(people, make_prospect, make_agreement,
                                                                        reference_data):
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"], applicant=people["applicant"],
                             stage="agreement_sent", credit_code="91440300MA5HUATON1")
    agreement = with_lines(make_agreement(prospect), mobile="10000.00", broadband="2500.50")
    sign_and_countersign(agreement, people["applicant"], people["manager"])

    partner = _db.session.scalar(sa.select(Partner).where(Partner.prospect_id == prospect.id))
    rows = _db.session.scalars(sa.select(PartnerTarget).where(PartnerTarget.partner_id == partner.id)).all()
    assert sorted((r.product_line.code, r.effective_month, r.amount, r.source, r.agreement_id) for r in rows) == [
        ("broadband", date(2026, 1, 1), D("2500.50"), "terms", agreement.id),
        ("mobile", date(2026, 1, 1), D("10000.00"), "terms", agreement.id),
    ]
    assert all(r.created_by_id == people["manager"].id for r in rows)
    assert targets.target_for(partner, reference_data["mobile"], date(2026, 6, 1)) == D("10000.00")
    assert targets.target_for(partner, reference_data["mobile"], date(2025, 12, 1)) is None


def test_without_a_start_date_the_terms_start_in_the_signing_month(people, make_prospect, make_agreement, partners,
                                                                   reference_data, db):
    agreement = with_lines(make_agreement(partners["one"].prospect, status="countersigned", partner=partners["one"]),
                           mobile="800")
    agreement.start_date = None
    rows = targets.targets_from_agreement(agreement)
    from portal.core.i18n import business_today

    assert [r.effective_month for r in rows] == [business_today().replace(day=1)]


def test_writing_an_agreements_targets_twice_writes_nothing_more(people, make_agreement, partners, reference_data, db):
    agreement = with_lines(make_agreement(partners["one"].prospect, status="countersigned", partner=partners["one"]),
                           mobile="800")
    assert len(targets.targets_from_agreement(agreement)) == 1
    assert targets.targets_from_agreement(agreement) == []
    assert _db.session.scalar(sa.select(sa.func.count(PartnerTarget.id))) == 1


def test_a_renewal_that_leaves_out_a_product_line_ends_its_target(people, make_agreement, partners, reference_data,
                                                                  db):
    one = partners["one"]
    first = with_lines(make_agreement(one.prospect, status="countersigned", partner=one), mobile="800",
                       broadband="300")
    targets.targets_from_agreement(first)
    renewal = with_lines(make_agreement(one.prospect, status="countersigned", partner=one, kind="renewal",
                                        previous=first), mobile="900")
    renewal.start_date = date(2027, 1, 1)
    targets.targets_from_agreement(renewal)
    assert targets.targets_for([one.id], date(2026, 12, 1)) == {
        (one.id, reference_data["mobile"].id): D("800.00"), (one.id, reference_data["broadband"].id): D("300.00")}
    assert targets.targets_for([one.id], date(2027, 1, 1)) == {
        (one.id, reference_data["mobile"].id): D("900.00"), (one.id, reference_data["broadband"].id): D("0.00")}


# ---- adjustments ------------------------------------------------------------------------------------


def test_a_mid_year_adjustment_applies_from_its_month_on_and_not_before(partners, reference_data, gd_manager):
    one, mobile = partners["one"], reference_data["mobile"]
    add_target(one, mobile, date(2026, 1, 1), "10000")
    row = targets.adjust_target(one, mobile, "2026-07", "15000", "Two new outlets opened in June", gd_manager)
    _db.session.commit()
    assert (row.source, row.effective_month, row.amount, row.reason, row.created_by_id) == (
        "adjustment", date(2026, 7, 1), D("15000.00"), "Two new outlets opened in June", gd_manager.id)
    expected = {date(2025, 12, 1): None, date(2026, 1, 1): D("10000.00"), date(2026, 6, 1): D("10000.00"),
                date(2026, 7, 1): D("15000.00"), date(2026, 7, 31): D("15000.00"), date(2026, 12, 1): D("15000.00")}
    assert {month: targets.target_for(one, mobile, month) for month in expected} == expected
    # the other product line is untouched
    assert targets.target_for(one, reference_data["broadband"], date(2026, 8, 1)) is None


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_an_adjustment_needs_a_reason(partners, reference_data, gd_manager, reason):
    with pytest.raises(ValidationError) as caught:
        targets.adjust_target(partners["one"], reference_data["mobile"], date(2026, 7, 1), "15000", reason,
                              gd_manager)
    assert set(caught.value.errors) == {"reason"}
    assert _db.session.scalar(sa.select(sa.func.count(PartnerTarget.id))) == 0


@pytest.mark.parametrize("month, amount, field", [
    ("2026-7-", "100", "month"), ("July", "100", "month"), ("2099-01", "100", "month"),
    ("2026-07", "-1", "amount"), ("2026-07", "abc", "amount"), ("2026-07", "1.001", "amount"),
])
def test_bad_adjustments_name_the_field(partners, reference_data, gd_manager, month, amount, field):
    with pytest.raises(ValidationError) as caught:
        targets.adjust_target(partners["one"], reference_data["mobile"], month, amount, "Because", gd_manager)
    assert set(caught.value.errors) == {field}


def test_a_manager_adjusts_a_target_on_the_partner_page_and_it_is_audited(client, partners, reference_data,
                                                                         people):
    one, mobile = partners["one"], reference_data["mobile"]
    add_target(one, mobile, date(2026, 1, 1), "10000")
    _db.session.commit()
    client.login("gd.manager@test.example")
    response = client.post(f"/results/targets/{one.id}/adjust",
                           {"product_line_id": str(mobile.id), "month": "2026-07", "amount": "12,500",
                            "reason": "Mid-year review"})
    assert response.status_code == 302
    row = _db.session.scalar(sa.select(PartnerTarget).where(PartnerTarget.source == "adjustment"))
    assert (row.effective_month, row.amount, row.reason) == (date(2026, 7, 1), D("12500.00"), "Mid-year review")
    audit = _db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "PartnerTarget",
                                                         AuditLog.entity_id == str(row.id)))
    assert audit.action == "create" and audit.actor_id == people["manager"].id and "Mid-year review" in audit.new_value
    page = client.get(f"/results/targets/{one.id}").get_data(as_text=True)
    assert "Mid-year review" in page and "July 2026" in page and "January 2026" in page
    assert "¥12,500.00" in page and "¥10,000.00" in page
    p1_admin = next(u for u in one.users if u.email == "p1.admin@test.example")
    assert _db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == p1_admin.id, Notification.kind == "target_adjusted")) == 1


def test_the_page_refuses_an_adjustment_without_a_reason(client, partners, reference_data):
    client.login("gd.manager@test.example")
    response = client.post(f"/results/targets/{partners['one'].id}/adjust",
                           {"product_line_id": str(reference_data["mobile"].id), "month": "2026-07",
                            "amount": "12500", "reason": ""})
    assert response.status_code == 400
    assert 'id="reason-error">Say why the target changes' in response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count(PartnerTarget.id))) == 0


def test_a_manager_of_another_province_cannot_adjust(client, partners, reference_data):
    client.login("zj.manager@test.example")
    response = client.post(f"/results/targets/{partners['one'].id}/adjust",
                           {"product_line_id": str(reference_data["mobile"].id), "month": "2026-07",
                            "amount": "12500", "reason": "Because"})
    assert response.status_code == 404
    assert _db.session.scalar(sa.select(sa.func.count(PartnerTarget.id))) == 0


def test_setting_the_same_target_again_is_refused(partners, reference_data, gd_manager):
    add_target(partners["one"], reference_data["mobile"], date(2026, 1, 1), "10000")
    with pytest.raises(ValidationError) as caught:
        targets.adjust_target(partners["one"], reference_data["mobile"], "2026-03", "10000.00", "x", gd_manager)
    assert "already" in str(caught.value.errors["amount"][0])


# ---- reading many at once ---------------------------------------------------------------------------


def test_the_latest_row_of_a_month_wins(partners, reference_data):
    one, mobile = partners["one"], reference_data["mobile"]
    add_target(one, mobile, date(2026, 3, 1), "5000")
    add_target(one, mobile, date(2026, 3, 1), "6000", source="adjustment")
    assert targets.target_for(one, mobile, date(2026, 3, 1)) == D("6000.00")
    assert targets.targets_for([one.id], date(2026, 3, 1)) == {(one.id, mobile.id): D("6000.00")}


def test_the_batch_agrees_with_one_at_a_time_in_one_query(partners, reference_data, people, db):
    from portal.partners.queries import visible_partners

    one, two = partners["one"], partners["two"]
    mobile, broadband = reference_data["mobile"], reference_data["broadband"]
    add_target(one, mobile, date(2026, 1, 1), "10000")
    add_target(one, mobile, date(2026, 7, 1), "12000", source="adjustment")
    add_target(one, mobile, date(2026, 12, 1), "15000", source="adjustment")
    add_target(one, broadband, date(2026, 1, 1), "2000")
    add_target(two, mobile, date(2026, 3, 1), "5000")
    add_target(two, mobile, date(2026, 3, 1), "6000", source="adjustment")
    add_target(two, broadband, date(2026, 9, 1), "0")
    _db.session.commit()

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    ids = [one.id, two.id]
    for month in (date(2025, 12, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 7, 1), date(2026, 9, 15),
                  date(2026, 12, 1), date(2027, 6, 1)):
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            batch = targets.targets_for(ids, month)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert len(statements) == 1
        statements.clear()
        single = {(p.id, line.id): targets.target_for(p, line, month)
                  for p in (one, two) for line in (mobile, broadband)}
        assert batch == {key: amount for key, amount in single.items() if amount is not None}
    # a select of ids works as well as a list, and an empty list asks nothing
    ids = visible_partners(people["manager"]).with_only_columns(Partner.id)
    assert targets.targets_for(ids, date(2026, 7, 1)) == {(one.id, mobile.id): D("12000.00"),
                                                          (one.id, broadband.id): D("2000.00")}
    assert targets.targets_for([], date(2026, 7, 1)) == {}


def test_the_targets_overview_shows_this_months_targets_of_my_partners(client, partners, reference_data):
    add_target(partners["one"], reference_data["mobile"], date(2026, 1, 1), "10000")
    add_target(partners["two"], reference_data["mobile"], date(2026, 1, 1), "7777")
    _db.session.commit()
    client.login("gd.manager@test.example")
    page = client.get("/results/targets?month=2026-10").get_data(as_text=True)
    assert "Partner One Trading" in page and "¥10,000.00" in page
    assert "Partner Two Retail" not in page and "7,777" not in page
    assert "No partner matches this name." in client.get("/results/targets?q=zzz").get_data(as_text=True)
