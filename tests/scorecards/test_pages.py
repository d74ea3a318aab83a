"""The scorecard pages: the managers' list and partner page, applying a tier, recomputing, the
partner's own page, and who may see what."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.errors import DomainError
from portal.core.i18n import add_months, business_today
from portal.results.values import month_label, month_value
from portal.scorecards import services
from portal.scorecards.commands import compute_scorecards
from portal.scorecards.models import Scorecard, TierChange
from tests.html_validity import assert_valid_html
from tests.scorecards.conftest import (ADMIN, FINANCE, GD_MANAGER, IN_JULY, JUNE, P1_ADMIN, P1_STAFF, P2_ADMIN,
                                       ZJ_MANAGER, text)


def _june(partners, figures, db):
    """Partner One: sales 700 ÷ 1,000 = 70.00, collection 490 ÷ 700 = 70.00 → total 70.00, Silver."""
    figures.target("1000.00")
    figures.psi("700.00")
    figures.collection("490.00")
    card = services.compute_scorecard(partners["one"], JUNE, now=IN_JULY)
    services.compute_scorecard(partners["two"], JUNE, now=IN_JULY)
    db.session.commit()
    return card


def test_the_managers_list_shows_the_visible_partners_with_their_proposals(partners, tiers, figures, login, db):
    _june(partners, figures, db)
    page = text(login(GD_MANAGER).get("/scorecards/?month=2026-06"))
    assert "Partner One Trading" in page and "Partner Two Retail" not in page
    assert "70.00" in page and "Change to Silver" in page
    admin = login(ADMIN)
    everyone = text(admin.get("/scorecards/?month=2026-06"))
    assert "Partner One Trading" in everyone and "Partner Two Retail" in everyone
    proposals = text(admin.get("/scorecards/?month=2026-06&proposals=1"))
    assert "Partner One Trading" in proposals and "Partner Two Retail" not in proposals  # nothing scored: no proposal
    by_territory = text(admin.get(f"/scorecards/?month=2026-06&territory={partners['two'].province_id}"))
    assert "Partner Two Retail" in by_territory and "Partner One Trading" not in by_territory
    by_tier = text(admin.get(f"/scorecards/?month=2026-06&tier={tiers['gold'].id}"))
    assert "No partner matches these filters." in by_tier


def test_a_bad_or_future_month_falls_back_to_the_current_month(partners, login, db):
    manager = login(GD_MANAGER)
    for month in ("June", "2099-01"):
        page = manager.get(f"/scorecards/?month={month}")
        assert page.status_code == 200 and "The current month is shown." in text(page)


def test_recompute_scores_the_month_for_the_managers_partners_only(partners, tiers, figures, login, db):
    current = business_today().replace(day=1)
    figures.target("1000.00", month=current)
    figures.psi("700.00", month=current)
    figures.collection("490.00", day=current)
    manager = login(GD_MANAGER)
    answer = manager.post("/scorecards/recompute", {"month": month_value(current)})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/scorecards/?month={month_value(current)}")
    assert f"1 scorecard of {month_label(current)} computed." in text(manager.get(answer.headers["Location"]))
    cards = db.session.scalars(sa.select(Scorecard)).all()
    assert [(c.partner_id, c.total) for c in cards] == [(partners["one"].id, Decimal("70.00"))]
    future = manager.post("/scorecards/recompute", {"month": "2099-01"})
    assert future.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Scorecard.id))) == 1


def test_only_the_current_and_the_previous_month_can_be_recomputed(partners, tiers, figures, login, db):
    """A tier change keeps the scorecard it was based on: older months are frozen."""
    current = business_today().replace(day=1)
    previous, older = add_months(current, -1), add_months(current, -2)
    manager = login(GD_MANAGER)
    answer = manager.post("/scorecards/recompute", {"month": month_value(previous)})
    assert f"1 scorecard of {month_label(previous)} computed." in text(manager.get(answer.headers["Location"]))
    one = partners["one"].id
    refused = manager.post(f"/scorecards/partners/{one}/recompute", {"month": month_value(older)},
                           follow_redirects=True)
    assert (f"The scorecards of {month_value(older)} are final: only the current month and the one before it can "
            "be computed again.") in text(refused)
    assert manager.post("/scorecards/recompute", {"month": month_value(older)}).status_code == 302
    assert db.session.scalars(sa.select(Scorecard.month)).all() == [previous]
    with pytest.raises(DomainError, match="are final"):
        services.compute_scorecard(partners["one"], older)
    for url in (f"/scorecards/?month={month_value(older)}", f"/scorecards/partners/{one}?month={month_value(older)}"):
        page = text(manager.get(url))
        assert "Final: only the current month and the one before it are computed again." in page
        assert "Recompute %s" % month_label(older) not in page
    assert "Recompute" in text(manager.get(f"/scorecards/partners/{one}?month={month_value(previous)}"))


def test_the_partner_page_shows_the_figures_history_and_applies_the_proposed_tier(partners, tiers, figures, login,
                                                                                  outbox, db):
    card = _june(partners, figures, db)
    manager = login(GD_MANAGER)
    page = text(manager.get(f"/scorecards/partners/{partners['one'].id}?month=2026-06"))
    assert "¥1,000.00" in page and "¥700.00" in page and "66.67%" in page  # target, net sales, share of sales
    assert f'<option selected value="{tiers["silver"].id}">' in page  # the proposal is chosen
    refused = manager.post(f"/scorecards/partners/{partners['one'].id}/tier",
                           {"tier_id": tiers["silver"].id, "reason": "", "month": "2026-06"})
    assert refused.status_code == 400 and "Say why the tier changes" in text(refused)
    done = manager.post(f"/scorecards/partners/{partners['one'].id}/tier",
                        {"tier_id": tiers["silver"].id, "reason": "Scored 70 in June.", "month": "2026-06"})
    assert done.status_code == 302
    change = db.session.scalar(sa.select(TierChange))
    assert (change.to_tier_id, change.scorecard_id) == (tiers["silver"].id, card.id)
    assert partners["one"].tier_id == tiers["silver"].id
    assert any(P1_STAFF in m.to for m in outbox)
    after = text(manager.get(f"/scorecards/partners/{partners['one'].id}?month=2026-06"))
    assert "Scored 70 in June." in after
    assert "Partner One Trading" not in text(manager.get("/scorecards/?month=2026-06&proposals=1"))


def test_the_partner_sees_its_scorecard_its_next_tier_and_its_tier_changes(people, partners, tiers, figures, login,
                                                                           db):
    _june(partners, figures, db)
    services.apply_tier(partners["one"], tiers["silver"], "Scored 70 in June.", people["manager"])
    db.session.commit()
    for email in (P1_ADMIN, P1_STAFF):
        page = text(login(email).get("/partner/scorecard/?month=2026-06"))
        assert "70.00" in page and "¥1,000.00" in page
        assert "Needs a total of 80.00: 10.00 points more." in page  # Gold
        assert "Sales against target: up to 20.00 points if it reached 100." in page
        assert "Scored 70 in June." in page
        assert "Change to Silver" not in page  # proposals are the managers'
    other = text(login(P2_ADMIN).get("/partner/scorecard/?month=2026-06"))
    assert "¥1,000.00" not in other and "Scored 70 in June." not in other


def test_another_organisations_or_territorys_partner_answers_404(partners, tiers, figures, login, db):
    _june(partners, figures, db)
    one = partners["one"].id
    zj = login(ZJ_MANAGER)
    assert zj.get(f"/scorecards/partners/{one}").status_code == 404
    assert zj.post(f"/scorecards/partners/{one}/tier", {"tier_id": tiers["gold"].id, "reason": "x"}).status_code == 404
    assert zj.post(f"/scorecards/partners/{one}/recompute", {"month": "2026-06"}).status_code == 404
    assert partners["one"].tier_id is None
    for email in (P1_ADMIN, FINANCE):
        assert login(email).get(f"/scorecards/partners/{one}").status_code == 403
    assert login(FINANCE).get("/partner/scorecard/").status_code == 403


def test_the_current_month_without_a_scorecard_says_so(partners, login, db):
    page = text(login(P1_ADMIN).get("/partner/scorecard/"))
    assert "Your scorecard of this month has not been computed yet." in page
    detail = text(login(GD_MANAGER).get(f"/scorecards/partners/{partners['one'].id}"))
    assert "This month has not been computed for this partner yet." in detail


def test_the_command_computes_every_active_partner(app, partners, figures, db):
    previous = add_months(business_today().replace(day=1), -1)
    partners["two"].status = "terminated"
    db.session.commit()
    figures.target("1000.00", month=date(2026, 1, 1))
    figures.psi("700.00", month=previous)
    figures.collection("490.00", day=previous)
    runner = app.test_cli_runner()
    result = runner.invoke(compute_scorecards, ["--month", month_value(previous)])
    assert result.exit_code == 0 and f"1 scorecard(s) of {month_value(previous)} computed." in result.output
    assert db.session.scalar(sa.select(Scorecard.total)) == Decimal("70.00")
    assert runner.invoke(compute_scorecards, ["--month", "June"]).exit_code != 0
    frozen = runner.invoke(compute_scorecards, ["--month", month_value(add_months(previous, -1))])
    assert frozen.exit_code != 0 and "are final" in frozen.output
    current = runner.invoke(compute_scorecards, [])
    assert business_today().strftime("%Y-%m") in current.output


def test_scorecard_pages_are_valid_html(people, partners, tiers, figures, case, login, db, tmp_path):
    case(date(2026, 6, 2))
    _june(partners, figures, db)
    services.apply_tier(partners["one"], tiers["bronze"], "First tier <b>bold</b> & more.", people["manager"])
    db.session.commit()
    one = partners["one"].id
    vendor, admin, partner = login(GD_MANAGER), login(ADMIN), login(P1_ADMIN)
    pages = {name: vendor.get(url) for name, url in {
        "index": "/scorecards/?month=2026-06", "index-empty": "/scorecards/?month=2026-06&tier=999",
        "index-bad-month": "/scorecards/?month=nope",
        "partner": f"/scorecards/partners/{one}?month=2026-06", "partner-empty": f"/scorecards/partners/{one}",
    }.items()}
    pages["tier-errors"] = vendor.post(f"/scorecards/partners/{one}/tier", {"tier_id": "0", "reason": ""})
    pages["settings"] = admin.get("/scorecards/settings")
    pages["settings-errors"] = admin.post("/scorecards/settings", {"scorecard_weight_sales": "x"})
    pages["tiers"] = admin.get("/admin/lists/tiers")
    pages["tier-edit"] = admin.get(f"/admin/lists/tiers/{tiers['gold'].id}")
    pages["own"] = partner.get("/partner/scorecard/?month=2026-06")
    pages["own-empty"] = partner.get("/partner/scorecard/")
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
    assert_valid_html(pages, tmp_path)


def test_a_tier_id_that_is_no_number_or_too_large_is_a_field_error_not_a_crash(partners, tiers, login):
    manager = login(GD_MANAGER)
    for tier_id in ("99999999999999999999999", "gold"):
        response = manager.post(f"/scorecards/partners/{partners['one'].id}/tier",
                                {"tier_id": tier_id, "reason": "Scored 70 in June.", "month": "2026-06"})
        assert response.status_code == 400 and "Choose a tier in use." in text(response)
    assert partners["one"].tier_id is None
