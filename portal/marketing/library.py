"""The asset library's pages.

Vendor side (``marketing_admin``, "marketing.publish"): the list of assets, creating and editing
one (its audience included), its versions, the co-brand preview, and who downloaded what —
counted only among the partners the manager may see.

Partner side (``marketing``, "marketing.view"): browsing and searching what the partner may
see, thumbnails, inline preview (PDF and images only), downloads (each recorded) and the
co-branded PDF. Every asset is loaded through ``library_services.get_visible_asset``, so an
asset the partner may not see answers 404, and so do its thumbnail, preview and files; a
co-branded file is loaded through the partner's own id.

Upload pages accept requests up to the video limit (500 MB) rather than the app's 64 MB
ceiling: they raise ``request.max_content_length`` themselves, before the form is read. Flask-
WTF's global CSRF check would read the form earlier (and answer a bare 413), so these two views
are exempt from it and their FlaskForm checks the CSRF token instead.
"""
import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.agreements.documents import TemplateProblem
from portal.core import storage
from portal.core.errors import DomainError
from portal.core.i18n import business_today
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.core.permissions import require
from portal.extensions import csrf, db
from portal.marketing import cobrand
from portal.marketing import library_services as services
from portal.marketing.blueprints import admin_bp, bp
from portal.marketing.library_forms import AssetForm, NewAssetForm, VersionForm
from portal.marketing.models import ASSET_CATEGORIES, Asset, CobrandedFile
from portal.partners import queries as partner_queries


@bp.app_template_global("asset_file_icon")
def _asset_file_icon(content_type):
    return services.file_icon(content_type)


@bp.app_template_global("asset_previewable")
def _asset_previewable(stored):
    return services.previewable(stored)


@bp.app_template_global("asset_file_label")
def _asset_file_label(content_type):
    return services.file_type_label(content_type)


def _upload_form(form_class, limit_label):
    """The upload form, read with the upload limit; a request over it gives a form whose file
    field carries the error (nothing of it was read)."""
    request.max_content_length = services.request_limit()
    try:
        return form_class(), False
    except RequestEntityTooLarge:
        form = form_class(formdata=None)
        form.file.errors = [_("The file is larger than %(limit)s. Please send a smaller file.", limit=limit_label)]
        return form, True


def _limit_labels():
    limits = services.limits()
    return {"video": storage.human_size(limits["video"]), "other": storage.human_size(limits["other"])}


# ---- vendor: assets -----------------------------------------------------------------------------


@admin_bp.route("/assets")
@require("marketing.publish")
def assets():
    today = business_today()
    args = request.args
    q, category, status = args.get("q", "").strip(), args.get("category", ""), args.get("status", "")
    language = args.get("language", "")
    query = services.filtered(sa.select(Asset), q=q, category=category, language=language)
    if status in services.STATUSES:
        query = query.where(services.status_condition(status, today))
    query = services.with_current_file(query.order_by(Asset.updated_at.desc(), Asset.id.desc()))
    pagination = _paginate(query)
    ids = [a.id for a in pagination.items]
    return render_template(
        "marketing/library/assets.html", pagination=pagination, today=today, status_of=services.status_of,
        statuses=services.STATUSES, categories=ASSET_CATEGORIES, languages=services.LANGUAGES,
        filters={"q": q, "category": category, "status": status, "language": language},
        counts=services.download_counts(ids, current_user),
        any_asset=bool(ids) or db.session.scalar(sa.select(Asset.id).limit(1)) is not None,
    )


def _asset_form_page(form, asset, status=200):
    return render_template(
        "marketing/library/asset_form.html", form=form, asset=asset, accept=services.ACCEPT,
        max_bytes=max(services.limits().values()), limits=_limit_labels(), placeholders=cobrand.PLACEHOLDERS,
        example=cobrand.EXAMPLE_TEMPLATE,
    ), status


@admin_bp.route("/assets/new", methods=["GET", "POST"])
@require("marketing.publish")
@csrf.exempt  # the form checks the token itself, after the upload limit is raised (see the module)
def new_asset():
    form, too_large = _upload_form(NewAssetForm, _limit_labels()["video"])
    form.load_audience_choices()
    if too_large:
        return _asset_form_page(form, None, 400)
    if form.validate_on_submit():
        try:
            asset = services.create_asset(form.data_for_service(), form.file.data, current_user)
            form.apply_audience(asset.audience)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("The asset “%(title)s” is saved.", title=asset.title), "success")
            return redirect(url_for(".asset", asset_id=asset.id))
    return _asset_form_page(form, None, 400 if request.method == "POST" else 200)


