"""Authoring training modules: the module's settings and status, its ordered lessons with their
attachments, and the question bank.

Plain functions: they take the acting user and plain values, check the rules, change the
objects and raise DomainError / ValidationError naming the form field. The caller commits.
TrainingModule, Lesson, Question and QuestionOption are Audited; changes are flushed as the
acting user so the audit trail names them. Attachments are not an Audited model, so adding and
removing one writes its audit row here.
"""
import io
import zipfile
from contextlib import suppress
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core import storage
from portal.core.audit import AuditLog, acting_as
from portal.core.errors import DomainError, ValidationError
from portal.core.permissions import has_permission
from portal.extensions import db
from portal.training.models import (
    MODULE_STATUSES, QUESTION_KINDS, AttemptQuestion, Lesson, LessonAttachment, Question, QuestionOption,
    TrainingModule,
)
from portal.training.sanitize import has_text, sanitize_html

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
BODY_MAX = 200_000
QUESTION_MAX = 2000
OPTION_MAX = 500
MIN_OPTIONS, MAX_OPTIONS = 2, 8
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024

# name -> (lowest, highest) allowed; only time_limit_minutes may be left empty
NUMBER_LIMITS = {
    "pass_mark": (1, 100),
    "questions_per_attempt": (1, 200),
    "max_attempts": (1, 100),
    "time_limit_minutes": (1, 600),
    "certificate_validity_days": (1, 3650),
}
NUMBER_MISSING = {
    "pass_mark": _l("Enter the pass mark, a percentage from 1 to 100."),
    "questions_per_attempt": _l("Enter how many questions each attempt draws (1 or more)."),
    "max_attempts": _l("Enter the maximum number of attempts (1 or more)."),
    "certificate_validity_days": _l("Enter how many days a certificate stays valid."),
}
NUMBER_RANGE = {
    "pass_mark": _l("The pass mark is a percentage from 1 to 100."),
    "questions_per_attempt": _l("Each attempt draws from 1 to 200 questions."),
    "max_attempts": _l("Allow from 1 to 100 attempts."),
    "time_limit_minutes": _l("The time limit is from 1 to 600 minutes; leave it empty for no limit."),
    "certificate_validity_days": _l("A certificate stays valid from 1 to 3650 days (ten years)."),
}

# Allowed status changes: draft -> published -> archived; an archived module may be published again.
TRANSITIONS = {"draft": {"published", "archived"}, "published": {"archived"}, "archived": {"published"}}

# Attachments: PDF and images by their content; Office files and ZIP archives are ZIP files by
# content and accepted by the name's extension.
ATTACHMENT_KINDS = ("pdf", "png", "jpeg")
ZIP_TYPES = {
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}
ATTACHMENT_ACCEPT = ".pdf,.png,.jpg,.jpeg," + ",".join(ZIP_TYPES)

TRUE_FALSE_OPTIONS = (("True", "对"), ("False", "错"))


def _flush_as(actor):
    """Flush now, so the audit rows written in the flush name ``actor``."""
    with acting_as(actor):
        db.session.flush()


def _require_author(actor):
    if not has_permission(actor, "training.author"):
        raise DomainError(_l("Only channel managers and administrators may author training."))


def _text(data, name):
    return (data.get(name) or "").strip()


def _bilingual(data, name, errors, missing_zh, missing_en, limit):
    values = {}
    for lang, missing in (("zh", missing_zh), ("en", missing_en)):
        key = f"{name}_{lang}"
        value = _text(data, key)
        if not value:
            errors[key] = [missing]
        elif len(value) > limit:
            errors[key] = [_l("At most %(max)d characters.", max=limit)]
        values[key] = value
    return values


# ---- modules ----------------------------------------------------------------------------------


