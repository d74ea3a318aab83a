"""Web views for recruitment: the public application, the applicant's page, the pipeline."""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from portal.accounts.models import User
from portal.core import storage
from portal.core.audit import history_for
from portal.core.errors import DomainError, apply_to_form
from portal.core.i18n import local_now, local_to_utc, local_today
from portal.core.models import StoredFile
from portal.core.pages import paginate
from portal.core.permissions import can_edit_prospect, public, require
from portal.core.urls import local_path
from portal.extensions import db, limiter
from portal.recruitment import queries, services
from portal.recruitment.forms import (
    ActivityForm, ApplicationForm, AssignForm, DocumentForm, FollowUpForm, MessageForm, ProspectForm, StageForm,
)
from portal.recruitment.models import (
    FUNNEL, OPEN_STAGES, SOURCES, STAGE_LABELS, STAGES, FollowUp, Prospect, ProspectDocument,
)
from portal.reference import queries as ref
from portal.reference.models import ProductLine

apply_bp = Blueprint("apply", __name__)
applicant_bp = Blueprint("applicant", __name__)
pipeline_bp = Blueprint("pipeline", __name__, url_prefix="/pipeline")

UPLOAD_KINDS = ("pdf", "jpeg", "png")


# ---- shared form helpers ----------------------------------------------------------------------


def territory_select_choices():
    """Grouped choices: each province, then its cities; a whole province is allowed too."""
    groups = {}
    for province in ref.provinces():
        options = [(province.id, _("%(province)s (whole province / other city)", province=province.label))]
        options += [(c.id, c.label) for c in province.children if c.active]
        groups[province.label] = options
    return groups


def fill_choices(form):
    form.territory_id.choices = territory_select_choices()
    form.channel_type_id.choices = [(0, _("— Choose —"))] + [(c.id, c.label) for c in ref.channel_types()]
    form.product_lines.choices = [(p.id, p.label) for p in ref.product_lines()]
    if isinstance(form, ProspectForm):
        form.owner_id.choices = [(0, _("Unassigned"))] + [(m.id, m.name) for m in services.managers()]


def form_data(form):
    data = {name: getattr(form, name).data for name in services.APPLICATION_FIELDS}
    for key, value in list(data.items()):
        if isinstance(value, str):
            data[key] = value.strip() or None
    data["channel_type_id"] = data.get("channel_type_id") or None
    if data.get("email"):
        data["email"] = data["email"].lower()
    return data


def selected_product_lines(form):
    ids = form.product_lines.data or []
    return db.session.scalars(sa.select(ProductLine).where(ProductLine.id.in_(ids))).all() if ids else []


def _licence_signer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="pending-licence")


def _pending_licence(ref_value):
    """A licence kept from an earlier attempt of the same form (see apply())."""
    if not ref_value:
        return None
    try:
        file_id = _licence_signer().loads(ref_value)
    except BadSignature:
        return None
    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.uploaded_by_id is not None:
        return None
    in_use = db.session.scalar(sa.select(ProspectDocument.id).where(ProspectDocument.file_id == stored.id))
    return None if in_use else stored


# ---- the public application -------------------------------------------------------------------


