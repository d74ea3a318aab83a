"""Bank account pages: ``bp`` for the partner (its payee account and change requests),
``admin_bp`` for the vendor (approving changes).

Every request is loaded through portal.finance.queries, scoped to what the user may see: another
organisation's request or proof answers 404, as does a request of a partner in another
manager's territory. Partner staff get 403 (only the partner's admins handle its bank account).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.core import storage
from portal.core.errors import DomainError
from portal.core.permissions import require
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.extensions import db
from portal.finance import queries, services
from portal.finance.forms import ApproveForm, ChangeForm, RejectForm, WithdrawForm
from portal.finance.models import CHANGE_STATUSES
from portal.partners import queries as partner_queries
from portal.partners.views import optional_url

bp = Blueprint("finance", __name__, url_prefix="/partner/bank-account")
admin_bp = Blueprint("finance_admin", __name__, url_prefix="/bank-accounts")

# The proof may be 10 MB; the request around it (the other fields, the multipart framing) a little more.
REQUEST_MAX_BYTES = services.PROOF_MAX_BYTES + 256 * 1024


def _serve_proof(change):
    if change.proof_file is None:
        abort(404)
    return storage.serve(change.proof_file, inline=request.args.get("inline") == "1")


# ==== partner side =====================================================================================


@bp.route("/")
@require("bank.request")
def account():
    partner = partner_queries.own_partner(current_user, manage=True)
    return render_template(
        "finance/account.html", partner=partner, current=services.current_account(partner),
        accounts=services.accounts_of(partner), pending=services.pending_change(partner),
        pagination=_paginate(queries.own_changes(current_user)), contact=services.payment_contact(partner),
        mask=services.mask, withdraw_form=WithdrawForm(),
    )


def _change_form():
    """The form, accepting the request up to the proof's limit: a larger one becomes an error on
    the proof field rather than a bare 413. Returns (form, too_large)."""
    request.max_content_length = REQUEST_MAX_BYTES
    try:
        return ChangeForm(), False
    except RequestEntityTooLarge:
        form = ChangeForm(formdata=None)
        form.proof.errors = [_("The file is larger than %(limit)s. Please send a smaller file.",
                               limit=storage.human_size(services.PROOF_MAX_BYTES))]
        return form, True


@bp.route("/change", methods=["GET", "POST"])
@require("bank.request")
def new_change():
    partner = partner_queries.own_partner(current_user, manage=True)
    pending = services.pending_change(partner)
    if pending is not None:
        flash(_("A change of your bank account is already awaiting approval. Withdraw it to ask for another one."),
              "warning")
        return redirect(url_for(".change", change_id=pending.id))
    form, too_large = _change_form()
    if request.method == "GET":
        form.account_name.data = partner.name  # the name payments should normally go to
    if not too_large and form.validate_on_submit():
        data = {name: form[name].data for name in
                ("account_name", "bank_name", "branch", "account_number", "contact_email", "reason")}
        try:
            change = services.request_change(partner, data, request.files.get("proof"), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Your request is sent. The new account is used only once your channel manager approves it; "
                    "you will be told."), "success")
            return redirect(url_for(".change", change_id=change.id))
    status = 400 if request.method == "POST" else 200
    name_differs = bool(form.account_name.data) and not services.name_matches(partner, form.account_name.data)
    return render_template("finance/change_form.html", form=form, partner=partner,
                           current=services.current_account(partner), name_differs=name_differs,
                           max_bytes=services.PROOF_MAX_BYTES,
                           limit=storage.human_size(services.PROOF_MAX_BYTES)), status


@bp.route("/changes/<int:change_id>", endpoint="change")
@require("bank.request")
def own_change(change_id):
    change = queries.get_own(change_id, current_user)
    partner = partner_queries.own_partner(current_user, manage=True)
    old, new = services.accounts_around(change)
    return render_template("finance/change.html", change=change, partner=partner, old=old, new=new,
                           mask=services.mask, statuses=CHANGE_STATUSES, withdraw_form=WithdrawForm(),
                           name_differs=not services.name_matches(partner, change.account_name))


@bp.route("/changes/<int:change_id>/proof", endpoint="proof")
@require("bank.request")
def own_proof(change_id):
    return _serve_proof(queries.get_own(change_id, current_user))


@bp.route("/changes/<int:change_id>/withdraw", methods=["POST"])
@require("bank.request")
def withdraw(change_id):
    change = queries.get_own(change_id, current_user)
    partner_queries.own_partner(current_user, manage=True)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
        return redirect(url_for(".change", change_id=change.id))
    try:
        services.withdraw(change, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("Your request is withdrawn. Your payee account has not changed."), "success")
    return redirect(url_for(".change", change_id=change_id))


# ==== vendor side ======================================================================================


@admin_bp.route("/")
@require("bank.approve")
def changes():
    filters = queries.queue_filters(request.args)
    pagination = _paginate(queries.queue(current_user, filters))
    return render_template("finance/queue.html", pagination=pagination, filters=filters, statuses=CHANGE_STATUSES,
                           counts=queries.status_counts(current_user), partners=queries.partner_choices(current_user),
                           mask=services.mask, name_matches=services.name_matches)


def _review_page(change, approve_form=None, reject_form=None, code=200):
    old, new = services.accounts_around(change)
    return render_template(
        "finance/review.html", change=change, old=old, new=new, mask=services.mask, statuses=CHANGE_STATUSES,
        name_differs=not services.name_matches(change.partner, change.account_name),
        own_request=change.requested_by_id == current_user.id,
        approve_form=approve_form or ApproveForm(formdata=None), reject_form=reject_form or RejectForm(formdata=None),
        partner_url=optional_url("partners_admin.partner", partner_id=change.partner_id),
    ), code


@admin_bp.route("/<int:change_id>", endpoint="change")
@require("bank.approve")
def review(change_id):
    return _review_page(queries.get_visible(change_id, current_user))


@admin_bp.route("/<int:change_id>/proof", endpoint="proof")
@require("bank.approve")
def review_proof(change_id):
    return _serve_proof(queries.get_visible(change_id, current_user))


@admin_bp.route("/<int:change_id>/approve", methods=["POST"])
@require("bank.approve")
def approve(change_id):
    change = queries.get_visible(change_id, current_user)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            services.approve(change, current_user, form.note.data)
        except DomainError as error:
            _refused(error, form)
            change = queries.get_visible(change_id, current_user)
            if error.field is None:
                return redirect(url_for(".change", change_id=change.id))
        else:
            db.session.commit()
            flash(_("The new account of %(partner)s is approved and now current. The partner has been told at the "
                    "old and new contact addresses.", partner=change.partner.name), "success")
            return redirect(url_for(".change", change_id=change.id))
    return _review_page(change, approve_form=form, code=400)


@admin_bp.route("/<int:change_id>/reject", methods=["POST"])
@require("bank.approve")
def reject(change_id):
    change = queries.get_visible(change_id, current_user)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject(change, current_user, form.reason.data)
        except DomainError as error:
            _refused(error, form)
            change = queries.get_visible(change_id, current_user)
            if error.field is None:
                return redirect(url_for(".change", change_id=change.id))
        else:
            db.session.commit()
            flash(_("The request of %(partner)s is rejected; the partner has been told why.",
                    partner=change.partner.name), "success")
            return redirect(url_for(".change", change_id=change.id))
    return _review_page(change, reject_form=form, code=400)
