"""Negotiation on the record: numbered term sheet versions, proposed and countered by the vendor
and the prospect, accepted by the other side and locked by their author.

Plain functions: they take the acting user and validated values, check the rules, change the
objects and raise DomainError naming the field. The caller commits.

The rules of the game, in one place:

* A version is proposed on a prospect in negotiation (stage "negotiating") or, for an amendment
  or a renewal, on a signed prospect. Versions are numbered 1, 2, 3… per prospect and keep their
  author side ("vendor" / "prospect"), author and time. They are never edited: a change is a new
  version, so the versions are their own audit record; the acceptance and lock fields are set
  once, by a conditional UPDATE that only succeeds from the expected status.
* A new version supersedes the latest version if it is still open (or accepted, see below);
  a locked version stays locked for good (agreements point at it), so a version written after
  a lock is the start of an amendment or renewal and supersedes nothing.
* Only the side that did NOT write the latest version may accept it; an older (superseded)
  version cannot be accepted; nobody accepts their own side's version.
* The author side confirms an accepted version, which locks it. Locking an open version (not yet
  accepted) or locking by the side that accepted it is refused.
* While a version is accepted and awaiting its lock, the side that accepted it may not write a
  new version (they have agreed; the next move is the author's). The author side may still write
  one instead of locking — that is how they decline to confirm — and it supersedes the accepted
  version (whose acceptance stays on record).
* A version's form remembers the number of the latest version it was based on; if the other side
  wrote a version meanwhile, the new one is refused so that nobody overwrites an offer unread.
"""
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.core.errors import DomainError, ValidationError
from portal.core.models import utcnow
from portal.core.permissions import PARTNER_ADMIN
from portal.extensions import db
from portal.negotiation.models import VENDOR, TermLine, TermSheet
from portal.negotiation.queries import side_for_acting
from portal.notifications.services import notify
from portal.recruitment.models import NEGOTIATING, SIGNED, STAGE_LABELS, Prospect
from portal.reference.models import ChannelType, PartnerTier, ProductLine, Territory

CENT = Decimal("0.01")
RATE_MAX = Decimal("100")
MONEY_MAX = Decimal("1000000000000000")  # far below Numeric(18, 2)'s ceiling
TEXT_MAX = 4000
PROPOSAL_STAGES = (NEGOTIATING, SIGNED)

OPEN, SUPERSEDED, ACCEPTED, LOCKED = "open", "superseded", "accepted", "locked"

# The fields compared by diff_terms, in the order shown.
TERM_FIELDS = ("territories", "exclusive", "channel_type", "tier", "start_date", "end_date", "deposit",
               "rent_subsidy_per_outlet", "payment_terms", "special_clauses")
LINE_FIELDS = ("commission_rate", "monthly_target")


# ---- reading --------------------------------------------------------------------------------------


def latest_version(prospect):
    """The prospect's highest-numbered term sheet, or None."""
    return db.session.scalar(
        sa.select(TermSheet).where(TermSheet.prospect_id == prospect.id).order_by(TermSheet.number.desc()).limit(1)
    )


def locked_terms(prospect):
    """The latest locked version — the terms both sides agreed — or None."""
    return db.session.scalar(
        sa.select(TermSheet)
        .where(TermSheet.prospect_id == prospect.id, TermSheet.status == LOCKED)
        .order_by(TermSheet.number.desc())
        .limit(1)
    )


def _named(item):
    if item is None:
        return None
    return {"code": item.code, "name_en": item.name_en, "name_zh": item.name_zh}


def _territory(territory):
    parent = territory.parent
    return {
        "code": territory.code,
        "name_en": territory.name_en,
        "name_zh": territory.name_zh,
        "full_name_en": f"{parent.name_en} · {territory.name_en}" if parent else territory.name_en,
        "full_name_zh": f"{parent.name_zh} · {territory.name_zh}" if parent else territory.name_zh,
    }


def money_str(value):
    return None if value is None else format(Decimal(value).quantize(CENT), "f")


