"""Rent subsidies (房补): lease proofs, and the subsidy lines of the monthly commission statement.

Plain functions; they raise DomainError / ValidationError naming the field and never commit.
LeaseProof is Audited, so uploads and decisions are in the audit trail with their actor.

The rules, decided here:

* **The amount.** The monthly subsidy per outlet is ``rent_subsidy_per_outlet`` of the terms in
  force for the partner in that month (portal.agreements.queries.terms_in_force); none, or 0,
  means no subsidy at all for that month.
* **Eligible days.** Day *d* of a month counts when the outlet is open that day (``opened_on``
  is empty or ≤ *d*; ``closed_on`` is empty or *d* < ``closed_on``: the closing day itself is
  not paid) and an *accepted* lease proof of that outlet covers it (``starts_on`` ≤ *d* ≤
  ``ends_on``). Pending and rejected proofs count for nothing.
* **Due** for an outlet and a month = subsidy × eligible days / days in the month, rounded to
  the fen (ROUND_HALF_UP). Lines carry that fraction as "21/30" (eligible days / days in the
  month), which the pages explain in the reader's language.
* **Statement lines** (``subsidy_lines``): for the statement's month, a ``rent_subsidy`` line per
  outlet with something due. For every earlier month already settled — one with a *released*
  statement of the partner, or for which a released statement paid subsidy lines — each outlet
  (closed ones too) is checked again: settled = the sum of its ``rent_subsidy`` and
  ``subsidy_clawback`` lines for that source month on the partner's *other* statements
  (released ones are paid; approved and draft ones will be — counting them stops a clawback or
  a make-up from landing on two statements while the first awaits release); if what is due now
  is less (an outlet closed with a backdated closing date, a shorter lease), a
  ``subsidy_clawback`` line takes the difference back; if it is more (a lease accepted late), a
  ``rent_subsidy`` line pays the difference, with that month as its source month. Only months
  with a released statement are checked again, and the statement being computed is left out,
  so computing a draft again gives the same lines.
* **Lease proofs.** The partner's admin uploads, for one of its own open outlets, the lease
  (PDF, PNG or JPEG, checked by content, at most 10 MB, as bank proofs are), the landlord, the
  monthly rent (optional, ≥ 0) and the period it covers (start ≤ end, at most 20 years — the
  longest lease Chinese law allows). It awaits review; the partner's channel manager (or, with
  none, the admins) is told. A manager who may see the partner, or an admin, accepts it or
  rejects it with a note the partner reads; the partner's admins are told either way. A
  decided proof is never changed: a new lease is a new upload.
* **Termination.** Once the partner's termination (清退) is completed, its outlets are no longer
  the vendor's: no day from the completion day on (Beijing time) is eligible.
* **Closing an outlet** records the closing date (``set_closed_on``): not in the future, not
  before the opening date, and not moved once recorded (that would pay again what was clawed
  back); reopening clears it, so the outlet counts as open again throughout — which is why an
  outlet whose accepted lease covers a day it was closed (from the closing day to yesterday) is
  not reopened: that would pay the subsidy for those days. It is added again as a new outlet.
"""
import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.agreements.queries import terms_in_force
from portal.commissions.models import CommissionLine, CommissionStatement
from portal.core import storage
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_zone
from portal.core.models import utcnow
from portal.core.permissions import ADMIN, MANAGER, PARTNER_ADMIN, can_manage_partner, can_view_partner, has_permission
from portal.exits.models import Termination
from portal.extensions import db
from portal.finance.services import PROOF_KINDS, PROOF_MAX_BYTES
from portal.notifications.services import MESSAGES, notify
from portal.partners.models import Outlet
from portal.subsidies.models import LeaseProof

MESSAGES.update({
    "lease_uploaded": _l("%(partner)s sent a lease proof for outlet %(outlet)s (%(starts)s to %(ends)s): it awaits "
                         "your review."),
    "lease_accepted": _l("The lease proof of outlet %(outlet)s (%(starts)s to %(ends)s) is accepted: the rent subsidy "
                         "is paid for the days it covers while the outlet is open."),
    "lease_rejected": _l("The lease proof of outlet %(outlet)s (%(starts)s to %(ends)s) was not accepted: %(reason)s"),
})

CENT = Decimal("0.01")
SUBSIDY_KINDS = ("rent_subsidy", "subsidy_clawback")
MAX_RENT = Decimal("9999999999.99")
MAX_LEASE_YEARS = 20
MAX_LEASE_DAYS = MAX_LEASE_YEARS * 365 + 5  # twenty years with their leap days


