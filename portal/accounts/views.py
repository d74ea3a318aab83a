import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload

from portal.accounts import services
from portal.accounts.forms import (
    ROLE_LABELS, AccountForm, ChangePasswordForm, EditUserForm, ForgotPasswordForm, InviteForm, LoginForm,
    SetPasswordForm,
)
from portal.accounts.models import User
from portal.accounts.tokens import TokenError, read_token
from portal.core.audit import AuditLog
from portal.core.errors import DomainError, apply_to_form
from portal.core.i18n import SUPPORTED
from portal.core.pages import paginate
from portal.core.permissions import ROLES, public, require
from portal.core.urls import local_path
from portal.extensions import db, limiter
from portal.reference.queries import territory_choices

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin_users", __name__, url_prefix="/admin")


def _safe_next(target):
    return local_path(target) or url_for("core.home")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail address or the password is not right."))
        else:
            if not user.locale and session.get("locale") in SUPPORTED:
                user.locale = session["locale"]
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user is not None and user.active:
            services.send_password_link(user, "reset-password")
        # Same answer whether or not the address is known.
        flash(_("If this address has an account, we have sent it a link to choose a new password. The link is valid for 48 hours."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def set_password(token):
    try:
        user, purpose = read_token(token)
    except TokenError as exc:
        reason = str(exc)
        return render_template("accounts/token_invalid.html", reason=reason), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        db.session.commit()
        login_user(user)
        flash(_("Your password is set. Welcome!"), "success")
        return redirect(url_for("core.home"))
    return render_template("accounts/set_password.html", form=form, user=user, purpose=purpose)


@bp.route("/language", methods=["POST"])
@public
def choose_language():
    locale = request.form.get("locale")
    if locale in SUPPORTED:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if request.method == "POST" and request.form.get("action") == "password":
        if password_form.validate_on_submit():
            try:
                services.change_password(current_user, password_form.current.data, password_form.password.data)
            except DomainError as error:
                apply_to_form(password_form, error)
            else:
                db.session.commit()
                login_user(current_user)
                flash(_("Your password is changed. Other devices have been signed out."), "success")
                return redirect(url_for(".account"))
    elif form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.locale = form.locale.data
        current_user.timezone = form.timezone.data
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for(".account"))
    return render_template("accounts/account.html", form=form, password_form=password_form)


# ---- administration ---------------------------------------------------------------------------


def _get_user(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@admin_bp.route("/users")
@require("admin.users")
def users():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    query = sa.select(User).order_by(User.name).options(selectinload(User.territories))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    if role in ROLES:
        query = query.where(User.role == role)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    pagination = paginate(query, per_page=30)
    return render_template("accounts/admin_users.html", pagination=pagination, role_labels=ROLE_LABELS,
                           roles=ROLES, q=q, role=role, status=status)


@admin_bp.route("/users/invite", methods=["GET", "POST"])
@require("admin.users")
def invite():
    form = InviteForm()
    form.territories.choices = territory_choices()
    if form.validate_on_submit():
        from portal.reference.models import Territory

        territories = db.session.scalars(sa.select(Territory).where(Territory.id.in_(form.territories.data or []))).all()
        try:
            user = services.create_user(form.email.data, form.name.data, form.role.data,
                                        locale=form.locale.data, territories=territories)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            services.send_password_link(user, "invite")
            db.session.commit()
            flash(_("Invitation sent to %(email)s. The link is valid for 48 hours.", email=user.email), "success")
            return redirect(url_for(".users"))
    return render_template("accounts/admin_invite.html", form=form)


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require("admin.users")
def edit_user(user_id):
    user = _get_user(user_id)
    form = EditUserForm(obj=user)
    form.territories.choices = territory_choices()
    if request.method == "GET":
        form.territories.data = [t.id for t in user.territories]
    if form.validate_on_submit():
        from portal.reference.models import Territory

        territories = db.session.scalars(sa.select(Territory).where(Territory.id.in_(form.territories.data or []))).all()
        try:
            services.update_user(user, form.name.data, form.role.data, territories, actor=current_user)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".edit_user", user_id=user.id))
    history = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.entity_type == "User", AuditLog.entity_id == str(user.id))
        .order_by(AuditLog.id.desc()).limit(50).options(selectinload(AuditLog.actor))
    ).all()
    return render_template("accounts/admin_edit_user.html", form=form, user=user, history=history, role_labels=ROLE_LABELS)


@admin_bp.route("/users/<int:user_id>/active", methods=["POST"])
@require("admin.users")
def set_active(user_id):
    user = _get_user(user_id)
    try:
        if request.form.get("active") == "1":
            services.reactivate(user, actor=current_user)
            message = _("%(name)s can sign in again.", name=user.name)
        else:
            services.deactivate(user, actor=current_user)
            message = _("%(name)s is deactivated and signed out everywhere.", name=user.name)
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@admin_bp.route("/users/<int:user_id>/resend", methods=["POST"])
@require("admin.users")
def resend_invite(user_id):
    user = _get_user(user_id)
    services.send_password_link(user, "invite")
    db.session.commit()
    flash(_("Invitation sent to %(email)s. The link is valid for 48 hours.", email=user.email), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@admin_bp.route("/audit")
@require("admin.audit")
def audit():
    entity = request.args.get("entity", "")
    query = sa.select(AuditLog).order_by(AuditLog.id.desc()).options(selectinload(AuditLog.actor))
    if entity:
        query = query.where(AuditLog.entity_type == entity)
    pagination = paginate(query, per_page=50)
    entities = db.session.scalars(sa.select(AuditLog.entity_type).distinct().order_by(AuditLog.entity_type)).all()
    return render_template("accounts/admin_audit.html", pagination=pagination, entity=entity, entities=entities)
