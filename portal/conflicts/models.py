"""Channel conflict cases (渠道冲突) and partners' complaints about the vendor (投诉).

A case moves open → investigating → ruled → closed (no skipping). Partners involved are its
``parties``; each sees the case and answers on it. Evidence a party files is private to that
party and the managers unless a manager shares it.
"""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db

CASE_KINDS = {
    "cross_territory": _l("Cross-territory selling (窜货)"),
    "price_cutting": _l("Price cutting (降价)"),
    "poaching": _l("Deal poaching (抢单)"),
    "unauthorised_promotion": _l("Unauthorised promotion"),
    "other": _l("Other conflict"),
    "complaint": _l("Complaint about the vendor (投诉)"),
    "commission_query": _l("Query on a commission statement"),
}
CASE_ORIGINS = {
    "partner": _l("Opened by a partner"),
    "manager": _l("Opened by a manager"),
    "deal_match": _l("Automatic: matching deal registration"),
    "psi_territory": _l("Automatic: sales reported outside the territory"),
    "commission_query": _l("Query on a commission statement"),
}
CASE_STATUSES = {
    "open": lazy_pgettext("case status", "Open"),
    "investigating": _l("Investigating"),
    "ruled": _l("Ruled"),
    "closed": _l("Closed"),
}
CASE_FLOW = {"open": ("investigating",), "investigating": ("ruled",), "ruled": ("closed",), "closed": ()}
RULING_ACTIONS = {
    "no_action": _l("No action"),
    "warning": _l("Warning"),
    "penalty": _l("Penalty from the deposit"),
    "reassign_deal": _l("Deal reassigned to another partner"),
    "territory_change": _l("Territory change"),
    "recommend_termination": _l("Recommendation to terminate"),
}
PARTY_ROLES = {"complainant": _l("Complainant"), "respondent": _l("Respondent"), "involved": _l("Involved")}


class ConflictCase(Audited, TimestampMixin, db.Model):
    __tablename__ = "conflict_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(24), index=True)
    origin: Mapped[str] = mapped_column(sa.String(20), default="partner")
    status: Mapped[str] = mapped_column(sa.String(14), default="open", index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deal_registration.id"))
    ruling: Mapped[str | None] = mapped_column(sa.Text)
    ruling_action: Mapped[str | None] = mapped_column(sa.String(24))
    penalty_amount: Mapped[Decimal | None] = mapped_column(Money)
    penalty_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"))
    deposit_movement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deposit_movement.id"))
    in_favour_of_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"))
    ruled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    ruled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    opened_by = relationship("User", foreign_keys=[opened_by_id])
    manager = relationship("User", foreign_keys=[manager_id])
    ruled_by = relationship("User", foreign_keys=[ruled_by_id])
    registration = relationship("DealRegistration", foreign_keys=[registration_id])
    penalty_partner = relationship("Partner", foreign_keys=[penalty_partner_id])
    in_favour_of = relationship("Partner", foreign_keys=[in_favour_of_partner_id])
    deposit_movement = relationship("DepositMovement")
    parties = relationship("CaseParty", back_populates="case", order_by="CaseParty.id", cascade="all, delete-orphan")
    entries = relationship("CaseEntry", back_populates="case", order_by="CaseEntry.id", cascade="all, delete-orphan")
    evidence = relationship("CaseEvidence", back_populates="case", order_by="CaseEvidence.id",
                            cascade="all, delete-orphan")
    status_changes = relationship("CaseStatusChange", back_populates="case", order_by="CaseStatusChange.id",
                                  cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("penalty_amount IS NULL OR penalty_amount > 0", name="penalty_positive"),)

    @property
    def kind_label(self):
        return CASE_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self):
        return CASE_STATUSES.get(self.status, self.status)

    @property
    def origin_label(self):
        return CASE_ORIGINS.get(self.origin, self.origin)

    @property
    def action_label(self):
        return RULING_ACTIONS.get(self.ruling_action, self.ruling_action) if self.ruling_action else None


class CaseParty(db.Model):
    __tablename__ = "case_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("conflict_case.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(12), default="involved")

    case = relationship("ConflictCase", back_populates="parties")
    partner = relationship("Partner")

    __table_args__ = (sa.UniqueConstraint("case_id", "partner_id", name="uq_case_party"),)

    @property
    def role_label(self):
        return PARTY_ROLES.get(self.role, self.role)


class CaseEntry(db.Model):
    """A message on the case. ``internal`` entries are managers' notes, never shown to partners."""

    __tablename__ = "case_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("conflict_case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"))  # the author's organisation
    body: Mapped[str] = mapped_column(sa.Text)
    internal: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("ConflictCase", back_populates="entries")
    author = relationship("User")
    partner = relationship("Partner")


class CaseEvidence(db.Model):
    """A file filed on a case. Filed by a partner it is private to that partner and the managers
    (``shared`` False); a manager may share it with every party."""

    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("conflict_case.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"))  # None: filed by the vendor
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    shared: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("ConflictCase", back_populates="evidence")
    file = relationship("StoredFile")
    partner = relationship("Partner")
    uploaded_by = relationship("User")


class CaseStatusChange(db.Model):
    __tablename__ = "case_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("conflict_case.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(14))
    to_status: Mapped[str] = mapped_column(sa.String(14))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("ConflictCase", back_populates="status_changes")
    actor = relationship("User")