@apply_bp.route("/apply", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["APPLY_RATE_LIMIT"], methods=["POST"])
def apply():
    # Accept the request up to the hard ceiling so that an oversized licence becomes a field
    # error (with the other values kept) rather than a bare 413.
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        form = ApplicationForm()
    except RequestEntityTooLarge:
        form = ApplicationForm(formdata=None)
        fill_choices(form)
        form.licence.errors = [_("The file is larger than %(limit)s. Please send a smaller file.",
                                 limit=storage.human_size(current_app.config["LICENCE_MAX_BYTES"]))]
        return render_template("recruitment/apply.html", form=form, pending=None), 400
    fill_choices(form)
    pending = _pending_licence(form.licence_ref.data) if request.method == "POST" else None
    if request.method == "POST":
        valid = form.validate_on_submit()
        upload = form.licence.data
        if upload and getattr(upload, "filename", ""):
            try:
                pending = storage.store_upload(upload, UPLOAD_KINDS, current_app.config["LICENCE_MAX_BYTES"], "licence")
            except DomainError as error:
                apply_to_form(form, error)
                valid = False
        elif pending is None:
            form.licence.errors = list(form.licence.errors) + [_("Attach the business licence.")]
            valid = False
        if valid:
            try:
                outcome, prospect, user = services.submit_application(
                    form_data(form), services.territory_by_id(form.territory_id.data), selected_product_lines(form),
                    pending, request.remote_addr, str(get_locale()),
                )
            except DomainError as error:
                apply_to_form(form, error)
            else:
                if outcome == "duplicate" and pending is not None:
                    storage.discard(pending)
                db.session.commit()
                return redirect(url_for(".done", outcome=outcome))
        if pending is not None:
            db.session.commit()  # keep the valid licence so the applicant need not attach it again
            form.licence_ref.data = _licence_signer().dumps(pending.id)
        else:
            db.session.rollback()
            form.licence_ref.data = ""
        return render_template("recruitment/apply.html", form=form, pending=pending), 400
    return render_template("recruitment/apply.html", form=form, pending=None)


@apply_bp.route("/apply/done")
@public
def done():
    outcome = request.args.get("outcome", "created")
    return render_template("recruitment/apply_done.html", duplicate=outcome == "duplicate")


# ---- the applicant's own application ----------------------------------------------------------


@applicant_bp.route("/my-application")
@require("application.own")
def mine():
    prospects = db.session.scalars(
        queries.visible_prospects(current_user).order_by(Prospect.created_at.desc())
    ).all()
    if not prospects:
        return render_template("recruitment/applicant_empty.html")
    if len(prospects) == 1:
        return application(prospects[0].id)
    return render_template("recruitment/applicant_list.html", prospects=prospects)


@applicant_bp.route("/my-application/<int:prospect_id>")
@require("application.own")
def application(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user)
    return render_template(
        "recruitment/applicant.html", prospect=prospect, message_form=MessageForm(), document_form=DocumentForm(),
        funnel=FUNNEL, stage_labels=STAGE_LABELS,
    )


@applicant_bp.route("/my-application/<int:prospect_id>/messages", methods=["POST"])
@require("application.own")
def applicant_message(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user)
    form = MessageForm()
    if form.validate_on_submit():
        services.post_message(prospect, current_user, form.body.data)
        db.session.commit()
        flash(_("Your message is sent."), "success")
        return redirect(url_for(".application", prospect_id=prospect.id) + "#messages")
    return render_template("recruitment/applicant.html", prospect=prospect, message_form=form,
                           document_form=DocumentForm(), funnel=FUNNEL, stage_labels=STAGE_LABELS), 400


@applicant_bp.route("/my-application/<int:prospect_id>/documents", methods=["POST"])
@require("application.own")
def applicant_document(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user)
    form = _document_upload(prospect)
    if form is None:
        return redirect(url_for(".application", prospect_id=prospect.id) + "#documents")
    return render_template("recruitment/applicant.html", prospect=prospect, message_form=MessageForm(),
                           document_form=form, funnel=FUNNEL, stage_labels=STAGE_LABELS), 400


@applicant_bp.route("/my-application/<int:prospect_id>/documents/<int:document_id>")
@require("application.own")
def applicant_download(prospect_id, document_id):
    prospect = queries.get_prospect(prospect_id, current_user)
    return _serve_document(prospect, document_id)


