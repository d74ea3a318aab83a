"""Conflict case pages: ``bp`` for partner users (cases they are party to, complaints),
``admin_bp`` for the vendor (every case they look after, rulings, the settings of cases).

Every case is loaded through ``portal.conflicts.queries``, scoped to what the user may see:
another organisation's case, its evidence and its answer route answer 404.
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BuildError

from portal.conflicts import queries, services
from portal.conflicts.forms import (
    AnswerForm, AssignForm, CaseForm, ComplaintForm, DueDateForm, EntryForm, EvidenceForm, PartyForm, RulingForm,
    SettingsForm, StatusForm, VendorEvidenceForm,
)
from portal.conflicts.models import CASE_FLOW, CASE_KINDS, CASE_STATUSES, RULING_ACTIONS
from portal.core import storage
from portal.core.audit import history_for
from portal.core.errors import DomainError
from portal.core.i18n import business_today, d
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.core.permissions import require
from portal.core.settings import get_setting
from portal.core.validators import normalise_credit_code
from portal.extensions import db
from portal.partners import queries as partner_queries

bp = Blueprint("cases", __name__, url_prefix="/partner/cases")
admin_bp = Blueprint("cases_admin", __name__, url_prefix="/cases")


def optional_url(endpoint, **values):
    """The URL of ``endpoint``, or None while that page does not exist (built by another part)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _upload_form(form_class):
    """Build an upload form accepting the request up to the hard ceiling, so that a too-large
    request becomes a field error rather than a bare 413. Returns (form, too_large)."""
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        return form_class(), False
    except RequestEntityTooLarge:
        form = form_class(formdata=None)
        form.evidence.errors = [_("The files are larger than %(limit)s altogether. Please send smaller files.",
                                  limit=storage.human_size(current_app.config["MAX_CONTENT_LENGTH"]))]
        return form, True


# ==== partner side =====================================================================================


def _own_partner():
    return partner_queries.own_partner(current_user)


@bp.route("/")
@require("cases.partner")
def index():
    partner = _own_partner()
    today = business_today()
    query = queries.filtered_cases(current_user, request.args, today, partner_side=True)
    pagination = _paginate(query)
    return render_template("conflicts/partner_index.html", partner=partner, pagination=pagination, today=today,
                           statuses=CASE_STATUSES, kinds=CASE_KINDS, is_overdue=services.is_overdue,
                           title_of=lambda c: services.partner_title(c, partner.id))


def _partner_form_page(template, form, status=200):
    return render_template(template, form=form, max_files=services.MAX_EVIDENCE_FILES), status


@bp.route("/new", methods=["GET", "POST"])
@require("cases.partner")
def new():
    partner = _own_partner()
    form, too_large = _upload_form(CaseForm)
    form.kind.choices = [("", _("Choose…"))] + services.kind_choices()
    if too_large:
        return _partner_form_page("conflicts/partner_new.html", form, 400)
    if form.validate_on_submit():
        try:
            case = services.open_partner_case(partner, current_user, form.kind.data, form.title.data,
                                              form.description.data, request.files.getlist("evidence"))
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Case %(number)s is open. Your channel manager has been told and will answer by %(due)s.",
                    number=case.number, due=d(case.due_on)), "success")
            return redirect(url_for(".case", case_id=case.id))
    return _partner_form_page("conflicts/partner_new.html", form, 400 if request.method == "POST" else 200)


@bp.route("/complaint", methods=["GET", "POST"])
@require("cases.partner")
def complain():
    partner = _own_partner()
    form, too_large = _upload_form(ComplaintForm)
    if too_large:
        return _partner_form_page("conflicts/partner_complaint.html", form, 400)
    if form.validate_on_submit():
        try:
            case = services.file_complaint(partner, current_user, form.title.data, form.description.data,
                                           request.files.getlist("evidence"))
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Complaint %(number)s is filed. The vendor will answer by %(due)s.",
                    number=case.number, due=d(case.due_on)), "success")
            return redirect(url_for(".case", case_id=case.id))
    return _partner_form_page("conflicts/partner_complaint.html", form, 400 if request.method == "POST" else 200)


