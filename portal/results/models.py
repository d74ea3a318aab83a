"""Targets and results: monthly targets per partner and product line, the partners'
purchase-sales-inventory reports (进销存, PSI) per outlet, and payment collection (回款).

Months are calendar months in Beijing time (Asia/Shanghai), stored as the first day of the
month (``month``), computed when a row is written: a sale at 00:30 on 1 November in Beijing
belongs to November although it is still 31 October in UTC.
"""
import secrets
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, UTCDateTime, utcnow
from portal.extensions import db

TARGET_SOURCES = {"terms": _l("From the agreement"), "adjustment": _l("Adjusted")}


class PartnerTarget(Audited, db.Model):
    """A monthly target amount (CNY) for one partner and product line, in force from
    ``effective_month`` until a later row for the same pair. Rows from the agreement's terms
    are written at countersignature; an adjustment is a new row with its reason (never an edit)."""

    __tablename__ = "partner_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"))
    effective_month: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(sa.String(12), default="terms")
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    agreement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agreement.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    product_line = relationship("ProductLine")
    created_by = relationship("User")

    __table_args__ = (
        sa.Index("ix_partner_target_lookup", "partner_id", "product_line_id", "effective_month"),
        sa.CheckConstraint("amount >= 0", name="target_not_negative"),
    )

    @property
    def source_label(self):
        return TARGET_SOURCES.get(self.source, self.source)


PSI_SOURCES = {"form": _l("Form"), "import": _l("File import")}


class PsiEntry(Audited, db.Model):
    """One PSI line: an outlet's purchases, sales and closing inventory of one product line in
    one month. ``sales_amount`` (CNY) is what targets and commissions count. ``occurred_at`` is
    the moment given for the sale when the source has one (imports with a date and time)."""

    __tablename__ = "psi_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(sa.ForeignKey("outlet.id"), index=True)
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"), index=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purchases: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    returns_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # returned sales (clawback)
    closing_inventory: Mapped[int] = mapped_column(sa.Integer, default=0)
    source: Mapped[str] = mapped_column(sa.String(10), default="form")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    outlet = relationship("Outlet")
    product_line = relationship("ProductLine")
    submitted_by = relationship("User")

    __table_args__ = (
        sa.Index("ix_psi_entry_partner_month", "partner_id", "month"),
        sa.CheckConstraint("purchases >= 0 AND sales >= 0 AND closing_inventory >= 0", name="psi_quantities_ok"),
        sa.CheckConstraint("sales_amount >= 0 AND returns_amount >= 0", name="psi_amounts_ok"),
    )


class PaymentCollection(Audited, db.Model):
    """Money collected from a partner (回款), recorded by the vendor with its bank reference."""

    __tablename__ = "payment_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    recorded_by = relationship("User")

    __table_args__ = (sa.CheckConstraint("amount > 0", name="collection_positive"),)


class PsiMonthTotal(db.Model):
    """The PSI figures of one partner, product line and month summed over its outlets: what the
    dashboard reads instead of every PSI line (a year of a large network is ~100× fewer rows).
    Kept by portal.results.psi whenever entries are written (recomputed from ``psi_entry`` for
    the keys touched, so it can never drift); ``flask rebuild-psi-totals`` recomputes them all."""

    __tablename__ = "psi_month_total"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"))
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"))
    month: Mapped[date] = mapped_column(sa.Date)
    purchases: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    returns_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    net_sales: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    closing_inventory: Mapped[int] = mapped_column(sa.Integer, default=0)
    entries: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        sa.UniqueConstraint("partner_id", "product_line_id", "month", name="uq_psi_month_total_key"),
        sa.Index("ix_psi_month_total_month_partner", "month", "partner_id"),
        sa.Index("ix_psi_month_total_partner_month", "partner_id", "month"),  # a manager's partners
    )


class FiguresVersion(db.Model):
    """One row whose random ``token`` is replaced by every transaction that writes what the results
    dashboard shows (``FIGURE_TABLES``), in that transaction: the dashboard caches figures under
    the token it read, so a cached figure is never older than the last commit.

    Kept by the session events below: a flush or a bulk statement through the session that
    touches one of those tables marks the session; its commit (``before_commit``, after the last
    flush) writes a new token. A random token rather than a counter, so that a database emptied
    and filled again (the tests) never hands out a token already used. Rows written around the
    session (COPY, raw connections) are not seen: call ``new_figures_version`` afterwards."""

    __tablename__ = "figures_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(sa.String(32))


FIGURE_TABLES = frozenset({"psi_entry", "psi_month_total", "payment_collection", "partner_target", "partner", "outlet"})
FIGURES_CHANGED = "results.figures_changed"  # a key of Session.info
VERSION_REPLACED = "results.version_replaced"  # a key of Session.info: the commit brings a new version


def new_figures_version(session):
    """Replace the token (inserting the row the first time), in the session's transaction."""
    table = FiguresVersion.__table__
    token = secrets.token_hex(16)
    dialect = postgresql if session.connection().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(table).values(id=1, token=token)
                    .on_conflict_do_update(index_elements=[table.c.id], set_={"token": token}))
    session.info[VERSION_REPLACED] = True


@event.listens_for(Session, "after_flush")
def _note_flushed_figures(session, flush_context):
    if any(getattr(type(obj), "__tablename__", None) in FIGURE_TABLES
           for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[FIGURES_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement_figures(state):
    if (state.is_insert or state.is_update or state.is_delete) and state.statement.table.name in FIGURE_TABLES:
        state.session.info[FIGURES_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _replace_figures_version(session):
    if session.get_nested_transaction() is not None:  # a savepoint: the outer commit decides
        return
    session.flush()  # before_commit comes before the commit's own flush
    if session.info.pop(FIGURES_CHANGED, False):
        new_figures_version(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_figure_changes(session, transaction):
    if transaction.parent is None:  # committed (with a new version), rolled back or closed
        session.info.pop(FIGURES_CHANGED, None)
        session.info.pop(VERSION_REPLACED, None)  # after_commit (portal.results.figures_cache) came first
