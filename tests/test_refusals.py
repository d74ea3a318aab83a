"""A refusal with several messages shows every one: those with a field on the form next to it, the
others flashed at the top of the page."""
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.core.errors import ValidationError, apply_to_form
from portal.core.pages import refuse


class _Form(FlaskForm):
    class Meta:
        csrf = False

    amount = StringField("Amount")


def _error():
    return ValidationError({"amount": ["Enter an amount."], "account": ["The partner has no approved bank account."]})


def test_apply_to_form_flashes_what_no_field_took_when_some_message_found_its_field(app):
    with app.test_request_context(method="POST"):
        form = _Form()
        assert apply_to_form(form, _error()) is True
        assert form.amount.errors == ["Enter an amount."]
        assert get_flashed_messages() == ["The partner has no approved bank account."]


def test_apply_to_form_leaves_a_wholly_unplaced_error_to_the_caller(app):
    with app.test_request_context(method="POST"):
        assert apply_to_form(_Form(), ValidationError({"account": ["No account."]})) is False
        assert get_flashed_messages() == []


def test_refuse_shows_every_message(app, db):
    with app.test_request_context(method="POST"):
        form = _Form()
        refuse(_error(), form)
        assert form.amount.errors == ["Enter an amount."]
        assert get_flashed_messages() == ["The partner has no approved bank account."]
