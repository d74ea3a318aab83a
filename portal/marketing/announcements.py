"""Policies and news (销售政策 / 市场动态): the vendor's pages (``marketing_admin``: write,
publish, withdraw, see who has read) and the partner's (``marketing``: read and acknowledge).

Announcements are the vendor's, not a territory's: any manager may open any of them, but the
read statistics and the partners one may name are limited to the partners the manager may see
(portal.partners.queries.visible_partners). A partner user opens only what is published, not
expired and meant for their organisation; anything else answers 404.
"""
from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.core import storage
from portal.core.errors import DomainError
from portal.core.i18n import current_zone
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.core.permissions import require
from portal.core.spreadsheets import write_csv
from portal.extensions import db
from portal.marketing import announcement_services as services
from portal.marketing.announcement_forms import AnnouncementForm, VendorFilterForm
from portal.marketing.blueprints import admin_bp, bp
from portal.marketing.models import ANNOUNCEMENT_KINDS, Announcement
from portal.partners.queries import own_partner


# ---- the vendor's side ----------------------------------------------------------------------------


def get_announcement(announcement_id):
    return db.session.get(Announcement, announcement_id) or abort(404)


@admin_bp.route("/announcements/", endpoint="announcements")
@require("marketing.publish")
def vendor_list():
    filters = VendorFilterForm(formdata=request.args)
    kind = filters.kind.data if filters.kind.data in ANNOUNCEMENT_KINDS else ""
    state = filters.state.data if filters.state.data in services.STATES else ""
    search = (filters.q.data or "").strip()[:200]
    query = services.vendor_list_query(kind=kind, state=state, search=search)
    pagination = _paginate(query)
    ids = [a.id for a in pagination.items]
    filtered = bool(kind or state or search)
    return render_template(
        "marketing/announcements/list.html", pagination=pagination, filters=filters, filtered=filtered,
        read_counts=services.acknowledging_partner_counts(ids, current_user),
        state_of=services.state_of, today=services.today(), states=services.STATES,
        any_announcement=bool(ids) or db.session.scalar(db.select(Announcement.id).limit(1)) is not None,
    )


def _form_page(form, announcement, status=200):
    template = "marketing/announcements/form.html"
    return render_template(template, form=form, announcement=announcement,
                           state=services.state_of(announcement) if announcement else None,
                           hidden_partners=_hidden_partners(form, announcement),
                           max_label=storage.human_size(services.ATTACHMENT_MAX_BYTES),
                           max_bytes=services.ATTACHMENT_MAX_BYTES), status


def _hidden_partners(form, announcement):
    """Named partners the manager may not see (chosen by someone else): they are kept."""
    if announcement is None:
        return []
    allowed = {value for value, _label in form.audience_partners.choices}
    return [p for p in announcement.audience.partners if p.id not in allowed]


def _build_form(announcement=None):
    """The form, reading the request up to the hard ceiling so that a file over the attachment's
    limit becomes a field error rather than a bare 413."""
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        form = AnnouncementForm(obj=announcement)
        too_large = False
    except RequestEntityTooLarge:
        form = AnnouncementForm(formdata=None, obj=announcement)
        too_large = True
    form.load_choices(current_user)
    if too_large:
        form.attachment.errors = [_("The file is larger than %(limit)s. Please send a smaller file.",
                                    limit=storage.human_size(services.ATTACHMENT_MAX_BYTES))]
    return form, too_large


def _save(form, announcement):
    """Validate and save; returns the announcement, or None when the form shows errors."""
    try:
        saved = services.save_announcement(
            announcement, form.data_for_service(), form.audience_rows(form.chosen_partners()), current_user,
            upload=form.attachment.data, remove_attachment=form.remove_attachment.data)
    except DomainError as error:
        _refused(error, form)
        return None
    db.session.commit()
    return saved


@admin_bp.route("/announcements/new", methods=["GET", "POST"])
@require("marketing.publish")
def new_announcement():
    form, too_large = _build_form()
    if not too_large and form.validate_on_submit():
        announcement = _save(form, None)
        if announcement is not None:
            flash(_("The announcement is saved as a draft. Check it, then publish it."), "success")
            return redirect(url_for(".announcement", announcement_id=announcement.id))
    return _form_page(form, None, status=400 if request.method == "POST" else 200)


@admin_bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@require("marketing.publish")
def edit_announcement(announcement_id):
    announcement = get_announcement(announcement_id)
    form, too_large = _build_form(announcement)
    if request.method == "GET":
        form.fill_from(announcement)
    elif not too_large and form.validate_on_submit():
        published = announcement.published_at is not None
        saved = _save(form, announcement)
        if saved is not None:
            flash(_("Saved. Partners see the new version now; the change is recorded in the announcement's "
                    "history.") if published else _("Saved."), "success")
            return redirect(url_for(".announcement", announcement_id=announcement_id))
        announcement = get_announcement(announcement_id)
    return _form_page(form, announcement, status=400 if request.method == "POST" else 200)


