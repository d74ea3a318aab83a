"""The signed partner's own portal: home, profile, outlets, staff, agreements, deposit.

Every page of ``bp`` is about the signed-in user's own organisation (``current_user.partner_id``);
records are loaded through portal.partners.queries, so another organisation's record answers
404. ``partners_admin`` holds the vendor-side pages about a partner (the deposit ledger).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from portal.accounts.forms import ROLE_LABELS
from portal.core.errors import DomainError, apply_to_form
from portal.core.i18n import business_today, local_today, money
from portal.core.permissions import can_manage_partner, require
from portal.extensions import db
from portal.partners import ledger, queries, services
from portal.partners.forms import CloseOutletForm, InviteStaffForm, OutletForm, PaymentForm, ProfileForm
from portal.reference import queries as ref
from portal.reference.models import Territory
from portal.subsidies.services import set_closed_on

bp = Blueprint("partners", __name__, url_prefix="/partner")
partners_admin = Blueprint("partners_admin", __name__, url_prefix="/partners")


def optional_url(endpoint, **values):
    """The URL of ``endpoint``, or None while that page does not exist (built by another part)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _deposit(partner):
    account = queries.deposit_account(partner)
    totals = ledger.balances(account.id) if account else None
    return account, totals


def _flash_error(error):
    flash(str(error.message), "danger")


# ---- home and profile -------------------------------------------------------------------------


@bp.route("/")
@require("partner.portal")
def home():
    if current_user.partner_id is None:
        return render_template("partners/unlinked.html")
    partner = queries.own_partner(current_user)
    agreements = queries.partner_agreements(partner)
    _account, totals = _deposit(partner)
    from portal.marketing import announcement_services, library_services

    marketing = {"home_news": announcement_services.for_home(partner, current_user),
                 "new_assets": library_services.new_for_partner(partner, limit=5)}
    return render_template(
        "partners/home.html", partner=partner, current=queries.current_agreement(agreements), **marketing,
        agreement_count=len(agreements), outlet_counts=queries.outlet_counts(partner),
        staff_count=queries.staff_count(partner), totals=totals, can_manage=can_manage_partner(current_user, partner),
        link=optional_url,
    )


@bp.route("/profile", methods=["GET", "POST"])
@require("partner.admin")
def profile():
    partner = queries.own_partner(current_user, manage=True)
    form = ProfileForm(obj=partner)
    if form.validate_on_submit():
        try:
            services.update_profile(partner, {name: getattr(form, name).data for name in
                                              ("contact_name", "phone", "email", "address")}, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error) or _flash_error(error)
        else:
            db.session.commit()
            flash(_("The organisation's details are saved."), "success")
            return redirect(url_for(".home"))
    status = 400 if form.errors else 200
    return render_template("partners/profile.html", partner=partner, form=form), status


# ---- outlets ----------------------------------------------------------------------------------


def city_choices():
    """Cities grouped by province, for macros/forms.html grouped_select."""
    groups = {}
    for province in ref.provinces():
        cities = [(c.id, c.label) for c in province.children if c.active]
        if cities:
            groups[province.label] = cities
    return groups


def _outlet_data(form):
    city = db.session.get(Territory, form.city_id.data) if form.city_id.data else None
    return {"name": form.name.data, "address": form.address.data, "city": city, "kind": form.kind.data,
            "opened_on": form.opened_on.data}


@bp.route("/outlets")
@require("partner.portal")
def outlets():
    partner = queries.own_partner(current_user)
    return render_template("partners/outlets.html", partner=partner, outlets=queries.outlets(partner),
                           can_manage=can_manage_partner(current_user, partner))


@bp.route("/outlets/new", methods=["GET", "POST"])
@require("partner.admin")
def new_outlet():
    partner = queries.own_partner(current_user, manage=True)
    form = OutletForm()
    form.city_id.choices = city_choices()
    if request.method == "GET" and partner.city_id:
        form.city_id.data = partner.city_id
    if form.validate_on_submit():
        try:
            outlet = services.add_outlet(partner, _outlet_data(form), current_user, today=local_today())
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error) or _flash_error(error)
        else:
            db.session.commit()
            flash(_("Outlet %(name)s added.", name=outlet.name), "success")
            return redirect(url_for(".outlets"))
    status = 400 if request.method == "POST" else 200
    return render_template("partners/outlet_form.html", form=form, outlet=None), status


@bp.route("/outlets/<int:outlet_id>/edit", methods=["GET", "POST"])
@require("partner.admin")
def edit_outlet(outlet_id):
    outlet = queries.get_outlet(outlet_id, current_user, manage=True)
    form = OutletForm(obj=outlet)
    form.city_id.choices = city_choices()
    if form.validate_on_submit():
        try:
            services.update_outlet(outlet, _outlet_data(form), current_user, today=local_today())
        except DomainError as error:
            db.session.rollback()
            outlet = queries.get_outlet(outlet_id, current_user, manage=True)
            apply_to_form(form, error) or _flash_error(error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".outlets"))
    status = 400 if request.method == "POST" else 200
    return render_template("partners/outlet_form.html", form=form, outlet=outlet), status


