"""The foundation: schema from migrations, languages, sign-in, tokens, CSRF, rate limits, audit."""
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_babel import force_locale

from portal import create_app
from portal.accounts.models import User
from portal.accounts.tokens import make_token
from portal.core.audit import AuditLog
from portal.extensions import db as _db
from portal.recruitment.models import STAGE_LABELS

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_migrations_have_a_single_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}"


def test_models_and_migrations_agree(app):
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, _db.metadata)
    assert diff == [], f"models differ from the migrated schema; run `flask db migrate`: {diff}"


@pytest.mark.parametrize("header", ["zh", "zh-CN", "zh-Hans-CN", "zh-Hans", "zh-CN,zh;q=0.9,en;q=0.8"])
def test_chinese_browsers_get_chinese_pages(make_client, header):
    page = make_client({"Accept-Language": header}).get("/login").get_data(as_text=True)
    with force_locale("zh_CN"):
        from flask_babel import gettext

        expected = gettext("Forgot your password?")
    assert expected != "Forgot your password?", "the zh_CN catalogue is not compiled or lacks this string"
    assert expected in page
    assert '<html lang="zh-CN">' in page


def test_english_browsers_get_english_pages(make_client):
    page = make_client({"Accept-Language": "en-GB,en;q=0.9"}).get("/login").get_data(as_text=True)
    assert "Forgot your password?" in page and '<html lang="en">' in page


def test_a_user_can_choose_the_language_and_it_sticks(client, people, db):
    client.login("gd.manager@test.example")
    client.post("/language", {"locale": "zh_CN", "next": "/account"})
    assert db.session.get(User, people["manager"].id).locale == "zh_CN"
    with force_locale("zh_CN"):
        expected = str(STAGE_LABELS["new"])
    assert expected in client.get("/pipeline/board").get_data(as_text=True)


def test_times_are_shown_in_the_users_time_zone(client, people, make_prospect, db):
    from datetime import datetime, timezone

    prospect = make_prospect(owner=people["manager"])
    prospect.stage_changed_at = datetime(2026, 1, 1, 20, 0, tzinfo=timezone.utc)  # 04:00 on 2 Jan in Shanghai
    db.session.commit()
    client.login("gd.manager@test.example")
    page = client.get(f"/pipeline/prospects/{prospect.id}").get_data(as_text=True)
    assert "1/2/26, 4:00" in page


def test_sign_in_is_required_unless_a_route_is_public(client):
    response = client.get("/pipeline/prospects")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_wrong_password_gives_one_clear_message(client, people):
    response = client.post("/login", {"email": "gd.manager@test.example", "password": "wrong"})
    assert response.status_code == 200
    assert "The e-mail address or the password is not right." in response.get_data(as_text=True)


def test_forms_refuse_a_missing_csrf_token(client, people):
    response = client.post("/login", {"email": "gd.manager@test.example", "password": "correct-horse-battery"}, csrf=False)
    assert response.status_code == 400


def test_deactivating_a_user_ends_their_sessions(client, make_client, people, db):
    victim = make_client()
    victim.login("gd.manager@test.example")
    assert victim.get("/pipeline/").status_code == 200
    client.login("admin@test.example")
    client.post(f"/admin/users/{people['manager'].id}/active", {"active": "0"})
    assert victim.get("/pipeline/").status_code == 302  # signed out
    again = make_client().post("/login", {"email": "gd.manager@test.example", "password": "correct-horse-battery"})
    assert again.status_code == 200  # cannot sign in
    changes = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type == "User", AuditLog.field == "active")).all()
    assert [(c.old_value, c.new_value, c.actor_id) for c in changes] == [("True", "False", people["admin"].id)]


def test_password_link_sets_the_password_once(client, make_client, people, db):
    user = people["applicant"]
    token = make_token(user, "set-password")
    assert client.get(f"/password/set/{token}").status_code == 200
    response = client.post(f"/password/set/{token}", {"password": "a-new-password-1", "confirm": "a-new-password-1"})
    assert response.status_code == 302
    make_client().login("applicant1@test.example", "a-new-password-1")
    reused = make_client().get(f"/password/set/{token}")
    assert reused.status_code == 400 and "already been used" in reused.get_data(as_text=True)


