"""WeasyPrint fetches nothing outside the portal's own static files: not a local file, not another
host, not an attachment — whether the URL comes from a template, from a term, or from raw HTML."""
import http.server
import re
import threading

import pytest
import sqlalchemy as sa

from portal.agreements import services
from portal.agreements.models import AgreementTemplate
from portal.core import pdf, storage
from tests.agreements import lock_terms, page_count, page_text, poppler


@pytest.fixture
def listener():
    """A tiny HTTP server on 127.0.0.1 that counts the requests it receives."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = b"\x89PNG\r\n\x1a\n" if self.path.endswith(".png") else b"p { color: red }"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def payloads(base):
    return (
        '<img src="file:///etc/passwd" alt="local file">'
        f'<img src="{base}/tracker.png" alt="remote image">'
        '<link rel="attachment" href="file:///etc/passwd">'
        f'<link rel="attachment" href="{base}/attached.bin">'
        f'<link rel="stylesheet" href="{base}/evil.css">'
        f'<style>@import url("{base}/imported.css"); @font-face {{ font-family: x; src: url("{base}/font.ttf"); }}'
        f' p.bg {{ background: url("{base}/background.png") }}</style>'
        f'<p class="bg">payload paragraph</p>'
        f'<object data="{base}/object.pdf"></object><embed src="file:///etc/hostname">'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="{base}/svg.png" width="10" height="10"/></svg>'
        '<img src="../../../../../etc/passwd" alt="relative escape">'
        '<img src="https://portal.invalid/static/../../config.py" alt="static escape">'
    )


def assert_nothing_fetched(path, hits):
    assert hits == [], f"the test server was called: {hits}"
    detached = poppler("pdfdetach", path, "-list")
    assert detached.strip() == "0 embedded files", detached
    images = poppler("pdfimages", path, "-list").splitlines()
    assert len(images) == 2, images  # the header lines only: no image at all
    assert "root:x:0:0" not in poppler("pdftotext", path)


@pytest.fixture
def negotiating(people, make_prospect, reference_data, db):
    prospect = make_prospect("Safe Rendering Co", "GD-SZ", owner=people["manager"], stage="negotiating",
                             applicant=people["applicant"], channel_type_id=reference_data["social"].id)
    services.ensure_default_templates()
    db.session.commit()
    return prospect


def test_a_template_cannot_make_the_server_fetch_anything(listener, negotiating, people, db, tmp_path):
    base, hits = listener
    prospect = negotiating
    lock_terms(prospect)
    distributor = db.session.scalar(sa.select(AgreementTemplate).where(AgreementTemplate.code == "distributor"))
    evil = services.save_template(
        code=None, name_en=distributor.name_en, name_zh=distributor.name_zh, actor=people["admin"],
        body_zh=distributor.body_zh + payloads(base), body_en=distributor.body_en + payloads(base), based_on=distributor)
    db.session.commit()
    hits.clear()  # saving renders the bodies to HTML (no PDF): nothing was fetched, but start from zero anyway

    agreement = services.generate_agreement(prospect, evil, "bilingual", people["manager"])
    db.session.commit()
    path = tmp_path / "agreement.pdf"
    path.write_bytes(storage.path_of(agreement.document).read_bytes())
    assert path.read_bytes().startswith(b"%PDF-") and page_count(path) >= 3  # it still renders
    assert "payload paragraph" in poppler("pdftotext", path)
    assert_nothing_fetched(path, hits)
    # the portal's own stylesheet is still used: the running header it defines shows the number
    assert agreement.number in page_text(path, 2)


def test_a_term_cannot_make_the_server_fetch_anything(listener, negotiating, people, db, tmp_path):
    base, hits = listener
    prospect = negotiating
    lock_terms(prospect, special=payloads(base), payment_terms=f'<a href="{base}/pay">pay</a> <img src="{base}/p.png">')
    template = db.session.scalar(sa.select(AgreementTemplate).where(AgreementTemplate.code == "campus-agent"))
    agreement = services.generate_agreement(prospect, template, "en", people["manager"])
    db.session.commit()
    path = tmp_path / "agreement.pdf"
    path.write_bytes(storage.path_of(agreement.document).read_bytes())
    assert_nothing_fetched(path, hits)
    text = re.sub(r"\s+", " ", poppler("pdftotext", path))
    assert '<img src="file:///etc/passwd"' in text  # a term is text, printed as written, never markup


def test_the_renderer_itself_refuses_every_url_but_the_static_files(listener, tmp_path):
    """Raw HTML straight into core.pdf.render, with no escaping in front: the fetcher alone holds."""
    base, hits = listener
    html = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>Raw</p>{payloads(base)}</body></html>"
    path = tmp_path / "raw.pdf"
    path.write_bytes(pdf.render(html))
    assert_nothing_fetched(path, hits)


def test_the_fetcher_serves_the_static_folder_and_nothing_else(app):
    fetcher = pdf.StaticOnlyFetcher(app.static_folder)
    assert b"@page" in fetcher.fetch(pdf.STATIC_BASE + "css/agreement.css").read()
    for url in ("file:///etc/passwd", "http://127.0.0.1:1/", pdf.STATIC_BASE + "../../config.py",
                pdf.STATIC_BASE + "%2e%2e/%2e%2e/config.py", "https://portal.invalid/etc/passwd",
                "data:text/plain,hello", "ftp://127.0.0.1/x"):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
