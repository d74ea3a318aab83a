"""Pages (stub: the blueprints exist so the app, the menu and the access table can refer to them)."""
from flask import Blueprint

bp = Blueprint("commissions", __name__, url_prefix="/partner/commissions")
admin_bp = Blueprint("commissions_admin", __name__, url_prefix="/commissions")
