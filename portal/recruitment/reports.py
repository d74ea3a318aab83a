"""The pipeline report (placeholder until written)."""
from flask import abort

from portal.core.permissions import require
from portal.recruitment.views import pipeline_bp


@pipeline_bp.route("/report")
@require("pipeline.report")
def report():
    abort(404)
