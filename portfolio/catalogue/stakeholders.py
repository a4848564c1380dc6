"""A product's stakeholder map: who is on it, adding and removing them, and
where each one sits on the power × interest grid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.activity.trail import record
from portfolio.catalogue import limits
from portfolio.models import Product, Stakeholder, StakeholderRole, User, Verb


def stakeholders_of(product_id: int) -> sa.Select:
    """The map's entries, most powerful and most interested first."""
    return (
        sa.select(Stakeholder)
        .where(Stakeholder.product_id == product_id)
        .options(joinedload(Stakeholder.department))
        .order_by(Stakeholder.power.desc(), Stakeholder.interest.desc(), Stakeholder.name)
    )


def _describe(entry: Stakeholder) -> str:
    return f"{entry.name} ({entry.role.label}, power {entry.power}, interest {entry.interest})"


def add_stakeholder(
    session: Session,
    actor: User,
    product: Product,
    *,
    name: str,
    department_id: int | None,
    role: StakeholderRole,
    power: int,
    interest: int,
) -> Stakeholder:
    for what, value in (("power", power), ("interest", interest)):
        if not limits.GRID_LOW <= value <= limits.GRID_HIGH:
            raise ValueError(f"{what} is from {limits.GRID_LOW} to {limits.GRID_HIGH}, not {value}")
    entry = Stakeholder(
        product=product,
        name=name,
        department_id=department_id,
        role=role,
        power=power,
        interest=interest,
    )
    session.add(entry)
    record(
        session,
        actor,
        Verb.STAKEHOLDER_ADDED,
        subject=product.name,
        product=product,
        after=_describe(entry),
    )
    return entry


def remove_stakeholder(session: Session, actor: User, entry: Stakeholder) -> None:
    record(
        session,
        actor,
        Verb.STAKEHOLDER_REMOVED,
        subject=entry.product.name,
        product=entry.product,
        before=_describe(entry),
    )
    session.delete(entry)


# The power × interest grid -------------------------------------------------------

# The grid's drawing (an SVG of 300 × 300): one cell per level, power upwards
# from the bottom, interest rightwards from the left.
GRID_LEFT, GRID_BOTTOM, CELL = 30, 270, 52
# Entries are fanned out around the middle of their cell in threes (one row
# up, level, one row down), so names on the same cell do not overlap.
FAN_STEP, FAN_SIZE = 9, 3


@dataclass(frozen=True)
class MapPoint:
    entry: Stakeholder
    x: float
    y: float

    @property
    def label_x(self) -> float:
        return self.x + 7

    @property
    def label_y(self) -> float:
        return self.y + 3


def map_points(entries: Sequence[Stakeholder]) -> list[MapPoint]:
    """Where each entry is drawn: its cell's middle, moved by its place in the list."""
    return [
        MapPoint(
            entry=entry,
            x=GRID_LEFT + (entry.interest - 0.5) * CELL,
            y=GRID_BOTTOM - (entry.power - 0.5) * CELL + (index % FAN_SIZE) * FAN_STEP - FAN_STEP,
        )
        for index, entry in enumerate(entries)
    ]
