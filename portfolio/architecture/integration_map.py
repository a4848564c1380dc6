"""The integration map: products and the interfaces between them, drawn as an
SVG on the server (templates/architecture/_integration_map.html draws what is
computed here, in user units; text widths come from catalogue/svg_text.py).

Two views, both deterministic (the same rows give the same drawing):

- The whole portfolio: every live product with at least one interface or
  dependency, grouped by category in columns (a category with more than
  COLUMN_ROWS products takes several), by name within a column. Retired
  products and what touches them are left out. At most MAX_NODES products are
  drawn, the most connected first; the map says how many more there are.
  Edges run from box side to box side and never across another box (see
  `_portfolio_edges`). Too many to label: each has a tooltip, and the table
  under the map lists them all.
- One product: it sits in the middle, a box as tall as its neighbours' column;
  products that provide it data on the left, products that consume its data on
  the right (a product that does both sits on the left), each with one lane per
  interface or dependency, so every edge is a horizontal line with its data
  written above it. Products linked by a dependency only sit above (they depend
  on it) or below (it depends on them), ROW_NODES at most: more join the sides
  (dependants on the right, dependencies on the left). Neighbours only (1 hop).

Arrows point from the provider to the consumer, and from a product to what it
depends on (a hollow arrowhead). The line's dash says how data travels (solid
API, dashed file, dotted events, dash-dot manual), so colour is never the only
cue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.catalogue.svg_text import Box, TextLabel, fit_text, wrap_text
from portfolio.models import (
    Category,
    Interface,
    InterfaceMethod,
    Product,
    ProductDependency,
    Stage,
)

MAX_NODES = 150  # products drawn, centre included
MAX_EDGES = 300  # interfaces (and, apart, dependencies) drawn and listed

NAME_FONT = 12  # a product's name, bold
DETAIL_FONT = 11  # its category and stage, and every other text of the map
HEADING_FONT = 13
MARGIN = 16
PAD = 8  # inside a box, around its text
NODE_WIDTH, NODE_HEIGHT = 168, 56
NAME_LINE, DETAIL_LINE = 15, 14  # line heights

# The whole portfolio.
COLUMN_ROWS = 16  # products in a column before the category takes another
ROW_GAP = 24  # between two rows: a channel for lines that pass columns
ROW_PITCH = NODE_HEIGHT + ROW_GAP
COLUMN_GAP = 104
HEADING_HEIGHT = 28
LOOP_ROOM = COLUMN_GAP // 2  # right of the last column, for its loops

# One product.
GAP_WIDTH = 216  # between a side column and the centre: the lanes and their labels
LANE = 24  # height of one edge's lane (its label and line)
SLOT_GAP = 12  # between two neighbours of a side
ROW_NODES = 5  # dependency-only neighbours above, or below
DEPENDENCY_GAP = 52  # between the row above (or below) and the sides
CAPTION_HEIGHT = 24

ARROW = 9  # the arrowhead's length: labels and endpoints leave room for it


@dataclass(frozen=True)
class MapNode:
    """A product's box; its name and details are cut to fit."""

    product: Product
    x: float
    y: float
    width: float = NODE_WIDTH
    height: float = NODE_HEIGHT
    centre: bool = False

    @property
    def box(self) -> Box:
        return Box(self.x, self.y, self.x + self.width, self.y + self.height)

    @property
    def middle(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    @property
    def retired(self) -> bool:
        return self.product.stage is Stage.RETIRED

    @property
    def texts(self) -> list[TextLabel]:
        """Its name (bold, on up to two lines) and its category and stage, in
        the middle of its top NODE_HEIGHT."""
        room = self.width - 2 * PAD
        product = self.product
        names = wrap_text(product.name, room, NAME_FONT, bold=True, lines=2)
        detail = fit_text(f"{product.category.label} · {product.stage.label}", room, DETAIL_FONT)
        block = len(names) * NAME_LINE + DETAIL_LINE
        top = self.y + (NODE_HEIGHT - block) / 2
        labels = [
            TextLabel(name, self.x + PAD, top + n * NAME_LINE + NAME_FONT, "start", NAME_FONT, True)
            for n, name in enumerate(names)
        ]
        baseline = top + len(names) * NAME_LINE + DETAIL_FONT + 1
        return [*labels, TextLabel(detail, self.x + PAD, baseline, "start", DETAIL_FONT)]


@dataclass(frozen=True)
class MapEdge:
    """An interface (provider → consumer) or a dependency (product → what it
    depends on), as an SVG path from `start` to `end`, where the arrow is."""

    source: MapNode
    target: MapNode
    path: str
    start: tuple[float, float]
    end: tuple[float, float]
    interface: Interface | None = None
    dependency: ProductDependency | None = None
    label: TextLabel | None = None

    @property
    def style(self) -> str:
        """A CSS class's suffix: the interface's method, or "dependency"."""
        return self.interface.method.value if self.interface else "dependency"

    @property
    def title(self) -> str:
        source, target = self.source.product.name, self.target.product.name
        if self.interface is None:
            return f"{source} depends on {target}"
        interface = self.interface
        return (
            f"{source} → {target}: {interface.data} "
            f"({interface.method.label}, {interface.frequency.label.lower()})"
        )


@dataclass(frozen=True)
class IntegrationMap:
    """What the map draws, and what its tables list."""

    nodes: list[MapNode]
    edges: list[MapEdge]
    width: float
    height: float
    headings: list[TextLabel] = field(default_factory=list)
    centre: Product | None = None
    products_left_out: int = 0  # connected products the map has no room for
    edges_left_out: bool = False  # more than MAX_EDGES interfaces or dependencies

    @property
    def interfaces(self) -> list[Interface]:
        """Every interface drawn: by provider, consumer and data."""
        found = [edge.interface for edge in self.edges if edge.interface is not None]
        return sorted(found, key=_interface_order)

    @property
    def dependencies(self) -> list[ProductDependency]:
        found = [edge.dependency for edge in self.edges if edge.dependency is not None]
        return sorted(found, key=_dependency_order)

    @property
    def description(self) -> str:
        interfaces, dependencies = len(self.interfaces), len(self.dependencies)
        return (
            f"{_count(len(self.nodes), 'product')}, {_count(interfaces, 'interface')} "
            f"and {_count(dependencies, 'dependency', 'dependencies')}; "
            "the tables after the map list every one."
        )


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def _sort_name(product: Product) -> tuple[str, int]:
    return product.name.casefold(), product.id or 0


def _interface_order(interface: Interface) -> tuple:
    return (
        _sort_name(interface.provider),
        _sort_name(interface.consumer),
        interface.data.casefold(),
        interface.id or 0,
    )


def _dependency_order(dependency: ProductDependency) -> tuple:
    return _sort_name(dependency.product), _sort_name(dependency.depends_on), dependency.id or 0


# The whole portfolio ----------------------------------------------------------------


def portfolio_layout(
    products: Iterable[Product],
    interfaces: Iterable[Interface],
    dependencies: Iterable[ProductDependency],
    *,
    connected: int | None = None,
    edges_left_out: bool = False,
) -> IntegrationMap:
    """Lay out the live products that have an interface or a dependency between
    them (MAX_NODES at most, the most connected). `connected` is how many such
    products there are when `products` was already cut to the most connected."""
    live = {p.id: p for p in products if p.stage is not Stage.RETIRED}
    # In an order of their own, so the rows' order changes nothing.
    interfaces = sorted(interfaces, key=_interface_order)
    dependencies = sorted(dependencies, key=_dependency_order)
    links = [
        (i.provider, i.consumer, i, None)
        for i in interfaces
        if i.provider.id in live and i.consumer.id in live
    ] + [
        (d.product, d.depends_on, None, d)
        for d in dependencies
        if d.product.id in live and d.depends_on.id in live
    ]
    degree: dict[int, int] = defaultdict(int)
    for source, target, _, _ in links:
        degree[source.id] += 1
        degree[target.id] += 1
    ranked = sorted(degree, key=lambda pid: (-degree[pid], *_sort_name(live[pid])))
    drawn = ranked[:MAX_NODES]
    left_out = max(connected if connected is not None else len(ranked), len(ranked)) - len(drawn)

    nodes, headings, width, height = _category_columns([live[pid] for pid in drawn])
    links = [link for link in links if link[0].id in nodes and link[1].id in nodes]
    edges = _portfolio_edges(nodes, links)
    return IntegrationMap(
        nodes=sorted(nodes.values(), key=lambda n: (n.x, n.y)),
        edges=edges,
        width=width,
        height=height,
        headings=headings,
        products_left_out=left_out,
        edges_left_out=edges_left_out,
    )


def _category_columns(
    products: Sequence[Product],
) -> tuple[dict[int, MapNode], list[TextLabel], float, float]:
    by_category: dict[Category, list[Product]] = defaultdict(list)
    for product in products:
        by_category[product.category].append(product)
    nodes: dict[int, MapNode] = {}
    headings: list[TextLabel] = []
    column, rows = 0, 1
    for category in Category:  # the enum's order, the catalogue's
        members = sorted(by_category.get(category, []), key=_sort_name)
        for first in range(0, len(members), COLUMN_ROWS):
            x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP)
            if first == 0:
                text = fit_text(category.label, NODE_WIDTH, HEADING_FONT, bold=True)
                headings.append(
                    TextLabel(text, x, MARGIN + HEADING_FONT, "start", HEADING_FONT, True)
                )
            chunk = members[first : first + COLUMN_ROWS]
            for row, product in enumerate(chunk):
                y = MARGIN + HEADING_HEIGHT + row * ROW_PITCH
                nodes[product.id] = MapNode(product, x, y)
            rows = max(rows, len(chunk))
            column += 1
    columns = max(column, 1)
    width = 2 * MARGIN + columns * NODE_WIDTH + (columns - 1) * COLUMN_GAP + LOOP_ROOM
    height = MARGIN + HEADING_HEIGHT + rows * ROW_PITCH + MARGIN  # the last channel too
    return nodes, headings, width, height


