"""The roadmap board: items in Now / Next / Later / Shipped, ranked within a column."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.markdown import stored_markup
from portfolio.models.base import LabelledEnum, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portfolio.models.accounts import User
    from portfolio.models.catalogue import Product, SuccessMeasure
    from portfolio.models.requests import Request


class Column(LabelledEnum):
    NOW = "now", "Now"
    NEXT = "next", "Next"
    LATER = "later", "Later"
    SHIPPED = "shipped", "Shipped"

    @property
    def position(self) -> int:
        return list(Column).index(self)


# Ranks compare as plain bytes everywhere: PostgreSQL gets the "C" collation so
# its locale never reorders them.
RankType = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")

IMPACT_CHOICES = (0.25, 0.5, 1.0, 2.0, 3.0)
# How long after shipping a card's measure is given before it is judged.
DEFAULT_OBSERVATION_DAYS = 60
MIN_OBSERVATION_DAYS, MAX_OBSERVATION_DAYS = 1, 730
CONFIDENCE_CHOICES = (50, 80, 100)

roadmap_item_request = sa.Table(
    "roadmap_item_request",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("roadmap_item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "request_id",
        sa.ForeignKey("product_request.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class RoadmapItem(db.Model):
    __tablename__ = "roadmap_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Rendered once when saved (portfolio.stored_markdown), never per view.
    description_html: Mapped[str | None] = mapped_column(sa.Text)
    # "column" is an SQL keyword, so the database calls it board_column.
    column: Mapped[Column] = mapped_column(
        "board_column", enum_column(Column), default=Column.LATER
    )
    rank: Mapped[str] = mapped_column(RankType)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # RICE inputs; the score is derived (see score), never stored.
    reach: Mapped[int] = mapped_column(default=0)
    impact: Mapped[float] = mapped_column(sa.Float, default=1.0)
    confidence: Mapped[int] = mapped_column(default=80)
    effort: Mapped[float] = mapped_column(sa.Float, default=1.0)
    hours_saved_per_month: Mapped[float] = mapped_column(sa.Float, default=0.0)
    cost_saved_per_year: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0"))
    measure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("success_measure.id", ondelete="SET NULL"), index=True
    )
    expected_change: Mapped[float | None] = mapped_column(sa.Float)
    shipped_on: Mapped[date | None] = mapped_column(sa.Date)
    observation_days: Mapped[int] = mapped_column(
        default=DEFAULT_OBSERVATION_DAYS, server_default=str(DEFAULT_OBSERVATION_DAYS)
    )
    release_note: Mapped[str | None] = mapped_column(sa.Text)
    release_note_html: Mapped[str | None] = mapped_column(sa.Text)
    markdown_version: Mapped[int | None]
    # Optimistic locking: every UPDATE checks and bumps it, so a move made
    # against a stale card is refused instead of silently overwriting.
    version: Mapped[int] = mapped_column(default=1)
    moved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    moved_by: Mapped[User | None] = relationship(foreign_keys=[moved_by_id])
    measure: Mapped[SuccessMeasure | None] = relationship()
    requests: Mapped[list[Request]] = relationship(
        secondary=roadmap_item_request, order_by="Request.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("board_column", "rank"),
        # The dashboard's latest shipped cards, read from the index, not sorted.
        sa.Index("ix_roadmap_item_column_shipped_on", "board_column", "shipped_on"),
        sa.CheckConstraint("effort > 0", name="effort_positive"),
        sa.CheckConstraint("reach >= 0", name="reach_not_negative"),
        sa.CheckConstraint("confidence IN (50, 80, 100)", name="confidence_choice"),
        sa.CheckConstraint("impact IN (0.25, 0.5, 1, 2, 3)", name="impact_choice"),
        sa.CheckConstraint(
            f"observation_days BETWEEN {MIN_OBSERVATION_DAYS} AND {MAX_OBSERVATION_DAYS}",
            name="observation_window_bounded",
        ),
    )

    def __repr__(self) -> str:
        return f"<RoadmapItem #{self.id} {self.column.value}:{self.rank} {self.title!r}>"

    @property
    def description_markup(self) -> Markup:
        return stored_markup(self.description_html, self.description)

    @property
    def release_note_markup(self) -> Markup:
        return stored_markup(self.release_note_html, self.release_note)

    @property
    def score(self) -> float:
        """RICE: reach × impact × confidence ÷ effort."""
        return rice_score(self.reach, self.impact, self.confidence, self.effort)

    @property
    def is_shipped(self) -> bool:
        return self.column is Column.SHIPPED


def rice_score(reach: float, impact: float, confidence: float, effort: float) -> float:
    return reach * impact * (confidence / 100) / effort


class ColumnLimit(db.Model):
    """A work-in-progress limit for a board column."""

    __tablename__ = "column_limit"

    column: Mapped[Column] = mapped_column("board_column", enum_column(Column), primary_key=True)
    wip_limit: Mapped[int | None]

    __table_args__ = (
        sa.CheckConstraint("wip_limit IS NULL OR wip_limit > 0", name="limit_positive"),
    )

    def __repr__(self) -> str:
        return f"<ColumnLimit {self.column.value}={self.wip_limit}>"
