"""The learner's side: my modules, lessons, exams, certificates.

Every page here is about the signed-in learner's own records: a module is opened only when it
is published, an attempt only by the person who took it; a certificate by that person, their
partner's admin and the vendor side that may see the partner. Anything else answers 404.
"""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core import storage
from portal.core.errors import DomainError
from portal.core.i18n import local_today_in
from portal.core.permissions import require
from portal.extensions import db
from portal.training import learning
from portal.training.exam_forms import parse_answers
from portal.training.models import Certificate, ExamAttempt, Lesson, LessonAttachment, TrainingModule

bp = Blueprint("training", __name__, url_prefix="/training")


def today():
    """Training dates (due dates, expiry) are days in the portal's time zone (Asia/Shanghai)."""
    return local_today_in()


@bp.app_template_global()
def training_summary(user):
    """For the partner's home page: counts of required, done, overdue and expiring training."""
    return learning.training_summary(user, today())


# ---- loaders: load and check in one step, so that no view can forget the check ---------------------


def get_module(module_id):
    module = db.session.get(TrainingModule, module_id)
    if module is None or module.status != "published":
        abort(404)
    return module


def get_lesson(module, lesson_id):
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.module_id != module.id:
        abort(404)
    return lesson


def get_own_attempt(attempt_id):
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def get_certificate(certificate_id):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not learning.can_download_certificate(current_user, certificate):
        abort(404)
    return certificate


# ---- my training, modules and lessons -------------------------------------------------------------


@bp.route("/")
@require("training.learn")
def index():
    required, optional = learning.learner_modules(current_user, today())
    return render_template("training/learn/index.html", required=required, optional=optional, today=today())


@bp.route("/modules/<int:module_id>")
@require("training.learn")
def module(module_id):
    module = get_module(module_id)
    progress = learning.module_progress(current_user, module, today())
    read = learning.lessons_read(current_user, module)
    next_lesson = next((lesson for lesson in module.lessons if lesson.id not in read), None)
    blocked = None if progress.in_progress else learning.exam_block_reason(current_user, module, today())
    return render_template("training/learn/module.html", module=module, progress=progress, read=read,
                           next_lesson=next_lesson, blocked=blocked, today=today())


@bp.route("/modules/<int:module_id>/lessons/<int:lesson_id>")
@require("training.learn")
def lesson(module_id, lesson_id):
    module = get_module(module_id)
    lesson = get_lesson(module, lesson_id)
    lessons = list(module.lessons)
    index = lessons.index(lesson)
    read = learning.lessons_read(current_user, module)
    return render_template(
        "training/learn/lesson.html", module=module, lesson=lesson, read=read, number=index + 1, count=len(lessons),
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        video_url=_safe_video_url(lesson.video_url),
    )


def _safe_video_url(url):
    """Only web links are shown as links (never javascript: or data:)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else None


@bp.route("/modules/<int:module_id>/lessons/<int:lesson_id>/read", methods=["POST"])
@require("training.learn")
def mark_read(module_id, lesson_id):
    module = get_module(module_id)
    lesson = get_lesson(module, lesson_id)
    learning.mark_lesson_read(current_user, lesson)
    db.session.commit()
    lessons = list(module.lessons)
    index = lessons.index(lesson)
    if index + 1 < len(lessons):
        return redirect(url_for(".lesson", module_id=module.id, lesson_id=lessons[index + 1].id))
    flash(_("You have read every lesson of this module. When you are ready, take the exam."), "success")
    return redirect(url_for(".module", module_id=module.id) + "#exam")


@bp.route("/modules/<int:module_id>/lessons/<int:lesson_id>/attachments/<int:attachment_id>")
@require("training.learn")
def attachment(module_id, lesson_id, attachment_id):
    module = get_module(module_id)
    lesson = get_lesson(module, lesson_id)
    item = db.session.get(LessonAttachment, attachment_id)
    if item is None or item.lesson_id != lesson.id or item.file is None:
        abort(404)
    return storage.serve(item.file, inline=False)


# ---- the exam ---------------------------------------------------------------------------------------


@bp.route("/modules/<int:module_id>/exam", methods=["POST"])
@require("training.learn")
def start_exam(module_id):
    module = get_module(module_id)
    try:
        attempt = learning.start_attempt(current_user, module, today())
    except learning.AttemptInProgress as error:
        db.session.commit()  # an earlier attempt may have been found expired on the way
        flash(str(error.message), "info")
        return redirect(url_for(".attempt", attempt_id=error.attempt.id))
    except DomainError as error:
        db.session.commit()
        flash(str(error.message), "danger")
        return redirect(url_for(".module", module_id=module.id) + "#exam")
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@require("training.learn")
def attempt(attempt_id):
    attempt = get_own_attempt(attempt_id)
    if learning.expire_if_late(attempt):
        db.session.commit()
    if attempt.status == "in_progress":
        return render_template("training/learn/exam.html", attempt=attempt, module=attempt.module,
                               exam=learning.exam_view(attempt))
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.attempt_id == attempt.id))
    return render_template("training/learn/result.html", attempt=attempt, module=attempt.module,
                           review=learning.attempt_review(attempt), certificate=certificate)


@bp.route("/attempts/<int:attempt_id>.json")
@require("training.learn")
def attempt_json(attempt_id):
    attempt = get_own_attempt(attempt_id)
    if learning.expire_if_late(attempt):
        db.session.commit()
    return jsonify({**learning.exam_view(attempt), "status": attempt.status})


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@require("training.learn")
def submit(attempt_id):
    attempt = get_own_attempt(attempt_id)
    try:
        learning.submit_attempt(attempt, parse_answers(request.form, attempt), today())
    except learning.AttemptExpired as error:
        db.session.commit()  # the attempt is marked expired and counts as used
        flash(str(error.message), "danger")
        return redirect(url_for(".attempt", attempt_id=attempt.id))
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
        return redirect(url_for(".attempt", attempt_id=attempt_id))
    db.session.commit()
    if attempt.passed:
        flash(_("You passed with %(score)d%%. Your certificate is ready to download.", score=attempt.score), "success")
    else:
        flash(_("You scored %(score)d%%; the pass mark is %(mark)d%%.", score=attempt.score,
                mark=attempt.module.pass_mark), "warning")
    return redirect(url_for(".attempt", attempt_id=attempt.id))


# ---- certificates -----------------------------------------------------------------------------------


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id):
    certificate = get_certificate(certificate_id)
    if certificate.file is None:
        abort(404)
    return storage.serve(certificate.file, inline=request.args.get("inline") == "1")