def _document_upload(prospect):
    """Shared by applicant and manager: store a checked upload; return the form on error."""
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    form = DocumentForm()
    if not form.validate_on_submit():
        return form
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose a file to upload.")]
        return form
    try:
        stored = storage.store_upload(upload, UPLOAD_KINDS, current_app.config["LICENCE_MAX_BYTES"], "file",
                                      uploaded_by=current_user)
    except DomainError as error:
        db.session.rollback()
        apply_to_form(form, error)
        return form
    services.add_document(prospect, stored, "other", form.description.data, current_user)
    db.session.commit()
    flash(_("The document is uploaded."), "success")
    return None


def _serve_document(prospect, document_id):
    document = db.session.get(ProspectDocument, document_id)
    if document is None or document.prospect_id != prospect.id:
        abort(404)
    return storage.serve(document.file, inline=request.args.get("inline") == "1")


# ---- the pipeline -----------------------------------------------------------------------------


@pipeline_bp.route("/")
@require("pipeline.view")
def home():
    today = local_today()
    scoped = queries.visible_prospects(current_user)
    new_apps = db.session.scalars(
        scoped.where(Prospect.stage == "new").order_by(Prospect.created_at.desc()).limit(10)
    ).all()
    new_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(scoped.where(Prospect.stage == "new").subquery())
    )
    queue_count = db.session.scalar(
        sa.select(sa.func.count(Prospect.id)).where(Prospect.owner_id.is_(None), Prospect.stage.in_(OPEN_STAGES))
    )
    follow_ups = queries.follow_ups_due(current_user, today)
    overdue = [f for f in follow_ups if f.due_date < today]
    due_today = [f for f in follow_ups if f.due_date == today]
    mine_by_stage = dict(db.session.execute(
        sa.select(Prospect.stage, sa.func.count(Prospect.id)).where(Prospect.owner_id == current_user.id)
        .group_by(Prospect.stage)
    ).all())
    return render_template("recruitment/home.html", new_apps=new_apps, new_count=new_count, queue_count=queue_count,
                           overdue=overdue, due_today=due_today, mine_by_stage=mine_by_stage,
                           stage_labels=STAGE_LABELS, today=today)


BOARD_LIMIT = 25


@pipeline_bp.route("/board")
@require("pipeline.view")
def board():
    scoped = queries.filtered_prospects(current_user, request.args)
    columns = []
    for stage in STAGES:
        q = scoped.where(Prospect.stage == stage).order_by(None).order_by(Prospect.stage_changed_at.desc())
        cards = db.session.scalars(q.limit(BOARD_LIMIT)).all()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(
            scoped.where(Prospect.stage == stage).order_by(None).subquery()))
        columns.append({"stage": stage, "label": STAGE_LABELS[stage], "cards": cards, "count": count})
    return render_template("recruitment/board.html", columns=columns, limit=BOARD_LIMIT, **_filter_context())


def _filter_context():
    return {
        "territories": ref.territory_choices(),
        "channel_types": ref.channel_types(),
        "owners": services.managers(),
        "stage_labels": STAGE_LABELS,
        "stages": STAGES,
        "sorts": {
            "updated": _("Recently updated"), "created": _("Newest first"), "company": _("Company name"),
            "stage": _("Longest in stage"), "capital": _("Registered capital"),
        },
    }


@pipeline_bp.route("/prospects")
@require("pipeline.view")
def prospects():
    query = queries.filtered_prospects(current_user, request.args)
    pagination = paginate(query)
    return render_template("recruitment/prospects.html", pagination=pagination, now=datetime.now(timezone.utc),
                           **_filter_context())


@pipeline_bp.route("/queue")
@require("pipeline.view")
def queue():
    query = (sa.select(Prospect).where(Prospect.owner_id.is_(None), Prospect.stage.in_(OPEN_STAGES))
             .order_by(Prospect.created_at))
    pagination = paginate(query)
    return render_template("recruitment/queue.html", pagination=pagination, stage_labels=STAGE_LABELS)


