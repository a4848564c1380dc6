from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portfolio.auth.forms import EmailAddress, NewPasswordMixin
from portfolio.extensions import db
from portfolio.forms import HttpUrl, TextField
from portfolio.models import Role, User, Verb, Webhook, WebhookPreset
from portfolio.notifications.webhooks import event_name, subscribable_verbs
from portfolio.selects import SearchSelectField, department_source


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=Role.choices(), validators=[DataRequired()])


class NewUserForm(NewPasswordMixin, FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=Role.choices(), default=Role.STAKEHOLDER.value)
    department_id = SearchSelectField(
        "Department", source=department_source, placeholder="— none —"
    )
    new_password = PasswordField(
        "Initial password",
        validators=[DataRequired()],
        description="Share it with the person; they can change it on their account page.",
    )

    def validate_email(self, field) -> None:
        taken = db.session.execute(User.by_email(field.data)).scalar_one_or_none()
        if taken is not None:
            raise ValidationError("Someone already has an account with this email.")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (none checked is a valid answer)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    name = TextField("Name", validators=[DataRequired(), Length(max=120)])
    url = TextField(
        "Address (URL)",
        validators=[DataRequired(), Length(max=2000), HttpUrl()],
        description="Where Portfolio POSTs each event, e.g. a Slack or Teams incoming webhook.",
    )
    preset = SelectField("Format", choices=WebhookPreset.choices(), validators=[DataRequired()])
    events = MultiCheckboxField(
        "Events",
        choices=[],
        description="None ticked: every event, including ones added later.",
    )
    active = BooleanField("Active", default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = [(verb.value, event_name(verb)) for verb in subscribable_verbs()]

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookForm:
        form = cls(formdata=None, obj=webhook)
        form.preset.data = webhook.preset.value
        form.events.data = webhook.events.split()
        return form

    def verbs(self) -> list[Verb]:
        return [Verb(value) for value in self.events.data or []]
