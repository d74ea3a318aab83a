"""Assignments and oversight: curricula, manual assignments, progress, statistics, settings.

Managers and admins ("training.oversee") see the partners portal.partners.queries lets them see;
a partner admin ("partner.admin") sees only the people of their own organisation (my-team); the
training gate for promotional material is an admin setting ("settings.manage").
"""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from portal.accounts.forms import ROLE_LABELS
from portal.accounts.models import User
from portal.core.errors import DomainError, apply_to_form
from portal.core.pages import ListPagination, page_number as _page, paginate as _paginate
from portal.core.permissions import ADMIN, require
from portal.core.settings import get_setting, set_setting
from portal.extensions import db
from portal.partners import queries as partner_queries
from portal.partners.models import Partner
from portal.reference import queries as ref
from portal.reference.models import ChannelType, PartnerTier
from portal.training import assignment_services as assigning
from portal.training import oversight_services as oversight
from portal.training.models import CurriculumRule, TrainingAssignment, TrainingModule
from portal.training.oversight_forms import AssignForm, RuleForm, SettingsForm

bp = Blueprint("training_oversight", __name__, url_prefix="/training/oversight")

PREVIEW_ROWS = 10


# ---- helpers ----------------------------------------------------------------------------------


def verify_url(code):
    try:
        return url_for("certificates.verify_code", code=code)
    except BuildError:
        return f"/verify/{code}"


def published_modules():
    return db.session.scalars(
        sa.select(TrainingModule).where(TrainingModule.status == "published")
        .order_by(TrainingModule.title_en, TrainingModule.id)
    ).all()


def _visible_partner_ids(user):
    """None for admins (everything), else the ids of the partners the user may see."""
    if user.role == ADMIN:
        return None
    return set(db.session.scalars(partner_queries.visible_partners(user).with_only_columns(Partner.id)))


def _filters():
    return {
        "territory_id": request.args.get("territory", type=int) or None,
        "channel_type_id": request.args.get("channel_type", type=int) or None,
        "module_id": request.args.get("module", type=int) or None,
    }


def _filtered_partners(filters):
    query = oversight.filter_partners(partner_queries.visible_partners(current_user),
                                      filters["territory_id"], filters["channel_type_id"])
    return db.session.scalars(
        query.order_by(Partner.name, Partner.id)
        .options(selectinload(Partner.province), selectinload(Partner.city))
    ).all()


def _filter_context():
    return {"territories": ref.territory_choices(), "channel_types": ref.channel_types(),
            "modules": published_modules()}


def _get_person(user_id):
    """A partner person of a partner the manager may see; 404 otherwise."""
    person = db.session.scalar(
        sa.select(User).where(User.id == user_id, User.role.in_(assigning.PARTNER_ROLES), User.partner_id.is_not(None))
    )
    if person is None:
        abort(404)
    partner_queries.get_partner(person.partner_id, current_user)  # 404 unless visible
    return person


def _flash_error(error):
    flash(str(error.message), "danger")


# ---- the manager's overview --------------------------------------------------------------------


@bp.route("/")
@require("training.oversee")
def overview():
    filters = _filters()
    partners = _filtered_partners(filters)
    data = oversight.overview(partners, module_id=filters["module_id"])
    modules = published_modules()
    if filters["module_id"]:
        modules = [m for m in modules if m.id == filters["module_id"]]
    partner_ids = _visible_partner_ids(current_user)
    expiring = oversight.expiring_certificates([p.id for p in partners])
    if filters["module_id"]:
        expiring = [c for c in expiring if c.module_id == filters["module_id"]]
    return render_template(
        "training/oversight/overview.html", data=data,
        partner_page=ListPagination(data["partners"], _page(), current_app.config["PER_PAGE"]),
        overdue_preview=data["overdue"][:PREVIEW_ROWS], overdue_total=len(data["overdue"]),
        expiring_preview=expiring[:PREVIEW_ROWS], expiring_total=len(expiring),
        exam_rows=oversight.exam_stats(modules, partner_ids), filters=filters,
        window=oversight.EXPIRY_WINDOW_DAYS, verify_url=verify_url,
        filter_args={k: v for k, v in request.args.items() if k != "page"}, **_filter_context(),
    )


