"""The results blueprints: ``bp`` for partner users (their PSI reports, figures and rank band),
``admin_bp`` for the vendor (targets, collections, the dashboard). Routes live in entry_views.py
and dashboard_views.py."""
from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/partner/results")
admin_bp = Blueprint("results_admin", __name__, url_prefix="/results")
