"""Colleagues' requests against products, and their votes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.markdown import stored_markup
from portfolio.models.base import LabelledEnum, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portfolio.models.accounts import User
    from portfolio.models.catalogue import Department, Product


class RequestStatus(LabelledEnum):
    NEW = "new", "New"
    UNDER_REVIEW = "under_review", "Under review"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"
    DUPLICATE = "duplicate", "Duplicate"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset(
    {
        RequestStatus.NEW,
        RequestStatus.UNDER_REVIEW,
        RequestStatus.PLANNED,
        RequestStatus.IN_PROGRESS,
    }
)


class Request(db.Model):
    """A colleague's ask against a product."""

    __tablename__ = "product_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Rendered once when saved (portfolio.stored_markdown), never per view.
    description_html: Mapped[str | None] = mapped_column(sa.Text)
    markdown_version: Mapped[int | None]
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    requester_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus), default=RequestStatus.NEW, index=True
    )
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_request.id", ondelete="SET NULL"), index=True
    )
    # The card whose shipping marked this request shipped, and the status it
    # had then: reopening that card puts the request back (and only then).
    shipped_by_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roadmap_item.id", ondelete="SET NULL"), index=True
    )
    status_before_ship: Mapped[RequestStatus | None] = mapped_column(
        enum_column(RequestStatus, name="status_before_ship")
    )
    # Votes on this request, kept equal to its Vote rows by every domain function
    # that adds, withdraws or moves votes (requests.votes): sorting by votes and
    # the demand rollups read it instead of counting every vote on every page.
    vote_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship()
    department: Mapped[Department | None] = relationship()
    requester: Mapped[User | None] = relationship()
    duplicate_of: Mapped[Request | None] = relationship(remote_side=[id])
    votes: Mapped[list[Vote]] = relationship(
        back_populates="request", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint(
            "status <> 'declined' OR decline_reason IS NOT NULL", name="declined_needs_reason"
        ),
        sa.CheckConstraint(
            "duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_duplicate_of_itself"
        ),
        sa.CheckConstraint("vote_count >= 0", name="vote_count_not_negative"),
        sa.Index("ix_product_request_vote_count", "vote_count", "id"),
    )

    def __repr__(self) -> str:
        return f"<Request #{self.id} {self.title!r}>"

    @property
    def description_markup(self) -> Markup:
        return stored_markup(self.description_html, self.description)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Vote(db.Model):
    __tablename__ = "vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("product_request.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[Request] = relationship(back_populates="votes")
    user: Mapped[User] = relationship()

    # One vote per user per request, enforced by the database, so a double
    # click or two tabs can never count twice.
    __table_args__ = (sa.UniqueConstraint("request_id", "user_id"),)

    def __repr__(self) -> str:
        return f"<Vote request={self.request_id} user={self.user_id}>"