def module_values(data):
    """Checked values for a module, or ValidationError with a message on each wrong field."""
    errors = {}
    values = _bilingual(data, "title", errors, _l("Enter the title in Chinese."), _l("Enter the title in English."),
                        TITLE_MAX)
    values.update(_bilingual(data, "description", errors, _l("Enter the description in Chinese."),
                             _l("Enter the description in English."), DESCRIPTION_MAX))
    for name, (low, high) in NUMBER_LIMITS.items():
        value = data.get(name)
        if value is None or value == "":
            if name in NUMBER_MISSING:
                errors[name] = [NUMBER_MISSING[name]]
            values[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [NUMBER_RANGE[name]]
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


def create_module(data, actor):
    _require_author(actor)
    module = TrainingModule(status="draft", created_by_id=actor.id, **module_values(data))
    db.session.add(module)
    _flush_as(actor)
    return module


def update_module(module, data, actor):
    _require_author(actor)
    values = module_values(data)
    if module.status == "published" and values["questions_per_attempt"] > active_question_count(module):
        raise DomainError(
            _l("This module is published and its bank has %(n)d active questions; an attempt cannot draw more. "
               "Add questions first.", n=active_question_count(module)),
            field="questions_per_attempt",
        )
    for key, value in values.items():
        setattr(module, key, value)
    _flush_as(actor)
    return module


def active_question_count(module):
    return sum(1 for q in module.questions if q.active)


def publish_problems(module):
    """What stops the module from being published, as messages (empty when it is ready)."""
    problems = []
    if not module.lessons:
        problems.append(_l("Add at least one lesson."))
    active = [q for q in module.questions if q.active]
    if len(active) < module.questions_per_attempt:
        problems.append(_l("Each attempt draws %(n)d questions, but the bank has %(active)d active questions. "
                           "Add questions or draw fewer.", n=module.questions_per_attempt, active=len(active)))
    for question in active:
        for message in question_problems(question):
            problems.append(_l("Question %(number)d: %(problem)s", number=question.position, problem=message))
    return problems


def set_status(module, status, actor):
    """Publish, archive or publish again. Publishing needs a lesson and enough valid questions."""
    _require_author(actor)
    if status not in MODULE_STATUSES:
        raise DomainError(_l("Choose a status."), field="status")
    if status == module.status:
        raise DomainError(_l("The module is already %(status)s.", status=MODULE_STATUSES[status]), field="status")
    if status not in TRANSITIONS.get(module.status, ()):
        raise DomainError(_l("A module that is %(current)s cannot become %(status)s.",
                             current=MODULE_STATUSES[module.status], status=MODULE_STATUSES[status]), field="status")
    if status == "published":
        problems = publish_problems(module)
        if problems:
            raise ValidationError({"status": problems})
    module.status = status
    _flush_as(actor)
    return module


def _still_publishable(module, field):
    """A published module must stay ready for learners: refuse a change that breaks that."""
    if module.status != "published":
        return
    problems = publish_problems(module)
    if problems:
        raise ValidationError({field: [_l("The module is published, so this change is refused:"), *problems]})


# ---- lessons ----------------------------------------------------------------------------------


def lesson_values(data):
    errors = {}
    values = _bilingual(data, "title", errors, _l("Enter the lesson's title in Chinese."),
                        _l("Enter the lesson's title in English."), TITLE_MAX)
    for lang, missing in (("zh", _l("Write the lesson's text in Chinese.")),
                          ("en", _l("Write the lesson's text in English."))):
        key = f"body_{lang}"
        body = sanitize_html(data.get(key) or "")
        if not has_text(body):
            errors[key] = [missing]
        elif len(body) > BODY_MAX:
            errors[key] = [_l("At most %(max)d characters.", max=BODY_MAX)]
        values[key] = body
    video = _text(data, "video_url")
    if video:
        parts = urlsplit(video)
        if parts.scheme.lower() != "https" or not parts.hostname or " " in video:
            errors["video_url"] = [_l("Enter a video address that starts with https://, e.g. "
                                      "https://www.bilibili.com/video/BV…")]
        elif len(video) > 500:
            errors["video_url"] = [_l("At most %(max)d characters.", max=500)]
    values["video_url"] = video or None
    if errors:
        raise ValidationError(errors)
    return values


def add_lesson(module, data, actor):
    _require_author(actor)
    values = lesson_values(data)
    position = max((lesson.position for lesson in module.lessons), default=0) + 1
    lesson = Lesson(position=position, **values)
    module.lessons.append(lesson)
    _flush_as(actor)
    return lesson


def update_lesson(lesson, data, actor):
    _require_author(actor)
    for key, value in lesson_values(data).items():
        setattr(lesson, key, value)
    _flush_as(actor)
    return lesson


def move_lesson(lesson, direction, actor):
    """Move a lesson one place up or down; positions become 1, 2, 3… in the new order."""
    _require_author(actor)
    if direction not in ("up", "down"):
        raise DomainError(_l("Choose up or down."), field="direction")
    lessons = sorted(lesson.module.lessons, key=lambda x: (x.position, x.id))
    index = lessons.index(lesson)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(lessons):
        lessons[index], lessons[other] = lessons[other], lessons[index]
    for position, item in enumerate(lessons, start=1):
        if item.position != position:
            item.position = position
    _flush_as(actor)
    lesson.module.lessons.sort(key=lambda x: x.position)
    return lesson


def delete_lesson(lesson, actor):
    """Delete a lesson with its attachments (and learners' progress on it)."""
    _require_author(actor)
    module = lesson.module
    if module.status == "published" and len(module.lessons) <= 1:
        raise DomainError(_l("A published module needs at least one lesson. Add another lesson first, "
                             "or archive the module."), field="lesson")
    for attachment in list(lesson.attachments):
        remove_attachment(attachment, actor)
    module.lessons.remove(lesson)  # delete-orphan: the lesson is deleted in the flush
    _flush_as(actor)
    for position, item in enumerate(sorted(module.lessons, key=lambda x: (x.position, x.id)), start=1):
        item.position = position
    _flush_as(actor)


# ---- attachments ------------------------------------------------------------------------------


def _is_zip(data):
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def attachment_type(data, filename):
    """The content type to store for an attachment, judged by its bytes (PDF, PNG, JPEG; a ZIP
    archive for .pptx, .docx, .xlsx and .zip names), or None if it is not one of those."""
    content_type = storage.detect_type(data, ATTACHMENT_KINDS)
    if content_type:
        return content_type
    suffix = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if suffix in ZIP_TYPES and _is_zip(data):
        return ZIP_TYPES[suffix]
    return None


def _audit_attachment(attachment, action, actor):
    stored = attachment.file
    db.session.add(AuditLog(
        actor_id=actor.id if actor else None, entity_type="LessonAttachment", entity_id=str(attachment.id),
        action=action, new_value=(f"lesson_id={attachment.lesson_id}; file={stored.original_name}; "
                                  f"size={stored.size}; sha256={stored.sha256}") if action == "create" else None,
        old_value=(f"lesson_id={attachment.lesson_id}; file={stored.original_name}; sha256={stored.sha256}"
                   if action == "delete" else None),
    ))


def add_attachment(lesson, file_storage, label, actor, max_bytes=ATTACHMENT_MAX_BYTES):
    """Store a checked upload as a downloadable attachment of ``lesson``."""
    _require_author(actor)
    label = (label or "").strip()
    if len(label) > TITLE_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=TITLE_MAX), field="label")
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise DomainError(_l("Choose a file to attach."), field="file")
    data = storage.read_limited(file_storage, max_bytes, "file")
    content_type = attachment_type(data, file_storage.filename)
    if content_type is None:
        raise DomainError(_l("This file is not a PDF, PNG or JPG file, nor a PowerPoint (.pptx), Word (.docx), "
                             "Excel (.xlsx) or ZIP file. Attach one of those."), field="file")
    stored = storage.store_bytes(data, file_storage.filename, content_type, uploaded_by=actor)
    attachment = LessonAttachment(file=stored, label=label or None)
    lesson.attachments.append(attachment)
    _flush_as(actor)
    _audit_attachment(attachment, "create", actor)
    return attachment


