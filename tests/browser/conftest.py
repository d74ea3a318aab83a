"""Browser tests: the test app served by a live server in a thread, driven by headless Chromium.

The live server runs the session's `app` (tests/conftest.py), so it reads and writes the same
database as the test: the per-test `db` fixture cleans the tables after each test, and data
built with the builder fixtures is visible to the browser once committed.

Playwright cannot download its own browser here: it launches the system Chromium with the
flags from /work/shared/PLATFORM.md (the network is closed).
"""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENS = Path(os.environ.get("PORTAL_SCREENSHOTS", "/tmp/portal-screens"))


BROWSER_FIXTURES = {"page", "context", "new_context", "browser"}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    # `make test` installs Chromium; under CI a missing browser must fail loudly, not skip.
    missing = not Path(CHROMIUM).exists() and not os.environ.get("CI")
    for item in items:
        if here not in Path(str(item.fspath)).parents:
            continue
        item.add_marker(pytest.mark.browser)
        if missing and BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (set PORTAL_CHROMIUM)"))


class QuietRequestHandler(WSGIRequestHandler):
    """Log only failed requests, so that a failing test's output shows what matters."""

    def log_request(self, code="-", size="-"):
        if str(code).isdigit() and int(code) >= 400 and str(code) != "404":
            super().log_request(code, size)


@pytest.fixture(scope="session")
def live_server(app):
    """The test app on 127.0.0.1 with a free port, in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright gives every context this base URL, so `page.goto("/apply")` works."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def sign_in():
    """Sign in through the login form, as a person would; returns the page after the redirect."""

    def _sign_in(page, email, password=PASSWORD):
        page.goto("/login")
        form = page.locator("main form")
        form.locator("#email").fill(email)
        form.locator("#password").fill(password)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert "/login" not in page.url, f"sign-in failed for {email}: still on {page.url}"
        return page

    return _sign_in


@pytest.fixture(scope="session")
def screens():
    """Screenshots for a person to look at, outside the repository."""
    SCREENS.mkdir(parents=True, exist_ok=True)

    def shot(page, name, full_page=True):
        page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=full_page)

    return shot


def minimal_pdf(text="Business licence"):
    """A small but valid one-page PDF (correct xref offsets), as bytes."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