def test_password_link_expires_after_48_hours(app, client, people, monkeypatch):
    token = make_token(people["applicant"], "reset-password")
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 48 * 3600 + 60)
    response = client.get(f"/password/set/{token}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_forgot_password_answers_the_same_for_unknown_addresses(client, people, outbox):
    known = client.post("/password/forgot", {"email": "gd.manager@test.example"}, follow_redirects=True)
    unknown = client.post("/password/forgot", {"email": "nobody@test.example"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert [m.to for m in outbox] == [["gd.manager@test.example"]]


def test_admin_invites_a_manager_who_receives_a_link(client, people, reference_data, outbox, db):
    client.login("admin@test.example")
    response = client.post("/admin/users/invite", {"email": "New.Manager@Test.example", "name": "新经理", "role": "manager",
                                                   "territories": [str(reference_data["ZJ"].id)], "locale": "zh_CN"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.manager@test.example"))
    assert user.role == "manager" and [t.code for t in user.territories] == ["ZJ"]
    assert "/password/set/" in outbox[-1].body
    duplicate = client.post("/admin/users/invite", {"email": "new.manager@test.example", "name": "x", "role": "admin",
                                                    "locale": "en"})
    assert duplicate.status_code == 200 and "already exists" in duplicate.get_data(as_text=True)


def test_changes_to_territories_and_reference_lists_are_audited(client, people, reference_data, db):
    client.login("admin@test.example")
    social = reference_data["social"]
    client.post(f"/admin/lists/channel-types/{social.id}", {"code": "social", "name_en": "Social agents",
                                                            "name_zh": "社会渠道代理", "position": "1", "active": "y"})
    gd = reference_data["GD"]
    client.post(f"/admin/territories/{gd.id}", {"code": "GD", "name_en": "Guangdong Province", "name_zh": "广东省",
                                                "parent_id": "0", "managers": [str(people["manager"].id)], "active": "y"})
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.field.in_(["name_en", "name_zh"]))).all()
    assert {(r.entity_type, r.old_value, r.new_value) for r in rows} == {
        ("ChannelType", "Social channel", "Social agents"), ("ChannelType", "社会渠道", "社会渠道代理"),
        ("Territory", "Guangdong", "Guangdong Province"), ("Territory", "广东", "广东省"),
    }
    assert all(r.actor_id == people["admin"].id for r in rows)


def test_a_duplicate_reference_code_is_a_field_error(client, people, reference_data):
    client.login("admin@test.example")
    response = client.post("/admin/lists/channel-types/new", {"code": "social", "name_en": "X", "name_zh": "X", "position": "0"})
    assert response.status_code == 200
    assert "This code is already used." in response.get_data(as_text=True)


def test_not_found_page_helps_and_json_clients_get_json(client, people):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "Go to the home page" in page.get_data(as_text=True)
    api = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.get_json()["error"] == "Page not found"


def test_sign_in_is_rate_limited(tmp_path):
    app = create_app("testing", {"RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "3 per minute",
                                 "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.sqlite3'}",
                                 "UPLOAD_DIR": str(tmp_path / "u"), "MAIL_FILE_PATH": str(tmp_path / "o")})
    with app.app_context():
        _db.create_all()  # a throwaway database: only the limiter is under test here
    client = app.test_client()
    codes = [client.post("/login", data={"email": "x@example.com", "password": "y"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Too many attempts" in client.post("/login", data={"email": "x@example.com", "password": "y"}).get_data(as_text=True)


def test_rate_limits_hold_across_workers_with_redis(tmp_path):
    """Production keeps limits in Redis so that every worker shares them: two app instances
    (as two gunicorn workers would be) count against the same limit."""
    redis = pytest.importorskip("redis")
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise  # CI machines run Redis: a missing server is a failure there, not a skip
        pytest.skip("no Redis on 127.0.0.1:6379")
    import uuid

    prefix = f"portal-test-{uuid.uuid4().hex}"
    settings = {"RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "2 per minute",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "RATELIMIT_KEY_PREFIX": prefix,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.sqlite3'}",
                "UPLOAD_DIR": str(tmp_path / "u"), "MAIL_FILE_PATH": str(tmp_path / "o")}
    worker_a, worker_b = create_app("testing", settings), create_app("testing", settings)
    with worker_a.app_context():
        _db.create_all()
    try:
        codes = [worker.test_client().post("/login", data={"email": "x@example.com", "password": "y"}).status_code
                 for worker in (worker_a, worker_b, worker_a)]
        assert codes == [200, 200, 429]
        assert list(server.scan_iter(f"*{prefix}*")), "the limit was not counted in Redis"
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)


def test_create_admin_command_makes_an_admin_who_can_sign_in(app, make_client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "Boss@Example.com", "--name", "Boss",
                                 "--password", "long-enough-pass"])
    assert "Administrator boss@example.com created." in result.output
    client = make_client()
    client.login("boss@example.com", "long-enough-pass")
    assert client.get("/admin/users").status_code == 200
    again = runner.invoke(args=["create-admin", "--email", "boss@example.com", "--name", "B", "--password", "long-enough-pass"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["create-admin", "--email", "x@example.com", "--name", "X", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output


def test_behind_a_trusted_proxy_the_client_address_is_recorded(tmp_path, make_user, db):
    """Signatures and audit rows keep the client's IP: behind nginx that comes from
    X-Forwarded-For, trusted only when PORTAL_TRUSTED_PROXIES says a proxy is there."""
    make_user("gd@test.example", "manager")
    from portal.core.audit import AuditLog

    for hops, expected in ((0, "127.0.0.1"), (1, "203.0.113.9")):
        app = create_app("testing", {"TRUSTED_PROXIES": hops, "WTF_CSRF_ENABLED": False,
                                     "SQLALCHEMY_DATABASE_URI": _db.engine.url.render_as_string(hide_password=False),
                                     "UPLOAD_DIR": str(tmp_path / "u"), "MAIL_FILE_PATH": str(tmp_path / "o")})
        client = app.test_client()
        client.post("/login", data={"email": "gd@test.example", "password": "correct-horse-battery"},
                    headers={"X-Forwarded-For": "203.0.113.9"})
        client.post("/account", data={"name": f"Renamed {hops}", "locale": "en", "timezone": "Asia/Shanghai"},
                    headers={"X-Forwarded-For": "203.0.113.9"})
        _db.session.expire_all()
        row = _db.session.scalar(sa.select(AuditLog).where(AuditLog.new_value == f"Renamed {hops}"))
        assert row is not None and row.ip_address == expected


def test_an_id_too_large_for_the_database_is_not_found(client, people, partners):
    client.login("admin@test.example")
    assert client.get("/partners/99999999999/deposit").status_code == 404
    assert client.get("/partners/2147483648").status_code == 404
    assert client.get(f"/partners/{partners['one'].id}").status_code == 200
