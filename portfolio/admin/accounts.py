"""Account administration: creating accounts, changing roles, deactivating and
reactivating. Each change validates, mutates and records its event in the
caller's transaction; the caller commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.auth.passwords import password_problem
from portfolio.models import Role, User, Verb
from portfolio.models.accounts import normalise_email


class UserChangeRefused(ValueError):
    """The change breaks an account rule (an administrator cannot demote or
    deactivate themselves; one account per email; the password rules)."""


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    department_id: int | None = None,
    actor: User | None = None,
) -> User:
    """A new account; `actor` is the administrator, or None from the command
    line and single sign-on."""
    email = normalise_email(email)
    if session.execute(User.by_email(email)).scalar_one_or_none() is not None:
        raise UserChangeRefused(f"An account with email {email} already exists.")
    problem = password_problem(password)
    if problem:
        raise UserChangeRefused(problem)
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        department_id=department_id,
    )
    user.set_password(password)
    session.add(user)
    record(session, actor, Verb.USER_CREATED, subject=user.display_name, after=role)
    return user


def change_role(session: Session, user: User, role: Role, actor: User) -> bool:
    """Give `user` the role `role`; False when it already had it (nothing recorded)."""
    if user.id == actor.id and role is not Role.ADMIN:
        raise UserChangeRefused("You cannot remove your own administrator role.")
    if user.role is role:
        return False
    before = user.role
    # Rights are read from the database on every request, so the change
    # applies to the user's open sessions at once.
    user.role = role
    record(session, actor, Verb.ROLE_CHANGED, subject=user.display_name, before=before, after=role)
    return True


def set_active(session: Session, user: User, active: bool, actor: User) -> bool:
    """Deactivate (ending every session) or reactivate `user`; False when it
    already was so (nothing recorded)."""
    if user.id == actor.id and not active:
        raise UserChangeRefused("You cannot deactivate your own account.")
    if user.active == active:
        return False
    if active:
        user.active = True
        record(session, actor, Verb.USER_REACTIVATED, subject=user.display_name)
    else:
        user.deactivate()
        record(session, actor, Verb.USER_DEACTIVATED, subject=user.display_name)
    return True
