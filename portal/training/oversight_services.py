"""Progress and statistics for those who oversee training: partner admins (their own people),
channel managers (the partners they may see) and admins (all).

Every function takes the partners or people to look at; the views choose them through scoped
queries (portal.partners.queries), so nothing here widens what a user may see. The work is done
in a fixed number of queries whatever the number of people.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.extensions import db
from portal.partners.models import Partner
from portal.training.assignment_services import (
    active_people, requirements, today_local, valid_certificates,
)
from portal.training.models import (
    AttemptQuestion, Certificate, ExamAttempt, Lesson, LessonProgress, Question, TrainingModule,
)

STATUSES = {
    "passed": _l("Passed"),
    "in_progress": _l("In progress"),
    "not_started": _l("Not started"),
    "overdue": _l("Overdue"),
    "expired": _l("Certificate expired"),
}
EXPIRY_WINDOW_DAYS = 30


def percent(part, whole, places="1"):
    """part / whole as a Decimal percentage (None when whole is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass
class Requirement:
    """One required (person × module) pair and where the person stands."""

    user: User
    module: TrainingModule
    due_on: date | None
    source: str
    status: str
    certificate: Certificate | None = None  # the valid one, or the last expired one
    days_overdue: int = 0

    @property
    def status_label(self):
        return STATUSES[self.status]


def started_pairs(user_ids, module_ids):
    """{(user id, module id)} where the person read a lesson or started an exam."""
    if not user_ids or not module_ids:
        return set()
    user_ids, module_ids = list(user_ids), list(module_ids)
    lessons = db.session.execute(
        sa.select(LessonProgress.user_id, Lesson.module_id).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id.in_(user_ids), Lesson.module_id.in_(module_ids)).distinct()
    ).all()
    attempts = db.session.execute(
        sa.select(ExamAttempt.user_id, ExamAttempt.module_id)
        .where(ExamAttempt.user_id.in_(user_ids), ExamAttempt.module_id.in_(module_ids)).distinct()
    ).all()
    return {tuple(r) for r in lessons} | {tuple(r) for r in attempts}


def _latest_certificates(user_ids):
    """{(user id, module id): the certificate expiring last}, expired or not."""
    if not user_ids:
        return {}
    best = {}
    for cert in db.session.scalars(sa.select(Certificate).where(Certificate.user_id.in_(list(user_ids)))):
        key = (cert.user_id, cert.module_id)
        if key not in best or cert.expires_on > best[key].expires_on:
            best[key] = cert
    return best


def status_of(due_on, certificate, started, today):
    """passed (a valid certificate) / expired (had one, it lapsed) / overdue (past the due day) /
    in progress (a lesson read or an exam started) / not started."""
    if certificate is not None and certificate.expires_on >= today:
        return "passed"
    if certificate is not None:
        return "expired"
    if due_on is not None and due_on < today:
        return "overdue"
    return "in_progress" if started else "not_started"


def person_requirements(people, today=None, module_id=None):
    """{user id: [Requirement]} for these people (optionally only one module)."""
    today = today or today_local()
    required = requirements(people)
    if module_id:
        required = {uid: [r for r in rows if r[0].id == module_id] for uid, rows in required.items()}
    user_ids = list(required)
    module_ids = {m.id for rows in required.values() for m, _d, _s in rows}
    certs = _latest_certificates(user_ids)
    started = started_pairs(user_ids, module_ids)
    result = {}
    for user in people:
        rows = []
        for module, due_on, source in required.get(user.id, []):
            cert = certs.get((user.id, module.id))
            status = status_of(due_on, cert, (user.id, module.id) in started, today)
            rows.append(Requirement(user, module, due_on, source, status, cert,
                                    (today - due_on).days if status == "overdue" else 0))
        result[user.id] = rows
    return result


# ---- completion by partner and territory ------------------------------------------------------


@dataclass
class Completion:
    """Counts of required (person × module) pairs."""

    label: str = ""
    partner: Partner | None = None
    people: int = 0
    required: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    def add(self, status):
        self.required += 1
        self.counts[status] += 1

    def merge(self, other):
        self.people += other.people
        self.required += other.required
        for key, value in other.counts.items():
            self.counts[key] += value

    @property
    def passed(self):
        return self.counts["passed"]

    @property
    def in_progress(self):
        return self.counts["in_progress"]

    @property
    def overdue(self):
        return self.counts["overdue"]

    @property
    def rate(self):
        return percent(self.passed, self.required, "1")


def filter_partners(query, territory_id=None, channel_type_id=None):
    """Narrow a select of partners (already scoped to the user) to a territory (a province
    covers its cities) and a channel type; only active partners."""
    query = query.where(Partner.status == "active")
    if territory_id:
        query = query.where(sa.or_(Partner.province_id == territory_id, Partner.city_id == territory_id))
    if channel_type_id:
        query = query.where(Partner.channel_type_id == channel_type_id)
    return query


