"""Every route × every kind of user → the expected answer.

The table below must name every endpoint in the URL map: a new route without a decision fails
`test_every_route_has_a_decision`. Statuses: 200 shown, 302 redirected (to sign-in for
visitors, or after a successful POST), 400 refused input, 403 not your role, 404 not yours.

Rule for managers (documented in portal/core/permissions.py): a manager sees the prospects they
own, those in a territory they cover (a province covers its cities) and the unassigned queue;
any other prospect answers 404, as if it did not exist. Admins see everything. An applicant sees
only their own application.
"""
import io
from datetime import date

import pytest

from portal.core import storage
from portal.extensions import db as _db
from portal.notifications.services import notify
from portal.recruitment.models import FollowUp
from portal.recruitment.services import add_document

ROLES = ("anonymous", "applicant", "manager", "other_manager", "admin", "partner_admin", "partner_staff",
         "other_partner_admin")
PDF = b"%PDF-1.4\n%%EOF\n"

ANON, APPL, MGR, OTHER, ADMIN, PADMIN, PSTAFF, OTHER_PADMIN = ROLES
PARTNER_ROLES = (PADMIN, PSTAFF, OTHER_PADMIN)


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, anonymous=302):
    return {**dict.fromkeys(ROLES, status), ANON: anonymous}


def admin_only(status=200):
    return {**dict.fromkeys(ROLES, 403), ANON: 302, ADMIN: status}


def internal(status=200):
    return {**dict.fromkeys(ROLES, 403), ANON: 302, MGR: status, OTHER: status, ADMIN: status}


def own_prospect(status=200):
    """Prospect A is in Shenzhen (Guangdong), owned by the Guangdong manager."""
    return {**dict.fromkeys(ROLES, 403), ANON: 302, MGR: status, OTHER: 404, ADMIN: status}


def applicant_only(status=200):
    return {**dict.fromkeys(ROLES, 403), ANON: 302, APPL: status}


def partner_users(status=200):
    """Any partner user, for pages about their own organisation."""
    return {**dict.fromkeys(ROLES, 403), ANON: 302, PADMIN: status, PSTAFF: status, OTHER_PADMIN: status}


def own_partner(status=200, staff=None):
    """Partner One's own records: its admin (and staff, unless ``staff`` says otherwise); the
    other organisation's admin gets 404; Partner One is in Guangdong, so the GD manager and the
    admin see it and the ZJ manager gets 404."""
    return {**dict.fromkeys(ROLES, 403), ANON: 302, PADMIN: status, PSTAFF: status if staff is None else staff,
            OTHER_PADMIN: 404}


