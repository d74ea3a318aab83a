"""The pipeline report: figures over the prospects a user may see, narrowed by filters.

Pure query functions: they take the user and a ``ReportFilters`` (never ``request``) and return
plain values for the template. Counts and the funnel are aggregated in SQL; the days spent in
each stage are computed in Python from the stage history, streamed one prospect at a time and
reading only three columns per change, because a median and the "time until the next change"
are not portable SQL between SQLite and PostgreSQL.
"""
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

import sqlalchemy as sa

from portal.core.i18n import local_day_bounds_utc
from portal.core.models import utcnow
from portal.extensions import db
from portal.recruitment.models import FUNNEL, OPEN_STAGES, REJECTED, STAGES, WITHDRAWN, Prospect, StageChange
from portal.recruitment.queries import visible_prospects

SECONDS_PER_DAY = 86400
STREAM_BATCH = 2000


# ---- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """What the report is narrowed to. ``owner`` is "", "me", "none" or a user id as digits."""

    territory_id: int | None = None
    channel_type_id: int | None = None
    owner: str = ""
    created_from: date | None = None
    created_to: date | None = None

    @classmethod
    def from_args(cls, args):
        """Read the filters from query-string args (the names the prospect list uses);
        values that do not parse are ignored, as on the list."""
        owner = (args.get("owner") or "").strip()
        if owner not in ("me", "none") and not owner.isdigit():
            owner = ""
        return cls(
            territory_id=args.get("territory", type=int) or None,
            channel_type_id=args.get("channel_type", type=int) or None,
            owner=owner,
            created_from=_parse_day(args.get("created_from")),
            created_to=_parse_day(args.get("created_to")),
        )

    def to_args(self):
        """The filters as query-string args, to link to the prospect list with the same filters."""
        args = {"territory": self.territory_id, "channel_type": self.channel_type_id, "owner": self.owner,
                "created_from": self.created_from.isoformat() if self.created_from else None,
                "created_to": self.created_to.isoformat() if self.created_to else None}
        return {k: v for k, v in args.items() if v}


