"""The asset library (宣传品): managers upload digital assets for chosen partners, partners browse,
preview and download what they may see, and managers count the downloads.

Plain functions: they take the acting user and plain values, check the rules and raise
DomainError / ValidationError naming the form field; the caller commits. ``Asset`` is Audited;
an asset's files are ``AssetVersion`` rows, added and never replaced, so a new version writes
its own audit row here.

Who sees what:
- a partner sees an asset when it is published (a publish date on or before today, the
  vendor's business day), not expired (no expiry date, or one today or later: the expiry date
  is the last day it is shown) and its audience includes the partner (``marketing.audience``);
  anything else answers 404, its thumbnail, preview and files included;
- assets are the vendor's: any manager or admin may open and edit any asset, but download
  figures only ever count the partners that manager may see (``partners.queries.visible_partners``).
"""
import re
import zipfile
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app
from sqlalchemy.orm import selectinload
from flask_babel import lazy_gettext as _l

from portal.core import storage
from portal.core.audit import AuditLog, acting_as
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_today
from portal.core.permissions import has_permission
from portal.extensions import db
from portal.marketing import cobrand
from portal.marketing.audience import visible_condition
from portal.marketing.models import ASSET_CATEGORIES, Asset, AssetDownload, AssetVersion, Audience
from portal.marketing.thumbnails import make_thumbnail
from portal.partners.models import Partner
from portal.partners.queries import visible_partners

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
TAG_MAX = 40
TAGS_MAX = 300  # the column
NOTE_MAX = 300
NEW_FOR_DAYS = 30
FORM_MARGIN_BYTES = 2 * 1024 * 1024  # the other fields of an upload form, beside the file
HEAD_BYTES = 8192  # what content detection reads

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
VIDEO = "video/mp4"
UPLOAD_KINDS = ("pdf", "png", "jpeg", "gif", "webp", "mp4", "zip")
ACCEPT = ".pdf,.png,.jpg,.jpeg,.gif,.webp,.mp4,.pptx,.zip"
# content type -> (label, Bootstrap icon)
FILE_TYPES = {
    "application/pdf": ("PDF", "bi-file-earmark-pdf"),
    "image/png": ("PNG", "bi-file-earmark-image"),
    "image/jpeg": ("JPG", "bi-file-earmark-image"),
    "image/gif": ("GIF", "bi-file-earmark-image"),
    "image/webp": ("WebP", "bi-file-earmark-image"),
    VIDEO: ("MP4", "bi-file-earmark-play"),
    PPTX: ("PowerPoint", "bi-file-earmark-slides"),
    "application/zip": ("ZIP", "bi-file-earmark-zip"),
}
LANGUAGES = {"zh_CN": _l("Chinese"), "en": _l("English")}
STATUSES = {"draft": _l("Draft"), "scheduled": _l("Scheduled"), "published": _l("Published"),
            "expired": _l("Expired")}
NOT_ALLOWED = _l("This file is not one the library accepts. Upload a PDF, an image (PNG, JPG, GIF or WebP), "
                 "an MP4 video, a PowerPoint (.pptx) or a ZIP file.")


def _flush_as(actor):
    with acting_as(actor):
        db.session.flush()


def _require_publisher(actor):
    if not has_permission(actor, "marketing.publish"):
        raise DomainError(_l("Only channel managers and administrators may manage the asset library."))


# ---- files ----------------------------------------------------------------------------------------


def limits():
    """Upload limits in bytes: videos, and every other kind of file."""
    return {"video": current_app.config["ASSET_VIDEO_MAX_BYTES"], "other": current_app.config["ASSET_MAX_BYTES"]}


def limit_for(content_type):
    return limits()["video" if content_type == VIDEO else "other"]


def request_limit():
    """What an upload request may carry in all: the largest file and the form around it."""
    return max(limits().values()) + FORM_MARGIN_BYTES


def file_type_label(content_type):
    return FILE_TYPES.get(content_type, (content_type, ""))[0]


def file_icon(content_type):
    return FILE_TYPES.get(content_type, ("", "bi-file-earmark"))[1]


