"""Builders for the rent subsidy tests: Partner One under terms paying ¥1,500 per outlet per
month, an outlet, lease proofs, and released commission statements written as rows (as the
commissions package leaves them), so that these tests do not depend on its services."""
import html
import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.commissions.models import CommissionLine, CommissionStatement
from portal.core import storage
from portal.partners.models import Outlet
from portal.subsidies.models import LeaseProof

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
P1_ADMIN, P1_STAFF, P2_ADMIN = "p1.admin@test.example", "p1.staff@test.example", "p2.admin@test.example"
GD_MANAGER, ZJ_MANAGER, ADMIN, FINANCE = ("gd.manager@test.example", "zj.manager@test.example", "admin@test.example",
                                          "finance@test.example")
SEPTEMBER, OCTOBER, NOVEMBER = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)  # 30, 31, 30 days


def text(response):
    return html.unescape(response.get_data(as_text=True))


def field_error(page, field):
    """The message shown under ``field`` (the field macro's ``<id>-error`` element)."""
    start = page.index(f'id="{field}-error"')
    return page[page.index(">", start) + 1:page.index("</div>", start)]


def proofs(db):
    return db.session.scalars(sa.select(LeaseProof).order_by(LeaseProof.id)).all()


@pytest.fixture
def cast(people, partners, make_agreement, reference_data, db):
    """Partner One's countersigned agreement (in force from 2020 on) pays ¥1,500 per outlet; its
    Futian Store has been open since 2025. Partner Two has an outlet too."""
    agreement = make_agreement(partners["one"].prospect, status="countersigned", partner=partners["one"], pdf=PDF)
    agreement.start_date, agreement.end_date = date(2020, 1, 1), None
    agreement.term_sheet.rent_subsidy_per_outlet = Decimal("1500.00")
    futian = Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="store", opened_on=date(2025, 6, 1))
    binjiang = Outlet(partner_id=partners["two"].id, name="Binjiang Store", address="8 Jiangnan Avenue",
                      city_id=reference_data["ZJ-HZ"].id, kind="store")
    db.session.add_all([futian, binjiang])
    db.session.commit()
    return {**people, **partners, "agreement": agreement, "futian": futian, "binjiang": binjiang}


@pytest.fixture
def lease(db):
    """A lease proof stored directly (for the rules): accepted unless told."""
    def make(outlet, starts_on, ends_on, status="accepted"):
        stored = storage.store_bytes(PDF, "lease.pdf", "application/pdf")
        proof = LeaseProof(partner_id=outlet.partner_id, outlet_id=outlet.id, file_id=stored.id, landlord="Landlord",
                           starts_on=starts_on, ends_on=ends_on, status=status)
        db.session.add(proof)
        db.session.commit()
        return proof

    return make


@pytest.fixture
def release(db):
    """Write a released statement of ``partner`` for ``month`` holding ``lines`` (dicts as
    subsidy_lines returns them), as the commissions package would once it is paid."""
    def make(partner, month, lines, status="released"):
        statement = CommissionStatement(number=f"CS-{month:%Y%m}-{partner.id:04d}", partner_id=partner.id, month=month,
                                        status=status, total=sum((l["amount"] for l in lines), Decimal("0.00")))
        statement.lines = [CommissionLine(position=n, **line) for n, line in enumerate(lines, 1)]
        db.session.add(statement)
        db.session.commit()
        return statement

    return make


@pytest.fixture
def as_user(make_client):
    def factory(email):
        client = make_client()
        client.login(email)
        return client

    return factory


def upload_form(outlet, file=PDF, file_name="lease.pdf", **overrides):
    """What a partner admin types into the lease form (a fresh file each time)."""
    data = {"outlet_id": str(outlet.id), "landlord": "深圳市福田物业有限公司", "monthly_rent": "8,000.00",
            "starts_on": "2026-01-10", "ends_on": "2028-01-09"}
    data.update(overrides)
    if file is not None:
        data["file"] = (io.BytesIO(file), file_name)
    return data
