"""Monthly targets per partner and product line: written from the agreement's terms at
countersignature, adjusted by a manager from a month on (with a reason), read for any month.

A target is in force from its ``effective_month`` until a later row for the same partner and
product line; of two rows with the same month, the one written last (highest id) wins. Rows
are never edited: an adjustment is a new row, and PartnerTarget is Audited.

Reading: ``target_for`` (one pair) and ``targets_for`` (many partners in one query, for the
dashboard). Writing: ``targets_from_agreement`` and ``adjust_target``; the caller commits.
"""
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import add_months, business_month, business_today, month_start
from portal.core.models import utcnow
from portal.core.permissions import PARTNER_ADMIN, can_view_partner, has_permission
from portal.extensions import db
from portal.notifications.services import MESSAGES, notify
from portal.reference.models import ProductLine
from portal.results.models import PartnerTarget
from portal.results.values import EARLIEST_MONTH, BadValue, parse_money, parse_month

MESSAGES.update({
    "target_adjusted": _l("Your monthly target for %(product_line)s is %(amount)s yuan from %(month)s on."),
})

REASON_MAX = 500
ADJUST_MONTHS_AHEAD = 36
ZERO = Decimal("0.00")


# ---- reading ------------------------------------------------------------------------------------


def _in_force(partner_ids, month):
    """A select of (partner_id, product_line_id, amount, row id) of the target rows in force in
    ``month``: for each pair, the row with the latest effective_month ≤ month (the highest id on
    a tie). One query, whatever the number of partners."""
    ranked = (
        sa.select(
            PartnerTarget.partner_id, PartnerTarget.product_line_id, PartnerTarget.amount,
            PartnerTarget.id.label("row_id"),
            sa.func.row_number().over(
                partition_by=(PartnerTarget.partner_id, PartnerTarget.product_line_id),
                order_by=(PartnerTarget.effective_month.desc(), PartnerTarget.id.desc()),
            ).label("rank"),
        )
        .where(PartnerTarget.effective_month <= month_start(month))
    )
    if isinstance(partner_ids, sa.sql.Selectable):
        ranked = ranked.where(PartnerTarget.partner_id.in_(partner_ids))
    else:
        ranked = ranked.where(PartnerTarget.partner_id.in_(list(partner_ids)))
    ranked = ranked.subquery()
    return sa.select(ranked.c.partner_id, ranked.c.product_line_id, ranked.c.amount, ranked.c.row_id) \
        .where(ranked.c.rank == 1)


def targets_for(partner_ids, month):
    """The monthly targets in force in ``month`` for many partners at once, in ONE query:
    ``{(partner_id, product_line_id): Decimal amount}``.

    ``partner_ids`` is an iterable of partner ids, or a SQL select of one column of partner ids
    (e.g. ``visible_partners(user).with_only_columns(Partner.id)``), which avoids sending
    thousands of ids. ``month`` is any date of the business month (its first day is used).
    A pair with no target row on or before the month is absent (not 0); a product line whose
    target was set to 0 is present with 0.
    """
    if not isinstance(partner_ids, sa.sql.Selectable):
        partner_ids = [int(i) for i in partner_ids]
        if not partner_ids:
            return {}
    rows = db.session.execute(_in_force(partner_ids, month)).all()
    return {(partner_id, line_id): amount for partner_id, line_id, amount, _row_id in rows}


def target_for(partner, product_line, month):
    """The target (Decimal) of one partner and product line in ``month``, or None if none was
    set on or before that month. Agrees with ``targets_for``."""
    partner_id = getattr(partner, "id", partner)
    line_id = getattr(product_line, "id", product_line)
    return db.session.scalar(
        sa.select(PartnerTarget.amount)
        .where(PartnerTarget.partner_id == partner_id, PartnerTarget.product_line_id == line_id,
               PartnerTarget.effective_month <= month_start(month))
        .order_by(PartnerTarget.effective_month.desc(), PartnerTarget.id.desc())
        .limit(1)
    )


def current_targets(partner, month):
    """[(product line, amount)] in force for ``partner`` in ``month``, in product line order."""
    amounts = {line_id: amount for (_pid, line_id), amount in targets_for([partner.id], month).items()}
    if not amounts:
        return []
    lines = db.session.scalars(sa.select(ProductLine).where(ProductLine.id.in_(amounts))
                               .order_by(ProductLine.position, ProductLine.code)).all()
    return [(line, amounts[line.id]) for line in lines]