def _partner_case_page(case, answer_form=None, evidence_form=None, status=200):
    partner_id = current_user.partner_id
    return render_template(
        "conflicts/partner_case.html", case=case, partner_id=partner_id,
        title=services.partner_title(case, partner_id), description=services.partner_description(case, partner_id),
        party_label=lambda pid: services.party_label(case, pid, partner_id),
        entries=services.visible_entries(case), evidence=services.visible_evidence(case, partner_id),
        own_registration=services.own_registration(case, partner_id),
        active=case.status in services.ACTIVE_STATUSES, overdue=services.is_overdue(case),
        answer_form=answer_form or AnswerForm(), evidence_form=evidence_form or EvidenceForm(),
        max_files=services.MAX_EVIDENCE_FILES,
    ), status


@bp.route("/<int:case_id>")
@require("cases.partner")
def case(case_id):
    return _partner_case_page(queries.get_case(case_id, current_user))


@bp.route("/<int:case_id>/answers", methods=["POST"])
@require("cases.partner")
def answer(case_id):
    case = queries.get_case(case_id, current_user)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.post_entry(case, current_user, form.body.data, partner=_own_partner())
        except DomainError as error:
            _refused(error, form)
            case = queries.get_case(case_id, current_user)
        else:
            db.session.commit()
            flash(_("Your answer is added to the case."), "success")
            return redirect(url_for(".case", case_id=case.id) + "#conversation")
    return _partner_case_page(case, answer_form=form, status=400)


@bp.route("/<int:case_id>/evidence", methods=["POST"])
@require("cases.partner")
def add_evidence(case_id):
    case = queries.get_case(case_id, current_user)
    form, too_large = _upload_form(EvidenceForm)
    if not too_large and form.validate_on_submit():
        try:
            stored = services.add_evidence(case, current_user, request.files.getlist("evidence"), form.note.data,
                                           partner=_own_partner())
        except DomainError as error:
            _refused(error, form)
            case = queries.get_case(case_id, current_user)
        else:
            db.session.commit()
            flash(_("%(count)d file(s) added. Only your organisation and the vendor can see them.",
                    count=len(stored)), "success")
            return redirect(url_for(".case", case_id=case.id) + "#case-evidence")
    return _partner_case_page(case, evidence_form=form, status=400)


@bp.route("/<int:case_id>/evidence/<int:evidence_id>")
@require("cases.partner")
def evidence(case_id, evidence_id):
    case = queries.get_case(case_id, current_user)
    item = queries.get_evidence(case, evidence_id, current_user)
    return storage.serve(item.file, inline=request.args.get("inline") == "1")


# ==== vendor side ======================================================================================


@admin_bp.route("/")
@require("cases.manage")
def index():
    today = business_today()
    query = queries.filtered_cases(current_user, request.args, today)
    pagination = _paginate(query)
    return render_template("conflicts/admin_index.html", pagination=pagination, today=today,
                           statuses=CASE_STATUSES, kinds=CASE_KINDS, partners=queries.partners_with_cases(current_user),
                           overdue_total=queries.overdue_count(current_user, today), is_overdue=services.is_overdue)


def _posted(submitted):
    """Keyword arguments for a form on a page of several: filled from the request only if it
    is the form that was sent."""
    return {} if submitted else {"formdata": None}


def _party_form(case, submitted=True):
    form = PartyForm(**_posted(submitted))
    choices = queries.partner_choices(current_user, case)
    form.partner_id.choices = [("", _("Choose…"))] + [(p.id, p.name) for p in choices]
    return form


def _status_form(case, submitted=True):
    form = StatusForm(**_posted(submitted))
    form.to_status.choices = [(s, CASE_STATUSES[s]) for s in CASE_FLOW.get(case.status, ()) if s != "ruled"]
    return form


def _assign_form(case, submitted=True):
    form = AssignForm(**_posted(submitted))
    form.manager_id.choices = [(u.id, u.name) for u in queries.managers()]
    if not submitted or form.manager_id.data is None:
        form.manager_id.data = case.manager_id
    return form


def _due_form(case, submitted=True):
    form = DueDateForm(**_posted(submitted))
    if not submitted:
        form.due_on.data = case.due_on
    return form


