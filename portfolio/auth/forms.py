from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    ValidationError,
)

from portfolio.auth.passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from portfolio.auth.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from portfolio.auth.passwords import password_problem
from portfolio.models.accounts import Theme, is_email_address
from portfolio.models.integration import TOKEN_LIFETIME_DAYS, TOKEN_LIFETIMES, TokenScope
from portfolio.models.notifications import EmailDelivery, NotificationKind


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class EmailAddress:
    """name@domain.tld (see `is_email_address`)."""

    def __call__(self, form, field) -> None:
        if field.data and not is_email_address(field.data):
            raise ValidationError("Enter an email address such as name@company.com.")


class NewPasswordMixin:
    """A new password, typed twice, checked against the password rules."""

    def validate_new_password(self, field) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters; a passphrase is best.",
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
    )


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[DataRequired(), Length(max=80)],
        description="What will use it, e.g. “Finance BI nightly import”.",
    )
    days = SelectField(
        "Valid for",
        choices=[(days, f"{days} days" if days < 365 else "1 year") for days in TOKEN_LIFETIMES],
        coerce=int,
        default=TOKEN_LIFETIME_DAYS,
        description="It stops working then; create a new one before.",
    )
    # Offered only to those whose role records readings (tokens.scopes_for).
    write_readings = BooleanField(
        "Also record readings (scope readings:write)",
        description="For a job that sends success-measure readings. Every token reads.",
    )

    def scopes(self) -> list[TokenScope]:
        """The scopes asked for besides read."""
        return [TokenScope.READINGS_WRITE] if self.write_readings.data else []


class AppearanceForm(FlaskForm):
    """Light, dark, or the device's choice (prefers-color-scheme)."""

    theme = RadioField(
        "Colours",
        choices=Theme.choices(),
        validate_choice=False,  # AnyOf says what to choose instead of “Not a valid choice”
        validators=[
            InputRequired(message="Choose how Portfolio should look."),
            AnyOf(
                [theme.value for theme in Theme],
                message="Choose one of: " + ", ".join(theme.label for theme in Theme) + ".",
            ),
        ],
    )


class NotificationPreferencesForm(FlaskForm):
    """How to be emailed about each kind of news: at once, in a digest, or not."""

    KINDS = tuple(NotificationKind)

    @classmethod
    def of(cls, preferences: dict[NotificationKind, EmailDelivery]) -> NotificationPreferencesForm:
        return cls(
            formdata=None, data={kind.value: value.value for kind, value in preferences.items()}
        )

    def choices(self) -> dict[NotificationKind, EmailDelivery]:
        return {kind: EmailDelivery(self[kind.value].data) for kind in self.KINDS}

    def kind_fields(self) -> list:
        return [self[kind.value] for kind in self.KINDS]


for _kind in NotificationKind:
    setattr(
        NotificationPreferencesForm,
        _kind.value,
        RadioField(_kind.label, choices=EmailDelivery.choices(), validators=[InputRequired()]),
    )
