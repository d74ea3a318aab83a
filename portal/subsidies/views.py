"""Pages (stub: the blueprints exist so the app, the menu and the access table can refer to them)."""
from flask import Blueprint

bp = Blueprint("subsidies", __name__, url_prefix="/partner/rent-subsidies")
admin_bp = Blueprint("subsidies_admin", __name__, url_prefix="/rent-subsidies")
