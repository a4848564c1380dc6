"""Account administration rules (who an admin may change, and how)."""

from __future__ import annotations

from portfolio.models import Role, User


class UserChangeRefused(ValueError):
    """The change would leave the instance without a working administrator."""


def change_role(user: User, role_value: str, acting_admin: User) -> None:
    role = Role(role_value)
    if user.id == acting_admin.id and role is not Role.ADMIN:
        raise UserChangeRefused("You cannot remove your own administrator role.")
    # Rights are read from the database on every request, so the change
    # applies to the user's open sessions at once.
    user.role = role


def set_active(user: User, active: bool, acting_admin: User) -> None:
    if user.id == acting_admin.id and not active:
        raise UserChangeRefused("You cannot deactivate your own account.")
    if active:
        user.active = True
    elif user.active:
        user.deactivate()
