"""The integration map (#18): the layout (deterministic, no overlapping boxes,
arrows from provider to consumer, bounded) without HTTP, and its two pages
(the SVG's roles, its legend, a table of every interface, a constant number of
queries)."""

from __future__ import annotations

import random
import re

import pytest

from portfolio.architecture import integration_map
from portfolio.architecture.integration_map import (
    MAX_NODES,
    ROW_NODES,
    IntegrationMap,
    portfolio_layout,
    product_layout,
)
from portfolio.catalogue.svg_text import fit_text, text_width, wrap_text
from portfolio.extensions import db
from portfolio.models import (
    Category,
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    Product,
    ProductDependency,
    Stage,
)
from tests.helpers import parse_html

CATEGORIES = list(Category)
METHODS = list(InterfaceMethod)


# Rows without a database --------------------------------------------------------------


def products(count: int, *, start: int = 1) -> list[Product]:
    return [
        Product(
            id=n,
            slug=f"product-{n}",
            name=f"Product {n:03}",
            category=CATEGORIES[n % len(CATEGORIES)],
            stage=Stage.LIVE,
        )
        for n in range(start, start + count)
    ]


def interface(provider, consumer, data="Orders", method=InterfaceMethod.API, id=None):
    return Interface(
        id=id,
        provider=provider,
        consumer=consumer,
        data=data,
        method=method,
        frequency=InterfaceFrequency.DAILY,
    )


def depends(product, on, id=None):
    return ProductDependency(id=id, product=product, depends_on=on, note="")


def web(count: int, seed: int = 7):
    """`count` products and a tangle of interfaces and dependencies between them."""
    pool = products(count)
    chance = random.Random(seed)
    interfaces, dependencies, seen = [], [], set()
    for n in range(count * 2):
        a, b = chance.sample(pool, 2)
        if (a.id, b.id) in seen:
            continue
        seen.add((a.id, b.id))
        if n % 4:
            interfaces.append(interface(a, b, f"Data {n}", METHODS[n % 4], id=n + 1))
        else:
            dependencies.append(depends(a, b, id=n + 1))
    return pool, interfaces, dependencies


def assert_no_overlap(drawn: IntegrationMap) -> None:
    """No box over another, and every box's text inside it."""
    boxes = [node.box for node in drawn.nodes]
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert not one.overlaps(other), (one, other)
    for node in drawn.nodes:
        for text in node.texts:
            assert text.box.inside(node.box), (text.text, node.box)


def on_edge(box, point, tolerance=0.01) -> bool:
    """Whether `point` lies on the border of `box`."""
    x, y = point
    inside = box.grown(tolerance).contains(x, y)
    near_side = min(abs(x - box.x0), abs(x - box.x1), abs(y - box.y0), abs(y - box.y1))
    return inside and near_side <= tolerance


def assert_arrows_point_the_right_way(drawn: IntegrationMap) -> None:
    nodes = {node.product.id: node for node in drawn.nodes}
    for edge in drawn.edges:
        if edge.interface is not None:
            source, target = edge.interface.provider, edge.interface.consumer
        else:
            source, target = edge.dependency.product, edge.dependency.depends_on
        assert edge.source.product is source and edge.target.product is target
        assert on_edge(nodes[source.id].box, edge.start), edge.title
        assert on_edge(nodes[target.id].box, edge.end), edge.title
        path_start = edge.path.split()[0]
        assert path_start == f"M{edge.start[0]:.1f},{edge.start[1]:.1f}"
        assert edge.path.endswith(f"{edge.end[0]:.1f},{edge.end[1]:.1f}")


def assert_inside(drawn: IntegrationMap) -> None:
    for node in drawn.nodes:
        assert node.box.x0 >= 0 and node.box.y0 >= 0
        assert node.box.x1 <= drawn.width and node.box.y1 <= drawn.height


def snapshot(drawn: IntegrationMap):
    return (
        drawn.width,
        drawn.height,
        [(n.product.id, n.x, n.y, n.width, n.height) for n in drawn.nodes],
        sorted((e.source.product.id, e.target.product.id, e.path) for e in drawn.edges),
    )


# The whole portfolio ---------------------------------------------------------------


