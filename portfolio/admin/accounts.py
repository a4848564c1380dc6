"""Account administration: creating accounts, changing roles, deactivating and
reactivating. Each change validates, mutates and records its event in the
caller's transaction; the caller commits."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.auth.passwords import password_problem
from portfolio.models import ApiToken, Role, User, Verb
from portfolio.models.accounts import normalise_email
from portfolio.models.base import utcnow


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


LAST_ADMIN = "Portfolio needs at least one active administrator: make someone else one first."


def lock_administrators(session: Session, user: User, actor: User) -> set[int]:
    """Lock the active administrators' rows (in id order, so two changes cannot
    deadlock) and answer their ids, read after the lock: two admins demoting
    each other at the same instant are serialised, and the second sees the
    first's change. Refuses an actor who is no longer an administrator.
    (SQLite takes its write lock at BEGIN IMMEDIATE; FOR UPDATE is PostgreSQL's.)"""
    # One statement locks (and reloads) the administrators and the target.
    locked = session.execute(
        sa.select(User)
        .where(sa.or_(sa.and_(User.role == Role.ADMIN, User.active.is_(True)), User.id == user.id))
        .order_by(User.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    admins = {row.id for row in locked if row.role is Role.ADMIN and row.active}
    if actor.id not in admins:
        raise UserChangeRefused("Only an active administrator can change accounts.")
    return admins


def change_role(session: Session, user: User, role: Role, actor: User) -> bool:
    """Give `user` the role `role`; False when it already had it (nothing recorded)."""
    if user.id == actor.id and role is not Role.ADMIN:
        raise UserChangeRefused("You cannot remove your own administrator role.")
    admins = lock_administrators(session, user, actor)
    if user.role is role:
        return False
    if user.id in admins and role is not Role.ADMIN and len(admins) == 1:
        raise UserChangeRefused(LAST_ADMIN)
    return set_role(session, user, role, actor)


def set_role(session: Session, user: User, role: Role, actor: User | None) -> bool:
    """Give `user` the role `role` and record it, without the administrators'
    rules: `change_role` checks those first; sign-in through the identity
    provider (actor None) applies the role the provider's groups give."""
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
    admins = lock_administrators(session, user, actor)
    if user.active == active:
        return False
    if active:
        user.active = True
        record(session, actor, Verb.USER_REACTIVATED, subject=user.display_name)
    else:
        if user.id in admins and len(admins) == 1:
            raise UserChangeRefused(LAST_ADMIN)
        user.deactivate()
        # A leaver's tokens die with the account and stay dead if it is reactivated.
        revoked = revoke_all_tokens(session, user)
        record(
            session,
            actor,
            Verb.USER_DEACTIVATED,
            subject=user.display_name,
            after=f"{revoked} API token(s) revoked" if revoked else None,
        )
    return True


def revoke_all_tokens(session: Session, user: User) -> int:
    """Revoke every live API token of `user`; answers how many."""
    result = session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount
