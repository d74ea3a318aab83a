"""The agreement register: every agreement a manager may see, by status, with those ending in the
next 60 days highlighted and a renewal started from them.

Scoped through the prospects the user may see (portal.recruitment.queries.visible_prospects), so
a manager of another province does not see the agreement at all.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from portal.agreements.models import AGREEMENT_KINDS, AGREEMENT_STATUSES, Agreement
from portal.agreements.views import bp
from portal.core.i18n import local_today
from portal.core.pages import paginate
from portal.core.permissions import require
from portal.extensions import db
from portal.partners.models import Partner
from portal.recruitment.models import Prospect
from portal.recruitment.queries import visible_prospects
from portal.reference import queries as ref

EXPIRING_DAYS = 60
IN_FORCE = "countersigned"


def visible_agreements(user):
    """A select of the agreements whose prospect ``user`` may see."""
    prospect_ids = visible_prospects(user).with_only_columns(Prospect.id).scalar_subquery()
    return sa.select(Agreement).where(Agreement.prospect_id.in_(prospect_ids))


def expiring_condition(today, days=EXPIRING_DAYS):
    """In force and ending between today and ``days`` days from now (both included)."""
    return sa.and_(Agreement.status == IN_FORCE, Agreement.end_date.is_not(None),
                   Agreement.end_date >= today, Agreement.end_date <= today + timedelta(days=days))


def is_expiring(agreement, today, days=EXPIRING_DAYS):
    return (agreement.status == IN_FORCE and agreement.end_date is not None
            and today <= agreement.end_date <= today + timedelta(days=days))


SORTS = {
    "recent": (Agreement.id.desc(),),
    "end": (Agreement.end_date.is_(None), Agreement.end_date.asc(), Agreement.id.desc()),
    "start": (Agreement.start_date.is_(None), Agreement.start_date.desc(), Agreement.id.desc()),
    "number": (Agreement.number.asc(),),
    "company": (sa.func.lower(sa.func.coalesce(Partner.name, Prospect.company_name)).asc(), Agreement.id.desc()),
}


def filtered_agreements(user, args, today):
    """The register: filters (status, kind, territory, text, expiring) and sorting from ``args``."""
    query = (visible_agreements(user)
             .join(Prospect, Agreement.prospect_id == Prospect.id)
             .outerjoin(Partner, Agreement.partner_id == Partner.id))
    q = (args.get("q") or "").strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(sa.or_(sa.func.lower(Agreement.number).like(like),
                                   sa.func.lower(Prospect.company_name).like(like),
                                   sa.func.lower(Partner.name).like(like)))
    status = args.get("status", "")
    if status in AGREEMENT_STATUSES:
        query = query.where(Agreement.status == status)
    kind = args.get("kind", "")
    if kind in AGREEMENT_KINDS:
        query = query.where(Agreement.kind == kind)
    territory = args.get("territory", type=int)
    if territory:
        query = query.where(sa.or_(Prospect.city_id == territory, Prospect.province_id == territory))
    if args.get("expiring") == "1":
        query = query.where(expiring_condition(today))
    sort = args.get("sort", "recent")
    query = query.order_by(*SORTS.get(sort, SORTS["recent"]))
    return query.options(selectinload(Agreement.prospect).selectinload(Prospect.city),
                         selectinload(Agreement.prospect).selectinload(Prospect.province),
                         selectinload(Agreement.partner))


def status_counts(user):
    scoped = visible_agreements(user).subquery()
    return dict(db.session.execute(
        sa.select(scoped.c.status, sa.func.count()).group_by(scoped.c.status)
    ).all())


def expiring_count(user, today):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(visible_agreements(user).where(expiring_condition(today)).subquery())
    )


def _renewed_ids(agreement_ids):
    """Of these agreements, those a later agreement (amendment or renewal) already follows."""
    if not agreement_ids:
        return set()
    return set(db.session.scalars(
        sa.select(Agreement.previous_id).where(Agreement.previous_id.in_(agreement_ids),
                                               Agreement.status != "superseded")
    ).all())


def _optional_url(endpoint, **values):
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.route("/agreements/")
@require("agreements.manage")
def register():
    today = local_today()
    query = filtered_agreements(current_user, request.args, today)
    pagination = paginate(query)
    renewed = _renewed_ids([a.id for a in pagination.items])
    return render_template(
        "agreements/register.html", pagination=pagination, today=today, expiring_days=EXPIRING_DAYS,
        is_expiring=lambda a: is_expiring(a, today), renewed=renewed,
        can_renew="negotiation.start_renewal" in current_app.view_functions,
        counts=status_counts(current_user), expiring_total=expiring_count(current_user, today),
        statuses=AGREEMENT_STATUSES, kinds=AGREEMENT_KINDS, territories=ref.territory_choices(),
        sorts={"recent": _("Newest first"), "end": _("End date, soonest first"), "start": _("Start date, latest first"),
               "number": _("Number"), "company": _("Company name")},
        link=_optional_url,
    )
