"""The channel manager's partner directory and partner page (vendor side, on ``partners_admin``).

The directory filters the partners a user may see (portal.partners.queries.visible_partners) by
territory (a province includes its cities), tier, channel type, status and manager. The partner
page gathers at a glance what the other parts keep about one partner: agreement and terms,
outlets, training, material requests, results against target, deal registrations, conflict
cases, activities and follow-ups, and its people. Both pages run a fixed number of queries,
however many partners there are (tests/partners/test_directory.py counts them).
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.forms import ROLE_LABELS
from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.core.i18n import business_today, local_to_utc, local_today
from portal.core.pages import paginate
from portal.core.permissions import require
from portal.core.spreadsheets import write_xlsx
from portal.core.urls import id_arg, local_path
from portal.exits.queries import latest_for as latest_termination
from portal.extensions import db
from portal.partners import queries
from portal.partners.models import PARTNER_STATUSES, Outlet, Partner, partner_territory
from portal.partners.views import optional_url, partners_admin
from portal.recruitment.forms import ActivityForm, FollowUpForm
from portal.recruitment.models import Activity, FollowUp
from portal.recruitment import services as recruitment
from portal.reference import queries as ref
from portal.reference.models import Territory

SORTS = {
    "name": Partner.name,
    "signed": Partner.signed_at.desc(),
    "city": Partner.city_id,
}


# ---- directory ----------------------------------------------------------------------------------


def _int_arg(name):
    """An id from the query string, or None ("²" passes isdigit() but not int(); 10**20 is no id)."""
    return id_arg(request.args, name)


def directory_filters():
    return {
        "q": (request.args.get("q") or "").strip()[:100],
        "territory": _int_arg("territory"),
        "tier": _int_arg("tier"),
        "channel_type": _int_arg("channel_type"),
        "manager": _int_arg("manager"),
        "status": request.args.get("status") if request.args.get("status") in PARTNER_STATUSES else "",
        "sort": request.args.get("sort") if request.args.get("sort") in SORTS else "name",
    }


def directory_query(user, filters):
    """The partners ``user`` may see, filtered; a province includes its cities."""
    query = queries.visible_partners(user)
    if filters["q"]:
        like = f"%{filters['q']}%"
        query = query.where(sa.or_(Partner.name.ilike(like), Partner.credit_code.ilike(like),
                                   Partner.contact_name.ilike(like)))
    if filters["territory"]:
        place = filters["territory"]
        cities = sa.select(Territory.id).where(Territory.parent_id == place)
        query = query.where(sa.or_(
            Partner.province_id == place, Partner.city_id == place, Partner.city_id.in_(cities),
            Partner.id.in_(sa.select(partner_territory.c.partner_id).where(
                sa.or_(partner_territory.c.territory_id == place, partner_territory.c.territory_id.in_(cities)))),
        ))
    if filters["tier"]:
        query = query.where(Partner.tier_id == filters["tier"])
    if filters["channel_type"]:
        query = query.where(Partner.channel_type_id == filters["channel_type"])
    if filters["manager"]:
        query = query.where(Partner.manager_id == filters["manager"])
    if filters["status"]:
        query = query.where(Partner.status == filters["status"])
    return query.order_by(SORTS[filters["sort"]], Partner.id).options(
        selectinload(Partner.city).selectinload(Territory.parent), selectinload(Partner.province),
        selectinload(Partner.channel_type), selectinload(Partner.tier), selectinload(Partner.manager),
    )


def row_figures(partner_ids):
    """{partner id: {'outlets': n, 'open_cases': n, 'pending_requests': n}} in one query each."""
    from portal.conflicts.models import CaseParty, ConflictCase
    from portal.materials.models import MaterialRequest

    figures = {pid: {"outlets": 0, "open_cases": 0, "pending_requests": 0} for pid in partner_ids}
    if not partner_ids:
        return figures
    for pid, n in db.session.execute(
        sa.select(Outlet.partner_id, sa.func.count(Outlet.id))
        .where(Outlet.partner_id.in_(partner_ids), Outlet.active.is_(True)).group_by(Outlet.partner_id)
    ):
        figures[pid]["outlets"] = n
    for pid, n in db.session.execute(
        sa.select(CaseParty.partner_id, sa.func.count(CaseParty.id))
        .join(ConflictCase, ConflictCase.id == CaseParty.case_id)
        .where(CaseParty.partner_id.in_(partner_ids), ConflictCase.status != "closed").group_by(CaseParty.partner_id)
    ):
        figures[pid]["open_cases"] = n
    for pid, n in db.session.execute(
        sa.select(MaterialRequest.partner_id, sa.func.count(MaterialRequest.id))
        .where(MaterialRequest.partner_id.in_(partner_ids), MaterialRequest.status == "submitted")
        .group_by(MaterialRequest.partner_id)
    ):
        figures[pid]["pending_requests"] = n
    return figures


def filter_choices():
    return {
        "territories": ref.territory_choices(),
        "tiers": [(t.id, t.label) for t in ref.tiers()],
        "channel_types": [(c.id, c.label) for c in ref.channel_types()],
        "managers": [(m.id, m.name) for m in recruitment.managers()],
        "statuses": list(PARTNER_STATUSES.items()),
    }


@partners_admin.route("/", endpoint="directory")
@require("channel.view")
def directory():
    filters = directory_filters()
    pagination = paginate(directory_query(current_user, filters))
    figures = row_figures([p.id for p in pagination.items])
    args = {k: v for k, v in filters.items() if v}
    return render_template("partners/directory.html", pagination=pagination, figures=figures, filters=filters,
                           choices=filter_choices(), args=args)


@partners_admin.route("/export.xlsx", endpoint="directory_export")
@require("channel.view")
def directory_export():
    filters = directory_filters()
    partners = db.session.scalars(directory_query(current_user, filters)).all()
    figures = row_figures([p.id for p in partners])
    headers = [_("Partner"), _("Credit code"), _("Province"), _("City"), _("Channel type"), _("Tier"), _("Status"),
               _("Manager"), _("Signed"), _("Open outlets"), _("Open cases"), _("Requests awaiting approval")]
    rows = [[p.name, p.credit_code or "", p.province.label if p.province else "", p.city.label if p.city else "",
             p.channel_type.label if p.channel_type else "", p.tier.label if p.tier else "", str(p.status_label),
             p.manager.name if p.manager else "", p.signed_at.date().isoformat() if p.signed_at else "",
             figures[p.id]["outlets"], figures[p.id]["open_cases"], figures[p.id]["pending_requests"]]
            for p in partners]
    data = write_xlsx(headers, rows, _("Partners"))
    return current_app.response_class(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=partners.xlsx"},
    )


# ---- partner page -------------------------------------------------------------------------------


def month_results(partner, month):
    """[(product line, target, net sales, progress % or None)] for ``month``, by product line,
    plus the month's payment collection total."""
    from portal.reference.models import ProductLine
    from portal.results.models import PartnerTarget, PaymentCollection, PsiMonthTotal

    latest = (
        sa.select(PartnerTarget.product_line_id, sa.func.max(PartnerTarget.effective_month).label("eff"))
        .where(PartnerTarget.partner_id == partner.id, PartnerTarget.effective_month <= month)
        .group_by(PartnerTarget.product_line_id).subquery()
    )
    targets = {}
    for line_id, amount, row_id in db.session.execute(
        sa.select(PartnerTarget.product_line_id, PartnerTarget.amount, PartnerTarget.id)
        .join(latest, sa.and_(latest.c.product_line_id == PartnerTarget.product_line_id,
                              latest.c.eff == PartnerTarget.effective_month))
        .where(PartnerTarget.partner_id == partner.id).order_by(PartnerTarget.id)
    ):
        targets[line_id] = amount  # the last row written for that month wins
    sales = dict(db.session.execute(
        sa.select(PsiMonthTotal.product_line_id, PsiMonthTotal.net_sales)
        .where(PsiMonthTotal.partner_id == partner.id, PsiMonthTotal.month == month)
    ).all())
    ids = set(targets) | set(sales)
    lines = {pl.id: pl for pl in db.session.scalars(sa.select(ProductLine).where(ProductLine.id.in_(ids)))} if ids else {}
    rows = []
    for line_id in sorted(ids, key=lambda i: (lines[i].position, lines[i].id)):
        target, sold = targets.get(line_id), sales.get(line_id) or 0
        progress = round(sold * 100 / target) if target else None
        rows.append((lines[line_id], target, sold, progress))
    collected = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PaymentCollection.amount), 0))
        .where(PaymentCollection.partner_id == partner.id, PaymentCollection.month == month)
    )
    return rows, collected


