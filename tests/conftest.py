"""Test fixtures: an app whose schema is built by the migrations, a clean database per test,
clients that speak CSRF, and small builders.

Set PORTAL_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run the
suite on PostgreSQL; otherwise it runs on a SQLite file in a temporary folder.
"""
import contextvars
import os
import re
import tempfile
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db as _db
from portal.extensions import limiter, mail

PASSWORD = "correct-horse-battery"
TEST_DB_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DB_URL and TEST_DB_URL.startswith("postgresql"))


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set PORTAL_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # In the PostgreSQL run a skipped PostgreSQL test is a failure: it proves nothing.
    if ON_POSTGRES and report.skipped and "postgres" in item.keywords:
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped in the PostgreSQL run: {report.longrepr}"


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="portal-tests-") as root:
        yield Path(root)


def _reset_schema(app):
    with app.app_context():
        engine = _db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))


def _worker_database(url):
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw0``, …), made
    if missing; SQLite files are already per worker (each has its own ``tmp_root``)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    url = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    name = f"{url.database}_{worker}"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(tmp_root):
    url = _worker_database(TEST_DB_URL) if ON_POSTGRES else TEST_DB_URL or f"sqlite:///{tmp_root / 'test.sqlite3'}"
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(tmp_root / "uploads"),
        "MAIL_FILE_PATH": str(tmp_root / "outbox"),
        "SERVER_NAME": None,
    })
    _reset_schema(app)
    return app


def _clean_tables(app):
    with app.app_context():
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # DELETE with triggers (and so foreign-key checks) off is ~20x faster than
                # TRUNCATE on these small tables: 12 ms against 215 ms a test.
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                for table in tables:
                    conn.execute(table.delete())
            else:
                conn.execute(sa.text("PRAGMA defer_foreign_keys=ON"))  # users and partners refer to each other
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture(autouse=True)
def db(app, request):
    """A clean database for every test, with an app context pushed. Tests marked ``shared_data``
    (a module that loads a large world once, and whose tests only read it or change it inside
    ``rolled_back``) leave the tables to the module."""
    ctx = app.test_request_context()
    ctx.push()
    # Mail sent in a test lands in this list (flask_mailman's locmem backend), also as mail.outbox.
    mail.outbox = app.extensions["mailman"].outbox = []
    try:
        limiter.reset()
    except Exception:
        pass
    yield _db
    _db.session.rollback()
    _db.session.remove()
    ctx.pop()
    if request.node.get_closest_marker("shared_data") is None:
        _clean_tables(app)


@contextmanager
def rolled_back():
    """Everything inside (the test's session and every request's) runs on one connection, in one
    transaction rolled back at the end: a session's commit only releases a savepoint. For modules
    that build a large world once (marked ``shared_data``) and let each test change it freely.
    Needs an app context; not for tests that need two connections (concurrency)."""
    engines = _db.engines
    engine = engines[None]
    _db.session.remove()
    conn = engine.connect()
    raw = conn.connection.driver_connection
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # pysqlite begins transactions itself; the first RELEASE would commit: take over
        raw.isolation_level = None
    outer = conn.begin()
    if sqlite:
        conn.exec_driver_sql("BEGIN")
    factory = _db.session.session_factory
    factory.kw["join_transaction_mode"] = "create_savepoint"
    engines[None] = conn
    try:
        yield conn
    finally:
        _db.session.remove()
        engines[None] = engine
        factory.kw.pop("join_transaction_mode")
        outer.rollback()
        if sqlite:
            raw.isolation_level = ""
        conn.close()
        from portal.results.figures_cache import figures_cache

        figures_cache.clear()


