"""Access decisions for the deals pages (merged into tests/test_access.py).

Partner users register and follow their own organisation's deals (another organisation's
registration answers 404); managers decide on the registrations of the partners they may see
(Partner One is the Guangdong manager's: the Zhejiang manager gets 404)."""
from datetime import timedelta
from decimal import Decimal

from portal.core.i18n import business_today
from portal.deals.matching import normalise_name
from portal.deals.models import DealRegistration
from portal.extensions import db
from tests.access import *  # noqa: F401,F403
from tests.access import internal, own_partner, partner_users, vendor_of_partner_one

ROUTES = {
    "deals.index": ("GET", "/partner/deals/", None, partner_users()),
    "deals.new": ("GET", "/partner/deals/new", None, partner_users()),
    "deals.registration": ("GET", "/partner/deals/{approved_deal_id}", None, own_partner()),
    "deals.outcome": ("POST", "/partner/deals/{approved_deal_id}/outcome", {"outcome": "won"}, own_partner(302)),
    "deals_admin.index": ("GET", "/deals/", None, internal()),
    "deals_admin.registration": ("GET", "/deals/{submitted_deal_id}", None, vendor_of_partner_one()),
    "deals_admin.approve": ("POST", "/deals/{submitted_deal_id}/approve", {}, vendor_of_partner_one(302)),
    "deals_admin.reject": ("POST", "/deals/{submitted_deal_id}/reject", {"reason": "Not a new customer"},
                           vendor_of_partner_one(302)),
}


def build(people, partners, reference_data, world):
    """Partner One's approved (protected) and submitted registrations."""
    today = business_today()

    def deal(number, name, status, **kw):
        registration = DealRegistration(
            number=number, partner_id=partners["one"].id, customer_name=name, customer_key=normalise_name(name),
            city_id=reference_data["GD-SZ"].id, product_line_id=reference_data["mobile"].id,
            expected_value=Decimal("50000.00"), expected_close_on=today + timedelta(days=30), status=status, **kw)
        db.session.add(registration)
        return registration

    approved = deal("DR-ACCESS-0001", "深圳市华通科技有限公司", "approved", phone="13800000001",
                    protected_until=today + timedelta(days=90))
    submitted = deal("DR-ACCESS-0002", "广州明达贸易有限公司", "submitted", phone="13800000002")
    db.session.flush()
    return {"approved_deal_id": approved.id, "submitted_deal_id": submitted.id}
