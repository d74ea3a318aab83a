"""Seed PostgreSQL with a large channel (5,000 partners, 20,000 outlets, 100,000 prospects,
1,000,000 PSI lines) and print the median server time and the SQL query count of the results
dashboard, the partner directory and a partner page, as an admin and as a manager.

Run:
    .venv/bin/python bench/dashboard.py [repetitions] [--reseed]

The database comes from BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench)
and is created if missing. Seeding (bulk COPY, a few minutes at most) happens once: a later run
reuses the data (upgrading the schema to the latest migration first) unless --reseed is given,
which drops and rebuilds the schema. The PSI lines are copied around the portal, so their monthly
totals (psi_month_total, what the dashboard reads) are then rebuilt in one INSERT … SELECT …
GROUP BY (portal.results.psi.rebuild_totals); a reused database without totals gets them too. Figures, not a
test; the target is under 100 ms a page. Pages that do not exist yet are skipped with a message.

"Server time" is the time the WSGI app takes to answer a request in this process (the Flask
test client: no network, no browser); the first request of each page is a warm-up and is not
counted. The results pages keep their figures a short while under the figures version, and
after each commit that writes figures the process adds up again, off the request path, the
pages asked for in the last minute (portal.results.figures_cache). So three figures per page:
"median ms", the page asked again; "changed ms", the page asked after a commit that wrote
figures (as a PSI report does) once that background work is over, with "refresh ms", how long
that work took (a request that comes sooner waits for it, at most that long); "cold ms", the
page with the cache emptied before each request (a page nobody asked for in the last minute,
or the first request of a new process). Each with its statement count.
"""
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.results.models import new_figures_version  # noqa: E402
from portal.results.figures_cache import figures_cache, refresher  # noqa: E402

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
REPEAT = int(ARGS[0]) if ARGS else 20
RESEED = "--reseed" in sys.argv
PASSWORD = "bench-pass-2026"
SEED = 20261127

PARTNERS = 5_000
OUTLETS = 20_000
PROSPECTS = 100_000
PSI_LINES = 1_000_000
PROVINCES = 31
CITIES_PER_PROVINCE = 4
MANAGER_PROVINCES = 3  # the manager of the bench covers three provinces (~480 partners)


def ensure_database(url):
    """Create the database named in ``url`` if it does not exist."""
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def make_app(root):
    return create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": URL, "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": f"{root}/uploads",
        "MAIL_FILE_PATH": f"{root}/outbox", "SERVER_NAME": None, "FIGURES_REFRESH": True,
    })


# ---- seeding ------------------------------------------------------------------------------------


def copy_rows(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seeded():
    try:
        return (db.session.scalar(sa.text("SELECT count(*) FROM psi_entry")) or 0) >= PSI_LINES
    except sa.exc.ProgrammingError:
        db.session.rollback()
        return False


def fill_totals():
    """The monthly PSI totals of the lines copied in (COPY goes around the session that keeps them)."""
    from portal.results.psi import rebuild_totals

    started = time.perf_counter()
    count = rebuild_totals()
    db.session.commit()
    print(f"rebuilt {count:,} monthly PSI totals in {time.perf_counter() - started:.1f} s")


def ensure_totals():
    """A database seeded before the monthly totals existed: upgrade it and fill them."""
    upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    if not db.session.scalar(sa.text("SELECT count(*) FROM psi_month_total")):
        fill_totals()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
            autocommit.execute(sa.text("VACUUM ANALYZE psi_month_total"))


def reset_schema():
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))


