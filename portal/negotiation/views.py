"""Negotiation views: term sheet versions on a prospect, for the manager and the applicant.

One set of pages serves both sides; the side is decided by who is asking (queries.get_negotiation):
the vendor side sees the activity log in the timeline, the prospect side does not.
"""
from functools import wraps

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.agreements.queries import can_act_for_vendor, get_agreement
from portal.core.errors import DomainError
from portal.core.permissions import require
from portal.extensions import db
from portal.negotiation import queries, services
from portal.negotiation.forms import term_sheet_form
from portal.negotiation.models import PROSPECT, SIDES, TERM_STATUSES, VENDOR
from portal.reference import queries as ref

bp = Blueprint("negotiation", __name__)

# Labels of the fields that diff_terms reports.
FIELD_LABELS = {
    "territory": _l("Territory"),
    "exclusive": _l("Exclusivity"),
    "channel_type": _l("Channel type"),
    "tier": _l("Tier"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "deposit": _l("Credit deposit"),
    "rent_subsidy_per_outlet": _l("Rent subsidy per outlet"),
    "payment_terms": _l("Payment terms"),
    "special_clauses": _l("Special clauses"),
    "line": _l("Product line"),
    "commission_rate": _l("Commission rate"),
    "monthly_target": _l("Monthly target"),
}
CHANGE_LABELS = {"added": _l("Added"), "removed": _l("Removed"), "changed": _l("Changed")}


def named(item, full=False):
    """A {name_en, name_zh} dict from terms_as_dict, in the reader's language."""
    if not item:
        return "—"
    zh = str(get_locale() or "en").startswith("zh")
    if full and "full_name_en" in item:
        return item["full_name_zh"] if zh else item["full_name_en"]
    return item["name_zh"] if zh else item["name_en"]


def percent(value):
    return "" if value in (None, "") else format_decimal(Decimal(value), format="#,##0.00") + "%"


def yuan(value):
    return "" if value in (None, "") else "¥" + format_decimal(Decimal(value), format="#,##0.00")


def show_value(field, value):
    """One value of a diff entry, as the reader should see it."""
    from portal.core.i18n import d

    if value is None or value == "":
        return "—"
    if field == "territory":
        return named(value, full=True)
    if field in ("channel_type", "tier"):
        return named(value)
    if field == "exclusive":
        return _("Exclusive") if value else _("Not exclusive")
    if field in ("start_date", "end_date"):
        return d(date.fromisoformat(value))
    if field in ("deposit", "rent_subsidy_per_outlet", "monthly_target"):
        return yuan(value)
    if field == "commission_rate":
        return percent(value)
    if field == "line":
        return _("rate %(rate)s, monthly target %(target)s", rate=percent(value["commission_rate"]),
                 target=yuan(value["monthly_target"]))
    return value


@bp.context_processor
def helpers():
    return {"percent": percent, "yuan": yuan, "show_value": show_value, "named": named,
            "field_labels": FIELD_LABELS, "change_labels": CHANGE_LABELS}


def negotiators_only(view):
    """Sign-in required, then a role that takes part in negotiations (403 otherwise); which
    prospects each may open is decided by queries.get_negotiation (404 otherwise)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.active or current_user.role not in queries.NEGOTIATING_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _terms_url(prospect, **kw):
    return url_for("negotiation.terms", prospect_id=prospect.id, **kw)


# ---- the page ---------------------------------------------------------------------------------------


@bp.route("/prospects/<int:prospect_id>/terms")
@negotiators_only
def terms(prospect_id):
    prospect, side = queries.get_negotiation(prospect_id, current_user)
    sheets = queries.versions(prospect)
    by_number = {s.number: s for s in sheets}
    latest = sheets[-1] if sheets else None
    shown = by_number.get(request.args.get("version", type=int)) or latest
    acting = queries.side_for_acting(current_user, prospect)

    # "What changed": any two versions; by default the latest against the one before it.
    compare_from = by_number.get(request.args.get("from", type=int))
    compare_to = by_number.get(request.args.get("to", type=int))
    if compare_from is None or compare_to is None:
        if len(sheets) >= 2:
            compare_from, compare_to = sheets[-2], sheets[-1]
        else:
            compare_from = compare_to = None
    changes = services.diff_terms(compare_from, compare_to) if compare_from and compare_to else None

    # What this user may do now; the same rules refuse the POSTs.
    actions = {"propose": False, "accept": False, "lock": False}
    propose_refusal = None
    if acting is not None:
        propose_refusal = services.proposal_refusal(prospect, acting, latest)
        actions["propose"] = propose_refusal is None
        if latest is not None:
            actions["accept"] = services.acceptance_refusal(latest, acting) is None
            actions["lock"] = services.lock_refusal(latest, acting) is None
    return render_template(
        "negotiation/terms.html", prospect=prospect, side=side, acting=acting, sheets=sheets, latest=latest,
        shown=shown, locked=services.locked_terms(prospect), actions=actions, propose_refusal=propose_refusal,
        compare_from=compare_from, compare_to=compare_to, changes=changes,
        timeline=queries.timeline(prospect, side, sheets), sides=SIDES, statuses=TERM_STATUSES,
        VENDOR=VENDOR, PROSPECT=PROSPECT,
    )


# ---- a new version: a proposal (vendor) or a counter-offer (prospect) ---------------------------------


def _choices(form, latest):
    """Active reference items, plus those the latest version uses (so that a prefilled version
    stays valid after an item is retired)."""
    used_territories = {t.id: t for t in (latest.territories if latest else [])}
    groups = []
    for province in ref.provinces():
        options = [(province.id, _("%(province)s (whole province)", province=province.label))]
        options += [(c.id, c.label) for c in province.children if c.active or c.id in used_territories]
        groups.append((province, options))
    listed = {value for _p, options in groups for value, _label in options}
    extra = [(t.id, t.full_label) for t in used_territories.values() if t.id not in listed]
    form.territory_groups = groups + ([(None, extra)] if extra else [])
    form.territory_ids.choices = [choice for _p, options in form.territory_groups for choice in options]

    def items(active, used):
        rows = list(active)
        if used is not None and used.id not in {r.id for r in rows}:
            rows.append(used)
        return [(0, _("— Choose —"))] + [(r.id, r.label) for r in rows]

    form.channel_type_id.choices = items(ref.channel_types(), latest.channel_type if latest else None)
    form.tier_id.choices = items(ref.tiers(), latest.tier if latest else None)


def _product_lines(latest):
    lines = list(ref.product_lines())
    for line in (latest.lines if latest else []):
        if line.product_line_id not in {pl.id for pl in lines}:
            lines.append(line.product_line)
    return lines


def _prefill_new(form, prospect):
    """A first version starts from the application: its territory and channel type."""
    territory = prospect.city_id or prospect.province_id
    form.territory_ids.data = [territory] if territory else []
    form.channel_type_id.data = prospect.channel_type_id or 0
    form.tier_id.data = 0


@bp.route("/prospects/<int:prospect_id>/terms/new", methods=["GET", "POST"])
@negotiators_only
def propose(prospect_id):
    prospect, side = queries.get_negotiation(prospect_id, current_user, act=True)
    latest = services.latest_version(prospect)
    refusal = services.proposal_refusal(prospect, side, latest)
    if refusal:
        flash(str(refusal), "warning")
        return redirect(_terms_url(prospect))
    form = term_sheet_form(_product_lines(latest))
    _choices(form, latest)
    status = 200
    if request.method == "GET":
        if latest is not None:
            form.fill(services.values_from_sheet(latest))
        else:
            _prefill_new(form, prospect)
        form.based_on.data = str(latest.number if latest else 0)
    elif form.validate_on_submit():
        try:
            based_on = int(form.based_on.data or 0)
        except ValueError:
            based_on = 0
        try:
            sheet = services.propose_terms(prospect, form.values(), current_user, based_on=based_on)
        except DomainError as error:
            db.session.rollback()
            form.place_errors(getattr(error, "errors", None) or {error.field: [error.message]})
            latest = services.latest_version(prospect)  # resending after a refusal answers this one
            form.based_on.data = str(latest.number if latest else 0)
        else:
            db.session.commit()
            flash(_("Version %(number)s is sent to the other side.", number=sheet.number), "success")
            return redirect(_terms_url(prospect))
        status = 400
    else:
        status = 400
    return render_template("negotiation/propose.html", prospect=prospect, side=side, form=form, latest=latest,
                           VENDOR=VENDOR), status


# ---- accept and lock --------------------------------------------------------------------------------


def _move(prospect_id, number, service, done):
    """Accept or lock version ``number``; a refusal is flashed (the page shows why)."""
    prospect, _side = queries.get_negotiation(prospect_id, current_user, act=True)
    sheet = queries.version(prospect, number)
    try:
        service(sheet, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(done(sheet.number), "success")
    return redirect(_terms_url(prospect))


@bp.route("/prospects/<int:prospect_id>/terms/<int:number>/accept", methods=["POST"])
@negotiators_only
def accept(prospect_id, number):
    return _move(prospect_id, number, services.accept_terms,
                 lambda n: _("You accepted version %(number)s. The other side now confirms and locks it.", number=n))


@bp.route("/prospects/<int:prospect_id>/terms/<int:number>/lock", methods=["POST"])
@negotiators_only
def lock(prospect_id, number):
    return _move(prospect_id, number, services.lock_terms,
                 lambda n: _("Version %(number)s is agreed and locked.", number=n))


# ---- renewal, from the agreement register -----------------------------------------------------------


@bp.route("/agreements/<int:agreement_id>/renew", methods=["POST"])
@require("terms.negotiate")
def start_renewal(agreement_id):
    agreement = get_agreement(agreement_id, current_user)
    if not can_act_for_vendor(current_user, agreement):
        abort(403)
    try:
        sheet = services.start_renewal(agreement, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("Renewal started: version %(number)s copies the terms of agreement %(agreement)s with the "
                "next period. Check it; the other side has been told.", number=sheet.number,
                agreement=agreement.number), "success")
    return redirect(url_for("negotiation.terms", prospect_id=agreement.prospect_id))
