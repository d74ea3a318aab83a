"""Who stands on which side of a negotiation, and loading a prospect's terms through that rule.

The vendor side is an admin or manager who may see the prospect (see permissions.can_view_prospect);
acting for it also needs ``can_edit_prospect``. The prospect side is the prospect's applicant and,
once the prospect has become a partner, that partner organisation's admin. Anyone else gets 404,
as if the prospect did not exist.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import abort

from portal.core.permissions import (
    ADMIN, APPLICANT, MANAGER, PARTNER_ADMIN, can_edit_prospect, can_view_prospect, has_permission,
)
from portal.extensions import db
from portal.negotiation.models import PROSPECT, VENDOR, TermSheet
from portal.recruitment.models import Activity, Prospect

# Roles that take part in negotiations at all; partner staff and others get 403 on these pages.
NEGOTIATING_ROLES = (ADMIN, MANAGER, APPLICANT, PARTNER_ADMIN)
TIMELINE_ACTIVITY_KINDS = ("meeting", "call", "visit")


def can_answer_for_prospect(user, prospect):
    """The prospect's side: its applicant or, once signed, the admin of the partner it became
    (the same idea as agreements.queries.can_sign_for_prospect)."""
    if not user or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.role == APPLICANT:
        return prospect.applicant_user_id == user.id
    if user.role == PARTNER_ADMIN:
        partner = getattr(prospect, "partner", None)
        return partner is not None and user.partner_id == partner.id
    return False


def side_for_viewing(user, prospect):
    """VENDOR or PROSPECT if ``user`` may see this prospect's terms, else None."""
    if has_permission(user, "terms.negotiate"):
        return VENDOR if can_view_prospect(user, prospect) else None
    return PROSPECT if can_answer_for_prospect(user, prospect) else None


def side_for_acting(user, prospect):
    """VENDOR or PROSPECT if ``user`` may propose, accept or lock on this prospect, else None."""
    if has_permission(user, "terms.negotiate"):
        return VENDOR if can_edit_prospect(user, prospect) else None
    return PROSPECT if can_answer_for_prospect(user, prospect) else None


def get_negotiation(prospect_id, user, act=False):
    """(prospect, side) for a prospect whose terms ``user`` may see; 404 otherwise. With ``act``,
    403 unless they may also act on it (a manager viewing the unassigned queue, for instance)."""
    if has_permission(user, "terms.negotiate"):
        from portal.recruitment.queries import get_prospect

        prospect = get_prospect(prospect_id, user)
    else:
        prospect = db.session.get(Prospect, prospect_id)
    if prospect is None:
        abort(404)
    side = side_for_viewing(user, prospect)
    if side is None:
        abort(404)
    if act and side_for_acting(user, prospect) is None:
        abort(403)
    return prospect, side


def versions(prospect):
    return db.session.scalars(
        sa.select(TermSheet).where(TermSheet.prospect_id == prospect.id).order_by(TermSheet.number)
    ).all()


def version(prospect, number):
    sheet = db.session.scalar(
        sa.select(TermSheet).where(TermSheet.prospect_id == prospect.id, TermSheet.number == number)
    )
    if sheet is None:
        abort(404)
    return sheet


def timeline(prospect, side, sheets):
    """The negotiation's events, newest first: each version, its acceptance and its lock, the
    messages between the two sides and — for the vendor side only, as they are internal notes —
    the meetings, calls and visits from the activity log."""
    events = []
    for sheet in sheets:
        events.append({"at": sheet.created_at, "kind": "version", "sheet": sheet})
        if sheet.accepted_at:
            events.append({"at": sheet.accepted_at, "kind": "accepted", "sheet": sheet})
        if sheet.locked_at:
            events.append({"at": sheet.locked_at, "kind": "locked", "sheet": sheet})
    for message in prospect.messages:
        events.append({"at": message.created_at, "kind": "message", "message": message})
    if side == VENDOR:
        activities = db.session.scalars(
            sa.select(Activity).where(Activity.prospect_id == prospect.id,
                                      Activity.kind.in_(TIMELINE_ACTIVITY_KINDS))
        ).all()
        for activity in activities:
            events.append({"at": activity.occurred_at, "kind": "activity", "activity": activity})
    order = {"version": 0, "accepted": 1, "locked": 2, "message": 3, "activity": 4}
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    events.sort(key=lambda e: (e["at"] or epoch, order[e["kind"]]), reverse=True)
    return events
