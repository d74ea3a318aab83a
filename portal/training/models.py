"""Onboarding training: modules with lessons and an exam, assignments, attempts, certificates."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db


def _zh():
    try:
        return str(get_locale() or "en").startswith("zh")
    except RuntimeError:
        return False


class BilingualText:
    """Helpers for rows with *_en / *_zh columns: ``obj.t("title")`` is the reader's language,
    falling back to the other language when one is empty."""

    def t(self, name):
        en, zh = getattr(self, f"{name}_en"), getattr(self, f"{name}_zh")
        return (zh or en) if _zh() else (en or zh)


MODULE_STATUSES = {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")}


class TrainingModule(Audited, BilingualText, TimestampMixin, db.Model):
    __tablename__ = "training_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    description_zh: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    pass_mark: Mapped[int] = mapped_column(sa.Integer, default=80)  # percent of drawn questions
    questions_per_attempt: Mapped[int] = mapped_column(sa.Integer, default=10)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, default=3)
    time_limit_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    certificate_validity_days: Mapped[int] = mapped_column(sa.Integer, default=365)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    lessons = relationship("Lesson", back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan")
    questions = relationship("Question", back_populates="module", order_by="Question.position",
                             cascade="all, delete-orphan")

    @property
    def status_label(self):
        return MODULE_STATUSES.get(self.status, self.status)


class Lesson(Audited, BilingualText, TimestampMixin, db.Model):
    """A lesson: formatted text (sanitised HTML, kept per language), an optional video link and
    downloadable attachments."""

    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    body_zh: Mapped[str] = mapped_column(sa.Text, default="")
    video_url: Mapped[str | None] = mapped_column(sa.String(500))

    module = relationship("TrainingModule", back_populates="lessons")
    attachments = relationship("LessonAttachment", back_populates="lesson", order_by="LessonAttachment.id",
                               cascade="all, delete-orphan")


class LessonAttachment(db.Model):
    __tablename__ = "lesson_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    label: Mapped[str | None] = mapped_column(sa.String(200))

    lesson = relationship("Lesson", back_populates="attachments")
    file = relationship("StoredFile")


QUESTION_KINDS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice (all or nothing)"),
    "true_false": _l("True or false"),
}


class Question(Audited, BilingualText, TimestampMixin, db.Model):
    """A question in a module's bank. Each attempt draws ``questions_per_attempt`` of the active ones."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    kind: Mapped[str] = mapped_column(sa.String(12), default="single")
    text_en: Mapped[str] = mapped_column(sa.Text)
    text_zh: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    module = relationship("TrainingModule", back_populates="questions")
    options = relationship("QuestionOption", back_populates="question", order_by="QuestionOption.position",
                           cascade="all, delete-orphan")

    @property
    def kind_label(self):
        return QUESTION_KINDS.get(self.kind, self.kind)


class QuestionOption(Audited, BilingualText, db.Model):
    __tablename__ = "question_option"
    __audit_exclude__ = ()

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    text_en: Mapped[str] = mapped_column(sa.String(500))
    text_zh: Mapped[str] = mapped_column(sa.String(500))
    correct: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    question = relationship("Question", back_populates="options")


class CurriculumRule(Audited, TimestampMixin, db.Model):
    """A module required for partners of a channel type and/or tier (empty = any), due
    ``due_days`` after the later of the partner's signing and the rule's creation."""

    __tablename__ = "curriculum_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id", ondelete="CASCADE"), index=True)
    channel_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channel_type.id"))
    tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_tier.id"))
    due_days: Mapped[int] = mapped_column(sa.Integer, default=30)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    module = relationship("TrainingModule")
    channel_type = relationship("ChannelType")
    tier = relationship("PartnerTier")


class TrainingAssignment(Audited, db.Model):
    """A module assigned by a manager to a whole partner or to one person."""

    __tablename__ = "training_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module = relationship("TrainingModule")
    partner = relationship("Partner")
    user = relationship("User", foreign_keys=[user_id])


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "lesson_id", name="uq_lesson_progress_user_lesson"),)


class AttemptGrant(Audited, db.Model):
    """Extra exam attempts a manager granted a person, with the reason (audited)."""

    __tablename__ = "attempt_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    extra: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(500))
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


ATTEMPT_STATUSES = {"in_progress": _l("In progress"), "submitted": _l("Submitted"), "expired": _l("Time ran out")}


class ExamAttempt(db.Model):
    __tablename__ = "exam_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)  # 1, 2, 3… for this person and module
    status: Mapped[str] = mapped_column(sa.String(12), default="in_progress", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # enforced by the server
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(sa.Integer)  # percent
    passed: Mapped[bool | None] = mapped_column(sa.Boolean)

    module = relationship("TrainingModule")
    user = relationship("User")
    partner = relationship("Partner")
    items = relationship("AttemptQuestion", back_populates="attempt", order_by="AttemptQuestion.position",
                         cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("module_id", "user_id", "number", name="uq_exam_attempt_number"),)

    @property
    def status_label(self):
        return ATTEMPT_STATUSES.get(self.status, self.status)


class AttemptQuestion(db.Model):
    """A question drawn for an attempt. Options are shown in ``option_order`` (option ids) and
    answered by their displayed position, so nothing in the page depends on which is correct."""

    __tablename__ = "attempt_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"))
    position: Mapped[int] = mapped_column(sa.Integer)
    option_order: Mapped[list] = mapped_column(sa.JSON, default=list)
    answer: Mapped[list | None] = mapped_column(sa.JSON)  # displayed positions chosen
    correct: Mapped[bool | None] = mapped_column(sa.Boolean)

    attempt = relationship("ExamAttempt", back_populates="items")
    question = relationship("Question")


class Certificate(db.Model):
    """Proof that a person passed a module: a PDF and a public verification code."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id"), index=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_attempt.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[date] = mapped_column(sa.Date, index=True)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    reminded_on: Mapped[date | None] = mapped_column(sa.Date)

    user = relationship("User")
    partner = relationship("Partner")
    module = relationship("TrainingModule")
    attempt = relationship("ExamAttempt")
    file = relationship("StoredFile")