def history(partner):
    """Every target row of ``partner``, newest month first (latest written first on a tie)."""
    return db.session.scalars(
        sa.select(PartnerTarget).where(PartnerTarget.partner_id == partner.id)
        .order_by(PartnerTarget.effective_month.desc(), PartnerTarget.id.desc())
        .options(selectinload(PartnerTarget.product_line), selectinload(PartnerTarget.created_by))
    ).all()


# ---- writing ------------------------------------------------------------------------------------


def _signing_month(agreement):
    vendor = agreement.signature("vendor") if hasattr(agreement, "signature") else None
    moment = vendor.created_at if vendor is not None and vendor.created_at else utcnow()
    return business_month(moment)


def targets_from_agreement(agreement, actor=None):
    """Write the "terms" target rows of a countersigned agreement: one per term line (its
    monthly target), in force from the agreement's start month, or the business month of its
    signing when it has no start date. A product line the partner had a target for but that
    the new terms leave out gets a 0 target from that month. Called once the agreement has its
    partner (at countersignature); calling it again for the same agreement writes nothing.
    Returns the rows written; the caller commits."""
    partner = agreement.partner
    if partner is None:
        raise ValueError("the agreement has no partner yet")
    already = db.session.scalar(sa.select(sa.func.count(PartnerTarget.id))
                                .where(PartnerTarget.agreement_id == agreement.id))
    if already:
        return []
    month = month_start(agreement.start_date) if agreement.start_date else _signing_month(agreement)
    actor_id = actor.id if actor is not None else None
    rows = []
    seen = set()
    for line in agreement.term_sheet.lines:
        seen.add(line.product_line_id)
        rows.append(PartnerTarget(partner_id=partner.id, product_line_id=line.product_line_id, effective_month=month,
                                  amount=Decimal(line.monthly_target or 0).quantize(Decimal("0.01")),
                                  source="terms", agreement_id=agreement.id, created_by_id=actor_id))
    for (_pid, line_id), amount in sorted(targets_for([partner.id], month).items()):
        if line_id not in seen and amount > ZERO:
            rows.append(PartnerTarget(partner_id=partner.id, product_line_id=line_id, effective_month=month,
                                      amount=ZERO, source="terms", agreement_id=agreement.id,
                                      created_by_id=actor_id))
    db.session.add_all(rows)
    db.session.flush()
    return rows


def adjust_target(partner, product_line, month, amount, reason, actor, today=None):
    """A manager changes the monthly target of ``partner`` for ``product_line`` from ``month`` on
    (a new "adjustment" row with the reason; earlier months keep their target). ``month`` is a
    date of that month or text ("2026-07"); ``amount`` text or Decimal (0 or more); the reason
    is required. Raises ValidationError naming the
    fields ``product_line_id``, ``month``, ``amount``, ``reason``. The caller commits."""
    if not has_permission(actor, "results.manage") or not can_view_partner(actor, partner):
        raise DomainError(_l("Only the partner's channel manager or an administrator may change its targets."))
    today = today or business_today()
    errors = {}
    if not isinstance(product_line, ProductLine) or not product_line.active:
        errors["product_line_id"] = [_l("Choose a product line.")]
    latest = add_months(month_start(today), ADJUST_MONTHS_AHEAD)
    if isinstance(month, str):
        try:
            month = parse_month(month)
        except BadValue as error:
            errors["month"] = [error.message]
            month = None
    if month is None:
        errors.setdefault("month", [_l("Enter the first month the new target applies to, as YYYY-MM.")])
    else:
        month = month_start(month)
        if month < EARLIEST_MONTH or month > latest:
            errors["month"] = [_l("Enter a month between January 2000 and %(latest)s.",
                                  latest=f"{latest.year:04d}-{latest.month:02d}")]
    try:
        amount = parse_money(amount)
    except BadValue as error:
        errors["amount"] = [error.message]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_l("Say why the target changes: the reason is kept with the change.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_l("At most %(max)d characters.", max=REASON_MAX)]
    if not errors and target_for(partner, product_line, month) == amount:
        errors["amount"] = [_l("The target for that month is already %(amount)s yuan.", amount=f"{amount:,.2f}")]
    if errors:
        raise ValidationError(errors)
    row = PartnerTarget(partner_id=partner.id, product_line_id=product_line.id, effective_month=month, amount=amount,
                        source="adjustment", reason=reason, created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    for person in partner.users:
        if person.role == PARTNER_ADMIN and person.active:
            notify(person, "target_adjusted",
                   {"product_line": {"en": product_line.name_en, "zh": product_line.name_zh},
                    "amount": f"{amount:,.2f}", "month": f"{month.year:04d}-{month.month:02d}"},
                   link=_optional_url("results.index") or _optional_url("results.reports"))
    return row


def _optional_url(endpoint, **values):
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None
