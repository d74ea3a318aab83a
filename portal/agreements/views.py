"""Agreement views: templates (admin), generation and the agreement page (managers), verification."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal.agreements import documents, services, signing
from portal.agreements.forms import GenerateForm, TemplateForm, VerifyForm
from portal.agreements.models import AgreementTemplate
from portal.agreements.queries import can_act_for_vendor, can_sign_for_prospect, get_agreement
from portal.core import pdf, storage
from portal.core.errors import DomainError, apply_to_form
from portal.core.permissions import public, require
from portal.extensions import db, limiter
from portal.negotiation.services import locked_terms
from portal.recruitment import queries as prospects

bp = Blueprint("agreements", __name__)


@bp.context_processor
def helpers():
    return {"format_rate": documents.format_rate,
            "has_endpoint": lambda endpoint: endpoint in current_app.view_functions}


# ---- templates (admin) ----------------------------------------------------------------------------


def _template_or_404(template_id):
    template = db.session.get(AgreementTemplate, template_id)
    if template is None:
        abort(404)
    return template


@bp.route("/admin/agreement-templates")
@require("templates.manage")
def templates():
    current = services.active_templates()
    counts = dict(db.session.execute(
        sa.select(AgreementTemplate.code, sa.func.count(AgreementTemplate.id)).group_by(AgreementTemplate.code)
    ).all())
    return render_template("agreements/templates.html", templates=current, counts=counts)


def _form_preview(form):
    """The posted (unsaved) bodies filled with sample terms; problems go on the fields."""
    titles = {"zh": form.name_zh.data or "", "en": form.name_en.data or ""}
    bodies = {"zh": form.body_zh.data or "", "en": form.body_en.data or ""}
    for lang in documents.BODY_LANGUAGES:
        try:
            documents.check_body(bodies[lang], lang)
        except documents.TemplateProblem as problem:
            getattr(form, f"body_{lang}").errors = [str(problem.message)]
    if form.body_zh.errors or form.body_en.errors:
        return None
    return services.preview_html(titles, bodies, "bilingual", for_browser=True)


def _template_form_page(form, template, status=200, preview=None):
    return render_template("agreements/template_form.html", form=form, template=template, preview=preview,
                           placeholders=documents.PLACEHOLDERS), status


def _save_template(form, based_on):
    """Shared by new and edit: preview, or save a version. Returns a response."""
    if not form.validate_on_submit():
        return _template_form_page(form, based_on, 400 if request.method == "POST" else 200)
    if form.preview.data:
        preview = _form_preview(form)
        return _template_form_page(form, based_on, 200 if preview else 400, preview=preview)
    try:
        saved = services.save_template(
            code=form.code.data if based_on is None else None, name_en=form.name_en.data, name_zh=form.name_zh.data,
            body_en=form.body_en.data, body_zh=form.body_zh.data, actor=current_user, based_on=based_on,
        )
    except DomainError as error:
        db.session.rollback()
        if not apply_to_form(form, error):
            flash(str(error.message), "warning")
        return _template_form_page(form, based_on, 400)
    db.session.commit()
    flash(_("Template “%(name)s” saved as version %(version)d.", name=saved.label, version=saved.version), "success")
    return redirect(url_for(".template", template_id=saved.id))


@bp.route("/admin/agreement-templates/new", methods=["GET", "POST"])
@require("templates.manage")
def new_template():
    return _save_template(TemplateForm(), None)


@bp.route("/admin/agreement-templates/<int:template_id>/edit", methods=["GET", "POST"])
@require("templates.manage")
def edit_template(template_id):
    template = _template_or_404(template_id)
    form = TemplateForm(obj=template)
    form.code.data = template.code
    return _save_template(form, template)


@bp.route("/admin/agreement-templates/<int:template_id>")
@require("templates.manage")
def template(template_id):
    template = _template_or_404(template_id)
    problem = None
    preview = None
    try:
        preview = services.preview_html(*services.template_texts(template), "bilingual", for_browser=True)
    except documents.TemplateProblem as error:
        problem = error.message
    return render_template("agreements/template.html", template=template, versions=services.versions_of(template.code),
                           preview=preview, problem=problem, languages=documents.LANGUAGES)


@bp.route("/admin/agreement-templates/<int:template_id>/preview.pdf")
@require("templates.manage")
def preview_pdf(template_id):
    template = _template_or_404(template_id)
    language = request.args.get("language", "bilingual")
    if language not in documents.LANGUAGES:
        abort(404)
    try:
        html = services.preview_html(*services.template_texts(template), language)
    except documents.TemplateProblem as error:
        flash(str(error.message), "danger")
        return redirect(url_for(".template", template_id=template.id))
    response = current_app.response_class(pdf.render(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="template-{template.code}-v{template.version}.pdf"'
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


# ---- generating ------------------------------------------------------------------------------------


def _generate_page(prospect, form, status=200):
    form.template_id.choices = [(t.id, f"{t.label} (v{t.version})") for t in services.active_templates()]
    return render_template("agreements/generate.html", prospect=prospect, form=form,
                           sheet=locked_terms(prospect), latest=services.latest_term_sheet(prospect),
                           can_generate=services.can_generate(prospect)), status


@bp.route("/pipeline/prospects/<int:prospect_id>/agreement", methods=["GET", "POST"])
@require("agreements.manage")
def generate(prospect_id):
    prospect = prospects.get_prospect(prospect_id, current_user, edit=True)
    form = GenerateForm()
    form.template_id.choices = [(t.id, t.label) for t in services.active_templates()]
    if request.method == "GET" or not form.validate_on_submit():
        return _generate_page(prospect, form, 400 if request.method == "POST" else 200)
    try:
        agreement = services.generate_agreement(
            prospect, db.session.get(AgreementTemplate, form.template_id.data), form.language.data, current_user)
    except DomainError as error:
        db.session.rollback()
        if not apply_to_form(form, error):
            flash(str(error.message), "danger")
        return _generate_page(prospect, form, 400)
    db.session.commit()
    flash(_("Agreement %(number)s generated and sent to %(company)s for signature.", number=agreement.number,
            company=prospect.company_name), "success")
    return redirect(url_for(".view", agreement_id=agreement.id))


# ---- the agreement ---------------------------------------------------------------------------------


@bp.route("/agreements/<int:agreement_id>")
@login_required
def view(agreement_id):
    agreement = get_agreement(agreement_id, current_user)
    newer = next((a for a in reversed(agreement.prospect.agreements) if a.id > agreement.id), None)
    return render_template(
        "agreements/view.html", agreement=agreement, newer=newer,
        # The same rules as the signing pages, so that no button leads to a refusal.
        may_sign=can_sign_for_prospect(current_user, agreement) and signing.sign_refusal(agreement) is None,
        may_countersign=(can_act_for_vendor(current_user, agreement)
                         and signing.countersign_refusal(agreement) is None),
        vendor_name=_vendor_name(),
    )


def _vendor_name():
    zh = str(current_app.config["VENDOR_NAME_ZH"])
    en = str(current_app.config["VENDOR_NAME_EN"])
    return f"{zh} / {en}" if zh != en else en


@bp.route("/agreements/<int:agreement_id>/document.pdf")
@login_required
def document(agreement_id):
    agreement = get_agreement(agreement_id, current_user)
    return storage.serve(agreement.document, inline=request.args.get("inline") == "1")


@bp.route("/agreements/<int:agreement_id>/signed.pdf")
@login_required
def signed_document(agreement_id):
    agreement = get_agreement(agreement_id, current_user)
    if agreement.signed_document is None:
        abort(404)
    return storage.serve(agreement.signed_document, inline=request.args.get("inline") == "1")


# ---- verifying (public) ----------------------------------------------------------------------------


@bp.route("/agreements/verify", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], methods=["POST"])
def verify():
    # Accept the request up to the hard ceiling so that a too-large file is a field error.
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    limit = current_app.config["VERIFY_MAX_BYTES"]
    try:
        form = VerifyForm()
    except RequestEntityTooLarge:
        form = VerifyForm(formdata=None)
        form.file.errors = [_("The file is larger than %(limit)s. Please send a smaller file.",
                              limit=storage.human_size(limit))]
        return render_template("agreements/verify.html", form=form, result=None), 400
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("agreements/verify.html", form=form, result=None), (
            400 if request.method == "POST" else 200)
    upload = form.file.data
    try:
        data = None
        if upload and getattr(upload, "filename", ""):
            data = storage.read_limited(upload, limit, "file")
            if storage.detect_type(data, ("pdf",)) is None:
                raise DomainError(_("This file is not a PDF file. Please upload the agreement PDF."), field="file")
        number = services.normalise_number(form.number.data)
        if number and not services.NUMBER_RE.match(number):
            raise DomainError(_("An agreement number looks like AG-2026-000042."), field="number")
        result = services.verify(number, data)
    except DomainError as error:
        apply_to_form(form, error)
        return render_template("agreements/verify.html", form=form, result=None), 400
    return render_template("agreements/verify.html", form=form, result=result)


from portal.agreements import signing_views  # noqa: E402,F401  (routes on bp)
