"""Business capabilities: the tree admins edit ("Order to cash" → "Invoice"),
and the capabilities each product serves.

The tree's rules, checked here (the caller commits):

- at most MAX_DEPTH levels (a top-level capability, its children, theirs),
  and at most MAX_CAPABILITIES capabilities in all, so the map draws them all;
- a name is unique among its siblings (ignoring case), 1–120 characters;
- a capability moves under another one, never under itself or one of its own
  descendants (no cycles), and only where the whole moved branch still fits
  in MAX_DEPTH levels;
- deleting a capability that has sub-capabilities is refused (move or delete
  them first: a branch never disappears by accident); deleting one that
  products map to needs a confirmation, and unmaps them.

Every change records CAPABILITY_CREATED / EDITED / DELETED; changing the
capabilities a product serves records CAPABILITIES_MAPPED with the names
before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.models import Capability, Product, User, Verb, product_capability

MAX_DEPTH = 3
MAX_CAPABILITIES = 500
NAME_LENGTH = 120  # Capability.name
DESCRIPTION_LENGTH = 500  # Capability.description
PATH_SEPARATOR = " › "


class CapabilityRefused(ValueError):
    """A change the tree's rules refuse; `field` names the form field it is about."""

    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message)
        self.field = field


class ConfirmationNeeded(CapabilityRefused):
    """Deleting a capability that products map to: ask before unmapping them."""

    def __init__(self, message: str, products: list[str]) -> None:
        super().__init__(message, field="confirm")
        self.products = products


@dataclass
class CapabilityTree:
    """Every capability (or the first `limit`), loaded in one query, with the
    tree's shape worked out in Python: no lazy load per node."""

    by_id: dict[int, Capability]
    children: dict[int | None, list[Capability]] = field(default_factory=dict)
    more: int = 0  # capabilities beyond the limit, not loaded

    @property
    def roots(self) -> list[Capability]:
        return self.children.get(None, [])

    def children_of(self, capability_id: int | None) -> list[Capability]:
        return self.children.get(capability_id, [])

    def depth(self, capability_id: int) -> int:
        """1 for a top-level capability, 2 for its children…"""
        depth, node = 0, self.by_id.get(capability_id)
        while node is not None and depth <= MAX_CAPABILITIES:
            depth += 1
            node = self.by_id.get(node.parent_id) if node.parent_id is not None else None
        return depth

    def height(self, capability_id: int) -> int:
        """Levels in the branch from this capability down (1 for a leaf)."""
        below = [self.height(child.id) for child in self.children_of(capability_id)]
        return 1 + max(below, default=0)

    def descendants(self, capability_id: int) -> set[int]:
        found: set[int] = set()
        todo = [capability_id]
        while todo:
            for child in self.children_of(todo.pop()):
                if child.id not in found:
                    found.add(child.id)
                    todo.append(child.id)
        return found

    def path(self, capability_id: int) -> str:
        """'Order to cash › Invoice'."""
        names: list[str] = []
        node = self.by_id.get(capability_id)
        while node is not None and len(names) < MAX_DEPTH + 1:
            names.append(node.name)
            node = self.by_id.get(node.parent_id) if node.parent_id is not None else None
        return PATH_SEPARATOR.join(reversed(names))

    def in_order(self) -> list[tuple[Capability, int]]:
        """Every capability depth first, siblings in their order, with its depth."""
        ordered: list[tuple[Capability, int]] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for node in self.children_of(parent_id):
                ordered.append((node, depth))
                if depth < MAX_DEPTH + 1:
                    walk(node.id, depth + 1)

        walk(None, 1)
        return ordered

    def parent_choices(self, moving: Capability | None = None) -> list[tuple[Capability, int]]:
        """Where a capability can go: every capability that leaves room below
        it for the branch moved (or one new capability), itself and its
        descendants excepted."""
        height = self.height(moving.id) if moving is not None else 1
        excluded = {moving.id} | self.descendants(moving.id) if moving is not None else set()
        return [
            (node, depth)
            for node, depth in self.in_order()
            if node.id not in excluded and depth + height <= MAX_DEPTH
        ]


def sibling_order():
    return (Capability.position, Capability.name, Capability.id)


