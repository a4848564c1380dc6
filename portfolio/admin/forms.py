from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portfolio.auth.forms import EmailAddress, NewPasswordMixin
from portfolio.extensions import db
from portfolio.models import Department, Role, User
from portfolio.models.accounts import normalise_email

ROLE_CHOICES = Role.choices()


def department_choices() -> list[tuple[str, str]]:
    names = db.session.execute(sa.select(Department.id, Department.name).order_by(Department.name))
    return [("", "— none —")] + [(str(id_), name) for id_, name in names]


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired()])


class NewUserForm(NewPasswordMixin, FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.STAKEHOLDER.value)
    department_id = SelectField("Department", choices=[], validate_choice=True)
    new_password = PasswordField(
        "Initial password",
        validators=[DataRequired()],
        description="Share it with the person; they can change it on their account page.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = department_choices()

    def validate_email(self, field) -> None:
        taken = db.session.execute(User.by_email(field.data)).scalar_one_or_none()
        if taken is not None:
            raise ValidationError("Someone already has an account with this email.")

    def create_user(self) -> User:
        user = User(
            email=normalise_email(self.email.data),
            display_name=self.display_name.data.strip(),
            role=Role(self.role.data),
            department_id=int(self.department_id.data) if self.department_id.data else None,
        )
        user.set_password(self.new_password.data)
        return user
