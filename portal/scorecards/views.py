"""Scorecard pages: ``bp`` for partner users (their own scorecards, next tier, tier changes),
``admin_bp`` for the vendor (the month's scorecards of the partners they may see, a partner's
scorecard with the tier form, recomputing, and the weights).

A partner's own page takes no partner id: it shows the signed-in user's organisation only.
Vendor pages load the partner through ``portal.partners.queries.get_partner`` (404 outside the
user's partners).
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.core.errors import DomainError
from portal.core.i18n import business_today
from portal.core.permissions import require
from portal.core.settings import get_setting
from portal.core.pages import paginate as _paginate, refuse as _refused
from portal.extensions import db
from portal.partners import queries as partner_queries
from portal.reference.models import PartnerTier
from portal.results.values import BadValue, month_label, month_value, parse_month
from portal.scorecards import queries, services
from portal.scorecards.forms import ApplyTierForm, RecomputeForm, SettingsForm

bp = Blueprint("scorecards", __name__, url_prefix="/partner/scorecard")
admin_bp = Blueprint("scorecards_admin", __name__, url_prefix="/scorecards")



def _month(text):
    """(month, error): the month written in ``text`` ("2026-06"), or the current business month
    when it is empty, unreadable or not started yet (the error says which)."""
    current = business_today().replace(day=1)
    text = (text or "").strip()
    if not text:
        return current, None
    try:
        month = parse_month(text)
    except BadValue as bad:
        return current, bad.message
    if month > current:
        return current, _("A month that has not started yet has no scorecard.")
    return month, None


def _recomputable(month):
    try:
        services.check_month(month)
    except DomainError:
        return False
    return True


def _labels(month):
    return {"month": month, "month_value": month_value(month), "month_label": month_label(month),
            "components": services.COMPONENTS, "recomputable": _recomputable(month)}


# ==== partner side =====================================================================================


@bp.route("/", endpoint="index")
@require("scorecards.partner")
def own_scorecards():
    partner = partner_queries.own_partner(current_user)
    month, month_error = _month(request.args.get("month"))
    card = queries.scorecard_of(partner, month)
    tiers = services.scored_tiers()
    upcoming = services.next_tier(card.total, tiers) if card is not None else None
    return render_template(
        "scorecards/index.html", partner=partner, card=card, month_error=month_error,
        rows=services.components(card) if card is not None else [],
        most_room=services.most_room(card) if card is not None else [],
        next_tier=upcoming, needed=(upcoming.min_score - card.total) if upcoming is not None else None,
        pagination=_paginate(queries.own_history(current_user)), changes=queries.tier_changes(partner),
        **_labels(month),
    )


# ==== vendor side ======================================================================================


@admin_bp.route("/")
@require("scorecards.manage")
def index():
    month, month_error = _month(request.args.get("month"))
    filters = queries.list_filters(request.args)
    pagination = _paginate(queries.scorecard_partners(current_user, month, filters))
    form = RecomputeForm(formdata=None, month=month_value(month))
    return render_template(
        "scorecards/admin_index.html", pagination=pagination, cards=queries.cards_for(pagination.items, month),
        filters=filters, month_error=month_error, form=form, tiers=queries.tiers(active_only=False),
        territories=queries.territory_choices(), direction=services.direction,
        filtered=bool(filters["territory"] or filters["tier"] or filters["proposals"]), **_labels(month),
    )


def _recompute(partners, month_text):
    """Compute the scorecards of ``partners`` for the month posted; returns the month (or None
    when it was refused, with the reason flashed)."""
    month, error = _month(month_text)
    if error or not month_text:
        flash(error or _("Choose the month to compute."), "danger")
        return None
    try:
        services.check_month(month)
        cards = services.compute_scorecards(partners, month)
    except DomainError as refusal:
        _refused(refusal)
        return None
    db.session.commit()
    flash(ngettext("%(num)d scorecard of %(month)s computed.", "%(num)d scorecards of %(month)s computed.", len(cards),
                   month=month_label(month)), "success")
    return month


@admin_bp.route("/recompute", methods=["POST"])
@require("scorecards.manage")
def recompute():
    form = RecomputeForm()
    month = None
    if form.validate_on_submit():
        month = _recompute(queries.active_partners(current_user), form.month.data)
    return redirect(url_for(".index", month=month_value(month) if month else None))


def _partner_page(partner, month, month_error=None, tier_form=None, status=200):
    card = queries.scorecard_of(partner, month)
    if tier_form is None:
        tier_form = ApplyTierForm(formdata=None, month=month_value(month))
        proposal = card.proposed_tier_id if card is not None else None
        tier_form.tier_id.data = proposal if proposal and proposal != partner.tier_id else None
    tier_form.tier_id.choices = [(0, _("Choose a tier"))] + [(t.id, t.label) for t in queries.tiers()
                                                            if t.id != partner.tier_id]
    return render_template(
        "scorecards/admin_partner.html", partner=partner, card=card, month_error=month_error,
        rows=services.components(card) if card is not None else [],
        direction=services.direction(card, partner) if card is not None else None,
        history=queries.recent(partner, month), changes=queries.tier_changes(partner),
        tier_form=tier_form, recompute_form=RecomputeForm(formdata=None, month=month_value(month)),
        **_labels(month),
    ), status


@admin_bp.route("/partners/<int:partner_id>")
@require("scorecards.manage")
def partner(partner_id):
    found = partner_queries.get_partner(partner_id, current_user)
    month, month_error = _month(request.args.get("month"))
    return _partner_page(found, month, month_error)


@admin_bp.route("/partners/<int:partner_id>/recompute", methods=["POST"])
@require("scorecards.manage")
def recompute_partner(partner_id):
    found = partner_queries.get_partner(partner_id, current_user)
    form = RecomputeForm()
    month = _recompute([found], form.month.data) if form.validate_on_submit() else None
    return redirect(url_for(".partner", partner_id=found.id, month=month_value(month) if month else None))


@admin_bp.route("/partners/<int:partner_id>/tier", methods=["POST"])
@require("scorecards.manage")
def apply_tier(partner_id):
    found = partner_queries.get_partner(partner_id, current_user)
    form = ApplyTierForm()
    month, _error = _month(form.month.data)
    if form.validate_on_submit():
        tier = db.session.get(PartnerTier, form.tier_id.data) if form.tier_id.data else None
        try:
            services.apply_tier(found, tier, form.reason.data, current_user, queries.scorecard_of(found, month))
        except DomainError as error:
            _refused(error, form)
            found = partner_queries.get_partner(partner_id, current_user)
        else:
            db.session.commit()
            flash(_("%(name)s is now in tier %(tier)s. Its users have been told.", name=found.name,
                    tier=tier.label), "success")
            return redirect(url_for(".partner", partner_id=found.id, month=month_value(month)))
    return _partner_page(found, month, tier_form=form, status=400)


@admin_bp.route("/settings", methods=["GET", "POST"])
@require("settings.manage")
def settings():
    form = SettingsForm()
    if request.method == "GET":
        for name in services.SETTING_NAMES:
            getattr(form, name).data = str(get_setting(name))
    if form.validate_on_submit():
        try:
            services.update_settings({name: getattr(form, name).data for name in services.SETTING_NAMES}, current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("The scorecard settings are saved. They apply to the scorecards computed from now on."), "success")
            return redirect(url_for(".settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("scorecards/settings.html", form=form, maximum=services.SETTING_MAX), status
