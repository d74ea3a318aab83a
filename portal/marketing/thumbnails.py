"""Thumbnails of library assets: a small PNG of an image, or of the first page of a PDF.

Images are scaled with Pillow; a PDF's first page is drawn by ``pdftoppm`` (poppler-utils) in
a separate process with a time limit. Anything that cannot be drawn (another kind of file, a
damaged file, poppler missing) gets no thumbnail, and the pages show a generic icon instead.
"""
import io
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from portal.core import storage

WIDTH = 320
PDFTOPPM_TIMEOUT = 30  # seconds
log = logging.getLogger(__name__)


def image_png(path, width=WIDTH):
    """A PNG at most ``width`` pixels wide (and 2 × ``width`` high) of the image at ``path``."""
    with Image.open(path) as image:
        image.seek(0)  # the first frame of an animation
        image = ImageOps.exif_transpose(image)
        image.thumbnail((width, width * 2))
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def pdf_png(path, width=WIDTH):
    """A PNG of the first page of the PDF at ``path``, ``width`` pixels wide; None without poppler."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return None
    with tempfile.TemporaryDirectory(prefix="thumb-") as folder:
        target = Path(folder) / "page"
        subprocess.run([pdftoppm, "-png", "-f", "1", "-l", "1", "-scale-to", str(width), "-singlefile",
                        str(path), str(target)], check=True, capture_output=True, timeout=PDFTOPPM_TIMEOUT)
        return (Path(folder) / "page.png").read_bytes()


def png_of(stored):
    """PNG bytes of a thumbnail of ``stored`` (a StoredFile), or None if it has none."""
    path = storage.path_of(stored)
    try:
        if stored.content_type == "application/pdf":
            return pdf_png(path)
        if stored.content_type.startswith("image/"):
            return image_png(path)
    except Exception as error:  # a damaged file, a decompression bomb, poppler failing: no thumbnail
        log.warning("no thumbnail for stored file %s (%s): %r", stored.id, stored.content_type, error)
    return None


def make_thumbnail(stored, uploaded_by=None):
    """Store a thumbnail PNG of ``stored`` and return it (a StoredFile), or None."""
    png = png_of(stored)
    if not png:
        return None
    return storage.store_bytes(png, "thumbnail.png", "image/png", uploaded_by=uploaded_by)
