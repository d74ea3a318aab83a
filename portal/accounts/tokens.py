"""Signed, time-limited, single-use links: set password, reset password, invitation.

The token carries the user id, its purpose and a fingerprint of the current password hash,
so it stops working as soon as the password is set.
"""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.extensions import db

PURPOSES = ("set-password", "reset-password", "invite")


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal-password-token")


def _fingerprint(user):
    basis = f"{user.password_hash or ''}:{user.session_version}:{user.active}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def make_token(user, purpose):
    assert purpose in PURPOSES
    return _serializer().dumps({"u": user.id, "p": purpose, "f": _fingerprint(user)})


class TokenError(Exception):
    pass


def read_token(token, max_age=None):
    """Return (user, purpose) or raise TokenError('expired'|'invalid')."""
    from portal.accounts.models import User

    max_age = max_age or current_app.config["PASSWORD_TOKEN_MAX_AGE"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise TokenError("invalid")
    return user, data.get("p")