def load_tree(session: Session, limit: int | None = None) -> CapabilityTree:
    """The tree in one query (two when `limit` cuts it: the total is counted);
    a capability whose parent is beyond the limit is left out with it."""
    query = sa.select(Capability).order_by(*sibling_order())
    if limit is not None:
        query = query.limit(limit + 1)
    rows = list(session.execute(query).scalars())
    more = 0
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
        more = session.execute(sa.select(sa.func.count(Capability.id))).scalar_one() - limit
    tree = CapabilityTree(by_id={node.id: node for node in rows}, more=more)
    for node in rows:  # already in sibling order
        if node.parent_id is None or node.parent_id in tree.by_id:
            tree.children.setdefault(node.parent_id, []).append(node)
    reachable = {node.id for node, _ in tree.in_order()}
    tree.more += len(tree.by_id) - len(reachable)
    tree.by_id = {key: node for key, node in tree.by_id.items() if key in reachable}
    return tree


# Checks ------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CapabilityRefused("Give the capability a name.")
    if len(name) > NAME_LENGTH:
        raise CapabilityRefused(f"Keep the name to {NAME_LENGTH} characters.")
    return name


def clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_LENGTH:
        raise CapabilityRefused(
            f"Keep the description to {DESCRIPTION_LENGTH} characters.", field="description"
        )
    return description


def _check_unique(
    tree: CapabilityTree, parent_id: int | None, name: str, itself: int | None = None
) -> None:
    for sibling in tree.children_of(parent_id):
        if sibling.id != itself and sibling.name.casefold() == name.casefold():
            where = f"under {tree.path(parent_id)}" if parent_id is not None else "at the top level"
            raise CapabilityRefused(f"There is already a capability “{sibling.name}” {where}.")


def _check_room(tree: CapabilityTree, parent: Capability | None, height: int) -> None:
    if parent is None:
        return
    if tree.depth(parent.id) + height > MAX_DEPTH:
        raise CapabilityRefused(
            f"The capability map has at most {MAX_DEPTH} levels: "
            f"there is no room under {tree.path(parent.id)}.",
            field="parent_id",
        )


def _next_position(tree: CapabilityTree, parent_id: int | None) -> int:
    return max((node.position for node in tree.children_of(parent_id)), default=-1) + 1


def _where(tree: CapabilityTree, parent_id: int | None) -> str:
    return tree.path(parent_id) if parent_id is not None else "the top level"


# Changes -----------------------------------------------------------------------------


def create_capability(
    session: Session,
    actor: User,
    *,
    name: str,
    description: str = "",
    parent: Capability | None = None,
) -> Capability:
    tree = load_tree(session)
    if len(tree.by_id) + tree.more >= MAX_CAPABILITIES:
        raise CapabilityRefused(
            f"The capability map holds at most {MAX_CAPABILITIES} capabilities: "
            "delete or merge some first."
        )
    name = clean_name(name)
    description = clean_description(description)
    parent_id = parent.id if parent is not None else None
    _check_room(tree, parent, 1)
    _check_unique(tree, parent_id, name)
    capability = Capability(
        name=name,
        description=description,
        parent_id=parent_id,
        position=_next_position(tree, parent_id),
    )
    session.add(capability)
    record(
        session,
        actor,
        Verb.CAPABILITY_CREATED,
        subject=name,
        after=f"under {_where(tree, parent_id)}",
    )
    return capability


def edit_capability(
    session: Session,
    actor: User,
    capability: Capability,
    *,
    name: str,
    description: str,
    parent: Capability | None,
) -> bool:
    """Rename, describe and move a capability (a new parent puts it last
    among its new siblings). Records what changed; False when nothing did."""
    tree = load_tree(session)
    name = clean_name(name)
    description = clean_description(description)
    parent_id = parent.id if parent is not None else None
    if parent_id is not None and (
        parent_id == capability.id or parent_id in tree.descendants(capability.id)
    ):
        raise CapabilityRefused(
            "A capability cannot go under itself or one of its own sub-capabilities.",
            field="parent_id",
        )
    if parent_id != capability.parent_id:
        _check_room(tree, parent, tree.height(capability.id))
    _check_unique(tree, parent_id, name, itself=capability.id)

    before, after = [], []
    if name != capability.name:
        before.append(f"name: {capability.name}")
        after.append(f"name: {name}")
    if parent_id != capability.parent_id:
        before.append(f"under: {_where(tree, capability.parent_id)}")
        after.append(f"under: {_where(tree, parent_id)}")
    if description != capability.description:
        before.append(f"description: {capability.description or '—'}")
        after.append(f"description: {description or '—'}")
    if not before:
        return False
    old_name = capability.name
    if parent_id != capability.parent_id:
        capability.position = _next_position(tree, parent_id)
        capability.parent_id = parent_id
    capability.name, capability.description = name, description
    record(
        session,
        actor,
        Verb.CAPABILITY_EDITED,
        subject=name if name == old_name else f"{old_name} (now {name})",
        before="; ".join(before),
        after="; ".join(after),
    )
    return True


