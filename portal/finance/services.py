"""Changing the bank account a partner's commissions and refunds are paid to.

Plain functions taking the acting user and the values from a form; they raise DomainError (or
ValidationError, several fields at once) naming the field, and never commit: the caller does.
BankAccount and BankAccountChange are Audited, so every change is in the audit trail with its
actor; approving also writes one row on the partner, ``payee_account``: old → new (masked).

The rules, decided here:

* **Every account goes through approval**, the first one too: a partner admin requests it with
  proof (a bank letter or account-opening certificate: PDF, PNG or JPEG, at most 10 MB); it
  becomes the ``current`` account only when a manager who may see the partner (or an admin)
  approves. The old account stays, no longer current. Nothing is edited in place.
* **One pending request per partner.** Another waits until it is decided or withdrawn (any
  admin of the partner may withdraw it). The check runs with the partner's row locked.
* **The account name should be the partner's registered name** (compared without spaces, case
  or full/half-width differences). A different name — the classic sign of a payment diverted
  to someone else — is allowed only with a reason, and is shown as a warning to the manager in
  the queue and on the request.
* **The account number** is 8 to 30 digits; spaces and dashes are removed. It is shown in full
  only to the partner's own admins and to the manager on the request page (to check it against
  the proof); lists, notifications and e-mails show it masked (last four digits).
* **Separation**: only the vendor (a manager or an admin) decides, and never on a request they
  made themselves. A rejection needs a reason, which the partner reads.
* **Notices**: a request tells the partner's channel manager (or the admins, if it has none).
  A decision tells the partner's users, and is e-mailed to the old contact address for payment
  notices (the latest approved request's contact e-mail, else the partner's e-mail on file) and
  to the new one given in the request — even if nobody signs in with them — in the language
  of the admin who asked (else Chinese). ``notify_emails`` records where those went.
"""
import re
import unicodedata

import sqlalchemy as sa
from flask import has_request_context, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import storage
from portal.core.audit import AuditLog
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_zone, d
from portal.core.models import utcnow
from portal.core.permissions import (
    ADMIN, MANAGER, PARTNER_ADMIN, PARTNER_STAFF, can_manage_partner, can_view_partner, has_permission,
)
from portal.extensions import db
from portal.finance.models import BankAccount, BankAccountChange
from portal.notifications.services import MESSAGES, absolute_url, notify, send_mail
from portal.partners.models import Partner

MESSAGES.update({
    "bank_change_requested": _l("%(partner)s asked to be paid into another bank account (%(bank)s, account "
                                "%(number)s): it awaits your approval."),
    "bank_change_requested_mismatch": _l("%(partner)s asked to be paid into another bank account (%(bank)s, account "
                                         "%(number)s) in the name of “%(name)s”, which is not the partner's "
                                         "registered name: check it before approving."),
    "bank_change_approved": _l("Your payee bank account is now %(bank)s, account %(number)s: commissions and "
                               "refunds are paid into it from now on."),
    "bank_change_rejected": _l("The change of your payee bank account to %(bank)s, account %(number)s was not "
                               "approved: %(reason)s"),
})