# ---- the amounts ---------------------------------------------------------------------------------


def monthly_subsidy(partner_id, month):
    """The subsidy per outlet for ``month`` under the terms in force, or None when there is none."""
    sheet = terms_in_force(partner_id, month)
    amount = sheet.rent_subsidy_per_outlet if sheet is not None else None
    return Decimal(amount) if amount else None


def days_in(month):
    return calendar.monthrange(month.year, month.month)[1]


def is_open_on(outlet, day):
    return (outlet.opened_on is None or outlet.opened_on <= day) and (outlet.closed_on is None or day < outlet.closed_on)


def accepted_proofs(outlet_ids):
    """{outlet id: [accepted proofs]}."""
    found = defaultdict(list)
    if outlet_ids:
        for proof in db.session.scalars(sa.select(LeaseProof).where(
                LeaseProof.outlet_id.in_(outlet_ids), LeaseProof.status == "accepted")):
            found[proof.outlet_id].append(proof)
    return found


def partnership_ends(partner_id):
    """The day (Beijing time) the partner's termination was completed, or None."""
    completed = db.session.scalar(
        sa.select(Termination.completed_at)
        .where(Termination.partner_id == partner_id, Termination.status == "completed",
               Termination.completed_at.is_not(None))
        .order_by(Termination.completed_at).limit(1))
    return completed.astimezone(business_zone()).date() if completed is not None else None


def eligible_days(outlet, proofs, month, ends=None):
    """The days of ``month`` the outlet is open and covered by one of ``proofs`` (accepted ones),
    before ``ends`` (the end of the partnership) if given."""
    days = (month + timedelta(days=n) for n in range(days_in(month)))
    return sum(1 for day in days if (ends is None or day < ends) and is_open_on(outlet, day)
               and any(p.starts_on <= day <= p.ends_on for p in proofs))


def due(subsidy, days, month):
    """The subsidy for ``days`` eligible days of ``month``, to the fen."""
    if not subsidy or not days:
        return Decimal("0.00")
    return (subsidy * days / days_in(month)).quantize(CENT, rounding=ROUND_HALF_UP)


def fraction(days, month):
    return f"{days}/{days_in(month)}"


def released_subsidy_lines(partner_id):
    """A select of the partner's subsidy lines in released statements."""
    return (sa.select(CommissionLine)
            .join(CommissionStatement, CommissionLine.statement_id == CommissionStatement.id)
            .where(CommissionStatement.partner_id == partner_id, CommissionStatement.status == "released",
                   CommissionLine.kind.in_(SUBSIDY_KINDS)))


def _settled(partner_id, month):
    """{(outlet id, source month): amount} settled for months before ``month`` on the partner's
    statements other than ``month``'s, whatever their status (see the rules)."""
    rows = db.session.execute(
        sa.select(CommissionLine.outlet_id, CommissionLine.source_month, sa.func.sum(CommissionLine.amount))
        .join(CommissionStatement, CommissionLine.statement_id == CommissionStatement.id)
        .where(CommissionStatement.partner_id == partner_id, CommissionStatement.month != month,
               CommissionLine.kind.in_(SUBSIDY_KINDS), CommissionLine.source_month < month)
        .group_by(CommissionLine.outlet_id, CommissionLine.source_month))
    return {(outlet_id, source): Decimal(total).quantize(CENT) for outlet_id, source, total in rows}


def _settled_months(partner_id, before):
    """The months before ``before`` with a released statement, or paid by one."""
    released = db.session.scalars(sa.select(CommissionStatement.month).where(
        CommissionStatement.partner_id == partner_id, CommissionStatement.status == "released",
        CommissionStatement.month < before))
    paid = db.session.scalars(released_subsidy_lines(partner_id).where(CommissionLine.source_month < before)
                              .with_only_columns(CommissionLine.source_month).distinct())
    return sorted({m.replace(day=1) for m in released} | set(paid))


def _line(kind, outlet, month, subsidy, amount, days):
    return {"kind": kind, "outlet_id": outlet.id, "source_month": month, "base_amount": subsidy,
            "amount": amount, "description": fraction(days, month)}


