"""Forms of the policies and news pages. They only turn the request into typed values; the rules
and their messages live in portal.marketing.announcement_services."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.extensions import db
from portal.marketing.announcement_services import LANGUAGES, STATES, publishable_partners
from portal.marketing.audience_forms import AudienceFields
from portal.marketing.models import ANNOUNCEMENT_KINDS
from portal.partners.forms import LocalDateField
from portal.partners.models import Partner


class Required:
    """Marks a field as required (asterisk, ``required``) without checking: the service checks."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class AnnouncementForm(AudienceFields, FlaskForm):
    title = StringField(_l("Title"), validators=[Required()], render_kw={"maxlength": 200})
    kind = RadioField(_l("Kind"), choices=list(ANNOUNCEMENT_KINDS.items()), validate_choice=False,
                      default="policy")
    body = TextAreaField(_l("Text"), validators=[Required()], render_kw={"rows": 14})
    language = SelectField(_l("Language of the text"), choices=list(LANGUAGES.items()), validate_choice=False)
    requires_ack = BooleanField(_l("Partners must confirm they have read it"), default=True)
    expires_on = LocalDateField(_l("Shown until (optional)"), validators=[Optional()])
    attachment = FileField(_l("Attachment (PDF, at most 20 MB, optional)"))
    remove_attachment = BooleanField(_l("Remove the current attachment"))
    audience_partners = SelectMultipleField(_l("Named partners"), coerce=int, validate_choice=True)

    def load_choices(self, actor):
        self.load_audience_choices()
        self.audience_partners.choices = [(p.id, p.name) for p in publishable_partners(actor)]

    def fill_from(self, announcement):
        """Show a stored announcement (GET of the edit page)."""
        self.fill_audience(announcement.audience)
        allowed = {value for value, _label in self.audience_partners.choices}
        self.audience_partners.data = [p.id for p in announcement.audience.partners if p.id in allowed]
        self.language.data = announcement.language or ""

    def chosen_partners(self):
        ids = self.audience_partners.data or []
        return db.session.scalars(sa.select(Partner).where(Partner.id.in_(ids))).all() if ids else []

    def data_for_service(self):
        return {"title": self.title.data, "kind": self.kind.data, "body": self.body.data,
                "language": self.language.data, "requires_ack": self.requires_ack.data,
                "expires_on": self.expires_on.data}


class VendorFilterForm(FlaskForm):
    """The filters of the managers' list (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Title contains"), render_kw={"type": "search"})
    kind = SelectField(_l("Kind"), choices=[("", _l("All kinds")), *ANNOUNCEMENT_KINDS.items()],
                       validate_choice=False)
    state = SelectField(_l("State"), choices=[("", _l("All states")), *STATES.items()], validate_choice=False)
