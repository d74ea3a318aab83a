"""Terminating a partner (清退): start, settle what is open, complete with the deposit refund, or cancel.

Plain functions taking the acting user and the values from a form; they raise DomainError (or
ValidationError, several fields at once) naming the field, and never commit: the caller does.
Termination and DepositMovement are Audited, so each step and the refund are in the audit trail
with their actor.

The rules, decided here:

* **Who.** A manager who may see the partner, or an admin (``exits.manage`` and
  ``can_view_partner``); finance and partner users may not.
* **Start.** Only an active or suspended partner, and only one termination *started* at a time
  for it (checked with the partner's row locked). A reason is required (at most 1000
  characters); ``effective_on`` (the day the agreement ends) defaults to today (Beijing time)
  and may lie at most a year before or after it. The termination may name a conflict case of
  the partner whose ruling recommended terminating it (``recommend_termination``, the partner
  being the ruling's target). Numbered EX-YYYY-NNNN by year (two started at the same moment
  take the next numbers in turn). The partner's admins are told, with the reason.
  **The partner stays active while its affairs are settled**: its users still sign in, answer
  rectification orders, report material usage and so on.
* **Open items** (``open_items``): material requests not in a final state (final: rejected,
  cancelled, closed), commission months not computed yet (every ended month from the partner's
  first month up to the month of ``effective_on`` that would have a statement and has none:
  portal.commissions.services.months_without_statement), commission statements not released,
  rectification orders still open or answered (closed and escalated orders are final: nothing
  more can be done on them), conflict cases with the partner as a party and not closed, deal
  registrations awaiting a decision (submitted, held), lease proofs awaiting review, bank
  account changes awaiting approval.
* **Complete.** Refused, with the list, while any item is open. A confirmation is required.
  What the partner owes on commissions — the total of its latest released statement when it is
  below zero, which would otherwise be carried to its next statement — is first *deducted* from
  the balance the deposit holds (paid − deducted − refunded), at most that balance (the movement's
  reference is the statement's number, its note names the statement and the termination); what
  the deposit does not cover remains owed and the page says so. What is left of the balance is
  refunded through the ledger with the bank reference of the transfer (required then; the
  termination number is the movement's note) and the movement is linked to the termination;
  nothing left, no refund and no reference (``settlement`` shows the arithmetic beforehand). The
  agreements of the partner end on ``effective_on`` (their ``end_date``, when it is empty or
  later; never before the end of a month that already has a commission statement, so that the
  statements settled keep their terms), so that no commission or rent subsidy accrues after it.
  Then the partner becomes *terminated* and every one of its users is deactivated (they can no
  longer sign in, and their open sessions end: the user loader refuses an inactive user). An
  in-app notice would never be read, so the partner's admins and its address for payment
  notices get an e-mail instead. Nothing is deleted: the partner, its people, agreements,
  ledgers, requests and cases stay for audit.
* **Cancel.** While started, with a reason (kept as the termination's note); the partner's
  admins are told. The partner's status does not change.
"""
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.accounts import services as accounts
from portal.agreements.models import Agreement
from portal.commissions import services as commissions
from portal.commissions.models import CommissionStatement
from portal.conflicts.models import CaseParty, ConflictCase
from portal.core import numbers
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import add_months, business_today, money
from portal.core.models import utcnow
from portal.core.permissions import PARTNER_ADMIN, can_view_partner, has_permission
from portal.deals.models import DealRegistration
from portal.exits.models import Termination
from portal.extensions import db
from portal.finance.models import BankAccountChange
from portal.finance.services import mask, payment_contact
from portal.inspections.models import Rectification
from portal.materials.models import MaterialRequest
from portal.notifications.services import MESSAGES, notify, send_mail
from portal.partners import ledger
from portal.partners.models import DepositMovement, Partner
from portal.partners.views import optional_url
from portal.results.values import month_label, month_value
from portal.subsidies.models import LeaseProof

MESSAGES.update({
    "termination_started": _l("Your partnership is being terminated (%(number)s), effective %(due_on)s. Reason: "
                              "%(reason)s. Open requests, statements and cases are being settled first; the credit "
                              "deposit still held will then be refunded. Your channel manager will contact you."),
    "termination_cancelled": _l("The termination of your partnership (%(number)s) has been cancelled: %(reason)s"),
})

REASON_MAX = 1000
REFERENCE_MAX = 100
EFFECTIVE_RANGE_DAYS = 366
STARTABLE = ("active", "suspended")
DEFAULT_LOCALE = "zh_CN"


# ---- open items -----------------------------------------------------------------------------------


@dataclass
class OpenRow:
    label: str
    detail: str
    status: str
    url: str | None


@dataclass
class OpenGroup:
    key: str
    title: str
    hint: str
    url: str | None
    rows: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.rows)


