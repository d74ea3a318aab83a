"""Builders for the inspection tests: outlets of Partner One (Shenzhen) and Partner Two
(Hangzhou), a checklist of three items, inspections recorded through the service, photos."""
import html
import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

P1_ADMIN, P1_STAFF, P2_ADMIN = "p1.admin@test.example", "p1.staff@test.example", "p2.admin@test.example"
GD_MANAGER, ZJ_MANAGER, ADMIN = "gd.manager@test.example", "zj.manager@test.example", "admin@test.example"


def upload(data=PNG, name="shop.png"):
    """A file for a test client's POST."""
    return (io.BytesIO(data), name)


def photo(data=PNG, name="shop.png"):
    """A file as a service receives it from a request."""
    return FileStorage(stream=io.BytesIO(data), filename=name)


def text(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def cast(people, partners, reference_data, db):
    """People, Partner One with two outlets in Shenzhen and Partner Two with one in Hangzhou."""
    from portal.partners.models import Outlet

    futian = Outlet(partner_id=partners["one"].id, name="Futian Store", address="1 Shennan Road",
                    city_id=reference_data["GD-SZ"].id, kind="store")
    nanshan = Outlet(partner_id=partners["one"].id, name="Nanshan Kiosk", address="8 Keyuan Road",
                     city_id=reference_data["GD-SZ"].id, kind="kiosk")
    west_lake = Outlet(partner_id=partners["two"].id, name="West Lake Store", address="3 Hubin Road",
                       city_id=reference_data["ZJ-HZ"].id, kind="store")
    db.session.add_all([futian, nanshan, west_lake])
    db.session.commit()
    return {**people, "one": partners["one"], "two": partners["two"], "futian": futian, "nanshan": nanshan,
            "west_lake": west_lake}


@pytest.fixture
def checklist(cast, db):
    """"Outlet standard": publicity (10, passes from 6), prices shown (10, 6), service (20, 12)."""
    from portal.inspections import services

    manager = cast["manager"]
    checklist = services.create_checklist({"name_zh": "网点标准", "name_en": "Outlet standard"}, manager)
    for zh, en, top, passing in (("宣传品摆放", "Publicity materials displayed", 10, 6),
                                 ("明码标价", "Prices shown", 10, 6),
                                 ("服务规范", "Service standard", 20, 12)):
        services.add_item(checklist, {"text_zh": zh, "text_en": en, "max_score": top, "pass_score": passing},
                          manager)
    db.session.commit()
    return checklist


def items_of(checklist):
    publicity, prices, service = checklist.items
    return publicity, prices, service


@pytest.fixture
def inspect(cast, checklist, db):
    """Record an inspection through the service, committed: ``marks`` are the three items'
    scores (publicity, prices, service), by default publicity fails."""
    from portal.inspections import services

    def factory(outlet=None, marks=(3, 8, 16), kind="planned", inspected_on=None, actor=None, notes=None,
                photos=(), deadline=None, item_notes=None, today=None):
        from portal.core.i18n import business_today

        items = items_of(checklist)
        item_notes = item_notes or {}
        scores = {item.id: {"score": str(mark), "note": item_notes.get(i)} for i, (item, mark) in
                  enumerate(zip(items, marks))}
        inspection = services.record_inspection(
            actor or cast["manager"], outlet or cast["futian"], checklist, kind,
            inspected_on or business_today(), scores, notes=notes, photos=photos, deadline=deadline, today=today)
        db.session.commit()
        return inspection

    return factory


@pytest.fixture
def login(make_client):
    def factory(email):
        client = make_client()
        client.login(email)
        return client

    return factory


def notifications(email, db):
    from portal.accounts.models import User
    from portal.notifications.models import Notification

    user = db.session.scalar(sa.select(User).where(User.email == email))
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def kinds_for(email, db):
    return [n.kind for n in notifications(email, db)]