def previewable(stored):
    """Only PDF and images are ever shown in the browser; everything else is a download."""
    return stored is not None and stored.content_type in storage.INLINE_TYPES


def _zip_type(path):
    """PowerPoint for a ZIP archive with a ``ppt/`` folder, ZIP for another readable archive."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if not names:
        return None
    return PPTX if any(name.startswith("ppt/") for name in names) else "application/zip"


def _judge(field):
    def judge(path, size):
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
        content_type = storage.detect_type(head, UPLOAD_KINDS)
        if content_type == "application/zip":
            content_type = _zip_type(path)
        if content_type is None:
            raise DomainError(NOT_ALLOWED, field=field)
        if size > limit_for(content_type):
            raise storage.too_large(limit_for(content_type), field)
        return content_type

    return judge


def store_asset_file(file_storage, actor, field="file"):
    """Check an uploaded asset file (its name, its type by content, its size for that type) and
    store it; refused with a field error and nothing kept."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise DomainError(_l("Choose a file to upload."), field=field)
    name = storage.check_file_name(file_storage.filename, field)
    return storage.store_stream(file_storage.stream, name, max(limits().values()), field, _judge(field),
                                uploaded_by=actor)


# ---- assets ---------------------------------------------------------------------------------------


def normalise_tags(text):
    """'Campus, 5G，促销' -> 'campus,5g,促销' (lower case, no repeats); ValueError with a message."""
    tags = []
    for raw in re.split(r"[,，;；、]", text or ""):
        tag = " ".join(raw.split()).lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise ValueError(_l("Each tag may have at most %(max)d characters.", max=TAG_MAX))
        if tag not in tags:
            tags.append(tag)
    joined = ",".join(tags)
    if len(joined) > TAGS_MAX:
        raise ValueError(_l("Too many tags: at most %(max)d characters in all.", max=TAGS_MAX))
    return joined or None


def asset_values(data):
    """Checked values for an asset, or ValidationError with a message on each wrong field."""
    errors = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_l("Enter a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_l("At most %(max)d characters.", max=TITLE_MAX)]
    description = (data.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_l("At most %(max)d characters.", max=DESCRIPTION_MAX)]
    category = data.get("category") or ""
    if category not in ASSET_CATEGORIES:
        errors["category"] = [_l("Choose a category.")]
    try:
        tags = normalise_tags(data.get("tags"))
    except ValueError as error:
        errors["tags"] = [error.args[0]]
        tags = None
    language = data.get("language") or None
    if language is not None and language not in LANGUAGES:
        errors["language"] = [_l("Choose Chinese, English, or both.")]
    publish_on, expires_on = data.get("publish_on"), data.get("expires_on")
    if publish_on and expires_on and expires_on < publish_on:
        errors["expires_on"] = [_l("The expiry date cannot be before the publish date.")]
    cobrandable = bool(data.get("cobrandable"))
    template = (data.get("cobrand_template") or "").strip() or None
    if cobrandable:
        try:
            template = cobrand.check_template(template)
        except DomainError as error:
            errors["cobrand_template"] = [error.message]
    elif template and len(template) > cobrand.TEMPLATE_MAX:
        errors["cobrand_template"] = [_l("At most %(max)d characters.", max=cobrand.TEMPLATE_MAX)]
    if errors:
        raise ValidationError(errors)
    return {"title": title, "description": description or None, "category": category, "tags": tags,
            "language": language, "publish_on": publish_on, "expires_on": expires_on, "cobrandable": cobrandable,
            "cobrand_template": template}


def _audit_version(version, actor):
    stored = version.file
    db.session.add(AuditLog(
        actor_id=actor.id if actor else None, entity_type="AssetVersion", entity_id=str(version.id), action="create",
        new_value=(f"asset_id={version.asset_id}; number={version.number}; file={stored.original_name}; "
                   f"type={stored.content_type}; size={stored.size}; sha256={stored.sha256}"),
    ))


def _add_version(asset, stored, note, actor):
    # One upload at a time per asset (PostgreSQL), so that two cannot take the same number.
    db.session.execute(sa.select(Asset.id).where(Asset.id == asset.id).with_for_update())
    number = (db.session.scalar(sa.select(sa.func.max(AssetVersion.number))
                                .where(AssetVersion.asset_id == asset.id)) or 0) + 1
    version = AssetVersion(asset_id=asset.id, number=number, file_id=stored.id, note=note,
                           thumbnail=make_thumbnail(stored, uploaded_by=actor), uploaded_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    asset.current_version_id = version.id
    _flush_as(actor)
    _audit_version(version, actor)
    return version


def create_asset(data, file_storage, actor):
    """A new asset with its first file (version 1) and an empty audience (everyone): the view
    then writes the chosen audience into ``asset.audience``."""
    _require_publisher(actor)
    values = asset_values(data)  # checked before the file, so a refused form keeps no file
    stored = store_asset_file(file_storage, actor)
    asset = Asset(audience=Audience(), created_by_id=actor.id, **values)
    db.session.add(asset)
    _flush_as(actor)
    _add_version(asset, stored, None, actor)
    return asset


def update_asset(asset, data, actor):
    _require_publisher(actor)
    for name, value in asset_values(data).items():
        setattr(asset, name, value)
    _flush_as(actor)
    return asset


def replace_file(asset, file_storage, note, actor):
    """Add a new version with a new file; the earlier versions are kept."""
    _require_publisher(actor)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=NOTE_MAX), field="note")
    stored = store_asset_file(file_storage, actor)
    return _add_version(asset, stored, note, actor)


