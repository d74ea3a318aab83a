"""The access table's vocabulary, shared by tests/test_access.py and the per-feature tables in
this package (each feature keeps its ``ROUTES`` and a ``build(...)`` adding its records to the
world, so that parts can grow without editing one file)."""

ROLES = ("anonymous", "applicant", "manager", "other_manager", "admin", "partner_admin", "partner_staff",
         "other_partner_admin", "finance")
PDF = b"%PDF-1.4\n%%EOF\n"

ANON, APPL, MGR, OTHER, ADMIN, PADMIN, PSTAFF, OTHER_PADMIN, FIN = ROLES
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


def partner_admins(status=200):
    """Admin-only pages about the user's own organisation: each partner admin sees their own;
    partner staff get 403."""
    return {**dict.fromkeys(ROLES, 403), ANON: 302, PADMIN: status, OTHER_PADMIN: status}


def vendor_of_partner_one(status=200):
    """Vendor-side pages about Partner One (Guangdong): the GD manager and the admin; the ZJ
    manager gets 404; partner users and applicants 403."""
    return {**dict.fromkeys(ROLES, 403), ANON: 302, MGR: status, ADMIN: status, OTHER: 404}


def agreement_of_prospect_a(applicant=403, vendor=403):
    """An agreement on prospect A (not yet a partner): its applicant and its vendor side (the GD
    manager, the admin) may open it, each for their own part; everyone else gets 404."""
    return {**dict.fromkeys(ROLES, 404), ANON: 302, APPL: applicant, MGR: vendor, ADMIN: vendor}


def both_sides_of_prospect(status=200):
    """A prospect's negotiation (Shenzhen, GD manager, applicant1): its applicant and its vendor
    side; the ZJ manager and the partner admins (not this prospect's partner) get 404; partner
    staff never negotiate (403)."""
    return {**dict.fromkeys(ROLES, 404), ANON: 302, APPL: status, MGR: status, ADMIN: status, PSTAFF: 403, FIN: 403}


def partner_one_agreement(status=200):
    """An agreement of Partner One (Guangdong, GD manager): its vendor side and its own partner
    users; the ZJ manager, applicant1 and the other organisation's admin get 404."""
    return {**dict.fromkeys(ROLES, 404), ANON: 302, MGR: status, ADMIN: status, PADMIN: status, PSTAFF: status}


def own_attempt(status=200):
    """An exam attempt of Partner One's staff member: only that learner opens it; every other
    partner user (their own admin included) gets 404; internal users and applicants do not learn (403)."""
    return {**dict.fromkeys(ROLES, 403), ANON: 302, PSTAFF: status, PADMIN: 404, OTHER_PADMIN: 404}


def certificate_of_p1_staff(status=200):
    """A certificate of Partner One's staff member: the person, their partner admin and the vendor
    side looking after Partner One; the ZJ manager, applicant1 and the other organisation get 404."""
    return {**dict.fromkeys(ROLES, 404), ANON: 302, PSTAFF: status, PADMIN: status, MGR: status, ADMIN: status}



EMAILS = {
    APPL: "applicant1@test.example",
    MGR: "gd.manager@test.example",
    OTHER: "zj.manager@test.example",
    ADMIN: "admin@test.example",
    PADMIN: "p1.admin@test.example",
    PSTAFF: "p1.staff@test.example",
    OTHER_PADMIN: "p2.admin@test.example",
    FIN: "finance@test.example",
}

# Per-feature tables: tests/access/<name>.py with ROUTES and build(people, partners, reference_data, world).
FEATURE_TABLES = ("announcements", "marketing", "materials", "material_requests", "results", "results_dashboard", "deals",
                  "conflicts", "directory", "inspections", "bank_accounts", "commissions", "subsidies", "scorecards",
                  "exits")
