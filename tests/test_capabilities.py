"""Business capabilities (#18): the tree's rules and a product's mapping
(plain functions, no HTTP), the admin pages, the product page's section and
the capability map with its lenses, candidates and gaps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portfolio.architecture import capabilities as rules
from portfolio.architecture.capabilities import (
    MAX_DEPTH,
    CapabilityRefused,
    ConfirmationNeeded,
    capabilities_of,
    load_tree,
)
from portfolio.architecture.capability_map import (
    CHIPS_PER_CELL,
    Lens,
    capability_map,
    cost_shade,
    lens_from,
)
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Capability,
    Contract,
    FitAssessment,
    Sourcing,
    Stage,
    Verb,
    product_capability,
)
from tests.helpers import count_rows, parse_html

RATE = Decimal(100_000)


def cap(name, parent=None, actor=None, description=""):
    capability = rules.create_capability(
        db.session, actor, name=name, description=description, parent=parent
    )
    db.session.commit()
    return capability


def trail(verb: Verb) -> list[Activity]:
    return list(
        db.session.execute(
            sa.select(Activity).where(Activity.verb == verb).order_by(Activity.id)
        ).scalars()
    )


def mapped(product) -> list[str]:
    return [capability.name for capability in capabilities_of(db.session, product.id)]


def map_to(product, *capabilities, actor=None):
    rules.map_capabilities(db.session, actor, product, [c.id for c in capabilities])
    db.session.commit()


# The tree's rules -------------------------------------------------------------------


def test_create_records_the_event_and_orders_siblings(users):
    admin = users["admin"]
    o2c = cap("Order to cash", actor=admin)
    quote = cap("Quote", o2c, admin)
    order = cap("  Order  ", o2c, admin)
    assert order.name == "Order" and (quote.position, order.position) == (0, 1)
    tree = load_tree(db.session)
    assert [node.name for node in tree.children_of(o2c.id)] == ["Quote", "Order"]
    assert tree.path(order.id) == "Order to cash › Order"
    created = trail(Verb.CAPABILITY_CREATED)
    assert [(e.subject, e.after, e.actor_id) for e in created][-1] == (
        "Order",
        "under Order to cash",
        admin.id,
    )


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_name_is_needed_and_bounded(app, name):
    with pytest.raises(CapabilityRefused) as refused:
        rules.create_capability(db.session, None, name=name)
    assert refused.value.field == "name"
    assert count_rows(Capability) == 0


def test_names_are_unique_among_siblings_only(app):
    o2c, p2p = cap("Order to cash"), cap("Procure to pay")
    cap("Invoice", o2c)
    with pytest.raises(CapabilityRefused, match="already a capability"):
        rules.create_capability(db.session, None, name="INVOICE", parent=o2c)
    cap("Invoice", p2p)  # another parent: fine
    with pytest.raises(CapabilityRefused):
        rules.create_capability(db.session, None, name="order TO cash")
    db.session.rollback()
    assert count_rows(Capability) == 4


def test_at_most_three_levels(app):
    top = cap("Plan to fulfil")
    middle = cap("Warehouse operations", top)
    leaf = cap("Pick and pack", middle)
    assert MAX_DEPTH == 3
    with pytest.raises(CapabilityRefused) as refused:
        rules.create_capability(db.session, None, name="Too deep", parent=leaf)
    assert refused.value.field == "parent_id"
    # Moving a two-level branch under a second-level capability would make four.
    other = cap("Other")
    other_child = cap("Other child", other)
    with pytest.raises(CapabilityRefused, match="at most 3 levels"):
        rules.edit_capability(
            db.session, None, middle, name=middle.name, description="", parent=other_child
        )
    # …but under a top-level one it fits.
    assert rules.edit_capability(
        db.session, None, middle, name=middle.name, description="", parent=other
    )
    db.session.commit()
    assert load_tree(db.session).path(leaf.id) == "Other › Warehouse operations › Pick and pack"


def test_no_cycles(app):
    top = cap("Top")
    child = cap("Child", top)
    for parent in (top, child):
        with pytest.raises(CapabilityRefused, match="itself or one of its own"):
            rules.edit_capability(db.session, None, top, name="Top", description="", parent=parent)
    db.session.rollback()
    assert db.session.get(Capability, top.id).parent_id is None


def test_edit_records_what_changed_and_nothing_when_nothing_did(users):
    o2c, r2r = cap("Order to cash"), cap("Record to report")
    invoice = cap("Invoice", o2c)
    first = cap("General ledger", r2r)
    assert not rules.edit_capability(
        db.session, users["admin"], invoice, name="Invoice", description="", parent=o2c
    )
    assert rules.edit_capability(
        db.session, users["admin"], invoice, name="Invoicing", description="Bills", parent=r2r
    )
    db.session.commit()
    assert invoice.parent_id == r2r.id and invoice.position == first.position + 1
    entry = trail(Verb.CAPABILITY_EDITED)[-1]
    assert entry.subject == "Invoice (now Invoicing)"
    assert entry.before == "name: Invoice; under: Order to cash; description: —"
    assert entry.after == "name: Invoicing; under: Record to report; description: Bills"


def test_reorder_among_siblings(app):
    top = cap("Top")
    a, b, c = cap("A", top), cap("B", top), cap("C", top)
    assert rules.move_capability(db.session, None, c, -1)
    db.session.commit()
    assert [n.name for n in load_tree(db.session).children_of(top.id)] == ["A", "C", "B"]
    assert not rules.move_capability(db.session, None, a, -1)  # already first
    entry = trail(Verb.CAPABILITY_EDITED)[-1]
    assert (entry.subject, entry.before, entry.after) == ("C", "position 3 of 3", "position 2 of 3")
    with pytest.raises(CapabilityRefused):
        rules.move_capability(db.session, None, b, 2)


def test_delete_refuses_a_capability_with_children(app):
    top = cap("Top")
    cap("Child", top)
    with pytest.raises(CapabilityRefused, match="1 sub-capability"):
        rules.delete_capability(db.session, None, top, confirmed=True)
    assert count_rows(Capability) == 2


def test_delete_asks_before_unmapping_products(app, make, users):
    top = cap("Top")
    product = make.product(name="Ledger")
    map_to(product, top)
    with pytest.raises(ConfirmationNeeded) as asked:
        rules.delete_capability(db.session, users["admin"], top)
    assert asked.value.products == ["Ledger"]
    assert count_rows(Capability) == 1
    rules.delete_capability(db.session, users["admin"], top, confirmed=True)
    db.session.commit()
    assert count_rows(Capability) == 0 and count_rows(product_capability) == 0
    entry = trail(Verb.CAPABILITY_DELETED)[-1]
    assert (entry.subject, entry.before) == ("Top", "under the top level; served by Ledger")


def test_mapping_records_names_before_and_after(make, users):
    o2c = cap("Order to cash")
    quote, invoice = cap("Quote", o2c), cap("Invoice", o2c)
    product = make.product(name="CRM")
    map_to(product, quote, actor=users["pm"])
    map_to(product, invoice, quote, actor=users["pm"])
    assert mapped(product) == ["Invoice", "Quote"]
    assert not rules.map_capabilities(db.session, users["pm"], product, [quote.id, invoice.id])
    map_to(product, actor=users["pm"])
    assert mapped(product) == []
    entries = trail(Verb.CAPABILITIES_MAPPED)
    assert [(e.before, e.after) for e in entries] == [
        ("none", "Quote"),
        ("Quote", "Invoice, Quote"),
        ("Invoice, Quote", "none"),
    ]
    assert {e.product_id for e in entries} == {product.id}
    assert entries[0].subject == "CRM"


def test_mapping_refuses_unknown_capabilities(make):
    product = make.product()
    with pytest.raises(CapabilityRefused):
        rules.map_capabilities(db.session, None, product, [987654])
    assert count_rows(product_capability) == 0


# The admin pages ----------------------------------------------------------------------


def test_admin_adds_a_capability(admin_client):
    response = admin_client.post(
        "/admin/capabilities", data={"name": "Order to cash", "parent_id": "0", "description": ""}
    )
    assert response.status_code == 302
    top = db.session.execute(sa.select(Capability)).scalar_one()
    response = admin_client.post(
        "/admin/capabilities", data={"name": "Quote", "parent_id": str(top.id)}
    )
    assert response.status_code == 302
    page = admin_client.get("/admin/capabilities")
    rows = parse_html(page.text).one("#capabilities").select("tbody tr")
    assert [row.select("td")[0].text for row in rows] == ["Order to cash", "Quote"]


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "", "parent_id": "0"}, "name", "This field is required"),
        ({"name": "x" * 121, "parent_id": "0"}, "name", "120 characters"),
        ({"name": "Ok", "parent_id": "99999"}, "parent_id", "Not a valid choice"),
        ({"name": "Ok", "parent_id": "abc"}, "parent_id", "Invalid Choice"),
        ({"name": "Ok", "parent_id": "0", "description": "d" * 501}, "description", "500"),
        ({"name": "order to CASH", "parent_id": "0"}, "name", "already a capability"),
    ],
)
def test_admin_bad_input_shows_the_form_again(admin_client, data, field, message):
    cap("Order to cash")
    response = admin_client.post("/admin/capabilities", data=data)
    assert response.status_code == 422
    error = parse_html(response.text).by_id(f"{field}-error")
    assert message.lower() in error.text.lower()
    assert count_rows(Capability) == 1


def test_too_deep_is_not_offered_and_refused(admin_client):
    leaf = cap("C", cap("B", cap("A")))
    page = admin_client.get("/admin/capabilities").text
    assert f'value="{leaf.id}"' not in page
    response = admin_client.post(
        "/admin/capabilities", data={"name": "D", "parent_id": str(leaf.id)}
    )
    assert response.status_code == 422 and count_rows(Capability) == 3


def test_admin_edits_moves_and_deletes(admin_client, make):
    top, other = cap("Top"), cap("Other")
    a, b = cap("A", top), cap("B", top)
    response = admin_client.post(
        f"/admin/capabilities/{a.id}",
        data={"name": "A2", "parent_id": str(other.id), "description": "Moved"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (a.name, a.parent_id, a.description) == ("A2", other.id, "Moved")
    # Under itself: refused by the form (not offered) — the page again.
    response = admin_client.post(
        f"/admin/capabilities/{top.id}", data={"name": "Top", "parent_id": str(b.id)}
    )
    assert response.status_code == 422
    # Reorder
    c = cap("C", other)
    assert (
        admin_client.post(f"/admin/capabilities/{c.id}/move", data={"direction": "up"}).status_code
        == 302
    )
    db.session.expire_all()
    assert [n.name for n in load_tree(db.session).children_of(other.id)] == ["C", "A2"]
    bad = admin_client.post(f"/admin/capabilities/{c.id}/move", data={"direction": "sideways"})
    assert bad.status_code == 422
    # Delete: refused with children, confirmation with products.
    refused = admin_client.post(f"/admin/capabilities/{other.id}/delete", data={})
    assert refused.status_code == 422 and "sub-capabilit" in refused.text
    product = make.product(name="Mapped one")
    map_to(product, b)
    asked = admin_client.post(f"/admin/capabilities/{b.id}/delete", data={})
    assert asked.status_code == 422
    assert "confirm" in parse_html(asked.text).by_id("confirm-error").text
    assert db.session.get(Capability, b.id) is not None
    b_id = b.id
    done = admin_client.post(f"/admin/capabilities/{b_id}/delete", data={"confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Capability, b_id) is None and mapped(product) == []


def test_admin_routes_404_and_csrf(admin_client):
    top = cap("Top")
    for url in ("/admin/capabilities/999999", "/admin/capabilities/999999/delete"):
        method = admin_client.get if not url.endswith("delete") else admin_client.post
        assert method(url).status_code == 404
    assert (
        admin_client.post("/admin/capabilities/999999/move", data={"direction": "up"}).status_code
        == 404
    )
    for url, data in (
        ("/admin/capabilities", {"name": "New", "parent_id": "0"}),
        (f"/admin/capabilities/{top.id}", {"name": "Renamed", "parent_id": "0"}),
        (f"/admin/capabilities/{top.id}/delete", {}),
        (f"/admin/capabilities/{top.id}/move", {"direction": "down"}),
    ):
        assert admin_client.post(url, data=data, csrf=False).status_code == 400
    db.session.expire_all()
    assert [c.name for c in db.session.execute(sa.select(Capability)).scalars()] == ["Top"]


# The product page ----------------------------------------------------------------------


def test_pm_maps_a_product_on_its_page(pm_client, make):
    o2c = cap("Order to cash")
    quote, invoice = cap("Quote", o2c), cap("Invoice", o2c)
    product = make.product(slug="crm", name="CRM")
    page = parse_html(pm_client.get("/products/crm").text)
    form = page.one("#capabilities form")
    assert form["action"] == "/products/crm/capabilities"
    response = pm_client.post(
        "/products/crm/capabilities", data={"capabilities": [str(quote.id), str(invoice.id)]}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#capabilities")
    assert mapped(product) == ["Invoice", "Quote"]
    shown = parse_html(pm_client.get("/products/crm").text).one(
        "[data-testid=product-capabilities]"
    )
    assert "Order to cash › Quote" in shown.text
    # htmx: the section alone
    answer = pm_client.hx_post("/products/crm/capabilities", data={})
    assert answer.status_code == 200 and "<html" not in answer.text
    assert 'id="capabilities"' in answer.text and mapped(product) == []


def test_mapping_bad_input_and_rights(pm_client, stakeholder_client, make):
    top = cap("Top")
    product = make.product(slug="crm")
    bad = pm_client.post("/products/crm/capabilities", data={"capabilities": ["999999"]})
    assert bad.status_code == 422 and parse_html(bad.text).by_id("capabilities-error")
    bad = pm_client.post("/products/crm/capabilities", data={"capabilities": ["abc"]})
    assert bad.status_code == 422
    assert pm_client.post("/products/nope/capabilities", data={}).status_code == 404
    refused = stakeholder_client.post(
        "/products/crm/capabilities", data={"capabilities": [str(top.id)]}
    )
    assert refused.status_code == 403
    no_token = pm_client.post(
        "/products/crm/capabilities", data={"capabilities": [str(top.id)]}, csrf=False
    )
    assert no_token.status_code == 400
    assert mapped(product) == []
    page = parse_html(stakeholder_client.get("/products/crm").text)
    assert page.select("#capabilities form") == []


# The map --------------------------------------------------------------------------------


@pytest.fixture
def landscape(make):
    """Order to cash → Order (two live products), Collect (none live: one
    sunsetting), Invoice (one live)."""
    o2c = cap("Order to cash")
    order, collect, invoice = cap("Order", o2c), cap("Collect", o2c), cap("Invoice", o2c)
    crm = make.product(slug="crm", name="CRM", stage=Stage.LIVE)
    erp = make.product(
        slug="erp", name="ERP", stage=Stage.LIVE, sourcing=Sourcing.BOUGHT, vendor="Acme"
    )
    old = make.product(slug="old", name="Old dunning", stage=Stage.SUNSETTING)
    gone = make.product(slug="gone", name="Gone", stage=Stage.RETIRED)
    map_to(crm, order)
    map_to(erp, order, invoice)
    map_to(old, collect)
    map_to(gone, collect, invoice)
    return {
        "o2c": o2c,
        "order": order,
        "collect": collect,
        "invoice": invoice,
        "crm": crm,
        "erp": erp,
        "old": old,
    }


def cell_of(page, capability) -> object:
    return parse_html(page).by_id(f"capability-{capability.id}")


def test_a_leader_sees_two_live_systems_serving_one_capability(leader_client, landscape):
    page = leader_client.get("/architecture/capabilities").text
    order = cell_of(page, landscape["order"])
    assert "Consolidation candidate: served by 2 live products" in order.text
    assert [a.text for a in order.select("a.cap-chip")] == ["CRM · Live", "ERP · Live"]
    collect = cell_of(page, landscape["collect"])
    assert "Gap: no live product" in collect.text
    assert "Old dunning · Sunsetting" in collect.text and "Gone" not in collect.text
    invoice = cell_of(page, landscape["invoice"])
    assert "Gap" not in invoice.text and "Consolidation" not in invoice.text
    summary = parse_html(page).by_id("capability-summary")
    assert "1 consolidation candidate" in summary.text and "1 gap" in summary.text
    assert [a["href"] for a in summary.one("[data-testid=candidates]").select("a")] == [
        f"#capability-{landscape['order'].id}"
    ]


def test_the_time_lens(leader_client, landscape):
    db.session.add(
        FitAssessment(
            product_id=landscape["crm"].id,
            functional_fit=4,
            technical_fit=1,
            assessed_on=date(2026, 1, 1),
        )
    )
    db.session.commit()
    page = leader_client.get("/architecture/capabilities?lens=time").text
    chips = [a.text for a in cell_of(page, landscape["order"]).select("a.cap-chip")]
    assert chips == ["CRM · Migrate", "ERP · Not assessed"]
    legend = parse_html(page).one("[data-testid=legend]").text
    assert "Invest" in legend and "Not assessed" in legend


def test_the_measures_lens(leader_client, landscape, make):
    make.measure(landscape["crm"], readings=[(date.today(), 50.0)])  # target reached
    make.measure(landscape["erp"])  # no readings yet
    page = leader_client.get("/architecture/capabilities?lens=measures").text
    chips = [a.text for a in cell_of(page, landscape["order"]).select("a.cap-chip")]
    assert chips == ["CRM · On track", "ERP · No data"]
    collect = [a.text for a in cell_of(page, landscape["collect"]).select("a.cap-chip")]
    assert collect == ["Old dunning · No measures"]


def test_the_cost_lens_for_cost_roles_only(leader_client, stakeholder_client, landscape):
    db.session.add(
        Contract(
            product_id=landscape["erp"].id,
            vendor="Acme",
            annual_cost=250_000,
            seats_bought=10,
            renewal_date=date(2027, 1, 1),
        )
    )
    db.session.commit()
    page = leader_client.get("/architecture/capabilities?lens=cost").text
    chips = [a.text for a in cell_of(page, landscape["order"]).select("a.cap-chip")]
    assert chips == ["CRM · Cost unknown", "ERP · 100k–1M a year"]
    assert "cost" in [o["value"] for o in parse_html(page).select("select[name=lens] option")]
    hidden = stakeholder_client.get("/architecture/capabilities?lens=cost")
    assert hidden.status_code == 200
    options = [o["value"] for o in parse_html(hidden.text).select("select[name=lens] option")]
    assert options == ["stage", "time", "measures"]
    chips = [a.text for a in cell_of(hidden.text, landscape["order"]).select("a.cap-chip")]
    assert chips == ["CRM · Live", "ERP · Live"]  # the default lens, no cost
    assert "a year" not in hidden.text


def test_unknown_lens_falls_back_and_htmx_gets_the_grid(stakeholder_client, landscape):
    assert lens_from("nonsense", True) is Lens.STAGE
    assert lens_from("cost", False) is Lens.STAGE and lens_from("cost", True) is Lens.COST
    page = stakeholder_client.get("/architecture/capabilities?lens=banana")
    assert page.status_code == 200
    fragment = stakeholder_client.hx_get("/architecture/capabilities?lens=time")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="capability-grid"' in fragment.text


@pytest.mark.parametrize(
    "total, label",
    [
        (None, "Cost unknown"),
        (Decimal(0), "Under 10k a year"),
        (Decimal(10_000), "10k–100k a year"),
        (Decimal(999_999), "100k–1M a year"),
        (Decimal(1_000_000), "Over 1M a year"),
    ],
)
def test_cost_buckets(total, label):
    assert cost_shade(total).label == label


def test_chips_per_cell_are_bounded(leader_client, make):
    top = cap("Top")
    products = [make.product(name=f"P{n:02}") for n in range(CHIPS_PER_CELL + 3)]
    for product in products:
        map_to(product, top)
    page = leader_client.get("/architecture/capabilities").text
    cell = cell_of(page, top)
    assert len(cell.select("a.cap-chip")) == CHIPS_PER_CELL
    assert "+3 more" in cell.text
    assert f"served by {CHIPS_PER_CELL + 3} live products" in cell.text


@pytest.mark.parametrize("lens", list(Lens))
def test_the_map_costs_the_same_queries_for_few_and_many(
    app, admin_client, make, count_queries, lens
):
    def grow(n: int) -> None:
        for i in range(n):
            top = cap(f"Top {lens}{i}-{count_rows(Capability)}")
            child = cap("Child", top)
            product = make.product()
            make.measure(product, readings=[(date(2026, 1, 5), 80.0)])
            map_to(product, top, child)

    grow(1)
    admin_client.get(f"/architecture/capabilities?lens={lens}")
    with count_queries() as few:
        assert admin_client.get(f"/architecture/capabilities?lens={lens}").status_code == 200
    grow(6)
    with count_queries() as many:
        assert admin_client.get(f"/architecture/capabilities?lens={lens}").status_code == 200
    assert len(many) == len(few)


def test_the_product_page_section_costs_the_same_queries(pm_client, make, count_queries):
    product = make.product(slug="crm")
    top = cap("Top")
    map_to(product, top)
    pm_client.get("/products/crm")
    with count_queries() as few:
        pm_client.get("/products/crm?a=1")
    for n in range(5):
        child = cap(f"Child {n}", top)
        map_to(product, top, child, *[c for c in capabilities_of(db.session, product.id)])
    with count_queries() as many:
        pm_client.get("/products/crm?a=2")
    assert len(many) == len(few)


def test_the_map_is_empty_before_any_capability(leader_client, admin_client):
    page = leader_client.get("/architecture/capabilities").text
    assert "No business capability is recorded yet" in page
    assert "/admin/capabilities" not in page
    assert "/admin/capabilities" in admin_client.get("/architecture/capabilities").text


def test_domain_map_flags(app, landscape):
    found = capability_map(db.session, Lens.STAGE, today=date.today(), fte_yearly_rate=RATE)
    assert [cell.capability.name for cell in found.candidates] == ["Order"]
    assert [cell.capability.name for cell in found.gaps] == ["Collect"]
    assert found.capability_count == 4


def test_demo_has_candidates_and_gaps(app, demo):
    found = capability_map(db.session, Lens.STAGE, today=date.today(), fte_yearly_rate=RATE)
    assert found.candidates.total >= 1 and found.gaps.total >= 1
    tree = load_tree(db.session)
    assert {node.name for node in tree.roots} >= {"Order to cash", "Hire to retire"}
    assert max(tree.depth(key) for key in tree.by_id) == MAX_DEPTH
