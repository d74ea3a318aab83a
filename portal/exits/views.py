"""Termination pages (vendor side only: ``exits.manage``).

Every termination is loaded through portal.exits.queries and every partner through
portal.partners.queries, scoped to what the user may see: another manager's partner, or its
termination, answers 404. Finance and partner users get 403.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.errors import DomainError
from portal.core.i18n import business_today, money
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.core.permissions import require
from portal.core.urls import id_arg
from portal.exits import queries, services
from portal.exits.forms import CancelForm, CompleteForm, StartForm
from portal.exits.models import TERMINATION_STATUSES
from portal.extensions import db
from portal.partners import queries as partner_queries
from portal.partners.views import optional_url

admin_bp = Blueprint("exits_admin", __name__, url_prefix="/terminations")

@admin_bp.route("/")
@require("exits.manage")
def index():
    filters = queries.list_filters(request.args)
    pagination = _paginate(queries.listing(current_user, filters))
    return render_template("exits/index.html", pagination=pagination, filters=filters, statuses=TERMINATION_STATUSES,
                           counts=queries.status_counts(current_user),
                           startable=queries.startable_partners(current_user))


def _case_choices(partner):
    return [(None, _("None"))] + [(case.id, f"{case.number} · {case.title}")
                                  for case in services.recommending_cases(partner)]


@admin_bp.route("/new", methods=["GET", "POST"])
@require("exits.manage")
def new():
    partner_id = id_arg(request.args, "partner_id")
    if partner_id is None:
        flash(_("Choose the partner to terminate."), "warning")
        return redirect(url_for(".index"))
    partner = partner_queries.get_partner(partner_id, current_user)
    try:
        services.check_can_start(partner)
    except DomainError as error:
        flash(str(error.message), "warning")
        started = services.started_for(partner)
        return redirect(url_for(".termination", termination_id=started.id) if started else url_for(".index"))
    form = StartForm()
    form.case_id.choices = _case_choices(partner)
    if request.method == "GET":
        form.effective_on.data = business_today()
        cases = services.recommending_cases(partner)
        form.case_id.data = cases[0].id if cases else None
    if form.validate_on_submit():
        try:
            termination = services.start(partner, current_user, form.reason.data, form.effective_on.data,
                                         form.case_id.data)
        except DomainError as error:
            _refused(error, form)
            partner = partner_queries.get_partner(partner_id, current_user)
        else:
            db.session.commit()
            flash(_("The termination %(number)s of %(partner)s has started. The partner stays active while its "
                    "affairs are settled; its administrators have been told.", number=termination.number,
                    partner=partner.name), "success")
            return redirect(url_for(".termination", termination_id=termination.id))
    if form.effective_on.process_errors:  # not a date: not sent back (a date input must hold a date)
        form.effective_on.raw_data = [""]
    return render_template("exits/new.html", form=form, partner=partner, groups=services.open_items(partner),
                           totals=services.deposit_totals(partner),
                           partner_url=optional_url("partners_admin.partner", partner_id=partner.id)), \
        400 if request.method == "POST" else 200


def _detail(termination, complete_form=None, cancel_form=None, code=200):
    partner = termination.partner
    started = termination.status == "started"
    groups = services.open_items(partner, termination.effective_on) if started else None
    return render_template(
        "exits/termination.html", termination=termination, partner=partner, groups=groups,
        open_count=services.open_count(groups) if groups is not None else 0, totals=services.deposit_totals(partner),
        settlement=services.settlement(partner) if started else None, deduction=services.deduction_of(termination),
        complete_form=complete_form or CompleteForm(formdata=None),
        cancel_form=cancel_form or CancelForm(formdata=None),
        partner_url=optional_url("partners_admin.partner", partner_id=partner.id),
        deposit_url=optional_url("partners_admin.deposit", partner_id=partner.id),
        case_url=optional_url("cases_admin.case", case_id=termination.case_id) if termination.case_id else None,
    ), code


@admin_bp.route("/<int:termination_id>", endpoint="termination")
@require("exits.manage")
def detail(termination_id):
    return _detail(queries.get_visible(termination_id, current_user))


@admin_bp.route("/<int:termination_id>/complete", methods=["POST"])
@require("exits.manage")
def complete(termination_id):
    termination = queries.get_visible(termination_id, current_user)
    form = CompleteForm()
    if form.validate_on_submit():
        try:
            services.complete(termination, current_user, form.reference.data, form.confirm.data)
        except DomainError as error:
            _refused(error, form)
            termination = queries.get_visible(termination_id, current_user)
        else:
            db.session.commit()
            refund, deduction = termination.refund_movement, services.deduction_of(termination)
            messages = [_("%(partner)s is terminated: its users can no longer sign in.",
                          partner=termination.partner.name)]
            if deduction is not None:
                messages.append(_("%(amount)s owed on commission statement %(number)s is deducted from the deposit.",
                                  amount=money(deduction.amount), number=deduction.reference))
            messages.append(_("The refund of %(amount)s is recorded (bank reference %(reference)s).",
                              amount=money(refund.amount), reference=refund.reference) if refund
                            else _("Nothing is left on the deposit to refund."))
            flash(" ".join(messages), "success")
            return redirect(url_for(".termination", termination_id=termination.id))
    return _detail(termination, complete_form=form, code=400)


@admin_bp.route("/<int:termination_id>/cancel", methods=["POST"])
@require("exits.manage")
def cancel(termination_id):
    termination = queries.get_visible(termination_id, current_user)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel(termination, current_user, form.cancel_reason.data)
        except DomainError as error:
            _refused(error, form)
            termination = queries.get_visible(termination_id, current_user)
        else:
            db.session.commit()
            flash(_("The termination %(number)s is cancelled; %(partner)s carries on as before.",
                    number=termination.number, partner=termination.partner.name), "success")
            return redirect(url_for(".termination", termination_id=termination.id))
    return _detail(termination, cancel_form=form, code=400)