def test_the_portfolio_layout_is_deterministic_whatever_the_order_of_rows():
    pool, interfaces, dependencies = web(40)
    first = portfolio_layout(pool, interfaces, dependencies)
    shuffled = random.Random(1)
    pool2, interfaces2, dependencies2 = list(pool), list(interfaces), list(dependencies)
    for rows in (pool2, interfaces2, dependencies2):
        shuffled.shuffle(rows)
    second = portfolio_layout(pool2, interfaces2, dependencies2)
    assert snapshot(first) == snapshot(second)


def test_the_portfolio_groups_products_by_category_in_columns_without_overlap():
    pool, interfaces, dependencies = web(60)
    drawn = portfolio_layout(pool, interfaces, dependencies)
    assert_no_overlap(drawn)
    assert_inside(drawn)
    assert_arrows_point_the_right_way(drawn)
    # One column per category (or several for a long one), each with its heading.
    columns: dict[float, set[Category]] = {}
    for node in drawn.nodes:
        columns.setdefault(node.x, set()).add(node.product.category)
    assert all(len(categories) == 1 for categories in columns.values())
    headings = [heading.text for heading in drawn.headings]
    assert headings == [c.label for c in Category if any(p.category is c for p in pool)]
    # Within a column, by name.
    for x in columns:
        names = [n.product.name for n in sorted(drawn.nodes, key=lambda n: n.y) if n.x == x]
        assert names == sorted(names)


