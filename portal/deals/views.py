"""Deal registration pages: ``bp`` for partner users, ``admin_bp`` for the vendor."""
from flask import Blueprint

bp = Blueprint("deals", __name__, url_prefix="/partner/deals")
admin_bp = Blueprint("deals_admin", __name__, url_prefix="/deals")
