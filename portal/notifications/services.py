"""Notify a person of an event: an in-app entry and an e-mail, in their own language."""
import logging

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_mailman import EmailMessage

from portal.core.models import utcnow
from portal.extensions import db
from portal.notifications.models import Notification

log = logging.getLogger(__name__)

# kind -> text with %(name)s parameters; later domains add their own kinds here.
MESSAGES = {
    "stage_changed": _l("%(company)s moved to “%(stage)s”."),
    "application_received": _l("New application from %(company)s."),
    "message_received": _l("New message about %(company)s from %(author)s."),
    "question_answered": _l("%(author)s answered on %(company)s."),
    "follow_up_due": _l("Follow-up due %(due)s for %(company)s: %(note)s"),
    "prospect_assigned": _l("%(company)s was assigned to you."),
    "duplicate_application": _l("Someone applied again for %(company)s (credit code already on file)."),
    "document_added": _l("%(author)s added a document to %(company)s."),
    "terms_proposed": _l("%(author)s sent version %(number)s of the terms for %(company)s."),
    "terms_accepted": _l("%(author)s accepted version %(number)s of the terms for %(company)s."),
    "terms_locked": _l("Version %(number)s of the terms for %(company)s is agreed and locked (confirmed by %(author)s)."),
    "terms_renewal": _l("%(author)s started the renewal of %(company)s: version %(number)s of the terms."),
    "deposit_paid": _l("A deposit payment of ¥%(amount)s was recorded (bank reference %(reference)s)."),
    "agreement_sent": _l("Agreement %(number)s for %(company)s is ready: please read and sign it."),
    "agreement_signed": _l("%(signer)s signed agreement %(number)s for %(company)s: it awaits your countersignature."),
    "agreement_countersigned": _l("Agreement %(number)s with %(company)s is now signed by both sides."),
    "partner_created": _l("Welcome: %(company)s is now a partner (agreement %(number)s signed by both sides). "
                          "Open your partner portal to keep your profile, outlets and staff."),
    "training_assigned": _l("New training for you: “%(module)s”. Due: %(due_on)s."),
    "certificate_issued": _l("You passed “%(module)s”. Your certificate %(code)s is valid until %(expires)s."),
    "case_opened": _l("Case %(number)s opened: %(title)s."),
    "certificate_expiring": _l("Your certificate for “%(module)s” expires on %(expires)s: take the exam again to "
                               "re-certify."),
}


def render_text(notification):
    """The notification's text in the current locale; parameters that are stage codes etc. are
    translated by their own tables before being stored as plain strings."""
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    params = dict(notification.params or {})
    translated = {}
    for key, value in params.items():
        translated[key] = _translate_param(key, value)
    try:
        return str(template) % translated
    except (KeyError, TypeError):
        return str(template)


def _translate_param(key, value):
    if isinstance(value, dict) and value and value.keys() <= {"en", "zh"}:  # a bilingual name, e.g. a module title
        from flask_babel import get_locale

        zh = str(get_locale() or "en").startswith("zh")
        return (value.get("zh") or value.get("en")) if zh else (value.get("en") or value.get("zh"))
    if key == "due_on":
        from datetime import date

        from flask_babel import format_date

        return format_date(date.fromisoformat(value)) if value else str(_l("no fixed date"))
    if key == "stage":
        from portal.recruitment.models import STAGE_LABELS

        return str(STAGE_LABELS.get(value, value))
    return value


def absolute_url(path):
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + path
    try:
        return url_for("core.home", _external=True).rstrip("/") + path
    except RuntimeError:
        return "http://127.0.0.1:5000" + path


def notify(user, kind, params=None, link=None, email=True):
    """Record the notification and e-mail it. The caller commits."""
    if user is None or not user.active:
        return None
    notification = Notification(user_id=user.id, kind=kind, params=params or {}, link=link)
    db.session.add(notification)
    db.session.flush()
    if email:
        send_notification_email(notification, user)
    return notification


def send_notification_email(notification, user):
    with force_locale(user.locale or "en"):
        text = render_text(notification)
        link = absolute_url(notification.link) if notification.link else None
        body = render_template("notifications/email.txt", user=user, text=text, link=link)
        subject = str(_l("[Partner Portal] %(text)s", text=text[:80]))
    send_mail(user.email, subject, body)
    notification.emailed_at = utcnow()


def send_mail(to, subject, body):
    try:
        EmailMessage(subject=subject, body=body, to=[to]).send()
    except Exception:  # e-mail must never lose the event: it stays in the in-app list
        log.exception("could not send e-mail to %s", to)


def unread_count(user):
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def mark_read(user, notification_ids=None):
    stmt = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(notification_ids))
    db.session.execute(stmt.values(read_at=utcnow()))
