from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.core.permissions import ROLES

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "manager": _l("Channel manager"),
    "finance": _l("Finance"),
    "partner_admin": _l("Partner administrator"),
    "partner_staff": _l("Partner staff"),
    "applicant": _l("Applicant"),
}
TIMEZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Europe/London", "UTC"]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Email(_l("Enter a valid e-mail address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Email(_l("Enter a valid e-mail address."))])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a password.")), Length(min=10, max=128, message=_l("Use at least 10 characters."))],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ."))],
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    locale = SelectField(_l("Language"), choices=[("en", "English"), ("zh_CN", "中文")])
    timezone = SelectField(_l("Time zone"), choices=[(tz, tz) for tz in TIMEZONES])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter an e-mail address.")), Email(_l("Enter a valid e-mail address."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in ROLES if r != "applicant"])
    territories = SelectMultipleField(_l("Territories covered (channel managers)"), coerce=int)
    locale = SelectField(_l("Language of the invitation"), choices=[("zh_CN", "中文"), ("en", "English")])


class EditUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    territories = SelectMultipleField(_l("Territories covered (channel managers)"), coerce=int)
