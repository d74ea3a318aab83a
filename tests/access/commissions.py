"""Access decisions for the commission pages (merged into tests/test_access.py).

The vendor side: managers and admins compute, correct, approve and send back the statements of
the partners they may see (Partner One is the Guangdong manager's: the Zhejiang manager gets
404); finance reads every statement and releases, but neither computes nor approves (403);
managers never release (403). The partner side is its admins' (staff get 403): its approved and
released statements only; another organisation's answers 404.

The world holds Partner One's current bank account, a draft statement of last month (a
correction of ¥88.00) and an approved statement of the month before, approved by the
Guangdong manager, so finance and the admin may release it."""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from portal.commissions.models import CommissionAdjustment, CommissionLine, CommissionStatement
from portal.core.i18n import add_months
from portal.core.models import utcnow
from portal.extensions import db
from portal.finance.models import BankAccount
from tests.access import *  # noqa: F401,F403
from tests.access import FIN, MGR, OTHER, internal, own_partner, partner_admins, vendor_of_partner_one

DRAFT = "/commissions/{draft_statement_id}"
APPROVED = "/commissions/{approved_statement_id}"


def readers(status=200):
    """Every internal user: managers (their partners), admins and finance."""
    return {**internal(status), FIN: status}


ROUTES = {
    "commissions_admin.statements": ("GET", "/commissions/", None, readers()),
    "commissions_admin.export": ("GET", "/commissions/export.csv", None, readers()),
    "commissions_admin.compute": ("POST", "/commissions/compute", {"month": "{commission_month}"}, internal(302)),
    "commissions_admin.statement": ("GET", DRAFT, None, {**vendor_of_partner_one(), FIN: 200}),
    "commissions_admin.recompute": ("POST", DRAFT + "/recompute", {}, vendor_of_partner_one(302)),
    "commissions_admin.approve": ("POST", DRAFT + "/approve", {}, vendor_of_partner_one(302)),
    "commissions_admin.send_back": ("POST", APPROVED + "/send-back", {"reason": "The rate is wrong"},
                                    vendor_of_partner_one(302)),
    "commissions_admin.release": ("POST", APPROVED + "/release", {"payment_reference": "ICBC-1", "confirm": "y"},
                                  {**vendor_of_partner_one(302), MGR: 403, OTHER: 403, FIN: 302}),
    "commissions_admin.adjustments": ("GET", "/commissions/adjustments", None, internal()),
    # The Zhejiang manager may not choose Partner One: the form answers with a field error.
    "commissions_admin.add_adjustment": ("POST", "/commissions/adjustments",
                                         {"partner_id": "{partner_id}", "month": "{commission_month}",
                                          "amount": "-12.30", "reason": "Access check"},
                                         {**internal(302), OTHER: 400}),
    "commissions.statements": ("GET", "/partner/commissions/", None, partner_admins()),
    "commissions.statement": ("GET", "/partner/commissions/{approved_statement_id}", None, own_partner(staff=403)),
    "commissions.raise_query": ("POST", "/partner/commissions/{approved_statement_id}/lines/{approved_line_id}/query",
                                {"text": "Which outlets does this cover?"}, own_partner(302, staff=403)),
}


def build(people, partners, reference_data, world):
    one, manager = partners["one"], people["manager"]
    current = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    last, before = add_months(current, -1), add_months(current, -2)
    db.session.add(BankAccount(partner_id=one.id, account_name=one.name, bank_name="中国工商银行",
                               account_number="6222020200112233445", current=True, approved_by_id=manager.id,
                               approved_at=utcnow()))
    adjustment = CommissionAdjustment(partner_id=one.id, month=last, amount=Decimal("88.00"), reason="Opening bonus",
                                      created_by_id=manager.id)
    db.session.add(adjustment)
    db.session.flush()
    draft = CommissionStatement(number=f"CS-{last:%Y%m}-{one.id:04d}", partner_id=one.id, month=last, status="draft",
                                total=Decimal("88.00"), computed_by_id=manager.id, computed_at=utcnow())
    draft.lines.append(CommissionLine(position=1, kind="adjustment", source_month=last, amount=Decimal("88.00"),
                                      description="Opening bonus", adjustment_id=adjustment.id))
    approved = CommissionStatement(number=f"CS-{before:%Y%m}-{one.id:04d}", partner_id=one.id, month=before,
                                   status="approved", total=Decimal("403.01"), computed_by_id=manager.id,
                                   computed_at=utcnow(), approved_by_id=manager.id, approved_at=utcnow())
    line = CommissionLine(position=1, kind="sales", product_line_id=reference_data["mobile"].id, source_month=before,
                          base_amount=Decimal("12030.00"), rate=Decimal("3.3500"), amount=Decimal("403.01"))
    approved.lines.append(line)
    db.session.add_all([draft, approved])
    db.session.flush()
    return {"draft_statement_id": draft.id, "approved_statement_id": approved.id, "approved_line_id": line.id,
            "commission_month": f"{last:%Y-%m}"}