def _groups(pid):
    """(key, title, how it is settled, query, list endpoint, row builder) for each kind of open item."""
    party_cases = sa.select(CaseParty.case_id).where(CaseParty.partner_id == pid)
    return (
        ("material_requests", _l("Material requests"), _l("Decide, fulfil and review the usage report of each."),
         sa.select(MaterialRequest).where(MaterialRequest.partner_id == pid,
                                          MaterialRequest.status.not_in(("rejected", "cancelled", "closed")))
         .order_by(MaterialRequest.id),
         "materials_admin.requests",
         lambda r: OpenRow(r.number, r.campaign, r.status_label,
                           optional_url("materials_admin.request_detail", request_id=r.id))),
        ("commission_statements", _l("Commission statements"), _l("Approve and release each for payment."),
         sa.select(CommissionStatement).where(CommissionStatement.partner_id == pid,
                                              CommissionStatement.status != "released")
         .order_by(CommissionStatement.month, CommissionStatement.id),
         "commissions_admin.statements",
         lambda s: OpenRow(s.number, money(s.total), s.status_label,
                           optional_url("commissions_admin.statement", statement_id=s.id))),
        ("rectifications", _l("Rectification orders"), _l("Re-inspect or escalate each."),
         sa.select(Rectification).where(Rectification.partner_id == pid,
                                        Rectification.status.in_(("open", "answered")))
         .options(joinedload(Rectification.outlet)).order_by(Rectification.id),
         "inspections_admin.rectifications",
         lambda o: OpenRow(o.number, o.outlet.name, o.status_label,
                           optional_url("inspections_admin.rectification", rectification_id=o.id))),
        ("cases", _l("Conflict cases and complaints"), _l("Rule on and close each."),
         sa.select(ConflictCase).where(ConflictCase.id.in_(party_cases), ConflictCase.status != "closed")
         .order_by(ConflictCase.id),
         "cases_admin.index",
         lambda c: OpenRow(c.number, c.title, c.status_label, optional_url("cases_admin.case", case_id=c.id))),
        ("deals", _l("Deal registrations awaiting a decision"), _l("Approve or reject each."),
         sa.select(DealRegistration).where(DealRegistration.partner_id == pid,
                                           DealRegistration.status.in_(("submitted", "held")))
         .order_by(DealRegistration.id),
         "deals_admin.index",
         lambda r: OpenRow(r.number, r.customer_name, r.status_label,
                           optional_url("deals_admin.registration", registration_id=r.id))),
        ("lease_proofs", _l("Lease proofs awaiting review"), _l("Accept or reject each."),
         sa.select(LeaseProof).where(LeaseProof.partner_id == pid, LeaseProof.status == "pending")
         .options(joinedload(LeaseProof.outlet)).order_by(LeaseProof.id),
         "subsidies_admin.leases",
         lambda p: OpenRow(p.outlet.name, f"{p.starts_on.isoformat()} – {p.ends_on.isoformat()}", p.status_label,
                           optional_url("subsidies_admin.lease", proof_id=p.id))),
        ("bank_changes", _l("Bank account changes awaiting approval"), _l("Approve or reject each."),
         sa.select(BankAccountChange).where(BankAccountChange.partner_id == pid, BankAccountChange.status == "pending")
         .order_by(BankAccountChange.id),
         "finance_admin.changes",
         lambda c: OpenRow(str(_l("No. %(id)d", id=c.id)), f"{c.bank_name} {mask(c.account_number)}", c.status_label,
                           optional_url("finance_admin.change", change_id=c.id))),
    )


def _uncomputed(partner, until):
    """The group of the commission months not computed yet, each linked to the compute form."""
    def link(month):
        return optional_url("commissions_admin.statements", compute=month_value(month), partner=partner.id,
                            _anchor="compute-title")

    months = commissions.months_without_statement(partner, until or business_today())
    return OpenGroup("commission_months", _l("Commission months not yet computed"),
                     _l("Compute each month's statement, then approve and release it."),
                     link(months[0]) if months else None,
                     [OpenRow(month_label(m), month_value(m), _l("Not computed"), link(m)) for m in months])


def open_items(partner, until=None):
    """What must be settled before the partner can be terminated: a group per kind (each one
    query), with its rows, their links and a link to the manager's list filtered to the partner.
    ``until`` is the day the agreement ends (today if not given): the commission months up to
    its month must be computed."""
    groups = []
    for key, title, hint, query, list_endpoint, row in _groups(partner.id):
        groups.append(OpenGroup(key, title, hint, optional_url(list_endpoint, partner=partner.id),
                                [row(item) for item in db.session.scalars(query)]))
    groups.insert(1, _uncomputed(partner, until))
    return groups


def open_count(groups):
    return sum(group.count for group in groups)


# ---- reading --------------------------------------------------------------------------------------


