"""Policies and news: managers write and publish them to chosen partners, partners read and
acknowledge them, managers see who has read what."""
import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template

from portal.core.audit import AuditLog
from portal.core.i18n import business_today
from portal.core.models import utcnow
from portal.extensions import db
from portal.marketing import announcement_services as services
from portal.marketing.models import Announcement, AnnouncementAck, Audience
from portal.notifications.models import Notification
from portal.partners.models import Partner

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def body(response):
    return response.get_data(as_text=True)


def make_announcement(title, partners=(), territories=(), published=True, expires_on=None, kind="policy",
                      requires_ack=True, published_at=None):
    a = Announcement(kind=kind, title=title, body=f"<p>About {title}.</p>", requires_ack=requires_ack,
                     audience=Audience(partners=list(partners), territories=list(territories)),
                     published_at=(published_at or utcnow()) if published else None, expires_on=expires_on)
    db.session.add(a)
    db.session.commit()
    return a


def form(**overrides):
    data = {"title": "Spring price policy", "kind": "policy", "body": "<p>New prices from 1 March.</p>",
            "language": "", "requires_ack": "y"}
    data.update(overrides)
    return data


@pytest.fixture
def guangzhou_partner(people, reference_data):
    """A third partner, in Guangzhou, looked after by the Guangdong manager, with one person."""
    from portal.accounts.services import create_user

    p = Partner(name="Guangzhou Pearl Mobile", status="active", province_id=reference_data["GD"].id,
                city_id=reference_data["GD-GZ"].id, channel_type_id=reference_data["social"].id,
                manager_id=people["manager"].id)
    p.territories = [reference_data["GD-GZ"]]
    db.session.add(p)
    db.session.flush()
    user = create_user("gz.admin@test.example", "Gz Admin", "partner_admin", locale="en",
                       password="correct-horse-battery")
    user.partner_id = p.id
    db.session.commit()
    return p


# ---- writing and publishing -----------------------------------------------------------------------


def test_a_manager_writes_a_draft_and_publishing_notifies_the_people_of_the_partners_reached(
        client, partners, outbox):
    client.login("gd.manager@test.example")
    response = client.post("/marketing/announcements/new",
                           form(audience_partners=[str(partners["one"].id)],
                                attachment=(io.BytesIO(PDF), "prices.pdf")))
    assert response.status_code == 302
    a = db.session.scalar(sa.select(Announcement))
    assert a.published_at is None and a.attachment.content_type == "application/pdf"
    assert [p.name for p in a.audience.partners] == ["Partner One Trading"]
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0  # a draft tells nobody

    response = client.post(f"/marketing/announcements/{a.id}/publish")
    assert response.status_code == 302
    assert "2 people of the partners it is meant for were notified" in body(client.get(response.headers["Location"]))
    assert a.published_at is not None
    notified = db.session.scalars(sa.select(Notification).order_by(Notification.user_id)).all()
    assert {n.user.email for n in notified} == {"p1.admin@test.example", "p1.staff@test.example"}
    assert {n.kind for n in notified} == {"policy_published_ack"}
    assert all(n.link == f"/partner/marketing/announcements/{a.id}" for n in notified)
    assert sorted(m.to[0] for m in outbox) == ["p1.admin@test.example", "p1.staff@test.example"]
    assert "Spring price policy" in outbox[0].subject


def test_publishing_twice_is_refused_and_notifies_nobody_again(client, partners):
    a = make_announcement("Draft", partners=[partners["one"]], published=False)
    client.login("gd.manager@test.example")
    client.post(f"/marketing/announcements/{a.id}/publish")
    response = client.post(f"/marketing/announcements/{a.id}/publish")
    assert "already published" in body(client.get(response.headers["Location"]))
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 2