@admin_bp.route("/announcements/<int:announcement_id>", endpoint="announcement")
@require("marketing.publish")
def vendor_page(announcement_id):
    announcement = get_announcement(announcement_id)
    return render_template(
        "marketing/announcements/manage.html", announcement=announcement,
        state=services.state_of(announcement), status=services.read_status(announcement, current_user),
        changes=services.changes_after_publishing(announcement), languages=services.LANGUAGES,
        states=services.STATES, change_labels=services.CHANGE_LABELS,
    )


@admin_bp.route("/announcements/<int:announcement_id>/publish", methods=["POST"])
@require("marketing.publish")
def publish_announcement(announcement_id):
    announcement = get_announcement(announcement_id)
    try:
        count = services.publish(announcement, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("Published. %(count)d people of the partners it is meant for were notified.", count=count),
              "success")
    return redirect(url_for(".announcement", announcement_id=announcement_id))


@admin_bp.route("/announcements/<int:announcement_id>/withdraw", methods=["POST"])
@require("marketing.publish")
def withdraw_announcement(announcement_id):
    announcement = get_announcement(announcement_id)
    try:
        services.withdraw(announcement, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("Withdrawn. Partners no longer see it; it is a draft again."), "success")
    return redirect(url_for(".announcement", announcement_id=announcement_id))


@admin_bp.route("/announcements/<int:announcement_id>/attachment", endpoint="announcement_attachment")
@require("marketing.publish")
def vendor_attachment(announcement_id):
    announcement = get_announcement(announcement_id)
    if announcement.attachment is None:
        abort(404)
    return storage.serve(announcement.attachment)


def _local_time(moment):
    return moment.astimezone(current_zone()).strftime("%Y-%m-%d %H:%M") if moment else ""


@admin_bp.route("/announcements/<int:announcement_id>/reads.csv")
@require("marketing.publish")
def export_reads(announcement_id):
    announcement = get_announcement(announcement_id)
    headers, rows = services.read_status_table(services.read_status(announcement, current_user), _local_time)
    response = send_file(BytesIO(write_csv(headers, rows)), mimetype="text/csv", as_attachment=True,
                         download_name=f"announcement-{announcement.id}-reads.csv", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- the partner's side ---------------------------------------------------------------------------


def get_visible(announcement_id):
    """The announcement if the user's organisation may read it now; 404 otherwise (another
    audience's, a draft, an expired one)."""
    partner = own_partner(current_user)
    announcement = services.get_visible(announcement_id, partner)
    if announcement is None:
        abort(404)
    return announcement


@bp.route("/announcements/", endpoint="announcements")
@require("marketing.view")
def partner_list():
    partner = own_partner(current_user)
    kind = request.args.get("kind", "")
    kind = kind if kind in ANNOUNCEMENT_KINDS else ""
    pagination = _paginate(services.partner_list_query(partner, current_user, kind=kind))
    return render_template(
        "marketing/announcements/partner_list.html", pagination=pagination, kind=kind, kinds=ANNOUNCEMENT_KINDS,
        acks=services.acknowledged_at(current_user, [a.id for a in pagination.items]),
    )


@bp.route("/announcements/<int:announcement_id>", endpoint="announcement")
@require("marketing.view")
def partner_page(announcement_id):
    announcement = get_visible(announcement_id)
    acked = services.acknowledged_at(current_user, [announcement.id]).get(announcement.id)
    return render_template("marketing/announcements/read.html", announcement=announcement, acknowledged_at=acked)


@bp.route("/announcements/<int:announcement_id>/acknowledge", methods=["POST"], endpoint="acknowledge_announcement")
@require("marketing.view")
def partner_acknowledge(announcement_id):
    announcement = get_visible(announcement_id)
    try:
        _ack, created = services.acknowledge(announcement, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        if created:
            flash(_("Thank you: your manager can see that you have read “%(title)s”.", title=announcement.title),
                  "success")
        else:
            flash(_("You had already confirmed that you have read it."), "info")
    return redirect(url_for(".announcement", announcement_id=announcement_id))


@bp.route("/announcements/<int:announcement_id>/attachment", endpoint="announcement_attachment")
@require("marketing.view")
def partner_attachment(announcement_id):
    announcement = get_visible(announcement_id)
    if announcement.attachment is None:
        abort(404)
    return storage.serve(announcement.attachment)
