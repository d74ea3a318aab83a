"""Access decisions for the results dashboard pages (merged into tests/test_access.py).

The dashboard, its partner table, key outlets, falling-behind list and export are for internal
users ("channel.view"); each shows only the partners the user may see, so every manager gets a
page (the ZJ manager's simply has no Guangdong partner on it). A partner's own figures are for
its partner users ("results.report"), always about their own organisation.
"""
from tests.access import *  # noqa: F401,F403

ROUTES = {
    "results_admin.index": ("GET", "/results/?month=2026-10", None, internal()),
    "results_admin.partners": ("GET", "/results/partners?month=2026-10", None, internal()),
    "results_admin.key_outlets": ("GET", "/results/outlets?month=2026-10", None, internal()),
    "results_admin.behind": ("GET", "/results/behind?month=2026-10", None, internal()),
    "results_admin.export": ("GET", "/results/export.xlsx?month=2026-10", None, internal()),
    "results.index": ("GET", "/partner/results/?month=2026-10", None, partner_users()),
}


def build(people, partners, reference_data, world):
    """Partner One's October 2026 target and a PSI line of its Futian store, so that the pages
    have figures to show."""
    from datetime import date
    from decimal import Decimal

    from portal.extensions import db
    from portal.results.models import PartnerTarget, PsiEntry

    one = partners["one"]
    db.session.add_all([
        PartnerTarget(partner_id=one.id, product_line_id=reference_data["mobile"].id,
                      effective_month=date(2026, 1, 1), amount=Decimal("10000.00")),
        PsiEntry(partner_id=one.id, outlet_id=world["outlet_id"], product_line_id=reference_data["mobile"].id,
                 month=date(2026, 10, 1), purchases=10, sales=8, sales_amount=Decimal("4000.00"),
                 returns_amount=Decimal("0.00"), closing_inventory=2),
    ])
    db.session.flush()
    return {}
