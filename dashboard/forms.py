"""The dashboard's forms (Flask-WTF: each carries and checks a CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from core.phones import InvalidPhone, normalise
from flows.catalog import MINING_COUNTIES
from models.officer import ROLES

LANGUAGES = (("sw", "Kiswahili"), ("en", "English"))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class SignOutForm(FlaskForm):
    pass


class LocaleForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES])
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something (disable an officer...): only the CSRF token."""


def _phone(form, field):
    if field.data:
        try:
            field.data = normalise(field.data)
        except InvalidPhone:
            raise ValidationError(_l("Not a phone number. Write it like 0712 345 678.")) from None


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)],
                             render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"})


ROLE_LABELS = {"admin": _l("Administrator"), "officer": _l("County officer"), "viewer": _l("Viewer (read only)")}


class OfficerForm(FlaskForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(min=3, max=60),
        Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, dots, dashes or underscores only."))],
        render_kw={"autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)],
                             render_kw={"autocomplete": "new-password"})
    role = SelectField(_l("Role"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
                       default="officer")
    county = SelectField(_l("County"), validators=[Optional()], choices=[SelectChoice("", _l("All counties"))]
                         + [SelectChoice(county, county) for county in MINING_COUNTIES])
    phone = StringField(_l("Phone for urgent alerts (optional)"), validators=[Optional(), _phone],
                        render_kw={"inputmode": "tel"})
    locale = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES])
