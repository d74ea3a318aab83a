"""The learner's side of training: progress, exam attempts, grading and certificates.

Plain functions with explicit arguments (the learner, the module, the time); a refused step
raises DomainError with a message fit to show, and the caller commits.

The exam never sends the browser anything that depends on which option is correct: an attempt
stores, per drawn question, the order its options are shown in (``option_order``, option ids),
and the learner answers by displayed position (0, 1, 2…). ``exam_view`` is the only thing the
exam page and its JSON are made from; grading maps the positions back to options on the server.

Attempts count per certification cycle: the first cycle is every attempt until the first pass;
after a pass, a new cycle (re-certification) opens when the certificate expires within
``EXPIRING_WITHIN_DAYS`` days or has expired, and counts the attempts (and the extra attempts
granted) since that pass.
"""
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import SystemRandom

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError
from portal.core.i18n import d
from portal.core.models import utcnow
from portal.core.permissions import can_manage_partner, can_view_partner, has_permission
from portal.core.storage import store_bytes
from portal.extensions import db
from portal.notifications.services import notify
from portal.training.models import (
    AttemptGrant, AttemptQuestion, Certificate, ExamAttempt, Lesson, LessonProgress, Question, QuestionOption,
    TrainingModule,
)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read out and type
CODE_LENGTH = 12  # 32^12 = 2^60 codes
GRACE = timedelta(seconds=30)  # network delay allowed after the deadline
EXPIRING_WITHIN_DAYS = 30

_random = SystemRandom()


class AttemptInProgress(DomainError):
    """Starting refused because ``attempt`` is still open: the learner should resume it."""

    def __init__(self, attempt):
        super().__init__(_l("You have an exam in progress: continue it (a new attempt cannot start until it is "
                            "submitted)."))
        self.attempt = attempt


class AttemptExpired(DomainError):
    """A submission after the deadline. The attempt has been marked expired: commit that."""

    def __init__(self, attempt):
        super().__init__(_l("Time ran out for this attempt: the answers arrived after the deadline and were not "
                            "accepted. The attempt counts as used."))
        self.attempt = attempt


# ---- modules and progress ------------------------------------------------------------------------


def published_modules():
    return db.session.scalars(
        sa.select(TrainingModule).where(TrainingModule.status == "published").order_by(TrainingModule.title_en,
                                                                                       TrainingModule.id)
    ).all()


def required_for(user):
    """[(module, due_on or None, source)] required of ``user``: curricula and manual assignments
    (portal.training.assignment_services). Until that exists, nothing is required."""
    try:
        from portal.training.assignment_services import required_modules
    except ImportError:
        return []
    seen = {}
    for module, due_on, source in required_modules(user):
        if module.id in seen:
            previous = seen[module.id]
            if due_on is not None and (previous[1] is None or due_on < previous[1]):
                seen[module.id] = (module, due_on, source)
        else:
            seen[module.id] = (module, due_on, source)
    return list(seen.values())


def certificate_state(certificate, today):
    """'valid', 'expiring' (expires within EXPIRING_WITHIN_DAYS days) or 'expired' (after its
    expires_on day; the certificate is valid through that day)."""
    if certificate is None:
        return None
    if today > certificate.expires_on:
        return "expired"
    if (certificate.expires_on - today).days <= EXPIRING_WITHIN_DAYS:
        return "expiring"
    return "valid"


@dataclass
class ModuleProgress:
    """One module as the learner sees it in "My training"."""

    module: TrainingModule
    required: bool = False
    due_on: date | None = None
    source: object = None
    lessons_read: int = 0
    lessons_total: int = 0
    best_score: int | None = None
    passed: bool = False
    attempts_used: int = 0
    attempts_allowed: int = 0
    in_progress: ExamAttempt | None = None
    certificate: Certificate | None = None
    certificate_state: str | None = None
    overdue: bool = False
    attempts: list = field(default_factory=list)

    @property
    def source_label(self):
        """"Curriculum" or "Assigned" (portal.training.assignment_services.SOURCES), if known."""
        try:
            from portal.training.assignment_services import SOURCES
        except ImportError:
            return None
        return SOURCES.get(self.source) if isinstance(self.source, str) else None

    @property
    def lessons_percent(self):
        return round(100 * self.lessons_read / self.lessons_total) if self.lessons_total else 0


