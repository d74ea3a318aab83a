"""Permissions, named once. Roles grant route permissions; ``can_*`` rules decide per object.

Used by views (``@require(...)``) and templates (``has_permission``, ``can``).
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

ADMIN = "admin"
MANAGER = "manager"
PARTNER_ADMIN = "partner_admin"
PARTNER_STAFF = "partner_staff"
APPLICANT = "applicant"
FINANCE = "finance"  # releases approved commission statements for payment (segregation of duties)
ROLES = (ADMIN, MANAGER, FINANCE, PARTNER_ADMIN, PARTNER_STAFF, APPLICANT)
INTERNAL_ROLES = (ADMIN, MANAGER, FINANCE)

# Route permissions by role
PERMISSIONS = {
    "pipeline.view": {ADMIN, MANAGER},
    "pipeline.edit": {ADMIN, MANAGER},
    "pipeline.import": {ADMIN, MANAGER},
    "pipeline.report": {ADMIN, MANAGER},
    "application.own": {APPLICANT},
    "admin.users": {ADMIN},
    "admin.reference": {ADMIN},
    "admin.audit": {ADMIN},
    # negotiation and agreements, vendor side
    "terms.negotiate": {ADMIN, MANAGER},
    "agreements.manage": {ADMIN, MANAGER},
    "templates.manage": {ADMIN},
    # signed partners' own portal
    "partner.portal": {PARTNER_ADMIN, PARTNER_STAFF},
    "partner.admin": {PARTNER_ADMIN},
    # training
    "training.author": {ADMIN, MANAGER},
    "training.learn": {PARTNER_ADMIN, PARTNER_STAFF},
    "training.oversee": {ADMIN, MANAGER},
    "settings.manage": {ADMIN},
    # marketing: policies, news and the asset library
    "marketing.publish": {ADMIN, MANAGER},
    "marketing.view": {PARTNER_ADMIN, PARTNER_STAFF},
    # promotional material: catalogue, stock, requests
    "materials.manage": {ADMIN, MANAGER},
    "materials.request": {PARTNER_ADMIN, PARTNER_STAFF},
    # coordinating signed partners: directory, targets and results, deals, conflict cases
    "channel.view": {ADMIN, MANAGER},
    "results.manage": {ADMIN, MANAGER},
    "results.report": {PARTNER_ADMIN, PARTNER_STAFF},
    "deals.manage": {ADMIN, MANAGER},
    "deals.register": {PARTNER_ADMIN, PARTNER_STAFF},
    "cases.manage": {ADMIN, MANAGER},
    "cases.partner": {PARTNER_ADMIN, PARTNER_STAFF},
    # inspections (检查巡视, 暗访) and rectification orders (整改)
    "inspections.manage": {ADMIN, MANAGER},
    "inspections.partner": {PARTNER_ADMIN, PARTNER_STAFF},
    # the bank account payments go to: partner admins request a change, managers approve it
    "bank.request": {PARTNER_ADMIN},
    "bank.approve": {ADMIN, MANAGER},
    # commissions (佣金) and rent subsidies (房补): managers compute, adjust and approve the monthly
    # statements; finance (or an admin) releases them for payment — never the one who approved.
    "commissions.view": {ADMIN, MANAGER, FINANCE},
    "commissions.manage": {ADMIN, MANAGER},
    "commissions.release": {ADMIN, FINANCE},
    "commissions.partner": {PARTNER_ADMIN},
    "subsidies.manage": {ADMIN, MANAGER},
    "subsidies.partner": {PARTNER_ADMIN},
    # scorecards and tiers; termination (清退)
    "scorecards.manage": {ADMIN, MANAGER},
    "scorecards.partner": {PARTNER_ADMIN, PARTNER_STAFF},
    "exits.manage": {ADMIN, MANAGER},
}


def has_permission(user, permission):
    if not user or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return user.role in PERMISSIONS[permission]


def require(permission):
    """View decorator: sign-in required, then the role permission (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def public(view):
    """Mark a view as reachable without signing in (checked by the app's before_request)."""
    view.is_public = True
    return view


# ---- object rules ---------------------------------------------------------------------------


def can_view_prospect(user, prospect):
    """Admins see every prospect. A manager sees a prospect they own, one in a territory they
    cover (a province covers its cities), and the unassigned queue (to claim from).
    An applicant sees only the application they submitted."""
    if not has_permission(user, "pipeline.view"):
        return user.role == APPLICANT and prospect.applicant_user_id == user.id
    if user.role == ADMIN:
        return True
    if prospect.owner_id == user.id or prospect.owner_id is None:
        return True
    covered = user.covered_territory_ids()
    return prospect.city_id in covered or prospect.province_id in covered


def can_edit_prospect(user, prospect):
    """Working a prospect (moving it, logging activity) needs it to be yours or in your area;
    the unassigned queue must be claimed first."""
    if not has_permission(user, "pipeline.edit"):
        return False
    if user.role == ADMIN:
        return True
    if prospect.owner_id is None:
        return False
    return can_view_prospect(user, prospect)


def can_claim_prospect(user, prospect):
    return has_permission(user, "pipeline.edit") and prospect.owner_id is None


def can_view_partner(user, partner):
    """Admins (and finance, who pays them) see every partner; a manager the partners they manage
    or that sit in a territory they cover; a partner's own admin and staff their own
    organisation, nothing else. Routes still decide by permission what each role may open."""
    if not user or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.role in (ADMIN, FINANCE):
        return True
    if user.role == MANAGER:
        if partner.manager_id == user.id:
            return True
        covered = user.covered_territory_ids()
        return partner.city_id in covered or partner.province_id in covered
    if user.role in (PARTNER_ADMIN, PARTNER_STAFF):
        return user.partner_id is not None and user.partner_id == partner.id
    return False


def can_manage_partner(user, partner):
    """Change a partner's own profile, outlets and staff: its partner admin."""
    return user.role == PARTNER_ADMIN and user.partner_id == partner.id and user.active


RULES = {
    "view_prospect": can_view_prospect,
    "edit_prospect": can_edit_prospect,
    "claim_prospect": can_claim_prospect,
    "view_partner": can_view_partner,
    "manage_partner": can_manage_partner,
}


def can(rule, obj, user=None):
    return RULES[rule](user or current_user, obj)
