"""How complete a product's entry is: six things a trustworthy entry has.

- a value proposition (at least one of its four parts written);
- at least one success measure;
- an owner whose account is active (a leaver's product needs a new one);
- at least one department using it;
- at least one business capability it supports (product_capability);
- a sponsor on its stakeholder map (a stakeholder with the Sponsor role).

The score is how many of the six are present. Each criterion is an EXISTS
subquery, so any number of products is scored in one statement, and the
catalogue's average in one more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.architecture.reviews import reviewed_products
from portfolio.models import (
    Product,
    Stakeholder,
    StakeholderRole,
    SuccessMeasure,
    Usage,
    User,
    ValueProposition,
    product_capability,
)


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str  # "missing: capabilities, sponsor"
    endpoint: str  # where to fill it in
    anchor: str | None = None
    editors_only: bool = True  # the endpoint is a form for the product team


def _exists(table, *where) -> sa.Exists:
    return sa.exists().where(*where).select_from(table)


def _present(key: str) -> sa.ColumnElement[bool]:
    """SQL: whether the product (the outer query's Product) meets criterion `key`."""
    if key == "value_proposition":
        return _exists(
            ValueProposition,
            ValueProposition.product_id == Product.id,
            sa.or_(
                *(
                    sa.func.coalesce(column, "") != ""
                    for column in (
                        ValueProposition.problem,
                        ValueProposition.for_whom,
                        ValueProposition.value,
                        ValueProposition.replaces,
                    )
                )
            ),
        )
    if key == "measures":
        return _exists(SuccessMeasure, SuccessMeasure.product_id == Product.id)
    if key == "owner":
        return _exists(User, User.id == Product.owner_id, User.active.is_(True))
    if key == "usage":
        return _exists(Usage, Usage.product_id == Product.id)
    if key == "capabilities":
        return _exists(product_capability, product_capability.c.product_id == Product.id)
    if key == "sponsor":
        return _exists(
            Stakeholder,
            Stakeholder.product_id == Product.id,
            Stakeholder.role == StakeholderRole.SPONSOR,
        )
    raise KeyError(key)


CRITERIA = (
    Criterion("value_proposition", "value proposition", "catalogue.edit_value"),
    Criterion("measures", "success measures", "catalogue.measures.create"),
    Criterion("owner", "owner", "catalogue.edit"),
    Criterion("usage", "usage", "catalogue.show", "departments", editors_only=False),
    Criterion("capabilities", "capabilities", "catalogue.show", "capabilities", editors_only=False),
    Criterion("sponsor", "sponsor", "catalogue.show", "stakeholders", editors_only=False),
)


@dataclass(frozen=True)
class Completeness:
    present: tuple[Criterion, ...]
    missing: tuple[Criterion, ...]

    @property
    def score(self) -> int:
        return len(self.present)

    @property
    def out_of(self) -> int:
        return len(CRITERIA)

    @property
    def percent(self) -> int:
        return self.score * 100 // self.out_of

    @property
    def complete(self) -> bool:
        return not self.missing


def _flags() -> list[sa.ColumnElement[int]]:
    return [sa.case((_present(criterion.key), 1), else_=0) for criterion in CRITERIA]


def completeness_of(session: Session, product_ids: Iterable[int]) -> dict[int, Completeness]:
    """Each product's completeness, in one statement (however many products)."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = session.execute(sa.select(Product.id, *_flags()).where(Product.id.in_(ids)))
    found = {}
    for product_id, *flags in rows:
        found[product_id] = Completeness(
            present=tuple(c for c, flag in zip(CRITERIA, flags, strict=True) if flag),
            missing=tuple(c for c, flag in zip(CRITERIA, flags, strict=True) if not flag),
        )
    return found


def average_completeness(session: Session) -> int | None:
    """The products' (not retired) average completeness as a whole percentage,
    in one statement; None for an empty catalogue."""
    score = sum(_flags(), sa.literal(0))
    average = session.execute(
        sa.select(sa.func.avg(score * 1.0)).where(reviewed_products())
    ).scalar_one()
    if average is None:
        return None
    return round(float(average) * 100 / len(CRITERIA))