# endpoint -> (method, url template, form data, expected by role)
ROUTES = {
    "static": ("GET", "/static/css/portal.css", None, everyone(200)),
    "bootstrap.static": ("GET", "/bootstrap/static/css/bootstrap.min.css", None, everyone(200)),
    "core.home": ("GET", "/", None, signed_in(302, anonymous=200)),
    "core.health": ("GET", "/health", None, everyone(200)),
    "accounts.login": ("GET", "/login", None, signed_in(302, anonymous=200)),
    "accounts.logout": ("POST", "/logout", {}, everyone(302)),
    "accounts.forgot_password": ("GET", "/password/forgot", None, everyone(200)),
    "accounts.set_password": ("GET", "/password/set/not-a-token", None, everyone(400)),
    "accounts.choose_language": ("POST", "/language", {"locale": "zh_CN"}, everyone(302)),
    "accounts.account": ("GET", "/account", None, signed_in(200)),
    "admin_users.users": ("GET", "/admin/users", None, admin_only()),
    "admin_users.invite": ("GET", "/admin/users/invite", None, admin_only()),
    "admin_users.edit_user": ("GET", "/admin/users/{applicant_id}", None, admin_only()),
    "admin_users.set_active": ("POST", "/admin/users/{applicant_id}/active", {"active": "0"}, admin_only(302)),
    "admin_users.resend_invite": ("POST", "/admin/users/{applicant_id}/resend", {}, admin_only(302)),
    "admin_users.audit": ("GET", "/admin/audit", None, admin_only()),
    "reference.territories": ("GET", "/admin/territories", None, admin_only()),
    "reference.edit_territory": ("GET", "/admin/territories/{territory_id}", None, admin_only()),
    "reference.items": ("GET", "/admin/lists/channel-types", None, admin_only()),
    "reference.edit_item": ("GET", "/admin/lists/channel-types/{channel_type_id}", None, admin_only()),
    "apply.apply": ("GET", "/apply", None, everyone(200)),
    "apply.done": ("GET", "/apply/done", None, everyone(200)),
    "applicant.mine": ("GET", "/my-application", None, applicant_only()),
    "applicant.application": ("GET", "/my-application/{prospect_id}", None, applicant_only()),
    "applicant.applicant_message": ("POST", "/my-application/{prospect_id}/messages", {"body": "Hello"}, applicant_only(302)),
    "applicant.applicant_document": ("POST", "/my-application/{prospect_id}/documents", {}, applicant_only(400)),
    "applicant.applicant_download": ("GET", "/my-application/{prospect_id}/documents/{document_id}", None, applicant_only()),
    "pipeline.home": ("GET", "/pipeline/", None, internal()),
    "pipeline.board": ("GET", "/pipeline/board", None, internal()),
    "pipeline.prospects": ("GET", "/pipeline/prospects", None, internal()),
    "pipeline.queue": ("GET", "/pipeline/queue", None, internal()),
    "pipeline.report": ("GET", "/pipeline/report", None, internal()),
    "pipeline.new_prospect": ("GET", "/pipeline/prospects/new", None, internal()),
    "pipeline.import_prospects": ("GET", "/pipeline/prospects/import", None, internal()),
    "pipeline.import_template": ("GET", "/pipeline/prospects/import/template.xlsx", None, internal()),
    "pipeline.export_prospects": ("GET", "/pipeline/prospects/export.csv", None, internal()),
    "pipeline.prospect": ("GET", "/pipeline/prospects/{prospect_id}", None, own_prospect()),
    "pipeline.edit_prospect": ("GET", "/pipeline/prospects/{prospect_id}/edit", None, own_prospect()),
    "pipeline.move": ("POST", "/pipeline/prospects/{prospect_id}/stage", {"to_stage": "qualifying", "reason": "Checked"}, own_prospect(302)),
    "pipeline.claim": ("POST", "/pipeline/prospects/{prospect_id}/claim", {}, own_prospect(302)),
    "pipeline.assign": ("POST", "/pipeline/prospects/{prospect_id}/assign", {"owner_id": "{manager_id}"}, own_prospect(302)),
    "pipeline.add_activity": ("POST", "/pipeline/prospects/{prospect_id}/activities",
                              {"kind": "call", "occurred_at": "2026-01-05T10:00", "outcome": "Interested"}, own_prospect(302)),
    "pipeline.add_follow_up": ("POST", "/pipeline/prospects/{prospect_id}/follow-ups",
                               {"due_date": "2026-12-01", "note": "Call back", "assignee_id": "{manager_id}"}, own_prospect(302)),
    "pipeline.follow_up_done": ("POST", "/pipeline/follow-ups/{follow_up_id}/done", {}, own_prospect(302)),
    "pipeline.add_message": ("POST", "/pipeline/prospects/{prospect_id}/messages", {"body": "Please send your licence"}, own_prospect(302)),
    "pipeline.add_document": ("POST", "/pipeline/prospects/{prospect_id}/documents", {}, own_prospect(400)),
    "pipeline.download": ("GET", "/pipeline/prospects/{prospect_id}/documents/{document_id}", None, own_prospect()),
    "notifications.index": ("GET", "/notifications/", None, signed_in(200)),
    "notifications.open_one": ("POST", "/notifications/{notification_id}/open", {},
                               {**signed_in(404), ANON: 302, APPL: 302}),
    "notifications.read_all": ("POST", "/notifications/read-all", {}, signed_in(302)),
    "partners.home": ("GET", "/partner/", None, partner_users()),
}

EMAILS = {
    APPL: "applicant1@test.example",
    MGR: "gd.manager@test.example",
    OTHER: "zj.manager@test.example",
    ADMIN: "admin@test.example",
    PADMIN: "p1.admin@test.example",
    PSTAFF: "p1.staff@test.example",
    OTHER_PADMIN: "p2.admin@test.example",
}


