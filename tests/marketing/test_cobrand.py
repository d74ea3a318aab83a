"""Co-branded flyers: a co-brandable asset's template filled in a sandbox with the partner's own
name, address and phone, as a PDF read back with pdftotext; kept and given again while nothing
changed; another partner's co-branded file answers 404; managers preview with sample details."""
import io
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.marketing import cobrand
from portal.marketing.models import AssetDownload, CobrandedFile
from tests.marketing.test_library_support import (  # noqa: F401  (fixtures)
    ADMIN_URL, LIBRARY_URL, MINIMAL_PDF, asset_form, make_asset, manager, p1, p2, pdf_text, vendor,
)

TEMPLATE = """<h1>{{ asset.title }}</h1>
<p>欢迎光临 — 5G 套餐限时优惠</p>
<footer>
  <p>授权经销商 / Authorised dealer: <strong>{{ partner.name }}</strong></p>
  <p>{{ partner.address }}</p>
  <p>电话 / Phone: {{ partner.phone }}</p>
</footer>"""


@pytest.fixture
def flyer(make_asset):
    return make_asset(title="Summer 5G flyer", cobrandable=True, cobrand_template=TEMPLATE)


@pytest.fixture
def partner_one(partners, db):
    one = partners["one"]
    one.address = "深圳市福田区深南大道 1 号 (1 Shennan Road, Futian)"
    one.phone = "0755-1234 5678"
    db.session.commit()
    return one


