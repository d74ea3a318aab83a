"""The dashboard, its other pages, the export and the partner's own page run the same number of
SQL statements with 10 partners as with 200: no statement per partner, outlet or month."""
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal.extensions import db as _db
from portal.partners.models import Outlet, Partner
from portal.results.models import PartnerTarget, PaymentCollection, PsiEntry
from portal.results.psi import rebuild_totals

OCTOBER = date(2026, 10, 1)
PAGES = ["/results/?month=2026-10", "/results/partners?month=2026-10&sort=progress",
         "/results/partners?month=2026-10&page=2", "/results/outlets?month=2026-10&period=year",
         "/results/behind?month=2026-10", "/results/export.xlsx?month=2026-10",
         "/results/?month=2026-10&territory={gd}&product_line={mobile}"]


@contextmanager
def counted_queries():
    counts = []

    def count(*_args, **_kw):
        counts.append(1)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)


def queries_for(client, url):
    with counted_queries() as counts:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(counts)


def add_partners(reference_data, start, n):
    """``n`` partners in Guangdong (half social, half campus), each with two outlets, targets on
    both product lines (one adjusted), six months of PSI lines and two collections; written in
    bulk, as figures, not through the services (then their monthly totals are rebuilt)."""
    ref = reference_data
    mobile, broadband = ref["mobile"].id, ref["broadband"].id
    partners = [{"name": f"Partner {i:03d}", "province_id": ref["GD"].id,
                 "city_id": ref["GD-SZ" if i % 2 else "GD-GZ"].id,
                 "channel_type_id": ref["social" if i % 2 else "campus"].id, "status": "active",
                 "exclusive": False, "created_at": datetime.now(timezone.utc), "updated_at": datetime.now(timezone.utc)}
                for i in range(start, start + n)]
    _db.session.execute(sa.insert(Partner), partners)
    ids = _db.session.scalars(sa.select(Partner.id).where(Partner.name.in_([p["name"] for p in partners]))).all()
    now = datetime.now(timezone.utc)
    _db.session.execute(sa.insert(Outlet), [
        {"partner_id": pid, "name": f"Shop {pid}-{k}", "address": "1 Road", "city_id": ref["GD-SZ"].id,
         "kind": "store", "active": True, "created_at": now, "updated_at": now} for pid in ids for k in (1, 2)])
    outlets = _db.session.execute(sa.select(Outlet.id, Outlet.partner_id).where(Outlet.partner_id.in_(ids))).all()
    targets, psi, collections = [], [], []
    for pid in ids:
        targets += [
            {"partner_id": pid, "product_line_id": mobile, "effective_month": date(2026, 1, 1), "amount": Decimal("1000.00")},
            {"partner_id": pid, "product_line_id": mobile, "effective_month": date(2026, 7, 1), "amount": Decimal("1200.00")},
            {"partner_id": pid, "product_line_id": broadband, "effective_month": date(2026, 1, 1), "amount": Decimal("300.00")},
        ]
        collections += [{"partner_id": pid, "amount": Decimal("100.00"), "received_at": now, "month": m}
                        for m in (date(2026, 9, 1), OCTOBER)]
    for outlet_id, pid in outlets:
        if pid % 5 == 0:
            continue  # some partners send no report
        for month in range(5, 11):
            psi.append({"partner_id": pid, "outlet_id": outlet_id, "product_line_id": mobile,
                        "month": date(2026, month, 1), "purchases": 5, "sales": 4, "closing_inventory": 1,
                        "sales_amount": Decimal(300 + (outlet_id * 37) % 500), "returns_amount": Decimal("10.00"),
                        "source": "form"})
    for model, rows in ((PartnerTarget, targets), (PsiEntry, psi), (PaymentCollection, collections)):
        if rows:
            _db.session.execute(sa.insert(model), rows)
    rebuild_totals(ids)  # bulk rows bypass the session's flush, which keeps the monthly totals
    _db.session.commit()
    return ids


@pytest.fixture
def own_admin(make_user, reference_data):
    """A partner admin of a social partner with its own figures."""
    ids = add_partners(reference_data, 900, 1)
    user = make_user("own.admin@test.example", "partner_admin")
    user.partner_id = ids[0]
    _db.session.commit()
    return user


@pytest.mark.parametrize("email", ["admin@test.example", "gd.manager@test.example"])
def test_the_dashboard_pages_do_not_query_once_per_partner(make_client, people, reference_data, email):
    client = make_client()
    client.login(email)
    urls = [u.format(gd=reference_data["GD"].id, mobile=reference_data["mobile"].id) for u in PAGES]
    add_partners(reference_data, 0, 10)
    few = {url: queries_for(client, url) for url in urls}
    add_partners(reference_data, 10, 190)
    many = {url: queries_for(client, url) for url in urls}
    assert many == few
    page = client.get("/results/partners?month=2026-10").get_data(as_text=True)
    assert "200 partners." in page


def test_the_partners_own_page_does_not_query_once_per_peer(make_client, people, reference_data, own_admin):
    client = make_client()
    client.login("own.admin@test.example")
    add_partners(reference_data, 0, 10)
    few = queries_for(client, "/partner/results/?month=2026-10")
    add_partners(reference_data, 10, 190)
    many = queries_for(client, "/partner/results/?month=2026-10")
    assert many == few
    assert "Rank among partners" in client.get("/partner/results/?month=2026-10").get_data(as_text=True)
