"""Rent subsidy pages: ``bp`` for the partner's admin (its outlets' subsidy, lease proofs, what
was paid), ``admin_bp`` for the vendor (reviewing lease proofs).

Every proof is loaded through portal.subsidies.queries, scoped to what the user may see: another
organisation's proof or file answers 404, as does a proof of a partner in another manager's
territory. Partner staff and finance get 403 (subsidies.partner / subsidies.manage).
"""
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.core import storage
from portal.core.errors import DomainError
from portal.core.i18n import business_today, month_start
from portal.core.permissions import require
from portal.core.urls import id_arg
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.extensions import db
from portal.partners import queries as partner_queries
from portal.partners.models import Outlet
from portal.partners.views import optional_url
from portal.results.values import month_label
from portal.subsidies import queries, services
from portal.subsidies.forms import AcceptForm, RejectForm, UploadForm
from portal.subsidies.models import LEASE_STATUSES

bp = Blueprint("subsidies", __name__, url_prefix="/partner/rent-subsidies")
admin_bp = Blueprint("subsidies_admin", __name__, url_prefix="/rent-subsidies")

# The lease may be 10 MB; the request around it (the other fields, the multipart framing) a little more.
REQUEST_MAX_BYTES = services.PROOF_MAX_BYTES + 256 * 1024


def _serve(proof):
    return storage.serve(proof.file, inline=request.args.get("inline") == "1")


def _this_month():
    return month_start(business_today())


# ==== partner side =====================================================================================


@bp.route("/")
@require("subsidies.partner")
def leases():
    partner = partner_queries.own_partner(current_user, manage=True)
    month = _this_month()
    subsidy, rows = services.outlet_overview(partner, month)
    return render_template("subsidies/leases.html", partner=partner, month=month, subsidy=subsidy, rows=rows,
                           pagination=_paginate(queries.paid_lines(partner)), month_label=month_label,
                           link=optional_url)


def _upload_form():
    """The form, accepting the request up to the file's limit: a larger one becomes an error on
    the file field rather than a bare 413. Returns (form, too_large)."""
    request.max_content_length = REQUEST_MAX_BYTES
    try:
        return UploadForm(), False
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None)
        form.file.errors = [_("The file is larger than %(limit)s. Please send a smaller file.",
                              limit=storage.human_size(services.PROOF_MAX_BYTES))]
        return form, True


@bp.route("/new", methods=["GET", "POST"])
@require("subsidies.partner")
def upload():
    partner = partner_queries.own_partner(current_user, manage=True)
    form, too_large = _upload_form()
    outlets = db.session.scalars(sa.select(Outlet).where(Outlet.partner_id == partner.id, Outlet.active.is_(True))
                                 .order_by(Outlet.name, Outlet.id)).all()
    form.outlet_id.choices = [(o.id, o.name) for o in outlets]
    if request.method == "GET":
        form.outlet_id.data = id_arg(request.args, "outlet")
    if not too_large and form.validate_on_submit():
        data = {name: form[name].data for name in ("outlet_id", "landlord", "monthly_rent", "starts_on", "ends_on")}
        try:
            proof = services.upload(partner, data, request.files.get("file"), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("The lease of %(outlet)s is sent. Your channel manager checks it; you will be told.",
                    outlet=proof.outlet.name), "success")
            return redirect(url_for(".leases", _anchor=f"outlet-{proof.outlet_id}"))
    return render_template("subsidies/upload.html", form=form, partner=partner, has_outlets=bool(outlets),
                           subsidy=services.monthly_subsidy(partner.id, _this_month()),
                           limit=storage.human_size(services.PROOF_MAX_BYTES)), 400 if request.method == "POST" else 200


@bp.route("/<int:proof_id>/file", endpoint="proof")
@require("subsidies.partner")
def own_proof(proof_id):
    return _serve(queries.get_own(proof_id, current_user))


# ==== vendor side ======================================================================================


@admin_bp.route("/", endpoint="leases")
@require("subsidies.manage")
def queue():
    filters = queries.queue_filters(request.args)
    return render_template("subsidies/queue.html", pagination=_paginate(queries.queue(current_user, filters)),
                           filters=filters, statuses=LEASE_STATUSES, partners=queries.partner_choices(current_user),
                           counts=queries.status_counts(current_user, filters["partner"]))


def _review_page(proof, accept_form=None, reject_form=None, code=200):
    month = _this_month()
    return render_template(
        "subsidies/lease.html", proof=proof, month=month, month_label=month_label,
        subsidy=services.monthly_subsidy(proof.partner_id, month),
        others=[p for p in proof.outlet.lease_proofs if p.id != proof.id],
        accept_form=accept_form or AcceptForm(formdata=None), reject_form=reject_form or RejectForm(formdata=None),
        partner_url=optional_url("partners_admin.partner", partner_id=proof.partner_id),
    ), code


@admin_bp.route("/<int:proof_id>", endpoint="lease")
@require("subsidies.manage")
def review(proof_id):
    return _review_page(queries.get_visible(proof_id, current_user))


@admin_bp.route("/<int:proof_id>/file", endpoint="proof")
@require("subsidies.manage")
def review_proof(proof_id):
    return _serve(queries.get_visible(proof_id, current_user))


def _decide(proof_id, form, which, decide, done):
    """Accept or reject: ``decide(proof)`` calls the service, ``done(proof)`` is the message;
    ``which`` names the form, shown again with its errors."""
    proof = queries.get_visible(proof_id, current_user)
    if form.validate_on_submit():
        try:
            decide(proof)
        except DomainError as error:
            _refused(error, form)
            proof = queries.get_visible(proof_id, current_user)
            if error.field is None:
                return redirect(url_for(".lease", proof_id=proof.id))
        else:
            db.session.commit()
            flash(done(proof), "success")
            return redirect(url_for(".lease", proof_id=proof.id))
    return _review_page(proof, code=400, **{which: form})


@admin_bp.route("/<int:proof_id>/accept", methods=["POST"])
@require("subsidies.manage")
def accept(proof_id):
    form = AcceptForm()
    return _decide(proof_id, form, "accept_form", lambda proof: services.accept(proof, current_user, form.note.data),
                   lambda proof: _("The lease of %(outlet)s (%(partner)s) is accepted; the partner has been told.",
                                   outlet=proof.outlet.name, partner=proof.partner.name))


@admin_bp.route("/<int:proof_id>/reject", methods=["POST"])
@require("subsidies.manage")
def reject(proof_id):
    form = RejectForm()
    return _decide(proof_id, form, "reject_form", lambda proof: services.reject(proof, current_user, form.reason.data),
                   lambda proof: _("The lease of %(outlet)s (%(partner)s) is rejected; the partner has been told why.",
                                   outlet=proof.outlet.name, partner=proof.partner.name))
