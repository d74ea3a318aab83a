"""Domain errors and the HTTP error pages (HTML or JSON by Accept)."""
from flask import flash, jsonify, render_template, request
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule refused the operation. ``field`` names the form field, if any."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Raised with several field errors at once: ``errors`` maps field -> [messages]."""

    def __init__(self, errors):
        first = next(iter(errors.values()))[0] if errors else ""
        super().__init__(first)
        self.errors = errors


def _field_messages(error):
    return getattr(error, "errors", None) or {error.field: [error.message]}


def place_on_form(form, error):
    """Put a DomainError's message(s) on the form's fields (``form`` may be None); return the
    messages no field took, for the caller to show otherwise."""
    left = []
    for field_name, messages in _field_messages(error).items():
        field = getattr(form, field_name, None) if form is not None and field_name else None
        if field is not None:
            field.errors = list(field.errors) + [str(m) for m in messages]
        else:
            left += [str(m) for m in messages]
    return left


def apply_to_form(form, error):
    """Put a DomainError's message(s) on the form's fields; return True if any were placed. When
    some were placed and others have no field on this form, those others are flashed (none is
    lost); when none was placed, the caller shows the error its own way."""
    total = sum(len(messages) for messages in _field_messages(error).values())
    left = place_on_form(form, error)
    if left and len(left) < total:
        for text in left:
            flash(text, "danger")
    return len(left) < total


ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you sent and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page. If you think you should, ask your administrator.")),
    404: (_l("Page not found"), _l("We could not find that page. It may have been moved, or you may not have access to it.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), _l("The file you sent is larger than this page accepts.")),
    429: (_l("Too many attempts"), _l("You have tried this too many times. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; please try again later.")),
}


def wants_json():
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def register_error_handlers(app):
    def handle(error):
        code = getattr(error, "code", 500) or 500
        if code not in ERROR_TEXT:
            code = 500
        title, text = ERROR_TEXT[code]
        if code == 500:
            from portal.extensions import db

            db.session.rollback()
        if wants_json():
            return jsonify(error=str(title), message=str(text)), code
        return render_template("errors/error.html", code=code, title=title, text=text), code

    for code in ERROR_TEXT:
        app.register_error_handler(code, handle)