def _portfolio_edges(nodes: dict[int, MapNode], links: list) -> list[MapEdge]:
    """Lines between box sides that never cross another box. Each side spreads
    the ends that meet it over its height, in the order of the other ends'
    heights, so lines cross less. Within a column a line loops out into the gap
    on its right; between neighbouring columns it curves across their gap;
    further, it turns into the channel between two rows (free in every column)
    nearest its ends, runs along it and turns out of it beside its target."""
    step = NODE_WIDTH + COLUMN_GAP
    columns = {pid: round((node.x - MARGIN) / step) for pid, node in nodes.items()}
    sides: list[tuple[str, str]] = []  # (source side, target side) per link
    ends: dict[tuple[int, str], list[tuple[float, float, int, int]]] = defaultdict(list)
    for index, (source, target, _, _) in enumerate(links):
        a, b = nodes[source.id], nodes[target.id]
        if columns[source.id] < columns[target.id]:
            pair = ("right", "left")
        elif columns[source.id] > columns[target.id]:
            pair = ("left", "right")
        else:
            pair = ("right", "right")
        sides.append(pair)
        ends[(source.id, pair[0])].append((b.y, b.x, index, 0))
        ends[(target.id, pair[1])].append((a.y, a.x, index, 1))
    points: dict[tuple[int, int], tuple[float, float]] = {}
    for (product_id, side), meeting in ends.items():
        node = nodes[product_id]
        x = node.x + node.width if side == "right" else node.x
        for place, (_, _, index, which) in enumerate(sorted(meeting)):
            points[(index, which)] = (x, node.y + node.height * (place + 1) / (len(meeting) + 1))

    # The channels: channel k runs under row k, ROW_GAP high.
    top = MARGIN + HEADING_HEIGHT
    rows = max((round((node.y - top) / ROW_PITCH) for node in nodes.values()), default=0) + 1
    channels: dict[int, list[int]] = defaultdict(list)
    for index, (source, target, _, _) in enumerate(links):
        if abs(columns[source.id] - columns[target.id]) > 1:
            middle = (points[(index, 0)][1] + points[(index, 1)][1]) / 2
            nearest = min(
                range(rows),
                key=lambda k: abs(top + k * ROW_PITCH + NODE_HEIGHT + ROW_GAP / 2 - middle),
            )
            channels[nearest].append(index)
    tracks: dict[int, float] = {}
    for k, members in channels.items():
        floor = top + k * ROW_PITCH + NODE_HEIGHT
        for place, index in enumerate(members):
            tracks[index] = floor + ROW_GAP * (place + 1) / (len(members) + 1)

    edges = []
    for index, (source, target, interface, dependency) in enumerate(links):
        start, end = points[(index, 0)], points[(index, 1)]
        if index in tracks:
            path = _routed(start, end, tracks[index])
        else:
            path = _curve(start, end, sides[index])
        edges.append(
            MapEdge(nodes[source.id], nodes[target.id], path, start, end, interface, dependency)
        )
    return edges