def _user_records(user, module_ids):
    """Everything about ``user`` in these modules, in a few queries: lesson counts, lessons read,
    attempts, grants and certificates, keyed by module id."""
    if not module_ids:
        return {}, {}, {}, {}, {}
    totals = dict(db.session.execute(
        sa.select(Lesson.module_id, sa.func.count(Lesson.id)).where(Lesson.module_id.in_(module_ids))
        .group_by(Lesson.module_id)
    ).all())
    read = dict(db.session.execute(
        sa.select(Lesson.module_id, sa.func.count(LessonProgress.id))
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .where(Lesson.module_id.in_(module_ids), LessonProgress.user_id == user.id)
        .group_by(Lesson.module_id)
    ).all())
    attempts, grants, certificates = {}, {}, {}
    for attempt in db.session.scalars(
        sa.select(ExamAttempt).where(ExamAttempt.user_id == user.id, ExamAttempt.module_id.in_(module_ids))
        .order_by(ExamAttempt.number)
    ):
        attempts.setdefault(attempt.module_id, []).append(attempt)
    for grant in db.session.scalars(
        sa.select(AttemptGrant).where(AttemptGrant.user_id == user.id, AttemptGrant.module_id.in_(module_ids))
    ):
        grants.setdefault(grant.module_id, []).append(grant)
    for certificate in db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user.id, Certificate.module_id.in_(module_ids))
        .order_by(Certificate.expires_on, Certificate.id)
    ):
        certificates[certificate.module_id] = certificate  # the one lasting longest wins
    return totals, read, attempts, grants, certificates


def _allowance(module, attempts, grants):
    """(used, allowed) in the current certification cycle (see the module docstring)."""
    passes = [a for a in attempts if a.passed and a.status == "submitted"]
    if passes:
        last = max(passes, key=lambda a: a.number)
        since = last.submitted_at or last.started_at
        used = sum(1 for a in attempts if a.number > last.number)
        extra = sum(g.extra for g in grants if g.created_at and g.created_at > since)
    else:
        used = len(attempts)
        extra = sum(g.extra for g in grants)
    return used, (module.max_attempts or 0) + extra


def _progress(module, user, today, records, required=False, due_on=None, source=None):
    totals, read, attempts, grants, certificates = records
    mine = attempts.get(module.id, [])
    used, allowed = _allowance(module, mine, grants.get(module.id, []))
    scores = [a.score for a in mine if a.status == "submitted" and a.score is not None]
    certificate = certificates.get(module.id)
    passed = any(a.passed for a in mine if a.status == "submitted")
    return ModuleProgress(
        module=module, required=required, due_on=due_on, source=source,
        lessons_read=read.get(module.id, 0), lessons_total=totals.get(module.id, 0),
        best_score=max(scores) if scores else None, passed=passed, attempts_used=used, attempts_allowed=allowed,
        in_progress=next((a for a in mine if a.status == "in_progress"), None),
        certificate=certificate, certificate_state=certificate_state(certificate, today),
        overdue=bool(required and due_on is not None and due_on < today and not passed),
        attempts=mine,
    )


def learner_modules(user, today):
    """(required, optional): ModuleProgress rows for "My training". Required modules come from
    the curricula and assignments (earliest due first); optional ones are every other published
    module."""
    required = [(m, due, source) for m, due, source in required_for(user) if m.status == "published"]
    required_ids = {m.id for m, _due, _source in required}
    optional = [m for m in published_modules() if m.id not in required_ids]
    records = _user_records(user, list(required_ids) + [m.id for m in optional])
    required_rows = [_progress(m, user, today, records, True, due, source) for m, due, source in required]
    required_rows.sort(key=lambda row: (row.due_on is None, row.due_on or date.max, row.module.t("title")))
    optional_rows = [_progress(m, user, today, records) for m in optional]
    optional_rows.sort(key=lambda row: row.module.t("title"))
    return required_rows, optional_rows


def module_progress(user, module, today):
    """The learner's progress in one module (required or not, with its due date if required)."""
    required = next(((due, source) for m, due, source in required_for(user) if m.id == module.id), None)
    records = _user_records(user, [module.id])
    if required:
        return _progress(module, user, today, records, True, required[0], required[1])
    return _progress(module, user, today, records)


