"""Checklists: bilingual names and items, scores checked, order, and history kept (items and
checklists are deactivated, never deleted; a scored item keeps its scale)."""
import re

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.errors import ValidationError
from portal.inspections import services
from portal.inspections.models import ChecklistItem, InspectionChecklist
from tests.inspections.conftest import GD_MANAGER, ZJ_MANAGER, items_of, text


def error_of(page, field_id):
    match = re.search(rf'id="{field_id}-error">([^<]*)<', page)
    return match.group(1).strip() if match else None


def test_a_manager_creates_a_checklist_and_adds_items_in_both_languages(login, cast, db):
    client = login(GD_MANAGER)
    assert "No checklist yet." in text(client.get("/inspections/checklists"))
    response = client.post("/inspections/checklists/new", {"name_zh": "营业厅检查", "name_en": "Store visit"})
    assert response.status_code == 302
    checklist = db.session.scalar(sa.select(InspectionChecklist))
    assert (checklist.name_zh, checklist.name_en, checklist.active) == ("营业厅检查", "Store visit", True)
    url = f"/inspections/checklists/{checklist.id}/items/new"
    for zh, en, top, passing in (("宣传品摆放", "Publicity displayed", "10", "6"), ("明码标价", "Prices shown", "5", "5")):
        assert client.post(url, {"text_zh": zh, "text_en": en, "max_score": top, "pass_score": passing}
                           ).status_code == 302
    client.post(url, {"text_zh": "首先", "text_en": "First of all", "max_score": "2", "pass_score": "0",
                      "position": "0"})
    db.session.expire_all()
    assert [(i.text_en, i.max_score, i.pass_score, i.position) for i in checklist.items] == [
        ("First of all", 2, 0, 0), ("Publicity displayed", 10, 6, 1), ("Prices shown", 5, 5, 2)]
    page = text(client.get(f"/inspections/checklists/{checklist.id}"))
    assert "宣传品摆放" in page and "Prices shown" in page
    zh_client = login(ZJ_MANAGER)  # checklists are the vendor's: any manager keeps them
    zh_client.post("/language", {"locale": "zh_CN"})
    assert "营业厅检查" in text(zh_client.get("/inspections/checklists"))


def test_checklist_and_item_input_is_checked(login, cast, checklist, db):
    client = login(GD_MANAGER)
    empty = client.post("/inspections/checklists/new", {"name_zh": " ", "name_en": "x" * 201})
    page = text(empty)
    assert empty.status_code == 400
    assert error_of(page, "name_zh") == "Enter the checklist's name in Chinese."
    assert error_of(page, "name_en") == "At most 200 characters."
    url = f"/inspections/checklists/{checklist.id}/items/new"
    bad = client.post(url, {"text_zh": "", "text_en": "Clean", "max_score": "0", "pass_score": "x", "position": "-2"})
    page = text(bad)
    assert bad.status_code == 400
    assert error_of(page, "text_zh") == "Enter what is checked, in Chinese."
    assert error_of(page, "max_score") == "The highest score is a whole number from 1 to 1000."
    assert error_of(page, "pass_score") == "The pass score is a whole number from 0 to 1000."
    assert error_of(page, "position") == "The position is a whole number from 0 to 9999."
    higher = client.post(url, {"text_zh": "整洁", "text_en": "Clean", "max_score": "5", "pass_score": "6"})
    assert error_of(text(higher), "pass_score") == "The pass score cannot be higher than the highest score (5)."
    assert len(checklist.items) == 3
    assert db.session.scalar(sa.select(sa.func.count(InspectionChecklist.id))) == 1


def test_an_item_not_yet_scored_may_change_its_scale(cast, checklist, db):
    publicity = items_of(checklist)[0]
    services.update_item(publicity, {"text_zh": "宣传品", "text_en": "Publicity", "max_score": "5",
                                     "pass_score": "3", "position": "1"}, cast["manager"])
    assert (publicity.max_score, publicity.pass_score, publicity.text_en) == (5, 3, "Publicity")