def _curve(start: tuple[float, float], end: tuple[float, float], sides: tuple[str, str]) -> str:
    (sx, sy), (ex, ey) = start, end
    if sides == ("right", "right"):  # same column: loop out to the right
        bulge = min(COLUMN_GAP * 0.6, 24 + abs(ey - sy) / 6)
        c1, c2 = (sx + bulge, sy), (ex + bulge, ey)
    else:
        pull = max(abs(ex - sx) / 2, 24)
        step = pull if sides[0] == "right" else -pull
        c1, c2 = (sx + step, sy), (ex - step, ey)
    return f"M{sx:.1f},{sy:.1f} C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {ex:.1f},{ey:.1f}"


def _routed(start: tuple[float, float], end: tuple[float, float], track: float) -> str:
    """Out of the source into the gap beside it, along the channel at `track`,
    and into the target from the gap beside it."""
    (sx, sy), (ex, ey) = start, end
    half = COLUMN_GAP / 2 if ex > sx else -COLUMN_GAP / 2
    quarter = half / 2
    return (
        f"M{sx:.1f},{sy:.1f} C{sx + quarter:.1f},{sy:.1f} {sx + quarter:.1f},{track:.1f} "
        f"{sx + half:.1f},{track:.1f} L{ex - half:.1f},{track:.1f} "
        f"C{ex - quarter:.1f},{track:.1f} {ex - quarter:.1f},{ey:.1f} {ex:.1f},{ey:.1f}"
    )