def test_the_body_is_sanitised_and_the_audience_saved(client, partners, reference_data):
    client.login("gd.manager@test.example")
    client.post("/marketing/announcements/new", form(
        body='<p onclick="x()">Hello <script>alert(1)</script><a href="javascript:evil()">link</a></p>',
        audience_channel_types=[str(reference_data["social"].id)],
        audience_territories=[str(reference_data["GD"].id)], kind="news", language="zh_CN"))
    a = db.session.scalar(sa.select(Announcement))
    assert "script" not in a.body and "onclick" not in a.body and "javascript" not in a.body
    assert "Hello" in a.body
    assert a.kind == "news" and a.language == "zh_CN" and a.requires_ack
    assert [c.code for c in a.audience.channel_types] == ["social"]
    assert [t.code for t in a.audience.territories] == ["GD"]


def test_bad_input_is_shown_next_to_each_field(client, partners):
    client.login("gd.manager@test.example")
    response = client.post("/marketing/announcements/new", form(
        title="  ", body="<p> </p>", kind="", attachment=(io.BytesIO(PNG), "prices.pdf"),
        expires_on=(business_today() - timedelta(days=1)).isoformat()))
    page = body(response)
    assert response.status_code == 400
    assert 'id="title-error"' in page and "Enter a title." in page
    assert 'id="body-error"' in page and "Write the text partners will read." in page
    assert 'id="kind-error"' in page
    assert 'id="attachment-error"' in page and "This file is not a PDF file." in page
    assert 'id="expires_on-error"' in page and "The expiry date is in the past." in page
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0


def test_a_wrong_attachment_alone_is_a_field_error(client, partners):
    client.login("gd.manager@test.example")
    response = client.post("/marketing/announcements/new", form(attachment=(io.BytesIO(b"just text"), "a.pdf")))
    assert response.status_code == 400
    assert "This file is not a PDF file. Please attach a PDF file." in body(response)
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0


def test_an_attachment_over_the_limit_is_a_field_error(client, partners, monkeypatch):
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 16)
    client.login("gd.manager@test.example")
    response = client.post("/marketing/announcements/new", form(attachment=(io.BytesIO(PDF), "big.pdf")))
    assert response.status_code == 400
    assert 'id="attachment-error"' in body(response) and "The file is larger than 16 B." in body(response)
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0


def test_a_date_that_is_not_a_date_is_a_field_error(client, partners):
    client.login("gd.manager@test.example")
    response = client.post("/marketing/announcements/new", form(expires_on="31/02/2026"))
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in body(response)


def test_a_manager_may_name_only_partners_they_look_after(client, partners):
    client.login("gd.manager@test.example")
    page = body(client.get("/marketing/announcements/new"))
    assert "Partner One Trading" in page and "Partner Two Retail" not in page
    response = client.post("/marketing/announcements/new", form(audience_partners=[str(partners["two"].id)]))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0


def test_editing_keeps_partners_named_by_another_manager(client, partners):
    a = make_announcement("For both", partners=[partners["one"], partners["two"]], published=False)
    client.login("gd.manager@test.example")
    response = client.post(f"/marketing/announcements/{a.id}/edit", form(
        title="For both, corrected", audience_partners=[str(partners["one"].id)]))
    assert response.status_code == 302
    assert {p.name for p in a.audience.partners} == {"Partner One Trading", "Partner Two Retail"}


