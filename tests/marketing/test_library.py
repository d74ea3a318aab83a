"""The asset library: managers create and edit assets and replace their files (versions kept),
thumbnails are made for images and PDFs, partners see only what is published for them (404
otherwise), downloads are counted per asset and per partner, and the home page's "new for you".
Upload refusals are in test_uploads.py, co-branding in test_cobrand.py; the full audience rule
matrix is in test_audience.py."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template
from PIL import Image

from portal.core.audit import AuditLog
from portal.core.i18n import business_today
from portal.core.storage import path_of
from portal.extensions import db
from portal.marketing import library_services as services
from portal.marketing import thumbnails
from portal.marketing.models import Asset, AssetDownload, AssetVersion
from tests.marketing.test_library_support import (  # noqa: F401  (fixtures)
    ADMIN_URL, LIBRARY_URL, MINIMAL_PDF, MP4, asset_form, image_bytes, make_asset, manager, p1, p2, real_pdf,
    vendor,
)


def today():
    return business_today()


# ---- creating and editing --------------------------------------------------------------------------


def test_a_manager_uploads_an_asset_for_chosen_territories(vendor, reference_data, p1, p2):
    form = asset_form(title="Hangzhou campus poster", category="poster", tags="Campus, 校园，Campus", language="zh_CN",
                      audience_territories=str(reference_data["ZJ"].id))
    form["file"] = (io.BytesIO(image_bytes("PNG")), "poster.png")
    response = vendor.post(f"{ADMIN_URL}/new", form, content_type="multipart/form-data")
    assert response.status_code == 302
    asset = db.session.scalar(sa.select(Asset))
    assert (asset.title, asset.category, asset.tags, asset.language) == ("Hangzhou campus poster", "poster",
                                                                          "campus,校园", "zh_CN")
    assert [t.code for t in asset.audience.territories] == ["ZJ"]
    assert asset.current_version.number == 1 and asset.current_version.file.content_type == "image/png"
    assert response.headers["Location"].endswith(f"{ADMIN_URL}/{asset.id}")
    page = vendor.get(f"{ADMIN_URL}/{asset.id}").get_data(as_text=True)
    assert "Territories: Zhejiang" in page and "poster.png" in page
    # Zhejiang's partner sees it; Guangdong's does not.
    assert p2.get(f"{LIBRARY_URL}/{asset.id}").status_code == 200
    assert p1.get(f"{LIBRARY_URL}/{asset.id}").status_code == 404


def test_editing_an_asset_changes_its_details_and_audience(vendor, make_asset, reference_data):
    asset = make_asset(territories=[reference_data["ZJ"]])
    response = vendor.get(f"{ADMIN_URL}/{asset.id}/edit")
    assert response.status_code == 200 and "Summer 5G flyer" in response.get_data(as_text=True)
    response = vendor.post(f"{ADMIN_URL}/{asset.id}/edit", asset_form(
        title="Autumn flyer", category="price_list", publish_on="", expires_on="",
        audience_channel_types=str(reference_data["campus"].id)))
    assert response.status_code == 302
    asset = db.session.get(Asset, asset.id)
    assert (asset.title, asset.category, asset.publish_on) == ("Autumn flyer", "price_list", None)
    assert [c.code for c in asset.audience.channel_types] == ["campus"] and asset.audience.territories == []
    changes = db.session.scalars(sa.select(AuditLog.field).where(AuditLog.entity_type == "Asset",
                                                                 AuditLog.action == "update")).all()
    assert {"title", "category", "publish_on"} <= set(changes)


def test_a_wrong_form_says_what_is_wrong_next_to_each_field(vendor, make_asset):
    asset = make_asset()
    response = vendor.post(f"{ADMIN_URL}/{asset.id}/edit", asset_form(publish_on="next week"))
    assert response.status_code == 400 and "Enter a date as YYYY-MM-DD." in response.get_data(as_text=True)
    response = vendor.post(f"{ADMIN_URL}/{asset.id}/edit", asset_form(
        title="x" * 201, category="nonsense", tags="a" * 41, language="fr", publish_on="2026-03-10",
        expires_on="2026-03-01"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("At most 200 characters.", "Choose a category.", "Each tag may have at most 40 characters.",
                    "Choose Chinese, English, or both.", "The expiry date cannot be before the publish date."):
        assert message in page
    assert db.session.get(Asset, asset.id).title == "Summer 5G flyer"


def test_replacing_the_file_adds_a_version_and_keeps_the_earlier_ones(vendor, make_asset, p1):
    asset = make_asset(data=MINIMAL_PDF + b"%v1\n", name="flyer-v1.pdf")
    response = vendor.post(f"{ADMIN_URL}/{asset.id}/versions",
                           {"file": (io.BytesIO(MINIMAL_PDF + b"%v2\n"), "flyer-v2.pdf"), "note": "New prices"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    versions = db.session.scalars(sa.select(AssetVersion).where(AssetVersion.asset_id == asset.id)
                                  .order_by(AssetVersion.number)).all()
    assert [(v.number, v.file.original_name, v.note) for v in versions] == [
        (1, "flyer-v1.pdf", None), (2, "flyer-v2.pdf", "New prices")]
    assert db.session.get(Asset, asset.id).current_version_id == versions[1].id
    # Partners get the new file; managers can list and download every version.
    assert p1.get(f"{LIBRARY_URL}/{asset.id}/download").data.endswith(b"%v2\n")
    page = vendor.get(f"{ADMIN_URL}/{asset.id}").get_data(as_text=True)
    assert "flyer-v1.pdf" in page and "flyer-v2.pdf" in page and "New prices" in page
    old = vendor.get(f"{ADMIN_URL}/{asset.id}/versions/{versions[0].id}/file")
    assert old.status_code == 200 and old.data.endswith(b"%v1\n")
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(AuditLog.entity_type == "AssetVersion")) == 2


def test_a_refused_new_version_keeps_the_current_one(vendor, make_asset):
    asset = make_asset()
    response = vendor.post(f"{ADMIN_URL}/{asset.id}/versions",
                           {"file": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "logo.svg")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This file is not one the library accepts." in response.get_data(as_text=True)
    assert [v.number for v in db.session.get(Asset, asset.id).versions] == [1]


def test_a_version_of_another_asset_answers_404(vendor, make_asset):
    one, two = make_asset(), make_asset(title="Other")
    assert vendor.get(f"{ADMIN_URL}/{one.id}/versions/{two.current_version_id}/file").status_code == 404


# ---- thumbnails ----------------------------------------------------------------------------------


def test_a_png_gets_a_small_png_thumbnail(make_asset, p1):
    asset = make_asset(data=image_bytes("PNG", size=(1600, 800)), name="poster.png")
    thumb = asset.current_version.thumbnail
    assert thumb is not None and thumb.content_type == "image/png"
    with Image.open(path_of(thumb)) as image:
        assert image.format == "PNG" and image.size == (320, 160)
    response = p1.get(f"{LIBRARY_URL}/{asset.id}/thumbnail")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert f"{LIBRARY_URL}/{asset.id}/thumbnail" in p1.get(LIBRARY_URL).get_data(as_text=True)


def test_a_pdf_gets_a_thumbnail_of_its_first_page(make_asset):
    asset = make_asset(data=real_pdf(), name="flyer.pdf")
    thumb = asset.current_version.thumbnail
    assert thumb is not None and thumb.content_type == "image/png"
    with Image.open(path_of(thumb)) as image:
        assert image.format == "PNG" and max(image.size) == 320
        assert image.size[1] > image.size[0]  # A4, upright


def test_without_pdftoppm_a_pdf_gets_an_icon_instead(make_asset, p1, monkeypatch):
    monkeypatch.setattr(thumbnails.shutil, "which", lambda name: None)
    asset = make_asset(data=real_pdf(), name="flyer.pdf")
    assert asset.current_version.thumbnail is None
    assert p1.get(f"{LIBRARY_URL}/{asset.id}/thumbnail").status_code == 404
    page = p1.get(LIBRARY_URL).get_data(as_text=True)
    assert "bi-file-earmark-pdf" in page and f"{LIBRARY_URL}/{asset.id}/thumbnail" not in page


def test_videos_and_damaged_images_get_no_thumbnail(make_asset):
    assert make_asset(data=MP4, name="clip.mp4").current_version.thumbnail is None
    broken_png = image_bytes("PNG")[:40]
    assert make_asset(data=broken_png, name="broken.png").current_version.thumbnail is None


# ---- what a partner sees --------------------------------------------------------------------------


def partner_urls(asset_id):
    base = f"{LIBRARY_URL}/{asset_id}"
    return [base, f"{base}/thumbnail", f"{base}/preview", f"{base}/download"]


def test_a_partner_sees_only_published_assets(make_asset, p1):
    shown = make_asset(title="Shown", data=image_bytes("PNG"), name="a.png")
    last_day = make_asset(title="Last day today", expires_on=today())
    draft = make_asset(title="Draft", publish_on=None)
    future = make_asset(title="Next week", publish_on=today() + timedelta(days=7))
    expired = make_asset(title="Expired", publish_on=today() - timedelta(days=30),
                         expires_on=today() - timedelta(days=1))
    page = p1.get(LIBRARY_URL).get_data(as_text=True)
    assert "Shown" in page and "Last day today" in page
    assert "Draft" not in page and "Next week" not in page and "Expired" not in page
    for asset in (draft, future, expired):
        for url in partner_urls(asset.id):
            assert p1.get(url).status_code == 404, url
    for url in partner_urls(shown.id):
        assert p1.get(url).status_code == 200, url
    assert p1.get(f"{LIBRARY_URL}/{last_day.id}").status_code == 200


def test_a_partner_outside_the_audience_gets_404_everywhere(make_asset, reference_data, p1, p2, db):
    zhejiang = make_asset(title="Zhejiang only", data=image_bytes("PNG"), name="zj.png",
                          territories=[reference_data["ZJ"]])
    campus = make_asset(title="Campus agents only", channel_types=[reference_data["campus"]])
    assert "Zhejiang only" not in p1.get(LIBRARY_URL).get_data(as_text=True)
    for url in partner_urls(zhejiang.id) + [f"{LIBRARY_URL}/{campus.id}"]:
        assert p1.get(url).status_code == 404, url
    assert p2.get(f"{LIBRARY_URL}/{zhejiang.id}/download").status_code == 200
    assert p2.get(f"{LIBRARY_URL}/{campus.id}").status_code == 404
    # Nothing was counted for the refused requests.
    assert db.session.scalar(sa.select(sa.func.count(AssetDownload.id))) == 1


def test_partners_search_and_filter_the_library(make_asset, p1):
    make_asset(title="Broadband price list", category="price_list", tags="broadband", language="zh_CN")
    make_asset(title="Campus video", data=MP4, name="clip.mp4", category="video", tags="campus, summer",
               language="en")
    make_asset(title="Logo pack", category="image", tags="brand", description="Every logo, all sizes.")

    def titles(query):
        page = p1.get(f"{LIBRARY_URL}?{query}").get_data(as_text=True)
        return {t for t in ("Broadband price list", "Campus video", "Logo pack") if t in page}

    assert titles("") == {"Broadband price list", "Campus video", "Logo pack"}
    assert titles("q=price") == {"Broadband price list"}
    assert titles("q=ALL+SIZES") == {"Logo pack"}  # the description, any case
    assert titles("category=video") == {"Campus video"}
    assert titles("tag=summer") == {"Campus video"}
    assert titles("tag=summ") == set()  # whole tags only
    assert titles("language=zh_CN") == {"Broadband price list", "Logo pack"}  # and those for both languages
    assert "No asset matches these filters." in p1.get(f"{LIBRARY_URL}?q=nothing-like-this").get_data(as_text=True)


def test_an_empty_library_says_so(p1):
    page = p1.get(LIBRARY_URL).get_data(as_text=True)
    assert "No marketing asset has been shared with your organisation yet." in page


def test_new_for_partner_lists_recent_visible_assets(make_asset, partners, reference_data):
    make_asset(title="Ten days old", publish_on=today() - timedelta(days=10))
    make_asset(title="Today", publish_on=today())
    make_asset(title="Forty days old", publish_on=today() - timedelta(days=40))
    make_asset(title="Tomorrow", publish_on=today() + timedelta(days=1))
    make_asset(title="For Zhejiang", territories=[reference_data["ZJ"]])
    new = services.new_for_partner(partners["one"])
    assert [a.title for a in new] == ["Today", "Ten days old"]
    assert [a.title for a in services.new_for_partner(partners["one"], limit=1)] == ["Today"]
    html = render_template("marketing/_home_assets.html", new_assets=new)
    assert "Today" in html and "Ten days old" in html and f"{LIBRARY_URL}/{new[0].id}" in html
    assert "Nothing new in the last 30 days." in render_template("marketing/_home_assets.html", new_assets=[])


# ---- download figures ----------------------------------------------------------------------------


def test_downloads_are_counted_per_asset_and_per_partner(make_asset, make_client, partners, p1, p2, vendor):
    flyer, poster = make_asset(title="Flyer"), make_asset(title="Poster", data=image_bytes("PNG"), name="p.png")
    staff = make_client()
    staff.login("p1.staff@test.example")
    for client, asset in ((p1, flyer), (p1, flyer), (staff, flyer), (p1, poster), (p2, flyer)):
        assert client.get(f"{LIBRARY_URL}/{asset.id}/download").status_code == 200
    p1.get(f"{LIBRARY_URL}/{flyer.id}/preview")  # a preview is not a download
    rows = db.session.execute(sa.select(AssetDownload.partner_id, AssetDownload.version_id)
                              .where(AssetDownload.asset_id == flyer.id)).all()
    assert len(rows) == 4 and {v for _p, v in rows} == {flyer.current_version_id}

    # The Guangdong manager counts Partner One only; the admin counts everyone.
    page = vendor.get(f"{ADMIN_URL}/{flyer.id}/downloads").get_data(as_text=True)
    assert "Partner One Trading" in page and "Partner Two Retail" not in page
    assert 'data-count="downloads">3<' in page
    admin = make_client()
    admin.login("admin@test.example")
    page = admin.get(f"{ADMIN_URL}/{flyer.id}/downloads").get_data(as_text=True)
    assert "Partner Two Retail" in page and 'data-count="downloads">4<' in page
    assert services.download_counts([flyer.id, poster.id], _user("gd.manager@test.example")) == {
        flyer.id: 3, poster.id: 1}

    # Per partner: what Partner One downloaded, and how often.
    page = vendor.get(f"/marketing/downloads/partners/{partners['one'].id}").get_data(as_text=True)
    assert "Flyer" in page and "Poster" in page
    assert [(a.title, n) for a, n, _last in services.downloads_of_partner(partners["one"])] == [
        ("Poster", 1), ("Flyer", 3)]
    overview = vendor.get("/marketing/downloads").get_data(as_text=True)
    assert "Partner One Trading" in overview and "Partner Two Retail" not in overview
    # A manager who does not look after Partner One cannot open its figures.
    other = make_client()
    other.login("zj.manager@test.example")
    assert other.get(f"/marketing/downloads/partners/{partners['one'].id}").status_code == 404
    page = other.get(f"{ADMIN_URL}/{flyer.id}/downloads").get_data(as_text=True)
    assert "Partner One Trading" not in page and 'data-count="downloads">1<' in page


def _user(email):
    from portal.accounts.models import User

    return db.session.scalar(sa.select(User).where(User.email == email))


def test_the_vendor_list_filters_by_status(make_asset, vendor):
    make_asset(title="Live one")
    make_asset(title="Draft one", publish_on=None)
    make_asset(title="Old one", publish_on=today() - timedelta(days=60), expires_on=today() - timedelta(days=2))
    make_asset(title="Coming one", publish_on=today() + timedelta(days=3))

    def titles(query):
        page = vendor.get(f"{ADMIN_URL}?{query}").get_data(as_text=True)
        return {t for t in ("Live one", "Draft one", "Old one", "Coming one") if t in page}

    assert titles("") == {"Live one", "Draft one", "Old one", "Coming one"}
    assert titles("status=published") == {"Live one"}
    assert titles("status=draft") == {"Draft one"}
    assert titles("status=expired") == {"Old one"}
    assert titles("status=scheduled") == {"Coming one"}
    assert titles("q=coming") == {"Coming one"}


@pytest.mark.parametrize("url", [ADMIN_URL, f"{ADMIN_URL}/new", "/marketing/downloads"])
def test_vendor_pages_answer_with_their_empty_states(vendor, url):
    response = vendor.get(url)
    assert response.status_code == 200