# One product ------------------------------------------------------------------------


@dataclass
class _Neighbour:
    product: Product
    # (interface or None, dependency or None, whether the neighbour is the source)
    lanes: list[tuple[Interface | None, ProductDependency | None, bool]] = field(
        default_factory=list
    )

    @property
    def provides(self) -> bool:
        return any(interface and outgoing for interface, _, outgoing in self.lanes)

    @property
    def has_interface(self) -> bool:
        return any(interface for interface, _, _ in self.lanes)


def product_layout(
    product: Product,
    interfaces: Iterable[Interface],
    dependencies: Iterable[ProductDependency],
    *,
    edges_left_out: bool = False,
) -> IntegrationMap:
    """`product` in the middle and its neighbours around it (retired ones too,
    drawn faded): see the module's docstring."""
    neighbours: dict[int, _Neighbour] = {}

    def neighbour(other: Product) -> _Neighbour:
        return neighbours.setdefault(other.id, _Neighbour(other))

    for interface in sorted(interfaces, key=lambda i: (i.data.casefold(), i.id or 0)):
        if interface.provider.id == product.id:
            neighbour(interface.consumer).lanes.append((interface, None, False))
        elif interface.consumer.id == product.id:
            neighbour(interface.provider).lanes.append((interface, None, True))
    for dependency in sorted(dependencies, key=lambda d: d.id or 0):
        if dependency.product.id == product.id:
            neighbour(dependency.depends_on).lanes.append((None, dependency, False))
        elif dependency.depends_on.id == product.id:
            neighbour(dependency.product).lanes.append((None, dependency, True))

    kept = sorted(neighbours.values(), key=lambda n: (-len(n.lanes), *_sort_name(n.product)))
    kept = sorted(kept[: MAX_NODES - 1], key=lambda n: _sort_name(n.product))
    left = [n for n in kept if n.provides]
    right = [n for n in kept if n.has_interface and not n.provides]
    # Dependency only: a dependant (the neighbour is the source) above, a dependency below.
    above = [n for n in kept if not n.has_interface and n.lanes[0][2]]
    below = [n for n in kept if not n.has_interface and not n.lanes[0][2]]
    right += above[ROW_NODES:]
    left += below[ROW_NODES:]
    above, below = above[:ROW_NODES], below[:ROW_NODES]
    left.sort(key=lambda n: _sort_name(n.product))
    right.sort(key=lambda n: _sort_name(n.product))

    width = 2 * MARGIN + 3 * NODE_WIDTH + 2 * GAP_WIDTH
    centre_x = MARGIN + NODE_WIDTH + GAP_WIDTH
    headings: list[TextLabel] = []
    y = MARGIN

    def caption(text: str, x: float, top: float, anchor: str = "start") -> None:
        headings.append(TextLabel(text, x, top + HEADING_FONT, anchor, HEADING_FONT, True))

    above_top = y + CAPTION_HEIGHT
    if above:
        caption("Depend on it", MARGIN, y)
        y = above_top + NODE_HEIGHT + DEPENDENCY_GAP
    if left:
        caption("Provide data", MARGIN, y)
    if right:
        caption("Use data", width - MARGIN, y, "end")
    side_top = y + CAPTION_HEIGHT

    nodes: list[MapNode] = []
    lanes: list[tuple[_Neighbour, MapNode, int, float]] = []  # neighbour, node, lane, y
    column_heights = [0.0, 0.0]
    for column, (members, x) in enumerate(
        ((left, MARGIN), (right, centre_x + NODE_WIDTH + GAP_WIDTH))
    ):
        top = side_top
        for member in members:
            height = max(NODE_HEIGHT, len(member.lanes) * LANE)
            node = MapNode(member.product, x, top, height=height)
            nodes.append(node)
            spare = (height - len(member.lanes) * LANE) / 2
            for lane in range(len(member.lanes)):
                lanes.append((member, node, lane, top + spare + (lane + 0.5) * LANE))
            top += height + SLOT_GAP
        column_heights[column] = top - SLOT_GAP - side_top
    centre_height = max(NODE_HEIGHT, *column_heights)
    centre = MapNode(product, centre_x, side_top, height=centre_height, centre=True)
    nodes.append(centre)

    edges = [_lane_edge(member, node, centre, lane, y) for member, node, lane, y in lanes]
    below_top = side_top + centre_height + DEPENDENCY_GAP
    if below:
        caption("It depends on", MARGIN, below_top - CAPTION_HEIGHT)
        y = below_top + NODE_HEIGHT + MARGIN
    else:
        y = side_top + centre_height + MARGIN

    for members, top in ((above, above_top), (below, below_top)):
        row = [
            MapNode(member.product, x, top)
            for member, x in zip(members, _row_xs(len(members), width), strict=True)
        ]
        nodes += row
        for place, (member, node) in enumerate(zip(members, row, strict=True)):
            at = centre.x + centre.width * (place + 1) / (len(row) + 1)
            _, dependency, outgoing = member.lanes[0]
            if outgoing:  # the neighbour above depends on the centre
                start, end = (node.middle[0], node.y + node.height), (at, centre.y)
            else:
                start, end = (at, centre.y + centre.height), (node.middle[0], node.y)
            source, target = (node, centre) if outgoing else (centre, node)
            edges.append(MapEdge(source, target, _line(start, end), start, end, None, dependency))

    return IntegrationMap(
        nodes=nodes,
        edges=edges,
        width=width,
        height=y,
        headings=headings,
        centre=product,
        products_left_out=len(neighbours) - len(kept),
        edges_left_out=edges_left_out,
    )


