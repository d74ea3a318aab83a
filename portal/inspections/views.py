"""Inspection pages: ``bp`` for partner users (their outlets' inspections and rectification
orders), ``admin_bp`` for the vendor (checklists, inspections, re-inspections)."""
from flask import Blueprint

bp = Blueprint("inspections", __name__, url_prefix="/partner/inspections")
admin_bp = Blueprint("inspections_admin", __name__, url_prefix="/inspections")
