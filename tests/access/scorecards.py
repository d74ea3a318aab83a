"""Access decisions for the scorecard pages (merged into tests/test_access.py).

Partner users see only their own organisation's scorecards (the page has no partner id in its
URL). Managers see the scorecards of the partners they may see — Partner One is the Guangdong
manager's, so the Zhejiang manager gets 404 on it — and apply tiers to them; finance gets 403.
The weights are the admin's (settings.manage). The world holds Partner One's scorecard of the
current month."""
from tests.access import *  # noqa: F401,F403
from tests.access import admin_only, internal, partner_users, vendor_of_partner_one

PARTNER = "/scorecards/partners/{partner_id}"

ROUTES = {
    "scorecards.index": ("GET", "/partner/scorecard/", None, partner_users()),
    "scorecards_admin.index": ("GET", "/scorecards/", None, internal()),
    "scorecards_admin.recompute": ("POST", "/scorecards/recompute", {"month": "{scorecard_month}"}, internal(302)),
    "scorecards_admin.partner": ("GET", PARTNER, None, vendor_of_partner_one()),
    "scorecards_admin.recompute_partner": ("POST", PARTNER + "/recompute", {"month": "{scorecard_month}"},
                                           vendor_of_partner_one(302)),
    "scorecards_admin.apply_tier": ("POST", PARTNER + "/tier",
                                    {"tier_id": "{scorecard_tier_id}", "reason": "Scored above the gold minimum.",
                                     "month": "{scorecard_month}"}, vendor_of_partner_one(302)),
    "scorecards_admin.settings": ("GET", "/scorecards/settings", None, admin_only()),
}


def build(people, partners, reference_data, world):
    """Gold (the fixtures' tier) needs 80 points; Partner One's scorecard of this month."""
    import sqlalchemy as sa

    from portal.core.i18n import business_today
    from portal.extensions import db
    from portal.reference.models import PartnerTier
    from portal.scorecards.services import compute_scorecard

    gold = db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))
    gold.min_score = 80
    month = business_today().replace(day=1)
    compute_scorecard(partners["one"], month)
    db.session.flush()
    return {"scorecard_month": month.isoformat()[:7], "scorecard_tier_id": str(gold.id)}
