"""The queries catalogue pages need, with their eager loading, so a page's
query count does not grow with the number of rows it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload
from werkzeug.datastructures import MultiDict

from portfolio.architecture.fit import products_in_time_class
from portfolio.filters import like_pattern, parse_id_filters, parse_page, search_text
from portfolio.models import (
    Category,
    Department,
    Product,
    Stage,
    Stakeholder,
    SuccessMeasure,
    Tag,
    TimeClass,
    Usage,
)
from portfolio.queries import Top

ALL_STAGES = "all"
NOT_ASSESSED = "none"  # the TIME filter's "never assessed"


@dataclass
class ProductFilters:
    """What the catalogue list is narrowed to; parsed leniently from the URL."""

    q: str = ""
    category: Category | None = None
    stage: Stage | str | None = None  # None: every stage but retired; "all": every stage
    department_id: int | None = None
    time: TimeClass | str | None = None  # a TIME class of the latest fit, or NOT_ASSESSED
    page: int = 1  # not in to_args: the pager adds it, a new filter starts at 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict) -> ProductFilters:
        filters = cls(q=search_text(args), page=parse_page(args.get("page")))
        category = args.get("category") or ""
        if category:
            try:
                filters.category = Category(category)
            except ValueError:
                filters.errors.append(f"Unknown category “{category}” ignored.")
        stage = args.get("stage") or ""
        if stage == ALL_STAGES:
            filters.stage = ALL_STAGES
        elif stage:
            try:
                filters.stage = Stage(stage)
            except ValueError:
                filters.errors.append(f"Unknown stage “{stage}” ignored.")
        parse_id_filters(args, filters, {"department": "department_id"})
        time = args.get("time") or ""
        if time == NOT_ASSESSED:
            filters.time = NOT_ASSESSED
        elif time:
            try:
                filters.time = TimeClass(time)
            except ValueError:
                filters.errors.append(f"Unknown TIME class “{time}” ignored.")
        return filters

    def to_args(self) -> dict[str, Any]:
        """The query-string form, for links that keep the current filters."""
        args: dict[str, Any] = {}
        if self.q:
            args["q"] = self.q
        if self.category:
            args["category"] = self.category.value
        if self.stage:
            args["stage"] = self.stage if self.stage == ALL_STAGES else self.stage.value
        if self.department_id:
            args["department"] = self.department_id
        if self.time:
            args["time"] = self.time if self.time == NOT_ASSESSED else self.time.value
        return args

    @property
    def every_stage(self) -> bool:
        """Retired products included (the default list leaves them out)."""
        return self.stage == ALL_STAGES

    @property
    def active(self) -> bool:
        return bool(self.q or self.category or self.stage or self.department_id or self.time)

    def apply(self, query: sa.Select) -> sa.Select:
        if self.q:
            pattern = like_pattern(self.q)
            query = query.where(
                sa.or_(
                    Product.name.ilike(pattern, escape="\\"),
                    Product.summary.ilike(pattern, escape="\\"),
                    Product.slug.ilike(pattern, escape="\\"),
                    Product.tags.any(Tag.name.ilike(pattern, escape="\\")),
                )
            )
        if self.category:
            query = query.where(Product.category == self.category)
        if self.stage is None:
            query = query.where(Product.stage != Stage.RETIRED)
        elif self.stage != ALL_STAGES:
            query = query.where(Product.stage == self.stage)
        if self.department_id:
            query = query.where(Product.usages.any(Usage.department_id == self.department_id))
        if self.time:
            time = None if self.time == NOT_ASSESSED else self.time
            query = query.where(products_in_time_class(time))
        return query


def product_list(filters: ProductFilters) -> sa.Select:
    """Products for the catalogue list, with everything each row shows."""
    query = sa.select(Product).options(
        joinedload(Product.owner),
        joinedload(Product.successor),
        selectinload(Product.tags),
        selectinload(Product.usages).joinedload(Usage.department),
        selectinload(Product.measures).selectinload(SuccessMeasure.readings),
    )
    return filters.apply(query).order_by(sa.func.lower(Product.name))


def product_by_slug(slug: str) -> sa.Select:
    """One product, for a view that needs little else (a 404 when there is none)."""
    return sa.select(Product).where(Product.slug == slug)


def product_usages(slug: str) -> sa.Select:
    """One product with the departments using it: what its usage section shows."""
    return product_by_slug(slug).options(selectinload(Product.usages).joinedload(Usage.department))


def measure_of(slug: str, measure_id: int) -> sa.Select:
    """A measure of the product `slug` with its readings; none (404) when the
    measure belongs to another product."""
    return (
        sa.select(SuccessMeasure)
        .join(SuccessMeasure.product)
        .where(Product.slug == slug, SuccessMeasure.id == measure_id)
        .options(contains_eager(SuccessMeasure.product), selectinload(SuccessMeasure.readings))
    )


def usage_of(slug: str, usage_id: int) -> sa.Select:
    """A usage of the product `slug`; none (404) when it belongs to another product."""
    return (
        sa.select(Usage)
        .join(Usage.product)
        .where(Product.slug == slug, Usage.id == usage_id)
        .options(contains_eager(Usage.product), joinedload(Usage.department))
    )


def stakeholder_of(slug: str, stakeholder_id: int) -> sa.Select:
    """An entry of the stakeholder map of `slug`; none (404) when it is on another map."""
    return (
        sa.select(Stakeholder)
        .join(Stakeholder.product)
        .where(Product.slug == slug, Stakeholder.id == stakeholder_id)
        .options(contains_eager(Stakeholder.product))
    )


def product_page(slug: str) -> sa.Select:
    """One product with everything its page shows."""
    return (
        sa.select(Product)
        .where(Product.slug == slug)
        .options(
            joinedload(Product.owner),
            joinedload(Product.value_proposition),
            joinedload(Product.contract),
            selectinload(Product.tags),
            selectinload(Product.usages).joinedload(Usage.department),
            selectinload(Product.measures).selectinload(SuccessMeasure.readings),
        )
    )


DEPARTMENTS_PER_PAGE = 50


@dataclass
class DepartmentFilters:
    """The departments list: a search on name or head, the departments using
    one product, and a page."""

    q: str = ""
    product_id: int | None = None
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict) -> DepartmentFilters:
        filters = cls(q=search_text(args), page=parse_page(args.get("page")))
        parse_id_filters(args, filters, {"product": "product_id"})
        return filters

    def to_args(self, **changes: Any) -> dict[str, Any]:
        values = {"q": self.q, "product": self.product_id, "page": self.page, **changes}
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}

    def apply(self, query: sa.Select) -> sa.Select:
        if self.product_id:
            query = query.where(Department.usages.any(Usage.product_id == self.product_id))
        if self.q:
            pattern = like_pattern(self.q)
            query = query.where(
                sa.or_(
                    Department.name.ilike(pattern, escape="\\"),
                    Department.head.ilike(pattern, escape="\\"),
                )
            )
        return query


def departments_overview(filters: DepartmentFilters) -> sa.Select:
    """Departments with their usages (and products) loaded, alphabetically."""
    query = sa.select(Department).options(selectinload(Department.usages).joinedload(Usage.product))
    return filters.apply(query).order_by(sa.func.lower(Department.name), Department.id)


def usages_by_department(session: Session, department_ids: list[int], limit: int) -> dict[int, Top]:
    """For each department, its first `limit` usages by product slug (product
    loaded) and how many it has: one statement, whatever the departments use."""
    if not department_ids:
        return {}
    numbered = (
        sa.select(
            Usage.id.label("usage_id"),
            sa.func.row_number()
            .over(partition_by=Usage.department_id, order_by=(Product.slug, Usage.id))
            .label("position"),
            sa.func.count().over(partition_by=Usage.department_id).label("total"),
        )
        .join(Product, Usage.product_id == Product.id)
        .where(Usage.department_id.in_(department_ids))
        .subquery()
    )
    rows = session.execute(
        sa.select(Usage, numbered.c.total)
        .join(numbered, numbered.c.usage_id == Usage.id)
        .where(numbered.c.position <= limit)
        .options(joinedload(Usage.product))
        .order_by(Usage.department_id, numbered.c.position)
    ).all()
    found: dict[int, list] = {department_id: [] for department_id in department_ids}
    totals: dict[int, int] = {}
    for usage, total in rows:
        found[usage.department_id].append(usage)
        totals[usage.department_id] = total
    return {key: Top(usages, totals.get(key, 0)) for key, usages in found.items()}


def departments_by_name() -> sa.Select:
    """Every department, alphabetically (the list's order), nothing loaded with it."""
    return sa.select(Department).order_by(sa.func.lower(Department.name), Department.id)


def department_page(department_id: int) -> sa.Select:
    return (
        sa.select(Department)
        .where(Department.id == department_id)
        .options(
            selectinload(Department.usages)
            .joinedload(Usage.product)
            .selectinload(Product.measures)
            .selectinload(SuccessMeasure.readings),
            selectinload(Department.usages).joinedload(Usage.product).joinedload(Product.owner),
        )
    )