def terms_as_dict(sheet):
    """The sheet's terms as plain values: strings for Decimals ("3.35", "20000.10") and dates
    (ISO), names in both languages for territories, channel type, tier and product lines.
    Used for the diff, and by agreements for their templates."""
    lines = sorted(sheet.lines, key=lambda ln: (ln.product_line.position, ln.product_line.code))
    return {
        "number": sheet.number,
        "author_side": sheet.author_side,
        "status": sheet.status,
        "territories": [_territory(t) for t in sheet.territories],
        "exclusive": bool(sheet.exclusive),
        "channel_type": _named(sheet.channel_type),
        "tier": _named(sheet.tier),
        "start_date": sheet.start_date.isoformat() if sheet.start_date else None,
        "end_date": sheet.end_date.isoformat() if sheet.end_date else None,
        "deposit": money_str(sheet.deposit),
        "rent_subsidy_per_outlet": money_str(sheet.rent_subsidy_per_outlet),
        "payment_terms": sheet.payment_terms or "",
        "special_clauses": sheet.special_clauses or "",
        "note": sheet.note or "",
        "lines": [
            {
                "product_line": _named(ln.product_line),
                "commission_rate": money_str(ln.commission_rate),  # a percentage, two decimals
                "monthly_target": money_str(ln.monthly_target),
            }
            for ln in lines
        ],
    }


def diff_terms(old, new):
    """What changed from ``old`` to ``new`` (term sheets or terms_as_dict results), as a list of
    {"kind": "added"|"removed"|"changed", "field", "old", "new", "line", "territory"}: territories
    added or removed, fields changed (old → new), product lines added, removed or changed."""
    old = old if isinstance(old, dict) else terms_as_dict(old)
    new = new if isinstance(new, dict) else terms_as_dict(new)
    changes = []

    def change(kind, field, old_value=None, new_value=None, line=None, territory=None):
        changes.append({"kind": kind, "field": field, "old": old_value, "new": new_value, "line": line,
                        "territory": territory})

    for field in TERM_FIELDS:
        if field == "territories":
            before = {t["code"]: t for t in old["territories"]}
            after = {t["code"]: t for t in new["territories"]}
            for code, territory in after.items():
                if code not in before:
                    change("added", "territory", new_value=territory, territory=territory)
            for code, territory in before.items():
                if code not in after:
                    change("removed", "territory", old_value=territory, territory=territory)
        elif field in ("channel_type", "tier"):
            a, b = old[field], new[field]
            if (a or {}).get("code") != (b or {}).get("code"):
                change("changed", field, a, b)
        elif old[field] != new[field]:
            change("changed", field, old[field], new[field])
    before = {ln["product_line"]["code"]: ln for ln in old["lines"]}
    after = {ln["product_line"]["code"]: ln for ln in new["lines"]}
    for code, line in after.items():
        if code not in before:
            change("added", "line", new_value=line, line=line["product_line"])
        else:
            for field in LINE_FIELDS:
                if before[code][field] != line[field]:
                    change("changed", field, before[code][field], line[field], line=line["product_line"])
    for code, line in before.items():
        if code not in after:
            change("removed", "line", old_value=line, line=line["product_line"])
    return changes


def values_from_sheet(sheet):
    """A sheet's terms as the values propose_terms takes (to prefill or copy a version)."""
    return {
        "territory_ids": [t.id for t in sheet.territories],
        "exclusive": bool(sheet.exclusive),
        "channel_type_id": sheet.channel_type_id,
        "tier_id": sheet.tier_id,
        "start_date": sheet.start_date,
        "end_date": sheet.end_date,
        "deposit": Decimal(sheet.deposit).quantize(CENT),
        "rent_subsidy_per_outlet": Decimal(sheet.rent_subsidy_per_outlet).quantize(CENT),
        "payment_terms": sheet.payment_terms,
        "special_clauses": sheet.special_clauses,
        "note": None,
        "lines": [
            {"product_line_id": ln.product_line_id, "commission_rate": Decimal(ln.commission_rate).quantize(CENT),
             "monthly_target": Decimal(ln.monthly_target).quantize(CENT)}
            for ln in sheet.lines
        ],
    }


# ---- validation -----------------------------------------------------------------------------------


