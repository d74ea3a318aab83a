"""Authoring (managers and admins): modules, lessons, the question bank."""
from flask import Blueprint

bp = Blueprint("training_admin", __name__, url_prefix="/training/manage")