def _admin_case_page(case, status=200, **forms):
    history = [h for h in history_for(case) if h.field in ("due_on", "manager_id")]
    builders = {
        "entry_form": lambda: EntryForm(formdata=None),
        "evidence_form": lambda: VendorEvidenceForm(formdata=None),
        "party_form": lambda: _party_form(case, submitted=False),
        "status_form": lambda: _status_form(case, submitted=False),
        "assign_form": lambda: _assign_form(case, submitted=False),
        "due_form": lambda: _due_form(case, submitted=False),
    }
    for name, build in builders.items():
        if name not in forms:
            forms[name] = build()
    return render_template(
        "conflicts/admin_case.html", case=case, overdue=services.is_overdue(case), history=history,
        registrations=services.case_registrations(case), can_rule=case.status == "investigating",
        closed=case.status == "closed", max_files=services.MAX_EVIDENCE_FILES, link=optional_url,
        managers={u.id: u.name for u in queries.managers()}, statuses=CASE_STATUSES, **forms,
    ), status


@admin_bp.route("/<int:case_id>")
@require("cases.manage")
def case(case_id):
    return _admin_case_page(queries.get_case(case_id, current_user))


def _back(case, anchor=""):
    return redirect(url_for(".case", case_id=case.id) + anchor)


@admin_bp.route("/<int:case_id>/entries", methods=["POST"])
@require("cases.manage")
def add_entry(case_id):
    case = queries.get_case(case_id, current_user)
    form = EntryForm()
    if form.validate_on_submit():
        try:
            entry = services.post_entry(case, current_user, form.body.data, internal=form.internal.data)
        except DomainError as error:
            _refused(error, form)
            case = queries.get_case(case_id, current_user)
        else:
            db.session.commit()
            flash(_("Internal note added.") if entry.internal else _("Message sent to the parties."), "success")
            return _back(case, "#conversation")
    return _admin_case_page(case, 400, entry_form=form)


@admin_bp.route("/<int:case_id>/evidence", methods=["POST"])
@require("cases.manage")
def add_evidence(case_id):
    case = queries.get_case(case_id, current_user)
    form, too_large = _upload_form(VendorEvidenceForm)
    if not too_large and form.validate_on_submit():
        try:
            stored = services.add_evidence(case, current_user, request.files.getlist("evidence"), form.note.data,
                                           shared=form.shared.data)
        except DomainError as error:
            _refused(error, form)
            case = queries.get_case(case_id, current_user)
        else:
            db.session.commit()
            flash(_("%(count)d file(s) added.", count=len(stored)), "success")
            return _back(case, "#case-evidence")
    return _admin_case_page(case, 400, evidence_form=form)


@admin_bp.route("/<int:case_id>/evidence/<int:evidence_id>")
@require("cases.manage")
def evidence(case_id, evidence_id):
    case = queries.get_case(case_id, current_user)
    item = queries.get_evidence(case, evidence_id, current_user)
    return storage.serve(item.file, inline=request.args.get("inline") == "1")


