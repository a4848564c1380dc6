"""Architecture, cost and risk (#18): what depends on what, which data flows
between products, the business capabilities they serve, and how well each
product fits (functionally and technically) over time.

Lifecycle dates, run cost and review cadence are columns of `Product`
(models/catalogue.py); the TIME classification is derived from the latest
`FitAssessment` by `time_class`, never stored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.models.base import LabelledEnum, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portfolio.models.accounts import User
    from portfolio.models.catalogue import Product

# Fit is assessed on a four-point scale: 1 poor, 2 fair, 3 good, 4 excellent.
MIN_FIT, MAX_FIT = 1, 4
FIT_LABELS = {1: "Poor", 2: "Fair", 3: "Good", 4: "Excellent"}


class InterfaceMethod(LabelledEnum):
    """How data travels from the provider to the consumer."""

    API = "api", "API"
    FILE = "file", "File transfer"
    EVENT = "event", "Events / messages"
    MANUAL = "manual", "Manual (re-keyed)"


class InterfaceFrequency(LabelledEnum):
    REAL_TIME = "real_time", "Real time"
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    ON_DEMAND = "on_demand", "On demand"


class TimeClass(LabelledEnum):
    """Gartner's TIME: what to do with an application, from its two fits."""

    TOLERATE = "tolerate", "Tolerate"  # technically sound, functionally weak
    INVEST = "invest", "Invest"  # good on both
    MIGRATE = "migrate", "Migrate"  # functionally good, technically weak
    ELIMINATE = "eliminate", "Eliminate"  # weak on both


def time_class(functional_fit: int, technical_fit: int) -> TimeClass:
    """The TIME quadrant of a product assessed at these fits (1–4; 3 and 4 are good)."""
    functional_good, technical_good = functional_fit >= 3, technical_fit >= 3
    if functional_good and technical_good:
        return TimeClass.INVEST
    if functional_good:
        return TimeClass.MIGRATE
    if technical_good:
        return TimeClass.TOLERATE
    return TimeClass.ELIMINATE


class ProductDependency(db.Model):
    """`product` needs `depends_on` to work (it breaks if that one goes)."""

    __tablename__ = "product_dependency"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    depends_on_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(sa.String(280), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(foreign_keys=[product_id])
    depends_on: Mapped[Product] = relationship(foreign_keys=[depends_on_id])

    __table_args__ = (
        sa.UniqueConstraint("product_id", "depends_on_id"),
        sa.CheckConstraint("product_id <> depends_on_id", name="not_own_dependency"),
    )


class Interface(db.Model):
    """Data flowing from a provider product to a consumer product."""

    __tablename__ = "interface"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    consumer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[str] = mapped_column(sa.String(200))  # what flows: "Invoices", "Employee records"
    method: Mapped[InterfaceMethod] = mapped_column(enum_column(InterfaceMethod))
    frequency: Mapped[InterfaceFrequency] = mapped_column(enum_column(InterfaceFrequency))
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    provider: Mapped[Product] = relationship(foreign_keys=[provider_id])
    consumer: Mapped[Product] = relationship(foreign_keys=[consumer_id])
    owner: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("provider_id", "consumer_id", "data"),
        sa.CheckConstraint("provider_id <> consumer_id", name="not_own_interface"),
    )


product_capability = sa.Table(
    "product_capability",
    db.metadata,
    sa.Column("product_id", sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "capability_id",
        sa.ForeignKey("capability.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Capability(db.Model):
    """A business capability ("Order to cash" → "Invoice"): a tree edited by
    admins; products map to the capabilities they serve."""

    __tablename__ = "capability"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("capability.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    position: Mapped[int] = mapped_column(default=0)  # order among its siblings

    parent: Mapped[Capability | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Capability]] = relationship(
        back_populates="parent",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(Capability.position, Capability.name)",
    )
    products: Mapped[list[Product]] = relationship(
        secondary=product_capability, order_by="Product.name", viewonly=True
    )

    __table_args__ = (
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )


class FitAssessment(db.Model):
    """A PM's judgement of a product's functional and technical fit on a day;
    the latest one is the product's current fit, the rest its history."""

    __tablename__ = "fit_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    functional_fit: Mapped[int] = mapped_column(sa.SmallInteger)
    technical_fit: Mapped[int] = mapped_column(sa.SmallInteger)
    assessed_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    assessed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship()
    assessed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_fit_assessment_product_latest", "product_id", "assessed_on", "id"),
        sa.CheckConstraint(
            f"functional_fit BETWEEN {MIN_FIT} AND {MAX_FIT}", name="functional_fit_range"
        ),
        sa.CheckConstraint(
            f"technical_fit BETWEEN {MIN_FIT} AND {MAX_FIT}", name="technical_fit_range"
        ),
    )

    @property
    def time_class(self) -> TimeClass:
        return time_class(self.functional_fit, self.technical_fit)
