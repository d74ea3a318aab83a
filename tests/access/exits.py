"""Access decisions for the termination pages (merged into tests/test_access.py).

Only managers and admins terminate partners (finance and partner users get 403); a manager
opens only the terminations of partners they may see: Partner One is Guangdong's, so the
Zhejiang manager gets 404 on its termination, and the Guangdong manager on Partner Two's form.
The world holds a termination of Partner One in progress. Completing it without the
confirmation is refused (400); cancelling it with a reason succeeds (302)."""
from portal.exits.models import Termination
from portal.extensions import db
from tests.access import *  # noqa: F401,F403
from tests.access import ADMIN, MGR, OTHER, internal, vendor_of_partner_one

ROUTES = {
    "exits_admin.index": ("GET", "/terminations/", None, internal()),
    "exits_admin.new": ("GET", "/terminations/new?partner_id={other_partner_id}", None,
                        {**internal(), MGR: 404, OTHER: 200, ADMIN: 200}),
    "exits_admin.termination": ("GET", "/terminations/{termination_id}", None, vendor_of_partner_one()),
    "exits_admin.complete": ("POST", "/terminations/{termination_id}/complete", {}, vendor_of_partner_one(400)),
    "exits_admin.cancel": ("POST", "/terminations/{termination_id}/cancel", {"cancel_reason": "Settled amicably"},
                           vendor_of_partner_one(302)),
}


def build(people, partners, reference_data, world):
    """Partner One's termination, started by its manager."""
    termination = Termination(number="EX-2026-0001", partner_id=partners["one"].id, status="started",
                              reason="Repeated cross-territory selling", started_by_id=people["manager"].id)
    db.session.add(termination)
    db.session.flush()
    return {"termination_id": termination.id}
