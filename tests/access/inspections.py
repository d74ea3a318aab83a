"""Access decisions for the inspections pages (merged into tests/test_access.py).

The world's Futian Store of Partner One (Shenzhen, Guangdong: the GD manager's) was inspected
against a three-item checklist, with a photo; two items failed: order A is answered (with a
photo), order B is open. Partner One's users and the Guangdong side see them; Partner Two's
admin and the ZJ manager get 404. Checklists are the vendor's: every manager and the admin.
"""
from tests.access import *  # noqa: F401,F403

INSPECTION = "/inspections/{inspection_id}"
ORDER_A = "/inspections/rectifications/{answered_rectification_id}"
OWN_INSPECTION = "/partner/inspections/{inspection_id}"
OWN_ORDER_A = "/partner/inspections/rectifications/{answered_rectification_id}"
CHECKLIST = "/inspections/checklists/{checklist_id}"

ROUTES = {
    # vendor side
    "inspections_admin.index": ("GET", "/inspections/", None, internal()),
    "inspections_admin.rectifications": ("GET", "/inspections/rectifications", None, internal()),
    "inspections_admin.new": ("GET", "/inspections/new?outlet={outlet_id}&checklist={checklist_id}", None,
                              vendor_of_partner_one()),
    "inspections_admin.inspection": ("GET", INSPECTION, None, vendor_of_partner_one()),
    "inspections_admin.photo": ("GET", INSPECTION + "/photos/{inspection_photo_id}", None, vendor_of_partner_one()),
    "inspections_admin.rectification": ("GET", ORDER_A, None, vendor_of_partner_one()),
    "inspections_admin.rectification_photo": ("GET", ORDER_A + "/photos/{rectification_photo_id}", None,
                                              vendor_of_partner_one()),
    "inspections_admin.reinspect": ("POST", ORDER_A + "/reinspection",
                                    {"inspected_on": "{inspection_today}", "score": "9"}, vendor_of_partner_one(302)),
    "inspections_admin.escalate": ("POST", ORDER_A + "/escalation",
                                   {"escalation_note": "The posters are still missing."}, vendor_of_partner_one(302)),
    "inspections_admin.checklists": ("GET", "/inspections/checklists", None, internal()),
    "inspections_admin.new_checklist": ("GET", "/inspections/checklists/new", None, internal()),
    "inspections_admin.checklist": ("GET", CHECKLIST, None, internal()),
    "inspections_admin.edit_checklist": ("GET", CHECKLIST + "/edit", None, internal()),
    "inspections_admin.checklist_active": ("POST", CHECKLIST + "/active", {"active": "0"}, internal(302)),
    "inspections_admin.new_item": ("GET", CHECKLIST + "/items/new", None, internal()),
    "inspections_admin.edit_item": ("GET", CHECKLIST + "/items/{checklist_item_id}", None, internal()),
    "inspections_admin.item_active": ("POST", CHECKLIST + "/items/{checklist_item_id}/active", {"active": "0"},
                                      internal(302)),
    # partner side
    "inspections.index": ("GET", "/partner/inspections/", None, partner_users()),
    "inspections.rectifications": ("GET", "/partner/inspections/rectifications", None, partner_users()),
    "inspections.inspection": ("GET", OWN_INSPECTION, None, own_partner()),
    "inspections.photo": ("GET", OWN_INSPECTION + "/photos/{inspection_photo_id}", None, own_partner()),
    "inspections.rectification": ("GET", OWN_ORDER_A, None, own_partner()),
    "inspections.rectification_photo": ("GET", OWN_ORDER_A + "/photos/{rectification_photo_id}", None, own_partner()),
    "inspections.answer": ("POST", "/partner/inspections/rectifications/{open_rectification_id}/answer",
                           {"answer": "New price tags on every handset."}, own_partner(302)),
}


def build(people, partners, reference_data, world):
    """A checklist of three items; the inspection of the world's Partner One outlet (two items
    failed: order A answered with a photo, order B open), and one of a Partner Two outlet."""
    import io

    from werkzeug.datastructures import FileStorage

    from portal.core.i18n import business_today
    from portal.extensions import db
    from portal.inspections import services
    from portal.partners.models import Outlet

    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

    def photo():
        return FileStorage(stream=io.BytesIO(png), filename="shop.png")

    manager, today = people["manager"], business_today()
    checklist = services.create_checklist({"name_zh": "网点标准", "name_en": "Outlet standard"}, manager)
    for zh, en in (("宣传品摆放", "Publicity materials displayed"), ("明码标价", "Prices shown"), ("服务规范", "Service")):
        services.add_item(checklist, {"text_zh": zh, "text_en": en, "max_score": "10", "pass_score": "6"}, manager)
    outlet = db.session.get(Outlet, world["outlet_id"])
    first, second, third = checklist.items
    inspection = services.record_inspection(
        manager, outlet, checklist, "planned", today,
        {first.id: {"score": "2"}, second.id: {"score": "3"}, third.id: {"score": "9"}}, photos=[photo()],
        notify_users=False)
    order_a, order_b = services.rectifications_of(inspection)
    p1_admin = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    services.answer_rectification(order_a, p1_admin, partners["one"], "New posters are up.", photos=[photo()])
    other_outlet = Outlet(partner_id=partners["two"].id, name="West Lake Store", address="3 Hubin Road",
                          city_id=reference_data["ZJ-HZ"].id, kind="store")
    db.session.add(other_outlet)
    db.session.flush()
    other = services.record_inspection(
        people["other_manager"], other_outlet, checklist, "mystery", today,
        {first.id: {"score": "1"}, second.id: {"score": "9"}, third.id: {"score": "9"}}, notify_users=False)
    db.session.commit()
    return {"checklist_id": checklist.id, "checklist_item_id": first.id, "inspection_id": inspection.id,
            "inspection_photo_id": inspection.photos[0].id, "answered_rectification_id": order_a.id,
            "rectification_photo_id": order_a.photos[0].id, "open_rectification_id": order_b.id,
            "other_inspection_id": other.id, "other_rectification_id": services.rectifications_of(other)[0].id,
            "inspection_today": today.isoformat()}