def training_summary(user, today):
    """Counts for a small block on the partner's home page."""
    required, optional = learner_modules(user, today)
    rows = required + optional
    return {
        "required": len(required),
        "required_done": sum(1 for r in required if r.passed),
        "overdue": sum(1 for r in required if r.overdue),
        "certificates": sum(1 for r in rows if r.certificate_state in ("valid", "expiring")),
        "expiring": sum(1 for r in rows if r.certificate_state == "expiring"),
        "expired": sum(1 for r in rows if r.certificate_state == "expired"),
    }


def lessons_read(user, module):
    """{lesson_id: completed_at} of the lessons ``user`` has read in ``module``."""
    return dict(db.session.execute(
        sa.select(LessonProgress.lesson_id, LessonProgress.completed_at)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.module_id == module.id, LessonProgress.user_id == user.id)
    ).all())


def mark_lesson_read(user, lesson, now=None):
    """Record that ``user`` read ``lesson`` (once; reading again keeps the first time)."""
    existing = db.session.scalar(
        sa.select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
    )
    if existing is not None:
        return existing
    progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=now or utcnow())
    db.session.add(progress)
    db.session.flush()
    return progress


# ---- attempts ---------------------------------------------------------------------------------------


def attempts_of(user, module):
    return db.session.scalars(
        sa.select(ExamAttempt).where(ExamAttempt.user_id == user.id, ExamAttempt.module_id == module.id)
        .order_by(ExamAttempt.number)
    ).all()


def _grants_of(user, module):
    return db.session.scalars(
        sa.select(AttemptGrant).where(AttemptGrant.user_id == user.id, AttemptGrant.module_id == module.id)
    ).all()


def attempt_allowance(user, module):
    """(used, allowed) in the current certification cycle: allowed = max_attempts plus the
    extra attempts granted to this person for this module (in this cycle)."""
    return _allowance(module, attempts_of(user, module), _grants_of(user, module))


def current_certificate(user, module):
    """The certificate of ``user`` for ``module`` that lasts longest, or None."""
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.user_id == user.id, Certificate.module_id == module.id)
        .order_by(Certificate.expires_on.desc(), Certificate.id.desc()).limit(1)
    )


def exam_questions(module):
    """The module's bank: active questions with at least two options."""
    questions = db.session.scalars(
        sa.select(Question).where(Question.module_id == module.id, Question.active.is_(True))
        .order_by(Question.position, Question.id)
    ).all()
    return [q for q in questions if len(q.options) >= 2]


def _mark_expired(attempt):
    """Claim an open attempt as expired (a conditional update, so a racing submission loses)."""
    result = db.session.execute(
        sa.update(ExamAttempt).where(ExamAttempt.id == attempt.id, ExamAttempt.status == "in_progress")
        .values(status="expired", passed=False).execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        attempt.status, attempt.passed = "expired", False
        return True
    db.session.refresh(attempt)
    return False


def is_late(attempt, now):
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def expire_if_late(attempt, now=None):
    """Mark an open attempt whose deadline (plus the grace) has passed as expired. True if it was."""
    now = now or utcnow()
    if attempt.status == "in_progress" and is_late(attempt, now):
        return _mark_expired(attempt)
    return False


def exam_block_reason(user, module, today, now=None):
    """Why ``user`` may not start an attempt now (a message), or None. An open attempt is not
    a reason here: the page offers to continue it."""
    now = now or utcnow()
    if module.status != "published":
        return _l("This module is not open for learning.")
    certificate = current_certificate(user, module)
    state = certificate_state(certificate, today)
    if state == "valid":
        reopen = certificate.expires_on - timedelta(days=EXPIRING_WITHIN_DAYS)
        return _l("You hold a valid certificate for this module until %(expires)s. You can take the exam again to "
                  "re-certify from %(reopen)s.", expires=d(certificate.expires_on), reopen=d(reopen))
    used, allowed = attempt_allowance(user, module)
    if used >= allowed:
        return _l("You have used all %(allowed)d attempts at this exam. Ask your channel manager if you need "
                  "another attempt.", allowed=allowed)
    if not exam_questions(module):
        return _l("This exam has no questions yet. Please come back later.")
    return None


def start_attempt(user, module, today, now=None, rng=None):
    """Open a new attempt: draw ``questions_per_attempt`` active questions at random from the
    bank, shuffle each one's options (true/false keep their authored order) and set the deadline
    when the module has a time limit.

    Refused while another attempt is open (AttemptInProgress, carrying it), when the attempts
    are used up, and while the learner holds a certificate that is not about to expire.
    """
    now = now or utcnow()
    rng = rng or _random
    for attempt in attempts_of(user, module):
        if attempt.status == "in_progress" and not expire_if_late(attempt, now):
            raise AttemptInProgress(attempt)
    reason = exam_block_reason(user, module, today, now)
    if reason:
        raise DomainError(reason)
    bank = exam_questions(module)
    drawn = rng.sample(bank, min(module.questions_per_attempt or len(bank), len(bank)))
    number = (db.session.scalar(
        sa.select(sa.func.max(ExamAttempt.number)).where(ExamAttempt.user_id == user.id,
                                                         ExamAttempt.module_id == module.id)
    ) or 0) + 1
    attempt = ExamAttempt(
        module_id=module.id, user_id=user.id, partner_id=user.partner_id, number=number, status="in_progress",
        started_at=now,
        deadline_at=now + timedelta(minutes=module.time_limit_minutes) if module.time_limit_minutes else None,
    )
    for position, question in enumerate(drawn, start=1):
        order = [option.id for option in question.options]
        if question.kind != "true_false":
            rng.shuffle(order)
        attempt.items.append(AttemptQuestion(question_id=question.id, position=position, option_order=order))
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _options_by_id(attempt):
    ids = [option_id for item in attempt.items for option_id in (item.option_order or [])]
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(sa.select(QuestionOption).where(QuestionOption.id.in_(ids)))}