def status_of(asset, today=None):
    today = today or business_today()
    if asset.publish_on is None:
        return "draft"
    if asset.publish_on > today:
        return "scheduled"
    if asset.expires_on is not None and asset.expires_on < today:
        return "expired"
    return "published"


def status_condition(status, today):
    return {
        "draft": Asset.publish_on.is_(None),
        "scheduled": Asset.publish_on > today,
        "published": published_condition(today),
        "expired": sa.and_(Asset.publish_on <= today, Asset.expires_on < today),
    }[status]


# ---- finding assets --------------------------------------------------------------------------------


def published_condition(today):
    return sa.and_(Asset.publish_on.is_not(None), Asset.publish_on <= today,
                   sa.or_(Asset.expires_on.is_(None), Asset.expires_on >= today),
                   Asset.current_version_id.is_not(None))


def filtered(query, q=None, category=None, language=None, tag=None):
    """Narrow a select of assets by words (title, description, tags), category, language, tag."""
    q = (q or "").strip()
    if q:
        words = q.lower()
        query = query.where(sa.or_(
            sa.func.lower(Asset.title).contains(words, autoescape=True),
            sa.func.lower(sa.func.coalesce(Asset.description, "")).contains(words, autoescape=True),
            sa.func.coalesce(Asset.tags, "").contains(words, autoescape=True),
        ))
    if category in ASSET_CATEGORIES:
        query = query.where(Asset.category == category)
    if language in LANGUAGES:
        query = query.where(sa.or_(Asset.language == language, Asset.language.is_(None)))
    if tag:
        query = query.where(("," + sa.func.coalesce(Asset.tags, "") + ",").contains(f",{tag},", autoescape=True))
    return query


def with_current_file(query):
    """Load each listed asset's current version and its file with the list (not one query per row)."""
    return query.options(selectinload(Asset.current_version).selectinload(AssetVersion.file))


def visible_assets(partner, today=None):
    """A select of the assets ``partner`` may see today (see the module's rules)."""
    today = today or business_today()
    return (sa.select(Asset).join(Audience, Asset.audience_id == Audience.id)
            .where(published_condition(today), visible_condition(partner)))


def get_visible_asset(asset_id, partner, today=None):
    """The asset if ``partner`` may see it; 404 otherwise."""
    asset = db.session.scalar(visible_assets(partner, today).where(Asset.id == asset_id))
    if asset is None or asset.current_version is None:
        abort(404)
    return asset


