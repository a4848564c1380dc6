"""What depends on what, and which data flows between products (#18).

A dependency says `product` needs `depends_on` to work: it breaks when that
one goes. An interface says data (`data`: "Invoices") flows from a provider
to a consumer, how (API, file, events, re-keyed by hand), how often, and who
owns it.

Rules shared by the forms, the catalogue import and these functions (each
`…_problem` returns the problem as text, or None):

- a product does not depend on itself, nor exchange data with itself;
- a dependency is recorded once; an interface once per provider, consumer
  and data (data compared without regard to case);
- a direct two-way dependency (A needs B and B needs A) is refused: neither
  could ever be retired without breaking the other, which is nearly always a
  record made the wrong way round. Longer cycles (A → B → C → A) are allowed:
  finding them needs a walk of the whole graph on every save, and they do no
  harm to what the catalogue shows.

Each change records its trail event (DEPENDENCY_ADDED/REMOVED,
INTERFACE_ADDED/EDITED/REMOVED) against the product that needs the other —
the dependent product, the interface's consumer — naming the other in the
entry, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from portfolio.activity.trail import record
from portfolio.models import (
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    Product,
    ProductDependency,
    User,
    Verb,
)
from portfolio.queries import Top

NOTE_LENGTH = 280  # ProductDependency.note
DATA_LENGTH = 200  # Interface.data
INTERFACE_NOTE_LENGTH = 500  # Interface.note
LIST_ROWS = 50  # each list of the product page's section shows at most this many


# The rules -----------------------------------------------------------------------


def dependency_problem(
    session: Session, product: Product, depends_on: Product | None
) -> str | None:
    """Why `product` may not be recorded as depending on `depends_on`, or None."""
    if depends_on is None:
        return "That product no longer exists: choose another one."
    if depends_on.id == product.id:
        return "A product cannot depend on itself: choose another product."
    existing = session.execute(
        sa.select(ProductDependency.product_id).where(
            sa.or_(
                sa.and_(
                    ProductDependency.product_id == product.id,
                    ProductDependency.depends_on_id == depends_on.id,
                ),
                sa.and_(
                    ProductDependency.product_id == depends_on.id,
                    ProductDependency.depends_on_id == product.id,
                ),
            )
        )
    ).scalars()
    for dependent_id in existing:
        if dependent_id == product.id:
            return f"{product.name} already depends on {depends_on.name}."
        return (
            f"{depends_on.name} already depends on {product.name}: two products that need "
            "each other cannot be recorded (remove that dependency first if it is wrong)."
        )
    return None


def interface_problem(
    session: Session,
    provider: Product | None,
    consumer: Product | None,
    data: str,
    *,
    editing: Interface | None = None,
) -> str | None:
    """Why data `data` may not be recorded as flowing from `provider` to
    `consumer` (`editing`: the interface being changed, which may keep its data)."""
    if provider is None or consumer is None:
        return "That product no longer exists: choose another one."
    if provider.id == consumer.id:
        return "A product does not exchange data with itself: choose another product."
    data = " ".join((data or "").split())
    if not data:
        return "Say what data flows, e.g. “Invoices”."
    if len(data) > DATA_LENGTH:
        return f"Keep the data under {DATA_LENGTH} characters."
    query = sa.select(Interface.id).where(
        Interface.provider_id == provider.id,
        Interface.consumer_id == consumer.id,
        sa.func.lower(Interface.data) == data.lower(),
    )
    if editing is not None:
        query = query.where(Interface.id != editing.id)
    if session.execute(query).first():
        return f"{consumer.name} already gets “{data}” from {provider.name}."
    return None


def _checked_note(note: str | None, limit: int) -> str:
    note = (note or "").strip()
    if len(note) > limit:
        raise ValueError(f"Keep the note under {limit} characters.")
    return note


# Dependencies --------------------------------------------------------------------


def add_dependency(
    session: Session, actor: User, product: Product, depends_on: Product, *, note: str = ""
) -> ProductDependency:
    """Record that `product` needs `depends_on`; records `dependency_added`."""
    problem = dependency_problem(session, product, depends_on)
    if problem:
        raise ValueError(problem)
    dependency = ProductDependency(
        product=product, depends_on=depends_on, note=_checked_note(note, NOTE_LENGTH)
    )
    session.add(dependency)
    record(
        session,
        actor,
        Verb.DEPENDENCY_ADDED,
        subject=product.name,
        product=product,
        after=_describe_dependency(dependency),
    )
    return dependency


def remove_dependency(session: Session, actor: User, dependency: ProductDependency) -> None:
    record(
        session,
        actor,
        Verb.DEPENDENCY_REMOVED,
        subject=dependency.product.name,
        product=dependency.product,
        before=_describe_dependency(dependency),
    )
    session.delete(dependency)


def _describe_dependency(dependency: ProductDependency) -> str:
    text = f"depends on {dependency.depends_on.name}"
    return f"{text}: {dependency.note}" if dependency.note else text


# Interfaces ----------------------------------------------------------------------


def add_interface(
    session: Session,
    actor: User,
    *,
    provider: Product,
    consumer: Product,
    data: str,
    method: InterfaceMethod,
    frequency: InterfaceFrequency,
    owner: User | None = None,
    note: str = "",
) -> Interface:
    """Record that `consumer` gets `data` from `provider`; records `interface_added`."""
    problem = interface_problem(session, provider, consumer, data)
    if problem:
        raise ValueError(problem)
    interface = Interface(
        provider=provider,
        consumer=consumer,
        data=" ".join(data.split()),
        method=InterfaceMethod(method),
        frequency=InterfaceFrequency(frequency),
        owner=owner,
        note=_checked_note(note, INTERFACE_NOTE_LENGTH),
    )
    session.add(interface)
    record(
        session,
        actor,
        Verb.INTERFACE_ADDED,
        subject=consumer.name,
        product=consumer,
        after=describe_interface(interface),
    )
    return interface


def edit_interface(
    session: Session,
    actor: User,
    interface: Interface,
    *,
    data: str,
    method: InterfaceMethod,
    frequency: InterfaceFrequency,
    owner: User | None = None,
    note: str = "",
) -> bool:
    """Change what flows, how, how often, its owner and note (its two products
    stay: remove it and add another to change them). Records
    `interface_edited` when something changed; returns whether it did."""
    problem = interface_problem(
        session, interface.provider, interface.consumer, data, editing=interface
    )
    if problem:
        raise ValueError(problem)
    before = describe_interface(interface)
    interface.data = " ".join(data.split())
    interface.method = InterfaceMethod(method)
    interface.frequency = InterfaceFrequency(frequency)
    interface.owner = owner
    interface.note = _checked_note(note, INTERFACE_NOTE_LENGTH)
    after = describe_interface(interface)
    if after == before:
        return False
    record(
        session,
        actor,
        Verb.INTERFACE_EDITED,
        subject=interface.consumer.name,
        product=interface.consumer,
        before=before,
        after=after,
    )
    return True


def remove_interface(session: Session, actor: User, interface: Interface) -> None:
    record(
        session,
        actor,
        Verb.INTERFACE_REMOVED,
        subject=interface.consumer.name,
        product=interface.consumer,
        before=describe_interface(interface),
    )
    session.delete(interface)


def describe_interface(interface: Interface) -> str:
    owner = interface.owner.display_name if interface.owner else "no owner"
    text = (
        f"{interface.data} from {interface.provider.name} to {interface.consumer.name} "
        f"({interface.method.label}, {interface.frequency.label.lower()}; {owner})"
    )
    return f"{text}: {interface.note}" if interface.note else text


# What a product page shows ---------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """A product's dependencies and interfaces, each list bounded (LIST_ROWS)
    with how many there are in all."""

    depends_on: Top  # of ProductDependency, depends_on loaded
    dependants: Top  # of ProductDependency, product loaded
    consumes: Top  # of Interface (this product the consumer), provider and owner loaded
    provides: Top  # of Interface (this product the provider), consumer and owner loaded

    @property
    def empty(self) -> bool:
        return not (self.depends_on or self.dependants or self.consumes or self.provides)


def top_rows(session: Session, query: sa.Select, limit: int) -> Top:
    """The first `limit` entities of `query` and how many it has, in one
    statement (a window count beside each row)."""
    rows = session.execute(query.add_columns(sa.func.count().over()).limit(limit)).all()
    return Top([row[0] for row in rows], rows[0][1] if rows else 0)


def product_links(session: Session, product_id: int, limit: int = LIST_ROWS) -> Links:
    """Four statements, however many links the product has."""
    other = aliased(Product)
    return Links(
        depends_on=top_rows(
            session,
            sa.select(ProductDependency)
            .join(other, ProductDependency.depends_on)
            .where(ProductDependency.product_id == product_id)
            .options(contains_eager(ProductDependency.depends_on.of_type(other)))
            .order_by(sa.func.lower(other.name), ProductDependency.id),
            limit,
        ),
        dependants=top_rows(
            session,
            sa.select(ProductDependency)
            .join(other, ProductDependency.product)
            .where(ProductDependency.depends_on_id == product_id)
            .options(contains_eager(ProductDependency.product.of_type(other)))
            .order_by(sa.func.lower(other.name), ProductDependency.id),
            limit,
        ),
        consumes=top_rows(
            session,
            sa.select(Interface)
            .join(other, Interface.provider)
            .where(Interface.consumer_id == product_id)
            .options(contains_eager(Interface.provider.of_type(other)), joinedload(Interface.owner))
            .order_by(sa.func.lower(other.name), sa.func.lower(Interface.data), Interface.id),
            limit,
        ),
        provides=top_rows(
            session,
            sa.select(Interface)
            .join(other, Interface.consumer)
            .where(Interface.provider_id == product_id)
            .options(contains_eager(Interface.consumer.of_type(other)), joinedload(Interface.owner))
            .order_by(sa.func.lower(other.name), sa.func.lower(Interface.data), Interface.id),
            limit,
        ),
    )


def dependency_of(slug: str, dependency_id: int) -> sa.Select:
    """A dependency of the product `slug` (either way round), both products
    loaded; none (404) when it concerns neither."""
    mine = aliased(Product)
    return (
        sa.select(ProductDependency)
        .join(
            mine,
            sa.or_(
                mine.id == ProductDependency.product_id, mine.id == ProductDependency.depends_on_id
            ),
        )
        .where(mine.slug == slug, ProductDependency.id == dependency_id)
        .options(joinedload(ProductDependency.product), joinedload(ProductDependency.depends_on))
    )


def interface_of(slug: str, interface_id: int) -> sa.Select:
    """An interface the product `slug` provides or consumes, its products and
    owner loaded; none (404) when it concerns neither."""
    mine = aliased(Product)
    return (
        sa.select(Interface)
        .join(mine, sa.or_(mine.id == Interface.provider_id, mine.id == Interface.consumer_id))
        .where(mine.slug == slug, Interface.id == interface_id)
        .options(
            joinedload(Interface.provider),
            joinedload(Interface.consumer),
            joinedload(Interface.owner),
        )
    )
