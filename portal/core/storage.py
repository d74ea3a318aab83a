"""Uploaded and generated files: checked by content, stored under a random key with their hash."""
import hashlib
import secrets
from pathlib import Path

import filetype
from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core.errors import DomainError
from portal.core.models import StoredFile
from portal.extensions import db

KINDS = {
    "pdf": ("application/pdf",),
    "png": ("image/png",),
    "jpeg": ("image/jpeg",),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"),
    "gif": ("image/gif",),
    "webp": ("image/webp",),
    "mp4": ("video/mp4",),
    # A ZIP archive by its bytes (filetype names some Office files by what it finds inside).
    "zip": ("application/zip", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
KIND_LABELS = {"pdf": "PDF", "png": "PNG", "jpeg": "JPG", "gif": "GIF", "webp": "WebP", "mp4": "MP4", "zip": "ZIP"}
CHUNK_BYTES = 1024 * 1024


def human_size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def too_large(max_bytes, field):
    return DomainError(
        _l("The file is larger than %(limit)s. Please send a smaller file.", limit=human_size(max_bytes)), field=field
    )


def read_limited(file_storage, max_bytes, field):
    """Read an uploaded file, refusing one over ``max_bytes`` with a field error."""
    data = file_storage.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes, field)
    if not data:
        raise DomainError(_l("The file is empty."), field=field)
    return data


def check_file_name(name, field):
    """The uploaded file's name, to keep as a label; a name holding a folder (``/``, ``\\``,
    ``..``) or control characters is refused with a field error rather than cleaned up."""
    name = (name or "").strip()
    if (not name or "/" in name or "\\" in name or name.startswith("..")
            or any(ord(c) < 32 or ord(c) == 127 for c in name) or len(name) > 255):
        raise DomainError(
            _l("The file name must be a plain name, without a folder, “..” or special characters. "
               "Rename the file and send it again."), field=field)
    return name


def detect_type(data, allowed):
    """The content type of ``data`` if it is one of the ``allowed`` kinds, by its bytes."""
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    for name in allowed:
        if mime in KINDS[name]:
            return KINDS[name][0]
    return None


def store_bytes(data, original_name, content_type, uploaded_by=None):
    key = secrets.token_hex(16)
    path = Path(current_app.config["UPLOAD_DIR"]) / key[:2] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    record = StoredFile(
        storage_key=key,
        original_name=(original_name or "file")[:255],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=uploaded_by.id if uploaded_by else None,
    )
    db.session.add(record)
    db.session.flush()
    return record


def store_stream(stream, original_name, max_bytes, field, judge, uploaded_by=None):
    """Store a possibly large upload without holding it in memory: ``stream`` is copied in
    chunks to its place, then ``judge(path, size)`` returns the content type to record or raises
    DomainError. Over ``max_bytes``, empty or refused: a field error, and nothing is kept."""
    key = secrets.token_hex(16)
    path = Path(current_app.config["UPLOAD_DIR"]) / key[:2] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("xb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise too_large(max_bytes, field)
                digest.update(chunk)
                out.write(chunk)
        if not size:
            raise DomainError(_l("The file is empty."), field=field)
        content_type = judge(path, size)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    record = StoredFile(
        storage_key=key, original_name=(original_name or "file")[:255], content_type=content_type, size=size,
        sha256=digest.hexdigest(), uploaded_by_id=uploaded_by.id if uploaded_by else None,
    )
    db.session.add(record)
    db.session.flush()
    return record


def store_upload(file_storage, allowed, max_bytes, field, uploaded_by=None):
    """Check an upload by content and size, then store it. Raises DomainError on the field."""
    data = read_limited(file_storage, max_bytes, field)
    content_type = detect_type(data, allowed)
    if content_type is None:
        raise DomainError(
            _l("This file is not a %(kinds)s file. Please attach a %(kinds)s file.",
               kinds=" / ".join(KIND_LABELS.get(k, k.upper()) for k in allowed)),
            field=field,
        )
    return store_bytes(data, file_storage.filename, content_type, uploaded_by)


def path_of(stored):
    return Path(current_app.config["UPLOAD_DIR"]) / stored.storage_key[:2] / stored.storage_key


def serve(stored, inline=False):
    """Send a stored file; only PDF, PNG and JPEG may be shown inline, in a sandbox."""
    inline = inline and stored.content_type in INLINE_TYPES
    response = send_file(
        path_of(stored),
        mimetype=stored.content_type,
        as_attachment=not inline,
        download_name=stored.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if inline:
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


DISCARDED = "storage.discarded"  # a key of Session.info: files to remove once the transaction commits


def discard(stored):
    """Forget a stored file that turned out not to be needed (e.g. a duplicate application). The
    file is removed when the transaction commits: a rollback keeps the row and its file."""
    db.session.info.setdefault(DISCARDED, []).append(path_of(stored))
    db.session.delete(stored)


@event.listens_for(Session, "after_commit")
def _remove_discarded(session):
    for path in session.info.pop(DISCARDED, ()):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _keep_discarded(session):
    session.info.pop(DISCARDED, None)
