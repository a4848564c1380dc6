"""@mentions: how a comment names a person, and whom it names.

A person's handle is the local part of their email address, in lowercase:
`@priya.patel` names priya.patel@example.com. Handles are unambiguous as long
as no two people share a local part; when two do (two email domains), the bare
handle names nobody and the whole address does: `@priya.patel@example.com`.
The autocomplete (`suggestions`) offers exactly what to type. Only active
accounts are named. A mention renders as a `mailto:` link (portfolio.markdown)
and tells the person named (portfolio.notifications.audience).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.filters import like_pattern
from portfolio.markdown import MentionLink, mentioned_handles
from portfolio.models import User

MAX_MENTIONS = 20  # distinct handles looked up in one text
MAX_SUGGESTIONS = 8
MAX_QUERY_LENGTH = 60


def handle_of(email: str) -> str:
    return email.split("@", 1)[0].lower()


def _named_by(handles: list[str]) -> sa.ColumnElement[bool]:
    """Accounts whose address is one of the full handles, or starts with a bare one."""
    full = [handle for handle in handles if "@" in handle]
    conditions = [User.email.startswith(f"{h}@", autoescape=True) for h in handles if "@" not in h]
    if full:
        conditions.append(User.email.in_(full))
    return sa.or_(*conditions)


def resolve(session: Session, handles: Iterable[str]) -> dict[str, User]:
    """handle → the one active account it names (ambiguous or unknown handles
    name nobody). One query, for at most MAX_MENTIONS handles."""
    wanted = list(dict.fromkeys(handle.lower() for handle in handles))[:MAX_MENTIONS]
    if not wanted:
        return {}
    accounts = session.execute(sa.select(User).where(User.active, _named_by(wanted))).scalars()
    by_address: dict[str, User] = {}
    by_handle: dict[str, list[User]] = {}
    for user in accounts:
        by_address[user.email] = user
        by_handle.setdefault(handle_of(user.email), []).append(user)
    named = {}
    for handle in wanted:
        if "@" in handle:
            if handle in by_address:
                named[handle] = by_address[handle]
        elif len(by_handle.get(handle, [])) == 1:
            named[handle] = by_handle[handle][0]
    return named


def mentioned_people(session: Session, text: str | None) -> list[User]:
    """The active people `text` mentions, each once."""
    named = resolve(session, mentioned_handles(text))
    return list({user.id: user for user in named.values()}.values())


def mention_links(session: Session, text: str | None) -> dict[str, MentionLink]:
    """handle → link, for rendering `text` with its mentions as links."""
    return {
        handle: MentionLink(href=f"mailto:{user.email}", title=user.display_name)
        for handle, user in resolve(session, mentioned_handles(text)).items()
    }


@dataclass(frozen=True)
class Suggestion:
    user: User
    handle: str  # what to type after "@"


def suggestions(session: Session, query: str) -> list[Suggestion]:
    """Up to MAX_SUGGESTIONS active people whose name contains `query` or whose
    handle starts with it, by name; two queries whatever the directory's size."""
    query = query.strip().lstrip("@")[:MAX_QUERY_LENGTH]
    if not query:
        return []
    people = (
        session.execute(
            sa.select(User)
            .where(
                User.active,
                sa.or_(
                    User.display_name.ilike(like_pattern(query), escape="\\"),
                    User.email.startswith(query.lower(), autoescape=True),
                ),
            )
            .order_by(User.display_name, User.id)
            .limit(MAX_SUGGESTIONS)
        )
        .scalars()
        .all()
    )
    if not people:
        return []
    handles = list(dict.fromkeys(handle_of(user.email) for user in people))
    sharing = Counter(
        handle_of(email)
        for email in session.execute(
            sa.select(User.email).where(User.active, _named_by(handles))
        ).scalars()
    )
    return [
        Suggestion(
            user=user,
            handle=handle_of(user.email) if sharing[handle_of(user.email)] == 1 else user.email,
        )
        for user in people
    ]
