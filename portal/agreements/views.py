"""Agreement views: templates (admin), generation and the agreement page (managers), verification."""
from flask import Blueprint

bp = Blueprint("agreements", __name__)
