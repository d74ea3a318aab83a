"""Admin settings kept in the database (audited), with defaults in code."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.audit import Audited
from portal.core.models import TimestampMixin
from portal.extensions import db

# name -> (default, label)
SETTINGS = {
    "training_required_for_materials": (False, _l("Partners must complete their required training before ordering promotional material")),
    "deal_protection_days": (90, _l("Days an approved deal registration is protected from other partners")),
    "case_due_days": (14, _l("Days to resolve a channel conflict case")),
    "complaint_due_days": (7, _l("Days to answer a partner's complaint about the vendor")),
    "scorecard_weight_sales": (40, _l("Scorecard weight of sales against target")),
    "scorecard_weight_collection": (20, _l("Scorecard weight of payment collection")),
    "scorecard_weight_training": (15, _l("Scorecard weight of training completion")),
    "scorecard_weight_inspection": (25, _l("Scorecard weight of inspection scores")),
    "scorecard_points_per_conflict": (10, _l("Scorecard points taken off per conflict case ruled against the partner")),
    "scorecard_points_per_complaint": (5, _l("Scorecard points taken off per complaint against the partner")),
}


class Setting(Audited, TimestampMixin, db.Model):
    __tablename__ = "setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    value: Mapped[str] = mapped_column(sa.String(500))


def get_setting(name):
    default = SETTINGS[name][0]
    row = db.session.scalar(sa.select(Setting).where(Setting.name == name))
    if row is None:
        return default
    if isinstance(default, bool):
        return row.value == "true"
    return type(default)(row.value)


def set_setting(name, value):
    """Change a setting (audited: who, when, old → new). The caller commits."""
    default = SETTINGS[name][0]
    text = ("true" if value else "false") if isinstance(default, bool) else str(value)
    row = db.session.scalar(sa.select(Setting).where(Setting.name == name))
    if row is None:
        db.session.add(Setting(name=name, value=text))
    else:
        row.value = text
