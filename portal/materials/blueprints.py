"""The promotional material blueprints: ``bp`` for partner users (their requests and usage
reports), ``admin_bp`` for the vendor (catalogue, warehouses, stock, approvals). Routes live in
stock_views.py and request_views.py."""
from flask import Blueprint

bp = Blueprint("materials", __name__, url_prefix="/partner/materials")
admin_bp = Blueprint("materials_admin", __name__, url_prefix="/materials")