def test_a_partner_downloads_a_flyer_with_its_own_details(flyer, partner_one, p1, tmp_path):
    response = p1.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(response.data, tmp_path)
    assert "Partner One Trading" in text
    assert "深圳市福田区深南大道" in text and "0755-1234 5678" in text
    assert "欢迎光临" in text and "Summer 5G flyer" in text
    path = Path(tmp_path) / "flyer.pdf"
    path.write_bytes(response.data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts or "Noto" in fonts  # the Chinese is drawn with a CJK font, not boxes
    made = db.session.scalars(sa.select(CobrandedFile)).all()
    assert [(c.asset_id, c.partner_id) for c in made] == [(flyer.id, partner_one.id)]
    download = db.session.scalar(sa.select(AssetDownload))
    assert (download.partner_id, download.cobranded) == (partner_one.id, True)


def test_the_kept_pdf_is_given_again_until_something_changes(flyer, partner_one, p1, vendor, make_client, tmp_path):
    first = p1.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf").data
    staff = make_client()
    staff.login("p1.staff@test.example")
    assert staff.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf").data == first
    assert db.session.scalar(sa.select(sa.func.count(CobrandedFile.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AssetDownload.id))) == 2

    # New details: a new PDF.
    p1.post("/partner/profile", {"contact_name": "Li Lei", "phone": "0755-99990000", "email": "li@one.example",
                                 "address": "深圳市南山区 (Nanshan)"})
    assert "0755-99990000" in pdf_text(p1.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf").data, tmp_path)
    assert db.session.scalar(sa.select(sa.func.count(CobrandedFile.id))) == 2

    # A new version of the asset: a new PDF again.
    vendor.post(f"{ADMIN_URL}/{flyer.id}/versions", {"file": (io.BytesIO(MINIMAL_PDF), "v2.pdf")},
                content_type="multipart/form-data")
    p1.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf")
    assert db.session.scalar(sa.select(sa.func.count(CobrandedFile.id))) == 3
    page = p1.get(f"{LIBRARY_URL}/{flyer.id}").get_data(as_text=True)
    assert "Your copy was made" in page


def test_another_partners_cobranded_file_answers_404(flyer, partner_one, p1, p2, tmp_path):
    p1.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf")
    mine = db.session.scalar(sa.select(CobrandedFile).where(CobrandedFile.partner_id == partner_one.id))
    own = p1.get(f"{LIBRARY_URL}/cobranded/{mine.id}")
    assert own.status_code == 200 and "Partner One Trading" in pdf_text(own.data, tmp_path)
    assert p2.get(f"{LIBRARY_URL}/cobranded/{mine.id}").status_code == 404
    # Partner Two gets its own flyer, with its own name.
    theirs = p2.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf")
    text = pdf_text(theirs.data, tmp_path)
    assert "Partner Two Retail" in text and "Partner One Trading" not in text


def test_a_cobranded_file_of_an_asset_no_longer_shown_answers_404(flyer, partner_one, p1, db):
    p1.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf")
    made = db.session.scalar(sa.select(CobrandedFile))
    flyer = db.session.get(type(flyer), flyer.id)
    flyer.publish_on = None
    db.session.commit()
    assert p1.get(f"{LIBRARY_URL}/cobranded/{made.id}").status_code == 404
    assert p1.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf").status_code == 404


def test_an_asset_that_is_not_cobrandable_has_no_cobranded_pdf(make_asset, p1):
    plain = make_asset(cobrandable=False, cobrand_template=TEMPLATE)
    assert p1.get(f"{LIBRARY_URL}/{plain.id}/cobranded.pdf").status_code == 404
    assert "cobranded.pdf" not in p1.get(f"{LIBRARY_URL}/{plain.id}").get_data(as_text=True)


def test_partner_details_are_printed_as_text_never_as_markup(flyer, partners, p1, tmp_path, db):
    partners["one"].name = "<b>Partner One</b> & Co"
    db.session.commit()
    text = pdf_text(p1.get(f"{LIBRARY_URL}/{flyer.id}/cobranded.pdf").data, tmp_path)
    assert "<b>Partner One</b> & Co" in text


@pytest.mark.parametrize("template, message", [
    ("{{ partner.name.__class__.__mro__ }}", "tries to use something it may not"),
    ("{{ config }}", "Unknown placeholder"),
    ("{{ partner.nmae }}", "Unknown placeholder"),
    ("{% if partner.name %}", "not well formed"),
    ("", "Write the template of the co-branded flyer"),
])
def test_a_template_that_cannot_be_filled_in_is_refused_on_its_field(vendor, make_asset, template, message):
    asset = make_asset()
    response = vendor.post(f"{ADMIN_URL}/{asset.id}/edit", asset_form(cobrandable="y", cobrand_template=template))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'id="cobrand_template-error"' in page
    assert db.session.get(type(asset), asset.id).cobrandable is False


def test_a_template_cannot_fetch_files_or_other_hosts(make_asset, partner_one, p1, tmp_path):
    template = '<img src="file:///etc/passwd"><img src="http://example.com/x.png"><p>{{ partner.name }}</p>'
    asset = make_asset(cobrandable=True, cobrand_template=template)
    response = p1.get(f"{LIBRARY_URL}/{asset.id}/cobranded.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    assert "Partner One Trading" in text and "root:" not in text


def test_a_manager_previews_the_template_with_sample_details(vendor, flyer, tmp_path):
    response = vendor.get(f"{ADMIN_URL}/{flyer.id}/cobrand-preview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    text = pdf_text(response.data, tmp_path)
    assert "Shenzhen Huatong Trading" in text and "欢迎光临" in text
    assert db.session.scalar(sa.select(sa.func.count(CobrandedFile.id))) == 0
    page = vendor.get(f"{ADMIN_URL}/{flyer.id}").get_data(as_text=True)
    assert "cobrand-preview.pdf" in page


def test_a_manager_makes_an_asset_cobrandable_from_the_form(vendor, make_asset):
    asset = make_asset()
    response = vendor.post(f"{ADMIN_URL}/{asset.id}/edit", asset_form(cobrandable="y", cobrand_template=TEMPLATE))
    assert response.status_code == 302
    asset = db.session.get(type(asset), asset.id)
    assert asset.cobrandable and "{{ partner.name }}" in asset.cobrand_template


def test_details_hash_changes_with_the_version_the_template_and_the_details(flyer, partners):
    details = cobrand.partner_details(partners["one"])
    base = cobrand.details_hash(flyer, details)
    assert cobrand.details_hash(flyer, dict(details)) == base
    assert cobrand.details_hash(flyer, {**details, "phone": "1"}) != base
    flyer.cobrand_template = TEMPLATE + " "
    assert cobrand.details_hash(flyer, details) != base