@bp.route("/overdue")
@require("training.oversee")
def overdue():
    filters = _filters()
    data = oversight.overview(_filtered_partners(filters), module_id=filters["module_id"])
    pagination = ListPagination(data["overdue"], _page(), current_app.config["PER_PAGE"])
    return render_template("training/oversight/overdue.html", pagination=pagination, filters=filters,
                           **_filter_context())


@bp.route("/expiring")
@require("training.oversee")
def expiring():
    filters = _filters()
    certs = oversight.expiring_certificates([p.id for p in _filtered_partners(filters)])
    if filters["module_id"]:
        certs = [c for c in certs if c.module_id == filters["module_id"]]
    pagination = ListPagination(certs, _page(), current_app.config["PER_PAGE"])
    return render_template("training/oversight/expiring.html", pagination=pagination, filters=filters,
                           window=oversight.EXPIRY_WINDOW_DAYS, verify_url=verify_url, **_filter_context())


@bp.route("/modules/<int:module_id>/questions")
@require("training.oversee")
def module_stats(module_id):
    module = db.session.get(TrainingModule, module_id) or abort(404)
    partner_ids = _visible_partner_ids(current_user)
    rows = oversight.question_stats(module, partner_ids)
    pagination = ListPagination(rows, _page(), 50)
    return render_template("training/oversight/module_stats.html", module=module, pagination=pagination,
                           stats=oversight.exam_stats([module], partner_ids)[0], scoped=partner_ids is not None)


@bp.route("/partners/<int:partner_id>")
@require("training.oversee")
def partner(partner_id):
    partner = partner_queries.get_partner(partner_id, current_user)
    people = assigning.active_people([partner.id])
    return render_template("training/oversight/partner.html", partner=partner, people=people,
                           progress=oversight.person_requirements(people), role_labels=ROLE_LABELS,
                           verify_url=verify_url)


@bp.route("/people/<int:user_id>")
@require("training.oversee")
def person(user_id):
    member = _get_person(user_id)
    return _person_page(member, back_url=url_for(".partner", partner_id=member.partner_id))


def _person_page(member, back_url):
    return render_template(
        "training/oversight/person.html", member=member, back_url=back_url,
        progress=oversight.person_requirements([member]).get(member.id, []) if member.active else [],
        attempts=oversight.person_attempts(member), certificates=oversight.person_certificates(member),
        role_labels=ROLE_LABELS, verify_url=verify_url, today=assigning.today_local(),
    )


# ---- curricula ---------------------------------------------------------------------------------


def _rule_form_choices(form):
    form.module_id.choices = [(0, _("— Choose —"))] + [(m.id, m.t("title")) for m in published_modules()]
    form.channel_type_id.choices = [(0, _("Any channel type"))] + [(c.id, c.label) for c in ref.channel_types()]
    form.tier_id.choices = [(0, _("Any tier"))] + [(t.id, t.label) for t in ref.tiers()]


@bp.route("/curricula", methods=["GET", "POST"])
@require("training.oversee")
def curricula():
    form = RuleForm()
    _rule_form_choices(form)
    if form.validate_on_submit():
        module = db.session.get(TrainingModule, form.module_id.data)
        channel_type = db.session.get(ChannelType, form.channel_type_id.data) if form.channel_type_id.data else None
        tier = db.session.get(PartnerTier, form.tier_id.data) if form.tier_id.data else None
        try:
            assigning.create_rule(module, channel_type, tier, form.due_days.data, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error) or _flash_error(error)
        else:
            db.session.commit()
            flash(_("The rule is saved; the people it concerns have been notified."), "success")
            return redirect(url_for(".curricula"))
    rules = db.session.scalars(
        sa.select(CurriculumRule).order_by(CurriculumRule.active.desc(), CurriculumRule.created_at.desc(),
                                           CurriculumRule.id.desc())
        .options(selectinload(CurriculumRule.module), selectinload(CurriculumRule.channel_type),
                 selectinload(CurriculumRule.tier))
    ).all()
    status = 400 if request.method == "POST" else 200
    return render_template("training/oversight/curricula.html", form=form, rules=rules), status


@bp.route("/curricula/<int:rule_id>/deactivate", methods=["POST"])
@require("training.oversee")
def deactivate_rule(rule_id):
    rule = db.session.get(CurriculumRule, rule_id) or abort(404)
    try:
        assigning.deactivate_rule(rule, current_user)
    except DomainError as error:
        db.session.rollback()
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("The rule is deactivated: the module is no longer required by it."), "success")
    return redirect(url_for(".curricula"))


