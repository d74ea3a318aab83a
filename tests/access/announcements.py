"""Access decisions for the announcements pages (merged into tests/test_access.py).

Announcements are the vendor's: every manager and admin opens any of them (read statistics are
limited to the partners each may see). A partner user opens only what is published for their own
organisation: the world has one announcement for Partner One only and one for Partner Two only,
so Partner One's people get 404 on Two's and Two's admin gets 404 on One's.
"""
from tests.access import *  # noqa: F401,F403
from tests.access import OTHER_PADMIN, PDF, internal, own_partner, partner_users

ANNOUNCEMENT = "/marketing/announcements/{announcement_p1_id}"
PARTNER_ANNOUNCEMENT = "/partner/marketing/announcements/{announcement_p1_id}"


def partner_two_only(status=200):
    """Partner Two's announcement: its admin; Partner One's people 404; everyone else 403."""
    return {**partner_users(404), OTHER_PADMIN: status}


ROUTES = {
    # the vendor's side
    "marketing_admin.announcements": ("GET", "/marketing/announcements/?kind=policy&state=published&q=price",
                                      None, internal()),
    "marketing_admin.new_announcement": ("GET", "/marketing/announcements/new", None, internal()),
    "marketing_admin.announcement": ("GET", ANNOUNCEMENT, None, internal()),
    "marketing_admin.edit_announcement": ("GET", ANNOUNCEMENT + "/edit", None, internal()),
    # Publishing the draft succeeds (302); withdrawing the published one too.
    "marketing_admin.publish_announcement": ("POST", "/marketing/announcements/{announcement_draft_id}/publish", {},
                                             internal(302)),
    "marketing_admin.withdraw_announcement": ("POST", ANNOUNCEMENT + "/withdraw", {}, internal(302)),
    "marketing_admin.announcement_attachment": ("GET", ANNOUNCEMENT + "/attachment", None, internal()),
    "marketing_admin.export_reads": ("GET", ANNOUNCEMENT + "/reads.csv", None, internal()),
    # the partner's side
    "marketing.announcements": ("GET", "/partner/marketing/announcements/?kind=policy", None, partner_users()),
    "marketing.announcement": ("GET", PARTNER_ANNOUNCEMENT, None, own_partner()),
    "marketing.announcement_attachment": ("GET", PARTNER_ANNOUNCEMENT + "/attachment", None, own_partner()),
    "marketing.acknowledge_announcement": ("POST", "/partner/marketing/announcements/{announcement_p2_id}/acknowledge",
                                           {}, partner_two_only(302)),
}


def build(people, partners, reference_data, world):
    """A published policy for Partner One only (with a PDF), a published one for Partner Two
    only, and a draft for everyone."""
    from portal.core.models import utcnow
    from portal.core.storage import store_bytes
    from portal.extensions import db
    from portal.marketing.models import Announcement, Audience

    def announcement(title, partner=None, published=True, attachment=None):
        a = Announcement(kind="policy", title=title, body=f"<p>{title}</p>", requires_ack=True,
                         audience=Audience(partners=[partner] if partner else []),
                         published_at=utcnow() if published else None, attachment=attachment,
                         created_by_id=people["manager"].id)
        db.session.add(a)
        return a

    one = announcement("Price list for Partner One", partners["one"],
                       attachment=store_bytes(PDF, "prices.pdf", "application/pdf", people["manager"]))
    two = announcement("Price list for Partner Two", partners["two"])
    draft = announcement("Draft policy", published=False)
    db.session.commit()
    return {"announcement_p1_id": one.id, "announcement_p2_id": two.id, "announcement_draft_id": draft.id}