@admin_bp.route("/assets/<int:asset_id>")
@require("marketing.publish")
def asset(asset_id):
    asset = services.get_asset(asset_id)
    return render_template(
        "marketing/library/asset.html", asset=asset, status=services.status_of(asset),
        statuses=services.STATUSES, languages=services.LANGUAGES, version_form=VersionForm(),
        accept=services.ACCEPT, max_bytes=max(services.limits().values()), limits=_limit_labels(),
        total=services.download_counts([asset.id], current_user).get(asset.id, 0),
    )


@admin_bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@require("marketing.publish")
def edit_asset(asset_id):
    asset = services.get_asset(asset_id)
    form = AssetForm(obj=asset)
    form.load_audience_choices()
    if request.method == "GET":
        form.fill_audience(asset.audience)
    if form.validate_on_submit():
        try:
            services.update_asset(asset, form.data_for_service(), current_user)
            form.apply_audience(asset.audience)
        except DomainError as error:
            _refused(error, form)
            asset = services.get_asset(asset_id)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".asset", asset_id=asset.id))
    return _asset_form_page(form, asset, 400 if request.method == "POST" else 200)


@admin_bp.route("/assets/<int:asset_id>/versions", methods=["POST"])
@require("marketing.publish")
@csrf.exempt  # the form checks the token itself, after the upload limit is raised (see the module)
def add_asset_version(asset_id):
    asset = services.get_asset(asset_id)
    form, too_large = _upload_form(VersionForm, _limit_labels()["video"])
    if not too_large and form.validate_on_submit():
        try:
            version = services.replace_file(asset, form.file.data, form.note.data, current_user)
        except DomainError as error:
            _refused(error, form)
            asset = services.get_asset(asset_id)
        else:
            db.session.commit()
            flash(_("Version %(number)d uploaded: partners now get the new file; the earlier ones are kept.",
                    number=version.number), "success")
            return redirect(url_for(".asset", asset_id=asset.id) + "#versions")
    return render_template(
        "marketing/library/asset.html", asset=asset, status=services.status_of(asset),
        statuses=services.STATUSES, languages=services.LANGUAGES, version_form=form,
        accept=services.ACCEPT, max_bytes=max(services.limits().values()), limits=_limit_labels(),
        total=services.download_counts([asset.id], current_user).get(asset.id, 0),
    ), 400


@admin_bp.route("/assets/<int:asset_id>/versions/<int:version_id>/file")
@require("marketing.publish")
def asset_version_file(asset_id, version_id):
    version = services.get_version(services.get_asset(asset_id), version_id)
    return storage.serve(version.file, inline=request.args.get("inline") == "1")


@admin_bp.route("/assets/<int:asset_id>/versions/<int:version_id>/thumbnail")
@require("marketing.publish")
def asset_version_thumbnail(asset_id, version_id):
    version = services.get_version(services.get_asset(asset_id), version_id)
    if version.thumbnail is None:
        abort(404)
    return storage.serve(version.thumbnail, inline=True)


@admin_bp.route("/assets/<int:asset_id>/cobrand-preview.pdf")
@require("marketing.publish")
def asset_cobrand_preview(asset_id):
    asset = services.get_asset(asset_id)
    if not asset.cobrand_template:
        abort(404)
    try:
        data = cobrand.preview_pdf(asset, business_today())
    except TemplateProblem as problem:
        flash(str(problem.message), "danger")
        return redirect(url_for(".asset", asset_id=asset.id))
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="asset-{asset.id}-cobrand-preview.pdf"'
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---- vendor: downloads --------------------------------------------------------------------------


@admin_bp.route("/assets/<int:asset_id>/downloads")
@require("marketing.publish")
def asset_downloads(asset_id):
    asset = services.get_asset(asset_id)
    rows = services.downloads_by_partner(asset, current_user)
    return render_template("marketing/library/asset_downloads.html", asset=asset, rows=rows,
                           total=sum(row[1] for row in rows))


@admin_bp.route("/downloads")
@require("marketing.publish")
def download_stats():
    q = request.args.get("q", "").strip()
    pagination = _paginate(services.partners_with_downloads(current_user, q))
    return render_template("marketing/library/download_stats.html", pagination=pagination, q=q,
                           totals=services.partner_totals([p.id for p in pagination.items]))


