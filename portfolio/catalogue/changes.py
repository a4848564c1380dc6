"""Recording an edit: which fields changed, from what, to what.

An edit snapshots the fields it may change (`snapshot`), changes them, and
calls `record_changes`, which records one event listing only the fields whose
value differs ("summary: Old text; vendor: —" → "summary: New text; vendor:
Acme"), or nothing when the save changed nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import Enum

from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.models import Activity, Product, User, Verb


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, object]:
    """The current value of each of `fields` of `obj` (None for an absent object)."""
    return {name: getattr(obj, name) if obj is not None else None for name in fields}


def text_of(value: object) -> str:
    """How a field's value reads in the trail."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return getattr(value, "label", value.value)
    if isinstance(value, list | tuple):
        return ", ".join(str(part) for part in value)
    if isinstance(value, date):
        return f"{value:%d %b %Y}"
    return str(value)


def _blank(value: object) -> object:
    """None and empty text are the same "nothing" to a reader."""
    return None if value == "" else value


def changed_fields(before: dict[str, object], after: dict[str, object]) -> list[str]:
    return [name for name in after if _blank(before.get(name)) != _blank(after[name])]


def describe(values: dict[str, object], fields: list[str]) -> str:
    return "; ".join(f"{name.replace('_', ' ')}: {text_of(values.get(name))}" for name in fields)


def record_changes(
    session: Session,
    actor: User | None,
    verb: Verb,
    *,
    before: dict[str, object],
    after: dict[str, object],
    subject: str,
    product: Product | None = None,
) -> Activity | None:
    """Record `verb` with the fields that changed between the two snapshots;
    None (and nothing recorded) when none did."""
    fields = changed_fields(before, after)
    if not fields:
        return None
    return record(
        session,
        actor,
        verb,
        subject=subject,
        product=product,
        before=describe(before, fields),
        after=describe(after, fields),
    )