@pipeline_bp.route("/prospects/new", methods=["GET", "POST"])
@require("pipeline.edit")
def new_prospect():
    form = ProspectForm()
    fill_choices(form)
    if request.method == "GET":
        form.owner_id.data = current_user.id if current_user.role == "manager" else 0
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else None
        try:
            prospect = services.create_prospect(form_data(form), services.territory_by_id(form.territory_id.data),
                                                selected_product_lines(form), current_user, owner=owner)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Prospect %(name)s added.", name=prospect.company_name), "success")
            return redirect(url_for(".prospect", prospect_id=prospect.id))
    return render_template("recruitment/prospect_form.html", form=form, prospect=None)


@pipeline_bp.route("/prospects/<int:prospect_id>/edit", methods=["GET", "POST"])
@require("pipeline.edit")
def edit_prospect(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user, edit=True)
    form = ProspectForm(obj=prospect)
    fill_choices(form)
    del form.owner_id
    if request.method == "GET":
        form.territory_id.data = prospect.city_id or prospect.province_id
        form.product_lines.data = [p.id for p in prospect.product_lines]
        form.channel_type_id.data = prospect.channel_type_id or 0
    if form.validate_on_submit():
        try:
            services.update_details(prospect, form_data(form), services.territory_by_id(form.territory_id.data),
                                    selected_product_lines(form), current_user)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".prospect", prospect_id=prospect.id))
    return render_template("recruitment/prospect_form.html", form=form, prospect=prospect)


def _prospect_page(prospect, status=200, **forms):
    stage_form = forms.get("stage_form") or StageForm()
    stage_form.to_stage.choices = [(s, STAGE_LABELS[s]) for s in services.allowed_manual_moves(prospect)]
    activity_form = forms.get("activity_form") or ActivityForm()
    if activity_form.occurred_at.data is None and not activity_form.errors:
        activity_form.occurred_at.data = local_now().replace(second=0, microsecond=0, tzinfo=None)
    follow_up_form = forms.get("follow_up_form") or FollowUpForm()
    follow_up_form.assignee_id.choices = [(m.id, m.name) for m in services.managers()]
    if not follow_up_form.errors and request.method == "GET":
        follow_up_form.assignee_id.data = prospect.owner_id or current_user.id
    assign_form = AssignForm()
    assign_form.owner_id.choices = [(0, _("Unassigned"))] + [(m.id, m.name) for m in services.managers()]
    assign_form.owner_id.data = prospect.owner_id or 0
    return render_template(
        "recruitment/prospect.html", prospect=prospect, stage_form=stage_form, activity_form=activity_form,
        follow_up_form=follow_up_form, message_form=forms.get("message_form") or MessageForm(),
        document_form=forms.get("document_form") or DocumentForm(), assign_form=assign_form,
        can_edit=can_edit_prospect(current_user, prospect), history=history_for(prospect, limit=100),
        sources=SOURCES, today=local_today(), stage_labels=STAGE_LABELS,
    ), status


@pipeline_bp.route("/prospects/<int:prospect_id>")
@require("pipeline.view")
def prospect(prospect_id):
    return _prospect_page(queries.get_prospect(prospect_id, current_user))


@pipeline_bp.route("/prospects/<int:prospect_id>/stage", methods=["POST"])
@require("pipeline.edit")
def move(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user, edit=True)
    form = StageForm()
    form.to_stage.choices = [(s, STAGE_LABELS[s]) for s in STAGES]
    if form.validate_on_submit():
        try:
            services.change_stage(prospect, form.to_stage.data, form.reason.data, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("%(company)s moved to “%(stage)s”.", company=prospect.company_name,
                    stage=STAGE_LABELS[prospect.stage]), "success")
            return redirect(url_for(".prospect", prospect_id=prospect.id))
    return _prospect_page(prospect, 400, stage_form=form)


@pipeline_bp.route("/prospects/<int:prospect_id>/claim", methods=["POST"])
@require("pipeline.edit")
def claim(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user)
    try:
        services.claim(prospect.id, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("%(company)s is yours now.", company=prospect.company_name), "success")
    return redirect(url_for(".prospect", prospect_id=prospect.id))