def overview(partners, today=None, module_id=None):
    """Completion per partner, per province, overall, and the overdue pairs, for ``partners``."""
    today = today or today_local()
    partners = list(partners)
    people = active_people([p.id for p in partners])
    by_person = person_requirements(people, today, module_id)
    per_partner = {p.id: Completion(label=p.name, partner=p) for p in partners}
    overdue = []
    for user in people:
        completion = per_partner[user.partner_id]
        completion.people += 1
        for req in by_person.get(user.id, []):
            completion.add(req.status)
            if req.status == "overdue":
                overdue.append(req)
    provinces = {}
    for p in partners:
        key = p.province_id or 0
        if key not in provinces:
            provinces[key] = Completion(label=p.province.label if p.province else str(_l("No territory")))
        provinces[key].merge(per_partner[p.id])
    total = Completion(label=str(_l("All")))
    for c in per_partner.values():
        total.merge(c)
    overdue.sort(key=lambda r: (-r.days_overdue, r.user.partner.name if r.user.partner else "", r.user.name))
    partner_rows = sorted(per_partner.values(), key=lambda c: (-(c.overdue), c.label.lower()))
    return {
        "partners": partner_rows,
        "territories": sorted(provinces.values(), key=lambda c: c.label),
        "total": total,
        "overdue": overdue,
    }


# ---- exams ------------------------------------------------------------------------------------


@dataclass
class ExamStats:
    module: TrainingModule
    attempts: int
    passed: int
    score_total: int
    scored: int

    @property
    def pass_rate(self):
        return percent(self.passed, self.attempts)

    @property
    def average_score(self):
        return percent(self.score_total, self.scored * 100) if self.scored else None


def exam_stats(modules, partner_ids=None):
    """Finished attempts (submitted or timed out) per module: how many, how many passed, the pass
    rate and the average score. ``partner_ids`` limits the attempts to those partners' people."""
    modules = list(modules)
    if not modules:
        return []
    finished = ExamAttempt.status != "in_progress"
    query = (
        sa.select(ExamAttempt.module_id, sa.func.count(ExamAttempt.id),
                  sa.func.sum(sa.case((ExamAttempt.passed.is_(True), 1), else_=0)),
                  sa.func.sum(sa.func.coalesce(ExamAttempt.score, 0)), sa.func.count(ExamAttempt.score))
        .where(finished, ExamAttempt.module_id.in_([m.id for m in modules]))
        .group_by(ExamAttempt.module_id)
    )
    if partner_ids is not None:
        query = query.where(ExamAttempt.partner_id.in_(list(partner_ids)))
    rows = {r[0]: r[1:] for r in db.session.execute(query)}
    return [ExamStats(m, *(int(v or 0) for v in rows.get(m.id, (0, 0, 0, 0)))) for m in modules]


def question_stats(module, partner_ids=None):
    """[(question, answered, wrong, wrong_rate)] for the module's graded answers, the questions
    most often answered wrong first (wrong_rate a Decimal percentage)."""
    query = (
        sa.select(AttemptQuestion.question_id, sa.func.count(AttemptQuestion.id),
                  sa.func.sum(sa.case((AttemptQuestion.correct.is_(False), 1), else_=0)))
        .join(ExamAttempt, ExamAttempt.id == AttemptQuestion.attempt_id)
        .where(ExamAttempt.module_id == module.id, AttemptQuestion.correct.is_not(None))
        .group_by(AttemptQuestion.question_id)
    )
    if partner_ids is not None:
        query = query.where(ExamAttempt.partner_id.in_(list(partner_ids)))
    counts = {qid: (int(answered), int(wrong or 0)) for qid, answered, wrong in db.session.execute(query)}
    if not counts:
        return []
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(list(counts))))}
    rows = [(questions[qid], answered, wrong, percent(wrong, answered))
            for qid, (answered, wrong) in counts.items() if qid in questions]
    rows.sort(key=lambda r: (-r[3], -r[2], r[0].position, r[0].id))
    return rows


# ---- certificates -----------------------------------------------------------------------------


def expiring_certificates(partner_ids, today=None, days=EXPIRY_WINDOW_DAYS):
    """Valid certificates of the active people of these partners that expire within ``days``,
    soonest first, leaving out those already renewed by a certificate that runs longer."""
    today = today or today_local()
    if not partner_ids:
        return []
    certs = db.session.scalars(
        sa.select(Certificate).join(User, User.id == Certificate.user_id)
        .where(User.partner_id.in_(list(partner_ids)), User.active.is_(True),
               Certificate.expires_on >= today, Certificate.expires_on <= today + timedelta(days=days))
        .order_by(Certificate.expires_on, Certificate.id)
        .options(selectinload(Certificate.user).selectinload(User.partner), selectinload(Certificate.module))
    ).all()
    best = valid_certificates({c.user_id for c in certs}, today)
    return [c for c in certs if best.get((c.user_id, c.module_id)) is c]


def person_attempts(user):
    return db.session.scalars(
        sa.select(ExamAttempt).where(ExamAttempt.user_id == user.id)
        .order_by(ExamAttempt.started_at.desc(), ExamAttempt.id.desc()).options(selectinload(ExamAttempt.module))
    ).all()


def person_certificates(user):
    return db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).options(selectinload(Certificate.module))
    ).all()
