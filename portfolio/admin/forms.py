from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portfolio.auth.forms import EmailAddress, NewPasswordMixin
from portfolio.extensions import db
from portfolio.forms import SearchSelectField, department_source
from portfolio.models import Role, User


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