def partner_sections(partner):
    """Everything the partner page shows, each a fixed number of queries."""
    from portal.conflicts.models import CaseParty, ConflictCase
    from portal.deals.models import DealRegistration
    from portal.materials.models import MaterialRequest
    from portal.training.assignment_services import missing_training

    agreements = queries.partner_agreements(partner)
    current = queries.current_agreement(agreements)
    month = business_today().replace(day=1)
    results, collected = month_results(partner, month)
    cases = db.session.scalars(
        sa.select(ConflictCase).join(CaseParty, CaseParty.case_id == ConflictCase.id)
        .where(CaseParty.partner_id == partner.id).order_by(ConflictCase.status == "closed", ConflictCase.id.desc())
        .limit(5)
    ).all()
    from portal.finance.services import current_account

    return {
        "current": current,
        "payee_account": current_account(partner),
        "agreement_count": len(agreements),
        "outlets": queries.outlets(partner),
        "people": queries.people(partner),
        "missing_training": missing_training(partner),
        "requests": db.session.scalars(
            sa.select(MaterialRequest).where(MaterialRequest.partner_id == partner.id)
            .order_by(MaterialRequest.id.desc()).limit(5)).all(),
        "deals": db.session.scalars(
            sa.select(DealRegistration).where(DealRegistration.partner_id == partner.id)
            .order_by(DealRegistration.id.desc()).limit(5)).all(),
        "cases": cases,
        "month": month,
        "results": results,
        "collected": collected,
        "activities": db.session.scalars(
            sa.select(Activity).where(Activity.partner_id == partner.id)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(20)
            .options(selectinload(Activity.author))).all(),
        "follow_ups": db.session.scalars(
            sa.select(FollowUp).where(FollowUp.partner_id == partner.id)
            .order_by(FollowUp.done_at.is_not(None), FollowUp.due_date, FollowUp.id)
            .options(selectinload(FollowUp.assignee))).all(),
    }