class PortalClient:
    """A test client that fetches the CSRF token as a browser would.

    Each request runs in a fresh context (contextvars), so it gets its own app context, ``g``,
    signed-in user and database session, as in production, rather than sharing the test's.
    After each request the test's session is expired so it reads what the request committed.
    """

    def __init__(self, app, headers=None):
        self.app = app
        self.client = app.test_client()
        self.headers = headers or {}
        self.token = None

    def _csrf(self):
        if self.token is None:
            html = self._run("get", "/password/forgot", headers=dict(self.headers)).get_data(as_text=True)
            self.token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        return self.token

    def _run(self, method, *args, **kw):
        response = contextvars.Context().run(getattr(self.client, method), *args, **kw)
        _db.session.expire_all()
        return response

    def get(self, url, **kw):
        kw.setdefault("headers", {}).update(self.headers)
        return self._run("get", url, **kw)

    def post(self, url, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self._csrf())
        kw.setdefault("headers", {}).update(self.headers)
        return self._run("post", url, data=data, **kw)

    def login(self, email, password=PASSWORD):
        self.token = None
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, f"login failed for {email}: {response.status_code}"
        self.token = None
        return response

    def logout(self):
        self.post("/logout")
        self.token = None


@pytest.fixture
def outbox(app):
    return app.extensions["mailman"].outbox


@pytest.fixture
def client(app):
    return PortalClient(app)


@pytest.fixture
def make_client(app):
    def factory(headers=None):
        return PortalClient(app, headers)

    return factory


# ---- builders ---------------------------------------------------------------------------------


@pytest.fixture
def reference_data(db):
    from portal.reference.models import ChannelType, PartnerTier, ProductLine, Territory

    gd = Territory(code="GD", level="province", name_en="Guangdong", name_zh="广东")
    sz = Territory(code="GD-SZ", level="city", name_en="Shenzhen", name_zh="深圳", parent=gd)
    gz = Territory(code="GD-GZ", level="city", name_en="Guangzhou", name_zh="广州", parent=gd)
    zj = Territory(code="ZJ", level="province", name_en="Zhejiang", name_zh="浙江")
    hz = Territory(code="ZJ-HZ", level="city", name_en="Hangzhou", name_zh="杭州", parent=zj)
    xz = Territory(code="XZ", level="province", name_en="Tibet", name_zh="西藏")
    social = ChannelType(code="social", name_en="Social channel", name_zh="社会渠道", position=1)
    campus = ChannelType(code="campus", name_en="Campus agent", name_zh="校园代理", position=2)
    mobile = ProductLine(code="mobile", name_en="Mobile plans", name_zh="移动套餐", position=1)
    broadband = ProductLine(code="broadband", name_en="Broadband", name_zh="宽带", position=2)
    gold = PartnerTier(code="gold", name_en="Gold", name_zh="金牌", position=1)
    db.session.add_all([gd, sz, gz, zj, hz, xz, social, campus, mobile, broadband, gold])
    db.session.commit()
    return {"GD": gd, "GD-SZ": sz, "GD-GZ": gz, "ZJ": zj, "ZJ-HZ": hz, "XZ": xz,
            "social": social, "campus": campus, "mobile": mobile, "broadband": broadband}


@pytest.fixture
def make_user(db):
    from portal.accounts.services import create_user

    def factory(email, role="manager", territories=(), name=None, locale="en"):
        user = create_user(email, name or email.split("@")[0].title(), role, locale=locale, password=PASSWORD,
                           territories=territories)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_prospect(db, reference_data):
    from portal.recruitment.models import Prospect, StageChange

    counter = {"n": 0}

    def factory(company="Acme Trading", territory="GD-SZ", owner=None, applicant=None, stage="new", **kw):
        counter["n"] += 1
        t = reference_data[territory] if isinstance(territory, str) else territory
        province, city = (t.parent, t) if t.level == "city" else (t, None)
        p = Prospect(company_name=company, contact_name=kw.pop("contact_name", "Li Lei"), province=province, city=city,
                     owner_id=owner.id if owner else None, applicant_user_id=applicant.id if applicant else None,
                     stage=stage, source=kw.pop("source", "manual"),
                     registered_capital=kw.pop("registered_capital", Decimal("1000000.00")), **kw)
        _db.session.add(p)
        _db.session.flush()
        _db.session.add(StageChange(prospect=p, from_stage=None, to_stage=stage))
        _db.session.commit()
        return p

    return factory


