"""Users: sign-in, passwords, invitations, roles, deactivation."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask import render_template

from portal.accounts.models import User
from portal.accounts.tokens import make_token
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.permissions import ROLES
from portal.extensions import db
from portal.notifications.services import absolute_url, send_mail


def normalise_email(email):
    return (email or "").strip().lower()


def find_user(email):
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email, password):
    """The active user with these credentials, or None (same answer for every failure)."""
    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def create_user(email, name, role, locale=None, password=None, territories=()):
    email = normalise_email(email)
    if role not in ROLES:
        raise DomainError(_l("Unknown role."), field="role")
    if find_user(email) is not None:
        raise DomainError(_l("A user with this e-mail address already exists."), field="email")
    user = User(email=email, name=name.strip(), role=role, locale=locale, active=True, session_version=1)
    if password:
        user.set_password(password)
    user.territories = list(territories) if role == "manager" else []
    db.session.add(user)
    db.session.flush()
    return user


def send_password_link(user, purpose):
    """E-mail a set-password / reset / invitation link, valid 48 hours, in the user's language."""
    token = make_token(user, purpose)
    link = absolute_url(url_for("accounts.set_password", token=token))
    with force_locale(user.locale or "en"):
        subjects = {
            "set-password": _l("Your application account: choose a password"),
            "reset-password": _l("Reset your password"),
            "invite": _l("You are invited to the Partner Portal"),
        }
        body = render_template(f"accounts/email_{purpose.replace('-', '_')}.txt", user=user, link=link)
        send_mail(user.email, str(subjects[purpose]), body)
    return token


def set_password(user, password):
    user.set_password(password)
    user.end_sessions()  # other devices are signed out; the caller signs this one in again


def change_password(user, current, new):
    if not user.check_password(current):
        raise DomainError(_l("The current password is not right."), field="current")
    set_password(user, new)


def update_user(user, name, role, territories, actor):
    if user.id == actor.id and role != user.role:
        raise DomainError(_l("You cannot change your own role."), field="role")
    user.name = name.strip()
    if role != user.role:
        user.role = role
        user.end_sessions()
    user.territories = list(territories) if role == "manager" else []


def deactivate(user, actor):
    if user.id == actor.id:
        raise DomainError(_l("You cannot deactivate yourself."))
    user.active = False
    user.end_sessions()


def reactivate(user, actor):
    user.active = True
