"""The case pages are valid HTML (Nu validator), with the forms in their error state too, and
the vendor's case page gives each form field its own id."""
import re

import pytest

from tests.conflicts.conftest import ADMIN, GD_MANAGER, P1_ADMIN, P2_ADMIN, upload
from tests.html_validity import assert_valid_html


@pytest.fixture
def pages(login, make_case, deal_case, cast, deposit, db):
    case = make_case([(cast["one"], "complainant"), (cast["three"], "respondent")], status="investigating")
    partner, manager, admin = login(P1_ADMIN), login(GD_MANAGER), login(ADMIN)
    partner.post(f"/partner/cases/{case.id}/evidence", {"evidence": [upload(name="receipt.pdf")], "note": "Receipt"})
    partner.post(f"/partner/cases/{case.id}/answers", {"body": "Line one.\nLine two."})
    manager.post(f"/cases/{case.id}/entries", {"body": "Internal.", "internal": "y"})
    results = {
        "partner-index": partner.get("/partner/cases/"),
        "partner-empty": login(P2_ADMIN).get("/partner/cases/?status=closed"),
        "partner-new": partner.get("/partner/cases/new"),
        "partner-new-errors": partner.post("/partner/cases/new", {"kind": "", "title": ""}),
        "partner-complaint-errors": partner.post("/partner/cases/complaint", {}),
        "partner-case": partner.get(f"/partner/cases/{case.id}"),
        "partner-case-errors": partner.post(f"/partner/cases/{case.id}/evidence", {}),
        "held-partner-case": login(P2_ADMIN).get(f"/partner/cases/{deal_case.id}"),
        "admin-index": manager.get("/cases/?overdue=0"),
        "admin-case": manager.get(f"/cases/{case.id}"),
        "admin-case-errors": manager.post(f"/cases/{case.id}/due-date", {"due_on": "2020-01-01"}),
        "admin-deal-case": manager.get(f"/cases/{deal_case.id}"),
        "ruling-errors": manager.post(f"/cases/{case.id}/ruling", {"action": "penalty"}),
        "settings": admin.get("/cases/settings"),
        "settings-errors": admin.post("/cases/settings", {"case_due_days": "x"}),
    }
    manager.post(f"/cases/{case.id}/ruling", {"decision": "Warning.", "action": "warning",
                                              "target_id": str(cast["three"].id)})
    results["ruled-partner-case"] = partner.get(f"/partner/cases/{case.id}")
    results["ruled-admin-case"] = manager.get(f"/cases/{case.id}")
    return results


def test_every_case_page_answers_and_its_ids_are_unique(pages):
    for name, response in pages.items():
        assert response.status_code in (200, 400), name
        html = response.get_data(as_text=True)
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), f"{name}: repeated ids {sorted({i for i in ids if ids.count(i) > 1})}"
        assert html.count("<h1") == 1, name


def test_case_pages_are_valid_html(pages, tmp_path):
    assert_valid_html(pages, tmp_path)
