"""The commission fixture, whose figures the tests check against amounts worked out by hand.

Partner One (Shenzhen, the Guangdong manager's) has a countersigned agreement in force for the
last year, with three product lines at different rates: mobile 3.35 %, broadband 5 %, devices
2.5 %. Two outlets report PSI figures through the results package's own services (by form, and
by an import giving a date and time in Beijing time), so the monthly totals stay in step.

The months are counted back from today, so the tests run in any month: EARLY (3 months ago),
MAIN (2 months ago) and LATE (last month) have all ended.
"""
import html
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.commissions import services
from portal.commissions.models import CommissionStatement
from portal.core.audit import acting_as
from portal.core.i18n import add_months
from portal.core.models import utcnow
from portal.extensions import db as _db
from portal.finance.models import BankAccount
from portal.negotiation.models import TermLine
from portal.partners.models import Outlet
from portal.reference.models import ProductLine
from portal.results import psi
from portal.results.values import month_value

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
P1_ADMIN, P1_STAFF, P2_ADMIN = "p1.admin@test.example", "p1.staff@test.example", "p2.admin@test.example"
GD_MANAGER, ZJ_MANAGER, ADMIN, FINANCE = ("gd.manager@test.example", "zj.manager@test.example",
                                          "admin@test.example", "finance@test.example")
ACCOUNT_NUMBER = "6222020200112233445"

CURRENT = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)  # the business month now
EARLY, MAIN, LATE = add_months(CURRENT, -3), add_months(CURRENT, -2), add_months(CURRENT, -1)


def text(response):
    return html.unescape(response.get_data(as_text=True))


def user(email):
    return _db.session.scalar(sa.select(User).where(User.email == email))


def statement_of(partner, month):
    return _db.session.scalar(sa.select(CommissionStatement).where(CommissionStatement.partner_id == partner.id,
                                                                   CommissionStatement.month == month))


def summary(statement):
    """The lines as (kind, product line code, source month, base, rate, amount), in order."""
    return [(line.kind, line.product_line.code if line.product_line else None, line.source_month, line.base_amount,
             line.rate, line.amount) for line in statement.lines]


@pytest.fixture
def cast(people, partners, reference_data, make_agreement, db):
    devices = ProductLine(code="devices", name_en="Handsets", name_zh="终端", position=3)
    futian = Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="store")
    nanshan = Outlet(partner_id=partners["one"].id, name="Nanshan Kiosk", address="8 Keyuan Road",
                     city_id=reference_data["GD-SZ"].id, kind="kiosk")
    db.session.add_all([devices, futian, nanshan])
    db.session.commit()
    agreement = make_agreement(partners["one"].prospect, status="countersigned", partner=partners["one"], pdf=PDF)
    agreement.start_date, agreement.end_date = add_months(EARLY, -9), None
    for line, rate in ((reference_data["mobile"], "3.3500"), (reference_data["broadband"], "5.0000"),
                       (devices, "2.5000")):
        agreement.term_sheet.lines.append(TermLine(product_line_id=line.id, commission_rate=Decimal(rate),
                                                   monthly_target=Decimal("100000.00")))
    db.session.commit()
    return {**people, **partners, "mobile": reference_data["mobile"], "broadband": reference_data["broadband"],
            "devices": devices, "futian": futian, "nanshan": nanshan, "p1_admin": user(P1_ADMIN),
            "p2_admin": user(P2_ADMIN)}


@pytest.fixture
def report(cast, db):
    """Partner One's admin reports an outlet's figures of a product line for a month (by form)."""
    def submit(outlet, line, month, sales, returns="0"):
        psi.submit_report(cast["one"], cast[outlet].id, cast[line].id, month_value(month),
                          {"purchases": "1", "sales": "1", "sales_amount": sales, "returns_amount": returns,
                           "closing_inventory": "0"}, cast["p1_admin"])
        db.session.commit()

    return submit


@pytest.fixture
def figures(cast, report, db):
    """The PSI figures of the fixture (worked by hand in test_calculation):

    EARLY  mobile     Futian   sales 2,000.00
    MAIN   mobile     Futian   sales 11,030.00
           mobile     Nanshan  sales 1,000.00, returns 200.00, imported as sold at 00:30 on the
                               1st of MAIN in Beijing time (still the last day of EARLY in UTC)
           broadband  Futian   sales 8,888.88, returns 1,234.57
           devices    Futian   sales 4,444.20
    """
    report("futian", "mobile", EARLY, "2000.00")
    report("futian", "mobile", MAIN, "11030.00")
    report("futian", "broadband", MAIN, "8888.88", "1234.57")
    report("futian", "devices", MAIN, "4444.20")
    data = ("Date and time,Outlet,Product line,Purchases,Sales,Sales amount,Returns amount,Closing inventory\r\n"
            f"{MAIN.isoformat()} 00:30,Nanshan Kiosk,mobile,5,5,1000.00,200.00,0\r\n").encode()
    result = psi.import_reports(data, "psi.csv", cast["one"], cast["p1_admin"])
    assert result.ok, result.errors
    db.session.commit()
    return cast


@pytest.fixture
def bank_account(cast, db):
    account = BankAccount(partner_id=cast["one"].id, account_name=cast["one"].name, bank_name="中国工商银行",
                          account_number=ACCOUNT_NUMBER, current=True, approved_by_id=cast["manager"].id,
                          approved_at=utcnow())
    db.session.add(account)
    db.session.commit()
    return account


@pytest.fixture
def compute(cast, db):
    """Compute ``partner``'s statement for ``month`` as the Guangdong manager, and commit."""
    def run(month, partner=None, actor=None):
        actor = actor or cast["manager"]
        with acting_as(actor):
            statement = services.compute_statement(partner or cast["one"], month, actor)
        db.session.commit()
        return statement

    return run


@pytest.fixture
def settle(cast, compute, bank_account, db):
    """Compute, approve (GD manager) and release (finance) ``month``; returns the statement."""
    def run(month, reference="ICBC-TRANSFER-1"):
        statement = compute(month)
        with acting_as(cast["manager"]):
            services.approve(statement, cast["manager"])
        db.session.commit()
        with acting_as(cast["finance"]):
            services.release(statement, cast["finance"], reference)
        db.session.commit()
        return statement

    return run


@pytest.fixture
def as_user(make_client):
    def factory(email):
        client = make_client()
        client.login(email)
        return client

    return factory