def _row_xs(count: int, width: float) -> list[float]:
    """Left edges of `count` boxes spread evenly over the map's width."""
    share = (width - 2 * MARGIN) / max(count, 1)
    return [MARGIN + (place + 0.5) * share - NODE_WIDTH / 2 for place in range(count)]


def _line(start: tuple[float, float], end: tuple[float, float]) -> str:
    return f"M{start[0]:.1f},{start[1]:.1f} L{end[0]:.1f},{end[1]:.1f}"


def _lane_edge(member: _Neighbour, node: MapNode, centre: MapNode, lane: int, y: float) -> MapEdge:
    interface, dependency, outgoing = member.lanes[lane]
    on_left = node.x < centre.x
    near = node.x + node.width if on_left else node.x  # the neighbour's side facing the centre
    far = centre.x if on_left else centre.x + centre.width
    start, end = ((near, y), (far, y)) if outgoing else ((far, y), (near, y))
    source, target = (node, centre) if outgoing else (centre, node)
    text = interface.data if interface else "depends on"
    gap_left, gap_right = min(near, far), max(near, far)
    room = gap_right - gap_left - 2 * (ARROW + 4)
    label = TextLabel(
        fit_text(text, room, DETAIL_FONT),
        (gap_left + gap_right) / 2,
        y - 5,
        "middle",
        DETAIL_FONT,
    )
    return MapEdge(source, target, _line(start, end), start, end, interface, dependency, label)


