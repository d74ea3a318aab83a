"""Agreement templates, generated agreements and their signatures."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import Audited
from portal.core.models import TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db


class AgreementTemplate(Audited, TimestampMixin, db.Model):
    """A versioned agreement template in Chinese and English. Saving a change makes a new
    version; agreements keep the version they were generated from."""

    __tablename__ = "agreement_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), index=True)  # e.g. distributor, campus-agent
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    body_en: Mapped[str] = mapped_column(sa.Text)
    body_zh: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)  # the current version of its code
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    created_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("code", "version", name="uq_agreement_template_code_version"),)

    @property
    def label(self):
        try:
            zh = str(get_locale() or "en").startswith("zh")
        except RuntimeError:
            zh = False
        return self.name_zh if zh else self.name_en


AGREEMENT_STATUSES = {
    "sent": _l("Sent for signature"),
    "partner_signed": _l("Signed by the partner"),
    "countersigned": _l("Signed by both sides"),
    "superseded": _l("Superseded"),
}
AGREEMENT_KINDS = {"original": _l("Agreement"), "amendment": _l("Amendment"), "renewal": _l("Renewal")}


class Agreement(Audited, TimestampMixin, db.Model):
    """An agreement generated from locked terms. Its PDF is stored with its SHA-256 and never
    regenerated in place; a change is a new agreement (amendment)."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default="original")
    status: Mapped[str] = mapped_column(sa.String(16), default="sent", index=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospect.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    term_sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("term_sheet.id"))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_template.id"))
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agreement.id"))
    start_date: Mapped[date | None] = mapped_column(sa.Date, index=True)
    end_date: Mapped[date | None] = mapped_column(sa.Date, index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    signed_document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    prospect = relationship("Prospect", backref=db.backref("agreements", order_by="Agreement.id"))
    partner = relationship("Partner", backref=db.backref("agreements", order_by="Agreement.id"))
    term_sheet = relationship("TermSheet")
    template = relationship("AgreementTemplate")
    previous = relationship("Agreement", remote_side=[id])
    document = relationship("StoredFile", foreign_keys=[document_id])
    signed_document = relationship("StoredFile", foreign_keys=[signed_document_id])
    generated_by = relationship("User", foreign_keys=[generated_by_id])
    signatures = relationship("Signature", back_populates="agreement", order_by="Signature.id")

    @property
    def status_label(self):
        return AGREEMENT_STATUSES.get(self.status, self.status)

    @property
    def kind_label(self):
        return AGREEMENT_KINDS.get(self.kind, self.kind)

    def signature(self, side):
        return next((s for s in self.signatures if s.side == side), None)


SIGNATURE_SIDES = {"partner": _l("Partner"), "vendor": _l("Vendor")}


class Signature(db.Model):
    """Who signed which exact file: the SHA-256 of the PDF shown, with time, IP and browser."""

    __tablename__ = "signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement.id"), index=True)
    side: Mapped[str] = mapped_column(sa.String(10))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    signer_name: Mapped[str] = mapped_column(sa.String(100))
    signer_title: Mapped[str] = mapped_column(sa.String(100))
    authorised: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    document_sha256: Mapped[str] = mapped_column(sa.String(64))
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(500))
    seal_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    seal_checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    seal_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement = relationship("Agreement", back_populates="signatures")
    user = relationship("User", foreign_keys=[user_id])
    seal_file = relationship("StoredFile")
    seal_checked_by = relationship("User", foreign_keys=[seal_checked_by_id])

    __table_args__ = (sa.UniqueConstraint("agreement_id", "side", name="uq_signature_agreement_side"),)

    @property
    def side_label(self):
        return SIGNATURE_SIDES.get(self.side, self.side)