@bp.route("/outlets/<int:outlet_id>/active", methods=["GET", "POST"])
@require("partner.admin")
def outlet_active(outlet_id):
    """GET asks for the closing date; POST closes (``active=0``, ``closed_on``: empty is today)
    or reopens (``active=1``, which clears the closing date). The rent subsidy follows the dates."""
    outlet = queries.get_outlet(outlet_id, current_user, manage=True)
    form, today = CloseOutletForm(), business_today()
    if request.method == "GET":
        if not outlet.active:
            return redirect(url_for(".outlets"))
        form.closed_on.data = today
        return render_template("partners/outlet_close.html", form=form, outlet=outlet, today=today)
    active = request.form.get("active") == "1"
    if active or form.validate():
        try:
            set_closed_on(outlet, None if active else form.closed_on.data or today, today)
            services.set_outlet_active(outlet, active, current_user)
        except DomainError as error:
            db.session.rollback()
            outlet = queries.get_outlet(outlet_id, current_user, manage=True)
            if active or not apply_to_form(form, error):
                _flash_error(error)
                return redirect(url_for(".outlets"))
        else:
            db.session.commit()
            if active:
                flash(_("Outlet %(name)s is open again.", name=outlet.name), "success")
            else:
                flash(_("Outlet %(name)s is closed. It stays in the list with its history.", name=outlet.name),
                      "success")
            return redirect(url_for(".outlets"))
    return render_template("partners/outlet_close.html", form=form, outlet=outlet, today=today), 400


# ---- staff ------------------------------------------------------------------------------------


@bp.route("/staff")
@require("partner.admin")
def staff():
    partner = queries.own_partner(current_user, manage=True)
    return render_template("partners/staff.html", partner=partner, people=queries.people(partner),
                           role_labels=ROLE_LABELS)


@bp.route("/staff/invite", methods=["GET", "POST"])
@require("partner.admin")
def invite_staff():
    partner = queries.own_partner(current_user, manage=True)
    form = InviteStaffForm()
    if request.method == "GET":
        form.locale.data = current_user.locale or "zh_CN"
    if form.validate_on_submit():
        try:
            user = services.invite_staff(partner, form.email.data, form.name.data, form.locale.data, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error) or _flash_error(error)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s. The link is valid for 48 hours.", email=user.email), "success")
            return redirect(url_for(".staff"))
    status = 400 if request.method == "POST" else 200
    return render_template("partners/invite.html", form=form), status


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@require("partner.admin")
def staff_active(user_id):
    member = queries.get_staff_member(user_id, current_user)
    active = request.form.get("active") == "1"
    try:
        services.set_staff_active(member.partner, member, active, current_user)
    except DomainError as error:
        db.session.rollback()
        _flash_error(error)
    else:
        db.session.commit()
        if active:
            flash(_("%(name)s can sign in again.", name=member.name), "success")
        else:
            flash(_("%(name)s is deactivated and signed out everywhere.", name=member.name), "success")
    return redirect(url_for(".staff"))


@bp.route("/staff/<int:user_id>/resend", methods=["POST"])
@require("partner.admin")
def resend_invitation(user_id):
    member = queries.get_staff_member(user_id, current_user)
    try:
        services.resend_invitation(member.partner, member, current_user)
    except DomainError as error:
        db.session.rollback()
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("Invitation sent to %(email)s. The link is valid for 48 hours.", email=member.email), "success")
    return redirect(url_for(".staff"))


# ---- agreements and deposit -------------------------------------------------------------------


@bp.route("/agreements")
@require("partner.portal")
def agreements():
    partner = queries.own_partner(current_user)
    return render_template("partners/agreements.html", partner=partner,
                           agreements=queries.partner_agreements(partner), link=optional_url)


@bp.route("/deposit")
@require("partner.portal")
def deposit():
    partner = queries.own_partner(current_user)
    account, totals = _deposit(partner)
    return render_template("partners/deposit.html", partner=partner, account=account, totals=totals,
                           movements=queries.deposit_movements(account))


# ---- vendor side: a partner's deposit ledger --------------------------------------------------


def _manager_deposit_page(partner, form, status=200):
    account, totals = _deposit(partner)
    return render_template("partners/manager_deposit.html", partner=partner, account=account, totals=totals,
                           movements=queries.deposit_movements(account), form=form), status


@partners_admin.route("/<int:partner_id>/deposit", endpoint="deposit")
@require("agreements.manage")
def manager_deposit(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    return _manager_deposit_page(partner, PaymentForm())


@partners_admin.route("/<int:partner_id>/deposit/payments", methods=["POST"])
@require("agreements.manage")
def record_payment(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            movement = services.record_payment(partner, form.amount.data, form.reference.data, form.note.data,
                                               current_user)
        except DomainError as error:
            db.session.rollback()
            partner = queries.get_partner(partner_id, current_user)
            if not apply_to_form(form, error):
                abort(403)
        else:
            db.session.commit()
            flash(_("Payment of %(amount)s recorded.", amount=money(movement.amount)), "success")
            return redirect(url_for(".deposit", partner_id=partner.id))
    return _manager_deposit_page(partner, form, 400)
