"""The asset lists (the vendor's, the partner's library and "new for you" on the partner's home
page) load each asset's current file with the list, not one query per asset."""
from sqlalchemy import event

from portal.extensions import db
from tests.marketing.test_library_support import (  # noqa: F401  (fixtures)
    ADMIN_URL, LIBRARY_URL, make_asset, manager, p1, vendor,
)


def queries_for(client, url):
    counts = []

    def count(*_args, **_kw):
        counts.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(counts)


def test_asset_lists_do_not_query_once_per_asset(make_asset, vendor, p1):
    for n in range(2):
        make_asset(title=f"Flyer {n}", name=f"flyer{n}.pdf")
    pages = ((vendor, ADMIN_URL), (p1, LIBRARY_URL), (p1, "/partner/"))
    few = {url: queries_for(client, url) for client, url in pages}
    for n in range(2, 7):
        make_asset(title=f"Flyer {n}", name=f"flyer{n}.pdf")
    many = {url: queries_for(client, url) for client, url in pages}
    assert many == few
    assert "Flyer 6" in p1.get(LIBRARY_URL).get_data(as_text=True)
