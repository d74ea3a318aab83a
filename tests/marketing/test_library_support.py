"""Builders shared by the asset library tests (test_library.py, test_uploads.py, test_cobrand.py).
No tests here: the other files import these fixtures and helpers."""
import io
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.core.i18n import business_today
from portal.core.models import StoredFile
from portal.extensions import db
from portal.marketing import library_services as services
from portal.marketing.audience import set_audience

ADMIN_URL = "/marketing/assets"
LIBRARY_URL = "/partner/marketing/library"
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"\x00" * 200


def image_bytes(fmt="PNG", size=(800, 400), colour=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def zip_bytes(*members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in members:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def pptx_bytes():
    return zip_bytes("[Content_Types].xml", "ppt/presentation.xml", "ppt/slides/slide1.xml")


def real_pdf(text="Summer flyer"):
    from portal.core.pdf import render

    return render(f"<h1>{text}</h1><p>{text}</p>")


def pdf_text(data, tmp_path):
    path = Path(tmp_path) / "read.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def upload_files(app):
    """Every file under the upload folder (to prove a refused upload left nothing)."""
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored_count():
    return db.session.scalar(sa.select(sa.func.count(StoredFile.id)))


def file_storage(data, name):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def asset_data(**overrides):
    today = business_today()
    data = {"title": "Summer 5G flyer", "description": "A4 flyer for the summer campaign.", "category": "brochure",
            "tags": "5G, Summer", "language": None, "publish_on": today - timedelta(days=1), "expires_on": None,
            "cobrandable": False, "cobrand_template": None}
    data.update(overrides)
    return data


def asset_form(**overrides):
    """What the new-asset form posts (strings), with a valid file unless told."""
    today = business_today()
    data = {"title": "Summer 5G flyer", "description": "A4 flyer.", "category": "brochure", "tags": "5G, summer",
            "language": "", "publish_on": (today - timedelta(days=1)).isoformat(), "expires_on": "",
            "cobrand_template": ""}
    data.update(overrides)
    return data


@pytest.fixture
def manager(people):
    return people["manager"]


@pytest.fixture
def make_asset(manager, db):
    """An asset made through the service, committed: make_asset(data=..., name=..., territories=[...], ...)."""

    def factory(data=MINIMAL_PDF, name="flyer.pdf", channel_types=(), tiers=(), territories=(), **values):
        asset = services.create_asset(asset_data(**values), file_storage(data, name), manager)
        set_audience(asset.audience, channel_types=channel_types, tiers=tiers, territories=territories)
        db.session.commit()
        return asset

    return factory


@pytest.fixture
def vendor(make_client, people):
    client = make_client()
    client.login("gd.manager@test.example")
    return client


@pytest.fixture
def p1(make_client, partners):
    client = make_client()
    client.login("p1.admin@test.example")
    return client


@pytest.fixture
def p2(make_client, partners):
    client = make_client()
    client.login("p2.admin@test.example")
    return client
