from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from portfolio.admin.forms import ROLE_CHOICES, NewUserForm, RoleForm
from portfolio.admin.users import UserChangeRefused, change_role, set_active
from portfolio.auth.permissions import requires
from portfolio.extensions import db
from portfolio.htmx import is_partial, render
from portfolio.models import User

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _users() -> list[User]:
    return list(
        db.session.execute(
            db.select(User).options(db.joinedload(User.department)).order_by(User.display_name)
        ).scalars()
    )


@bp.route("/users", methods=["GET", "POST"])
@requires("manage_users")
def users():
    form = NewUserForm()
    status = 200
    if form.validate_on_submit():
        user = form.create_user()
        db.session.add(user)
        db.session.commit()
        flash(f"Account created for {user.display_name}.", "success")
        return redirect(url_for("admin.users"))
    if form.is_submitted():
        status = 422
    return render(
        "admin/users.html",
        users=_users(),
        form=form,
        role_choices=ROLE_CHOICES,
        status=status,
    )


@bp.post("/users/<int:user_id>/role")
@requires("manage_users")
def set_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    error = None
    if not form.validate():
        error = "Choose one of the listed roles."
    else:
        try:
            change_role(user, form.role.data, acting_admin=current_user)
            db.session.commit()
        except UserChangeRefused as refused:
            error = str(refused)
    return _user_row_answer(user, error)


@bp.post("/users/<int:user_id>/deactivate")
@requires("manage_users")
def deactivate(user_id: int):
    return _toggle_active(user_id, active=False)


@bp.post("/users/<int:user_id>/reactivate")
@requires("manage_users")
def reactivate(user_id: int):
    return _toggle_active(user_id, active=True)


def _toggle_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    error = None
    try:
        set_active(user, active, acting_admin=current_user)
        db.session.commit()
    except UserChangeRefused as refused:
        error = str(refused)
    return _user_row_answer(user, error)


def _user_row_answer(user: User, error: str | None):
    """htmx swaps the row in place; without JavaScript, back to the list."""
    db.session.refresh(user)
    if is_partial():
        return render(
            "admin/users.html",
            "user_row",
            user=user,
            row_error=error,
            role_choices=ROLE_CHOICES,
            status=422 if error else 200,
        )
    if error:
        flash(error, "error")
    else:
        flash(f"{user.display_name} updated.", "success")
    return redirect(url_for("admin.users"))
