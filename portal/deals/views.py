"""Deal registration pages: ``bp`` for partner users (their own organisation's registrations),
``admin_bp`` for the vendor (the queue, the matches side by side, approve and reject).

A held registration's partner reads only that the customer is already registered by another
partner: the partner-side templates get the registration itself and nothing about its match.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.errors import DomainError, apply_to_form
from portal.core.i18n import business_today, d
from portal.core.pages import paginate as _paginate
from portal.core.permissions import require
from portal.deals import queries, services
from portal.deals.forms import ApproveForm, OutcomeForm, RegistrationForm, RejectForm
from portal.deals.matching import match_reasons
from portal.deals.models import DEAL_STATUSES
from portal.extensions import db
from portal.partners import queries as partner_queries
from portal.partners.views import city_choices, optional_url
from portal.reference import queries as ref
from portal.reference.models import ProductLine, Territory

bp = Blueprint("deals", __name__, url_prefix="/partner/deals")
admin_bp = Blueprint("deals_admin", __name__, url_prefix="/deals")


def _shown(today):
    return lambda registration: services.shown_status(registration, today)


# ---- partner side --------------------------------------------------------------------------------


@bp.route("/")
@require("deals.register")
def index():
    partner = partner_queries.own_partner(current_user)
    today = business_today()
    status = request.args.get("status", "")
    query = queries.own_registrations(current_user, status, today)
    pagination = _paginate(query)
    return render_template("deals/index.html", partner=partner, pagination=pagination, statuses=DEAL_STATUSES,
                           status=status if status in DEAL_STATUSES else "", shown=_shown(today))


def _registration_data(form):
    city = db.session.get(Territory, form.city_id.data) if form.city_id.data else None
    product_line = db.session.get(ProductLine, form.product_line_id.data) if form.product_line_id.data else None
    return {"customer_name": form.customer_name.data, "credit_code": form.credit_code.data, "phone": form.phone.data,
            "city": city, "product_line": product_line, "expected_value": form.expected_value.data,
            "expected_close_on": form.expected_close_on.data, "description": form.description.data}


@bp.route("/new", methods=["GET", "POST"])
@require("deals.register")
def new():
    partner = partner_queries.own_partner(current_user)
    form = RegistrationForm()
    form.city_id.choices = city_choices()
    form.product_line_id.choices = [(p.id, p.label) for p in ref.product_lines()]
    if request.method == "GET" and partner.city_id:
        form.city_id.data = partner.city_id
    if form.validate_on_submit():
        try:
            registration = services.register(partner, _registration_data(form), current_user,
                                             confirm_duplicate=form.confirm_duplicate.data)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error) or flash(str(error.message), "danger")
        else:
            db.session.commit()
            if registration.status == "held":
                flash(_("Deal %(number)s is registered and on hold: this customer is already registered by another "
                        "partner. Your channel manager will look into it.", number=registration.number), "warning")
            else:
                flash(_("Deal %(number)s is registered. Your channel manager will approve it.",
                        number=registration.number), "success")
            return redirect(url_for(".registration", registration_id=registration.id))
    status = 400 if request.method == "POST" else 200
    return render_template("deals/form.html", form=form,
                           ask_duplicate=bool(form.confirm_duplicate.errors or form.confirm_duplicate.data)), status


@bp.route("/<int:registration_id>")
@require("deals.register")
def registration(registration_id):
    registration = queries.get_own(registration_id, current_user)
    today = business_today()
    return render_template("deals/registration.html", registration=registration,
                           status=services.shown_status(registration, today), statuses=DEAL_STATUSES,
                           note=services.note_for_partner(registration), outcome_form=OutcomeForm(),
                           case_url=optional_url("cases.case", case_id=registration.case_id)
                           if registration.case_id else None)


@bp.route("/<int:registration_id>/outcome", methods=["POST"])
@require("deals.register")
def outcome(registration_id):
    registration = queries.get_own(registration_id, current_user)
    form = OutcomeForm()
    if not form.validate_on_submit():
        flash(_("Choose won or lost."), "danger")
        return redirect(url_for(".registration", registration_id=registration.id))
    try:
        services.mark_outcome(registration, form.outcome.data, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        if registration.status == "won":
            flash(_("Deal %(number)s is marked won. Congratulations!", number=registration.number), "success")
        else:
            flash(_("Deal %(number)s is marked lost.", number=registration.number), "success")
    return redirect(url_for(".registration", registration_id=registration.id))


# ---- vendor side ---------------------------------------------------------------------------------


@admin_bp.route("/", endpoint="index")
@require("deals.manage")
def queue():
    today = business_today()
    query = queries.queue(current_user, request.args, today)
    pagination = _paginate(query)
    return render_template("deals/queue.html", pagination=pagination, statuses=DEAL_STATUSES,
                           counts=queries.status_counts(current_user, today),
                           partners=queries.partner_choices(current_user),
                           partner_id=queries.id_arg(request.args, "partner"), shown=_shown(today))


def _manage_page(registration, approve_form=None, reject_form=None, code=200):
    today = business_today()
    matches = services.find_matches(registration, today)
    if registration.matched is not None and registration.matched not in matches:
        matches.insert(0, registration.matched)  # the one it was held behind, even if its claim has ended
    blockers = services.blocking_claims(registration, today) if registration.status in ("submitted", "held") else []
    return render_template(
        "deals/manage.html", registration=registration, status=services.shown_status(registration, today),
        statuses=DEAL_STATUSES,
        matches=[(m, services.reason_labels(match_reasons(registration, m)), services.shown_status(m, today))
                 for m in matches],
        blockers=blockers, linkable=queries.visible_partner_ids(current_user, {m.partner_id for m in matches}),
        approve_form=approve_form or ApproveForm(), reject_form=reject_form or RejectForm(),
        case_url=optional_url("cases_admin.case", case_id=registration.case_id) if registration.case_id else None,
        partner_url=optional_url("partners_admin.partner", partner_id=registration.partner_id),
    ), code


@admin_bp.route("/<int:registration_id>")
@require("deals.manage")
def registration(registration_id):
    return _manage_page(queries.get_visible(registration_id, current_user))


@admin_bp.route("/<int:registration_id>/approve", methods=["POST"])
@require("deals.manage")
def approve(registration_id):
    registration = queries.get_visible(registration_id, current_user)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            services.approve(registration, current_user, form.override_reason.data)
        except DomainError as error:
            db.session.rollback()
            registration = queries.get_visible(registration_id, current_user)
            if not apply_to_form(form, error):
                flash(str(error.message), "danger")
                return redirect(url_for(".registration", registration_id=registration.id))
        else:
            db.session.commit()
            flash(_("Deal %(number)s is approved and protected until %(until)s.", number=registration.number,
                    until=d(registration.protected_until)), "success")
            return redirect(url_for(".registration", registration_id=registration.id))
    return _manage_page(registration, approve_form=form, code=400)


@admin_bp.route("/<int:registration_id>/reject", methods=["POST"])
@require("deals.manage")
def reject(registration_id):
    registration = queries.get_visible(registration_id, current_user)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject(registration, current_user, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            registration = queries.get_visible(registration_id, current_user)
            if not apply_to_form(form, error):
                flash(str(error.message), "danger")
                return redirect(url_for(".registration", registration_id=registration.id))
        else:
            db.session.commit()
            flash(_("Deal %(number)s is rejected; its partner has been told why.", number=registration.number),
                  "success")
            return redirect(url_for(".registration", registration_id=registration.id))
    return _manage_page(registration, reject_form=form, code=400)
