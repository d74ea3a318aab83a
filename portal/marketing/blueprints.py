"""The marketing blueprints: ``bp`` for partner users (their news and library), ``admin_bp`` for
the vendor (publishing, statistics). Routes live in announcements.py and library.py."""
from flask import Blueprint

bp = Blueprint("marketing", __name__, url_prefix="/partner/marketing")
admin_bp = Blueprint("marketing_admin", __name__, url_prefix="/marketing")
