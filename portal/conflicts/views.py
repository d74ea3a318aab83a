"""Conflict case pages: ``bp`` for partner users (cases they are party to, complaints),
``admin_bp`` for the vendor (every case they look after, rulings)."""
from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/partner/cases")
admin_bp = Blueprint("cases_admin", __name__, url_prefix="/cases")
