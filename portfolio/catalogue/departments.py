"""Departments: adding and editing them, each change recorded in the caller's
transaction (the caller commits)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.catalogue import limits
from portfolio.catalogue.changes import record_changes, snapshot
from portfolio.models import Department, User, Verb

DEPARTMENT_FIELDS = ("name", "head", "headcount")


def _check_headcount(headcount: int) -> None:
    if not 0 <= headcount <= limits.COUNT:
        raise ValueError(f"headcount must be from 0 to {limits.COUNT:,}, not {headcount}")


def create_department(
    session: Session, actor: User, *, name: str, head: str | None, headcount: int
) -> Department:
    _check_headcount(headcount)
    department = Department(name=name, head=head, headcount=headcount)
    session.add(department)
    record(
        session,
        actor,
        Verb.DEPARTMENT_CREATED,
        subject=department.name,
        after=f"{headcount:,} people" + (f", head {head}" if head else ""),
    )
    return department


def edit_department(
    session: Session,
    actor: User,
    department: Department,
    *,
    name: str,
    head: str | None,
    headcount: int,
) -> None:
    """Records the fields that changed, or nothing when none did."""
    _check_headcount(headcount)
    before = snapshot(department, DEPARTMENT_FIELDS)
    department.name, department.head, department.headcount = name, head, headcount
    record_changes(
        session,
        actor,
        Verb.DEPARTMENT_EDITED,
        before=before,
        after=snapshot(department, DEPARTMENT_FIELDS),
        subject=department.name,
    )
