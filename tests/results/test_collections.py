"""Payment collection (回款): recorded by the partner's manager with the time of receipt in
Beijing time, counted in that business month; each partner sees only its own."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.errors import ValidationError
from portal.extensions import db as _db
from portal.notifications.models import Notification
from portal.results import collections
from portal.results.models import PaymentCollection


def payment_form(**over):
    data = {"amount": "15000.05", "received_at": "2026-10-20T10:00", "reference": "ICBC-2026-001", "note": ""}
    data.update(over)
    return data


def rows():
    return _db.session.scalars(sa.select(PaymentCollection).order_by(PaymentCollection.id)).all()


@pytest.fixture
def gd(client, partners):
    client.login("gd.manager@test.example")
    return client


@pytest.mark.parametrize("typed, utc, month", [
    ("2026-11-01T00:30", datetime(2026, 10, 31, 16, 30, tzinfo=timezone.utc), date(2026, 11, 1)),
    ("2026-10-31T23:30", datetime(2026, 10, 31, 15, 30, tzinfo=timezone.utc), date(2026, 10, 1)),
    ("2026-10-01T00:00", datetime(2026, 9, 30, 16, 0, tzinfo=timezone.utc), date(2026, 10, 1)),
])
def test_the_time_received_is_beijing_time_and_decides_the_month(gd, partners, typed, utc, month):
    response = gd.post(f"/results/collections/{partners['one'].id}", payment_form(received_at=typed))
    assert response.status_code == 302
    [row] = rows()
    assert (row.partner_id, row.amount, row.received_at, row.month, row.reference) == (
        partners["one"].id, Decimal("15000.05"), utc, month, "ICBC-2026-001")


def test_the_month_is_beijing_time_even_for_a_manager_in_another_zone(gd, partners, people):
    people["manager"].timezone = "Europe/London"
    _db.session.commit()
    assert gd.post(f"/results/collections/{partners['one'].id}",
                   payment_form(received_at="2026-11-01T00:30")).status_code == 302
    assert rows()[0].month == date(2026, 11, 1)


@pytest.mark.parametrize("field, value, message", [
    ("amount", "0", "Enter an amount greater than zero."),
    ("amount", "-10", "Enter an amount greater than zero."),
    ("amount", "10.001", "Give the amount with at most two decimal places."),
    ("amount", "", "Enter the amount received."),
    ("reference", "", "Enter the bank reference of the payment."),
    ("received_at", "", "Enter the date and time the money was received."),
    ("received_at", "yesterday", "Enter the date and time as YYYY-MM-DD HH:MM."),
    ("received_at", "2099-01-01T10:00", "The money cannot have been received in the future."),
])
def test_bad_payments_are_refused_next_to_the_field(gd, partners, field, value, message):
    response = gd.post(f"/results/collections/{partners['one'].id}", payment_form(**{field: value}))
    assert response.status_code == 400
    assert f'id="{field}-error">{message}' in response.get_data(as_text=True)
    assert rows() == []


def test_the_service_refuses_a_manager_who_does_not_look_after_the_partner(partners, people):
    with pytest.raises(Exception) as caught:
        collections.record_collection(partners["one"], "10", datetime.now(timezone.utc) - timedelta(hours=1), "R",
                                      None, people["other_manager"])
    assert "channel manager" in str(caught.value)
    with pytest.raises(ValidationError):
        collections.record_collection(partners["one"], "10", None, "R", None, people["manager"])


def test_another_provinces_manager_gets_404(client, partners):
    client.login("zj.manager@test.example")
    assert client.post(f"/results/collections/{partners['one'].id}", payment_form()).status_code == 404
    assert client.get(f"/results/collections/{partners['one'].id}").status_code == 404
    assert rows() == []


def test_lists_per_partner_and_month_with_totals(gd, make_client, partners):
    for typed, amount in (("2026-09-15T10:00", "100.00"), ("2026-10-01T00:30", "200.00"),
                          ("2026-10-31T23:59", "300.00"), ("2026-11-01T00:00", "400.00")):
        response = gd.post(f"/results/collections/{partners['one'].id}",
                           payment_form(received_at=typed, amount=amount, reference=f"ICBC-{typed}"))
        assert response.status_code == 302
        gd.get(response.headers["Location"])  # shows (and so clears) the flash message
    october = gd.get(f"/results/collections/{partners['one'].id}?month=2026-10").get_data(as_text=True)
    assert "¥200.00" in october and "¥300.00" in october and "¥500.00" in october
    assert "¥100.00" not in october and "¥400.00" not in october
    overview = gd.get(f"/results/collections?partner={partners['one'].id}&month=2026-11").get_data(as_text=True)
    assert "¥400.00" in overview and "Partner One Trading" in overview and "¥300.00" not in overview
    assert collections.month_total(partners["one"].id, date(2026, 10, 1)) == Decimal("500.00")
    zj = make_client()
    zj.login("zj.manager@test.example")
    assert "¥400.00" not in zj.get("/results/collections").get_data(as_text=True)


def test_a_partner_sees_its_own_payments_only_and_is_told(gd, make_client, partners):
    assert gd.post(f"/results/collections/{partners['one'].id}", payment_form(amount="8888.00")).status_code == 302
    p1 = make_client()
    p1.login("p1.staff@test.example")
    assert "¥8,888.00" in p1.get("/partner/results/collections").get_data(as_text=True)
    p2 = make_client()
    p2.login("p2.admin@test.example")
    page = p2.get("/partner/results/collections").get_data(as_text=True)
    assert "8,888" not in page and "No payment recorded yet." in page
    p1_admin = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    note = _db.session.scalar(sa.select(Notification).where(Notification.user_id == p1_admin.id,
                                                            Notification.kind == "collection_recorded"))
    assert note is not None and note.params["received"] == "2026-10-20 10:00"