def _parse_day(value):
    try:
        return datetime.strptime((value or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def report_prospects(user, filters, tz=None):
    """A select of the prospects in the report: visible to ``user``, narrowed by ``filters``.
    Created dates are local days (``tz``, default the user's time zone)."""
    query = visible_prospects(user)
    if filters.territory_id:
        query = query.where(sa.or_(Prospect.city_id == filters.territory_id,
                                   Prospect.province_id == filters.territory_id))
    if filters.channel_type_id:
        query = query.where(Prospect.channel_type_id == filters.channel_type_id)
    if filters.owner == "me":
        query = query.where(Prospect.owner_id == user.id)
    elif filters.owner == "none":
        query = query.where(Prospect.owner_id.is_(None))
    elif filters.owner.isdigit():
        query = query.where(Prospect.owner_id == int(filters.owner))
    if filters.created_from:
        query = query.where(Prospect.created_at >= local_day_bounds_utc(filters.created_from, tz)[0])
    if filters.created_to:
        query = query.where(Prospect.created_at < local_day_bounds_utc(filters.created_to, tz)[1])
    return query


def _ids(user, filters, tz):
    return report_prospects(user, filters, tz).with_only_columns(Prospect.id)


# ---- (1) prospects per current stage ----------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    stage: str
    count: int
    percent: int | None  # share of all prospects in the report, rounded


def stage_counts(user, filters, tz=None):
    """How many prospects are in each stage now: all seven stages, in order, zeros included."""
    rows = db.session.execute(
        sa.select(Prospect.stage, sa.func.count(Prospect.id))
        .where(Prospect.id.in_(_ids(user, filters, tz)))
        .group_by(Prospect.stage)
    ).all()
    counts = dict(rows)
    total = sum(counts.values())
    return [StageCount(stage, counts.get(stage, 0), _percent(counts.get(stage, 0), total)) for stage in STAGES]


# ---- (2) days spent in each stage -------------------------------------------------------------


@dataclass(frozen=True)
class StageDuration:
    stage: str
    prospects: int  # prospects measured: those that were ever in the stage
    ongoing: int  # of which still in it (measured until now)
    average_days: float | None
    median_days: float | None


def days_in_stage(user, filters, now=None, tz=None, stages=OPEN_STAGES):
    """For each of ``stages``, the average and median days prospects spent in it.

    A stay runs from the change into the stage to the prospect's next change; for the current
    stage, until ``now``. A prospect that was in a stage more than once counts once, with the
    days of its stays added up. By default only the open stages are measured: a signed, rejected
    or withdrawn prospect stays where it is, so "days there" would only be its age.
    """
    now = now or utcnow()
    seconds = defaultdict(list)
    ongoing = defaultdict(int)
    rows = db.session.execute(
        sa.select(StageChange.prospect_id, StageChange.to_stage, StageChange.created_at)
        .where(StageChange.prospect_id.in_(_ids(user, filters, tz)))
        .order_by(StageChange.prospect_id, StageChange.created_at, StageChange.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for _prospect_id, changes in groupby(rows, key=lambda row: row.prospect_id):
        changes = list(changes)
        stays = defaultdict(float)
        for change, following in zip(changes, changes[1:] + [None]):
            until = following.created_at if following is not None else now
            stays[change.to_stage] += max((until - change.created_at).total_seconds(), 0.0)
        for stage, total in stays.items():
            seconds[stage].append(total)
        ongoing[changes[-1].to_stage] += 1
    result = []
    for stage in stages:
        days = [s / SECONDS_PER_DAY for s in seconds.get(stage, [])]
        result.append(StageDuration(
            stage=stage, prospects=len(days), ongoing=ongoing.get(stage, 0),
            average_days=round(statistics.fmean(days), 1) if days else None,
            median_days=round(statistics.median(days), 1) if days else None,
        ))
    return result


# ---- (3) conversion along the funnel ----------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    next_stage: str | None  # None for the last stage (signed)
    reached: int  # prospects that ever reached the stage (or a later one)
    advanced: int | None  # of which reached the next stage
    percent: int | None  # advanced / reached, rounded; None when nobody reached the stage
    rejected: int  # prospects rejected from this stage
    withdrawn: int  # prospects withdrawn from this stage


def funnel(user, filters, tz=None):
    """Stage to stage along new → qualifying → negotiating → agreement sent → signed.

    From the stage history: a prospect has reached the furthest funnel stage it was ever moved
    to, and every stage before it (one entered straight into "negotiating" has passed "new" and
    "qualifying"). Rejections and withdrawals count the prospects closed from each stage.
    """
    ids = _ids(user, filters, tz)
    position = {stage: index for index, stage in enumerate(FUNNEL)}

    def rank(column):
        return sa.case(position, value=column, else_=-1)

    # The prospect's current stage is part of its history even if a change row is missing.
    stages = sa.union_all(
        sa.select(StageChange.prospect_id.label("prospect_id"), rank(StageChange.to_stage).label("rank"))
        .where(StageChange.prospect_id.in_(ids)),
        sa.select(Prospect.id.label("prospect_id"), rank(Prospect.stage).label("rank"))
        .where(Prospect.id.in_(ids)),
    ).subquery()
    furthest = (sa.select(sa.func.max(stages.c.rank).label("furthest"))
                .group_by(stages.c.prospect_id).subquery())
    by_furthest = dict(db.session.execute(
        sa.select(furthest.c.furthest, sa.func.count()).group_by(furthest.c.furthest)
    ).all())
    reached = [sum(n for rank_, n in by_furthest.items() if rank_ >= index) for index in range(len(FUNNEL))]

    closed = db.session.execute(
        sa.select(StageChange.from_stage, StageChange.to_stage, sa.func.count(sa.distinct(StageChange.prospect_id)))
        .where(StageChange.prospect_id.in_(ids), StageChange.to_stage.in_((REJECTED, WITHDRAWN)))
        .group_by(StageChange.from_stage, StageChange.to_stage)
    ).all()
    closed = {(from_stage, to_stage): n for from_stage, to_stage, n in closed}

    steps = []
    for index, stage in enumerate(FUNNEL):
        last = index == len(FUNNEL) - 1
        advanced = None if last else reached[index + 1]
        steps.append(FunnelStep(
            stage=stage, next_stage=None if last else FUNNEL[index + 1], reached=reached[index], advanced=advanced,
            percent=None if last else _percent(advanced, reached[index]),
            rejected=closed.get((stage, REJECTED), 0), withdrawn=closed.get((stage, WITHDRAWN), 0),
        ))
    return steps


# ---- the whole report -------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineReport:
    total: int
    by_stage: list
    durations: list
    funnel: list


def pipeline_report(user, filters, now=None, tz=None):
    by_stage = stage_counts(user, filters, tz)
    total = sum(row.count for row in by_stage)
    if not total:
        return PipelineReport(total=0, by_stage=by_stage, durations=[], funnel=[])
    return PipelineReport(total=total, by_stage=by_stage, durations=days_in_stage(user, filters, now, tz),
                          funnel=funnel(user, filters, tz))


def _percent(part, whole):
    """``part`` as a whole percentage of ``whole``, rounded half up; None when ``whole`` is 0."""
    return (200 * part + whole) // (2 * whole) if whole else None
