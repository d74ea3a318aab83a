"""Access decisions for the material request and allowance pages (merged into tests/test_access.py).

Partner side (/partner/materials/requests…): a partner's own people; another organisation's
request or usage report answers 404. Vendor side (/materials/requests…, /materials/allowances…):
managers and admins; a manager who does not look after the partner gets 404.
"""
from tests.access import *  # noqa: F401,F403
from tests.access import ANON, OTHER_PADMIN, PADMIN, PSTAFF, ROLES


def partner_two_record(status=200):
    """A record of Partner Two (Hangzhou): its own admin; Partner One's people get 404."""
    return {**dict.fromkeys(ROLES, 403), ANON: 302, PADMIN: 404, PSTAFF: 404, OTHER_PADMIN: status}


ROUTES = {
    # the partner's side
    "materials.requests": ("GET", "/partner/materials/requests", None, partner_users()),
    "materials.new_request": ("GET", "/partner/materials/requests/new", None, partner_users()),
    "materials.request_detail": ("GET", "/partner/materials/requests/{mr_p2_request_id}", None, partner_two_record()),
    "materials.cancel_request": ("POST", "/partner/materials/requests/{mr_p1_submitted_id}/cancel", {}, own_partner(302)),
    "materials.confirm_receipt": ("POST", "/partner/materials/requests/{mr_p1_shipped_id}/receipt",
                                  {"note": "All arrived"}, own_partner(302)),
    "materials.usage_report": ("GET", "/partner/materials/requests/{mr_p2_request_id}/usage", None,
                               partner_two_record()),
    # Empty figures: refused with field errors (400) by whoever may report; reporting itself is in
    # tests/materials/test_usage.py (the input names carry the line ids, which the table cannot).
    "materials.submit_usage": ("POST", "/partner/materials/requests/{mr_p1_received_id}/usage", {}, own_partner(400)),
    # the vendor's side
    "materials_admin.requests": ("GET", "/materials/requests", None, internal()),
    "materials_admin.request_detail": ("GET", "/materials/requests/{mr_p1_shipped_id}", None, vendor_of_partner_one()),
    "materials_admin.decide_request": ("POST", "/materials/requests/{mr_p1_submitted_id}/decision",
                                       {"decision": "all", "warehouse_id": "{mr_warehouse_id}"},
                                       vendor_of_partner_one(302)),
    "materials_admin.withdraw_approval": ("POST", "/materials/requests/{mr_p1_approved_id}/withdraw",
                                          {"withdraw_reason": "The campaign was called off"},
                                          vendor_of_partner_one(302)),
    "materials_admin.fulfil_request": ("POST", "/materials/requests/{mr_p1_approved_id}/fulfilment",
                                       {"method": "ship", "carrier": "SF Express", "tracking_number": "SF100200300"},
                                       vendor_of_partner_one(302)),
    "materials_admin.review_usage": ("POST", "/materials/requests/{mr_p1_reported_id}/review", {"outcome": "accepted"},
                                     vendor_of_partner_one(302)),
    "materials_admin.allowances": ("GET", "/materials/allowances", None, internal()),
    "materials_admin.new_allowance": ("GET", "/materials/allowances/new", None, internal()),
    "materials_admin.edit_allowance": ("GET", "/materials/allowances/{mr_allowance_id}/edit", None,
                                       vendor_of_partner_one()),
    "materials_admin.delete_allowance": ("POST", "/materials/allowances/{mr_allowance_id}/delete", {},
                                         vendor_of_partner_one(302)),
}


def build(people, partners, reference_data, world):
    """An item with 100 in stock, Partner One's requests in each state the rows need (awaiting
    approval, approved, shipped, received, usage reported) and a request of Partner Two with its
    usage report; a quarterly limit of Partner One."""
    from datetime import timedelta
    from decimal import Decimal

    from portal.core.i18n import business_quarter, business_today
    from portal.extensions import db
    from portal.materials.models import (
        MaterialAllowance, MaterialItem, MaterialRequest, MaterialRequestLine, UsageReport, UsageReportLine, Warehouse,
    )
    from portal.materials.stock import move

    manager, one, two = people["manager"], partners["one"], partners["two"]
    item = MaterialItem(code="MR-ACCESS-POSTER", name_en="Campaign poster", name_zh="活动海报", unit="张",
                        unit_value=Decimal("2.50"), category="poster")
    warehouse = Warehouse(code="MR-ACCESS-WH", name="Shenzhen central store")
    db.session.add_all([item, warehouse])
    db.session.flush()
    move(item, warehouse, "receipt", 100, manager, reason="Opening stock")
    today = business_today()
    counter = iter(range(1, 100))

    def make(partner, status, approved=None, issued=0):
        request_ = MaterialRequest(number=f"MR-ACCESS-{next(counter):04d}", partner_id=partner.id, status=status,
                                   campaign="Spring promotion", plan="Posters in the shop window", starts_on=today,
                                   ends_on=today + timedelta(days=30), quarter=business_quarter(today),
                                   warehouse_id=warehouse.id if approved else None)
        line = MaterialRequestLine(item_id=item.id, quantity_requested=5, quantity_approved=approved,
                                   quantity_issued=issued, unit_value=item.unit_value)
        request_.lines = [line]
        db.session.add(request_)
        db.session.flush()
        if approved:
            move(item, warehouse, "reserve", approved, manager, request=request_, partner=partner)
        if issued:
            move(item, warehouse, "issue", issued, manager, request=request_, partner=partner)
        return request_, line

    submitted, _line = make(one, "submitted")
    approved, _line = make(one, "approved", approved=5)
    shipped, _line = make(one, "shipped", approved=5, issued=5)
    shipped.fulfilment_method, shipped.carrier, shipped.tracking_number = "ship", "SF Express", "SF1"
    received, received_line = make(one, "received", approved=5, issued=5)
    reported, reported_line = make(one, "usage_reported", approved=5, issued=5)
    theirs, their_line = make(two, "usage_reported", approved=5, issued=5)
    for request_, line in ((reported, reported_line), (theirs, their_line)):
        db.session.add(UsageReport(request_id=request_.id, lines=[
            UsageReportLine(request_line_id=line.id, handed_out=4, remaining=1)]))
    allowance = MaterialAllowance(partner_id=one.id, max_value=Decimal("5000.00"), note="Pilot quarter")
    db.session.add(allowance)
    db.session.flush()
    return {
        "mr_warehouse_id": warehouse.id, "mr_item_id": item.id,
        "mr_p1_submitted_id": submitted.id, "mr_p1_approved_id": approved.id, "mr_p1_shipped_id": shipped.id,
        "mr_p1_received_id": received.id, "mr_p1_received_line_id": received_line.id,
        "mr_p1_reported_id": reported.id, "mr_p2_request_id": theirs.id, "mr_allowance_id": allowance.id,
    }