def started_for(partner):
    """The partner's termination in progress, or None."""
    return db.session.scalar(sa.select(Termination).where(Termination.partner_id == partner.id,
                                                          Termination.status == "started").limit(1))


def recommending_cases(partner):
    """The partner's conflict cases whose ruling recommended terminating it, newest first."""
    return db.session.scalars(
        sa.select(ConflictCase).where(ConflictCase.ruling_action == "recommend_termination",
                                      ConflictCase.penalty_partner_id == partner.id)
        .order_by(ConflictCase.id.desc())).all()


def deposit_totals(partner):
    """The deposit balances (see ledger.balances), or None if the partner has no deposit account."""
    account = partner.deposit_account
    return ledger.balances(account.id) if account is not None else None


@dataclass
class Settlement:
    """The deposit at completion: held − owed on ``statement`` (its total below zero) = refund."""
    held: Decimal
    statement: CommissionStatement | None
    owed: Decimal

    @property
    def deducted(self):
        return min(self.owed, max(self.held, Decimal("0.00")))

    @property
    def refund(self):
        return max(self.held, Decimal("0.00")) - self.deducted

    @property
    def remaining(self):
        return self.owed - self.deducted


def settlement(partner):
    """What completing the termination would deduct and refund now (see the rules)."""
    account = partner.deposit_account
    held = ledger.balances(account.id)["held"] if account is not None else Decimal("0.00")
    latest = db.session.scalar(
        sa.select(CommissionStatement).where(CommissionStatement.partner_id == partner.id,
                                             CommissionStatement.status == "released")
        .order_by(CommissionStatement.month.desc()).limit(1))
    if latest is None or latest.total >= 0:
        return Settlement(held, None, Decimal("0.00"))
    return Settlement(held, latest, -latest.total)


def deduction_of(termination):
    """The deposit movement that took what the partner owed on commissions at completion, or None."""
    account = termination.partner.deposit_account
    if account is None or termination.status != "completed":
        return None
    return db.session.scalar(sa.select(DepositMovement).where(
        DepositMovement.account_id == account.id, DepositMovement.kind == "deducted",
        DepositMovement.note.like(f"% · {termination.number}")).limit(1))


def next_number(today=None):
    """EX-2026-0001 …, by year of starting (Beijing time)."""
    return numbers.next_number(Termination.number, f"EX-{(today or business_today()).year}-")


# ---- checking -------------------------------------------------------------------------------------


def _check_actor(actor, partner):
    if not has_permission(actor, "exits.manage") or not can_view_partner(actor, partner):
        raise DomainError(_l("Only the partner's channel manager or an administrator may terminate it."))


def _lock(partner):
    """Serialise the steps of one partner's termination: lock its row (FOR NO KEY UPDATE on
    PostgreSQL, so rows referring to it can still be added)."""
    db.session.execute(sa.select(Partner.id).where(Partner.id == partner.id).with_for_update(key_share=True))