def displayed_options(item, options_by_id):
    """The options of a drawn question in the order they are shown (positions 0, 1, 2…)."""
    return [options_by_id[i] for i in (item.option_order or []) if i in options_by_id]


def exam_view(attempt):
    """The exam as plain data — the only source of the exam page and its JSON. Nothing in it
    depends on which option is correct: {questions: [{position, kind, text, options: [text…]}],
    deadline (ISO 8601, UTC, or None)}."""
    options = _options_by_id(attempt)
    return {
        "questions": [
            {"position": item.position, "kind": item.question.kind, "text": item.question.t("text"),
             "options": [o.t("text") for o in displayed_options(item, options)]}
            for item in attempt.items
        ],
        "deadline": attempt.deadline_at.isoformat() if attempt.deadline_at else None,
    }


def is_correct(kind, correct_positions, chosen):
    """Single choice and true/false: right when exactly one position is chosen and it is a correct
    option. Multiple choice: all or nothing — exactly the set of correct options."""
    chosen = set(chosen)
    if kind == "multiple":
        return bool(chosen) and chosen == set(correct_positions)
    return len(chosen) == 1 and chosen <= set(correct_positions)


def correct_positions(item, options_by_id):
    return {pos for pos, option in enumerate(displayed_options(item, options_by_id)) if option.correct}