def _assignees():
    people = recruitment.managers()
    if current_user not in people:
        people = [current_user, *people]
    return people


def _partner_page(partner, status=200, activity_form=None, follow_up_form=None):
    follow_up_form = follow_up_form or FollowUpForm(formdata=None)
    follow_up_form.assignee_id.choices = [(u.id, u.name) for u in _assignees()]
    if follow_up_form.assignee_id.data is None:
        follow_up_form.assignee_id.data = current_user.id
    return render_template(
        "partners/partner_page.html", partner=partner, **partner_sections(partner),
        activity_form=activity_form or ActivityForm(formdata=None), follow_up_form=follow_up_form,
        role_labels=ROLE_LABELS, today=local_today(), link=optional_url, termination=latest_termination(partner),
    ), status


@partners_admin.route("/<int:partner_id>", endpoint="partner")
@require("channel.view")
def partner_page(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    return _partner_page(partner)


@partners_admin.route("/<int:partner_id>/activities", methods=["POST"], endpoint="add_activity")
@require("channel.view")
def add_activity(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    form = ActivityForm()
    if form.validate_on_submit():
        occurred = local_to_utc(form.occurred_at.data)
        if occurred > datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1):
            form.occurred_at.errors.append(_("An activity is logged after it happens; schedule a follow-up for the future."))
        else:
            db.session.add(Activity(partner_id=partner.id, kind=form.kind.data, occurred_at=occurred,
                                    participants=form.participants.data or None, outcome=form.outcome.data.strip(),
                                    author_id=current_user.id))
            db.session.commit()
            flash(_("Activity logged."), "success")
            return redirect(url_for(".partner", partner_id=partner.id) + "#activities")
    return _partner_page(partner, 400, activity_form=form)


@partners_admin.route("/<int:partner_id>/follow-ups", methods=["POST"], endpoint="add_follow_up")
@require("channel.view")
def add_follow_up(partner_id):
    partner = queries.get_partner(partner_id, current_user)
    form = FollowUpForm()
    form.assignee_id.choices = [(u.id, u.name) for u in _assignees()]
    if form.validate_on_submit():
        assignee = db.session.get(User, form.assignee_id.data)
        if assignee is None or assignee.role not in ("manager", "admin") or not assignee.active:
            form.assignee_id.errors.append(_("Choose who will follow up."))
        elif form.due_date.data < local_today():
            form.due_date.errors.append(_("Choose today or a later day."))
        else:
            db.session.add(FollowUp(partner_id=partner.id, due_date=form.due_date.data, note=form.note.data.strip(),
                                    assignee_id=assignee.id, created_by_id=current_user.id))
            db.session.commit()
            flash(_("Follow-up scheduled."), "success")
            return redirect(url_for(".partner", partner_id=partner.id) + "#follow-ups")
    return _partner_page(partner, 400, follow_up_form=form)


@partners_admin.route("/follow-ups/<int:follow_up_id>/done", methods=["POST"], endpoint="follow_up_done")
@require("channel.view")
def follow_up_done(follow_up_id):
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.partner_id is None:
        abort(404)
    partner = queries.get_partner(follow_up.partner_id, current_user)
    try:
        recruitment.complete_follow_up(follow_up, current_user)
    except DomainError as error:
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("Follow-up done."), "success")
    target = local_path(request.form.get("next"))
    return redirect(target or url_for(".partner", partner_id=partner.id) + "#follow-ups")
