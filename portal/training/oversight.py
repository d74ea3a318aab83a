"""Assignments and oversight: curricula, manual assignments, progress, statistics, settings."""
from flask import Blueprint

bp = Blueprint("training_oversight", __name__, url_prefix="/training/oversight")