def subsidy_lines(partner, month):
    """The rent subsidy lines of ``partner``'s commission statement for ``month`` (first day of a
    business month): a list of dicts with keys kind ("rent_subsidy" or "subsidy_clawback"),
    outlet_id, source_month, base_amount (the monthly subsidy in force, Decimal), amount (signed
    Decimal, 0.01), description (language-neutral facts, e.g. "18/30"). Read-only."""
    month = month.replace(day=1)
    outlets = db.session.scalars(sa.select(Outlet).where(Outlet.partner_id == partner.id)
                                 .order_by(Outlet.name, Outlet.id)).all()
    proofs = accepted_proofs([o.id for o in outlets])
    settled, ends = _settled(partner.id, month), partnership_ends(partner.id)
    lines = []
    for source in _settled_months(partner.id, month) + [month]:
        subsidy = monthly_subsidy(partner.id, source)
        for outlet in outlets:
            days = eligible_days(outlet, proofs[outlet.id], source, ends) if subsidy else 0
            difference = due(subsidy, days, source) - settled.get((outlet.id, source), Decimal("0.00"))
            if difference > 0:
                lines.append(_line("rent_subsidy", outlet, source, subsidy, difference, days))
            elif difference < 0:
                lines.append(_line("subsidy_clawback", outlet, source, subsidy, difference, days))
    return lines


def outlet_overview(partner, month):
    """For the partner's page: per outlet, its accepted/pending/rejected proofs and what
    ``month`` gives it (eligible days, amount due)."""
    subsidy = monthly_subsidy(partner.id, month)
    outlets = db.session.scalars(sa.select(Outlet).where(Outlet.partner_id == partner.id)
                                 .order_by(Outlet.active.desc(), Outlet.name, Outlet.id)).all()
    proofs = accepted_proofs([o.id for o in outlets])
    rows = []
    for outlet in outlets:
        days = eligible_days(outlet, proofs[outlet.id], month) if subsidy else 0
        rows.append({"outlet": outlet, "proofs": outlet.lease_proofs, "days": days,
                     "fraction": fraction(days, month), "due": due(subsidy, days, month)})
    return subsidy, rows


# ---- lease proofs: the partner's side ------------------------------------------------------------


def _has_file(upload):
    return upload is not None and bool(getattr(upload, "filename", None))


