"""Products and what hangs off them: slugs and tags, creating, editing
and deleting a product (retiring is in `lifecycle`), its value proposition, the departments
using it.

Every change here checks what a form cannot know (the state of the
database), mutates, and records its event in the caller's transaction; the
caller commits."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.architecture.reviews import mark_reviewed
from portfolio.catalogue import limits
from portfolio.catalogue.changes import record_changes, snapshot
from portfolio.catalogue.lifecycle import forget_retirement, successor_problem
from portfolio.models import (
    Activity,
    Category,
    Comment,
    Contract,
    Department,
    Product,
    Reading,
    Request,
    RoadmapItem,
    SatisfactionResponse,
    Sourcing,
    Stage,
    Stakeholder,
    SuccessMeasure,
    Tag,
    Usage,
    UsageLevel,
    User,
    ValueProposition,
    Verb,
    Vote,
)

# What `create_product` and `edit_product` set besides the tags.
PRODUCT_FIELDS = (
    "name",
    "slug",
    "category",
    "summary",
    "stage",
    "owner_id",
    "sourcing",
    "vendor",
    "docs_url",
    "source_url",
    "prd_url",
    "successor_id",
)
# Edits are described with the owner's and successor's names rather than ids.
EDIT_DESCRIBED = tuple(
    f for f in PRODUCT_FIELDS if f not in ("owner_id", "successor_id", "stage")
) + ("owner", "successor", "tags")
VALUE_PROPOSITION_FIELDS = ("problem", "for_whom", "value", "replaces")


def slugify(text: str) -> str:
    """'Sales CRM (EU)' → 'sales-crm-eu'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[: limits.SLUG].strip("-")


# Tags are written with commas between them, in the product form and in the
# catalogue CSV alike; a semicolon separates them too (CSV files written before
# #15, or a habit), so no tag holds either.
TAG_SEPARATOR = ", "
TAG_SEPARATORS = re.compile(r"[,;]")


def parse_tags(text: str) -> list[str]:
    """'Finance, month-end;  SOX' → ['finance', 'month-end', 'sox'] (order kept,
    no repeats): commas and semicolons both separate tags."""
    names: list[str] = []
    for raw in TAG_SEPARATORS.split(text):
        name = " ".join(raw.split()).lower()
        if not name:
            continue
        if len(name) > limits.TAG:
            raise ValueError(
                f"Keep each tag under {limits.TAG} characters (“{name[:20]}…” is longer)."
            )
        if name not in names:
            names.append(name)
    if len(names) > limits.TAGS:
        raise ValueError(f"Use at most {limits.TAGS} tags.")
    return names


def set_tags(session: Session, product: Product, names: list[str]) -> None:
    """Give `product` exactly these tags, creating the ones that do not exist yet."""
    existing = (
        {
            tag.name: tag
            for tag in session.execute(sa.select(Tag).where(Tag.name.in_(names))).scalars()
        }
        if names
        else {}
    )
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            existing[name] = tag
        tags.append(tag)
    product.tags = tags


# Creating and editing ------------------------------------------------------------


def create_product(
    session: Session,
    actor: User,
    *,
    name: str,
    slug: str,
    category: Category,
    summary: str,
    stage: Stage,
    owner_id: int | None,
    sourcing: Sourcing,
    vendor: str | None,
    docs_url: str | None,
    source_url: str | None,
    prd_url: str | None,
    tags: list[str],
    successor_id: int | None = None,
) -> Product:
    successor = session.get(Product, successor_id) if successor_id else None
    problem = successor_problem(None, successor)
    if problem:
        raise ValueError(problem)
    product = Product(
        name=name,
        slug=slug,
        category=category,
        summary=summary,
        stage=stage,
        owner_id=owner_id,
        sourcing=sourcing,
        vendor=vendor,
        docs_url=docs_url,
        source_url=source_url,
        prd_url=prd_url,
        successor=successor,
    )
    if stage is Stage.RETIRED:
        product.retired_on = date.today()
    session.add(product)
    set_tags(session, product, tags)
    record(session, actor, Verb.PRODUCT_CREATED, subject=product.name, product=product, after=stage)
    return product


def _edit_snapshot(product: Product) -> dict[str, object]:
    values = snapshot(product, EDIT_DESCRIBED)
    values["owner"] = product.owner.display_name if product.owner else None
    values["successor"] = product.successor.name if product.successor else None
    values["tags"] = product.tag_names
    values["stage"] = product.stage
    return values


