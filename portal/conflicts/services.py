"""Conflict cases: opening (by a partner, a manager, or automatically), the workflow
open → investigating → ruled → closed, answers, evidence and rulings.

``open_case`` is the one way a case is created; other parts (deal registration, PSI imports,
commission queries) call it.
"""
from datetime import timedelta

import sqlalchemy as sa

from portal.conflicts.models import CaseEntry, CaseParty, CaseStatusChange, ConflictCase
from portal.core.i18n import business_today
from portal.core.models import utcnow
from portal.core.settings import get_setting
from portal.extensions import db


def next_number():
    """CC-2026-0001 …, by year of opening (Beijing time)."""
    year = business_today().year
    prefix = f"CC-{year}-"
    last = db.session.scalar(
        sa.select(ConflictCase.number).where(ConflictCase.number.like(prefix + "%")).order_by(ConflictCase.number.desc())
        .limit(1)
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def open_case(kind, origin, title, description, parties, opened_by=None, registration=None, manager=None,
              due_on=None, notify_parties=True):
    """Open a case. ``parties`` is a list of (partner, role) with role complainant, respondent or
    involved. The manager defaults to the first party's manager; the due date to the
    ``case_due_days`` (``complaint_due_days`` for complaints) setting from today. Notifies the
    manager and the parties' users (except the opener). The caller commits."""
    days = get_setting("complaint_due_days" if kind == "complaint" else "case_due_days")
    case = ConflictCase(
        number=next_number(), kind=kind, origin=origin, status="open", title=title, description=description,
        due_on=due_on or business_today() + timedelta(days=int(days)),
        opened_by_id=opened_by.id if opened_by is not None else None,
        registration_id=registration.id if registration is not None else None,
    )
    seen = set()
    for partner, role in parties:
        if partner.id in seen:
            continue
        seen.add(partner.id)
        case.parties.append(CaseParty(partner_id=partner.id, role=role))
    if manager is None and parties:
        manager = parties[0][0].manager
    case.manager_id = manager.id if manager is not None else None
    case.status_changes.append(CaseStatusChange(from_status=None, to_status="open",
                                                actor_id=opened_by.id if opened_by is not None else None))
    db.session.add(case)
    db.session.flush()
    if notify_parties:
        notify_case(case, "case_opened", exclude=opened_by, parties=[p for p, _role in parties])
    return case


def notify_case(case, kind, exclude=None, parties=None, params=None):
    """Tell the case's manager and the users of its parties (or of ``parties``) about ``kind``."""
    from portal.notifications.services import notify

    params = {"number": case.number, "title": case.title, **(params or {})}
    if case.manager is not None and case.manager != exclude:
        notify(case.manager, kind, params, link=_url("cases_admin.case", case.id))
    for partner in parties if parties is not None else [p.partner for p in case.parties]:
        for user in partner.users:
            if user.active and user != exclude:
                notify(user, kind, params, link=_url("cases.case", case.id))


def _url(endpoint, case_id):
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, case_id=case_id)
    except BuildError:  # pages not there yet (built by another part)
        return None
