"""The last line of defence of a released statement: whatever route a change takes (a service,
a view, a script, a shell), the flush refuses it.

Before every flush, the statements, lines and adjustments about to be changed or deleted are
checked against the database (the status as stored, not as set in this session): a statement
released there may not be changed or deleted, no line of it may be added, changed or deleted,
and an adjustment shown on it may not be changed or deleted. The release itself (approved →
released) passes, since the stored status is still "approved" at that flush.

Bulk ``UPDATE``/``DELETE`` statements bypass the session and this guard: the commissions code
never issues them.
"""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from portal.commissions.models import CommissionAdjustment, CommissionLine, CommissionStatement
from portal.core.errors import DomainError


class ReleasedStatementError(DomainError):
    """A change to a released commission statement, its lines or its adjustments."""


def _statement_id(line):
    return line.statement.id if line.statement is not None else line.statement_id


def _touched(session):
    """(statement ids, line ids, adjustment ids) changed or deleted, and the statement ids that
    lines are added or moved to."""
    statements, lines, adjustments, targets = set(), set(), set(), set()
    changed = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in (*changed, *session.deleted):
        if inspect(obj).identity is None:
            continue
        if isinstance(obj, CommissionStatement):
            statements.add(obj.id)
        elif isinstance(obj, CommissionLine):
            lines.add(obj.id)  # its statement as stored is checked in the database
            targets.add(_statement_id(obj))
        elif isinstance(obj, CommissionAdjustment):
            adjustments.add(obj.id)
    targets.update(_statement_id(obj) for obj in session.new if isinstance(obj, CommissionLine))
    targets.discard(None)
    return statements, lines, adjustments, targets


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_released(session, flush_context, instances):
    with session.no_autoflush:
        statements, lines, adjustments, targets = _touched(session)
        if not (statements or lines or adjustments or targets):
            return
        s, line = CommissionStatement.__table__.c, CommissionLine.__table__.c
        released = s.status == "released"
        checks = []
        if statements or targets:
            checks.append(sa.select(s.id).where(s.id.in_(statements | targets), released))
        if lines:
            checks.append(sa.select(line.id).join(CommissionStatement.__table__, s.id == line.statement_id)
                          .where(line.id.in_(lines), released))
        if adjustments:
            checks.append(sa.select(line.id).join(CommissionStatement.__table__, s.id == line.statement_id)
                          .where(line.adjustment_id.in_(adjustments), released))
        connection = session.connection()
        if any(connection.execute(check.limit(1)).first() for check in checks):
            raise ReleasedStatementError(_l("A released commission statement is final: it cannot be changed. "
                                            "Enter a correction as an adjustment for a later month."))
