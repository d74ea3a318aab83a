"""Inspections of outlets against a scored checklist; failed items become rectification orders
(整改) with a deadline, answered by the partner and closed or escalated after a re-inspection."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db
from portal.training.models import BilingualText


class InspectionChecklist(Audited, BilingualText, TimestampMixin, db.Model):
    __tablename__ = "inspection_checklist"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    items = relationship("ChecklistItem", back_populates="checklist", order_by="ChecklistItem.position",
                         cascade="all, delete-orphan")


class ChecklistItem(Audited, BilingualText, db.Model):
    """One scored point, e.g. "Publicity materials displayed" (宣传品摆放): scored 0..max_score;
    a score below ``pass_score`` fails the item."""

    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_checklist.id", ondelete="CASCADE"),
                                              index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    text_en: Mapped[str] = mapped_column(sa.String(300))
    text_zh: Mapped[str] = mapped_column(sa.String(300))
    max_score: Mapped[int] = mapped_column(sa.Integer, default=10)
    pass_score: Mapped[int] = mapped_column(sa.Integer, default=6)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    checklist = relationship("InspectionChecklist", back_populates="items")

    __table_args__ = (
        sa.CheckConstraint("max_score > 0 AND pass_score >= 0 AND pass_score <= max_score", name="scores_ok"),
    )


INSPECTION_KINDS = {"planned": _l("Planned inspection"), "mystery": _l("Mystery shopping (暗访)")}


class Inspection(Audited, TimestampMixin, db.Model):
    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    outlet_id: Mapped[int] = mapped_column(sa.ForeignKey("outlet.id"), index=True)
    checklist_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_checklist.id"))
    kind: Mapped[str] = mapped_column(sa.String(10), default="planned")
    inspected_on: Mapped[date] = mapped_column(sa.Date, index=True)
    inspector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    score: Mapped[int] = mapped_column(sa.Integer, default=0)
    max_score: Mapped[int] = mapped_column(sa.Integer, default=0)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # A re-inspection of a rectification order points at it.
    rectification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rectification.id", use_alter=True))

    partner = relationship("Partner")
    outlet = relationship("Outlet")
    checklist = relationship("InspectionChecklist")
    inspector = relationship("User")
    scores = relationship("InspectionScore", back_populates="inspection", order_by="InspectionScore.id",
                          cascade="all, delete-orphan")
    photos = relationship("InspectionPhoto", back_populates="inspection", order_by="InspectionPhoto.id",
                          cascade="all, delete-orphan")

    @property
    def kind_label(self):
        return INSPECTION_KINDS.get(self.kind, self.kind)

    @property
    def percent(self):
        return round(self.score * 100 / self.max_score) if self.max_score else None


class InspectionScore(db.Model):
    __tablename__ = "inspection_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_item.id"))
    score: Mapped[int] = mapped_column(sa.Integer)
    max_score: Mapped[int] = mapped_column(sa.Integer)  # the item's at the time
    passed: Mapped[bool] = mapped_column(sa.Boolean)
    note: Mapped[str | None] = mapped_column(sa.String(500))

    inspection = relationship("Inspection", back_populates="scores")
    item = relationship("ChecklistItem")

    __table_args__ = (sa.CheckConstraint("score >= 0 AND score <= max_score", name="score_in_range"),)


class InspectionPhoto(db.Model):
    __tablename__ = "inspection_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    caption: Mapped[str | None] = mapped_column(sa.String(200))

    inspection = relationship("Inspection", back_populates="photos")
    file = relationship("StoredFile")


RECTIFICATION_STATUSES = {
    "open": _l("Awaiting the partner's answer"),
    "answered": _l("Answered: awaiting re-inspection"),
    "closed": _l("Closed"),
    "escalated": _l("Escalated"),
}


class Rectification(Audited, TimestampMixin, db.Model):
    """A rectification order (整改) for one failed checklist item. Overdue when its deadline has
    passed and it is neither closed nor escalated (computed, Beijing time)."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id"), index=True)
    score_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_score.id"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    outlet_id: Mapped[int] = mapped_column(sa.ForeignKey("outlet.id"), index=True)
    required_action: Mapped[str] = mapped_column(sa.Text)
    deadline: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    inspection = relationship("Inspection", foreign_keys=[inspection_id])
    score = relationship("InspectionScore")
    partner = relationship("Partner")
    outlet = relationship("Outlet")
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    photos = relationship("RectificationPhoto", back_populates="rectification", order_by="RectificationPhoto.id",
                          cascade="all, delete-orphan")

    @property
    def status_label(self):
        return RECTIFICATION_STATUSES.get(self.status, self.status)


class RectificationPhoto(db.Model):
    """A photo the partner sends with its answer."""

    __tablename__ = "rectification_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(sa.ForeignKey("rectification.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rectification = relationship("Rectification", back_populates="photos")
    file = relationship("StoredFile")
