"""The pipeline report: counts per stage, days in each stage, stage-to-stage conversion,
who sees which figures, and the page itself."""
import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.recruitment import report_queries
from portal.recruitment.models import StageChange
from portal.recruitment.report_queries import ReportFilters

T0 = datetime(2024, 6, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 on 1 June in Shanghai
NOW = T0 + timedelta(days=9)
URL = "/pipeline/report"


@pytest.fixture
def build(db, make_prospect):
    """A prospect with a known stage history: ``history`` is [(stage, days after T0), ...]."""

    def factory(company, history, territory="GD-SZ", owner=None, **kw):
        kw.setdefault("created_at", T0 + timedelta(days=history[0][1]))
        prospect = make_prospect(company, territory=territory, owner=owner, stage=history[-1][0], **kw)
        db.session.execute(sa.delete(StageChange).where(StageChange.prospect_id == prospect.id))
        previous = None
        for stage, days in history:
            db.session.add(StageChange(prospect_id=prospect.id, from_stage=previous, to_stage=stage,
                                       created_at=T0 + timedelta(days=days)))
            previous = stage
        db.session.commit()
        return prospect

    return factory


@pytest.fixture
def pipeline(build, people):
    """Four prospects in Guangdong (the GD manager's) and two in Zhejiang (the ZJ manager's)."""
    gd, zj = people["manager"], people["other_manager"]
    return {
        "signed": build("Signed Co", [("new", 0), ("qualifying", 2), ("negotiating", 5), ("agreement_sent", 6),
                                      ("signed", 10)], owner=gd),
        "rejected": build("Rejected Co", [("new", 0), ("qualifying", 4), ("rejected", 5)], territory="GD-GZ", owner=gd),
        "withdrawn": build("Withdrawn Co", [("new", 0), ("withdrawn", 1)], territory="GD", owner=gd),
        "qualifying": build("Still Qualifying Co", [("new", 0), ("qualifying", 1)], owner=gd),
        "zj_negotiating": build("Hangzhou Co", [("new", 0), ("qualifying", 3), ("negotiating", 4)],
                                territory="ZJ-HZ", owner=zj),
        "zj_rejected": build("Zhejiang Co", [("new", 0), ("rejected", 2)], territory="ZJ", owner=zj),
    }


def counts(user, filters=ReportFilters()):
    return {row.stage: row.count for row in report_queries.stage_counts(user, filters)}


def durations(user, filters=ReportFilters()):
    return {row.stage: row for row in report_queries.days_in_stage(user, filters, now=NOW)}


def funnel(user, filters=ReportFilters()):
    return {row.stage: row for row in report_queries.funnel(user, filters)}


# ---- the figures ------------------------------------------------------------------------------


def test_counts_every_stage_including_empty_ones(pipeline, people):
    assert counts(people["admin"]) == {
        "new": 0, "qualifying": 1, "negotiating": 1, "agreement_sent": 0, "signed": 1, "rejected": 2, "withdrawn": 1,
    }


def test_days_in_stage_are_averaged_from_the_stage_history(pipeline, people, reference_data):
    in_gd = ReportFilters(territory_id=reference_data["GD"].id)
    days = durations(people["admin"], in_gd)

    # "New": left after 2, 4, 1 and 1 days.
    assert (days["new"].prospects, days["new"].ongoing) == (4, 0)
    assert days["new"].average_days == 2.0
    assert days["new"].median_days == 1.5
    # "Qualifying": 3 and 1 days, and one prospect there for 8 days until now.
    assert (days["qualifying"].prospects, days["qualifying"].ongoing) == (3, 1)
    assert days["qualifying"].average_days == 4.0
    assert days["qualifying"].median_days == 3.0
    assert days["negotiating"].average_days == 1.0
    assert days["agreement_sent"].average_days == 4.0
    assert list(days) == ["new", "qualifying", "negotiating", "agreement_sent"]


def test_a_stage_nobody_was_in_is_not_measured(build, people):
    build("Fresh Co", [("new", 0)], owner=people["manager"])
    days = durations(people["admin"])
    assert days["new"].prospects == 1 and days["new"].ongoing == 1
    assert days["new"].average_days == 9.0
    assert days["negotiating"].prospects == 0
    assert days["negotiating"].average_days is None and days["negotiating"].median_days is None


def test_a_prospect_back_in_a_stage_counts_once_with_its_stays_added_up(build, people):
    build("Back and Forth Co", [("new", 0), ("qualifying", 1), ("negotiating", 3), ("qualifying", 4),
                                ("negotiating", 7)], owner=people["manager"])
    days = durations(people["admin"])
    assert days["qualifying"].prospects == 1
    assert days["qualifying"].average_days == 5.0  # 2 days, then 3 more
    assert days["negotiating"].average_days == 3.0  # 1 day, then 2 until now
    assert days["negotiating"].ongoing == 1


def test_conversion_counts_who_reached_each_stage_and_who_moved_on(pipeline, people):
    steps = funnel(people["admin"])
    assert [(s, steps[s].reached, steps[s].advanced, steps[s].percent) for s in steps] == [
        ("new", 6, 4, 67),
        ("qualifying", 4, 2, 50),
        ("negotiating", 2, 1, 50),
        ("agreement_sent", 1, 1, 100),
        ("signed", 1, None, None),
    ]
    assert (steps["new"].rejected, steps["new"].withdrawn) == (1, 1)
    assert (steps["qualifying"].rejected, steps["qualifying"].withdrawn) == (1, 0)
    assert (steps["negotiating"].rejected, steps["negotiating"].withdrawn) == (0, 0)


def test_a_prospect_that_reached_a_later_stage_counts_as_passing_the_earlier_ones(build, people):
    build("Imported Co", [("negotiating", 0)], owner=people["manager"])
    steps = funnel(people["admin"])
    assert steps["new"].reached == 1 and steps["new"].percent == 100
    assert steps["qualifying"].reached == 1 and steps["qualifying"].percent == 100
    assert steps["negotiating"].reached == 1 and steps["negotiating"].advanced == 0
    assert steps["negotiating"].percent == 0


def test_a_reopened_prospect_is_counted_once(build, people):
    build("Second Chance Co", [("new", 0), ("rejected", 1), ("qualifying", 2), ("rejected", 3), ("qualifying", 4)],
          owner=people["manager"])
    steps = funnel(people["admin"])
    assert (steps["new"].reached, steps["qualifying"].reached, steps["negotiating"].reached) == (1, 1, 0)
    assert steps["new"].rejected == 1
    assert steps["qualifying"].rejected == 1


def test_a_manager_sees_only_their_territories_in_the_figures(pipeline, people):
    gd_manager = people["manager"]
    assert counts(gd_manager) == {
        "new": 0, "qualifying": 1, "negotiating": 0, "agreement_sent": 0, "signed": 1, "rejected": 1, "withdrawn": 1,
    }
    steps = funnel(gd_manager)
    assert (steps["new"].reached, steps["new"].advanced, steps["new"].percent) == (4, 3, 75)
    assert (steps["qualifying"].reached, steps["qualifying"].advanced, steps["qualifying"].percent) == (3, 1, 33)
    assert steps["new"].rejected == 0  # the rejection from "new" was in Zhejiang
    assert durations(gd_manager)["new"].prospects == 4

    zj_manager = people["other_manager"]
    assert sum(counts(zj_manager).values()) == 2
    assert funnel(zj_manager)["new"].reached == 2


def test_filters_narrow_the_figures(pipeline, people, reference_data, db):
    admin = people["admin"]
    assert sum(counts(admin, ReportFilters(territory_id=reference_data["GD-GZ"].id)).values()) == 1
    assert sum(counts(admin, ReportFilters(territory_id=reference_data["ZJ"].id)).values()) == 2
    assert counts(admin, ReportFilters(owner=str(people["other_manager"].id))) == {
        "new": 0, "qualifying": 0, "negotiating": 1, "agreement_sent": 0, "signed": 0, "rejected": 1, "withdrawn": 0,
    }
    assert sum(counts(admin, ReportFilters(owner="none")).values()) == 0

    pipeline["signed"].channel_type_id = reference_data["campus"].id
    db.session.commit()
    only_campus = ReportFilters(channel_type_id=reference_data["campus"].id)
    assert counts(admin, only_campus)["signed"] == 1
    assert sum(counts(admin, only_campus).values()) == 1
    assert funnel(admin, only_campus)["agreement_sent"].percent == 100


def test_created_dates_are_local_days(build, people):
    # 17:00 UTC on 1 June is 01:00 on 2 June in Shanghai; 15:00 UTC is still 1 June there.
    build("Late Co", [("new", 0)], created_at=datetime(2024, 6, 1, 17, 0, tzinfo=timezone.utc))
    build("Evening Co", [("new", 0)], created_at=datetime(2024, 6, 1, 15, 0, tzinfo=timezone.utc))
    admin = people["admin"]
    assert counts(admin, ReportFilters(created_from=date(2024, 6, 2)))["new"] == 1
    assert counts(admin, ReportFilters(created_to=date(2024, 6, 1)))["new"] == 1
    assert counts(admin, ReportFilters(created_from=date(2024, 6, 1), created_to=date(2024, 6, 2)))["new"] == 2
    assert counts(admin, ReportFilters(created_from=date(2024, 6, 3)))["new"] == 0


def test_filters_are_read_from_the_query_string_and_bad_values_ignored():
    filters = ReportFilters.from_args(MultiDict({
        "territory": "7", "channel_type": "x", "owner": "me; drop", "created_from": "2024-06-02",
        "created_to": "2024-13-01",
    }))
    assert filters == ReportFilters(territory_id=7, created_from=date(2024, 6, 2))
    assert filters.to_args() == {"territory": 7, "created_from": "2024-06-02"}


# ---- the page ---------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Each table on a page as {caption: [[cell text, ...], ...]}."""

    def __init__(self):
        super().__init__()
        self.tables, self._rows, self._cell, self._caption = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []
        elif tag == "caption":
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "caption":
            self._caption = " ".join("".join(self._cell).split())
            self._cell = None
        elif tag == "table":
            self.tables[self._caption] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(response):
    parser = _Tables()
    parser.feed(response.get_data(as_text=True))
    return parser.tables


def row(table, first_cell):
    return next(r for r in table if r and r[0] == first_cell)


BY_STAGE = "How many prospects are in each stage now"
DAYS = "Average and median days prospects spent in each stage"
FUNNEL = "Conversion from each stage to the next"


def test_the_report_shows_the_three_sections_with_their_figures(client, pipeline, people):
    client.login("admin@test.example")
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for heading in ("Pipeline report", "Prospects by stage", "Days in each stage", "Stage to stage conversion"):
        assert f">{heading}</h" in html
    assert "6 prospects in all." in html

    page = tables(response)
    assert row(page[BY_STAGE], "Rejected")[1:3] == ["2", "33%"]
    assert row(page[BY_STAGE], "New")[1:3] == ["0", "0%"]
    # Measured, still there, median days, average days.
    assert row(page[DAYS], "New")[1:5] == ["6", "0", "2", "2.2"]
    assert row(page[FUNNEL], "New → Qualifying") == ["New → Qualifying", "6", "4", "67%", "1", "1"]
    assert row(page[FUNNEL], "Agreement sent → Signed")[1:4] == ["1", "1", "100%"]
    assert 'role="progressbar" aria-label="Conversion from “New” to “Qualifying”"' in html


def test_a_stage_count_links_to_the_prospect_list_with_the_same_filters(client, pipeline, people, reference_data):
    client.login("admin@test.example")
    gd = reference_data["GD"].id
    html = client.get(f"{URL}?territory={gd}").get_data(as_text=True)
    links = re.findall(r'href="(/pipeline/prospects\?[^"]*)"', html)
    assert any("stage=signed" in link and f"territory={gd}" in link for link in links)
    assert "4 prospects match these filters." in html


def test_the_page_shows_a_manager_only_their_territories(client, pipeline, people):
    client.login("gd.manager@test.example")
    response = client.get(URL)
    assert response.status_code == 200
    page = tables(response)
    assert row(page[BY_STAGE], "Negotiating")[1] == "0"  # the Hangzhou prospect is not theirs
    assert row(page[FUNNEL], "New → Qualifying")[1:4] == ["4", "3", "75%"]
    assert "Hangzhou Co" not in response.get_data(as_text=True)


def test_filters_that_match_nothing_show_an_empty_state(client, pipeline, people, reference_data):
    client.login("admin@test.example")
    response = client.get(f"{URL}?territory={reference_data['XZ'].id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No prospect matches these filters." in html
    assert "Stage to stage conversion" not in html


def test_a_manager_without_prospects_is_told_there_is_nothing_yet(client, people):
    client.login("gd.manager@test.example")
    html = client.get(URL).get_data(as_text=True)
    assert "There are no prospects to report on yet." in html


def test_an_applicant_cannot_open_the_report(client, people):
    client.login("applicant1@test.example")
    assert client.get(URL).status_code == 403


def test_the_report_needs_signing_in(client, people):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("header", ["zh-CN", "zh-Hans-CN", "zh"])
def test_the_report_speaks_chinese(make_client, pipeline, people, db, header):
    people["admin"].locale = None  # let the browser's language decide
    db.session.commit()
    client = make_client({"Accept-Language": header})
    client.login("admin@test.example")
    html = client.get(URL).get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert ">Pipeline report</h1>" not in html
    assert ">Stage to stage conversion</h2>" not in html
