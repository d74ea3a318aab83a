"""A "next" address sends the user on within the portal, never to another host.

Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so "/<tab>/evil"
and "/\\evil" lead to evil.example although they start with one "/".
"""
from datetime import date

import pytest

from portal.core.urls import local_path
from portal.extensions import db as _db
from portal.recruitment.models import FollowUp

OUTSIDE = ["/\t/evil.example/", "/\n/evil.example/", "/\\evil.example/", "//evil.example/",
           "https://evil.example/", "/ /evil.example"]


def _goes_outside(response):
    location = response.headers.get("Location", "")
    return "evil.example" in location


@pytest.mark.parametrize("target", OUTSIDE)
def test_sign_in_never_sends_the_user_to_another_host(target, client, people):
    response = client.post("/login?next=" + target.replace("\t", "%09").replace("\n", "%0A").replace("\\", "%5C"),
                           {"email": "gd.manager@test.example", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert not _goes_outside(response), response.headers["Location"]


@pytest.mark.parametrize("target", OUTSIDE)
def test_choosing_a_language_never_sends_the_user_to_another_host(target, client):
    response = client.post("/language", {"locale": "en", "next": target})
    assert response.status_code == 302
    assert not _goes_outside(response), response.headers["Location"]


@pytest.mark.parametrize("target", OUTSIDE)
def test_marking_a_follow_up_done_never_sends_the_user_to_another_host(target, client, people, make_prospect):
    prospect = make_prospect("Shenzhen Huatong", "GD-SZ", owner=people["manager"])
    follow_up = FollowUp(prospect=prospect, due_date=date(2026, 1, 5), note="Call", assignee_id=people["manager"].id)
    _db.session.add(follow_up)
    _db.session.commit()
    client.login("gd.manager@test.example")
    response = client.post(f"/pipeline/follow-ups/{follow_up.id}/done", {"next": target})
    assert response.status_code == 302
    assert not _goes_outside(response), response.headers["Location"]


def test_a_next_address_within_the_portal_is_followed(client, people):
    response = client.post("/login?next=/pipeline/prospects%3Fstage%3Dnew",
                           {"email": "gd.manager@test.example", "password": "correct-horse-battery"})
    assert response.headers["Location"].endswith("/pipeline/prospects?stage=new")
    assert local_path("/pipeline/board#new") == "/pipeline/board#new"
