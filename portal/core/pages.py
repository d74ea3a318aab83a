"""Small pieces every list page and form view shares: the page number, pagination (of a query, of
a list computed in Python, of a page fetched with its total), and showing a service's refusal on
the form (or as flashed messages)."""
from flask import current_app, flash, request
from flask_sqlalchemy.pagination import Pagination

from portal.core.errors import place_on_form
from portal.extensions import db

PAGE_MAX = 100_000


def page_number():
    return min(max(request.args.get("page", 1, type=int) or 1, 1), PAGE_MAX)


def paginate(query, per_page=None):
    """One page of ``query`` (``per_page`` defaults to the PER_PAGE setting); a page past the end
    is empty, not an error."""
    return db.paginate(query, page=page_number(), per_page=per_page or current_app.config["PER_PAGE"],
                       error_out=False)


def refuse(error, form=None):
    """Roll back, then put the service's message(s) on their fields, and flash those without one
    (every message of a ValidationError is shown, none is lost)."""
    db.session.rollback()
    for text in place_on_form(form, error):
        flash(text, "danger")


class ListPagination(Pagination):
    """Pagination (for macros/ui.html pager) over a list computed in Python."""

    def __init__(self, items, page=1, per_page=25):
        super().__init__(page=page, per_page=per_page, error_out=False, all_items=list(items))

    def _query_items(self):
        items = self._query_args["all_items"]
        return items[self._query_offset:self._query_offset + self.per_page]

    def _query_count(self):
        return len(self._query_args["all_items"])


class KnownPagination(Pagination):
    """A page of items fetched by the database, with the total known from the same statement."""

    def __init__(self, items, page, per_page, total):
        super().__init__(page=page, per_page=per_page, error_out=False, items=items, total=total)

    def _query_items(self):
        return self._query_args["items"]

    def _query_count(self):
        return self._query_args["total"]