def seed():
    from portal.accounts.services import create_user
    from portal.core.i18n import business_today
    from portal.reference.models import ChannelType, PartnerTier, ProductLine, Territory

    rng = random.Random(SEED)
    started = time.perf_counter()
    provinces, cities = [], []
    for p in range(PROVINCES):
        province = Territory(code=f"P{p:02d}", level="province", name_en=f"Province {p:02d}", name_zh=f"省{p:02d}")
        provinces.append(province)
        for c in range(CITIES_PER_PROVINCE):
            cities.append(Territory(code=f"P{p:02d}-C{c}", level="city", name_en=f"City {p:02d}-{c}",
                                    name_zh=f"市{p:02d}-{c}", parent=province))
    channels = [ChannelType(code=c, name_en=c.title(), name_zh=c, position=i)
                for i, c in enumerate(("social", "own_store", "online"))]
    tiers = [PartnerTier(code=t, name_en=t.title(), name_zh=t, position=i) for i, t in enumerate(("gold", "silver"))]
    lines = [ProductLine(code=c, name_en=c.title(), name_zh=c, position=i)
             for i, c in enumerate(("mobile", "broadband"))]
    db.session.add_all(provinces + cities + channels + tiers + lines)
    db.session.flush()
    admin = create_user("admin@bench.example", "Admin", "admin", locale="en", password=PASSWORD)
    manager = create_user("manager@bench.example", "Manager", "manager", locale="en", password=PASSWORD,
                          territories=provinces[:MANAGER_PROVINCES])
    db.session.commit()

    now = datetime.now(timezone.utc)
    conn = db.session.connection().connection.driver_connection
    cursor = conn.cursor()

    # partners: spread over the cities, a manager for those in the manager's provinces
    partner_rows = []
    for i in range(1, PARTNERS + 1):
        city = cities[rng.randrange(len(cities))]
        province = city.parent
        managed = provinces.index(province) < MANAGER_PROVINCES
        partner_rows.append((i, f"Partner {i:05d} Trading", province.id, city.id, channels[i % 3].id, tiers[i % 2].id,
                             managed and manager.id or None, "active" if i % 50 else "suspended", False, now, now))
    copy_rows(cursor, "partner", ("id", "name", "province_id", "city_id", "channel_type_id", "tier_id", "manager_id",
                                  "status", "exclusive", "created_at", "updated_at"), partner_rows)
    city_of = {row[0]: row[3] for row in partner_rows}

    outlet_rows = [(o, (o - 1) % PARTNERS + 1, f"Outlet {o:05d}", f"{o} Main Road", city_of[(o - 1) % PARTNERS + 1],
                    "store", True, now, now) for o in range(1, OUTLETS + 1)]
    copy_rows(cursor, "outlet", ("id", "partner_id", "name", "address", "city_id", "kind", "active", "created_at",
                                 "updated_at"), outlet_rows)

    stages = ("new", "qualifying", "negotiating", "agreement_sent", "signed", "rejected", "withdrawn")
    copy_rows(cursor, "prospect", ("company_name", "contact_name", "province_id", "city_id", "channel_type_id",
                                   "stage", "stage_changed_at", "owner_id", "source", "created_at", "updated_at"), (
        (f"Prospect {n:06d} Co", "Li Lei", (c := cities[n % len(cities)]).parent_id, c.id, channels[n % 3].id,
         stages[n % len(stages)], now, manager.id if n % 7 == 0 else None, "manual", now - timedelta(days=n % 700), now)
        for n in range(1, PROSPECTS + 1)))

    # targets: both product lines from January last year; a third adjusted mid-year
    this_month = business_today().replace(day=1)
    last_year = date(this_month.year - 1, 1, 1)
    target_rows = []
    for pid in range(1, PARTNERS + 1):
        base = Decimal(rng.randrange(20, 200) * 1000)
        target_rows += [(pid, lines[0].id, last_year, base, "terms", now),
                        (pid, lines[1].id, last_year, (base / 4).quantize(Decimal("0.01")), "terms", now)]
        if pid % 3 == 0:
            target_rows.append((pid, lines[0].id, date(this_month.year, 7, 1), base * Decimal("1.2"), "adjustment",
                                now))
    copy_rows(cursor, "partner_target", ("partner_id", "product_line_id", "effective_month", "amount", "source",
                                         "created_at"), target_rows)

    # PSI: every outlet and product line, month by month back from this month, until 1,000,000
    # lines; in this month 5% of the partners have not reported yet.
    def psi_rows():
        count, back = 0, 0
        while True:
            month = date(this_month.year, this_month.month, 1)
            for _ in range(back):
                month = (month - timedelta(days=1)).replace(day=1)
            for outlet_id, partner_id, *_rest in outlet_rows:
                if back == 0 and partner_id % 20 == 0:
                    continue
                for line in lines:
                    amount = Decimal(rng.randrange(5_000, 60_000))
                    units = rng.randrange(5, 80)
                    yield (partner_id, outlet_id, line.id, month, units + 5, units, amount,
                           Decimal(rng.randrange(0, 500)) if units % 9 == 0 else Decimal(0), rng.randrange(0, 30),
                           "import", now)
                    count += 1
                    if count >= PSI_LINES:
                        return
            back += 1

    copy_rows(cursor, "psi_entry", ("partner_id", "outlet_id", "product_line_id", "month", "purchases", "sales",
                                    "sales_amount", "returns_amount", "closing_inventory", "source", "created_at"),
              psi_rows())

    collection_rows = []
    for pid in range(1, PARTNERS + 1):
        month = this_month
        for _ in range(13):
            collection_rows.append((pid, Decimal(rng.randrange(10, 300) * 100), now, month, "BANK", now))
            month = (month - timedelta(days=1)).replace(day=1)
    copy_rows(cursor, "payment_collection", ("partner_id", "amount", "received_at", "month", "reference",
                                             "created_at"), collection_rows)
    for table in ("partner", "outlet", "prospect"):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    db.session.commit()
    fill_totals()

    partner_user = create_user("partner@bench.example", "Partner", "partner_admin", locale="en", password=PASSWORD)
    partner_user.partner_id = 3
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
        autocommit.execute(sa.text("VACUUM ANALYZE"))
    print(f"seeded {PARTNERS:,} partners, {OUTLETS:,} outlets, {PROSPECTS:,} prospects, {PSI_LINES:,} PSI lines, "
          f"{len(target_rows):,} targets, {len(collection_rows):,} collections in {time.perf_counter() - started:.0f} s")


