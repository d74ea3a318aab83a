"""Print how long the portal takes to render a 3-page agreement PDF (warm), compared with
WeasyPrint rendering the same HTML directly, and the process's memory after 100 renders.

Run: .venv/bin/python bench/agreement_render.py [repetitions]

Figures, not a test. Targets: the portal adds at most 20% to WeasyPrint's own time; the
process stays under 200 MB after 100 renders.

"Through the portal" is what generating an agreement costs in rendering: building the HTML
(the template bodies in the sandbox, the layout) with portal.agreements.documents, then
portal.core.pdf.render (the static-only fetcher, and a gc.collect() after each render).
"Directly" is weasyprint.HTML(...).write_pdf() on the same HTML, with WeasyPrint's own
fetcher reading the same stylesheet from the static folder.
"""
import gc
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 15
MANY = 100


def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(freeze=False):
    from pypdf import PdfReader
    from weasyprint import HTML

    from portal import create_app
    from portal.agreements import documents, services
    from portal.core import pdf

    with tempfile.TemporaryDirectory() as root:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{root}/bench.sqlite3",
                                     "UPLOAD_DIR": f"{root}/u", "MAIL_FILE_PATH": f"{root}/o"})
        with app.app_context():
            titles = dict(zip(("en", "zh"), services.DEFAULT_TEMPLATES["distributor"]))
            bodies = {lang: services.default_body("distributor", lang) for lang in ("zh", "en")}

            def build():
                return documents.document_html(
                    number="AG-2026-000042", language="zh", titles=titles, bodies=bodies,
                    issued_on=documents.SAMPLE_TERMS["start_date"], kind="original", previous_number="",
                    party=documents.SAMPLE_PARTY, terms=documents.SAMPLE_TERMS)

            def portal_render():
                return pdf.render(build())

            html = build()
            static = Path(app.static_folder).resolve().as_uri() + "/"

            def direct_render():
                return HTML(string=html, base_url=static).write_pdf()

            started = time.perf_counter()
            first = portal_render()
            pages = len(PdfReader(io.BytesIO(first)).pages)
            direct_pages = len(PdfReader(io.BytesIO(direct_render())).pages)
            if not freeze:
                print(f"first (cold) render through the portal: {time.perf_counter() - started:.2f} s")
                print(f"pages: {pages} through the portal, {direct_pages} directly ({len(first) / 1024:.0f} KB)")
            for _ in range(2):  # warm both paths
                portal_render()
                direct_render()

            def compare(label):
                portal_times, direct_times = [], []
                for _ in range(REPEAT):  # interleaved, so that both see the same machine
                    start = time.perf_counter()
                    portal_render()
                    portal_times.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    direct_render()
                    direct_times.append(time.perf_counter() - start)
                    gc.collect()  # the direct path leaves garbage: do not bill it to the next portal render
                p, d = statistics.median(portal_times), statistics.median(direct_times)
                print(f"{label}: median over {REPEAT}: portal {p * 1000:.0f} ms, WeasyPrint directly {d * 1000:.0f} ms, "
                      f"ratio {p / d:.2f} (the portal adds {(p / d - 1) * 100:+.0f}%; target at most +20%)")

            def memory(label):
                before = rss_mb()
                for _ in range(MANY):
                    portal_render()
                print(f"{label}: RSS {before:.0f} MB before, {rss_mb():.0f} MB after {MANY} renders through the portal "
                      f"(target under 200 MB)")

            if not freeze:
                build_times = []
                for _ in range(REPEAT):
                    start = time.perf_counter()
                    build()
                    build_times.append(time.perf_counter() - start)
                print(f"building the HTML (sandbox + layout): median {statistics.median(build_times) * 1000:.1f} ms")
                start = time.perf_counter()
                gc.collect()
                print(f"one gc.collect() with nothing to free: {(time.perf_counter() - start) * 1000:.0f} ms "
                      f"({len(gc.get_objects())} objects tracked)")
                label = "as the portal is"
            else:
                # core.pdf.render runs gc.collect() after each render (else RSS grows ~5 MB a render).
                # A full collection scans every long-lived object of the process; gc.freeze() once
                # after start-up (as pre-fork servers are advised to) leaves only new objects to scan.
                gc.collect()
                gc.freeze()
                label = f"with gc.freeze() of the {gc.get_freeze_count()} start-up objects"

            before = rss_mb()
            for _ in range(MANY):
                portal_render()
            print(f"{label}: RSS {before:.0f} MB before, {rss_mb():.0f} MB after {MANY} renders through the portal "
                  f"(target under 200 MB)")

            portal_times, direct_times = [], []
            for _ in range(REPEAT):  # interleaved, so that both see the same machine
                start = time.perf_counter()
                portal_render()
                portal_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                direct_render()
                direct_times.append(time.perf_counter() - start)
                gc.collect()  # the direct path leaves garbage: do not bill it to the next portal render
            p, d = statistics.median(portal_times), statistics.median(direct_times)
            print(f"{label}: median over {REPEAT}: portal {p * 1000:.0f} ms, WeasyPrint directly {d * 1000:.0f} ms, "
                  f"ratio {p / d:.2f} (the portal adds {(p / d - 1) * 100:+.0f}%; target at most +20%)")


if __name__ == "__main__":
    if "--freeze" in sys.argv:
        main(freeze=True)
    else:
        main()
        # The same in a fresh process whose start-up objects are frozen (a suggestion for core.pdf).
        subprocess.run([sys.executable, __file__, str(REPEAT), "--freeze"], check=True)