def new_for_partner(partner, limit=5, today=None):
    """The assets published in the last 30 days that ``partner`` may see, newest first."""
    today = today or business_today()
    return db.session.scalars(with_current_file(
        visible_assets(partner, today).where(Asset.publish_on > today - timedelta(days=NEW_FOR_DAYS))
        .order_by(Asset.publish_on.desc(), Asset.id.desc()).limit(limit)
    )).all()


def visible_tags(partner, today=None):
    """The tags of the assets ``partner`` may see, sorted (for the tag filter)."""
    rows = db.session.scalars(visible_assets(partner, today).with_only_columns(Asset.tags)
                              .where(Asset.tags.is_not(None))).all()
    return sorted({tag for tags in rows for tag in tags.split(",") if tag})


def get_asset(asset_id):
    """Vendor side: any asset (they are the vendor's, not a territory's); 404 if none."""
    return db.session.get(Asset, asset_id) or abort(404)


def get_version(asset, version_id):
    version = db.session.get(AssetVersion, version_id)
    if version is None or version.asset_id != asset.id:
        abort(404)
    return version


# ---- downloads -------------------------------------------------------------------------------------


def record_download(asset, partner, user, cobranded=False):
    """One download by a partner user, for the managers' figures (the caller commits)."""
    db.session.add(AssetDownload(asset_id=asset.id, version_id=asset.current_version_id, partner_id=partner.id,
                                 user_id=user.id, cobranded=cobranded))


def _seen_partner_ids(user):
    return visible_partners(user).with_only_columns(Partner.id)


def download_counts(asset_ids, user):
    """{asset id: downloads by partners ``user`` may see}."""
    if not asset_ids:
        return {}
    rows = db.session.execute(
        sa.select(AssetDownload.asset_id, sa.func.count(AssetDownload.id))
        .where(AssetDownload.asset_id.in_(asset_ids), AssetDownload.partner_id.in_(_seen_partner_ids(user)))
        .group_by(AssetDownload.asset_id)
    ).all()
    return dict(rows)


def downloads_by_partner(asset, user):
    """Rows (partner, downloads, co-branded downloads, last download) for ``asset``, among the
    partners ``user`` may see, most downloads first."""
    return db.session.execute(
        sa.select(Partner, sa.func.count(AssetDownload.id),
                  sa.func.count(AssetDownload.id).filter(AssetDownload.cobranded.is_(True)),
                  sa.func.max(AssetDownload.created_at))
        .join(AssetDownload, AssetDownload.partner_id == Partner.id)
        .where(AssetDownload.asset_id == asset.id, Partner.id.in_(_seen_partner_ids(user)))
        .group_by(Partner.id).order_by(sa.func.count(AssetDownload.id).desc(), Partner.name)
    ).all()


def downloads_of_partner(partner):
    """Rows (asset, downloads, last download) of what ``partner`` downloaded, latest first."""
    return db.session.execute(
        sa.select(Asset, sa.func.count(AssetDownload.id), sa.func.max(AssetDownload.created_at))
        .join(AssetDownload, AssetDownload.asset_id == Asset.id)
        .where(AssetDownload.partner_id == partner.id)
        .group_by(Asset.id).order_by(sa.func.max(AssetDownload.created_at).desc(), Asset.id.desc())
    ).all()


def partners_with_downloads(user, q=None):
    """A select of the partners ``user`` may see (optionally by name), for the figures per partner."""
    query = visible_partners(user)
    q = (q or "").strip()
    if q:
        query = query.where(sa.func.lower(Partner.name).contains(q.lower(), autoescape=True))
    return query.order_by(Partner.name, Partner.id)


def partner_totals(partner_ids):
    """{partner id: (downloads, distinct assets, last download)}."""
    if not partner_ids:
        return {}
    rows = db.session.execute(
        sa.select(AssetDownload.partner_id, sa.func.count(AssetDownload.id),
                  sa.func.count(sa.distinct(AssetDownload.asset_id)), sa.func.max(AssetDownload.created_at))
        .where(AssetDownload.partner_id.in_(partner_ids)).group_by(AssetDownload.partner_id)
    ).all()
    return {row[0]: tuple(row[1:]) for row in rows}