@pipeline_bp.route("/prospects/<int:prospect_id>/assign", methods=["POST"])
@require("pipeline.edit")
def assign(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user, edit=True)
    form = AssignForm()
    form.owner_id.choices = [(0, "")] + [(m.id, m.name) for m in services.managers()]
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else None
        try:
            services.assign(prospect, owner, current_user)
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            db.session.commit()
            flash(_("Owner saved."), "success")
    else:  # e.g. a manager deactivated since the page was loaded: say so rather than redirect in silence
        flash(_("Choose an active channel manager."), "danger")
    return redirect(url_for(".prospect", prospect_id=prospect.id))


@pipeline_bp.route("/prospects/<int:prospect_id>/activities", methods=["POST"])
@require("pipeline.edit")
def add_activity(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user, edit=True)
    form = ActivityForm()
    if form.validate_on_submit():
        occurred = local_to_utc(form.occurred_at.data)
        try:
            services.log_activity(prospect, form.kind.data, occurred, form.participants.data, form.outcome.data,
                                  current_user)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Activity logged."), "success")
            return redirect(url_for(".prospect", prospect_id=prospect.id) + "#activities")
    return _prospect_page(prospect, 400, activity_form=form)


@pipeline_bp.route("/prospects/<int:prospect_id>/follow-ups", methods=["POST"])
@require("pipeline.edit")
def add_follow_up(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user, edit=True)
    form = FollowUpForm()
    form.assignee_id.choices = [(m.id, m.name) for m in services.managers()] + [(current_user.id, current_user.name)]
    if form.validate_on_submit():
        try:
            services.schedule_follow_up(prospect, form.due_date.data, form.note.data,
                                        db.session.get(User, form.assignee_id.data), current_user)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Follow-up scheduled."), "success")
            return redirect(url_for(".prospect", prospect_id=prospect.id) + "#follow-ups")
    return _prospect_page(prospect, 400, follow_up_form=form)


@pipeline_bp.route("/follow-ups/<int:follow_up_id>/done", methods=["POST"])
@require("pipeline.edit")
def follow_up_done(follow_up_id):
    follow_up = db.session.get(FollowUp, follow_up_id) or abort(404)
    prospect = queries.get_prospect(follow_up.prospect_id, current_user, edit=True)
    try:
        services.complete_follow_up(follow_up, current_user)
    except DomainError as error:
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("Follow-up done."), "success")
    target = local_path(request.form.get("next"))
    if target:
        return redirect(target)
    return redirect(url_for(".prospect", prospect_id=prospect.id) + "#follow-ups")


@pipeline_bp.route("/prospects/<int:prospect_id>/messages", methods=["POST"])
@require("pipeline.edit")
def add_message(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user, edit=True)
    form = MessageForm()
    if form.validate_on_submit():
        services.post_message(prospect, current_user, form.body.data, form.is_question.data)
        db.session.commit()
        flash(_("Message sent to the applicant."), "success")
        return redirect(url_for(".prospect", prospect_id=prospect.id) + "#messages")
    return _prospect_page(prospect, 400, message_form=form)


@pipeline_bp.route("/prospects/<int:prospect_id>/documents", methods=["POST"])
@require("pipeline.edit")
def add_document(prospect_id):
    prospect = queries.get_prospect(prospect_id, current_user, edit=True)
    form = _document_upload(prospect)
    if form is None:
        return redirect(url_for(".prospect", prospect_id=prospect.id) + "#documents")
    return _prospect_page(prospect, 400, document_form=form)


@pipeline_bp.route("/prospects/<int:prospect_id>/documents/<int:document_id>")
@require("pipeline.view")
def download(prospect_id, document_id):
    prospect = queries.get_prospect(prospect_id, current_user)
    return _serve_document(prospect, document_id)
