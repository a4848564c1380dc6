from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from portfolio.admin import accounts
from portfolio.admin.accounts import UserChangeRefused
from portfolio.admin.forms import NewUserForm, RoleForm
from portfolio.auth.permissions import requires
from portfolio.extensions import db
from portfolio.htmx import inline_form_answer, render
from portfolio.models import Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _users() -> list[User]:
    return list(
        db.session.execute(
            db.select(User).options(db.joinedload(User.department)).order_by(User.display_name)
        ).scalars()
    )


def users_page(form: NewUserForm | None = None, row_errors: dict[int, str] | None = None) -> dict:
    """The whole users page: every row, and the new-user form."""
    return {
        "users": _users(),
        "form": form or NewUserForm(formdata=None),
        "roles": list(Role),
        "row_errors": row_errors or {},
    }


@bp.route("/users", methods=["GET", "POST"])
@requires("manage_users")
def users():
    form = NewUserForm()
    if form.validate_on_submit():
        user = accounts.create_user(
            db.session,
            email=form.email.data,
            display_name=form.display_name.data,
            role=Role(form.role.data),
            password=form.new_password.data,
            department_id=form.department_id.data,
            actor=current_user,
        )
        db.session.commit()
        flash(f"Account created for {user.display_name}.", "success")
        return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render("admin/users.html", status=status, **users_page(form))


@bp.post("/users/<int:user_id>/role")
@requires("manage_users")
def set_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate():
        return _user_row_answer(user, "Choose one of the listed roles.")
    try:
        accounts.change_role(db.session, user, Role(form.role.data), current_user)
    except UserChangeRefused as refused:
        return _user_row_answer(user, str(refused))
    db.session.commit()
    return _user_row_answer(user)


@bp.post("/users/<int:user_id>/deactivate")
@requires("manage_users")
def deactivate(user_id: int):
    return _set_active(db.get_or_404(User, user_id), active=False)


@bp.post("/users/<int:user_id>/reactivate")
@requires("manage_users")
def reactivate(user_id: int):
    return _set_active(db.get_or_404(User, user_id), active=True)


def _set_active(user: User, active: bool):
    try:
        accounts.set_active(db.session, user, active, current_user)
    except UserChangeRefused as refused:
        return _user_row_answer(user, str(refused))
    db.session.commit()
    return _user_row_answer(user)


def _user_row_answer(user: User, error: str | None = None):
    """htmx swaps the row in place; without JavaScript, back to the list (or
    the list again with the row's error, 422)."""
    row_errors = {user.id: error} if error else {}
    return inline_form_answer(
        error is None,
        template="admin/users.html",
        block="user_row",
        fragment=lambda: {"user": user, "roles": list(Role), "row_errors": row_errors},
        page=lambda: users_page(row_errors=row_errors),
        redirect_to=url_for("admin.users"),
        message=f"{user.display_name} updated.",
    )
