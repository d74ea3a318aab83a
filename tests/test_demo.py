"""The demo data gives a newcomer a living portal: accounts that sign in, a full funnel, and each
person seeing what their role and territory promise."""
import re

import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.models import User
from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_data
from portal.recruitment.models import NEGOTIATING, STAGE_LABELS, STAGES, Prospect, StageChange
from portal.reference.models import Territory

NAMED_ACCOUNTS = ("admin@demo.example", "manager@demo.example", "manager2@demo.example",
                  "manager3@demo.example", "manager4@demo.example", "applicant@demo.example")


def _prospect_in(db, province_code, owner_email):
    return db.session.scalar(
        sa.select(Prospect)
        .join(Territory, Prospect.province_id == Territory.id)
        .join(User, Prospect.owner_id == User.id)
        .where(Territory.code == province_code, User.email == owner_email).order_by(Prospect.id).limit(1)
    )


def test_demo_accounts_sign_in_with_the_demo_password(db, client):
    assert load_demo_data() is True
    assert set(NAMED_ACCOUNTS) <= set(DEMO_ACCOUNTS)
    for email in DEMO_ACCOUNTS:
        client.login(email, DEMO_PASSWORD)
        client.logout()


def test_demo_fills_every_stage_of_a_realistic_funnel(db):
    load_demo_data()
    counts = dict(db.session.execute(sa.select(Prospect.stage, sa.func.count()).group_by(Prospect.stage)).all())
    assert 180 <= sum(counts.values()) <= 220
    assert all(counts.get(stage, 0) > 0 for stage in STAGES), counts
    assert counts["new"] > counts["negotiating"] > counts["agreement_sent"]
    # Histories run forwards in time and end where the prospect is.
    for prospect in db.session.scalars(sa.select(Prospect)):
        changes = prospect.stage_changes
        assert changes[0].from_stage is None and changes[-1].to_stage == prospect.stage
        assert [c.created_at for c in changes] == sorted(c.created_at for c in changes)
        assert prospect.stage_changed_at == changes[-1].created_at
    closed = db.session.scalars(sa.select(StageChange).where(StageChange.to_stage.in_(("rejected", "withdrawn"))))
    assert all(change.reason for change in closed)


def test_applicant_sees_their_application_in_negotiation(db, client):
    load_demo_data()
    client.login("applicant@demo.example", DEMO_PASSWORD)
    html = client.get("/my-application").get_data(as_text=True)
    assert "东莞市鑫达通讯器材有限公司" in html
    with force_locale("zh_CN"):  # the applicant's language
        negotiating = str(STAGE_LABELS[NEGOTIATING])
    assert f'aria-current="step">{negotiating}<' in html  # the current step of the progress bar
    assert "王芳" in html  # their channel manager
    assert "6家门店中有几家" in html  # the manager's open question


def test_guangdong_manager_sees_guangdong_prospects_and_not_zhejiang_ones(db, client):
    load_demo_data()
    guangdong = _prospect_in(db, "GD", "manager@demo.example")
    zhejiang = _prospect_in(db, "ZJ", "manager2@demo.example")
    assert guangdong is not None and zhejiang is not None
    gd_link, zj_link = f'href="/pipeline/prospects/{guangdong.id}"', f'href="/pipeline/prospects/{zhejiang.id}"'
    client.login("manager@demo.example", DEMO_PASSWORD)
    listed = client.get("/pipeline/prospects", query_string={"q": guangdong.company_name}).get_data(as_text=True)
    assert gd_link in listed
    listed = client.get("/pipeline/prospects", query_string={"q": zhejiang.company_name}).get_data(as_text=True)
    assert zj_link not in listed
    zj_id = db.session.scalar(sa.select(Territory.id).where(Territory.code == "ZJ"))
    listed = client.get("/pipeline/prospects", query_string={"territory": zj_id}).get_data(as_text=True)
    assert not re.search(r'href="/pipeline/prospects/\d+"', listed)  # not one Zhejiang prospect
    assert client.get(f"/pipeline/prospects/{zhejiang.id}").status_code == 404


def test_unassigned_queue_has_prospects_to_claim(db, client):
    load_demo_data()
    waiting = db.session.scalars(sa.select(Prospect).where(Prospect.owner_id.is_(None)).order_by(Prospect.created_at))
    first = next(iter(waiting), None)
    assert first is not None
    client.login("manager2@demo.example", DEMO_PASSWORD)
    assert first.company_name in client.get("/pipeline/queue").get_data(as_text=True)


def test_loading_again_when_not_empty_adds_nothing(db):
    assert load_demo_data(only_if_empty=True) is True
    before = (db.session.scalar(sa.select(sa.func.count(User.id))),
              db.session.scalar(sa.select(sa.func.count(Prospect.id))))
    assert load_demo_data(only_if_empty=True) is False
    assert load_demo_data() is False  # the demo accounts are there already
    after = (db.session.scalar(sa.select(sa.func.count(User.id))),
             db.session.scalar(sa.select(sa.func.count(Prospect.id))))
    assert after == before
