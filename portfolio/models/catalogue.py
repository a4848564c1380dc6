"""The organisation's departments and internal products, and what they promise."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.models.base import LabelledEnum, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portfolio.models.accounts import User
    from portfolio.models.architecture import Capability

# Bounds of the #18 run-cost and review fields (the forms say the same).
MAX_TEAM_FTE = 1000
MAX_YEARLY_COST = 10**11
MAX_REVIEW_MONTHS = 36
DEFAULT_REVIEW_MONTHS = 6


class Category(LabelledEnum):
    CRM = "crm", "CRM"
    ERP = "erp", "ERP"
    WMS = "wms", "WMS"
    HRIS = "hris", "HRIS"
    ACCOUNTING = "accounting", "Accounting"
    BI = "bi", "BI"
    MESSAGING = "messaging", "Messaging"
    FACILITIES = "facilities", "Facilities"
    MONITORING = "monitoring", "Monitoring"
    SECURITY = "security", "Security"
    OTHER = "other", "Other"


class Stage(LabelledEnum):
    IDEA = "idea", "Idea"
    DISCOVERY = "discovery", "Discovery"
    BUILDING = "building", "Building"
    LIVE = "live", "Live"
    SUNSETTING = "sunsetting", "Sunsetting"
    RETIRED = "retired", "Retired"


class Sourcing(LabelledEnum):
    BUILT = "built", "Built in-house"
    BOUGHT = "bought", "Bought"
    HYBRID = "hybrid", "Hybrid"


class UsageLevel(LabelledEnum):
    PRIMARY = "primary", "Primary"
    OCCASIONAL = "occasional", "Occasional"


class Unit(LabelledEnum):
    MINUTES = "minutes", "minutes"
    HOURS = "hours", "hours"
    DAYS = "days", "days"
    CURRENCY = "currency", "currency"
    PERCENT = "percent", "%"
    SCORE = "score", "score"
    COUNT = "count", "count"
    OTHER = "other", "other (name it)"  # the measure's unit_label names it


UNIT_LABEL_LENGTH = 20


# The notice a vendor contract asks for before its renewal: up to two years.
MIN_NOTICE_DAYS, MAX_NOTICE_DAYS = 0, 730


class CorrectionKind(LabelledEnum):
    CORRECTED = "corrected", "Corrected"
    DELETED = "deleted", "Deleted"


class Direction(LabelledEnum):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    head: Mapped[str | None] = mapped_column(sa.String(120))
    headcount: Mapped[int] = mapped_column(default=0)

    members: Mapped[list[User]] = relationship(back_populates="department")
    usages: Mapped[list[Usage]] = relationship(
        back_populates="department", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (sa.CheckConstraint("headcount >= 0", name="headcount_not_negative"),)

    def __repr__(self) -> str:
        return f"<Department {self.name}>"


product_tag = sa.Table(
    "product_tag",
    db.metadata,
    sa.Column("product_id", sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class Product(db.Model):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[Category] = mapped_column(enum_column(Category))
    summary: Mapped[str] = mapped_column(sa.String(280), default="")
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), default=Stage.IDEA, index=True)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    sourcing: Mapped[Sourcing] = mapped_column(enum_column(Sourcing), default=Sourcing.BUILT)
    vendor: Mapped[str | None] = mapped_column(sa.String(120))
    docs_url: Mapped[str | None] = mapped_column(sa.String(500))
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    prd_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Retiring records when and why; a sunsetting or retired product may name
    # the product that replaces it.
    retired_on: Mapped[date | None] = mapped_column(sa.Date)
    retirement_reason: Mapped[str | None] = mapped_column(sa.String(500))
    successor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    # Lifecycle dates (#18), planned and actual, for the portfolio timeline; the
    # vendor's end of support for bought and hybrid products.
    phase_in_planned: Mapped[date | None] = mapped_column(sa.Date)
    phase_in_actual: Mapped[date | None] = mapped_column(sa.Date)
    live_planned: Mapped[date | None] = mapped_column(sa.Date)
    live_actual: Mapped[date | None] = mapped_column(sa.Date)
    phase_out_planned: Mapped[date | None] = mapped_column(sa.Date)
    phase_out_actual: Mapped[date | None] = mapped_column(sa.Date)
    end_of_life_planned: Mapped[date | None] = mapped_column(sa.Date)
    end_of_life_actual: Mapped[date | None] = mapped_column(sa.Date)
    end_of_support: Mapped[date | None] = mapped_column(sa.Date)
    # Internal run cost (#18) of built and hybrid products: the team in
    # full-time equivalents (× the configured yearly rate) plus infrastructure a year.
    team_fte: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    infrastructure_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    # Review cadence (#18): the owner confirms the entry is still accurate.
    review_every_months: Mapped[int] = mapped_column(
        default=DEFAULT_REVIEW_MONTHS, server_default=str(DEFAULT_REVIEW_MONTHS)
    )
    reviewed_on: Mapped[date | None] = mapped_column(sa.Date)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    capabilities: Mapped[list[Capability]] = relationship(
        secondary="product_capability", order_by="Capability.name", viewonly=True
    )
    successor: Mapped[Product | None] = relationship(remote_side=[id])
    tags: Mapped[list[Tag]] = relationship(secondary=product_tag, order_by=Tag.name)
    usages: Mapped[list[Usage]] = relationship(
        back_populates="product", cascade="all, delete-orphan", passive_deletes=True
    )
    value_proposition: Mapped[ValueProposition | None] = relationship(
        back_populates="product", cascade="all, delete-orphan", passive_deletes=True
    )
    measures: Mapped[list[SuccessMeasure]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SuccessMeasure.id",
    )
    contract: Mapped[Contract | None] = relationship(
        back_populates="product", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint("successor_id IS NULL OR successor_id <> id", name="not_own_successor"),
        sa.CheckConstraint(
            f"team_fte IS NULL OR team_fte BETWEEN 0 AND {MAX_TEAM_FTE}", name="team_fte_range"
        ),
        sa.CheckConstraint(
            f"infrastructure_cost IS NULL OR infrastructure_cost BETWEEN 0 AND {MAX_YEARLY_COST}",
            name="infrastructure_cost_range",
        ),
        sa.CheckConstraint(
            f"review_every_months BETWEEN 1 AND {MAX_REVIEW_MONTHS}", name="review_cadence_range"
        ),
    )

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"

    @property
    def is_retired(self) -> bool:
        return self.stage is Stage.RETIRED

    @property
    def has_contract_terms(self) -> bool:
        """Bought and hybrid products have a vendor contract to track."""
        return self.sourcing in (Sourcing.BOUGHT, Sourcing.HYBRID)

    @property
    def active_users(self) -> int:
        return sum(usage.users for usage in self.usages)

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]


class Usage(db.Model):
    """A department uses a product, at some level, with about this many people."""

    __tablename__ = "usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[UsageLevel] = mapped_column(enum_column(UsageLevel), default=UsageLevel.PRIMARY)
    users: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="usages")
    department: Mapped[Department] = relationship(back_populates="usages")

    __table_args__ = (
        sa.UniqueConstraint("product_id", "department_id"),
        sa.CheckConstraint("users >= 0", name="users_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<Usage product={self.product_id} department={self.department_id}>"


class ValueProposition(db.Model):
    __tablename__ = "value_proposition"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), unique=True
    )
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    for_whom: Mapped[str] = mapped_column(sa.Text, default="")
    value: Mapped[str] = mapped_column(sa.Text, default="")
    replaces: Mapped[str] = mapped_column(sa.Text, default="")

    product: Mapped[Product] = relationship(back_populates="value_proposition")

    def __repr__(self) -> str:
        return f"<ValueProposition product={self.product_id}>"

    @property
    def is_empty(self) -> bool:
        return not any((self.problem, self.for_whom, self.value, self.replaces))


class SuccessMeasure(db.Model):
    __tablename__ = "success_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    unit: Mapped[Unit] = mapped_column(enum_column(Unit))
    # What Unit.OTHER measures ("tickets", "NPS points"); empty for the others.
    unit_label: Mapped[str | None] = mapped_column(sa.String(UNIT_LABEL_LENGTH))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    baseline: Mapped[float] = mapped_column(sa.Float)
    baseline_date: Mapped[date] = mapped_column(sa.Date)
    target: Mapped[float] = mapped_column(sa.Float)
    target_date: Mapped[date] = mapped_column(sa.Date)

    product: Mapped[Product] = relationship(back_populates="measures")
    readings: Mapped[list[Reading]] = relationship(
        back_populates="measure",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Reading.taken_on",
    )

    __table_args__ = (
        sa.UniqueConstraint("product_id", "name"),
        sa.CheckConstraint("baseline <> target", name="target_differs_from_baseline"),
        sa.CheckConstraint("target_date > baseline_date", name="target_after_baseline"),
    )

    def __repr__(self) -> str:
        return f"<SuccessMeasure {self.name}>"

    @property
    def latest_reading(self) -> Reading | None:
        return self.readings[-1] if self.readings else None


class Reading(db.Model):
    __tablename__ = "reading"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("success_measure.id", ondelete="CASCADE"))
    taken_on: Mapped[date] = mapped_column(sa.Date)
    value: Mapped[float] = mapped_column(sa.Float)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    measure: Mapped[SuccessMeasure] = relationship(back_populates="readings")
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("measure_id", "taken_on"),)

    def __repr__(self) -> str:
        return f"<Reading {self.taken_on} {self.value}>"


class ReadingCorrection(db.Model):
    """A reading as it was before someone corrected or deleted it, and who
    did: the measure's history keeps every correction."""

    __tablename__ = "reading_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("success_measure.id", ondelete="CASCADE"), index=True
    )
    # None once the reading is deleted (the old values stay here).
    reading_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reading.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[CorrectionKind] = mapped_column(enum_column(CorrectionKind))
    old_taken_on: Mapped[date] = mapped_column(sa.Date)
    old_value: Mapped[float] = mapped_column(sa.Float)
    old_note: Mapped[str | None] = mapped_column(sa.String(500))
    new_taken_on: Mapped[date | None] = mapped_column(sa.Date)
    new_value: Mapped[float | None] = mapped_column(sa.Float)
    new_note: Mapped[str | None] = mapped_column(sa.String(500))
    corrected_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    measure: Mapped[SuccessMeasure] = relationship()
    reading: Mapped[Reading | None] = relationship()
    corrected_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReadingCorrection {self.kind.value} {self.old_taken_on} {self.old_value}>"


