"""Uploading library assets: checked by content and by a size limit that fits the kind of file;
every refusal is a field error and leaves nothing behind (no StoredFile row, no file on disk).
Downloads carry the right type and nosniff; only PDF and images are ever shown inline."""
import io

import pytest
import sqlalchemy as sa

from portal.core import storage
from portal.core.errors import DomainError
from portal.extensions import db
from portal.marketing.models import Asset, AssetVersion
from tests.marketing.test_library_support import (  # noqa: F401  (fixtures)
    ADMIN_URL, LIBRARY_URL, MINIMAL_PDF, MP4, asset_form, image_bytes, make_asset, manager, p1, pptx_bytes,
    stored_count, upload_files, vendor, zip_bytes,
)

PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def post_new(client, data, name, **fields):
    form = asset_form(**fields)
    form["file"] = (io.BytesIO(data), name)
    return client.post(f"{ADMIN_URL}/new", form, content_type="multipart/form-data")


def assert_refused(response, message, app, before_files):
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'id="file-error"' in page  # shown next to the file field
    assert db.session.scalar(sa.select(sa.func.count(Asset.id))) == 0
    assert stored_count() == 0
    assert upload_files(app) == before_files


SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
SVG_PLAIN = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
NOT_ACCEPTED = "This file is not one the library accepts."


@pytest.mark.parametrize("data, name", [
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "flyer.pdf"),  # HTML renamed .pdf
    (SVG_WITH_SCRIPT, "logo.svg"),
    (SVG_WITH_SCRIPT, "logo.png"),
    (SVG_PLAIN, "logo.svg"),  # SVG is never accepted, even without a script
    (b"PK\x03\x04 not really an archive", "deck.pptx"),  # a damaged ZIP
    (b"MZ\x90\x00\x03\x00\x00\x00", "setup.zip"),  # a Windows program
])
def test_a_file_of_the_wrong_kind_is_refused_by_its_content(vendor, app, data, name):
    before = upload_files(app)
    assert_refused(post_new(vendor, data, name), NOT_ACCEPTED, app, before)


# The test client writes the name into the part's header as it is, and unquoting the header
# turns a doubled backslash into one: the names with backslashes below reach the portal as
# "..\flyer.pdf" and "C:\Users\li\flyer.pdf" (one backslash each), as a browser's would.
@pytest.mark.parametrize("name", ["../flyer.pdf", "../../etc/passwd", "/tmp/flyer.pdf", "..\\\\flyer.pdf",
                                  "C:\\\\Users\\\\li\\\\flyer.pdf", "fly\x00er.pdf", "..", "flyer\x01.pdf"])
def test_a_file_name_with_a_path_is_refused(vendor, app, name):
    before = upload_files(app)
    assert_refused(post_new(vendor, MINIMAL_PDF, name), "The file name must be a plain name", app, before)


@pytest.mark.parametrize("name", ["../a.pdf", "a/b.pdf", "a\\b.pdf", "a\x00.pdf", "..", "../", "a\tb.pdf", "x" * 256])
def test_the_file_name_check_refuses_paths_and_control_characters(name):
    with pytest.raises(DomainError) as refused:
        storage.check_file_name(name, "file")
    assert refused.value.field == "file"


def test_the_file_name_check_keeps_ordinary_names():
    assert storage.check_file_name("  2026 夏季海报 v2.final.pdf ", "file") == "2026 夏季海报 v2.final.pdf"


def test_an_empty_file_is_refused(vendor, app):
    before = upload_files(app)
    assert_refused(post_new(vendor, b"", "flyer.pdf"), "The file is empty.", app, before)


def test_no_file_is_a_field_error(vendor, app):
    before = upload_files(app)
    response = vendor.post(f"{ADMIN_URL}/new", asset_form(), content_type="multipart/form-data")
    assert_refused(response, "Choose a file to upload.", app, before)


def test_a_file_over_the_limit_of_its_kind_is_a_field_error(vendor, app, monkeypatch):
    monkeypatch.setitem(app.config, "ASSET_MAX_BYTES", 2048)
    monkeypatch.setitem(app.config, "ASSET_VIDEO_MAX_BYTES", 8192)
    before = upload_files(app)
    big_pdf = MINIMAL_PDF + b"%" + b"0" * 3000
    assert_refused(post_new(vendor, big_pdf, "flyer.pdf"), "The file is larger than 2.0 KB.", app, before)
    # The same size is fine for a video, whose limit is larger…
    assert post_new(vendor, MP4 + b"\x00" * 3000, "clip.mp4").status_code == 302
    assert db.session.scalar(sa.select(Asset.title)) == "Summer 5G flyer"


