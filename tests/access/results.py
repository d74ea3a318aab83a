"""Access decisions for the results pages (merged into tests/test_access.py): PSI reports,
targets and payment collections.

Partner users see their own organisation's reports and payments (another organisation's
report answers 404); the vendor side sees the partners it looks after: Partner One is in
Guangdong, so the ZJ manager gets 404 on its pages.
"""
from datetime import date
from decimal import Decimal

from tests.access import *  # noqa: F401,F403

ROUTES = {
    # partner side
    "results.reports": ("GET", "/partner/results/reports", None, partner_users()),
    "results.new_report": ("GET", "/partner/results/reports/new", None, partner_users()),
    "results.report": ("GET", "/partner/results/reports/{p1_report_id}", None, own_partner()),
    "results.import_reports": ("GET", "/partner/results/reports/import", None, partner_users()),
    "results.import_template": ("GET", "/partner/results/reports/import/template.xlsx", None, partner_users()),
    "results.collections": ("GET", "/partner/results/collections", None, partner_users()),
    # vendor side
    "results_admin.targets_overview": ("GET", "/results/targets", None, internal()),
    "results_admin.partner_targets": ("GET", "/results/targets/{partner_id}", None, vendor_of_partner_one()),
    "results_admin.adjust_target": ("POST", "/results/targets/{partner_id}/adjust",
                                    {"product_line_id": "{psi_line_id}", "month": "2026-07", "amount": "50000",
                                     "reason": "New outlets opened"}, vendor_of_partner_one(302)),
    "results_admin.partner_reports": ("GET", "/results/reports/{partner_id}", None, vendor_of_partner_one()),
    "results_admin.collections_overview": ("GET", "/results/collections", None, internal()),
    "results_admin.partner_collections": ("GET", "/results/collections/{partner_id}", None, vendor_of_partner_one()),
    "results_admin.record_collection": ("POST", "/results/collections/{partner_id}",
                                        {"amount": "1200.50", "received_at": "2026-11-02T10:00",
                                         "reference": "BANK-42"}, vendor_of_partner_one(302)),
}


def build(people, partners, reference_data, world):
    """A PSI report of Partner One's Futian Store and one of a Hangzhou outlet of Partner Two."""
    from portal.extensions import db
    from portal.partners.models import Outlet
    from portal.results.models import PsiEntry

    mobile = reference_data["mobile"]
    hangzhou = Outlet(partner_id=partners["two"].id, name="West Lake Store", address="2 Hubin Road",
                      city_id=reference_data["ZJ-HZ"].id, kind="store")
    db.session.add(hangzhou)
    db.session.flush()
    figures = {"purchases": 10, "sales": 8, "sales_amount": Decimal("800.00"), "returns_amount": Decimal("0.00"),
               "closing_inventory": 2, "source": "form"}
    one = PsiEntry(partner_id=partners["one"].id, outlet_id=world["outlet_id"], product_line_id=mobile.id,
                   month=date(2026, 10, 1), **figures)
    two = PsiEntry(partner_id=partners["two"].id, outlet_id=hangzhou.id, product_line_id=mobile.id,
                   month=date(2026, 10, 1), **figures)
    db.session.add_all([one, two])
    db.session.commit()
    return {"p1_report_id": one.id, "p2_report_id": two.id, "p2_outlet_id": hangzhou.id, "psi_line_id": mobile.id}
