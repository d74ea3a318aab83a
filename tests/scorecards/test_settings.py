"""The weights and points per item (admin settings), and a tier's minimum score (reference list)."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditLog
from portal.core.errors import DomainError, ValidationError
from portal.core.settings import get_setting
from portal.reference.models import PartnerTier
from portal.scorecards import services
from tests.scorecards.conftest import ADMIN, GD_MANAGER, text

DEFAULTS = {"scorecard_weight_sales": "40", "scorecard_weight_collection": "20", "scorecard_weight_training": "15",
            "scorecard_weight_inspection": "25", "scorecard_points_per_conflict": "10",
            "scorecard_points_per_complaint": "5"}


def test_the_defaults(db):
    assert services.weights() == {"sales": 40, "collection": 20, "training": 15, "inspection": 25}
    assert services.points() == {"conflict": 10, "complaint": 5}


def test_saved_settings_are_audited(people, db):
    services.update_settings({**DEFAULTS, "scorecard_weight_sales": " 50 ", "scorecard_points_per_complaint": "0"},
                             people["admin"])
    db.session.commit()
    assert get_setting("scorecard_weight_sales") == 50 and get_setting("scorecard_points_per_complaint") == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(AuditLog.entity_type == "Setting")) == 2


@pytest.mark.parametrize("name, value", [
    ("scorecard_weight_sales", "-1"), ("scorecard_weight_training", "1.5"), ("scorecard_points_per_conflict", "abc"),
    ("scorecard_points_per_complaint", ""), ("scorecard_weight_inspection", "101"),
])
def test_settings_are_whole_numbers_from_0_to_100(people, db, name, value):
    with pytest.raises(ValidationError) as refused:
        services.update_settings({**DEFAULTS, name: value}, people["admin"])
    assert list(refused.value.errors) == [name]


def test_the_weights_cannot_all_be_0(people, db):
    zero = {name: "0" for name in services.WEIGHTS.values()}
    with pytest.raises(ValidationError) as refused:
        services.update_settings({**DEFAULTS, **zero}, people["admin"])
    assert "scorecard_weight_sales" in refused.value.errors
    assert get_setting("scorecard_weight_sales") == 40


def test_only_an_admin_changes_the_settings(people, db):
    with pytest.raises(DomainError):
        services.update_settings(DEFAULTS, people["manager"])


def test_the_settings_page_shows_field_errors_and_saves(people, login, db):
    admin = login(ADMIN)
    page = admin.get("/scorecards/settings")
    assert page.status_code == 200 and 'value="40"' in text(page)
    refused = admin.post("/scorecards/settings", {**DEFAULTS, "scorecard_weight_training": "lots"})
    assert refused.status_code == 400 and "Enter a whole number." in text(refused)
    saved = admin.post("/scorecards/settings", {**DEFAULTS, "scorecard_weight_training": "30"})
    assert saved.status_code == 302 and get_setting("scorecard_weight_training") == 30
    assert login(GD_MANAGER).get("/scorecards/settings").status_code == 403


def test_an_admin_sets_a_tiers_minimum_score(people, reference_data, login, db):
    gold = db.session.scalar(sa.select(PartnerTier).where(PartnerTier.code == "gold"))
    admin = login(ADMIN)
    form = {"code": "gold", "name_en": "Gold", "name_zh": "金牌", "position": "1", "active": "y"}
    assert "Minimum scorecard total" in text(admin.get(f"/admin/lists/tiers/{gold.id}"))
    assert admin.post(f"/admin/lists/tiers/{gold.id}", {**form, "min_score": "80.555"}).status_code == 302
    db.session.refresh(gold)
    assert gold.min_score == Decimal("80.56")
    assert "80.56" in text(admin.get("/admin/lists/tiers"))
    refused = admin.post(f"/admin/lists/tiers/{gold.id}", {**form, "min_score": "120"})
    assert refused.status_code == 200 and "Enter a score from 0 to 100." in text(refused)
    assert admin.post(f"/admin/lists/tiers/{gold.id}", {**form, "min_score": ""}).status_code == 302
    db.session.refresh(gold)
    assert gold.min_score is None
    assert "Minimum scorecard total" not in text(admin.get(f"/admin/lists/channel-types/{reference_data['social'].id}"))