def test_a_long_category_takes_several_columns():
    pool = products(40)
    for product in pool:
        product.category = Category.ERP
    hub = pool[0]
    drawn = portfolio_layout(pool, [interface(hub, other) for other in pool[1:]], [])
    columns = {node.x for node in drawn.nodes}
    assert len(columns) == -(-40 // integration_map.COLUMN_ROWS)
    assert [heading.text for heading in drawn.headings] == ["ERP"]
    assert_no_overlap(drawn)
    assert_arrows_point_the_right_way(drawn)


def test_the_portfolio_leaves_out_retired_and_unconnected_products():
    a, b, c, retired, alone = products(5)
    retired.stage = Stage.RETIRED
    drawn = portfolio_layout(
        [a, b, c, retired, alone],
        [interface(a, b), interface(retired, c), interface(c, retired, "Back")],
        [depends(b, c), depends(a, retired)],
    )
    assert {node.product.name for node in drawn.nodes} == {a.name, b.name, c.name}
    assert [edge.title for edge in drawn.edges] == [
        f"{a.name} → {b.name}: Orders (API, daily)",
        f"{b.name} depends on {c.name}",
    ]
    assert drawn.products_left_out == 0


def test_the_portfolio_draws_at_most_max_nodes_the_most_connected_first():
    pool = products(MAX_NODES + 30)
    hub, others = pool[0], pool[1:]
    interfaces = [interface(hub, other, id=n) for n, other in enumerate(others, start=1)]
    # The last 20 are also linked among themselves: they are the best connected.
    busy = others[-20:]
    interfaces += [
        interface(a, b, "More", id=1000 + n)
        for n, (a, b) in enumerate(zip(busy, busy[1:], strict=False))
    ]
    drawn = portfolio_layout(pool, interfaces, [])
    assert len(drawn.nodes) == MAX_NODES
    assert drawn.products_left_out == 30
    drawn_ids = {node.product.id for node in drawn.nodes}
    assert hub.id in drawn_ids and {p.id for p in busy} <= drawn_ids
    # Only edges between drawn products, every one of them listed.
    assert all(
        e.source.product.id in drawn_ids and e.target.product.id in drawn_ids for e in drawn.edges
    )
    assert len(drawn.interfaces) == len(drawn.edges)
    assert_no_overlap(drawn)
    # The query cut the products already: the count of connected ones says how many more.
    assert portfolio_layout(pool[:20], interfaces, [], connected=500).products_left_out == 500 - 20


def test_several_interfaces_between_two_products_meet_their_boxes_apart():
    a, b = products(2)
    drawn = portfolio_layout(
        [a, b], [interface(a, b, "One"), interface(a, b, "Two"), interface(b, a, "Three")], []
    )
    starts = {edge.start for edge in drawn.edges}
    ends = {edge.end for edge in drawn.edges}
    assert len(starts) == 3 and len(ends) == 3
    assert_arrows_point_the_right_way(drawn)


# One product --------------------------------------------------------------------------


def test_the_centred_map_puts_providers_left_consumers_right_and_dependencies_above_below():
    centre, provider, consumer, both, dependant, dependency, stranger = products(7)
    drawn = product_layout(
        centre,
        [
            interface(provider, centre, "Prices"),
            interface(centre, consumer, "Invoices"),
            interface(both, centre, "Stock"),
            interface(centre, both, "Orders"),
            interface(provider, stranger, "Not ours"),
        ],
        [depends(dependant, centre), depends(centre, dependency)],
    )
    where = {node.product.id: node for node in drawn.nodes}
    middle = where[centre.id]
    assert middle.centre and not any(n.centre for n in drawn.nodes if n is not middle)
    assert stranger.id not in where  # neighbours only: one hop
    assert where[provider.id].box.x1 < middle.box.x0
    assert where[both.id].box.x1 < middle.box.x0
    assert where[consumer.id].box.x0 > middle.box.x1
    assert where[dependant.id].box.y1 < middle.box.y0
    assert where[dependency.id].box.y0 > middle.box.y1
    assert_no_overlap(drawn)
    assert_inside(drawn)
    assert_arrows_point_the_right_way(drawn)
    # Side edges are horizontal lanes labelled with their data.
    labels = {edge.label.text for edge in drawn.edges if edge.label}
    assert labels == {"Prices", "Invoices", "Stock", "Orders"}
    for edge in drawn.edges:
        if edge.label:
            assert edge.start[1] == edge.end[1]


def test_lanes_and_their_labels_never_overlap_and_long_data_is_cut_to_fit():
    centre, *others = products(13)
    long = "Customer master data with addresses, contacts, credit limits and payment terms"
    interfaces = [
        interface(other, centre, f"{long} {n}" if n % 2 else f"Feed {n}", METHODS[n % 4], id=n)
        for n, other in enumerate(others[:6])
    ]
    interfaces += [interface(others[0], centre, f"Extra {n}", id=100 + n) for n in range(3)]
    interfaces += [
        interface(centre, other, "Back", id=200 + n) for n, other in enumerate(others[6:])
    ]
    drawn = product_layout(centre, interfaces, [depends(centre, others[-1])])
    assert_no_overlap(drawn)
    assert_arrows_point_the_right_way(drawn)
    labels = [edge.label for edge in drawn.edges if edge.label]
    for i, one in enumerate(labels):
        for other in labels[i + 1 :]:
            assert not one.box.overlaps(other.box), (one.text, other.text)
        assert not any(one.box.overlaps(node.box) for node in drawn.nodes), one.text
    cut = [label for label in labels if label.text.endswith("…")]
    assert cut and all(long.startswith(label.text[:-1]) for label in cut)
    assert all(label.width <= integration_map.GAP_WIDTH for label in labels)
    # A neighbour with four lanes is as tall as its lanes.
    busiest = next(n for n in drawn.nodes if n.product is others[0])
    assert busiest.height == 4 * integration_map.LANE


def test_dependency_only_neighbours_beyond_a_row_join_the_sides():
    centre, *others = products(1 + 2 * ROW_NODES + 4)
    dependants, dependencies = others[: ROW_NODES + 2], others[ROW_NODES + 2 :]
    drawn = product_layout(
        centre,
        [],
        [depends(d, centre) for d in dependants] + [depends(centre, d) for d in dependencies],
    )
    middle = next(node for node in drawn.nodes if node.centre)
    above = [n for n in drawn.nodes if n.box.y1 < middle.box.y0]
    below = [n for n in drawn.nodes if n.box.y0 > middle.box.y1]
    assert len(above) == ROW_NODES and len(below) == ROW_NODES
    beside = [n for n in drawn.nodes if n not in above and n not in below]
    right = [n for n in beside if n.box.x0 > middle.box.x1]
    left = [n for n in beside if n.box.x1 < middle.box.x0]
    assert len(right) == 2 and len(left) == 2
    assert {n.product.id for n in right} <= {d.id for d in dependants}
    assert {n.product.id for n in left} <= {d.id for d in dependencies}
    assert len(drawn.nodes) == len(others) + 1
    assert_no_overlap(drawn)
    assert_arrows_point_the_right_way(drawn)


def test_the_centred_map_is_bounded_and_shows_retired_neighbours():
    centre, *others = products(MAX_NODES + 20)
    others[0].stage = Stage.RETIRED
    drawn = product_layout(centre, [interface(o, centre) for o in others], [])
    assert len(drawn.nodes) == MAX_NODES
    assert drawn.products_left_out == 20
    retired = [node for node in drawn.nodes if node.retired]
    assert [node.product for node in retired] == [others[0]]
    assert retired[0].texts[-1].text.endswith("Retired")
    assert_no_overlap(drawn)


def test_the_centred_layout_is_deterministic():
    centre, *others = products(9)
    rows = [interface(o, centre, f"Data {n}", id=n) for n, o in enumerate(others[:4])]
    rows += [interface(centre, o, f"Out {n}", id=10 + n) for n, o in enumerate(others[4:])]
    deps = [depends(others[0], centre, id=1), depends(centre, others[5], id=2)]
    first = product_layout(centre, rows, deps)
    assert snapshot(first) == snapshot(product_layout(centre, rows[::-1], deps[::-1]))


def test_a_product_with_no_neighbours_is_drawn_alone():
    (centre,) = products(1)
    drawn = product_layout(centre, [], [])
    assert [node.product for node in drawn.nodes] == [centre] and drawn.edges == []


@pytest.mark.parametrize(
    "text, width",
    [("Invoices", 200), ("A rather long name for a data feed", 90), ("Supercalifragilistic", 40)],
)
def test_fit_text_cuts_to_the_width(text, width):
    fitted = fit_text(text, width, 11)
    assert text_width(fitted, 11) <= width
    assert fitted == text or (fitted.endswith("…") and text.startswith(fitted[:-1]))


def test_long_names_take_two_lines_then_are_cut():
    (product,) = products(1)
    for name, lines in [
        ("Sales CRM", ["Sales CRM"]),
        ("Customer relationship management", ["Customer relationship", "management"]),
        (
            "Product with a rather long name number 12",
            ["Product with a rather", "long name number 12"],
        ),
        (
            "Enterprise resource planning for every subsidiary worldwide",
            ["Enterprise resource", "planning for every…"],
        ),
    ]:
        product.name = name
        node = integration_map.MapNode(product, 0, 0)
        assert [text.text for text in node.texts[:-1]] == lines
        assert all(text.box.inside(node.box) for text in node.texts)
    assert wrap_text("Supercalifragilisticexpialidocious", 60, 12, bold=True)[0].endswith("…")


# The pages ---------------------------------------------------------------------------


@pytest.fixture
def linked(make, users):
    """Four products: ERP feeds CRM and BI, CRM feeds BI, CRM depends on ERP;
    and a retired one that fed CRM."""
    erp = make.product(name="Finance ERP", slug="finance-erp", category=Category.ERP)
    crm = make.product(name="Sales CRM", slug="sales-crm", category=Category.CRM)
    bi = make.product(name="Insights BI", slug="insights-bi", category=Category.BI)
    old = make.product(name="Old Ledger", slug="old-ledger", stage=Stage.RETIRED)
    rows = [
        Interface(
            provider=erp,
            consumer=crm,
            data="Invoices",
            method=InterfaceMethod.API,
            frequency=InterfaceFrequency.REAL_TIME,
            owner=users["pm"],
        ),
        Interface(
            provider=erp,
            consumer=bi,
            data="General ledger",
            method=InterfaceMethod.FILE,
            frequency=InterfaceFrequency.DAILY,
        ),
        Interface(
            provider=crm,
            consumer=bi,
            data="Pipeline <b>deals</b>",
            method=InterfaceMethod.EVENT,
            frequency=InterfaceFrequency.HOURLY,
        ),
        Interface(
            provider=old,
            consumer=crm,
            data="Old balances",
            method=InterfaceMethod.MANUAL,
            frequency=InterfaceFrequency.MONTHLY,
        ),
        ProductDependency(product=crm, depends_on=erp, note="Prices come from the ERP"),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return {"erp": erp, "crm": crm, "bi": bi, "old": old}


def table_rows(page, table_class: str) -> list[list[str]]:
    table = page.one(f"table.{table_class}")
    return [
        [cell.text for cell in row.select("th") + row.select("td")]
        for row in table.select("tbody tr")
    ]


def test_the_portfolio_map_draws_live_products_and_lists_every_interface(
    stakeholder_client, linked, users
):
    response = stakeholder_client.get("/architecture/integrations")
    assert response.status_code == 200
    page = parse_html(response.text)
    svg = page.one("svg.integration-map")
    assert svg["role"] == "graphics-document"  # not img: its boxes are links
    assert page.by_id(svg["aria-labelledby"]).text == "Integration map of the portfolio"
    assert "3 products, 3 interfaces and 1 dependency" in page.by_id(svg["aria-describedby"]).text
    nodes = svg.select("a.map-node")
    assert {node["href"] for node in nodes} == {
        "/products/finance-erp",
        "/products/sales-crm",
        "/products/insights-bi",
    }
    assert len(svg.select("path.map-edge")) == 4
    assert len(svg.select("path.method-dependency")) == 1
    # The table: every interface drawn, with how, how often and who owns it.
    assert table_rows(page, "interface-table") == [
        ["Finance ERP", "Insights BI", "General ledger", "File transfer", "Daily", "—"],
        ["Finance ERP", "Sales CRM", "Invoices", "API", "Real time", users["pm"].display_name],
        ["Sales CRM", "Insights BI", "Pipeline <b>deals</b>", "Events / messages", "Hourly", "—"],
    ]
    assert table_rows(page, "dependency-table") == [
        ["Sales CRM", "Finance ERP", "Prices come from the ERP"]
    ]
    assert "<b>deals</b>" not in response.text  # the data is text, never markup
    legend = page.one(".map-legend").text
    for words in (
        "API (solid line)",
        "File transfer (dashed line)",
        "(dotted line)",
        "(dash-dot line)",
        "Depends on (hollow arrowhead)",
    ):
        assert words in legend
    assert "Old Ledger" not in page.one("main").text


def test_the_product_map_centres_the_product_with_its_neighbours(stakeholder_client, linked):
    response = stakeholder_client.get("/products/sales-crm/integrations")
    assert response.status_code == 200
    page = parse_html(response.text)
    assert page.one("h1").text == "Integrations of Sales CRM"
    svg = page.one("svg.integration-map")
    assert page.by_id(svg["aria-labelledby"]).text == "Integrations of Sales CRM"
    centre = svg.one("a.map-node.is-centre")
    assert centre["href"] == "/products/sales-crm"
    # Its neighbours, the retired one too (faded, and saying so in words).
    slugs = sorted(node["data-product"] for node in svg.select("a.map-node"))
    assert slugs == ["finance-erp", "insights-bi", "old-ledger", "sales-crm"]
    retired = svg.one("a.map-node.is-retired")
    assert retired["data-product"] == "old-ledger" and "Retired" in retired.text
    labels = [label.text for label in svg.select("text.map-edge-label")]
    assert sorted(labels) == ["Invoices", "Old balances", "Pipeline <b>deals</b>", "depends on"]
    rows = table_rows(page, "interface-table")
    assert [row[:3] for row in rows] == [
        ["Finance ERP", "Sales CRM", "Invoices"],
        ["Old Ledger", "Sales CRM", "Old balances"],
        ["Sales CRM", "Insights BI", "Pipeline <b>deals</b>"],
    ]
    assert page.one("a[href='/architecture/integrations']")


def test_an_unknown_product_has_no_map(stakeholder_client):
    assert stakeholder_client.get("/products/no-such-product/integrations").status_code == 404


def test_empty_maps_say_so(stakeholder_client, make):
    make.product(slug="lonely")
    for url in ("/architecture/integrations", "/products/lonely/integrations"):
        page = parse_html(stakeholder_client.get(url).text)
        assert page.one("[data-testid=map-empty]")
        assert not page.select("svg.integration-map")


def test_the_map_says_how_many_products_it_left_out(stakeholder_client, make, monkeypatch):
    monkeypatch.setattr(integration_map, "MAX_NODES", 3)
    hub = make.product(name="Hub")
    spokes = [make.product(name=f"Spoke {n}") for n in range(4)]
    db.session.add_all(
        Interface(
            provider=hub,
            consumer=spoke,
            data="Feed",
            method=InterfaceMethod.API,
            frequency=InterfaceFrequency.DAILY,
        )
        for spoke in spokes
    )
    db.session.commit()
    page = parse_html(stakeholder_client.get("/architecture/integrations").text)
    assert len(page.select("a.map-node")) == 3
    assert "2 more are left out" in page.one("[data-testid=map-left-out]").text
    page = parse_html(stakeholder_client.get(f"/products/{hub.slug}/integrations").text)
    assert len(page.select("a.map-node")) == 3
    assert "2 more are left out" in page.one("[data-testid=map-left-out]").text


def test_the_product_page_and_the_catalogue_link_to_the_maps(stakeholder_client, linked):
    page = parse_html(stakeholder_client.get("/products/sales-crm").text)
    assert (
        page.one("[data-testid=integration-map-link]")["href"] == "/products/sales-crm/integrations"
    )
    page = parse_html(stakeholder_client.get("/products").text)
    assert page.select("a[href='/architecture/integrations']")


def add_interfaces(make, centre, count: int) -> None:
    others = [make.product(name=f"Neighbour {n}") for n in range((count + 1) // 2)]
    rows = []
    for n in range(count):
        other = others[n // 2]
        provider, consumer = (other, centre) if n % 2 else (centre, other)
        rows.append(
            Interface(
                provider=provider,
                consumer=consumer,
                data=f"Feed {n}",
                method=METHODS[n % 4],
                frequency=InterfaceFrequency.DAILY,
                owner=None,
            )
        )
    rows += [ProductDependency(product=o, depends_on=centre) for o in others[: count // 4]]
    db.session.add_all(rows)
    db.session.commit()


@pytest.mark.parametrize("url", ["/architecture/integrations", "/products/{slug}/integrations"])
def test_the_pages_issue_a_constant_number_of_queries(
    stakeholder_client, make, users, count_queries, url
):
    few, many = make.product(name="Few"), make.product(name="Many")

    def queries(product) -> int:
        with count_queries() as statements:
            response = stakeholder_client.get(url.format(slug=product.slug))
        assert response.status_code == 200
        return len(statements)

    add_interfaces(make, few, 3)
    owner = users["pm"]
    with_few = queries(few)
    add_interfaces(make, many, 60)
    db.session.execute(db.update(Interface).values(owner_id=owner.id))
    db.session.commit()
    assert queries(many) == with_few


def path_points(path: str, steps: int = 24) -> list[tuple[float, float]]:
    """Points along an SVG path of absolute M, L and C commands."""
    tokens = re.findall(r"[MLC]|-?[\d.]+", path)
    points: list[tuple[float, float]] = []
    command, numbers = "", []
    for token in tokens + ["M"]:
        if token in "MLC":
            values = [float(n) for n in numbers]
            pairs = list(zip(values[::2], values[1::2], strict=True))
            if command == "M":
                points.append(pairs[0])
            elif command == "L":
                a, b = points[-1], pairs[0]
                points += [
                    (a[0] + (b[0] - a[0]) * t / steps, a[1] + (b[1] - a[1]) * t / steps)
                    for t in range(1, steps + 1)
                ]
            elif command == "C":
                p0, (p1, p2, p3) = points[-1], pairs
                for t in (i / steps for i in range(1, steps + 1)):
                    u = 1 - t
                    points.append(
                        tuple(
                            u**3 * p0[k]
                            + 3 * u * u * t * p1[k]
                            + 3 * u * t * t * p2[k]
                            + t**3 * p3[k]
                            for k in (0, 1)
                        )
                    )
            command, numbers = token, []
        else:
            numbers.append(token)
    return points


def assert_no_line_crosses_a_box(drawn: IntegrationMap) -> None:
    for edge in drawn.edges:
        others = [
            node.box.grown(-0.5)
            for node in drawn.nodes
            if node is not edge.source and node is not edge.target
        ]
        for x, y in path_points(edge.path):
            assert not any(box.contains(x, y) for box in others), (edge.title, x, y)
        for box in (edge.source.box.grown(-0.5), edge.target.box.grown(-0.5)):
            inside = [p for p in path_points(edge.path) if box.contains(*p)]
            assert inside == [], (edge.title, inside[:3])


@pytest.mark.parametrize("count", [12, 60, 120])
def test_no_line_crosses_a_box(count):
    pool, interfaces, dependencies = web(count, seed=count)
    assert_no_line_crosses_a_box(portfolio_layout(pool, interfaces, dependencies))
    centre = pool[0]
    mine = [i for i in interfaces if centre in (i.provider, i.consumer)]
    deps = [d for d in dependencies if centre in (d.product, d.depends_on)]
    deps += [depends(p, centre) for p in pool[-ROW_NODES - 2 :] if p is not centre]
    assert_no_line_crosses_a_box(product_layout(centre, mine, deps))
