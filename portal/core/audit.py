"""The audit trail: who changed what, when, from which value to which.

Models that inherit ``Audited`` are watched in ``before_flush``: a row is written for each
created or deleted object and for each changed column (old -> new). The actor is the signed-in
user, or the one set with ``acting_as`` (CLI, background jobs).
"""
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from portal.core.models import UTCDateTime, utcnow
from portal.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    entity_type: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[str | None] = mapped_column(sa.String(40))
    action: Mapped[str] = mapped_column(sa.String(20))  # create, update, delete
    field: Mapped[str | None] = mapped_column(sa.String(60))
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)

    actor = db.relationship("User", foreign_keys=[actor_id])

    __table_args__ = (sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),)


class Audited:
    """Mixin: changes to these models are written to the audit trail.

    ``__audit_exclude__`` lists columns never recorded (e.g. password hashes are recorded as
    "changed" only).
    """

    __audit_exclude__: tuple = ("updated_at", "created_at")
    __audit_redact__: tuple = ()


def _fmt(value):
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "value"):  # enum
        return str(value.value)
    return str(value)


@contextmanager
def acting_as(user):
    """Attribute the changes made inside the block to ``user`` (CLI, jobs, tests)."""
    previous = db.session.info.get("actor_id")
    db.session.info["actor_id"] = user.id if user is not None else None
    try:
        yield
    finally:
        db.session.info["actor_id"] = previous


def _actor_id(session):
    if "actor_id" in session.info and session.info["actor_id"] is not None:
        return session.info["actor_id"]
    if has_request_context():
        from flask_login import current_user

        if current_user and getattr(current_user, "is_authenticated", False):
            return current_user.id
    return None


def _columns(obj):
    mapper = inspect(obj).mapper
    exclude = set(obj.__audit_exclude__)
    return [c for c in mapper.column_attrs if c.key not in exclude]


@event.listens_for(Session, "before_flush")
def _record_changes(session, flush_context, instances):
    entries = []
    for obj in list(session.new):
        if isinstance(obj, Audited):
            entries.append((obj, "create", None, None, None))
    for obj in list(session.dirty):
        if not isinstance(obj, Audited) or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        for attr in _columns(obj):
            hist = state.attrs[attr.key].history
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if _fmt(old) == _fmt(new):
                continue
            if attr.key in obj.__audit_redact__:
                old, new = ("•••" if old else None), "•••"
            entries.append((obj, "update", attr.key, old, new))
    for obj in list(session.deleted):
        if isinstance(obj, Audited):
            entries.append((obj, "delete", None, None, None))
    if not entries:
        return
    actor_id = _actor_id(session)
    ip = request.remote_addr if has_request_context() else None
    pending_creates = []
    for obj, action, field, old, new in entries:
        log = AuditLog(
            actor_id=actor_id,
            ip_address=ip,
            entity_type=type(obj).__name__,
            entity_id=None if action == "create" else str(inspect(obj).identity[0]),
            action=action,
            field=field,
            old_value=_fmt(old),
            new_value=_fmt(new),
        )
        if action == "create":
            pending_creates.append((obj, log))
        session.add(log)
    if pending_creates:
        session.info.setdefault("audit_pending", []).extend(pending_creates)


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session, previous_transaction):
    """A flush that failed (or a savepoint rolled back) leaves no audit row to fill in later."""
    session.info.pop("audit_pending", None)


@event.listens_for(Session, "after_flush")
def _fill_created_ids(session, flush_context):
    """New objects get their id in the flush: copy it (and their values) to their audit row."""
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    table = AuditLog.__table__
    for obj, log in pending:
        # In after_flush the new object is not yet "persistent" (its identity is None), but its
        # primary key is already set.
        ident = inspect(obj).mapper.primary_key_from_instance(obj)
        values = {
            c.key: _fmt(getattr(obj, c.key))
            for c in _columns(obj)
            if getattr(obj, c.key) is not None and c.key not in obj.__audit_redact__
        }
        summary = "; ".join(f"{k}={v}" for k, v in values.items())[:4000]
        session.connection().execute(
            table.update()
            .where(table.c.id == log.id)
            .values(entity_id=str(ident[0]) if ident and ident[0] is not None else None, new_value=summary)
        )


def history_for(obj, limit=200):
    return (
        db.session.execute(
            sa.select(AuditLog)
            .where(AuditLog.entity_type == type(obj).__name__, AuditLog.entity_id == str(obj.id))
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
            .limit(limit)
            .options(selectinload(AuditLog.actor))
        )
        .scalars()
        .all()
    )