def remove_attachment(attachment, actor):
    _require_author(actor)
    _audit_attachment(attachment, "delete", actor)
    stored = attachment.file
    attachment.lesson.attachments.remove(attachment)  # delete-orphan
    _flush_as(actor)
    storage.discard(stored)
    _flush_as(actor)


# ---- the question bank ------------------------------------------------------------------------


def _option_problems(kind, options):
    """Messages about a question's options; ``options`` are (text_en, text_zh, correct) tuples."""
    if kind == "true_false":
        texts = [(en, zh) for en, zh, _correct in options]
        if texts != list(TRUE_FALSE_OPTIONS) or sum(1 for *_t, c in options if c) != 1:
            return [_l("A true-or-false question has exactly two options, True (对) and False (错), "
                       "one of them correct.")]
        return []
    problems = []
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        problems.append(_l("Give from %(min)d to %(max)d options.", min=MIN_OPTIONS, max=MAX_OPTIONS))
    for number, (en, zh, _correct) in enumerate(options, start=1):
        if not en or not zh:
            problems.append(_l("Option %(n)d needs its text in both Chinese and English.", n=number))
        elif len(en) > OPTION_MAX or len(zh) > OPTION_MAX:
            problems.append(_l("Option %(n)d is longer than %(max)d characters.", n=number, max=OPTION_MAX))
    for lang in (0, 1):
        seen = [o[lang].casefold() for o in options if o[lang]]
        if len(seen) != len(set(seen)):
            problems.append(_l("Two options have the same text. Each option must be different."))
            break
    correct = sum(1 for *_t, c in options if c)
    if kind == "single" and correct != 1:
        problems.append(_l("Mark the correct option.") if correct == 0 else
                        _l("A single-choice question has exactly one correct option; %(n)d are marked.", n=correct))
    if kind == "multiple" and correct == 0:
        problems.append(_l("Mark at least one correct option."))
    return problems


