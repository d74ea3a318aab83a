"""The audience part of the announcement and asset forms: channel types, tiers, territories and
(announcements only) named partners. Empty means everyone (see marketing.audience)."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets

from portal.extensions import db
from portal.marketing.audience import set_audience
from portal.reference import queries as ref
from portal.reference.models import ChannelType, PartnerTier, Territory


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AudienceFields:
    """Mix into a FlaskForm; call ``load_audience_choices()`` before validating or rendering."""

    audience_channel_types = MultiCheckboxField(_l("Channel types"), coerce=int, validate_choice=True)
    audience_tiers = MultiCheckboxField(_l("Tiers"), coerce=int, validate_choice=True)
    audience_territories = SelectMultipleField(_l("Territories"), coerce=int, validate_choice=True)

    def load_audience_choices(self):
        self.audience_channel_types.choices = [(c.id, c.label) for c in ref.channel_types()]
        self.audience_tiers.choices = [(t.id, t.label) for t in ref.tiers()]
        self.audience_territories.choices = ref.territory_choices()

    def fill_audience(self, audience):
        """Show an existing audience in the form (GET of an edit page)."""
        self.audience_channel_types.data = [c.id for c in audience.channel_types]
        self.audience_tiers.data = [t.id for t in audience.tiers]
        self.audience_territories.data = [t.id for t in audience.territories]

    def audience_rows(self, partners=()):
        """The submitted choices as model rows: keyword arguments for ``set_audience``."""
        def rows(model, ids):
            return db.session.scalars(sa.select(model).where(model.id.in_(ids or []))).all()

        return {
            "channel_types": rows(ChannelType, self.audience_channel_types.data),
            "tiers": rows(PartnerTier, self.audience_tiers.data),
            "territories": rows(Territory, self.audience_territories.data),
            "partners": list(partners),
        }

    def apply_audience(self, audience, partners=()):
        """Write the submitted choices into ``audience`` (the caller commits)."""
        return set_audience(audience, **self.audience_rows(partners))