@pytest.fixture
def world(people, partners, make_prospect, reference_data, db):
    """Prospect A: Shenzhen, owned by the Guangdong manager, applied by applicant1, with a
    document, a follow-up and a notification for the applicant."""
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"], applicant=people["applicant"])
    stored = storage.store_bytes(PDF, "licence.pdf", "application/pdf", people["applicant"])
    document = add_document(prospect, stored, "licence", None, people["applicant"])
    follow_up = FollowUp(prospect=prospect, due_date=date(2026, 12, 1), note="Call", assignee_id=people["manager"].id)
    _db.session.add(follow_up)
    notification = notify(people["applicant"], "stage_changed", {"company": "x", "stage": "new"}, link="/my-application",
                          email=False)
    _db.session.commit()
    return {
        "prospect_id": prospect.id, "document_id": document.id, "follow_up_id": follow_up.id,
        "notification_id": notification.id, "applicant_id": people["applicant"].id,
        "manager_id": people["manager"].id, "territory_id": reference_data["GD"].id,
        "channel_type_id": reference_data["social"].id,
        "partner_id": partners["one"].id, "other_partner_id": partners["two"].id,
    }


def test_every_route_has_a_decision(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes without an access decision in tests/test_access.py: {sorted(missing)}"
    stale = set(ROUTES) - endpoints
    assert not stale, f"decisions for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_answers_each_role_as_decided(endpoint, role, client, world):
    method, url, data, expected = ROUTES[endpoint]
    url = url.format(**world)
    if role != ANON:
        client.login(EMAILS[role])
    if method == "GET":
        response = client.get(url)
    else:
        data = {k: v.format(**world) for k, v in (data or {}).items()}
        response = client.post(url, data)
    assert response.status_code == expected[role], (
        f"{method} {url} as {role}: got {response.status_code}, expected {expected[role]}"
    )
    if role == ANON and expected[role] == 302 and method == "GET" and endpoint not in ("core.home",):
        assert "/login" in response.headers["Location"]


# ---- the rules behind the table, tried with two of each ------------------------------------------


def test_an_applicant_sees_only_their_own_application(client, people, make_prospect, db):
    mine = make_prospect("Mine Co", "GD-SZ", owner=people["manager"], applicant=people["applicant"])
    theirs = make_prospect("Theirs Co", "ZJ-HZ", owner=people["other_manager"], applicant=people["other_applicant"])
    stored = storage.store_bytes(PDF, "theirs.pdf", "application/pdf", people["other_applicant"])
    doc = add_document(theirs, stored, "other", None, people["other_applicant"])
    db.session.commit()
    client.login("applicant1@test.example")
    page = client.get("/my-application").get_data(as_text=True)
    assert "Mine Co" in page and "Theirs Co" not in page
    assert client.get(f"/my-application/{theirs.id}").status_code == 404
    assert client.get(f"/my-application/{theirs.id}/documents/{doc.id}").status_code == 404
    assert client.post(f"/my-application/{theirs.id}/messages", {"body": "hi"}).status_code == 404
    assert client.get(f"/my-application/{mine.id}/documents/{doc.id}").status_code == 404  # not on my prospect
    assert client.get(f"/pipeline/prospects/{mine.id}").status_code == 403


def test_managers_see_their_territories_their_own_and_the_queue_only(client, make_client, people, make_prospect):
    in_gd = make_prospect("Guangzhou Co", "GD-GZ")  # unowned? no: give it the GD manager
    in_gd.owner_id = people["manager"].id
    in_zj = make_prospect("Hangzhou Co", "ZJ-HZ", owner=people["other_manager"])
    queued = make_prospect("Lhasa Co", "XZ")  # nobody covers Tibet: unassigned
    owned_elsewhere = make_prospect("Tibet Owned", "XZ", owner=people["manager"])
    from portal.extensions import db

    db.session.commit()
    client.login("gd.manager@test.example")
    listing = client.get("/pipeline/prospects").get_data(as_text=True)
    assert "Guangzhou Co" in listing and "Lhasa Co" in listing and "Tibet Owned" in listing
    assert "Hangzhou Co" not in listing
    assert client.get(f"/pipeline/prospects/{in_zj.id}").status_code == 404
    assert client.get(f"/pipeline/prospects/{queued.id}").status_code == 200
    # The queue is visible but must be claimed before it is worked.
    assert client.post(f"/pipeline/prospects/{queued.id}/stage", {"to_stage": "qualifying"}).status_code == 403

    other = make_client()
    other.login("zj.manager@test.example")
    listing = other.get("/pipeline/prospects").get_data(as_text=True)
    assert "Hangzhou Co" in listing and "Lhasa Co" in listing
    assert "Guangzhou Co" not in listing and "Tibet Owned" not in listing
    assert other.get(f"/pipeline/prospects/{owned_elsewhere.id}").status_code == 404
    assert other.get("/pipeline/prospects/export.csv").get_data(as_text=True).count("Guangzhou Co") == 0