def test_a_scored_item_keeps_its_scale_but_its_text_may_be_corrected(login, inspect, checklist, db):
    inspect()
    publicity = items_of(checklist)[0]
    client = login(GD_MANAGER)
    url = f"/inspections/checklists/{checklist.id}/items/{publicity.id}"
    page = text(client.get(url))
    assert "This item was scored in 1 inspection: its scores stay as they are." in page
    refused = client.post(url, {"text_zh": "宣传品摆放", "text_en": "Publicity displayed", "max_score": "20",
                                "pass_score": "6", "position": "1"})
    assert refused.status_code == 400
    assert error_of(text(refused), "max_score") == ("This item has been scored in past inspections, so its scores "
                                                    "cannot change. Deactivate it and add a new item instead.")
    fixed = client.post(url, {"text_zh": "宣传品摆放", "text_en": "Publicity materials on display", "max_score": "10",
                              "pass_score": "6", "position": "1"})
    assert fixed.status_code == 302
    db.session.expire_all()
    item = db.session.get(ChecklistItem, publicity.id)
    assert (item.text_en, item.max_score, item.pass_score) == ("Publicity materials on display", 10, 6)
    change = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "ChecklistItem",
                                                         AuditLog.field == "text_en"))
    assert (change.old_value, change.new_value) == ("Publicity materials displayed", "Publicity materials on display")


def test_a_deactivated_item_is_left_out_of_new_inspections_and_kept_in_past_ones(login, inspect, cast, checklist,
                                                                                   db):
    past = inspect()
    publicity, prices, service = items_of(checklist)
    client = login(GD_MANAGER)
    response = client.post(f"/inspections/checklists/{checklist.id}/items/{publicity.id}/active", {"active": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChecklistItem, publicity.id).active is False
    assert "is deactivated: new inspections leave it out" in text(client.get(response.headers["Location"]))
    form = text(client.get(f"/inspections/new?outlet={cast['futian'].id}&checklist={checklist.id}"))
    assert "Publicity materials displayed" not in form and "Prices shown" in form
    assert "Publicity materials displayed" in text(client.get(f"/inspections/{past.id}"))
    later = services.record_inspection(
        cast["manager"], cast["futian"], db.session.get(InspectionChecklist, checklist.id), "planned",
        past.inspected_on, {prices.id: {"score": "8"}, service.id: {"score": "16"}})
    db.session.commit()
    assert (later.score, later.max_score) == (24, 30)
    assert client.post(f"/inspections/checklists/{checklist.id}/items/{publicity.id}/active", {"active": "1"}
                       ).status_code == 302
    assert db.session.get(ChecklistItem, publicity.id).active is True


def test_a_withdrawn_checklist_is_not_offered_and_can_be_used_again(login, cast, checklist, db):
    client = login(GD_MANAGER)
    response = client.post(f"/inspections/checklists/{checklist.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert "is withdrawn: new inspections cannot use it" in text(client.get(response.headers["Location"]))
    assert "Outlet standard" not in text(client.get("/inspections/new"))
    assert "Withdrawn" in text(client.get("/inspections/checklists"))
    client.post(f"/inspections/checklists/{checklist.id}/active", {"active": "1"})
    assert "Outlet standard" in text(client.get("/inspections/new"))


def test_renaming_a_checklist(login, checklist, db):
    client = login(GD_MANAGER)
    url = f"/inspections/checklists/{checklist.id}/edit"
    assert 'value="Outlet standard"' in text(client.get(url))
    assert client.post(url, {"name_zh": "网点标准（2026）", "name_en": "Outlet standard 2026"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(InspectionChecklist, checklist.id).name_en == "Outlet standard 2026"


def test_an_item_of_another_checklist_is_404(login, cast, checklist, db):
    other = services.create_checklist({"name_zh": "暗访", "name_en": "Mystery shop"}, cast["manager"])
    db.session.commit()
    item = checklist.items[0]
    client = login(GD_MANAGER)
    assert client.get(f"/inspections/checklists/{other.id}/items/{item.id}").status_code == 404
    assert client.post(f"/inspections/checklists/{other.id}/items/{item.id}/active", {"active": "0"}).status_code == 404
    assert client.get("/inspections/checklists/999999").status_code == 404


def test_only_the_vendor_keeps_checklists(cast, checklist, db):
    from portal.accounts.models import User
    from portal.core.errors import DomainError

    partner_admin = db.session.scalar(sa.select(User).where(User.email == "p1.admin@test.example"))
    with pytest.raises(DomainError, match="Only a channel manager or an administrator may do this."):
        services.create_checklist({"name_zh": "x", "name_en": "x"}, partner_admin)
    with pytest.raises(ValidationError):
        services.create_checklist({"name_zh": "", "name_en": ""}, cast["manager"])
