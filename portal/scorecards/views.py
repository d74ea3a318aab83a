"""Pages (stub: the blueprints exist so the app, the menu and the access table can refer to them)."""
from flask import Blueprint

bp = Blueprint("scorecards", __name__, url_prefix="/partner/scorecard")
admin_bp = Blueprint("scorecards_admin", __name__, url_prefix="/scorecards")