class Contract(db.Model):
    """The vendor contract of a bought or hybrid product."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), unique=True
    )
    vendor: Mapped[str] = mapped_column(sa.String(120))
    annual_cost: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    seats_bought: Mapped[int] = mapped_column(default=0)
    renewal_date: Mapped[date] = mapped_column(sa.Date)
    # Days before the renewal by which notice must be given (None: not known).
    notice_days: Mapped[int | None] = mapped_column()
    # The contract renews by itself unless notice is given in time.
    auto_renew: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    product: Mapped[Product] = relationship(back_populates="contract")

    __table_args__ = (
        sa.CheckConstraint("annual_cost >= 0", name="cost_not_negative"),
        sa.CheckConstraint("seats_bought >= 0", name="seats_not_negative"),
        sa.CheckConstraint(
            f"notice_days BETWEEN {MIN_NOTICE_DAYS} AND {MAX_NOTICE_DAYS}",
            name="notice_period_bounded",
        ),
    )

    def __repr__(self) -> str:
        return f"<Contract {self.vendor}>"

    @property
    def notice_date(self) -> date | None:
        """The last day to give notice: the renewal date less the notice period."""
        if self.notice_days is None:
            return None
        return self.renewal_date - timedelta(days=self.notice_days)

    def seats_used(self) -> int:
        return self.product.active_users

    def cost_per_active_user(self) -> Decimal | None:
        used = self.seats_used()
        if not used:
            return None
        return (self.annual_cost / used).quantize(Decimal("0.01"))
