"""Payment collection (回款): money received from a partner, recorded by its channel manager or
an administrator with the bank reference. Rows are never changed or deleted (Audited, append
only); each belongs to the business month (Beijing time) of the moment it was received.
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_month, business_zone
from portal.core.permissions import PARTNER_ADMIN, can_view_partner, has_permission
from portal.extensions import db
from portal.notifications.services import MESSAGES, notify
from portal.partners.models import Partner
from portal.results.models import PaymentCollection
from portal.results.values import EARLIEST_MONTH, BadValue, parse_money

MESSAGES.update({
    "collection_recorded": _l("A payment of %(amount)s yuan from your organisation was recorded as received on "
                              "%(received)s (bank reference %(reference)s)."),
})

REFERENCE_MAX = 100
NOTE_MAX = 500
CLOCK_SKEW = timedelta(minutes=5)


def beijing_to_utc(naive):
    """A wall-clock time typed in Beijing time (the vendor's business zone) as aware UTC."""
    return naive.replace(tzinfo=business_zone()).astimezone(timezone.utc)


def record_collection(partner, amount, received_at, reference, note, actor, now=None):
    """Record money received from ``partner``: ``amount`` (text or Decimal, > 0), ``received_at``
    an aware datetime (not in the future), the bank ``reference`` (required) and an optional
    note. The month is the business month of ``received_at`` in Beijing time. Raises
    ValidationError naming ``amount``, ``received_at``, ``reference``, ``note``; the caller commits."""
    if not has_permission(actor, "results.manage") or not can_view_partner(actor, partner):
        raise DomainError(_l("Only the partner's channel manager or an administrator may record payments."))
    now = now or datetime.now(timezone.utc)
    errors = {}
    try:
        amount = parse_money(amount, positive=True)
    except BadValue as error:
        errors["amount"] = [error.message]
    if received_at is None:
        errors["received_at"] = [_l("Enter the date and time the money was received.")]
    elif received_at.tzinfo is None:
        raise ValueError("naive datetime given; use an aware datetime")
    elif received_at > now + CLOCK_SKEW:
        errors["received_at"] = [_l("The money cannot have been received in the future.")]
    elif business_month(received_at) < EARLIEST_MONTH:
        errors["received_at"] = [_l("Enter a date from January 2000 on.")]
    reference = (reference or "").strip()
    if not reference:
        errors["reference"] = [_l("Enter the bank reference of the payment.")]
    elif len(reference) > REFERENCE_MAX:
        errors["reference"] = [_l("At most %(max)d characters.", max=REFERENCE_MAX)]
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        errors["note"] = [_l("At most %(max)d characters.", max=NOTE_MAX)]
    if "reference" not in errors:
        # The same bank reference twice is the same payment sent twice (a double click, the
        # browser's "resend"): lock the partner's row so that two at once are checked in turn.
        db.session.execute(sa.select(Partner.id).where(Partner.id == partner.id).with_for_update())
        if db.session.scalar(sa.select(PaymentCollection.id).where(PaymentCollection.partner_id == partner.id,
                                                                   PaymentCollection.reference == reference)):
            errors["reference"] = [_l("A payment with this bank reference is already recorded for this partner.")]
    if errors:
        raise ValidationError(errors)
    collection = PaymentCollection(partner_id=partner.id, amount=amount, received_at=received_at,
                                   month=business_month(received_at), reference=reference, note=note,
                                   recorded_by_id=actor.id)
    db.session.add(collection)
    db.session.flush()
    received = received_at.astimezone(business_zone()).strftime("%Y-%m-%d %H:%M")
    for person in partner.users:
        if person.role == PARTNER_ADMIN and person.active:
            notify(person, "collection_recorded",
                   {"amount": f"{amount:,.2f}", "received": received, "reference": reference},
                   link=_optional_url("results.collections"))
    return collection


def month_total(partner_id, month):
    """The amount collected from a partner in a business month (0 if none)."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PaymentCollection.amount), 0))
        .where(PaymentCollection.partner_id == partner_id, PaymentCollection.month == month)
    )


def _optional_url(endpoint, **values):
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None
