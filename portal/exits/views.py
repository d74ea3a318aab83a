"""Pages (stub: the blueprint exists so the app, the menu and the access table can refer to it)."""
from flask import Blueprint

admin_bp = Blueprint("exits_admin", __name__, url_prefix="/terminations")
