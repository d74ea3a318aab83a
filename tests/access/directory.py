"""Access decisions for the partner directory and partner page (merged into tests/test_access.py)."""
from datetime import date

from portal.extensions import db
from portal.recruitment.models import FollowUp
from tests.access import *  # noqa: F401,F403
from tests.access import internal, vendor_of_partner_one

ROUTES = {
    "partners_admin.directory": ("GET", "/partners/", None, internal()),
    "partners_admin.directory_export": ("GET", "/partners/export.xlsx", None, internal()),
    "partners_admin.partner": ("GET", "/partners/{partner_id}", None, vendor_of_partner_one()),
    "partners_admin.add_activity": ("POST", "/partners/{partner_id}/activities",
                                    {"kind": "visit", "occurred_at": "2026-01-05T10:00", "outcome": "Checked the shop"},
                                    vendor_of_partner_one(302)),
    "partners_admin.add_follow_up": ("POST", "/partners/{partner_id}/follow-ups",
                                     {"due_date": "2099-12-01", "note": "Call back", "assignee_id": "{manager_id}"},
                                     vendor_of_partner_one(302)),
    "partners_admin.follow_up_done": ("POST", "/partners/follow-ups/{partner_follow_up_id}/done", {},
                                      vendor_of_partner_one(302)),
}


def build(people, partners, reference_data, world):
    follow_up = FollowUp(partner_id=partners["one"].id, due_date=date(2026, 12, 1),
                         note="Visit the new outlet", assignee_id=people["manager"].id)
    db.session.add(follow_up)
    db.session.flush()
    return {"partner_follow_up_id": follow_up.id}
