from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.core.audit import Audited
from portal.core.models import TimestampMixin, UTCDateTime
from portal.extensions import db

manager_territory = sa.Table(
    "manager_territory",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("territory_id", sa.ForeignKey("territory.id", ondelete="CASCADE"), primary_key=True),
)


class User(Audited, UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"
    __audit_exclude__ = ("updated_at", "created_at", "last_login_at")
    __audit_redact__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Bumped on deactivation and password change: every existing session ends.
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    timezone: Mapped[str] = mapped_column(sa.String(50), default="Asia/Shanghai")
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Partner admins and staff belong to one partner organisation.
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", use_alter=True), index=True)

    territories = relationship("Territory", secondary=manager_territory, back_populates="managers")
    partner = relationship("Partner", back_populates="users", foreign_keys=[partner_id])

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        return self.active

    def set_password(self, password):
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def end_sessions(self):
        self.session_version = (self.session_version or 1) + 1

    def covered_territory_ids(self):
        """Territories this manager covers, a province including its cities (cached per object)."""
        cached = getattr(self, "_covered_cache", None)
        if cached is None:
            cached = set()
            for territory in self.territories:
                cached.add(territory.id)
                cached.update(child.id for child in territory.children)
            self._covered_cache = cached
        return cached

    @property
    def is_internal(self):
        return self.role in ("admin", "manager")

    def __repr__(self):
        return f"<User {self.email}>"