def test_editing_a_published_announcement_is_recorded_and_reaches_new_partners(client, partners, outbox):
    a = make_announcement("Price list", partners=[partners["one"]])
    client.login("gd.manager@test.example")
    response = client.post(f"/marketing/announcements/{a.id}/edit", form(
        title="Price list", body="<p>Corrected prices.</p>", audience_partners=[str(partners["one"].id)],
        attachment=(io.BytesIO(PDF), "new.pdf")))
    assert response.status_code == 302
    changes = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type == "Announcement",
                                                            AuditLog.entity_id == str(a.id),
                                                            AuditLog.action == "update")).all()
    by_field = {c.field: c for c in changes}
    assert by_field["body"].old_value == "<p>About Price list.</p>"
    assert by_field["body"].new_value == "<p>Corrected prices.</p>"
    assert "attachment_id" in by_field
    assert by_field["body"].actor.email == "gd.manager@test.example"
    page = body(client.get(f"/marketing/announcements/{a.id}"))
    assert "Changes since it was published" in page

    # The admin widens the audience to Partner Two: only Two's people are notified.
    outbox.clear()
    admin = client.__class__(client.app)
    admin.login("admin@test.example")
    admin.post(f"/marketing/announcements/{a.id}/edit", form(
        title="Price list", body="<p>Corrected prices.</p>",
        audience_partners=[str(partners["one"].id), str(partners["two"].id)]))
    assert [m.to[0] for m in outbox] == ["p2.admin@test.example"]
    audience_change = db.session.scalar(sa.select(AuditLog).where(AuditLog.field == "audience"))
    assert "Partner Two Retail" in audience_change.new_value
    assert "Partner Two Retail" not in audience_change.old_value


