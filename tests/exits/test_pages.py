"""The terminations list: filters, search, pagination, the empty state and the way to start one."""
import sqlalchemy as sa

from portal.exits.models import Termination
from tests.exits.conftest import GD_MANAGER, ZJ_MANAGER, text
from tests.html_validity import assert_valid_html


def test_the_list_is_empty_at_first_and_offers_the_partners_one_may_terminate(login, cast):
    page = text(login(GD_MANAGER).get("/terminations/"))
    assert "No partner has been put into termination yet." in page
    assert f'<option value="{cast["one"].id}">Partner One Trading</option>' in page
    assert "Partner Two Retail" not in page  # not the Guangdong manager's
    assert login(GD_MANAGER).get("/terminations/new").status_code == 302  # no partner chosen


def test_the_list_filters_by_status_and_searches_number_and_partner(start, login, cast, db):
    started = start()
    db.session.add(Termination(number="EX-2025-0007", partner_id=cast["one"].id, status="cancelled",
                               reason="Old", started_by_id=cast["manager"].id, note="Settled"))
    db.session.commit()
    manager = login(GD_MANAGER)
    everything = text(manager.get("/terminations/"))
    assert started.number in everything and "EX-2025-0007" in everything
    assert everything.index(started.number) < everything.index("EX-2025-0007")  # in progress first
    assert "Partner One Trading</option>" not in everything  # already in termination: not offered again
    settling = text(manager.get("/terminations/?status=started"))
    assert started.number in settling and "EX-2025-0007" not in settling
    assert "EX-2025-0007" in text(manager.get("/terminations/?q=2025-00"))
    assert started.number in text(manager.get("/terminations/?q=partner one"))
    nothing = text(manager.get("/terminations/?q=nobody&status=bogus"))
    assert "No termination matches these filters." in nothing


def test_the_list_is_paginated_and_scoped(login, cast, db):
    db.session.add_all([Termination(number=f"EX-2025-{n:04d}", partner_id=cast["one"].id, status="cancelled",
                                    reason="Old") for n in range(1, 28)])
    db.session.commit()
    manager = login(GD_MANAGER)
    first, second = text(manager.get("/terminations/")), text(manager.get("/terminations/?page=2"))
    assert first.count("/terminations/") > 25 and "27 in all, page 1 of 2" in first
    assert "EX-2025-0027" in first and "EX-2025-0001" in second and "EX-2025-0001" not in first
    assert "EX-2025-0027" not in text(login(ZJ_MANAGER).get("/terminations/"))
    assert db.session.scalar(sa.select(sa.func.count(Termination.id))) == 27


def test_the_termination_pages_are_valid_html(start, login, cast, deposit, open_items_of_each_kind, settle, db,
                                              tmp_path):
    from portal.partners import ledger

    account = deposit()
    ledger.record_movement(account, "paid", 300, cast["manager"], reference="BANK-1")
    db.session.commit()
    manager = login(GD_MANAGER)
    pages = {"empty": manager.get("/terminations/"),
             "new": manager.get(f"/terminations/new?partner_id={cast['one'].id}"),
             "new-errors": manager.post(f"/terminations/new?partner_id={cast['one'].id}",
                                        {"reason": "", "effective_on": "nonsense"})}
    termination = start()
    pages["open"] = manager.get(f"/terminations/{termination.id}")
    pages["refused"] = manager.post(f"/terminations/{termination.id}/complete", {})
    open_items_of_each_kind["commission_statements"].total = -812  # owes more than the deposit holds
    settle(open_items_of_each_kind)
    pages["settled"] = manager.get(f"/terminations/{termination.id}")
    pages["complete-errors"] = manager.post(f"/terminations/{termination.id}/complete", {"reference": ""})
    pages["cancel-errors"] = manager.post(f"/terminations/{termination.id}/cancel", {"cancel_reason": ""})
    manager.post(f"/terminations/{termination.id}/complete", {"reference": "REF-1", "confirm": "y"})
    pages["completed"] = manager.get(f"/terminations/{termination.id}")
    pages["list"] = manager.get("/terminations/")
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
    assert_valid_html(pages, tmp_path)
