"""Comments, satisfaction answers and the activity trail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portfolio.models.accounts import User
    from portfolio.models.catalogue import Product
    from portfolio.models.requests import Request
    from portfolio.models.roadmap import RoadmapItem


class Comment(db.Model):
    """A Markdown comment on exactly one product, request or roadmap item."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_request.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roadmap_item.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()
    product: Mapped[Product | None] = relationship()
    request: Mapped[Request | None] = relationship()
    item: Mapped[RoadmapItem | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN item_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_target",
        ),
    )

    def __repr__(self) -> str:
        return f"<Comment #{self.id}>"


class SatisfactionResponse(db.Model):
    """One user's 0–10 rating of a product for one quarter (e.g. '2026-Q4')."""

    __tablename__ = "satisfaction_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    quarter: Mapped[str] = mapped_column(sa.String(7))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.String(1000))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    product: Mapped[Product] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "product_id", "quarter"),
        sa.CheckConstraint("score >= 0 AND score <= 10", name="score_0_to_10"),
    )

    def __repr__(self) -> str:
        return f"<SatisfactionResponse {self.quarter} {self.score}>"


class Activity(db.Model):
    """Who changed what, when: the "what changed" trail."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    verb: Mapped[str] = mapped_column(sa.String(40))
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_request.id", ondelete="SET NULL"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roadmap_item.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[str | None] = mapped_column(sa.String(300))
    after: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
    product: Mapped[Product | None] = relationship()
    request: Mapped[Request | None] = relationship()
    item: Mapped[RoadmapItem | None] = relationship()

    def __repr__(self) -> str:
        return f"<Activity {self.verb} {self.subject!r}>"
