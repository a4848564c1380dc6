"""Who follows what: products, requests and roadmap items (cards).

- A request is followed by its requester, its voters, its commenters and
  whoever watches it; raising, voting on or commenting on it also writes a
  watch (`watch`), so following it survives the vote being withdrawn.
- A product or a card is followed by its owner and whoever watches it.
- Unwatching writes a muted watch: the person then hears nothing more about
  it, whatever their part in it, until they watch it again (or vote or
  comment again, which watches it).

The follower queries take many targets at once, so telling the followers of
an event costs one query per kind of target, however many people follow.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.models import Comment, Product, Request, RoadmapItem, User, Vote, Watch

Target = Product | Request | RoadmapItem

# kind in URLs and watch keys → (model, Watch column)
KINDS: dict[str, tuple[type, str]] = {
    "product": (Product, "product_id"),
    "request": (Request, "request_id"),
    "item": (RoadmapItem, "item_id"),
}


def kind_of(target: Target) -> str:
    for kind, (model, _) in KINDS.items():
        if isinstance(target, model):
            return kind
    raise TypeError(f"nothing to watch in {target!r}")


def target_key(kind: str, target_id: int) -> str:
    return f"{kind}:{target_id}"


def _set_watch(session: Session, user: User, target: Target, *, muted: bool) -> None:
    kind = kind_of(target)
    key = target_key(kind, target.id)
    mine = sa.and_(Watch.user_id == user.id, Watch.target_key == key)
    existing = session.execute(sa.select(Watch).where(mine)).scalar_one_or_none()
    if existing is not None:
        existing.muted = muted
        return
    try:
        with session.begin_nested():
            session.add(
                Watch(user_id=user.id, target_key=key, muted=muted, **{KINDS[kind][1]: target.id})
            )
    except IntegrityError:  # watched at the same moment from another tab
        session.execute(sa.update(Watch).where(mine).values(muted=muted))


def watch(session: Session, user: User, target: Target) -> None:
    """`user` follows `target` (again, if they had unwatched it)."""
    _set_watch(session, user, target, muted=False)


def unwatch(session: Session, user: User, target: Target) -> None:
    """`user` hears nothing more about `target`, whatever their part in it."""
    _set_watch(session, user, target, muted=True)


def _participants(kind: str, target_ids: list[int]) -> list[sa.Select]:
    """(user_id, target_id) of the people who follow targets without a watch."""
    if kind == "request":
        return [
            sa.select(Request.requester_id, Request.id).where(
                Request.id.in_(target_ids), Request.requester_id.is_not(None)
            ),
            sa.select(Vote.user_id, Vote.request_id).where(Vote.request_id.in_(target_ids)),
            sa.select(Comment.author_id, Comment.request_id).where(
                Comment.request_id.in_(target_ids), Comment.author_id.is_not(None)
            ),
        ]
    model = KINDS[kind][0]
    return [
        sa.select(model.owner_id, model.id).where(
            model.id.in_(target_ids), model.owner_id.is_not(None)
        )
    ]


def followers(session: Session, kind: str, target_ids: Iterable[int]) -> dict[int, int]:
    """user id → the first of `target_ids` that user follows (one query)."""
    ids = sorted(set(target_ids))
    if not ids:
        return {}
    column = getattr(Watch, KINDS[kind][1])
    not_muted = sa.literal(False, sa.Boolean)
    parts = [query.add_columns(not_muted.label("muted")) for query in _participants(kind, ids)] + [
        sa.select(Watch.user_id, column, Watch.muted).where(column.in_(ids))
    ]
    rows = session.execute(sa.union(*parts)).all()
    muted = {(user_id, target_id) for user_id, target_id, is_muted in rows if is_muted}
    following: dict[int, int] = {}
    for user_id, target_id, is_muted in sorted(rows, key=lambda row: row[1]):
        if not is_muted and (user_id, target_id) not in muted:
            following.setdefault(user_id, target_id)
    return following


def is_watching(session: Session, user: User, target: Target) -> bool:
    """Whether `user` follows `target` (one query)."""
    kind = kind_of(target)
    own = sa.select(Watch.muted).where(
        Watch.user_id == user.id, Watch.target_key == target_key(kind, target.id)
    )
    conditions = [
        query.where(query.selected_columns[0] == user.id)
        for query in _participants(kind, [target.id])
    ]
    muted, takes_part = session.execute(
        sa.select(
            own.scalar_subquery(),
            sa.or_(*(sa.exists(query) for query in conditions)),
        )
    ).one()
    if muted is not None:
        return not muted
    return bool(takes_part)


def follow_original(session: Session, duplicate: Request, original: Request) -> None:
    """Whoever follows `duplicate` now follows `original` too (unless they
    unwatched it): two queries and one insert, however many they are."""
    people = set(followers(session, "request", [duplicate.id]))
    if not people:
        return
    key = target_key("request", original.id)
    decided = set(
        session.execute(
            sa.select(Watch.user_id).where(Watch.target_key == key, Watch.user_id.in_(people))
        ).scalars()
    )
    session.add_all(
        Watch(user_id=user_id, request_id=original.id, target_key=key)
        for user_id in sorted(people - decided)
    )