def move_capability(session: Session, actor: User, capability: Capability, offset: int) -> bool:
    """Move a capability `offset` places among its siblings (-1: up, 1: down);
    False when it is already first or last. Renumbers the siblings 0…n-1."""
    if offset not in (-1, 1):
        raise CapabilityRefused("Move one place up or down.", field="direction")
    siblings = load_tree(session).children_of(capability.parent_id)
    place = next(index for index, node in enumerate(siblings) if node.id == capability.id)
    target = place + offset
    if not 0 <= target < len(siblings):
        return False
    siblings.insert(target, siblings.pop(place))
    for position, node in enumerate(siblings):
        node.position = position
    record(
        session,
        actor,
        Verb.CAPABILITY_EDITED,
        subject=capability.name,
        before=f"position {place + 1} of {len(siblings)}",
        after=f"position {target + 1} of {len(siblings)}",
    )
    return True


def mapped_product_names(session: Session, capability_id: int) -> list[str]:
    return list(
        session.execute(
            sa.select(Product.name)
            .join(product_capability, product_capability.c.product_id == Product.id)
            .where(product_capability.c.capability_id == capability_id)
            .order_by(Product.name)
        ).scalars()
    )


def delete_capability(
    session: Session, actor: User, capability: Capability, *, confirmed: bool = False
) -> None:
    """Delete a capability with no sub-capabilities; one that products map to
    only when `confirmed` (they are unmapped)."""
    children = session.execute(
        sa.select(sa.func.count(Capability.id)).where(Capability.parent_id == capability.id)
    ).scalar_one()
    if children:
        raise CapabilityRefused(
            f"“{capability.name}” has {children} sub-capabilit{'y' if children == 1 else 'ies'}: "
            "move or delete them first.",
            field="confirm",
        )
    products = mapped_product_names(session, capability.id)
    if products and not confirmed:
        count = len(products)
        raise ConfirmationNeeded(
            f"{count} product{'' if count == 1 else 's'} map{'s' if count == 1 else ''} "
            f"to “{capability.name}”: confirm to unmap {'it' if count == 1 else 'them'} "
            "and delete the capability.",
            products,
        )
    tree = load_tree(session)
    where = _where(tree, capability.parent_id)
    session.execute(
        sa.delete(product_capability).where(product_capability.c.capability_id == capability.id)
    )
    session.delete(capability)
    record(
        session,
        actor,
        Verb.CAPABILITY_DELETED,
        subject=capability.name,
        before=f"under {where}" + (f"; served by {', '.join(products)}" if products else ""),
    )


# Products and the capabilities they serve -------------------------------------------


def capabilities_of(session: Session, product_id: int) -> list[Capability]:
    return list(
        session.execute(
            sa.select(Capability)
            .join(product_capability, product_capability.c.capability_id == Capability.id)
            .where(product_capability.c.product_id == product_id)
            .order_by(Capability.name, Capability.id)
        ).scalars()
    )


def _names(capabilities: Iterable[Capability]) -> str:
    names = sorted(capability.name for capability in capabilities)
    return ", ".join(names) if names else "none"


def map_capabilities(
    session: Session, actor: User, product: Product, capability_ids: Iterable[int]
) -> bool:
    """Make `capability_ids` the capabilities `product` serves; records the
    names before and after. False when the set did not change."""
    wanted = set(capability_ids)
    if len(wanted) > MAX_CAPABILITIES:
        raise CapabilityRefused("Choose capabilities from the list.", field="capabilities")
    chosen = (
        list(session.execute(sa.select(Capability).where(Capability.id.in_(wanted))).scalars())
        if wanted
        else []
    )
    if len(chosen) != len(wanted):
        raise CapabilityRefused(
            "Some of these capabilities no longer exist: choose from the list.",
            field="capabilities",
        )
    current = capabilities_of(session, product.id)
    have = {capability.id for capability in current}
    if have == wanted:
        return False
    removed, added = have - wanted, wanted - have
    if removed:
        session.execute(
            sa.delete(product_capability).where(
                product_capability.c.product_id == product.id,
                product_capability.c.capability_id.in_(removed),
            )
        )
    if added:
        session.execute(
            sa.insert(product_capability),
            [{"product_id": product.id, "capability_id": key} for key in sorted(added)],
        )
    session.expire(product, ["capabilities"])
    record(
        session,
        actor,
        Verb.CAPABILITIES_MAPPED,
        subject=product.name,
        product=product,
        before=_names(current),
        after=_names(chosen),
    )
    return True
