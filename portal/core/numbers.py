"""Document numbers: ``<PREFIX>-<year>-<sequence>`` (AG agreements, CC cases, DR deal
registrations, EX terminations, IN inspections, MR material requests, RO rectification orders).

Two people may create a document of the same kind at the same moment and read the same highest
number. Every number column is unique, so the second insert is refused: ``add_numbered`` flushes
the new record in a savepoint and, when the number was taken meanwhile, tries the next one.
"""
import re

import sqlalchemy as sa

from portal.extensions import db

ATTEMPTS = 5


def next_number(column, prefix, digits=4):
    """``prefix`` followed by one more than the highest sequence of ``column`` starting with
    ``prefix``, zero-padded to ``digits`` (the longest first, so that 10000 follows 9999)."""
    last = db.session.scalar(
        sa.select(column).where(column.like(prefix + "%"))
        .order_by(sa.func.length(column).desc(), column.desc()).limit(1)
    )
    tail = last[len(prefix):] if last else ""
    sequence = int(tail) + 1 if re.fullmatch(r"[0-9]+", tail) else 1
    return f"{prefix}{sequence:0{digits}d}"


def add_numbered(record, number, flush=None):
    """Add ``record`` with ``record.number = number()`` and flush it (with ``flush`` when the
    flush must run in some context, e.g. as an audited actor) in a savepoint; when another
    transaction took that number first, the unique index refuses it and the next is tried."""
    flush = flush or db.session.flush
    flush()  # what is pending goes first, through ``flush`` (begin_nested would flush it outside it)
    for attempt in range(ATTEMPTS):
        record.number = number()
        try:
            with db.session.begin_nested():
                db.session.add(record)
                flush()
            return record
        except sa.exc.IntegrityError:
            column = type(record).number
            taken = db.session.scalar(sa.select(sa.func.count()).where(column == record.number))
            if not taken or attempt == ATTEMPTS - 1:
                raise  # another constraint refused the record: trying other numbers would not help
