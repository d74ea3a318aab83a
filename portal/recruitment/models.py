"""Prospects and what is recorded about them, from application to signing."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import Money, TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db

# Pipeline stages, in order. "agreement_sent" and "signed" are reached only through the
# agreement workflow, never by hand.
NEW, QUALIFYING, NEGOTIATING, AGREEMENT_SENT, SIGNED, REJECTED, WITHDRAWN = (
    "new", "qualifying", "negotiating", "agreement_sent", "signed", "rejected", "withdrawn",
)
STAGES = (NEW, QUALIFYING, NEGOTIATING, AGREEMENT_SENT, SIGNED, REJECTED, WITHDRAWN)
OPEN_STAGES = (NEW, QUALIFYING, NEGOTIATING, AGREEMENT_SENT)
FUNNEL = (NEW, QUALIFYING, NEGOTIATING, AGREEMENT_SENT, SIGNED)
STAGE_LABELS = {
    NEW: _l("New"),
    QUALIFYING: _l("Qualifying"),
    NEGOTIATING: _l("Negotiating"),
    AGREEMENT_SENT: _l("Agreement sent"),
    SIGNED: _l("Signed"),
    REJECTED: _l("Rejected"),
    WITHDRAWN: _l("Withdrawn"),
}

SOURCES = {"online": _l("Online application"), "manual": _l("Entered by a manager"), "import": _l("Imported")}

prospect_product_line = sa.Table(
    "prospect_product_line",
    db.metadata,
    sa.Column("prospect_id", sa.ForeignKey("prospect.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("product_line_id", sa.ForeignKey("product_line.id"), primary_key=True),
)


class Prospect(Audited, TimestampMixin, db.Model):
    __tablename__ = "prospect"
    # Stage moves are kept with their reason in StageChange; the audit keeps the stage itself.
    __audit_exclude__ = ("created_at", "updated_at", "stage_changed_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    company_name: Mapped[str] = mapped_column(sa.String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    legal_representative: Mapped[str | None] = mapped_column(sa.String(100))
    contact_name: Mapped[str] = mapped_column(sa.String(100))
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    channel_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channel_type.id"), index=True)
    outlet_count: Mapped[int | None] = mapped_column(sa.Integer)
    registered_capital: Mapped[Decimal | None] = mapped_column(Money)
    years_in_business: Mapped[int | None] = mapped_column(sa.Integer)
    pitch: Mapped[str | None] = mapped_column(sa.Text)

    stage: Mapped[str] = mapped_column(sa.String(20), default=NEW, index=True)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    applicant_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(10), default="online")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_ip: Mapped[str | None] = mapped_column(sa.String(64))

    province = relationship("Territory", foreign_keys=[province_id])
    city = relationship("Territory", foreign_keys=[city_id])
    channel_type = relationship("ChannelType")
    owner = relationship("User", foreign_keys=[owner_id])
    applicant = relationship("User", foreign_keys=[applicant_user_id])
    product_lines = relationship("ProductLine", secondary=prospect_product_line, order_by="ProductLine.position")
    stage_changes = relationship(
        "StageChange", back_populates="prospect", order_by="StageChange.created_at", cascade="all, delete-orphan"
    )
    activities = relationship(
        "Activity", back_populates="prospect", order_by="Activity.occurred_at.desc()", cascade="all, delete-orphan"
    )
    follow_ups = relationship(
        "FollowUp", back_populates="prospect", order_by="FollowUp.due_date", cascade="all, delete-orphan"
    )
    messages = relationship(
        "Message", back_populates="prospect", order_by="Message.created_at", cascade="all, delete-orphan"
    )
    documents = relationship(
        "ProspectDocument", back_populates="prospect", order_by="ProspectDocument.id", cascade="all, delete-orphan"
    )
    duplicate_attempts = relationship(
        "DuplicateApplication", back_populates="prospect", order_by="DuplicateApplication.created_at",
        cascade="all, delete-orphan",
    )

    @property
    def stage_label(self):
        return STAGE_LABELS[self.stage]

    @property
    def territory_label(self):
        if self.city:
            return self.city.full_label
        return self.province.label if self.province else ""


class StageChange(db.Model):
    __tablename__ = "stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospect.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(sa.String(20))
    to_stage: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prospect = relationship("Prospect", back_populates="stage_changes")
    actor = relationship("User")

    @property
    def to_label(self):
        return STAGE_LABELS[self.to_stage]

    @property
    def from_label(self):
        return STAGE_LABELS[self.from_stage] if self.from_stage else ""


ACTIVITY_KINDS = {
    "call": _l("Call"),
    "meeting": _l("Meeting"),
    "visit": _l("Visit"),
    "email": _l("E-mail"),
    "note": _l("Note"),
}


class Activity(Audited, db.Model):
    __tablename__ = "activity"
    __audit_exclude__ = ("created_at",)

    id: Mapped[int] = mapped_column(primary_key=True)
    # An activity is about a prospect or, once signed, about a partner (exactly one of the two).
    prospect_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prospect.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    participants: Mapped[str | None] = mapped_column(sa.String(300))
    outcome: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prospect = relationship("Prospect", back_populates="activities")
    partner = relationship("Partner")
    author = relationship("User")

    __table_args__ = (
        sa.CheckConstraint("(prospect_id IS NULL) <> (partner_id IS NULL)", name="activity_one_subject"),
    )

    @property
    def kind_label(self):
        return ACTIVITY_KINDS.get(self.kind, self.kind)


class FollowUp(Audited, db.Model):
    """Something to do about a prospect by a local date; reminders are sent by `flask send-reminders`."""

    __tablename__ = "follow_up"
    __audit_exclude__ = ("created_at", "reminded_on")

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prospect.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    assignee_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    due_date: Mapped[date] = mapped_column(sa.Date, index=True)
    note: Mapped[str] = mapped_column(sa.String(500))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_on: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prospect = relationship("Prospect", back_populates="follow_ups")
    partner = relationship("Partner")
    assignee = relationship("User", foreign_keys=[assignee_id])

    __table_args__ = (
        sa.CheckConstraint("(prospect_id IS NULL) <> (partner_id IS NULL)", name="follow_up_one_subject"),
    )

    @property
    def subject_name(self):
        """The prospect's company or the partner's name."""
        return self.prospect.company_name if self.prospect_id else self.partner.name

    @property
    def subject_path(self):
        """The page the follow-up is on (a path, for links in notifications and lists)."""
        if self.prospect_id:
            return f"/pipeline/prospects/{self.prospect_id}#follow-ups"
        return f"/partners/{self.partner_id}#follow-ups"

    @property
    def done_endpoint(self):
        return "pipeline.follow_up_done" if self.prospect_id else "partners_admin.follow_up_done"


class Message(db.Model):
    """A message on an application, between its manager(s) and the applicant."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospect.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    is_question: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prospect = relationship("Prospect", back_populates="messages")
    author = relationship("User")


DOCUMENT_KINDS = {"licence": _l("Business licence"), "other": _l("Other document")}


class ProspectDocument(db.Model):
    __tablename__ = "prospect_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospect.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    kind: Mapped[str] = mapped_column(sa.String(20), default="other")
    description: Mapped[str | None] = mapped_column(sa.String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prospect = relationship("Prospect", back_populates="documents")
    file = relationship("StoredFile")
    uploaded_by = relationship("User")

    @property
    def kind_label(self):
        return DOCUMENT_KINDS.get(self.kind, self.kind)


class DuplicateApplication(db.Model):
    """A second application with a credit code already on file, kept for the prospect's manager."""

    __tablename__ = "duplicate_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospect.id", ondelete="CASCADE"), index=True)
    company_name: Mapped[str] = mapped_column(sa.String(200))
    contact_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    pitch: Mapped[str | None] = mapped_column(sa.Text)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prospect = relationship("Prospect", back_populates="duplicate_attempts")
