"""Catalogue rules: slugs, tags, readings, retiring and deleting products."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import (
    Contract,
    Product,
    Reading,
    Stage,
    SuccessMeasure,
    Tag,
    Usage,
    User,
    ValueProposition,
)

MAX_TAGS = 12
MAX_TAG_LENGTH = 40


def slugify(text: str) -> str:
    """'Sales CRM (EU)' → 'sales-crm-eu'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")


def parse_tags(text: str) -> list[str]:
    """'Finance, month-end,  SOX' → ['finance', 'month-end', 'sox'] (order kept, no repeats)."""
    names: list[str] = []
    for raw in text.split(","):
        name = " ".join(raw.split()).lower()
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise ValueError(
                f"Keep each tag under {MAX_TAG_LENGTH} characters (“{name[:20]}…” is longer)."
            )
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValueError(f"Use at most {MAX_TAGS} tags.")
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


def value_proposition_of(product: Product) -> ValueProposition:
    if product.value_proposition is None:
        product.value_proposition = ValueProposition()
    return product.value_proposition


def contract_of(product: Product) -> Contract:
    if product.contract is None:
        product.contract = Contract(vendor=product.vendor or "")
    return product.contract


class DuplicateReading(ValueError):
    """A measure has at most one reading per date."""


def record_reading(
    session: Session,
    measure: SuccessMeasure,
    *,
    taken_on: date,
    value: float,
    note: str | None,
    recorded_by: User,
) -> Reading:
    clash = session.execute(
        sa.select(Reading.id).where(Reading.measure_id == measure.id, Reading.taken_on == taken_on)
    ).first()
    if clash:
        raise DuplicateReading(
            f"There is already a reading for {taken_on:%d %b %Y}; pick another date."
        )
    reading = Reading(
        measure=measure, taken_on=taken_on, value=value, note=note, recorded_by=recorded_by
    )
    session.add(reading)
    return reading


def attachments(session: Session, product: Product) -> dict[str, int]:
    """What hangs off a product and would be lost with it (zero counts omitted)."""
    counts = {
        "departments using it": session.execute(
            sa.select(sa.func.count(Usage.id)).where(Usage.product_id == product.id)
        ).scalar_one(),
        "success measures": session.execute(
            sa.select(sa.func.count(SuccessMeasure.id)).where(
                SuccessMeasure.product_id == product.id
            )
        ).scalar_one(),
    }
    for label, count in extra_attachment_counts(session, product).items():
        counts[label] = count
    return {label: count for label, count in counts.items() if count}


def extra_attachment_counts(session: Session, product: Product) -> dict[str, int]:
    """Requests, comments and survey answers about the product."""
    from portfolio.models import Comment, Request, SatisfactionResponse

    def count(model, column) -> int:
        return session.execute(
            sa.select(sa.func.count()).select_from(model).where(column == product.id)
        ).scalar_one()

    return {
        "requests": count(Request, Request.product_id),
        "comments": count(Comment, Comment.product_id),
        "satisfaction answers": count(SatisfactionResponse, SatisfactionResponse.product_id),
    }


def retire(product: Product) -> None:
    product.stage = Stage.RETIRED


class ProductNotEmpty(ValueError):
    pass


def delete_product(session: Session, product: Product) -> None:
    attached = attachments(session, product)
    if attached:
        listed = ", ".join(f"{count} {label}" for label, count in attached.items())
        raise ProductNotEmpty(f"{product.name} still has {listed}; retire it instead.")
    session.delete(product)
