from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from portal.core.permissions import has_permission, public
from portal.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/")
@public
def home():
    """Each user starts on the page of their work; visitors see how to apply."""
    if current_user.is_authenticated:
        if has_permission(current_user, "pipeline.view"):
            return redirect(url_for("pipeline.home"))
        if has_permission(current_user, "commissions.release"):  # finance staff
            return redirect(url_for("commissions_admin.statements"))
        if has_permission(current_user, "application.own"):
            return redirect(url_for("applicant.mine"))
        if has_permission(current_user, "partner.portal"):
            return redirect(url_for("partners.home"))
        return render_template("core/partner_home.html")
    return render_template("core/landing.html")


@bp.route("/health")
@public
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