def test_a_video_over_its_limit_is_a_field_error_not_a_bare_413(vendor, app, monkeypatch):
    monkeypatch.setitem(app.config, "ASSET_MAX_BYTES", 2048)
    monkeypatch.setitem(app.config, "ASSET_VIDEO_MAX_BYTES", 8192)
    before = upload_files(app)
    assert_refused(post_new(vendor, MP4 + b"\x00" * 9000, "clip.mp4"), "The file is larger than 8.0 KB.", app, before)
    # A request larger than the page accepts at all (the largest file and the form) is not even read.
    huge = MP4 + b"\x00" * (3 * 1024 * 1024)
    response = post_new(vendor, huge, "clip.mp4")
    assert_refused(response, "The file is larger than 8.0 KB.", app, before)


def test_the_upload_page_accepts_more_than_the_apps_ceiling(app, monkeypatch, vendor):
    """The app refuses requests over 64 MB; the asset pages raise their own limit to the video
    limit (checked here with a small ceiling rather than a 65 MB body)."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = post_new(vendor, MP4 + b"\x00" * 6000, "clip.mp4")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(AssetVersion.id)) is not None


def test_the_upload_form_still_needs_its_csrf_token(vendor, app):
    before = upload_files(app)
    form = asset_form()
    form["file"] = (io.BytesIO(MINIMAL_PDF), "flyer.pdf")
    response = vendor.post(f"{ADMIN_URL}/new", form, csrf=False, content_type="multipart/form-data")
    assert response.status_code == 400
    assert stored_count() == 0 and upload_files(app) == before


def test_values_are_checked_before_the_file_is_kept(vendor, app):
    before = upload_files(app)
    response = post_new(vendor, MINIMAL_PDF, "flyer.pdf", title="", publish_on="2026-03-10", expires_on="2026-03-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a title." in page and "The expiry date cannot be before the publish date." in page
    assert stored_count() == 0 and upload_files(app) == before


@pytest.mark.parametrize("data, name, content_type", [
    (MINIMAL_PDF, "flyer.pdf", "application/pdf"),
    (image_bytes("PNG"), "poster.png", "image/png"),
    (image_bytes("JPEG"), "poster.jpg", "image/jpeg"),
    (image_bytes("GIF"), "banner.gif", "image/gif"),
    (image_bytes("WEBP"), "banner.webp", "image/webp"),
    (MP4, "clip.mp4", "video/mp4"),
    (pptx_bytes(), "deck.pptx", PPTX_TYPE),
    (pptx_bytes(), "deck.zip", PPTX_TYPE),  # judged by what is inside, not by the name
    (zip_bytes("logos/logo.png", "readme.txt"), "logos.zip", "application/zip"),
    (zip_bytes("readme.txt"), "fake.pptx", "application/zip"),  # no ppt/ folder: a plain ZIP
])
def test_accepted_kinds_are_stored_with_the_type_found_in_their_content(vendor, data, name, content_type):
    response = post_new(vendor, data, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    version = db.session.scalar(sa.select(AssetVersion))
    assert version.number == 1
    assert (version.file.content_type, version.file.original_name, version.file.size) == (content_type, name, len(data))


# ---- downloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, name, content_type", [
    (MINIMAL_PDF, "flyer.pdf", "application/pdf"),
    (image_bytes("PNG"), "poster.png", "image/png"),
    (image_bytes("JPEG"), "poster.jpg", "image/jpeg"),
])
def test_pdf_and_images_preview_inline_in_a_sandbox(p1, make_asset, data, name, content_type):
    asset = make_asset(data=data, name=name)
    response = p1.get(f"{LIBRARY_URL}/{asset.id}/preview")
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Content-Security-Policy"] == "sandbox"
    download = p1.get(f"{LIBRARY_URL}/{asset.id}/download")
    assert download.mimetype == content_type and download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("data, name, content_type", [
    (MP4, "clip.mp4", "video/mp4"),
    (pptx_bytes(), "deck.pptx", PPTX_TYPE),
    (zip_bytes("logo.png"), "logos.zip", "application/zip"),
])
def test_other_kinds_are_only_ever_downloaded(p1, vendor, make_asset, data, name, content_type):
    asset = make_asset(data=data, name=name)
    assert p1.get(f"{LIBRARY_URL}/{asset.id}/preview").status_code == 404
    page = p1.get(f"{LIBRARY_URL}/{asset.id}").get_data(as_text=True)
    assert f"{LIBRARY_URL}/{asset.id}/preview" not in page and f"{LIBRARY_URL}/{asset.id}/download" in page
    download = p1.get(f"{LIBRARY_URL}/{asset.id}/download")
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == content_type
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Content-Security-Policy" not in download.headers or "sandbox" not in download.headers.get(
        "Content-Security-Policy", "")
    # Asking the manager's file route for it inline still gives an attachment.
    version_id = asset.current_version_id
    forced = vendor.get(f"{ADMIN_URL}/{asset.id}/versions/{version_id}/file?inline=1")
    assert forced.headers["Content-Disposition"].startswith("attachment") and forced.mimetype == content_type
