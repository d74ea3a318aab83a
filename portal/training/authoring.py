"""Authoring (managers and admins): modules, lessons, the question bank.

Every view needs "training.author" (403 otherwise). Modules are the vendor's, not a
territory's, so any author may open any module; lessons, attachments and questions are
loaded through their module, so a mismatched id answers 404.
"""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.core import storage
from portal.core.errors import DomainError
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.core.permissions import require
from portal.extensions import db
from portal.training import authoring_services as services
from portal.training.forms import AttachmentForm, LessonForm, ModuleForm, QuestionForm
from portal.training.models import MODULE_STATUSES, Lesson, LessonAttachment, Question, TrainingModule
from portal.training.sanitize import lesson_html, video_embed_url

bp = Blueprint("training_admin", __name__, url_prefix="/training/manage")

MODULE_FIELDS = ("title_zh", "title_en", "description_zh", "description_en", "pass_mark", "questions_per_attempt",
                 "max_attempts", "time_limit_minutes", "certificate_validity_days")
LESSON_FIELDS = ("title_zh", "title_en", "body_zh", "body_en", "video_url")
PREVIEW_LOCALES = {"en": "en", "zh": "zh_CN"}


# Template helpers for lesson content, for the authoring preview and the learner's pages alike.
@bp.app_template_filter("lesson_html")
def _lesson_html_filter(html):
    return lesson_html(html)


@bp.app_template_global("video_embed_url")
def _video_embed_url(url):
    return video_embed_url(url)


# ---- loading ----------------------------------------------------------------------------------


def get_module(module_id):
    return db.session.get(TrainingModule, module_id) or abort(404)


def get_lesson(module, lesson_id):
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.module_id != module.id:
        abort(404)
    return lesson


def get_question(module, question_id):
    question = db.session.get(Question, question_id)
    if question is None or question.module_id != module.id:
        abort(404)
    return question


def _form_data(form, names):
    return {name: getattr(form, name).data for name in names}


# ---- modules ----------------------------------------------------------------------------------


def _counts_by_module(column, ids, *conditions):
    if not ids:
        return {}
    rows = db.session.execute(sa.select(column, sa.func.count()).where(column.in_(ids), *conditions).group_by(column))
    return dict(rows.all())


@bp.route("/")
@require("training.author")
def modules():
    status = request.args.get("status", "")
    query = sa.select(TrainingModule)
    if status in MODULE_STATUSES:
        query = query.where(TrainingModule.status == status)
    else:
        status = ""
    query = query.order_by(TrainingModule.updated_at.desc(), TrainingModule.id.desc())
    pagination = _paginate(query)
    ids = [m.id for m in pagination.items]
    return render_template(
        "training/manage/modules.html", pagination=pagination, status=status, statuses=MODULE_STATUSES,
        lesson_counts=_counts_by_module(Lesson.module_id, ids),
        question_counts=_counts_by_module(Question.module_id, ids, Question.active.is_(True)),
        any_module=bool(ids) or db.session.scalar(sa.select(TrainingModule.id).limit(1)) is not None,
    )