PROOF_KINDS = ("pdf", "png", "jpeg")
PROOF_MAX_BYTES = 10 * 1024 * 1024
ACCOUNT_NUMBER_RE = re.compile(r"^\d{8,30}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_LOCALE = "zh_CN"


# ---- reading -------------------------------------------------------------------------------------


def mask(number):
    """An account number as lists and e-mails show it: only the last four digits."""
    digits = number or ""
    return ("•" * max(len(digits) - 4, 0)) + digits[-4:]


def comparable_name(name):
    """A name as compared with the registered one: full-width folded to half-width (NFKC),
    without spaces, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or "")).casefold()


def name_matches(partner, account_name):
    return comparable_name(account_name) == comparable_name(partner.name)


def current_account(partner):
    return db.session.scalar(
        sa.select(BankAccount).where(BankAccount.partner_id == partner.id, BankAccount.current.is_(True))
        .order_by(BankAccount.id.desc()).limit(1))


def pending_change(partner):
    return db.session.scalar(
        sa.select(BankAccountChange).where(BankAccountChange.partner_id == partner.id,
                                           BankAccountChange.status == "pending").limit(1))


def accounts_of(partner):
    """Every payee account the partner has had, newest first."""
    return db.session.scalars(
        sa.select(BankAccount).where(BankAccount.partner_id == partner.id).order_by(BankAccount.id.desc())
        .options(selectinload(BankAccount.approved_by))).all()


def accounts_around(change):
    """(old, new) for the side-by-side view: for an approved request, the account it created
    and the one current before it; otherwise the account current now, and None."""
    if change.status == "approved":
        new = db.session.scalar(sa.select(BankAccount).where(BankAccount.change_id == change.id))
        if new is not None:
            old = db.session.scalar(
                sa.select(BankAccount).where(BankAccount.partner_id == change.partner_id, BankAccount.id < new.id)
                .order_by(BankAccount.id.desc()).limit(1))
            return old, new
    return current_account(change.partner), None


def payment_contact(partner):
    """Where payment notices go now: the contact e-mail of the latest approved request that
    gave one, else the partner's e-mail on file."""
    latest = db.session.scalar(
        sa.select(BankAccountChange.contact_email)
        .where(BankAccountChange.partner_id == partner.id, BankAccountChange.status == "approved",
               BankAccountChange.contact_email.is_not(None))
        .order_by(BankAccountChange.decided_at.desc(), BankAccountChange.id.desc()).limit(1))
    return latest or partner.email


# ---- checking ------------------------------------------------------------------------------------


def normalise_account_number(value):
    """Digits only (spaces and dashes removed, full-width digits folded), 8 to 30 of them."""
    compact = re.sub(r"[\s\-‐‑–—－]", "", unicodedata.normalize("NFKC", value or ""))
    if not compact:
        raise DomainError(_l("Enter the account number."), field="account_number")
    if not compact.isascii() or not compact.isdigit():
        raise DomainError(_l("An account number has digits only (spaces and dashes are ignored)."),
                          field="account_number")
    if not ACCOUNT_NUMBER_RE.match(compact):
        raise DomainError(_l("An account number has 8 to 30 digits; this one has %(n)d.", n=len(compact)),
                          field="account_number")
    return compact


def _text(data, name, errors, required_message=None, max_length=200):
    value = " ".join((data.get(name) or "").split())
    if not value:
        if required_message:
            errors[name] = [required_message]
        return None
    if len(value) > max_length:
        errors[name] = [_l("At most %(max)d characters.", max=max_length)]
        return None
    return value


def clean(partner, data):
    """The request's values, checked; raises ValidationError naming every field at fault."""
    errors = {}
    values = {
        "account_name": _text(data, "account_name", errors, _l("Enter the name the account is held in.")),
        "bank_name": _text(data, "bank_name", errors, _l("Enter the bank's name.")),
        "branch": _text(data, "branch", errors),
    }
    try:
        values["account_number"] = normalise_account_number(data.get("account_number"))
    except DomainError as error:
        errors["account_number"] = [error.message]
    email = (data.get("contact_email") or "").strip().lower()
    if email and (not EMAIL_RE.match(email) or len(email) > 254):
        errors["contact_email"] = [_l("Enter a valid e-mail address, e.g. name@company.cn.")]
    values["contact_email"] = email or None
    reason = (data.get("reason") or "").strip()
    if len(reason) > 500:
        errors["reason"] = [_l("At most %(max)d characters.", max=500)]
    elif values["account_name"] and not name_matches(partner, values["account_name"]) and not reason:
        errors["reason"] = [_l("The account is not in your registered name (%(name)s): say why payments should go "
                               "to it.", name=partner.name)]
    values["reason"] = reason or None
    current = current_account(partner)
    if (current is not None and values.get("account_number") == current.account_number
            and values.get("bank_name") and comparable_name(values["bank_name"]) == comparable_name(current.bank_name)):
        errors.setdefault("account_number", []).append(_l("This is already your payee account."))
    if errors:
        raise ValidationError(errors)
    return values


def _has_file(upload):
    return upload is not None and bool(getattr(upload, "filename", None))


def _lock(partner):
    """Serialise requests and decisions of one partner: lock its row (FOR NO KEY UPDATE on
    PostgreSQL, so rows referring to it can still be added)."""
    db.session.execute(sa.select(Partner.id).where(Partner.id == partner.id).with_for_update(key_share=True))


def _lock_change(change):
    """Read the request again with its row locked: a decision made meanwhile is seen."""
    return db.session.scalars(
        sa.select(BankAccountChange).where(BankAccountChange.id == change.id).with_for_update()
        .execution_options(populate_existing=True)).one()


# ---- the partner's side --------------------------------------------------------------------------


def request_change(partner, data, proof, actor):
    """A partner admin asks to be paid into another account, with ``proof`` (an upload)."""
    if not has_permission(actor, "bank.request") or not can_manage_partner(actor, partner):
        raise DomainError(_l("Only the partner's administrator may ask to change its bank account."))
    _lock(partner)
    if pending_change(partner) is not None:
        raise DomainError(_l("A change of your bank account is already awaiting approval. Withdraw it to ask for "
                             "another one."))
    try:
        values = clean(partner, data)
        errors = {}
    except ValidationError as error:
        values, errors = None, dict(error.errors)
    if not _has_file(proof):
        errors["proof"] = [_l("Attach the proof: a bank letter or account-opening certificate (PDF, PNG or JPG).")]
    if errors:
        raise ValidationError(errors)
    storage.check_file_name(proof.filename, "proof")
    stored = storage.store_upload(proof, PROOF_KINDS, PROOF_MAX_BYTES, "proof", uploaded_by=actor)
    change = BankAccountChange(partner_id=partner.id, requested_by_id=actor.id, proof_file_id=stored.id,
                               status="pending", **values)
    db.session.add(change)
    db.session.flush()
    _tell_vendor(partner, change)
    return change


def _vendor_people(partner):
    manager = partner.manager
    if manager is not None and manager.active and manager.role in (MANAGER, ADMIN):
        return [manager]
    return db.session.scalars(sa.select(User).where(User.role == ADMIN, User.active.is_(True))).all()


def _tell_vendor(partner, change):
    matches = name_matches(partner, change.account_name)
    params = {"partner": partner.name, "bank": change.bank_name, "number": mask(change.account_number)}
    if not matches:
        params["name"] = change.account_name
    for person in _vendor_people(partner):
        notify(person, "bank_change_requested" if matches else "bank_change_requested_mismatch", params,
               link=url_for("finance_admin.change", change_id=change.id))


def withdraw(change, actor):
    """The partner's admin takes back a request still awaiting approval."""
    if not has_permission(actor, "bank.request") or not can_manage_partner(actor, change.partner):
        raise DomainError(_l("Only the partner's administrator may withdraw this request."))
    change = _lock_change(change)
    if change.status != "pending":
        raise DomainError(_l("This request is already decided: it can no longer be withdrawn."))
    change.status = "withdrawn"
    change.decided_by_id = actor.id
    change.decided_at = utcnow()
    return change


# ---- the vendor's side ---------------------------------------------------------------------------


def _check_decider(change, actor):
    if (not has_permission(actor, "bank.approve") or actor.role not in (MANAGER, ADMIN)
            or not can_view_partner(actor, change.partner)):
        raise DomainError(_l("Only the partner's channel manager or an administrator may decide on this request."))
    if change.requested_by_id == actor.id:
        raise DomainError(_l("You made this request yourself: someone else must decide on it."))
    if change.status != "pending":
        raise DomainError(_l("This request is already decided (%(status)s).", status=change.status_label))


def _describe(account):
    if account is None:
        return None
    return f"{account.bank_name} {mask(account.account_number)} (bank_account {account.id})"


def approve(change, actor, note=None):
    """The new account becomes the partner's current one; the old one is kept, not current."""
    _lock(change.partner)
    change = _lock_change(change)
    _check_decider(change, actor)
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise DomainError(_l("At most %(max)d characters.", max=500), field="note")
    partner = change.partner
    old_contact = payment_contact(partner)
    previous = db.session.scalars(
        sa.select(BankAccount).where(BankAccount.partner_id == partner.id, BankAccount.current.is_(True))).all()
    now = utcnow()
    for account in previous:
        account.current = False
    account = BankAccount(partner_id=partner.id, account_name=change.account_name, bank_name=change.bank_name,
                          branch=change.branch, account_number=change.account_number, current=True,
                          change_id=change.id, approved_by_id=actor.id, approved_at=now)
    db.session.add(account)
    change.status = "approved"
    change.decided_by_id = actor.id
    change.decided_at = now
    change.decision_note = note
    db.session.flush()
    old = max(previous, key=lambda a: a.id) if previous else None
    db.session.add(AuditLog(
        actor_id=actor.id, ip_address=request.remote_addr if has_request_context() else None,
        entity_type="Partner", entity_id=str(partner.id), action="update", field="payee_account",
        old_value=_describe(old), new_value=f"{_describe(account)}, bank_account_change {change.id}"))
    _tell_partner(change, old_contact, approved=True)
    return account


def reject(change, actor, reason):
    reason = (reason or "").strip()
    _lock(change.partner)
    change = _lock_change(change)
    _check_decider(change, actor)
    if not reason:
        raise DomainError(_l("Enter the reason, which the partner will read."), field="reason")
    if len(reason) > 500:
        raise DomainError(_l("At most %(max)d characters.", max=500), field="reason")
    old_contact = payment_contact(change.partner)
    change.status = "rejected"
    change.decided_by_id = actor.id
    change.decided_at = utcnow()
    change.decision_note = reason
    _tell_partner(change, old_contact, approved=False)
    return change


# ---- telling the partner -------------------------------------------------------------------------


def partner_locale(change):
    """The language of the partner's notices: its requesting admin's, else any active admin's,
    else Chinese."""
    if change.requested_by is not None and change.requested_by.locale:
        return change.requested_by.locale
    for person in change.partner.users:
        if person.role == PARTNER_ADMIN and person.active and person.locale:
            return person.locale
    return DEFAULT_LOCALE


def _tell_partner(change, old_contact, approved):
    partner = change.partner
    params = {"bank": change.bank_name, "number": mask(change.account_number)}
    if not approved:
        params["reason"] = change.decision_note
    for person in partner.users:
        if person.role in (PARTNER_ADMIN, PARTNER_STAFF) and person.active:
            link = url_for("finance.change", change_id=change.id) if person.role == PARTNER_ADMIN else None
            notify(person, "bank_change_approved" if approved else "bank_change_rejected", params, link=link)
    addresses = []
    for address in (old_contact, change.contact_email):
        if address and address.lower() not in [a.lower() for a in addresses]:
            addresses.append(address)
    if not addresses:
        return
    old, _new = accounts_around(change) if approved else (current_account(partner), None)
    link = absolute_url(url_for("finance.account"))
    with force_locale(partner_locale(change)):
        day = d(change.decided_at.astimezone(business_zone()).date())
        if approved:
            subject = _l("[Partner Portal] The payee bank account of %(partner)s has changed", partner=partner.name)
        else:
            subject = _l("[Partner Portal] A change of the payee bank account of %(partner)s was not approved",
                         partner=partner.name)
        body = render_template("finance/email_decision.txt", partner=partner, change=change, approved=approved,
                               old=old, day=day, mask=mask, link=link, manager=partner.manager)
        subject = str(subject)
    for address in addresses:
        send_mail(address, subject, body)
    change.notify_emails = ", ".join(addresses)[:600]