def test_withdrawing_hides_it_from_partners_and_keeps_the_acknowledgements(client, make_client, partners):
    a = make_announcement("Summer promotion", partners=[partners["one"]])
    reader = make_client()
    reader.login("p1.admin@test.example")
    reader.post(f"/partner/marketing/announcements/{a.id}/acknowledge")
    client.login("gd.manager@test.example")
    page = body(client.get(f"/marketing/announcements/{a.id}"))
    assert 'data-confirm="Withdraw' in page
    client.post(f"/marketing/announcements/{a.id}/withdraw")
    assert a.published_at is None
    assert reader.get(f"/partner/marketing/announcements/{a.id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(AnnouncementAck.id))) == 1


# ---- what partners see ------------------------------------------------------------------------------


def test_a_partner_sees_only_published_unexpired_announcements_meant_for_it(client, partners, reference_data):
    make_announcement("For everyone")
    make_announcement("For One by name", partners=[partners["one"]])
    make_announcement("For Guangdong", territories=[reference_data["GD"]])
    make_announcement("For Two by name", partners=[partners["two"]])
    make_announcement("For Zhejiang", territories=[reference_data["ZJ"]])
    make_announcement("Still a draft", published=False)
    make_announcement("Expired yesterday", expires_on=business_today() - timedelta(days=1))
    make_announcement("Last day today", expires_on=business_today())
    client.login("p1.staff@test.example")
    page = body(client.get("/partner/marketing/announcements/"))
    for title in ("For everyone", "For One by name", "For Guangdong", "Last day today"):
        assert title in page
    for title in ("For Two by name", "For Zhejiang", "Still a draft", "Expired yesterday"):
        assert title not in page


def test_another_audiences_a_draft_or_an_expired_announcement_answers_404(client, partners):
    others = make_announcement("For Two", partners=[partners["two"]])
    draft = make_announcement("Draft", partners=[partners["one"]], published=False)
    expired = make_announcement("Old", partners=[partners["one"]], expires_on=business_today() - timedelta(days=3))
    mine = make_announcement("Mine", partners=[partners["one"]])
    client.login("p1.admin@test.example")
    for a in (others, draft, expired):
        assert client.get(f"/partner/marketing/announcements/{a.id}").status_code == 404
        assert client.post(f"/partner/marketing/announcements/{a.id}/acknowledge").status_code == 404
        assert client.get(f"/partner/marketing/announcements/{a.id}/attachment").status_code == 404
    assert client.get(f"/partner/marketing/announcements/{mine.id}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(AnnouncementAck.id))) == 0


def test_the_list_puts_what_i_have_not_acknowledged_first_and_filters_by_kind(client, partners):
    now = utcnow()
    make_announcement("Old policy", published_at=now - timedelta(days=10))
    make_announcement("Newest news", kind="news", published_at=now - timedelta(days=1))
    read = make_announcement("Read policy", published_at=now)
    client.login("p1.admin@test.example")
    client.get(client.post(f"/partner/marketing/announcements/{read.id}/acknowledge").headers["Location"])
    page = body(client.get("/partner/marketing/announcements/"))
    assert page.index("Newest news") < page.index("Old policy") < page.index("Read policy")
    news = body(client.get("/partner/marketing/announcements/?kind=news"))
    assert "Newest news" in news and "Old policy" not in news


def test_the_list_has_an_empty_state(client, partners):
    client.login("p1.admin@test.example")
    assert "No policy or news for your organisation" in body(client.get("/partner/marketing/announcements/"))


def test_acknowledging_is_recorded_once_per_person(client, make_client, partners):
    a = make_announcement("Commission rules", partners=[partners["one"]])
    client.login("p1.admin@test.example")
    first = client.post(f"/partner/marketing/announcements/{a.id}/acknowledge")
    assert first.status_code == 302
    assert "your manager can see that you have read" in body(client.get(first.headers["Location"]))
    again = client.post(f"/partner/marketing/announcements/{a.id}/acknowledge")
    assert "You had already confirmed" in body(client.get(again.headers["Location"]))
    staff = make_client()
    staff.login("p1.staff@test.example")
    assert "I have read this" in body(staff.get(f"/partner/marketing/announcements/{a.id}"))
    staff.post(f"/partner/marketing/announcements/{a.id}/acknowledge")
    acks = db.session.scalars(sa.select(AnnouncementAck).order_by(AnnouncementAck.id)).all()
    assert [(ack.user.email, ack.partner_id) for ack in acks] == [
        ("p1.admin@test.example", partners["one"].id), ("p1.staff@test.example", partners["one"].id)]
    page = body(client.get(f"/partner/marketing/announcements/{a.id}"))
    assert "You confirmed that you have read it on" in page and "I have read this" not in page


def test_the_attachment_downloads_for_the_partner(client, partners):
    from portal.core.storage import store_bytes

    a = make_announcement("With a PDF", partners=[partners["one"]])
    a.attachment = store_bytes(PDF, "rules.pdf", "application/pdf")
    db.session.commit()
    client.login("p1.staff@test.example")
    response = client.get(f"/partner/marketing/announcements/{a.id}/attachment")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.headers["Content-Disposition"]


# ---- the home page --------------------------------------------------------------------------------


def test_for_home_shows_unacknowledged_first_then_the_latest(partners, people):
    now = utcnow()
    user = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    read_new = make_announcement("Read and newest", published_at=now)
    make_announcement("Unread news", kind="news", requires_ack=False, published_at=now - timedelta(days=5))
    make_announcement("Unread policy", published_at=now - timedelta(days=3))
    make_announcement("Not for us", partners=[partners["two"]])
    services.acknowledge(read_new, user)
    db.session.commit()
    news = services.for_home(partners["one"], user, limit=5)
    assert [i.announcement.title for i in news.items] == ["Unread policy", "Unread news", "Read and newest"]
    assert [i.pending for i in news.items] == [True, True, False]
    assert (news.unread, news.to_acknowledge) == (2, 1)
    assert [i.announcement.title for i in services.for_home(partners["one"], user, limit=1).items] == [
        "Unread policy"]

    html = render_template("marketing/_home_news.html", home_news=news)
    assert "Unread policy" in html and "1 to confirm" in html and "All policies and news" in html
    empty = render_template("marketing/_home_news.html",
                            home_news=services.for_home(partners["two"], partners["two"].users[0]))
    assert "Not for us" in empty
    assert "No policy or news" in render_template("marketing/_home_news.html", home_news=services.HomeNews())


# ---- the managers' statistics -----------------------------------------------------------------------


def test_the_manager_sees_who_has_read_it_and_which_partners_have_not(
        client, make_client, partners, guangzhou_partner, reference_data):
    a = make_announcement("Guangdong policy", territories=[reference_data["GD"]])
    staff = make_client()
    staff.login("p1.staff@test.example")
    staff.post(f"/partner/marketing/announcements/{a.id}/acknowledge")

    client.login("gd.manager@test.example")
    page = body(client.get(f"/marketing/announcements/{a.id}"))
    assert 'data-count="reached">2<' in page and 'data-count="read">1<' in page and 'data-count="unread">1<' in page
    acked = page[page.index('id="acked-title"'):page.index('id="unread-title"')]
    assert "Partner One Trading" in acked and "P1.Staff" in acked
    not_yet = page[page.index('id="unread-title"'):]
    assert "Guangzhou Pearl Mobile" in not_yet and "Partner One Trading" not in not_yet

    rows = list(csv.reader(io.StringIO(client.get(f"/marketing/announcements/{a.id}/reads.csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Partner", "Credit code"]
    by_partner = {r[0]: r for r in rows[1:]}
    assert by_partner["Partner One Trading"][4:7] == ["Yes", "P1.Staff", "p1.staff@test.example"]
    assert by_partner["Guangzhou Pearl Mobile"][4] == "No"

    # The Zhejiang manager looks after none of these partners: nothing of theirs is shown.
    other = make_client()
    other.login("zj.manager@test.example")
    page = body(other.get(f"/marketing/announcements/{a.id}"))
    assert 'data-count="reached">0<' in page and "Partner One Trading" not in page


def test_the_vendor_list_filters_by_kind_state_and_title(client, partners):
    make_announcement("Spring policy")
    make_announcement("Autumn news", kind="news")
    make_announcement("Winter draft", published=False)
    make_announcement("Old policy", expires_on=business_today() - timedelta(days=1))
    client.login("gd.manager@test.example")

    def titles(query):
        page = body(client.get("/marketing/announcements/" + query))
        return {t for t in ("Spring policy", "Autumn news", "Winter draft", "Old policy") if t in page}

    assert titles("") == {"Spring policy", "Autumn news", "Winter draft", "Old policy"}
    assert titles("?kind=news") == {"Autumn news"}
    assert titles("?state=draft") == {"Winter draft"}
    assert titles("?state=published") == {"Spring policy", "Autumn news"}
    assert titles("?state=expired") == {"Old policy"}
    assert titles("?q=policy") == {"Spring policy", "Old policy"}
    assert titles("?q=100%25") == set()
    assert "No announcement matches these filters." in body(client.get("/marketing/announcements/?q=zzz"))
    assert client.get("/marketing/announcements/?page=abc&state=bogus").status_code == 200


def test_the_vendor_list_has_an_empty_state(client, people):
    client.login("gd.manager@test.example")
    assert "No policy or news yet." in body(client.get("/marketing/announcements/"))


def test_pages_are_in_chinese_for_a_chinese_reader(make_client, partners):
    a = make_announcement("价格政策", partners=[partners["one"]])
    zh = make_client({"Accept-Language": "zh-CN"})
    zh.login("p1.admin@test.example")
    response = zh.get(f"/partner/marketing/announcements/{a.id}")
    assert response.status_code == 200 and "价格政策" in body(response)


@pytest.mark.postgres
def test_two_acknowledgements_at_the_same_moment_make_one_row(app, partners):
    import threading

    a = make_announcement("Double click", partners=[partners["one"]])
    user_id = next(u.id for u in partners["one"].users if u.email == "p1.admin@test.example")
    barrier = threading.Barrier(2)
    results = []

    def acknowledge():
        from portal.accounts.models import User

        with app.test_request_context():
            user = db.session.get(User, user_id)
            announcement = db.session.get(Announcement, a.id)
            barrier.wait()
            try:
                ack, created = services.acknowledge(announcement, user)
                db.session.commit()
                results.append((ack.id, created))
            except Exception as error:  # noqa: BLE001  (the test reports it)
                db.session.rollback()
                results.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=acknowledge) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _id, created in results) == [False, True]
    assert len({ack_id for ack_id, _created in results}) == 1
    assert db.session.scalar(sa.select(sa.func.count(AnnouncementAck.id))) == 1
