"""Small pieces every list page and form view shares: the page number, pagination, and showing a
service's refusal on the form (or as flashed messages)."""
from flask import current_app, flash, request

from portal.core.errors import apply_to_form
from portal.extensions import db

PAGE_MAX = 100_000


def page_number():
    return min(max(request.args.get("page", 1, type=int) or 1, 1), PAGE_MAX)


def paginate(query):
    return db.paginate(query, page=page_number(), per_page=current_app.config["PER_PAGE"], error_out=False)


def refuse(error, form=None):
    """Roll back, then put the service's message(s) on their fields, or flash them."""
    db.session.rollback()
    if form is not None and apply_to_form(form, error):
        return
    for messages in (getattr(error, "errors", None) or {None: [error.message]}).values():
        for text in messages:
            flash(str(text), "danger")