def _question_errors(kind, text_en, text_zh, options):
    errors = {}
    if kind not in QUESTION_KINDS:
        errors["kind"] = [_l("Choose the kind of question.")]
    for key, value, missing in (("text_zh", text_zh, _l("Write the question in Chinese.")),
                                ("text_en", text_en, _l("Write the question in English."))):
        if not value:
            errors[key] = [missing]
        elif len(value) > QUESTION_MAX:
            errors[key] = [_l("At most %(max)d characters.", max=QUESTION_MAX)]
    if kind in QUESTION_KINDS:
        problems = _option_problems(kind, options)
        if problems:
            errors["tf_answer" if kind == "true_false" else "options"] = problems
    return errors


def question_problems(question):
    """Why a stored question could not be asked (empty list when it is fine)."""
    options = [((o.text_en or "").strip(), (o.text_zh or "").strip(), bool(o.correct)) for o in question.options]
    errors = _question_errors(question.kind, (question.text_en or "").strip(), (question.text_zh or "").strip(),
                              options)
    return [message for messages in errors.values() for message in messages]


def question_in_use(question):
    """True once the question was drawn for an exam attempt."""
    if question.id is None:
        return False
    return db.session.scalar(
        sa.select(AttemptQuestion.id).where(AttemptQuestion.question_id == question.id).limit(1)
    ) is not None


