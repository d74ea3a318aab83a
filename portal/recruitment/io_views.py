"""Import prospects from CSV/Excel and export lists (placeholder until written)."""
from flask import abort

from portal.core.permissions import require
from portal.recruitment.views import pipeline_bp


@pipeline_bp.route("/prospects/import", methods=["GET", "POST"])
@require("pipeline.import")
def import_prospects():
    abort(404)


@pipeline_bp.route("/prospects/export.<format>")
@require("pipeline.view")
def export_prospects(format):
    abort(404)
