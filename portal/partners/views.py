"""The signed partner's own portal: home, profile, outlets, staff, agreements, deposit."""
from flask import Blueprint, render_template

from portal.core.permissions import require

bp = Blueprint("partners", __name__, url_prefix="/partner")


@bp.route("/")
@require("partner.portal")
def home():
    return render_template("core/partner_home.html")