def _lock_termination(termination):
    """Read the termination again with its row locked: a step taken meanwhile is seen."""
    return db.session.scalars(sa.select(Termination).where(Termination.id == termination.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _text(value, name, required_message, maximum, errors):
    text = (value or "").strip()
    if not text:
        errors[name] = [required_message]
        return None
    if len(text) > maximum:
        errors[name] = [_l("At most %(max)d characters.", max=maximum)]
        return None
    return text


def check_can_start(partner):
    """Raise DomainError if the partner cannot be put into termination now."""
    if partner.status not in STARTABLE:
        raise DomainError(_l("%(name)s is “%(status)s”: only an active or suspended partner can be terminated.",
                             name=partner.name, status=partner.status_label))
    if started_for(partner) is not None:
        raise DomainError(_l("The termination of %(name)s is already in progress.", name=partner.name))


def _tell_admins(partner, kind, params):
    for person in partner.users:
        if person.role == PARTNER_ADMIN and person.active:
            notify(person, kind, params, link=url_for("partners.deposit"))


# ---- the steps ------------------------------------------------------------------------------------


def start(partner, actor, reason, effective_on=None, case_id=None, today=None):
    """Put the partner into termination; returns the Termination (status ``started``)."""
    _check_actor(actor, partner)
    _lock(partner)
    check_can_start(partner)
    today = today or business_today()
    errors = {}
    reason = _text(reason, "reason", _l("Say why the partner is terminated."), REASON_MAX, errors)
    effective_on = effective_on or today
    if abs((effective_on - today).days) > EFFECTIVE_RANGE_DAYS:
        errors["effective_on"] = [_l("Choose a day within a year of today.")]
    case = None
    if case_id:
        case = next((c for c in recommending_cases(partner) if c.id == case_id), None)
        if case is None:
            errors["case_id"] = [_l("Choose a case whose ruling recommended terminating this partner.")]
    if errors:
        raise ValidationError(errors)
    termination = Termination(partner_id=partner.id, status="started", reason=reason, effective_on=effective_on,
                              case_id=case.id if case else None, started_by_id=actor.id)
    numbers.add_numbered(termination, lambda: next_number(today))
    _tell_admins(partner, "termination_started", {"number": termination.number, "due_on": effective_on.isoformat(),
                                                  "reason": reason})
    return termination


def complete(termination, actor, reference=None, confirmed=False):
    """Refund what the deposit holds, mark the partner terminated and close its users' access."""
    partner = termination.partner
    _check_actor(actor, partner)
    _lock(partner)
    termination = _lock_termination(termination)
    if termination.status != "started":
        raise DomainError(_l("This termination is “%(status)s”: it can no longer be completed.",
                             status=termination.status_label))
    groups = [group for group in open_items(partner, termination.effective_on) if group.count]
    if groups:
        raise DomainError(_l("The termination cannot be completed while items are open: %(items)s.",
                             items="; ".join(f"{group.title}: {group.count}" for group in groups)))
    account = partner.deposit_account
    if account is not None:
        ledger.lock_account(account.id)
    money_left = settlement(partner)
    errors = {}
    reference = (reference or "").strip()
    if money_left.refund > 0:
        reference = _text(reference, "reference", _l("Enter the bank reference of the refund transfer."),
                          REFERENCE_MAX, errors)
    if not confirmed:
        errors["confirm"] = [_l("Tick the box to confirm the termination.")]
    if errors:
        raise ValidationError(errors)
    if money_left.deducted > 0:
        number = money_left.statement.number
        ledger.record_movement(account, "deducted", money_left.deducted, actor, reference=number,
                               note=f"{number} · {termination.number}")
    if money_left.refund > 0:
        termination.refund_movement_id = ledger.record_movement(
            account, "refunded", money_left.refund, actor, reference=reference, note=termination.number).id
    _end_agreements(partner, termination.effective_on or business_today())
    _email_partner(partner, termination, money_left, reference if money_left.refund > 0 else None)
    partner.status = "terminated"
    for person in partner.users:
        if person.active:
            accounts.deactivate(person, actor)
    termination.status = "completed"
    termination.completed_by_id = actor.id
    termination.completed_at = utcnow()
    return termination


def _end_agreements(partner, effective_on):
    """The partner's agreements end on ``effective_on``, but not before the end of the latest month
    that has a commission statement (see the rules)."""
    latest = db.session.scalar(sa.select(sa.func.max(CommissionStatement.month))
                               .where(CommissionStatement.partner_id == partner.id))
    end = max(effective_on, add_months(latest, 1) - timedelta(days=1)) if latest is not None else effective_on
    for agreement in db.session.scalars(sa.select(Agreement).where(
            Agreement.partner_id == partner.id, Agreement.status.in_(("countersigned", "superseded")),
            sa.or_(Agreement.end_date.is_(None), Agreement.end_date > end))):
        agreement.end_date = end


def cancel(termination, actor, reason):
    """Stop a termination in progress; the partner carries on as before."""
    partner = termination.partner
    _check_actor(actor, partner)
    termination = _lock_termination(termination)
    if termination.status != "started":
        raise DomainError(_l("This termination is “%(status)s”: it can no longer be cancelled.",
                             status=termination.status_label))
    errors = {}
    reason = _text(reason, "cancel_reason", _l("Say why the termination is cancelled."), REASON_MAX, errors)
    if errors:
        raise ValidationError(errors)
    termination.status = "cancelled"
    termination.cancelled_by_id = actor.id
    termination.cancelled_at = utcnow()
    termination.note = reason
    _tell_admins(partner, "termination_cancelled", {"number": termination.number, "reason": reason})
    return termination


def _email_partner(partner, termination, money_left, reference):
    """Tell the partner's admins and its address for payment notices, in the first admin's
    language (else Chinese): they will not sign in again to read a notification."""
    admins = [u for u in partner.users if u.role == PARTNER_ADMIN and u.active]
    addresses = []
    for address in [u.email for u in admins] + [payment_contact(partner)]:
        if address and address.lower() not in [a.lower() for a in addresses]:
            addresses.append(address)
    if not addresses:
        return
    locale = next((u.locale for u in admins if u.locale), DEFAULT_LOCALE)
    with force_locale(locale):
        subject = str(_l("[Partner Portal] The partnership of %(partner)s has ended", partner=partner.name))
        body = render_template("exits/email_completed.txt", partner=partner, termination=termination,
                               refunded=money(money_left.refund) if money_left.refund > 0 else None,
                               reference=reference, settlement=money_left, money=money, manager=partner.manager)
    for address in addresses:
        send_mail(address, subject, body)
