"""Forms of the asset library. They only turn the request into typed values; the rules and their
messages live in portal.marketing.library_services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.marketing.audience_forms import AudienceFields
from portal.marketing.library_services import LANGUAGES
from portal.marketing.models import ASSET_CATEGORIES
from portal.partners.forms import LocalDateField
from portal.training.forms import Required

FIELDS = ("title", "description", "category", "tags", "language", "publish_on", "expires_on", "cobrandable",
          "cobrand_template")


class AssetForm(AudienceFields, FlaskForm):
    title = StringField(_l("Title"), validators=[Required()])
    description = TextAreaField(_l("Description"), render_kw={"rows": 4})
    category = SelectField(_l("Category"), choices=list(ASSET_CATEGORIES.items()), validate_choice=False)
    tags = StringField(_l("Tags"))
    language = SelectField(_l("Language"), choices=[("", _l("Chinese and English")), *LANGUAGES.items()],
                           validate_choice=False)
    publish_on = LocalDateField(_l("Publish on"), validators=[Optional()])
    expires_on = LocalDateField(_l("Expiry date (the last day it is shown)"), validators=[Optional()])
    cobrandable = BooleanField(_l("Co-brandable: partners can download a PDF flyer carrying their own name, "
                                  "address and phone"))
    cobrand_template = TextAreaField(_l("Template of the co-branded flyer (HTML)"),
                                     render_kw={"rows": 12, "spellcheck": "false"})

    def data_for_service(self):
        return {name: getattr(self, name).data for name in FIELDS}


class NewAssetForm(AssetForm):
    file = FileField(_l("File"), validators=[Required()])


class VersionForm(FlaskForm):
    file = FileField(_l("New file"), validators=[Required()])
    note = StringField(_l("What changed (optional)"))
