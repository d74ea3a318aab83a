"""Who sees which inspection: a partner only its own outlets', a manager only the partners they
look after; anything else answers 404 (inspections, orders and photos alike)."""
import pytest
import sqlalchemy as sa

from portal.core.i18n import business_today
from portal.inspections import services
from portal.inspections.models import InspectionPhoto, RectificationPhoto
from tests.inspections.conftest import (
    ADMIN, GD_MANAGER, P1_ADMIN, P1_STAFF, P2_ADMIN, ZJ_MANAGER, kinds_for, photo, text,
)


@pytest.fixture
def two_partners(inspect, cast, db):
    """An inspection (with a photo) of Partner One's Futian store by the GD manager, and one of
    Partner Two's West Lake store by the ZJ manager; each opened an order, answered with a photo."""
    from portal.accounts.models import User

    def answered_inspection(outlet, manager, admin_email, partner):
        inspection = inspect(outlet=outlet, actor=manager, photos=[photo()])
        order = services.rectifications_of(inspection)[0]
        admin = db.session.scalar(sa.select(User).where(User.email == admin_email))
        services.answer_rectification(order, admin, partner, "Fixed.", photos=[photo(name="fixed.png")])
        db.session.commit()
        inspection_photo = db.session.scalar(sa.select(InspectionPhoto).where(InspectionPhoto.inspection_id
                                                                              == inspection.id))
        order_photo = db.session.scalar(sa.select(RectificationPhoto).where(RectificationPhoto.rectification_id
                                                                            == order.id))
        return {"inspection": inspection.id, "number": inspection.number, "order": order.id,
                "order_number": order.number, "photo": inspection_photo.id, "order_photo": order_photo.id}

    one = answered_inspection(cast["futian"], cast["manager"], P1_ADMIN, cast["one"])
    two = answered_inspection(cast["west_lake"], cast["other_manager"], P2_ADMIN, cast["two"])
    return {"one": one, "two": two}


def partner_urls(r):
    return [f"/partner/inspections/{r['inspection']}", f"/partner/inspections/{r['inspection']}/photos/{r['photo']}",
            f"/partner/inspections/rectifications/{r['order']}",
            f"/partner/inspections/rectifications/{r['order']}/photos/{r['order_photo']}"]


def vendor_urls(r):
    return [f"/inspections/{r['inspection']}", f"/inspections/{r['inspection']}/photos/{r['photo']}",
            f"/inspections/rectifications/{r['order']}",
            f"/inspections/rectifications/{r['order']}/photos/{r['order_photo']}"]


def test_a_partner_sees_its_own_inspections_and_never_another_partners(login, two_partners):
    one, two = two_partners["one"], two_partners["two"]
    client = login(P1_ADMIN)
    for url in partner_urls(one):
        assert client.get(url).status_code == 200, url
    for url in partner_urls(two):
        assert client.get(url).status_code == 404, url
    listing = text(client.get("/partner/inspections/"))
    assert one["number"] in listing and two["number"] not in listing and "West Lake" not in listing
    orders = text(client.get("/partner/inspections/rectifications"))
    assert one["order_number"] in orders and two["order_number"] not in orders


def test_a_partner_cannot_answer_another_partners_order(login, two_partners, db):
    from portal.inspections.models import Rectification

    two = two_partners["two"]
    response = login(P1_STAFF).post(f"/partner/inspections/rectifications/{two['order']}/answer",
                                    {"answer": "Not ours."})
    assert response.status_code == 404
    assert db.session.get(Rectification, two["order"]).answer == "Fixed."


def test_another_photo_id_under_ones_own_inspection_is_404(login, two_partners):
    one, two = two_partners["one"], two_partners["two"]
    client = login(P1_ADMIN)
    assert client.get(f"/partner/inspections/{one['inspection']}/photos/{two['photo']}").status_code == 404
    assert client.get(f"/partner/inspections/rectifications/{one['order']}/photos/{two['order_photo']}"
                      ).status_code == 404


def test_a_manager_of_another_territory_gets_404(login, two_partners, cast, checklist, db):
    one, two = two_partners["one"], two_partners["two"]
    zj = login(ZJ_MANAGER)
    for url in vendor_urls(one):
        assert zj.get(url).status_code == 404, url
    for url in vendor_urls(two):
        assert zj.get(url).status_code == 200, url
    assert zj.get(f"/inspections/new?outlet={cast['futian'].id}&checklist={checklist.id}").status_code == 404
    assert zj.post(f"/inspections/rectifications/{one['order']}/reinspection",
                   {"inspected_on": business_today().isoformat(), "score": "10"}).status_code == 404
    assert zj.post(f"/inspections/rectifications/{one['order']}/escalation",
                   {"escalation_note": "No."}).status_code == 404
    listing = text(zj.get("/inspections/"))
    assert two["number"] in listing and one["number"] not in listing and "Futian" not in listing
    assert one["order_number"] not in text(zj.get("/inspections/rectifications"))
    choose = text(zj.get("/inspections/new"))
    assert "West Lake Store" in choose and "Futian Store" not in choose


def test_the_gd_manager_sees_only_guangdong_and_the_admin_sees_everything(login, two_partners):
    one, two = two_partners["one"], two_partners["two"]
    gd = login(GD_MANAGER)
    for url in vendor_urls(one):
        assert gd.get(url).status_code == 200, url
    for url in vendor_urls(two):
        assert gd.get(url).status_code == 404, url
    admin = login(ADMIN)
    for url in vendor_urls(one) + vendor_urls(two):
        assert admin.get(url).status_code == 200, url


def test_partner_users_and_the_vendor_keep_to_their_own_side(login, two_partners):
    one = two_partners["one"]
    partner = login(P1_ADMIN)
    for url in vendor_urls(one) + ["/inspections/", "/inspections/checklists", "/inspections/new"]:
        assert partner.get(url).status_code == 403, url
    vendor = login(GD_MANAGER)
    for url in partner_urls(one) + ["/partner/inspections/"]:
        assert vendor.get(url).status_code == 403, url


def test_a_manager_cannot_inspect_an_outlet_of_a_partner_they_do_not_see(cast, checklist, db):
    from portal.core.errors import DomainError

    items = checklist.items
    with pytest.raises(DomainError, match="Choose an outlet of a partner you look after."):
        services.record_inspection(cast["other_manager"], cast["futian"], checklist, "planned", business_today(),
                                   {i.id: {"score": "10"} for i in items})
    assert kinds_for(P1_ADMIN, db) == []