def submit_attempt(attempt, answers, today, now=None):
    """Grade the answers on the server. ``answers`` maps question position -> displayed option
    positions chosen. Score = per cent of the drawn questions answered right (rounded down);
    passed = score ≥ the module's pass mark. A pass issues a certificate.

    Refused for an attempt already submitted; a submission after the deadline (plus GRACE)
    marks the attempt expired and raises AttemptExpired (commit the expiry).
    """
    now = now or utcnow()
    if attempt.status == "submitted":
        raise DomainError(_l("These answers were already submitted: an attempt can be submitted only once."))
    if attempt.status == "expired" or expire_if_late(attempt, now):
        raise AttemptExpired(attempt)
    claimed = db.session.execute(
        sa.update(ExamAttempt).where(ExamAttempt.id == attempt.id, ExamAttempt.status == "in_progress")
        .values(status="submitted", submitted_at=now).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # another request submitted (or expired) it first
        db.session.refresh(attempt)
        raise DomainError(_l("These answers were already submitted: an attempt can be submitted only once."))
    options = _options_by_id(attempt)
    right = 0
    for item in attempt.items:
        count = len(displayed_options(item, options))
        chosen = sorted({p for p in answers.get(item.position, ()) if isinstance(p, int) and 0 <= p < count})
        item.answer = chosen
        item.correct = is_correct(item.question.kind, correct_positions(item, options), chosen)
        right += item.correct
    total = len(attempt.items)
    attempt.status, attempt.submitted_at = "submitted", now
    attempt.score = right * 100 // total if total else 0
    attempt.passed = bool(total) and right * 100 >= attempt.module.pass_mark * total
    db.session.flush()
    if attempt.passed:
        issue_certificate(attempt, today, now)
    return attempt


def attempt_review(attempt):
    """After submission: each question with its options, what was chosen and what was right."""
    if attempt.status != "submitted":
        return []
    options = _options_by_id(attempt)
    review = []
    for item in attempt.items:
        shown = displayed_options(item, options)
        chosen = set(item.answer or [])
        review.append({
            "position": item.position, "kind": item.question.kind, "kind_label": item.question.kind_label,
            "text": item.question.t("text"), "correct": bool(item.correct),
            "options": [{"text": o.t("text"), "chosen": pos in chosen, "right": bool(o.correct)}
                        for pos, o in enumerate(shown)],
        })
    return review


# ---- certificates -------------------------------------------------------------------------------------


def new_code():
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(sa.select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def normalise_code(text):
    """What a person typed (any case, spaces, dashes) as a stored code."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:40]


def format_code(code):
    """ABCD-EFGH-JKLM: easier to read out."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def title_for(user, module):
    """The module's title in ``user``'s language (for notifications, stored as plain text)."""
    if (user.locale or "").startswith("zh"):
        return module.title_zh or module.title_en
    return module.title_en or module.title_zh


def issue_certificate(attempt, today, now=None):
    """A certificate for a passed attempt: a unique code, expiry = today (Asia/Shanghai) +
    the module's validity, a PDF stored with its SHA-256; the person is notified."""
    from portal.training.certificates import render_certificate

    if not attempt.passed:
        raise DomainError(_l("Only a passed attempt earns a certificate."))
    existing = db.session.scalar(sa.select(Certificate).where(Certificate.attempt_id == attempt.id))
    if existing is not None:
        return existing
    module, user = attempt.module, attempt.user
    certificate = Certificate(
        code=new_code(), user_id=user.id, partner_id=attempt.partner_id or user.partner_id, module_id=module.id,
        attempt_id=attempt.id, issued_at=now or utcnow(),
        expires_on=today + timedelta(days=module.certificate_validity_days or 0),
    )
    db.session.add(certificate)
    db.session.flush()
    pdf = render_certificate(certificate, issued_on=today)
    certificate.file = store_bytes(pdf, f"certificate-{certificate.code}.pdf", "application/pdf")
    db.session.flush()
    notify(user, "certificate_issued",
           {"module": title_for(user, module), "code": format_code(certificate.code),
            "expires": certificate.expires_on.isoformat()},
           link=f"/training/modules/{module.id}")
    return certificate


def can_download_certificate(user, certificate):
    """The person; their partner's admin; the vendor side that oversees training and may see
    the partner. Anyone else is told nothing (404)."""
    if not user or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if certificate.user_id == user.id:
        return True
    partner = certificate.partner
    if partner is None:
        return False
    if can_manage_partner(user, partner):
        return True
    return has_permission(user, "training.oversee") and can_view_partner(user, partner)


def certificate_by_code(code):
    code = normalise_code(code)
    if not code:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


def send_certificate_reminders(today):
    """Remind each person whose certificate expires within EXPIRING_WITHIN_DAYS days to
    re-certify — once per certificate (Certificate.reminded_on), and not when they already hold
    a newer certificate for the module. Idempotent; returns how many were sent."""
    due = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.reminded_on.is_(None), Certificate.expires_on >= today,
               Certificate.expires_on <= today + timedelta(days=EXPIRING_WITHIN_DAYS))
        .order_by(Certificate.id)
    ).all()
    sent = 0
    for certificate in due:
        newer = db.session.scalar(
            sa.select(Certificate.id).where(Certificate.user_id == certificate.user_id,
                                            Certificate.module_id == certificate.module_id,
                                            Certificate.expires_on > certificate.expires_on).limit(1)
        )
        if newer is not None:
            continue
        # Claim the certificate first, so that two runs at once do not both send.
        result = db.session.execute(
            sa.update(Certificate).where(Certificate.id == certificate.id, Certificate.reminded_on.is_(None))
            .values(reminded_on=today).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        user = certificate.user
        notify(user, "certificate_expiring",
               {"module": title_for(user, certificate.module), "expires": certificate.expires_on.isoformat()},
               link=f"/training/modules/{certificate.module_id}")
        sent += 1
    return sent
