"""Access decisions for the exits pages (merged into tests/test_access.py)."""
from tests.access import *  # noqa: F401,F403

ROUTES = {}


def build(people, partners, reference_data, world):
    return {}
