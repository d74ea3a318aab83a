"""A payment sent twice (a double click, the browser's "resend") is recorded once: the same bank
reference for the same partner is refused next to the reference."""
import sqlalchemy as sa

from portal.extensions import db as _db
from portal.results.models import PaymentCollection
from tests.results.test_collections import gd, payment_form  # noqa: F401


def test_the_same_payment_sent_twice_is_recorded_once(gd, partners):
    url = f"/results/collections/{partners['one'].id}"
    assert gd.post(url, payment_form()).status_code == 302
    again = gd.post(url, payment_form())
    assert again.status_code == 400
    assert "A payment with this bank reference is already recorded for this partner." in again.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count(PaymentCollection.id))) == 1
    assert gd.post(url, payment_form(reference="ICBC-2026-002")).status_code == 302
