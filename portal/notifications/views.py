import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.core.pages import paginate
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import mark_read, render_text

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    query = (
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    pagination = paginate(query, per_page=30)
    return render_template("notifications/index.html", pagination=pagination, render_text=render_text)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    mark_read(current_user, [notification.id])
    db.session.commit()
    link = notification.link or url_for(".index")
    return redirect(link if link.startswith("/") else url_for(".index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    mark_read(current_user)
    db.session.commit()
    return redirect(url_for(".index"))
