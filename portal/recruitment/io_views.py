"""Import prospects from CSV/Excel, the import template, and exports of the prospect list."""
from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from portal.core import spreadsheets, storage
from portal.core.errors import DomainError, apply_to_form
from portal.core.i18n import local_today
from portal.core.permissions import require
from portal.extensions import db
from portal.recruitment import importer, queries
from portal.recruitment.forms import ImportForm
from portal.recruitment.models import Prospect
from portal.recruitment.views import pipeline_bp
from portal.reference import queries as ref

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_TYPES = {"csv": "text/csv", "xlsx": XLSX_TYPE}
ERRORS_SHOWN = 500
ACCEPT = ".csv,.xlsx,text/csv," + XLSX_TYPE


def _too_large_message():
    return _("The file is larger than %(limit)s. Please send a smaller file.",
             limit=storage.human_size(current_app.config["IMPORT_MAX_BYTES"]))


def _import_page(form, result=None, status=200):
    form.file.render_kw = {"accept": ACCEPT}
    return render_template(
        "recruitment/import.html", form=form, result=result, columns=importer.describe_columns(),
        channel_types=ref.channel_types(), product_lines=ref.product_lines(), max_rows=importer.MAX_ROWS,
        max_size=storage.human_size(current_app.config["IMPORT_MAX_BYTES"]), errors_shown=ERRORS_SHOWN,
    ), status


@pipeline_bp.route("/prospects/import", methods=["GET", "POST"])
@require("pipeline.import")
def import_prospects():
    # Accept the request up to the hard ceiling, so that a file over the import limit is a field
    # error on this page rather than a bare 413.
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        form = ImportForm()
    except RequestEntityTooLarge:
        form = ImportForm(formdata=None)
        form.file.errors = [_too_large_message()]
        return _import_page(form, status=400)
    if request.method == "GET":
        return _import_page(form)
    if not form.validate_on_submit():
        return _import_page(form, status=400)
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose a CSV or Excel file to import.")]
        return _import_page(form, status=400)
    try:
        data = storage.read_limited(upload, current_app.config["IMPORT_MAX_BYTES"], "file")
        result = importer.import_prospects(data, upload.filename, current_user)
    except DomainError as error:
        db.session.rollback()
        if not apply_to_form(form, error):
            form.file.errors = list(form.file.errors) + [str(error.message)]
        return _import_page(form, status=400)
    if not result.ok:
        db.session.rollback()
        return _import_page(form, result, status=400)
    db.session.commit()
    flash(ngettext("%(num)d prospect imported.", "%(num)d prospects imported.", len(result.created)), "success")
    return redirect(url_for(".prospects"))


@pipeline_bp.route("/prospects/import/template.xlsx")
@require("pipeline.import")
def import_template():
    data = spreadsheets.write_xlsx(importer.template_headers(), [], _("Prospects"))
    return _download(data, "prospect-import-template.xlsx", XLSX_TYPE)


@pipeline_bp.route("/prospects/export.<format>")
@require("pipeline.view")
def export_prospects(format):
    if format not in EXPORT_TYPES:
        abort(404)
    query = queries.filtered_prospects(current_user, request.args).options(selectinload(Prospect.product_lines))
    headers, rows = importer.export_table(db.session.scalars(query))
    if format == "csv":
        data = spreadsheets.write_csv(headers, rows)
    else:
        data = spreadsheets.write_xlsx(headers, rows, _("Prospects"))
    return _download(data, f"prospects-{local_today().isoformat()}.{format}", EXPORT_TYPES[format])


def _download(data, filename, mimetype):
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
