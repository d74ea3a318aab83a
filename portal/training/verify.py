"""Public certificate verification at /verify/<code>."""
from flask import Blueprint

bp = Blueprint("certificates", __name__)
