"""PDF rendering with WeasyPrint — the only module that imports it.

Documents are rendered from HTML that the portal built from plain values. Resources are fetched
by ``StaticOnlyFetcher``: only files under the portal's own ``static/`` folder, addressed
relative to ``STATIC_BASE``; ``file://``, ``http://`` and every other URL is refused, so a
template or a term cannot make the server read a local file or call another host.
"""
import gc
import mimetypes
from pathlib import Path

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A base URL that cannot be reached: relative URLs in documents resolve under it, and the
# fetcher maps it to the static folder.
STATIC_BASE = "https://portal.invalid/static/"

# Latin font first, then the CJK font (the other order makes English quotes full-width).
FONT_STACK = '"DejaVu Sans", "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif'


class RefusedURL(ValueError):
    pass


class StaticOnlyFetcher(URLFetcher):
    def __init__(self, static_folder):
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.static_folder = Path(static_folder).resolve()
        self.refused = []

    def fetch(self, url, headers=None):
        if not url.startswith(STATIC_BASE):
            self.refused.append(url)
            raise RefusedURL(f"only the portal's static files may be used in documents: {url[:100]}")
        relative = url[len(STATIC_BASE):].split("?")[0].split("#")[0]
        path = (self.static_folder / relative).resolve()
        if not path.is_relative_to(self.static_folder) or not path.is_file():
            self.refused.append(url)
            raise RefusedURL(f"no such static file: {relative[:100]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def render(html):
    """Render an HTML string to PDF bytes."""
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    try:
        return HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher).write_pdf()
    finally:
        # WeasyPrint leaves cyclic garbage: without this a process grows ~5 MB per render.
        gc.collect()
