"""Every inspection page, with data, empty and with form errors, is valid HTML (Nu validator),
and the pages speak Chinese to a Chinese reader's bilingual records."""
from datetime import timedelta

import sqlalchemy as sa

from portal.core.i18n import business_today
from portal.inspections import services
from tests.html_validity import assert_valid_html
from tests.inspections.conftest import GD_MANAGER, P1_ADMIN, items_of, photo, text


def test_inspection_pages_are_valid_html(login, inspect, cast, checklist, db, tmp_path):
    from portal.accounts.models import User

    inspection = inspect(photos=[photo()], notes="Busy.\nTwo clerks.")
    mystery = inspect(outlet=cast["nanshan"], kind="mystery", marks=(1, 1, 1))
    order = services.rectifications_of(inspection)[0]
    admin = db.session.scalar(sa.select(User).where(User.email == P1_ADMIN))
    services.answer_rectification(order, admin, cast["one"], "Posters up.", photos=[photo()])
    services.reinspect(order, cast["manager"], business_today(), "8", decision_note="Fine.")
    open_order = services.rectifications_of(mystery)[0]
    open_order.deadline = business_today() - timedelta(days=1)
    db.session.commit()
    reinspection = services.reinspections_of(order)[0]
    item = items_of(checklist)[0]
    vendor, partner = login(GD_MANAGER), login(P1_ADMIN)
    new = f"/inspections/new?outlet={cast['futian'].id}&checklist={checklist.id}"
    pages = {name: vendor.get(url) for name, url in {
        "index": "/inspections/", "index-empty": "/inspections/?kind=mystery&from=2001-01-01&to=2001-01-02",
        "orders": "/inspections/rectifications", "orders-empty": "/inspections/rectifications?status=escalated",
        "choose": "/inspections/new", "new": new, "inspection": f"/inspections/{inspection.id}",
        "reinspection": f"/inspections/{reinspection.id}", "order-closed": f"/inspections/rectifications/{order.id}",
        "order-open-overdue": f"/inspections/rectifications/{open_order.id}",
        "checklists": "/inspections/checklists", "checklist": f"/inspections/checklists/{checklist.id}",
        "checklist-new": "/inspections/checklists/new",
        "checklist-edit": f"/inspections/checklists/{checklist.id}/edit",
        "item-new": f"/inspections/checklists/{checklist.id}/items/new",
        "item-edit": f"/inspections/checklists/{checklist.id}/items/{item.id}",
    }.items()}
    pages.update({f"partner-{name}": partner.get(url) for name, url in {
        "index": "/partner/inspections/", "orders": "/partner/inspections/rectifications",
        "inspection": f"/partner/inspections/{mystery.id}",
        "order-closed": f"/partner/inspections/rectifications/{order.id}",
        "order-open": f"/partner/inspections/rectifications/{open_order.id}",
    }.items()})
    pages["new-errors"] = vendor.post(new, {"kind": "x", "inspected_on": "2999-01-01", f"score_{item.id}": "99"})
    pages["choose-error"] = vendor.get("/inspections/new?outlet=&checklist=")
    pages["item-errors"] = vendor.post(f"/inspections/checklists/{checklist.id}/items/new", {"max_score": "x"})
    pages["answer-errors"] = partner.post(f"/partner/inspections/rectifications/{open_order.id}/answer", {"answer": ""})
    pages["escalate-errors"] = vendor.post(f"/inspections/rectifications/{open_order.id}/escalation", {})
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
    assert_valid_html(pages, tmp_path)


def test_a_chinese_reader_sees_the_checklist_in_chinese(login, inspect, cast, db):
    inspection = inspect()
    client = login(P1_ADMIN)
    client.post("/language", {"locale": "zh_CN"})
    page = text(client.get(f"/partner/inspections/{inspection.id}"))
    assert "宣传品摆放" in page and "网点标准" in page and "Publicity materials displayed" not in page


def test_list_pages_do_not_query_once_per_row(login, inspect, cast):
    from tests.test_list_queries import queries_for

    vendor, partner = login(GD_MANAGER), login(P1_ADMIN)
    urls = {vendor: ["/inspections/", "/inspections/rectifications"],
            partner: ["/partner/inspections/", "/partner/inspections/rectifications"]}
    inspect()
    inspect(outlet=cast["nanshan"], kind="mystery")
    few = {url: queries_for(client, url) for client, list_ in urls.items() for url in list_}
    for _ in range(4):
        inspect(marks=(0, 0, 0))
    many = {url: queries_for(client, url) for client, list_ in urls.items() for url in list_}
    assert many == few