# ---- timing -------------------------------------------------------------------------------------


def route_exists(app, rule_text):
    return any(rule.rule == rule_text for rule in app.url_map.iter_rules())


def main():
    import tempfile

    ensure_database(URL)
    with tempfile.TemporaryDirectory() as root:
        app = make_app(root)
        with app.app_context():
            if RESEED or not seeded():
                reset_schema()
                seed()
            else:
                print("reusing the seeded database (pass --reseed to rebuild it)")
                ensure_totals()
            queries = {"n": 0}
            event.listen(db.engine, "before_cursor_execute", lambda *a: queries.__setitem__("n", queries["n"] + 1))
            counts = {name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))
                      for name in ("partner", "outlet", "prospect", "psi_entry", "psi_month_total")}
            db.session.remove()
        print("rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))

        pages = [
            ("admin", "/results/"), ("admin", "/results/partners"), ("admin", "/results/outlets"),
            ("admin", "/results/behind"), ("admin", "/results/export.xlsx"),
            ("manager", "/results/"), ("manager", "/results/partners"), ("manager", "/results/outlets"),
            ("manager", "/results/export.xlsx"),
            ("partner", "/partner/results/"),
        ]
        for rule, url in (("/partners/", "/partners/"), ("/partners/<int:partner_id>", "/partners/1")):
            if route_exists(app, rule):
                pages += [("admin", url), ("manager", url)]
            else:
                print(f"skipped {url}: the route {rule} does not exist yet")

        clients = {}
        for role in ("admin", "manager", "partner"):
            client = app.test_client()
            response = client.post("/login", data={"email": f"{role}@bench.example", "password": PASSWORD})
            assert response.status_code == 302, (role, response.status_code)
            clients[role] = client

        def change_figures():
            """A commit that writes figures: the version is replaced, as by a PSI report."""
            with app.app_context():
                new_figures_version(db.session)
                db.session.commit()
            assert refresher.wait_idle(60)
            return refresher.last_seconds * 1000 if refresher.last_seconds is not None else None

        def measure(client, url, mode):
            timings, refreshes = [], []
            for _ in range(REPEAT):
                if mode == "cold":
                    figures_cache.clear()
                elif mode == "changed":
                    refresher.last_seconds = None
                    refreshed = change_figures()
                    if refreshed is not None:
                        refreshes.append(refreshed)
                queries["n"] = 0
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            return timings, queries["n"], response.status_code, refreshes

        print(f"{REPEAT} requests each (after one warm-up); target: under 100 ms")
        print(f"{'role':8} {'page':28} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'changed ms':>11} "
              f"{'queries':>8} {'refresh ms':>11} {'cold ms':>8} {'queries':>8} {'status':>7}")
        for role, url in pages:
            client = clients[role]
            client.get(url)  # warm-up
            timings, count, status, _ = measure(client, url, "again")
            changed, changed_count, _status, refreshes = measure(client, url, "changed")
            cold, cold_count, _status, _ = measure(client, url, "cold")
            p90 = timings[max(int(len(timings) * 0.9) - 1, 0)]
            refresh = f"{statistics.median(refreshes):11.1f}" if refreshes else f"{'-':>11}"  # nothing to add up
            print(f"{role:8} {url:28} {statistics.median(timings):10.1f} {p90:8.1f} {count:8d} "
                  f"{statistics.median(changed):11.1f} {changed_count:8d} {refresh} "
                  f"{statistics.median(cold):8.1f} {cold_count:8d} {status:7d}")


if __name__ == "__main__":
    main()
