"""Closing an outlet asks for the day it closed (today by default, never in the future, never
before it opened); the rent subsidy stops that day, and a month already paid past it is clawed
back on the next statement. Reopening clears the date."""
from datetime import date, timedelta
from decimal import Decimal

from portal.core.i18n import business_today
from portal.subsidies.services import subsidy_lines
from tests.subsidies.conftest import NOVEMBER, OCTOBER, P1_ADMIN, P1_STAFF, P2_ADMIN, SEPTEMBER, field_error, text


def close_url(outlet):
    return f"/partner/outlets/{outlet.id}/active"


def test_the_closing_page_asks_for_the_date_with_today_filled_in(cast, as_user):
    page = text(as_user(P1_ADMIN).get(close_url(cast["futian"])))
    assert f'value="{business_today().isoformat()}"' in page and 'name="closed_on"' in page
    assert "Close the outlet" in page
    assert 'href="/partner/outlets/%d/active"' % cast["futian"].id in text(as_user(P1_ADMIN).get("/partner/outlets"))


def test_closing_records_the_date_and_reopening_clears_it(cast, as_user, db):
    client = as_user(P1_ADMIN)
    response = client.post(close_url(cast["futian"]), {"active": "0", "closed_on": "2026-09-19"})
    assert response.status_code == 302
    db.session.refresh(cast["futian"])
    assert (cast["futian"].active, cast["futian"].closed_on) == (False, date(2026, 9, 19))
    assert "since" in text(client.get("/partner/outlets"))
    again = client.post(close_url(cast["futian"]), {"active": "0", "closed_on": business_today().isoformat()})
    assert again.status_code == 302 and "already closed" in text(client.get("/partner/outlets"))
    db.session.refresh(cast["futian"])
    assert cast["futian"].closed_on == date(2026, 9, 19)
    assert client.get(close_url(cast["futian"])).status_code == 302  # nothing to close
    assert client.post(close_url(cast["futian"]), {"active": "1"}).status_code == 302
    db.session.refresh(cast["futian"])
    assert (cast["futian"].active, cast["futian"].closed_on) == (True, None)


def test_without_a_date_the_outlet_closes_today(cast, as_user, db):
    assert as_user(P1_ADMIN).post(close_url(cast["futian"]), {"active": "0"}).status_code == 302
    db.session.refresh(cast["futian"])
    assert cast["futian"].closed_on == business_today()


def test_a_closing_date_in_the_future_or_before_the_opening_is_refused(cast, as_user, db):
    client = as_user(P1_ADMIN)
    tomorrow = (business_today() + timedelta(days=1)).isoformat()
    for closed_on, message in ((tomorrow, "cannot be in the future"), ("2025-05-31", "opened on 2025-06-01"),
                               ("2026-02-30", "Enter a date as YYYY-MM-DD.")):
        response = client.post(close_url(cast["futian"]), {"active": "0", "closed_on": closed_on})
        assert response.status_code == 400
        assert message in field_error(text(response), "closed_on")
    db.session.refresh(cast["futian"])
    assert (cast["futian"].active, cast["futian"].closed_on) == (True, None)


def test_only_the_partners_own_admin_may_close_its_outlet(cast, as_user):
    assert as_user(P1_STAFF).get(close_url(cast["futian"])).status_code == 403
    assert as_user(P2_ADMIN).get(close_url(cast["futian"])).status_code == 404


def test_closing_with_a_backdated_date_claws_back_the_paid_days(cast, lease, release, as_user, db):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    release(cast["one"], SEPTEMBER, subsidy_lines(cast["one"], SEPTEMBER))  # ¥1,500.00 for 30/30
    assert as_user(P1_ADMIN).post(close_url(cast["futian"]), {"active": "0", "closed_on": "2026-09-19"}).status_code == 302
    lines = subsidy_lines(cast["one"], OCTOBER)
    assert [(l["kind"], l["source_month"], l["amount"], l["description"]) for l in lines] == [
        ("subsidy_clawback", SEPTEMBER, Decimal("-600.00"), "18/30")]


def test_an_outlet_closed_with_an_accepted_lease_is_not_reopened_to_be_paid_for_the_days_it_was_closed(
        cast, lease, release, as_user, db):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    release(cast["one"], SEPTEMBER, subsidy_lines(cast["one"], SEPTEMBER))
    client = as_user(P1_ADMIN)
    assert client.post(close_url(cast["futian"]), {"active": "0", "closed_on": "2026-09-19"}).status_code == 302
    release(cast["one"], OCTOBER, subsidy_lines(cast["one"], OCTOBER))  # ¥600.00 taken back
    assert client.post(close_url(cast["futian"]), {"active": "1"}).status_code == 302
    assert "reopening it would pay the subsidy for the days it was closed" in text(client.get("/partner/outlets"))
    db.session.refresh(cast["futian"])
    assert (cast["futian"].active, cast["futian"].closed_on) == (False, date(2026, 9, 19))
    assert subsidy_lines(cast["one"], NOVEMBER) == []  # the September days are not paid back


def test_an_outlet_closed_today_by_mistake_can_be_reopened(cast, lease, as_user, db):
    lease(cast["futian"], date(2026, 1, 1), date(2027, 12, 31))
    client = as_user(P1_ADMIN)
    assert client.post(close_url(cast["futian"]), {"active": "0"}).status_code == 302
    assert client.post(close_url(cast["futian"]), {"active": "1"}).status_code == 302
    db.session.refresh(cast["futian"])
    assert (cast["futian"].active, cast["futian"].closed_on) == (True, None)
