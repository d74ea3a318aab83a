"""Loading the demo into an empty database, and again (tests/test_demo.py reads one shared load)."""
import sqlalchemy as sa

from portal.accounts.models import User
from portal.demo import load_demo_data
from portal.recruitment.models import Prospect


def test_the_demo_loads_into_an_empty_database_once_and_loading_again_adds_nothing(db):
    assert load_demo_data(only_if_empty=True) is True
    before = (db.session.scalar(sa.select(sa.func.count(User.id))),
              db.session.scalar(sa.select(sa.func.count(Prospect.id))))
    assert load_demo_data(only_if_empty=True) is False
    assert load_demo_data() is False  # the demo accounts are there already
    after = (db.session.scalar(sa.select(sa.func.count(User.id))),
             db.session.scalar(sa.select(sa.func.count(Prospect.id))))
    assert after == before
