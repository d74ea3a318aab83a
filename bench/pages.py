"""Print how long the main pages take with the demo data (about 200 prospects), and how many
SQL queries each runs. Run: .venv/bin/python bench/pages.py [repetitions]

Figures, not a test: compare them before and after a change.
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 20
PAGES = ["/pipeline/", "/pipeline/board", "/pipeline/prospects", "/pipeline/prospects?q=%E6%B7%B1%E5%9C%B3",
         "/pipeline/report", "/pipeline/prospects/export.csv", "/pipeline/prospects/export.xlsx", "{prospect}"]


def main():
    with tempfile.TemporaryDirectory() as root:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{root}/bench.sqlite3",
                                     "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": f"{root}/u", "MAIL_FILE_PATH": f"{root}/o"})
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            from portal.demo import load_demo_data

            started = time.perf_counter()
            load_demo_data()
            print(f"demo data loaded in {time.perf_counter() - started:.2f} s")
            from portal.recruitment.models import Prospect

            prospect_id = db.session.scalar(db.select(Prospect.id).where(Prospect.stage == "negotiating").limit(1))
            queries = {"n": 0}
            event.listen(db.engine, "before_cursor_execute", lambda *a: queries.__setitem__("n", queries["n"] + 1))
        client = app.test_client()
        client.post("/login", data={"email": "manager@demo.example", "password": "demo-pass-2026"})
        print(f"{'page':45} {'median ms':>10} {'p90 ms':>8} {'queries':>8}")
        for page in PAGES:
            url = page.format(prospect=f"/pipeline/prospects/{prospect_id}")
            timings = []
            for _ in range(REPEAT):
                queries["n"] = 0
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            timings.sort()
            p90 = timings[int(len(timings) * 0.9) - 1]
            print(f"{url[:45]:45} {statistics.median(timings):10.1f} {p90:8.1f} {queries['n']:8d}")


if __name__ == "__main__":
    main()
