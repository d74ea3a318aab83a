"""List pages load their rows' related records in a fixed number of queries, however many rows
they show (no query per row)."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.core.audit import acting_as
from portal.extensions import db as _db


@contextmanager
def counted_queries():
    counts = []
    engine = _db.engine

    def count(*_args, **_kw):
        counts.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(client, url):
    with counted_queries() as counts:
        response = client.get(url)
    assert response.status_code == 200
    return len(counts)


@pytest.fixture
def managers_with_territories(make_user, reference_data):
    def make(n, start=0):
        for i in range(start, start + n):
            make_user(f"m{i}@test.example", "manager", [reference_data["GD"], reference_data["ZJ-HZ"]])
    return make


def test_the_user_list_does_not_query_once_per_user(client, people, managers_with_territories):
    client.login("admin@test.example")
    managers_with_territories(3)
    few = queries_for(client, "/admin/users")
    managers_with_territories(15, start=3)
    many = queries_for(client, "/admin/users")
    assert many == few
    assert "m17@test.example" in client.get("/admin/users").get_data(as_text=True)


def test_the_audit_trail_does_not_query_once_per_actor(client, people, make_user, reference_data):
    def changes_by_new_actors(n, start):
        for i in range(start, start + n):
            actor = make_user(f"actor{i}@test.example", "admin")
            with acting_as(actor):
                reference_data["GD"].name_en = f"Guangdong {i}"
                _db.session.commit()

    client.login("admin@test.example")
    changes_by_new_actors(2, 0)
    few = queries_for(client, "/admin/audit?entity=Territory")
    changes_by_new_actors(12, 2)
    many = queries_for(client, "/admin/audit?entity=Territory")
    assert many == few
    assert "Actor13" in client.get("/admin/audit?entity=Territory").get_data(as_text=True)


def test_a_prospects_history_does_not_query_once_per_actor(client, people, make_user, make_prospect):
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"])

    def changes_by_new_actors(n, start):
        for i in range(start, start + n):
            actor = make_user(f"actor{i}@test.example", "admin")
            with acting_as(actor):
                prospect.pitch = f"Pitch {i}"
                _db.session.commit()

    client.login("admin@test.example")
    changes_by_new_actors(2, 0)
    few = queries_for(client, f"/pipeline/prospects/{prospect.id}")
    changes_by_new_actors(12, 2)
    many = queries_for(client, f"/pipeline/prospects/{prospect.id}")
    assert many == few


def test_a_users_history_does_not_query_once_per_actor(client, people, make_user):
    target = people["other_manager"]

    def changes_by_new_actors(n, start):
        for i in range(start, start + n):
            actor = make_user(f"actor{i}@test.example", "admin")
            with acting_as(actor):
                target.name = f"Zhejiang Manager {i}"
                _db.session.commit()

    client.login("admin@test.example")
    changes_by_new_actors(2, 0)
    few = queries_for(client, f"/admin/users/{target.id}")
    changes_by_new_actors(12, 2)
    many = queries_for(client, f"/admin/users/{target.id}")
    assert many == few
