"""Builders shared by the agreement tests: a prospect with locked terms, and poppler helpers."""
import hashlib
import subprocess
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.negotiation.models import TermLine, TermSheet
from portal.reference.models import PartnerTier, ProductLine, Territory

CHINESE_CLAUSE = "乙方不得在约定区域以外窜货"
ENGLISH_CLAUSE = "no cross-territory selling"
SPECIAL = f"{CHINESE_CLAUSE}。\nThe partner agrees to {ENGLISH_CLAUSE} outside Shenzhen."


def lock_terms(prospect, *, territories=("GD-SZ",), exclusive=True, lines=(("mobile", "3.35", "200000.00"),
               ("broadband", "5.00", "50000.00")), deposit="20000.10", rent="1500.00",
               payment_terms="佣金按月结算。\nCommission is paid monthly.", special=SPECIAL,
               start=date(2026, 1, 1), end=date(2026, 12, 31), status="locked"):
    """A term sheet for ``prospect``, numbered after the existing ones, locked by default."""
    number = (db.session.scalar(sa.select(sa.func.max(TermSheet.number))
                                .where(TermSheet.prospect_id == prospect.id)) or 0) + 1
    tier = db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))
    sheet = TermSheet(prospect_id=prospect.id, number=number, author_side="vendor", status=status,
                      exclusive=exclusive, channel_type_id=prospect.channel_type_id, tier=tier, start_date=start,
                      end_date=end, deposit=Decimal(deposit), rent_subsidy_per_outlet=Decimal(rent),
                      payment_terms=payment_terms, special_clauses=special)
    sheet.territories = [db.session.scalar(sa.select(Territory).where(Territory.code == c)) for c in territories]
    for code, rate, target in lines:
        product = db.session.scalar(sa.select(ProductLine).where(ProductLine.code == code))
        sheet.lines.append(TermLine(product_line=product, commission_rate=Decimal(rate), monthly_target=Decimal(target)))
    db.session.add(sheet)
    db.session.commit()
    return sheet


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def poppler(tool, path, *args):
    return subprocess.run([tool, *args, str(path)] if tool != "pdftotext" else [tool, *args, str(path), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


def page_count(path):
    info = poppler("pdfinfo", path)
    return int(next(line.split(":")[1] for line in info.splitlines() if line.startswith("Pages:")))


def page_text(path, page):
    return poppler("pdftotext", path, "-f", str(page), "-l", str(page), "-layout")