def edit_product(
    session: Session,
    actor: User,
    product: Product,
    *,
    tags: list[str],
    counts_as_review: bool = True,
    **fields: object,
) -> None:
    """Change the product's fields (those of PRODUCT_FIELDS) and tags.

    Records `product_edited` with the fields that changed, and
    `product_stage_changed` when the stage did; a save that changes nothing
    records nothing. A save that changes something counts as a review of the
    entry (reviewed today by the actor, see `architecture/reviews.py`) unless
    `counts_as_review` is false (a machine import). A product edited out of
    retirement forgets since when and why it was retired; one edited into it
    (not through `retire_product`) is retired since today, for no stated reason."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"not product fields: {sorted(unknown)}")
    before = _edit_snapshot(product)
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        product.owner = session.get(User, owner_id) if owner_id else None
    if "successor_id" in fields:
        successor_id = fields.pop("successor_id")
        successor = session.get(Product, successor_id) if successor_id else None
        if successor is not product.successor:
            problem = successor_problem(product, successor)
            if problem:
                raise ValueError(problem)
            product.successor = successor
    for name, value in fields.items():
        setattr(product, name, value)
    set_tags(session, product, tags)
    after = _edit_snapshot(product)

    old_stage, new_stage = before.pop("stage"), after.pop("stage")
    if old_stage is Stage.RETIRED and new_stage is not Stage.RETIRED:
        forget_retirement(product)
    elif new_stage is Stage.RETIRED and old_stage is not Stage.RETIRED:
        product.retired_on = date.today()
    edited = record_changes(
        session,
        actor,
        Verb.PRODUCT_EDITED,
        before=before,
        after=after,
        subject=product.name,
        product=product,
    )
    if counts_as_review and (edited is not None or new_stage is not old_stage):
        mark_reviewed(product, actor, date.today())
    if new_stage is not old_stage:
        record(
            session,
            actor,
            Verb.PRODUCT_STAGE_CHANGED,
            subject=product.name,
            product=product,
            before=old_stage,
            after=new_stage,
        )


# Deleting --------------------------------------------------------------------------


class ProductNotEmpty(ValueError):
    """A product with anything attached is retired, never deleted."""


def attachments(session: Session, product: Product) -> dict[str, int]:
    """Everything a delete would remove with the product (zero counts omitted):
    what hangs off it directly, and what hangs off its requests, cards and
    measures in turn (the database cascades all of it)."""
    requests = sa.select(Request.id).where(Request.product_id == product.id)
    items = sa.select(RoadmapItem.id).where(RoadmapItem.product_id == product.id)
    measures = sa.select(SuccessMeasure.id).where(SuccessMeasure.product_id == product.id)

    def count(model, *where) -> sa.ScalarSelect:
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    counts = {
        "departments using it": count(Usage, Usage.product_id == product.id),
        "success measures": count(SuccessMeasure, SuccessMeasure.product_id == product.id),
        "readings": count(Reading, Reading.measure_id.in_(measures)),
        "requests": count(Request, Request.product_id == product.id),
        "votes": count(Vote, Vote.request_id.in_(requests)),
        "roadmap items": count(RoadmapItem, RoadmapItem.product_id == product.id),
        "comments": count(
            Comment,
            sa.or_(
                Comment.product_id == product.id,
                Comment.request_id.in_(requests),
                Comment.item_id.in_(items),
            ),
        ),
        "people on its stakeholder map": count(Stakeholder, Stakeholder.product_id == product.id),
        "satisfaction answers": count(
            SatisfactionResponse, SatisfactionResponse.product_id == product.id
        ),
        "contract": count(Contract, Contract.product_id == product.id),
        "value proposition": count(ValueProposition, ValueProposition.product_id == product.id),
    }
    # One statement for all of them, however many there are.
    numbers = session.execute(sa.select(*counts.values())).one()
    return {label: number for label, number in zip(counts, numbers, strict=True) if number}


def trail_entries(session: Session, product: Product) -> int:
    """Entries of the activity trail about the product: a delete removes them
    too (a product with nothing else attached may still have its history)."""
    return session.execute(
        sa.select(sa.func.count()).select_from(Activity).where(Activity.product_id == product.id)
    ).scalar_one()


def delete_product(session: Session, actor: User, product: Product) -> None:
    attached = attachments(session, product)
    if attached:
        listed = ", ".join(f"{count} {label}" for label, count in attached.items())
        raise ProductNotEmpty(f"{product.name} still has {listed}; retire it instead.")
    # Not linked to the product: the trail's product link is deleted with it.
    record(session, actor, Verb.PRODUCT_DELETED, subject=product.name)
    session.delete(product)


# Value proposition ---------------------------------------------------------------


def save_value_proposition(
    session: Session,
    actor: User,
    product: Product,
    *,
    problem: str,
    for_whom: str,
    value: str,
    replaces: str,
) -> ValueProposition:
    proposition = product.value_proposition
    before = snapshot(proposition, VALUE_PROPOSITION_FIELDS)
    if proposition is None:
        proposition = product.value_proposition = ValueProposition()
    proposition.problem, proposition.for_whom = problem, for_whom
    proposition.value, proposition.replaces = value, replaces
    record_changes(
        session,
        actor,
        Verb.VALUE_PROPOSITION_SAVED,
        before=before,
        after=snapshot(proposition, VALUE_PROPOSITION_FIELDS),
        subject=product.name,
        product=product,
    )
    return proposition


# Departments using the product ---------------------------------------------------


class UsageExists(ValueError):
    """A department uses a product once (at one level, with one head count)."""


def usage_text(usage: Usage) -> str:
    return f"{usage.department.name} ({usage.level.label}, {usage.users:,} users)"


def add_usage(
    session: Session,
    actor: User,
    product: Product,
    *,
    department_id: int,
    level: UsageLevel,
    users: int,
) -> Usage:
    department = session.get(Department, department_id)
    if department is None:
        raise ValueError(f"no department #{department_id}")
    if any(usage.department_id == department.id for usage in product.usages):
        raise UsageExists(f"{department.name} already uses {product.name}.")
    if not 0 <= users <= limits.COUNT:
        raise ValueError(f"users must be from 0 to {limits.COUNT:,}, not {users}")
    usage = Usage(department=department, level=level, users=users)
    product.usages.append(usage)
    record(
        session,
        actor,
        Verb.USAGE_ADDED,
        subject=product.name,
        product=product,
        after=usage_text(usage),
    )
    return usage


def remove_usage(session: Session, actor: User, usage: Usage) -> None:
    product = usage.product
    record(
        session,
        actor,
        Verb.USAGE_REMOVED,
        subject=product.name,
        product=product,
        before=usage_text(usage),
    )
    session.delete(usage)