def parse_rent(value):
    """The monthly rent in yuan (optional): a Decimal ≥ 0 with at most two decimals, or None."""
    text = str(value or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > MAX_RENT or amount != amount.quantize(CENT):
        raise DomainError(_l("Enter the monthly rent in yuan (0 or more, at most two decimals), or leave it empty."),
                          field="monthly_rent")
    return amount.quantize(CENT)


def _clean(partner, data):
    errors = {}
    outlet = db.session.get(Outlet, data["outlet_id"]) if data.get("outlet_id") else None
    if outlet is None or outlet.partner_id != partner.id:
        errors["outlet_id"] = [_l("Choose one of your outlets.")]
    elif not outlet.active:
        errors["outlet_id"] = [_l("This outlet is closed: a closed outlet gets no rent subsidy.")]
    landlord = " ".join((data.get("landlord") or "").split())
    if not landlord:
        errors["landlord"] = [_l("Enter the landlord named in the lease.")]
    elif len(landlord) > 200:
        errors["landlord"] = [_l("At most %(max)d characters.", max=200)]
    try:
        rent = parse_rent(data.get("monthly_rent"))
    except DomainError as error:
        errors["monthly_rent"], rent = [error.message], None
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts is None:
        errors["starts_on"] = [_l("Enter the first day the lease covers.")]
    if ends is None:
        errors["ends_on"] = [_l("Enter the last day the lease covers.")]
    if starts and ends:
        if ends < starts:
            errors["ends_on"] = [_l("The lease cannot end before it starts.")]
        elif (ends - starts).days > MAX_LEASE_DAYS:
            errors["ends_on"] = [_l("A lease runs at most %(years)d years.", years=MAX_LEASE_YEARS)]
    if errors:
        raise ValidationError(errors)
    return {"outlet": outlet, "landlord": landlord, "monthly_rent": rent, "starts_on": starts, "ends_on": ends}


def _vendor_people(partner):
    """Who reviews the partner's proofs: its channel manager, else the active admins."""
    manager = partner.manager
    if manager is not None and manager.active and manager.role in (MANAGER, ADMIN):
        return [manager]
    return db.session.scalars(sa.select(User).where(User.role == ADMIN, User.active.is_(True))).all()


def _params(proof):
    return {"partner": proof.partner.name, "outlet": proof.outlet.name, "starts": proof.starts_on.isoformat(),
            "ends": proof.ends_on.isoformat()}


def upload(partner, data, file, actor):
    """The partner's admin sends a lease proof for one of its open outlets; it awaits review."""
    if not has_permission(actor, "subsidies.partner") or not can_manage_partner(actor, partner):
        raise DomainError(_l("Only the partner's administrator may send lease proofs."))
    try:
        values, errors = _clean(partner, data), {}
    except ValidationError as error:
        values, errors = None, dict(error.errors)
    if not _has_file(file):
        errors["file"] = [_l("Attach the lease: a PDF, or a photo or scan as PNG or JPG.")]
    if errors:
        raise ValidationError(errors)
    storage.check_file_name(file.filename, "file")
    stored = storage.store_upload(file, PROOF_KINDS, PROOF_MAX_BYTES, "file", uploaded_by=actor)
    proof = LeaseProof(partner_id=partner.id, outlet_id=values.pop("outlet").id, file_id=stored.id, status="pending",
                       uploaded_by_id=actor.id, **values)
    db.session.add(proof)
    db.session.flush()
    for person in _vendor_people(partner):
        notify(person, "lease_uploaded", _params(proof), link=url_for("subsidies_admin.lease", proof_id=proof.id))
    return proof


# ---- lease proofs: the vendor's side -------------------------------------------------------------


def _lock(proof):
    """Read the proof again with its row locked: a decision made meanwhile is seen."""
    return db.session.scalars(sa.select(LeaseProof).where(LeaseProof.id == proof.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _decide(proof, actor, status, note):
    proof = _lock(proof)
    if (not has_permission(actor, "subsidies.manage") or actor.role not in (MANAGER, ADMIN)
            or not can_view_partner(actor, proof.partner)):
        raise DomainError(_l("Only the partner's channel manager or an administrator may review this lease proof."))
    if proof.status != "pending":
        raise DomainError(_l("This lease proof is already reviewed (%(status)s).", status=proof.status_label))
    field = "reason" if status == "rejected" else "note"
    note = (note or "").strip() or None
    if status == "rejected" and not note:
        raise DomainError(_l("Say why, for the partner to read."), field=field)
    if note and len(note) > 500:
        raise DomainError(_l("At most %(max)d characters.", max=500), field=field)
    proof.status, proof.review_note = status, note
    proof.reviewed_by_id, proof.reviewed_at = actor.id, utcnow()
    params = _params(proof) | ({"reason": note} if status == "rejected" else {})
    for person in proof.partner.users:
        if person.role == PARTNER_ADMIN and person.active:
            notify(person, f"lease_{status}", params, link=url_for("subsidies.leases", _anchor=f"outlet-{proof.outlet_id}"))
    return proof


def accept(proof, actor, note=None):
    """The lease counts from now on: its covered days of open months are paid (earlier months
    already settled get the difference on the next statement)."""
    return _decide(proof, actor, "accepted", note)


def reject(proof, actor, reason):
    return _decide(proof, actor, "rejected", reason)


# ---- closing an outlet ---------------------------------------------------------------------------


def set_closed_on(outlet, closed_on, today):
    """Record the day ``outlet`` (still open) closed, or None as it reopens. The subsidy stops on
    that day, and a period already paid after it is clawed back on the next statement."""
    if closed_on is None:
        gap = outlet.closed_on
        if gap is not None and gap < today and any(p.starts_on < today and p.ends_on >= gap
                                                   for p in accepted_proofs([outlet.id])[outlet.id]):
            raise DomainError(_l("%(outlet)s was closed on %(day)s and its lease is accepted for a rent subsidy: "
                                 "reopening it would pay the subsidy for the days it was closed. Add it again as a "
                                 "new outlet.", outlet=outlet.name, day=gap.isoformat()))
        outlet.closed_on = None
        return outlet
    if not outlet.active:  # moving the date of a closed outlet would pay again what was clawed back
        raise DomainError(_l("This outlet is already closed."))
    if closed_on > today:
        raise DomainError(_l("The closing date cannot be in the future."), field="closed_on")
    if outlet.opened_on is not None and closed_on < outlet.opened_on:
        raise DomainError(_l("The outlet opened on %(day)s: it cannot close before that.",
                             day=outlet.opened_on.isoformat()), field="closed_on")
    outlet.closed_on = closed_on
    return outlet