# ---- manual assignments ------------------------------------------------------------------------


def _assign_choices(form, partners):
    form.module_id.choices = [(0, _("— Choose —"))] + [(m.id, m.t("title")) for m in published_modules()]
    form.partner_id.choices = [(0, _("— Choose —"))] + [(p.id, p.name) for p in partners]
    groups = {}
    for person in assigning.active_people([p.id for p in partners]):
        groups.setdefault(person.partner_id, []).append((person.id, person.name))
    form.user_id.choices = {p.name: groups[p.id] for p in partners if p.id in groups}


@bp.route("/assign", methods=["GET", "POST"])
@require("training.oversee")
def assign():
    partners = db.session.scalars(
        partner_queries.visible_partners(current_user).where(Partner.status == "active").order_by(Partner.name)
    ).all()
    form = AssignForm()
    _assign_choices(form, partners)
    if request.method == "GET":
        form.partner_id.data = request.args.get("partner_id", type=int) or 0
        form.module_id.data = request.args.get("module_id", type=int) or 0
    if form.validate_on_submit():
        module = db.session.get(TrainingModule, form.module_id.data)
        target = next((p for p in partners if p.id == form.partner_id.data), None)
        person = db.session.get(User, form.user_id.data) if form.user_id.data else None
        try:
            if target is None:
                raise DomainError(_("Choose a partner you look after."), field="partner_id")
            assigning.assign_module(module, current_user, partner=target, user=person, due_on=form.due_on.data)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error) or _flash_error(error)
        else:
            db.session.commit()
            flash(_("The module is assigned and the people concerned have been notified."), "success")
            return redirect(url_for(".assignments"))
    status = 400 if request.method == "POST" else 200
    return render_template("training/oversight/assign.html", form=form), status


def _visible_assignments():
    partner_ids = _visible_partner_ids(current_user)
    query = (
        sa.select(TrainingAssignment).outerjoin(User, User.id == TrainingAssignment.user_id)
        .order_by(TrainingAssignment.created_at.desc(), TrainingAssignment.id.desc())
        .options(selectinload(TrainingAssignment.module), selectinload(TrainingAssignment.partner),
                 selectinload(TrainingAssignment.user).selectinload(User.partner))
    )
    if partner_ids is not None:
        ids = list(partner_ids)
        query = query.where(sa.or_(TrainingAssignment.partner_id.in_(ids), User.partner_id.in_(ids)))
    return query


@bp.route("/assignments")
@require("training.oversee")
def assignments():
    pagination = _paginate(_visible_assignments())
    return render_template("training/oversight/assignments.html", pagination=pagination)


@bp.route("/assignments/<int:assignment_id>/withdraw", methods=["POST"])
@require("training.oversee")
def withdraw_assignment(assignment_id):
    assignment = db.session.scalar(_visible_assignments().where(TrainingAssignment.id == assignment_id))
    if assignment is None:
        abort(404)
    try:
        assigning.withdraw_assignment(assignment, current_user)
    except DomainError as error:
        db.session.rollback()
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("The assignment is withdrawn."), "success")
    return redirect(url_for(".assignments"))


# ---- the partner admin's team ------------------------------------------------------------------


@bp.route("/my-team")
@require("partner.admin")
def my_team():
    partner = partner_queries.own_partner(current_user, manage=True)
    people = assigning.active_people([partner.id])
    return render_template("partners/training.html", partner=partner, people=people,
                           progress=oversight.person_requirements(people), role_labels=ROLE_LABELS,
                           verify_url=verify_url)


@bp.route("/my-team/<int:user_id>")
@require("partner.admin")
def team_member(user_id):
    member = partner_queries.get_staff_member(user_id, current_user)  # 404 outside the own organisation
    return _person_page(member, back_url=url_for(".my_team"))


# ---- settings ----------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@require("settings.manage")
def settings():
    form = SettingsForm()
    if request.method == "GET":
        form.training_required_for_materials.data = get_setting("training_required_for_materials")
    if form.validate_on_submit():
        set_setting("training_required_for_materials", bool(form.training_required_for_materials.data))
        db.session.commit()
        flash(_("The training settings are saved."), "success")
        return redirect(url_for(".settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("training/oversight/settings.html", form=form), status