def _as_decimal(value):
    """Decimal or a decimal string; never float (binary fractions are not money)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return None
    return None


def money_error(value):
    """None if ``value`` is an amount in yuan with at most two decimals, 0 or more; else why not."""
    amount = _as_decimal(value)
    if amount is None or not amount.is_finite():
        return _l("Enter an amount in yuan, e.g. 20000.10.")
    if amount < 0:
        return _l("The amount cannot be negative.")
    if amount >= MONEY_MAX:  # before quantize(), which cannot hold "1e100" and would raise
        return _l("This amount is too large.")
    if amount != amount.quantize(CENT):
        return _l("Amounts have at most two decimals (fen), e.g. 20000.10.")
    return None


def rate_error(value):
    """None if ``value`` is a percentage from 0 to 100 with at most two decimals; else why not."""
    rate = _as_decimal(value)
    if rate is None or not rate.is_finite():
        return _l("Enter the rate as a percentage, e.g. 3.35.")
    if rate < 0:
        return _l("A commission rate cannot be negative.")
    if rate > RATE_MAX:
        return _l("A commission rate cannot be more than 100%.")
    if rate != rate.quantize(CENT):
        return _l("A commission rate has at most two decimals, e.g. 3.35.")
    return None


def _text(value):
    value = (value or "").strip() if isinstance(value, str) else value
    return value or None


def validate_terms(values):
    """Check proposed terms; return them normalised (objects loaded, Decimals quantised) or raise
    ValidationError with a message per field. Line fields are named ``rate_<product line id>``
    and ``target_<product line id>``; errors about the lines as a whole are on ``lines``."""
    errors = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    clean = {"exclusive": bool(values.get("exclusive"))}

    ids = sorted({int(i) for i in values.get("territory_ids") or []})
    territories = db.session.scalars(sa.select(Territory).where(Territory.id.in_(ids))).all() if ids else []
    if not ids:
        err("territory_ids", _l("Choose at least one territory."))
    elif len(territories) != len(ids):
        err("territory_ids", _l("Choose territories from the list."))
    clean["territories"] = sorted(territories, key=lambda t: t.code)

    for field, model, message in (("channel_type_id", ChannelType, _l("Choose a channel type.")),
                                  ("tier_id", PartnerTier, _l("Choose a tier."))):
        item = db.session.get(model, values[field]) if values.get(field) else None
        if item is None:
            err(field, message)
        clean[field] = item.id if item else None

    start, end = values.get("start_date"), values.get("end_date")
    if not isinstance(start, date):
        err("start_date", _l("Enter the start date."))
    if not isinstance(end, date):
        err("end_date", _l("Enter the end date."))
    elif isinstance(start, date) and end <= start:
        err("end_date", _l("The end date must be after the start date."))
    clean["start_date"], clean["end_date"] = start, end

    for field, missing in (("deposit", _l("Enter the credit deposit in yuan (0 if none).")),
                           ("rent_subsidy_per_outlet", _l("Enter the rent subsidy per outlet in yuan (0 if none)."))):
        value = values.get(field)
        if value is None or value == "":
            err(field, missing)
            continue
        problem = money_error(value)
        if problem:
            err(field, problem)
        else:
            clean[field] = _as_decimal(value).quantize(CENT)

    for field in ("payment_terms", "special_clauses", "note"):
        text = _text(values.get(field))
        if text and len(text) > TEXT_MAX:
            err(field, _l("At most %(max)d characters.", max=TEXT_MAX))
        clean[field] = text

    lines = []
    seen = set()
    for line in values.get("lines") or []:
        pl_id = int(line["product_line_id"])
        rate, target = line.get("commission_rate"), line.get("monthly_target")
        rate_key, target_key = f"rate_{pl_id}", f"target_{pl_id}"
        if rate in (None, "") and target in (None, ""):
            continue  # a blank row: the line is not included
        if pl_id in seen or db.session.get(ProductLine, pl_id) is None:
            err("lines", _l("Choose product lines from the list."))
            continue
        seen.add(pl_id)
        ok = True
        if rate in (None, ""):
            err(rate_key, _l("Enter the commission rate too, or leave both blank to leave this line out."))
            ok = False
        elif problem := rate_error(rate):
            err(rate_key, problem)
            ok = False
        if target in (None, ""):
            err(target_key, _l("Enter the monthly target too, or leave both blank to leave this line out."))
            ok = False
        elif problem := money_error(target):
            err(target_key, problem)
            ok = False
        if ok:
            lines.append({"product_line_id": pl_id, "commission_rate": _as_decimal(rate).quantize(CENT),
                          "monthly_target": _as_decimal(target).quantize(CENT)})
    if not lines and not any(k.startswith(("rate_", "target_")) for k in errors):
        err("lines", _l("Include at least one product line: give its commission rate and monthly target."))
    clean["lines"] = lines

    if errors:
        raise ValidationError(errors)
    return clean


# ---- the rules of order -------------------------------------------------------------------------


def _stage_refusal(prospect):
    if prospect.stage not in PROPOSAL_STAGES:
        return _l("Terms are negotiated only on a prospect in negotiation, or on a signed partner for an "
                  "amendment or renewal; this prospect is “%(stage)s”.", stage=STAGE_LABELS[prospect.stage])
    return None


def proposal_refusal(prospect, side, latest=None):
    """Why ``side`` may not write a new version now, or None."""
    refusal = _stage_refusal(prospect)
    if refusal:
        return refusal
    latest = latest if latest is not None else latest_version(prospect)
    if latest is not None and latest.status == ACCEPTED and latest.author_side != side:
        return _l("Your side accepted version %(number)s; the other side confirms and locks it next.",
                  number=latest.number)
    return None


def acceptance_refusal(sheet, side):
    """Why ``side`` may not accept ``sheet``, or None."""
    if sheet.status == SUPERSEDED:
        return _l("Version %(number)s has been replaced by a later version; only the latest version can be "
                  "accepted.", number=sheet.number)
    if sheet.status == ACCEPTED:
        return _l("Version %(number)s has already been accepted.", number=sheet.number)
    if sheet.status == LOCKED:
        return _l("Version %(number)s is already agreed and locked.", number=sheet.number)
    if sheet.author_side == side:
        return _l("Version %(number)s was written by your side; only the other side can accept it.",
                  number=sheet.number)
    latest = latest_version(sheet.prospect)
    if latest is not None and latest.id != sheet.id:
        return _l("Version %(number)s has been replaced by a later version; only the latest version can be "
                  "accepted.", number=sheet.number)
    return _stage_refusal(sheet.prospect)


def lock_refusal(sheet, side):
    """Why ``side`` may not confirm and lock ``sheet``, or None."""
    if sheet.status == SUPERSEDED:
        return _l("Version %(number)s has been replaced by a later version and cannot be locked.",
                  number=sheet.number)
    if sheet.status == LOCKED:
        return _l("Version %(number)s is already agreed and locked.", number=sheet.number)
    if sheet.status == OPEN:
        return _l("Version %(number)s has not been accepted yet; it can be locked once the other side "
                  "accepts it.", number=sheet.number)
    if sheet.author_side != side:
        return _l("Only the side that wrote version %(number)s confirms and locks it.", number=sheet.number)
    return _stage_refusal(sheet.prospect)


# ---- the moves ------------------------------------------------------------------------------------


def _acting_side(prospect, actor):
    side = side_for_acting(actor, prospect)
    if side is None:
        raise DomainError(_l("You cannot negotiate on this prospect."))
    return side


def _lock_prospect(prospect):
    """Serialise the moves on one prospect's terms (SELECT … FOR UPDATE on PostgreSQL; SQLite
    serialises writers anyway), then re-read its versions as committed."""
    db.session.execute(sa.select(Prospect.id).where(Prospect.id == prospect.id).with_for_update())
    db.session.execute(
        sa.select(TermSheet).where(TermSheet.prospect_id == prospect.id).execution_options(populate_existing=True)
    ).all()


def _transition(sheet, from_status, **values):
    """Set a status once: the UPDATE only matches the row in the status we checked."""
    result = db.session.execute(
        sa.update(TermSheet)
        .where(TermSheet.id == sheet.id, TermSheet.status == from_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("Version %(number)s changed meanwhile; reload the page and look again.",
                             number=sheet.number))
    db.session.refresh(sheet)


def propose_terms(prospect, values, actor, based_on=None, kind="terms_proposed"):
    """Write the next version for the actor's side; it supersedes the open (or, if its own side
    wrote it, the accepted) latest version. ``based_on``: the latest version number the author
    saw (0 for none); a version written meanwhile by the other side refuses the proposal."""
    side = _acting_side(prospect, actor)
    _lock_prospect(prospect)
    latest = latest_version(prospect)
    refusal = proposal_refusal(prospect, side, latest)
    if refusal:
        raise DomainError(refusal)
    if based_on is not None and (latest.number if latest else 0) != based_on:
        raise DomainError(_l("Version %(number)s was written while you were editing. Read it, then send your "
                             "version again.", number=latest.number if latest else 0), field="based_on")
    clean = validate_terms(values)
    if latest is not None and latest.status in (OPEN, ACCEPTED):
        _transition(latest, latest.status, status=SUPERSEDED)
    sheet = TermSheet(
        prospect=prospect, number=(latest.number if latest else 0) + 1, author_side=side, author_id=actor.id,
        created_at=utcnow(), status=OPEN, exclusive=clean["exclusive"], channel_type_id=clean["channel_type_id"],
        tier_id=clean["tier_id"], start_date=clean["start_date"], end_date=clean["end_date"],
        deposit=clean["deposit"], rent_subsidy_per_outlet=clean["rent_subsidy_per_outlet"],
        payment_terms=clean["payment_terms"], special_clauses=clean["special_clauses"], note=clean["note"],
    )
    sheet.territories = clean["territories"]
    sheet.lines = [TermLine(**line) for line in clean["lines"]]
    db.session.add(sheet)
    db.session.flush()
    _notify_both_sides(prospect, kind, sheet, actor)
    return sheet


def accept_terms(sheet, actor):
    """The side that did not write the latest version accepts it."""
    prospect = sheet.prospect
    side = _acting_side(prospect, actor)
    _lock_prospect(prospect)
    refusal = acceptance_refusal(sheet, side)
    if refusal:
        raise DomainError(refusal)
    _transition(sheet, OPEN, status=ACCEPTED, accepted_by_id=actor.id, accepted_at=utcnow())
    _notify_both_sides(prospect, "terms_accepted", sheet, actor)
    return sheet


def lock_terms(sheet, actor):
    """The author side confirms the accepted version: it is locked, final, the agreed terms."""
    prospect = sheet.prospect
    side = _acting_side(prospect, actor)
    _lock_prospect(prospect)
    refusal = lock_refusal(sheet, side)
    if refusal:
        raise DomainError(refusal)
    _transition(sheet, ACCEPTED, status=LOCKED, locked_by_id=actor.id, locked_at=utcnow())
    _notify_both_sides(prospect, "terms_locked", sheet, actor)
    return sheet


def _add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    from calendar import monthrange

    return date(year, month, min(day.day, monthrange(year, month)[1]))


def renewal_period(start, end):
    """The period that follows [start, end] and is as long: whole months if the old one was
    (1 Jan – 31 Dec → 1 Jan – 31 Dec next year), else the same number of days."""
    new_start = end + timedelta(days=1)
    if start is None:
        return new_start, _add_months(new_start, 12) - timedelta(days=1)
    months = (new_start.year - start.year) * 12 + new_start.month - start.month
    if months > 0 and _add_months(start, months) == new_start:
        return new_start, _add_months(new_start, months) - timedelta(days=1)
    return new_start, new_start + (end - start)


def start_renewal(agreement, actor):
    """A new vendor version copying the agreement's terms, its period moved to start the day
    after the old end date, on the same prospect; the prospect side is told."""
    prospect = agreement.prospect
    if _acting_side(prospect, actor) != VENDOR:
        raise DomainError(_l("Only the vendor side starts a renewal."))
    if agreement.status != "countersigned":
        raise DomainError(_l("Only an agreement signed by both sides can be renewed."))
    source = agreement.term_sheet
    old_start = agreement.start_date or source.start_date
    old_end = agreement.end_date or source.end_date
    if old_end is None:
        raise DomainError(_l("This agreement has no end date to renew from."))
    latest = latest_version(prospect)
    if latest is not None and latest.status in (OPEN, ACCEPTED):
        raise DomainError(_l("The terms are already under negotiation (version %(number)s); continue there.",
                             number=latest.number))
    values = values_from_sheet(source)
    values["start_date"], values["end_date"] = renewal_period(old_start, old_end)
    values["note"] = _("Renewal of agreement %(number)s.", number=agreement.number)
    return propose_terms(prospect, values, actor, kind="terms_renewal")


# ---- telling both sides -------------------------------------------------------------------------


def prospect_side_users(prospect):
    """The applicant and, once the prospect is a partner, its partner admins."""
    users = [prospect.applicant] if prospect.applicant is not None else []
    partner = getattr(prospect, "partner", None)
    if partner is not None:
        users += db.session.scalars(
            sa.select(User).where(User.partner_id == partner.id, User.role == PARTNER_ADMIN).order_by(User.id)
        ).all()
    return users


def vendor_side_users(prospect):
    return [prospect.owner] if prospect.owner is not None else []


def _notify_both_sides(prospect, kind, sheet, actor):
    """Everyone on either side except the actor: the owner manager, the applicant, the partner admins."""
    link = url_for("negotiation.terms", prospect_id=prospect.id)
    params = {"company": prospect.company_name, "number": str(sheet.number), "author": actor.name}
    seen = {actor.id}
    for user in vendor_side_users(prospect) + prospect_side_users(prospect):
        if user.id in seen:
            continue
        seen.add(user.id)
        notify(user, kind, params, link=link)