def _wanted_options(kind, data, question):
    """[(existing option or None, text_en, text_zh, correct)] from the form's rows, and the
    existing options the author removed."""
    existing = {o.id: o for o in (question.options if question else [])}
    if kind == "true_false":
        answer = data.get("tf_answer")
        by_text = {(o.text_en, o.text_zh): o for o in existing.values()}
        wanted = [(by_text.get((en, zh)), en, zh, answer == value)
                  for (en, zh), value in zip(TRUE_FALSE_OPTIONS, ("true", "false"))]
    else:
        wanted = []
        for row in data.get("options") or []:
            en, zh = _text(row, "text_en"), _text(row, "text_zh")
            option = existing.get(_int_or_none(row.get("id")))
            if not en and not zh:
                continue  # an empty row, or an existing option the author cleared
            wanted.append((option, en, zh, bool(row.get("correct"))))
    kept = {id(o) for o, *_rest in wanted if o is not None}
    removed = [o for o in existing.values() if id(o) not in kept]
    return wanted, removed


def _int_or_none(value):
    with suppress(TypeError, ValueError):
        return int(value)
    return None


def save_question(module, data, actor, question=None):
    """Create (``question`` None) or change a question of ``module``'s bank.

    ``data``: kind, text_en, text_zh, active, and for single/multiple choice ``options`` — rows
    of {id, text_en, text_zh, correct} (a row with an id and no text removes that option); for
    true/false ``tf_answer`` ("true" or "false"): its two options are made here.
    """
    _require_author(actor)
    kind = data.get("kind")
    text_en, text_zh = _text(data, "text_en"), _text(data, "text_zh")
    wanted, removed = _wanted_options(kind, data, question)
    errors = _question_errors(kind, text_en, text_zh, [(en, zh, correct) for _o, en, zh, correct in wanted])
    if kind == "true_false" and data.get("tf_answer") not in ("true", "false"):
        errors["tf_answer"] = [_l("Choose whether the statement is true or false.")]
    if question is not None and not errors and question_in_use(question):
        if kind != question.kind:
            errors["kind"] = [_l("This question was already asked in exams, so its kind cannot change. "
                                 "Deactivate it and write a new question instead.")]
        elif removed:
            errors["options"] = [_l("This question was already asked in exams, so its options cannot be removed. "
                                    "Deactivate it and write a new question instead.")]
    if errors:
        raise ValidationError(errors)
    if question is None:
        position = max((q.position for q in module.questions), default=0) + 1
        question = Question(position=position)
        module.questions.append(question)
    question.kind, question.text_en, question.text_zh = kind, text_en, text_zh
    question.active = bool(data.get("active", True))
    for option in removed:
        question.options.remove(option)
    for position, (option, en, zh, correct) in enumerate(wanted, start=1):
        if option is None:
            option = QuestionOption()
            question.options.append(option)
        option.position, option.text_en, option.text_zh, option.correct = position, en, zh, correct
    question.options.sort(key=lambda o: o.position)
    _still_publishable(module, "active")
    _flush_as(actor)
    return question


def set_question_active(question, active, actor):
    """Deactivated questions stay in the bank (and in past attempts) but are never drawn."""
    _require_author(actor)
    if active and question_problems(question):
        raise DomainError(_l("This question is not complete. Edit it before activating it."), field="active")
    question.active = bool(active)
    _still_publishable(question.module, "active")
    _flush_as(actor)
    return question


def delete_question(question, actor):
    """Delete a question never asked in an exam; one that was asked can only be deactivated."""
    _require_author(actor)
    if question_in_use(question):
        raise DomainError(_l("This question was already asked in exams, so it is kept with their results. "
                             "Deactivate it instead."), field="question")
    module = question.module
    module.questions.remove(question)  # delete-orphan: the question and its options go in the flush
    _still_publishable(module, "question")
    for position, item in enumerate(sorted(module.questions, key=lambda q: (q.position, q.id)), start=1):
        if item.position != position:
            item.position = position
    _flush_as(actor)


def wrong_answer_counts(module):
    """{question id: (times answered wrong, times answered, wrong rate in %)} from the exam
    statistics (portal.training.oversight_services.question_stats), or None without them."""
    try:
        from portal.training.oversight_services import question_stats
    except ImportError:
        return None
    return {question.id: (wrong, answered, rate) for question, answered, wrong, rate in question_stats(module)}
