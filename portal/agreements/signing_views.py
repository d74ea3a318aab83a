"""Signing pages on the agreements blueprint: the prospect signs, the vendor countersigns, and
both sides may see the scan of the company seal (公章) sent with the signature."""
import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from portal.agreements import signing
from portal.agreements.models import Agreement
from portal.agreements.queries import can_act_for_vendor, can_sign_for_prospect, get_agreement
from portal.agreements.views import bp
from portal.core import storage
from portal.core.errors import DomainError, apply_to_form
from portal.extensions import db

SEAL_KINDS = ("pdf", "jpeg", "png")
SEAL_MAX_BYTES = 10 * 1024 * 1024


class SignatoryMixin:
    signer_name = StringField(_l("Your full name (your signature)"), validators=[
        DataRequired(_l("Type your full name as your signature.")),
        Length(max=100, message=_l("At most %(max)d characters."))])
    signer_title = StringField(_l("Your title"), validators=[
        DataRequired(_l("Type your title (e.g. General Manager).")),
        Length(max=100, message=_l("At most %(max)d characters."))])


class SignForm(SignatoryMixin, FlaskForm):
    document_sha256 = HiddenField()
    authorised = BooleanField(_l("I am authorised to sign this agreement on behalf of the company."), validators=[
        DataRequired(_l("You may sign only if you are authorised to sign for the company."))])
    seal = FileField(_l("Scan bearing the company seal (公章), optional: PDF, JPG or PNG, at most 10 MB"))


class CountersignForm(SignatoryMixin, FlaskForm):
    seal_checked = BooleanField(_l("I have checked the company seal on the partner's scan."))
    authorised = BooleanField(_l("I am authorised to sign this agreement on behalf of the vendor."), validators=[
        DataRequired(_l("You may sign only if you are authorised to sign for the vendor."))])


def _client():
    return {"ip_address": request.remote_addr, "user_agent": request.user_agent.string}


def _current_version(agreement):
    """The agreement that replaced a superseded one (the latest not superseded), if any."""
    return db.session.scalar(
        sa.select(Agreement)
        .where(Agreement.prospect_id == agreement.prospect_id, Agreement.id != agreement.id,
               Agreement.status != signing.SUPERSEDED)
        .order_by(Agreement.id.desc()).limit(1)
    )


# ---- the prospect signs -------------------------------------------------------------------------------


def _sign_page(agreement, form, refusal=None, status=200):
    signature = agreement.signature(signing.PARTNER)
    if refusal is None and request.method == "GET" and (signature is None or agreement.status == signing.SUPERSEDED):
        # once signed, the page shows the signature rather than why it cannot be signed again
        refusal = signing.sign_refusal(agreement)
    return render_template(
        "agreements/sign.html", agreement=agreement, form=form, refusal=refusal,
        signable=signing.sign_refusal(agreement) is None, signature=signature,
        newer=_current_version(agreement) if agreement.status == signing.SUPERSEDED else None,
        seal_max_bytes=SEAL_MAX_BYTES,
    ), status


