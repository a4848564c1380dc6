"""Dependencies and interfaces read from the catalogue's CSV files (#18);
`csv_export` writes them.

- dependencies.csv: product_slug, depends_on_slug, note
- interfaces.csv: provider_slug, consumer_slug, data, method, frequency,
  owner_email, note

Both files are optional on import (a catalogue written before them still
imports). Rows are checked by the rules of `architecture/dependencies.py`
(not itself, each once, no two products depending on each other, data,
method and frequency as the form takes them, an owner who has an account)
against the products of products.csv and the database; like every file of
the import, they add and update (a dependency's note; an interface's method,
frequency, owner and note, keyed by provider, consumer and data) and never remove.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from portfolio.architecture.dependencies import DATA_LENGTH, INTERFACE_NOTE_LENGTH, NOTE_LENGTH
from portfolio.catalogue.csv_cells import Row, RowError, check_length, parse_enum, quoted, require
from portfolio.models import (
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    Product,
    ProductDependency,
)


def key(text: str) -> str:
    return text.lower()


# In -------------------------------------------------------------------------------


@dataclass
class LinkPlan:
    """Checked rows of dependencies.csv and interfaces.csv, by key."""

    dependencies: dict[tuple[str, str], dict] = field(default_factory=dict)
    interfaces: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    # (product, depends on) slug keys of the dependencies the database holds.
    stored: set[tuple[str, str]] = field(default_factory=set)
    dependency_lines: dict[tuple[str, str], Row] = field(default_factory=dict)

    @classmethod
    def against(cls, session: Session) -> LinkPlan:
        dependent, needed = aliased(Product), aliased(Product)
        stored = session.execute(
            sa.select(dependent.slug, needed.slug)
            .select_from(ProductDependency)
            .join(dependent, ProductDependency.product_id == dependent.id)
            .join(needed, ProductDependency.depends_on_id == needed.id)
        )
        return cls(stored={(key(a), key(b)) for a, b in stored})

    def check_dependency(self, row: Row, known) -> None:
        """`known(slug)` raises RowError for a product neither imported nor stored."""
        require(row, "product_slug", "depends_on_slug")
        product, needed = row["product_slug"], row["depends_on_slug"]
        known(product)
        known(needed)
        check_length(row, "note", NOTE_LENGTH)
        if key(product) == key(needed):
            raise RowError(f"{quoted(product)} cannot depend on itself")
        pair = (key(product), key(needed))
        if pair in self.dependencies:
            raise RowError(f"{product} depends on {needed} twice")
        self.dependencies[pair] = {"note": row["note"]}
        self.dependency_lines[pair] = row

    def check_two_way(self, report) -> None:
        """Refuse two products depending on each other, in the file or with the database."""
        for (product, needed), row in self.dependency_lines.items():
            reverse = (needed, product)
            if reverse in self.dependencies or reverse in self.stored:
                report.error(
                    row.file,
                    row.line,
                    f"{row['depends_on_slug']} already depends on {row['product_slug']}: two "
                    "products cannot depend on each other",
                )

    def check_interface(self, row: Row, known, users_by_email: dict[str, int]) -> None:
        require(row, "provider_slug", "consumer_slug", "data", "method", "frequency")
        provider, consumer = row["provider_slug"], row["consumer_slug"]
        known(provider)
        known(consumer)
        if key(provider) == key(consumer):
            raise RowError(f"{quoted(provider)} cannot exchange data with itself")
        data = " ".join(row["data"].split())
        if len(data) > DATA_LENGTH:
            raise RowError(f"data is longer than {DATA_LENGTH} characters")
        check_length(row, "note", INTERFACE_NOTE_LENGTH)
        owner_id = None
        if row["owner_email"]:
            owner_id = users_by_email.get(row["owner_email"].lower())
            if owner_id is None:
                raise RowError(
                    f"no user has the email “{quoted(row['owner_email'])}” (owner_email)"
                )
        interface_key = (key(provider), key(consumer), key(data))
        if interface_key in self.interfaces:
            raise RowError(f"{consumer} gets “{quoted(data)}” from {provider} twice")
        self.interfaces[interface_key] = {
            "data": data,
            "method": parse_enum(InterfaceMethod, row["method"], "method"),
            "frequency": parse_enum(InterfaceFrequency, row["frequency"], "frequency"),
            "owner_id": owner_id,
            "note": row["note"],
        }

    def write(self, session: Session, products: dict[str, Product]) -> None:
        """Add or update the rows (products flushed, so with ids)."""
        if self.dependencies:
            existing = {
                (dependency.product_id, dependency.depends_on_id): dependency
                for dependency in session.execute(sa.select(ProductDependency)).scalars()
            }
            for (product, needed), values in self.dependencies.items():
                pair = (products[product].id, products[needed].id)
                dependency = existing.get(pair)
                if dependency is None:
                    dependency = ProductDependency(product_id=pair[0], depends_on_id=pair[1])
                    session.add(dependency)
                    existing[pair] = dependency
                dependency.note = values["note"]
        if self.interfaces:
            stored = {
                (interface.provider_id, interface.consumer_id, key(interface.data)): interface
                for interface in session.execute(
                    sa.select(Interface).order_by(Interface.id.desc())
                ).scalars()
            }
            for (provider, consumer, data_key), values in self.interfaces.items():
                interface_key = (products[provider].id, products[consumer].id, data_key)
                interface = stored.get(interface_key)
                if interface is None:
                    interface = Interface(
                        provider_id=interface_key[0], consumer_id=interface_key[1]
                    )
                    session.add(interface)
                    stored[interface_key] = interface
                for attribute, value in values.items():
                    setattr(interface, attribute, value)