@admin_bp.route("/downloads/partners/<int:partner_id>")
@require("marketing.publish")
def partner_downloads(partner_id):
    partner = partner_queries.get_partner(partner_id, current_user)
    return render_template("marketing/library/partner_downloads.html", partner=partner,
                           rows=services.downloads_of_partner(partner))


# ---- partner: the library -----------------------------------------------------------------------


@bp.route("/library")
@require("marketing.view")
def library():
    partner = partner_queries.own_partner(current_user)
    today = business_today()
    args = request.args
    filters = {"q": args.get("q", "").strip(), "category": args.get("category", ""),
               "language": args.get("language", ""), "tag": args.get("tag", "").strip().lower()}
    query = services.filtered(services.visible_assets(partner, today), **filters)
    query = services.with_current_file(query.order_by(Asset.publish_on.desc(), Asset.id.desc()))
    pagination = _paginate(query)
    return render_template(
        "marketing/library/browse.html", pagination=pagination, filters=filters, categories=ASSET_CATEGORIES,
        languages=services.LANGUAGES, tags=services.visible_tags(partner, today),
        any_visible=bool(pagination.items) or db.session.scalar(
            services.visible_assets(partner, today).with_only_columns(Asset.id).limit(1)) is not None,
    )


def _visible(asset_id):
    partner = partner_queries.own_partner(current_user)
    return partner, services.get_visible_asset(asset_id, partner, business_today())


def _kept_cobranded(asset, partner):
    """The partner's co-branded PDF made from the asset as it is now, if one is kept."""
    digest = cobrand.details_hash(asset, cobrand.partner_details(partner))
    return db.session.scalar(sa.select(CobrandedFile).where(
        CobrandedFile.asset_id == asset.id, CobrandedFile.partner_id == partner.id,
        CobrandedFile.details_hash == digest).order_by(CobrandedFile.id.desc()).limit(1))


@bp.route("/library/<int:asset_id>")
@require("marketing.view")
def library_asset(asset_id):
    partner, asset = _visible(asset_id)
    return render_template("marketing/library/detail.html", asset=asset, partner=partner,
                           version=asset.current_version, previewable=services.previewable(asset.current_version.file),
                           languages=services.LANGUAGES,
                           kept=_kept_cobranded(asset, partner) if asset.cobrandable else None)


@bp.route("/library/<int:asset_id>/thumbnail")
@require("marketing.view")
def library_thumbnail(asset_id):
    _partner, asset = _visible(asset_id)
    if asset.current_version.thumbnail is None:
        abort(404)
    return storage.serve(asset.current_version.thumbnail, inline=True)


@bp.route("/library/<int:asset_id>/preview")
@require("marketing.view")
def library_preview(asset_id):
    _partner, asset = _visible(asset_id)
    stored = asset.current_version.file
    if not services.previewable(stored):
        abort(404)
    return storage.serve(stored, inline=True)


@bp.route("/library/<int:asset_id>/download")
@require("marketing.view")
def library_download(asset_id):
    partner, asset = _visible(asset_id)
    services.record_download(asset, partner, current_user)
    db.session.commit()
    return storage.serve(asset.current_version.file)


@bp.route("/library/<int:asset_id>/cobranded.pdf")
@require("marketing.view")
def library_cobranded(asset_id):
    """The partner's co-branded PDF: the kept one while nothing changed, else made now."""
    partner, asset = _visible(asset_id)
    if not asset.cobrandable:
        abort(404)
    try:
        made = cobrand.cobranded_file(asset, partner, business_today(), actor=current_user)
    except DomainError as error:
        _refused(error)
        return redirect(url_for(".library_asset", asset_id=asset_id))
    services.record_download(asset, partner, current_user, cobranded=True)
    db.session.commit()
    return storage.serve(made.file)


@bp.route("/library/cobranded/<int:cobranded_id>")
@require("marketing.view")
def cobranded_file(cobranded_id):
    """A co-branded PDF kept for the signed-in user's own organisation (404 for any other's)."""
    partner = partner_queries.own_partner(current_user)
    made = db.session.scalar(sa.select(CobrandedFile).where(CobrandedFile.id == cobranded_id,
                                                            CobrandedFile.partner_id == partner.id))
    if made is None:
        abort(404)
    services.get_visible_asset(made.asset_id, partner, business_today())
    services.record_download(made.asset, partner, current_user, cobranded=True)
    db.session.commit()
    return storage.serve(made.file)