@bp.route("/agreements/<int:agreement_id>/sign", methods=["GET", "POST"])
@login_required
def sign(agreement_id):
    agreement = get_agreement(agreement_id, current_user)
    if not can_sign_for_prospect(current_user, agreement):
        abort(403)
    # Accept the request up to the hard ceiling so that an oversized scan becomes a field error.
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        form = SignForm()
    except RequestEntityTooLarge:
        form = SignForm(formdata=None)
        form.seal.errors = [_("The file is larger than %(limit)s. Please send a smaller file.",
                              limit=storage.human_size(SEAL_MAX_BYTES))]
        return _sign_page(agreement, form, status=400)
    if request.method == "GET":
        form.document_sha256.data = agreement.document.sha256
        form.signer_name.data = current_user.name
        return _sign_page(agreement, form)

    refusal = None
    if form.validate_on_submit():
        seal = None
        try:
            refusal = signing.sign_refusal(agreement, form.document_sha256.data or "")
            if refusal is not None:  # refuse before keeping any file
                raise DomainError(refusal)
            upload = form.seal.data
            if upload and getattr(upload, "filename", ""):
                seal = storage.store_upload(upload, SEAL_KINDS, SEAL_MAX_BYTES, "seal", uploaded_by=current_user)
            signing.sign(agreement, current_user, document_sha256=form.document_sha256.data or "",
                         signer_name=form.signer_name.data, signer_title=form.signer_title.data,
                         authorised=form.authorised.data, seal_file=seal, **_client())
        except DomainError as error:
            if seal is not None:
                storage.discard(seal)
            db.session.rollback()
            refusal = None if apply_to_form(form, error) else error.message
        else:
            db.session.commit()
            flash(_("You signed agreement %(number)s. Your channel manager has been told and will countersign it.",
                    number=agreement.number), "success")
            return redirect(url_for(".sign", agreement_id=agreement.id))
    if refusal is None and not form.errors and signing.sign_refusal(agreement) is not None:
        refusal = signing.sign_refusal(agreement)
    return _sign_page(agreement, form, refusal=refusal, status=400)


# ---- the vendor countersigns --------------------------------------------------------------------------


def _countersign_page(agreement, form, refusal=None, status=200):
    partner_signature = agreement.signature(signing.PARTNER)
    vendor_signature = agreement.signature(signing.VENDOR)
    if refusal is None and request.method == "GET" and vendor_signature is None:  # once done, the page shows it
        refusal = signing.countersign_refusal(agreement)
    return render_template(
        "agreements/countersign.html", agreement=agreement, form=form, refusal=refusal,
        signable=signing.countersign_refusal(agreement) is None, partner_signature=partner_signature,
        vendor_signature=vendor_signature,
        hash_matches=partner_signature is not None and partner_signature.document_sha256 == agreement.document.sha256,
    ), status


def _vendor_agreement(agreement_id):
    agreement = get_agreement(agreement_id, current_user)
    if not can_act_for_vendor(current_user, agreement):
        abort(403)
    return agreement


@bp.route("/agreements/<int:agreement_id>/countersign", methods=["GET", "POST"])
@login_required
def countersign(agreement_id):
    agreement = _vendor_agreement(agreement_id)
    form = CountersignForm()
    if request.method == "GET":
        form.signer_name.data = current_user.name
        return _countersign_page(agreement, form)
    refusal = signing.countersign_refusal(agreement)
    if refusal is None and form.validate_on_submit():
        try:
            signing.countersign(agreement, current_user, signer_name=form.signer_name.data,
                                signer_title=form.signer_title.data, authorised=form.authorised.data,
                                seal_checked=form.seal_checked.data, **_client())
        except DomainError as error:
            db.session.rollback()
            refusal = None if apply_to_form(form, error) else error.message
        else:
            db.session.commit()
            flash(_("Agreement %(number)s is signed by both sides and archived; %(company)s is now a partner.",
                    number=agreement.number, company=agreement.prospect.company_name), "success")
            return redirect(url_for(".countersign", agreement_id=agreement.id))
    return _countersign_page(agreement, form, refusal=refusal, status=400)


# ---- the seal scan ---------------------------------------------------------------------------------------


@bp.route("/agreements/<int:agreement_id>/seal")
@login_required
def seal(agreement_id):
    """The scan sent with the partner's signature: the vendor side and the signer's side."""
    agreement = get_agreement(agreement_id, current_user)
    if not (can_act_for_vendor(current_user, agreement) or can_sign_for_prospect(current_user, agreement)):
        abort(403)
    signature = agreement.signature(signing.PARTNER)
    if signature is None or signature.seal_file is None:
        abort(404)
    return storage.serve(signature.seal_file, inline=request.args.get("inline") == "1")
