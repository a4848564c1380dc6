"""Comment threads: one reusable piece for products, requests and roadmap items."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import Session, joinedload

from portfolio.activity.trail import record
from portfolio.models import Comment, Product, Request, RoadmapItem, User
from portfolio.models.base import utcnow

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

    @property
    def post_url(self) -> str:
        return url_for("comments.create", kind=self.kind, target_id=self.target_id)


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


def load_target(session: Session, kind: str, target_id: int):
    model, _ = TARGETS[kind]
    return session.get(model, target_id)


def product_of(target) -> Product | None:
    return target if isinstance(target, Product) else getattr(target, "product", None)


def title_of(target) -> str:
    return getattr(target, "title", None) or getattr(target, "name", "")


def post_comment(session: Session, kind: str, target, author: User, body: str) -> Comment:
    _, column = TARGETS[kind]
    comment = Comment(author=author, body=body, **{column: target.id})
    session.add(comment)
    record(
        session,
        author,
        "comment_posted",
        subject=title_of(target),
        product=product_of(target),
        request=target if isinstance(target, Request) else None,
        item=target if isinstance(target, RoadmapItem) else None,
    )
    return comment


def edit_comment(comment: Comment, body: str) -> None:
    if body != comment.body:
        comment.body = body
        comment.edited_at = utcnow()


def may_edit(comment: Comment, user: User) -> bool:
    return user.is_authenticated and comment.author_id == user.id and user.can("comment")


def may_delete(comment: Comment, user: User) -> bool:
    return user.is_authenticated and (comment.author_id == user.id or user.can("moderate_comments"))


def target_url(comment: Comment) -> str:
    if comment.request_id:
        return url_for("requests.show", request_id=comment.request_id) + f"#comment-{comment.id}"
    if comment.item_id:
        return url_for("board.show", item_id=comment.item_id) + f"#comment-{comment.id}"
    product = comment.product
    return url_for("catalogue.show", slug=product.slug) + f"#comment-{comment.id}"
