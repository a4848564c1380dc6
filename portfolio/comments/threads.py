"""Comment threads: one reusable piece for products, requests and roadmap items."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.activity.trail import record
from portfolio.models import Comment, Product, Request, RoadmapItem, User, Verb
from portfolio.models.base import utcnow
from portfolio.notifications.watches import watch

# kind in the URL → (model, Comment column)
TARGETS = {
    "product": (Product, "product_id"),
    "request": (Request, "request_id"),
    "item": (RoadmapItem, "item_id"),
}


@dataclass
class Thread:
    kind: str
    target_id: int
    comments: list[Comment]
    form: object

    @property
    def dom_id(self) -> str:
        return f"comments-{self.kind}-{self.target_id}"


def comments_on(kind: str, target_id: int) -> sa.Select:
    _, column = TARGETS[kind]
    return (
        sa.select(Comment)
        .where(getattr(Comment, column) == target_id)
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )


def load_thread(session: Session, kind: str, target_id: int, form) -> Thread:
    comments = list(session.execute(comments_on(kind, target_id)).scalars())
    return Thread(kind=kind, target_id=target_id, comments=comments, form=form)


def thread_of(comment: Comment) -> tuple[str, int]:
    """The kind and id of what `comment` is on: ("request", 7)."""
    for kind, (_, column) in TARGETS.items():
        target_id = getattr(comment, column)
        if target_id is not None:
            return kind, target_id
    raise ValueError(f"{comment!r} is on nothing")


def comment_count(session: Session, kind: str, target_id: int) -> int:
    """How many comments the thread of `kind` / `target_id` holds."""
    _, column = TARGETS[kind]
    query = sa.select(sa.func.count()).where(getattr(Comment, column) == target_id)
    return session.execute(query).scalar_one()


def product_of(target) -> Product | None:
    return target if isinstance(target, Product) else getattr(target, "product", None)


def title_of(target) -> str:
    return getattr(target, "title", None) or getattr(target, "name", "")


def target_of(comment: Comment) -> Product | Request | RoadmapItem:
    """What `comment` is about."""
    return comment.product or comment.request or comment.item


def _record(
    session: Session, actor: User, verb: Verb, target, comment: Comment | None = None
) -> None:
    """The trail names what was commented on, not the comment: a removed or
    edited comment's words do not live on in the trail. The event's
    subscribers get the comment (its @mentions) without storing it."""
    record(
        session,
        actor,
        verb,
        subject=title_of(target),
        product=product_of(target),
        request=target if isinstance(target, Request) else None,
        item=target if isinstance(target, RoadmapItem) else None,
        comment=comment,
    )


def post_comment(session: Session, kind: str, target, author: User, body: str) -> Comment:
    """A new comment; commenting on a request watches it."""
    _, column = TARGETS[kind]
    comment = Comment(author=author, body=body, **{column: target.id})
    session.add(comment)
    _record(session, author, Verb.COMMENT_POSTED, target, comment)
    if isinstance(target, Request):
        watch(session, author, target)
    return comment


def edit_comment(session: Session, comment: Comment, body: str, actor: User) -> bool:
    """Change the comment's words; records the edit if they changed (returns whether)."""
    if body == comment.body:
        return False
    comment.earlier_body = comment.body
    comment.body = body
    comment.edited_at = utcnow()
    _record(session, actor, Verb.COMMENT_EDITED, target_of(comment), comment)
    return True


def remove_comment(session: Session, comment: Comment, actor: User) -> None:
    """Delete the comment (its author, or a moderator), and record who did."""
    _record(session, actor, Verb.COMMENT_REMOVED, target_of(comment))
    session.delete(comment)


def may_edit(comment: Comment, user: User) -> bool:
    return user.is_authenticated and comment.author_id == user.id and user.can("comment")


def may_delete(comment: Comment, user: User) -> bool:
    return user.is_authenticated and (comment.author_id == user.id or user.can("moderate_comments"))