@bp.route("/new", methods=["GET", "POST"])
@require("training.author")
def new_module():
    form = ModuleForm()
    if request.method == "GET":
        form.pass_mark.data, form.questions_per_attempt.data, form.max_attempts.data = 80, 10, 3
        form.certificate_validity_days.data = 365
    if form.validate_on_submit():
        try:
            module = services.create_module(_form_data(form, MODULE_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("The module is created as a draft. Add its lessons and questions, then publish it."), "success")
            return redirect(url_for(".module", module_id=module.id))
    status = 400 if request.method == "POST" else 200
    return render_template("training/manage/module_form.html", form=form, module=None), status


@bp.route("/<int:module_id>")
@require("training.author")
def module(module_id):
    module = get_module(module_id)
    return render_template("training/manage/module.html", module=module,
                           problems=services.publish_problems(module),
                           active_questions=services.active_question_count(module),
                           transitions=services.TRANSITIONS.get(module.status, ()))


@bp.route("/<int:module_id>/edit", methods=["GET", "POST"])
@require("training.author")
def edit_module(module_id):
    module = get_module(module_id)
    form = ModuleForm(obj=module)
    if form.validate_on_submit():
        try:
            services.update_module(module, _form_data(form, MODULE_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
            module = get_module(module_id)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".module", module_id=module.id))
    status = 400 if request.method == "POST" else 200
    return render_template("training/manage/module_form.html", form=form, module=module), status


@bp.route("/<int:module_id>/status", methods=["POST"])
@require("training.author")
def set_status(module_id):
    module = get_module(module_id)
    status = request.form.get("status", "")
    try:
        services.set_status(module, status, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(_("The module's status was not changed."), "danger")
        _refused(error)
    else:
        db.session.commit()
        messages = {"published": _("The module is published: it can now be assigned and taken."),
                    "archived": _("The module is archived: it can no longer be assigned or started.")}
        flash(messages.get(status, _("Saved.")), "success")
    return redirect(url_for(".module", module_id=module_id))


@bp.route("/<int:module_id>/preview")
@require("training.author")
def preview(module_id):
    module = get_module(module_id)
    lang = request.args.get("lang")
    context = {"module": module, "lang": lang if lang in PREVIEW_LOCALES else None}
    if lang in PREVIEW_LOCALES:
        with force_locale(PREVIEW_LOCALES[lang]):
            return render_template("training/manage/preview.html", **context)
    return render_template("training/manage/preview.html", **context)


# ---- lessons ----------------------------------------------------------------------------------


@bp.route("/<int:module_id>/lessons/new", methods=["GET", "POST"])
@require("training.author")
def new_lesson(module_id):
    module = get_module(module_id)
    form = LessonForm()
    if form.validate_on_submit():
        try:
            lesson = services.add_lesson(module, _form_data(form, LESSON_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
            module = get_module(module_id)
        else:
            db.session.commit()
            flash(_("Lesson added. You can now attach files to it."), "success")
            return redirect(url_for(".edit_lesson", module_id=module.id, lesson_id=lesson.id))
    status = 400 if request.method == "POST" else 200
    return render_template("training/manage/lesson_form.html", form=form, module=module, lesson=None), status


def _lesson_page(module, lesson, form=None, attachment_form=None, status=200):
    return render_template(
        "training/manage/lesson_form.html", module=module, lesson=lesson, form=form or LessonForm(obj=lesson),
        attachment_form=attachment_form or AttachmentForm(), accept=services.ATTACHMENT_ACCEPT,
        max_bytes=services.ATTACHMENT_MAX_BYTES, max_label=storage.human_size(services.ATTACHMENT_MAX_BYTES),
    ), status


@bp.route("/<int:module_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@require("training.author")
def edit_lesson(module_id, lesson_id):
    module = get_module(module_id)
    lesson = get_lesson(module, lesson_id)
    form = LessonForm(obj=lesson)
    if form.validate_on_submit():
        try:
            services.update_lesson(lesson, _form_data(form, LESSON_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
            module = get_module(module_id)
            lesson = get_lesson(module, lesson_id)
        else:
            db.session.commit()
            flash(_("Lesson saved."), "success")
            return redirect(url_for(".module", module_id=module.id) + "#lessons")
    return _lesson_page(module, lesson, form=form, status=400 if request.method == "POST" else 200)


@bp.route("/<int:module_id>/lessons/<int:lesson_id>/move", methods=["POST"])
@require("training.author")
def move_lesson(module_id, lesson_id):
    module = get_module(module_id)
    lesson = get_lesson(module, lesson_id)
    try:
        services.move_lesson(lesson, request.form.get("direction", ""), current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
    return redirect(url_for(".module", module_id=module.id) + "#lessons")


@bp.route("/<int:module_id>/lessons/<int:lesson_id>/delete", methods=["POST"])
@require("training.author")
def delete_lesson(module_id, lesson_id):
    module = get_module(module_id)
    lesson = get_lesson(module, lesson_id)
    title = lesson.t("title")
    try:
        services.delete_lesson(lesson, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("Lesson “%(title)s” deleted.", title=title), "success")
    return redirect(url_for(".module", module_id=module.id) + "#lessons")


# ---- attachments ------------------------------------------------------------------------------


def get_attachment(lesson, attachment_id):
    attachment = db.session.get(LessonAttachment, attachment_id)
    if attachment is None or attachment.lesson_id != lesson.id:
        abort(404)
    return attachment


@bp.route("/<int:module_id>/lessons/<int:lesson_id>/attachments", methods=["POST"])
@require("training.author")
def add_attachment(module_id, lesson_id):
    module = get_module(module_id)
    lesson = get_lesson(module, lesson_id)
    # Accept the request up to the hard ceiling so that a file over the 20 MB limit becomes a
    # field error rather than a bare 413.
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    too_large = _("The file is larger than %(limit)s. Please send a smaller file.",
                  limit=storage.human_size(services.ATTACHMENT_MAX_BYTES))
    try:
        form = AttachmentForm()
    except RequestEntityTooLarge:
        form = AttachmentForm(formdata=None)
        form.file.errors = [too_large]
        return _lesson_page(module, lesson, attachment_form=form, status=400)
    if form.validate_on_submit():
        try:
            services.add_attachment(lesson, form.file.data, form.label.data, current_user)
        except DomainError as error:
            _refused(error, form)
            module = get_module(module_id)
            lesson = get_lesson(module, lesson_id)
        else:
            db.session.commit()
            flash(_("File attached."), "success")
            return redirect(url_for(".edit_lesson", module_id=module.id, lesson_id=lesson.id) + "#attachments")
    return _lesson_page(module, lesson, attachment_form=form, status=400)


@bp.route("/<int:module_id>/lessons/<int:lesson_id>/attachments/<int:attachment_id>")
@require("training.author")
def download_attachment(module_id, lesson_id, attachment_id):
    lesson = get_lesson(get_module(module_id), lesson_id)
    return storage.serve(get_attachment(lesson, attachment_id).file)


@bp.route("/<int:module_id>/lessons/<int:lesson_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@require("training.author")
def delete_attachment(module_id, lesson_id, attachment_id):
    module = get_module(module_id)
    lesson = get_lesson(module, lesson_id)
    attachment = get_attachment(lesson, attachment_id)
    try:
        services.remove_attachment(attachment, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("Attachment removed."), "success")
    return redirect(url_for(".edit_lesson", module_id=module.id, lesson_id=lesson.id) + "#attachments")


# ---- the question bank ------------------------------------------------------------------------


@bp.route("/<int:module_id>/questions")
@require("training.author")
def questions(module_id):
    module = get_module(module_id)
    return render_template("training/manage/questions.html", module=module,
                           active_questions=services.active_question_count(module),
                           wrong=services.wrong_answer_counts(module))


@bp.route("/<int:module_id>/questions/new", methods=["GET", "POST"])
@require("training.author")
def new_question(module_id):
    module = get_module(module_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.save_question(module, form.data_for_service(), current_user)
        except DomainError as error:
            _refused(error, form)
            module = get_module(module_id)
        else:
            db.session.commit()
            flash(_("Question added to the bank."), "success")
            if request.form.get("then") == "another":
                return redirect(url_for(".new_question", module_id=module.id, kind=form.kind.data))
            return redirect(url_for(".questions", module_id=module.id))
    elif request.method == "GET" and request.args.get("kind") in dict(form.kind.choices):
        form.kind.data = request.args["kind"]
    status = 400 if request.method == "POST" else 200
    return render_template("training/manage/question_form.html", form=form, module=module, question=None,
                           in_use=False), status


@bp.route("/<int:module_id>/questions/<int:question_id>", methods=["GET", "POST"])
@require("training.author")
def edit_question(module_id, question_id):
    module = get_module(module_id)
    question = get_question(module, question_id)
    form = QuestionForm()
    if request.method == "GET":
        form.fill_from(question)
    elif form.validate_on_submit():
        try:
            services.save_question(module, form.data_for_service(), current_user, question=question)
        except DomainError as error:
            _refused(error, form)
            module = get_module(module_id)
            question = get_question(module, question_id)
        else:
            db.session.commit()
            flash(_("Question saved."), "success")
            return redirect(url_for(".questions", module_id=module.id))
    status = 400 if request.method == "POST" else 200
    return render_template("training/manage/question_form.html", form=form, module=module, question=question,
                           in_use=services.question_in_use(question)), status


@bp.route("/<int:module_id>/questions/<int:question_id>/active", methods=["POST"])
@require("training.author")
def question_active(module_id, question_id):
    module = get_module(module_id)
    question = get_question(module, question_id)
    active = request.form.get("active") == "1"
    try:
        services.set_question_active(question, active, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("The question is active: exams may draw it.") if active
              else _("The question is inactive: exams no longer draw it."), "success")
    return redirect(url_for(".questions", module_id=module.id))


@bp.route("/<int:module_id>/questions/<int:question_id>/delete", methods=["POST"])
@require("training.author")
def delete_question(module_id, question_id):
    module = get_module(module_id)
    question = get_question(module, question_id)
    try:
        services.delete_question(question, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("Question deleted."), "success")
    return redirect(url_for(".questions", module_id=module.id))