# Loading --------------------------------------------------------------------------


def _live_ids() -> sa.Select:
    return sa.select(Product.id).where(Product.stage != Stage.RETIRED)


def portfolio_map(session: Session) -> IntegrationMap:
    """The whole portfolio's map, in three queries whatever its size: the most
    connected live products (and how many are connected), then the interfaces
    and the dependencies between them."""
    live = _live_ids()
    both_live = (
        (Interface.provider_id.in_(live), Interface.consumer_id.in_(live)),
        (ProductDependency.product_id.in_(live), ProductDependency.depends_on_id.in_(live)),
    )
    ends = sa.union_all(
        sa.select(Interface.provider_id.label("product_id")).where(*both_live[0]),
        sa.select(Interface.consumer_id).where(*both_live[0]),
        sa.select(ProductDependency.product_id).where(*both_live[1]),
        sa.select(ProductDependency.depends_on_id).where(*both_live[1]),
    ).subquery()
    rows = session.execute(
        sa.select(Product, sa.func.count().over().label("connected"))
        .join(ends, ends.c.product_id == Product.id)
        .group_by(Product.id)
        .order_by(sa.func.count().desc(), Product.name, Product.id)
        .limit(MAX_NODES)
    ).all()
    products = [product for product, _ in rows]
    ids = [product.id for product in products]
    interfaces = session.scalars(
        sa.select(Interface)
        .where(Interface.provider_id.in_(ids), Interface.consumer_id.in_(ids))
        .options(
            joinedload(Interface.provider),
            joinedload(Interface.consumer),
            joinedload(Interface.owner),
        )
        .order_by(Interface.id)
        .limit(MAX_EDGES + 1)
    ).all()
    dependencies = session.scalars(
        sa.select(ProductDependency)
        .where(ProductDependency.product_id.in_(ids), ProductDependency.depends_on_id.in_(ids))
        .options(joinedload(ProductDependency.product), joinedload(ProductDependency.depends_on))
        .order_by(ProductDependency.id)
        .limit(MAX_EDGES + 1)
    ).all()
    return portfolio_layout(
        products,
        interfaces[:MAX_EDGES],
        dependencies[:MAX_EDGES],
        connected=rows[0].connected if rows else 0,
        edges_left_out=len(interfaces) > MAX_EDGES or len(dependencies) > MAX_EDGES,
    )


def product_map(session: Session, product: Product) -> IntegrationMap:
    """`product` and its neighbours, in two queries whatever their number."""
    interfaces = session.scalars(
        sa.select(Interface)
        .where(sa.or_(Interface.provider_id == product.id, Interface.consumer_id == product.id))
        .options(
            joinedload(Interface.provider),
            joinedload(Interface.consumer),
            joinedload(Interface.owner),
        )
        .order_by(Interface.id)
        .limit(MAX_EDGES + 1)
    ).all()
    dependencies = session.scalars(
        sa.select(ProductDependency)
        .where(
            sa.or_(
                ProductDependency.product_id == product.id,
                ProductDependency.depends_on_id == product.id,
            )
        )
        .options(joinedload(ProductDependency.product), joinedload(ProductDependency.depends_on))
        .order_by(ProductDependency.id)
        .limit(MAX_EDGES + 1)
    ).all()
    return product_layout(
        product,
        interfaces[:MAX_EDGES],
        dependencies[:MAX_EDGES],
        edges_left_out=len(interfaces) > MAX_EDGES or len(dependencies) > MAX_EDGES,
    )


# The legend: each line style, what it means, and how it is drawn (in words, so
# that neither colour nor the drawing is the only cue).
LEGEND = [
    ("api", InterfaceMethod.API.label, "solid line"),
    ("file", InterfaceMethod.FILE.label, "dashed line"),
    ("event", InterfaceMethod.EVENT.label, "dotted line"),
    ("manual", InterfaceMethod.MANUAL.label, "dash-dot line"),
    ("dependency", "Depends on", "hollow arrowhead"),
]
