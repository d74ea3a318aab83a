"""The pipeline report for channel managers and admins (figures in report_queries)."""
from flask import render_template, request
from flask_login import current_user

from portal.core.permissions import require
from portal.recruitment import report_queries
from portal.recruitment.models import STAGE_LABELS
from portal.recruitment.views import _filter_context, pipeline_bp


@pipeline_bp.route("/report")
@require("pipeline.report")
def report():
    filters = report_queries.ReportFilters.from_args(request.args)
    context = _filter_context()
    return render_template(
        "recruitment/report.html", report=report_queries.pipeline_report(current_user, filters),
        filter_args=filters.to_args(), stage_labels=STAGE_LABELS, territories=context["territories"],
        channel_types=context["channel_types"], owners=context["owners"],
    )