@admin_bp.route("/<int:case_id>/evidence/<int:evidence_id>/share", methods=["POST"])
@require("cases.manage")
def share_evidence(case_id, evidence_id):
    case = queries.get_case(case_id, current_user)
    item = queries.get_evidence(case, evidence_id, current_user)
    shared = request.form.get("shared") == "1"
    try:
        services.set_evidence_shared(item, shared, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        if shared:
            flash(_("%(name)s is now shown to every party of the case.", name=item.file.original_name), "success")
        else:
            flash(_("%(name)s is private again: only its filer and the vendor see it.", name=item.file.original_name),
                  "success")
    return _back(case, "#case-evidence")


@admin_bp.route("/<int:case_id>/parties", methods=["POST"])
@require("cases.manage")
def add_party(case_id):
    case = queries.get_case(case_id, current_user)
    form = _party_form(case)
    if form.validate_on_submit():
        code = normalise_credit_code(form.credit_code.data)
        if code:
            partner = queries.partner_by_credit_code(code)
            if partner is None:
                form.credit_code.errors = [_("No partner has this unified social credit code.")]
                return _admin_case_page(case, 400, party_form=form)
        else:
            partner = next((p for p in queries.partner_choices(current_user, case) if p.id == form.partner_id.data),
                           None)
        try:
            services.add_party(case, partner, form.role.data, current_user)
        except DomainError as error:
            _refused(error, form)
            case = queries.get_case(case_id, current_user)
            form.partner_id.choices = _party_form(case, submitted=False).partner_id.choices
        else:
            db.session.commit()
            flash(_("%(name)s is now a party to the case and has been told.", name=partner.name), "success")
            return _back(case, "#parties")
    return _admin_case_page(case, 400, party_form=form)


@admin_bp.route("/<int:case_id>/status", methods=["POST"])
@require("cases.manage")
def move(case_id):
    case = queries.get_case(case_id, current_user)
    form = _status_form(case)
    if form.validate_on_submit():
        try:
            services.move_status(case, form.to_status.data, current_user, form.status_note.data)
        except DomainError as error:
            # A refused step is said at the top of the page: the step form may offer no choice at all.
            _refused(error, form if error.field == "status_note" else None)
            case = queries.get_case(case_id, current_user)
        else:
            db.session.commit()
            flash(_("Case %(number)s is now “%(status)s”.", number=case.number, status=case.status_label), "success")
            return _back(case)
    return _admin_case_page(case, 400, status_form=form)


@admin_bp.route("/<int:case_id>/due-date", methods=["POST"])
@require("cases.manage")
def due_date(case_id):
    case = queries.get_case(case_id, current_user)
    form = _due_form(case)
    if form.validate_on_submit():
        try:
            services.change_due_date(case, form.due_on.data, current_user)
        except DomainError as error:
            _refused(error, form)
            case = queries.get_case(case_id, current_user)
        else:
            db.session.commit()
            flash(_("The case is now due on %(date)s.", date=d(case.due_on)), "success")
            return _back(case)
    return _admin_case_page(case, 400, due_form=form)


@admin_bp.route("/<int:case_id>/manager", methods=["POST"])
@require("cases.manage")
def assign(case_id):
    case = queries.get_case(case_id, current_user)
    form = _assign_form(case)
    if form.validate_on_submit():
        manager = next((u for u in queries.managers() if u.id == form.manager_id.data), None)
        try:
            services.assign_manager(case, manager, current_user)
        except DomainError as error:
            _refused(error, form)
            case = queries.get_case(case_id, current_user)
        else:
            db.session.commit()
            flash(_("%(name)s now looks after case %(number)s.", name=manager.name, number=case.number), "success")
            return _back(case)
    return _admin_case_page(case, 400, assign_form=form)


def _ruling_form(case):
    form = RulingForm()
    parties = [("", _("Choose…"))] + [(p.partner_id, p.partner.name) for p in case.parties]
    form.target_id.choices = parties
    form.favour_id.choices = parties
    return form


def _party(case, partner_id):
    return next((p.partner for p in case.parties if p.partner_id == partner_id), None)


@admin_bp.route("/<int:case_id>/ruling", methods=["GET", "POST"])
@require("cases.manage")
def rule(case_id):
    case = queries.get_case(case_id, current_user)
    form = _ruling_form(case)
    if form.validate_on_submit():
        target = _party(case, form.target_id.data)
        favour = _party(case, form.favour_id.data)
        if form.target_id.data and target is None:
            form.target_id.errors = [_("Choose one of the case's parties.")]
        elif form.favour_id.data and favour is None:
            form.favour_id.errors = [_("Choose one of the case's parties.")]
        else:
            try:
                services.rule_case(case, current_user, form.decision.data, form.action.data,
                                   amount=form.penalty_amount.data, target=target, favour=favour)
            except DomainError as error:
                _refused(error, form)
                case = queries.get_case(case_id, current_user)
            else:
                db.session.commit()
                flash(_("Case %(number)s is ruled. Everyone involved has been told.", number=case.number), "success")
                return _back(case, "#ruling")
    status = 400 if request.method == "POST" else 200
    return render_template("conflicts/admin_ruling.html", case=case, form=form, actions=RULING_ACTIONS,
                           registrations=services.case_registrations(case), link=optional_url,
                           can_rule=case.status == "investigating"), status


# ---- settings ---------------------------------------------------------------------------------------


@admin_bp.route("/settings", methods=["GET", "POST"])
@require("settings.manage")
def settings():
    form = SettingsForm()
    if request.method == "GET":
        for name in services.SETTING_BOUNDS:
            getattr(form, name).data = str(get_setting(name))
    if form.validate_on_submit():
        try:
            services.update_settings({name: getattr(form, name).data for name in services.SETTING_BOUNDS},
                                     current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("The settings of cases and deal registrations are saved."), "success")
            return redirect(url_for(".settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("conflicts/settings.html", form=form, bounds=services.SETTING_BOUNDS), status