@pytest.fixture
def people(make_user, reference_data):
    """The cast of the access tests: two managers of different provinces, two applicants, an admin,
    a finance officer."""
    return {
        "admin": make_user("admin@test.example", "admin"),
        "finance": make_user("finance@test.example", "finance"),
        "manager": make_user("gd.manager@test.example", "manager", [reference_data["GD"]]),
        "other_manager": make_user("zj.manager@test.example", "manager", [reference_data["ZJ"]]),
        "applicant": make_user("applicant1@test.example", "applicant"),
        "other_applicant": make_user("applicant2@test.example", "applicant"),
    }


@pytest.fixture
def partners(people, make_user, make_prospect, reference_data, db):
    """Two signed partner organisations: One in Shenzhen (Guangdong, managed by the GD manager)
    with an admin and a staff member, Two in Hangzhou (Zhejiang) with an admin."""
    from portal.partners.models import Partner

    def partner(name, territory, manager, code):
        t = reference_data[territory]
        prospect = make_prospect(name, territory, owner=manager, stage="signed", credit_code=code)
        p = Partner(name=name, credit_code=code, prospect_id=prospect.id, province_id=t.parent_id, city_id=t.id,
                    channel_type_id=reference_data["social"].id, manager_id=manager.id, status="active")
        p.territories = [t]
        db.session.add(p)
        db.session.commit()
        return p

    one = partner("Partner One Trading", "GD-SZ", people["manager"], "91440300MA5EXAMPLA")
    two = partner("Partner Two Retail", "ZJ-HZ", people["other_manager"], "91330100MA2B123450")
    for email, role, org in (("p1.admin@test.example", "partner_admin", one), ("p1.staff@test.example", "partner_staff", one),
                             ("p2.admin@test.example", "partner_admin", two)):
        user = make_user(email, role)
        user.partner_id = org.id
    db.session.commit()
    return {"one": one, "two": two}


@pytest.fixture
def make_agreement(db, reference_data):
    """An agreement as generation leaves it, without the generation code: a locked term sheet and
    an agreement (status "sent" unless told) whose small real PDF is stored with its SHA-256.
    The prospect's stage is left as it is (give make_prospect stage="agreement_sent")."""
    from datetime import date

    from portal.agreements.models import Agreement, AgreementTemplate
    from portal.core.pdf import render
    from portal.core.storage import store_bytes
    from portal.negotiation.models import TermSheet
    from portal.reference.models import PartnerTier

    counter = {"n": 0}

    def factory(prospect, deposit=Decimal("20000.10"), territories=None, tier=None, exclusive=True, kind="original",
                status="sent", previous=None, partner=None, channel_type=None, text="Distribution agreement", pdf=None):
        counter["n"] += 1
        template = _db.session.scalar(sa.select(AgreementTemplate).where(AgreementTemplate.code == "test-distributor"))
        if template is None:
            template = AgreementTemplate(code="test-distributor", version=1, name_en="Distributor agreement",
                                         name_zh="经销协议", body_en="<p>Terms</p>", body_zh="<p>条款</p>")
            _db.session.add(template)
        tier = tier or _db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))
        sheet = TermSheet(prospect_id=prospect.id, number=len(prospect.term_sheets) + 1, author_side="vendor",
                          status="locked", exclusive=exclusive,
                          channel_type_id=(channel_type or reference_data["social"]).id, tier_id=tier.id,
                          start_date=date(2026, 1, 1), end_date=date(2027, 12, 31), deposit=Decimal(deposit))
        sheet.territories = list(territories) if territories is not None else [prospect.city or prospect.province]
        _db.session.add(sheet)
        number = f"T-{prospect.id}-{counter['n']:03d}"
        html = (f"<h1>{text} {number}</h1><p>{prospect.company_name}</p>"
                f"<p>Deposit CNY {sheet.deposit}</p>")
        stored = store_bytes(pdf or render(html), f"{number}.pdf", "application/pdf")  # pdf: bytes to skip rendering
        agreement = Agreement(number=number, kind=kind, status=status, prospect_id=prospect.id,
                              partner_id=partner.id if partner else None, term_sheet=sheet, template=template,
                              previous_id=previous.id if previous else None, start_date=sheet.start_date,
                              end_date=sheet.end_date, document_id=stored.id)
        _db.session.add(agreement)
        _db.session.commit()
        return agreement

    return factory
