"""What sunsetting or retiring a product affects (#18): the summary, shown
before the PM confirms, on the product form (htmx and without JavaScript)
and the retire page; nothing changes without the confirmation; the
dashboard's sunsetting products still needed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portfolio.architecture.impact import impact_of_retiring, sunsetting_with_dependants
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Column,
    Contract,
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    Product,
    ProductDependency,
    RequestStatus,
    Sourcing,
    Stage,
)
from tests.helpers import parse_html


def depends(product, needed):
    db.session.add(ProductDependency(product=product, depends_on=needed))
    db.session.commit()


def flow(provider, consumer, data="Invoices"):
    db.session.add(
        Interface(
            provider=provider,
            consumer=consumer,
            data=data,
            method=InterfaceMethod.API,
            frequency=InterfaceFrequency.DAILY,
        )
    )
    db.session.commit()


def fresh(product: Product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


@pytest.fixture
def erp(make):
    """An ERP that two products need and one takes data from, used by two
    departments, with a request, a card and a contract; a retired product
    that once needed it does not count."""
    erp = make.product(
        slug="erp", name="ERP", sourcing=Sourcing.BOUGHT, vendor="Acme", stage=Stage.LIVE
    )
    depends(make.product(slug="close", name="Close Tool", stage=Stage.BUILDING), erp)
    depends(make.product(slug="wms", name="WMS"), erp)
    depends(make.product(slug="old", name="Old Thing", stage=Stage.RETIRED), erp)
    flow(erp, make.product(slug="bi", name="BI"), "General ledger")
    make.usage(erp, make.department(name="Finance"), users=40)
    make.usage(erp, make.department(name="Sales"), users=5)
    make.request(erp, title="Mobile approvals")
    make.request(erp, title="Done already", status=RequestStatus.DECLINED)
    make.item(erp, title="Intercompany matching", column=Column.NEXT)
    make.item(erp, title="Shipped long ago", column=Column.SHIPPED)
    db.session.add(
        Contract(
            product=erp,
            vendor="Acme",
            annual_cost=1000,
            seats_bought=50,
            renewal_date=date(2027, 3, 31),
        )
    )
    db.session.commit()
    return erp


# The domain ------------------------------------------------------------------------


def test_the_impact_lists_everything_it_would_affect(erp):
    impact = impact_of_retiring(db.session, erp)
    assert [d.product.name for d in impact.dependants] == ["Close Tool", "WMS"]
    assert [(i.consumer.name, i.data) for i in impact.consumers] == [("BI", "General ledger")]
    assert [u.department.name for u in impact.departments] == ["Finance", "Sales"]
    assert impact.users == 45
    assert [r.title for r in impact.open_requests] == ["Mobile approvals"]
    assert [c.title for c in impact.open_cards] == ["Intercompany matching"]
    assert impact.contract.vendor == "Acme"
    assert impact.breaks_products and not impact.empty


def test_the_impact_is_bounded_and_costs_the_same_however_long(app, make, count_queries):
    small, big = make.product(slug="small"), make.product(slug="big")
    for product, count in ((small, 1), (big, 12)):
        for n in range(count):
            depends(make.product(), product)
            flow(product, make.product(), f"Data {n}")
            make.usage(product, users=n + 1)
    for product in (small, big):
        db.session.refresh(product)
    with count_queries() as few:
        impact_of_retiring(db.session, small, limit=5)
    with count_queries() as many:
        impact = impact_of_retiring(db.session, big, limit=5)
    assert len(few) == len(many) == 6
    assert (len(impact.dependants), impact.dependants.total) == (5, 12)
    assert (len(impact.consumers), impact.consumers.total) == (5, 12)
    assert (len(impact.departments), impact.departments.total, impact.users) == (5, 12, 78)


def test_a_lone_product_has_no_impact(make):
    impact = impact_of_retiring(db.session, make.product())
    assert impact.empty and not impact.breaks_products


# The product form: to sunsetting ---------------------------------------------------


def product_data(product: Product, **changes) -> dict:
    return {
        "name": product.name,
        "slug": product.slug,
        "category": product.category.value,
        "summary": product.summary,
        "stage": product.stage.value,
        "owner_id": "",
        "sourcing": product.sourcing.value,
        "vendor": product.vendor or "",
        "docs_url": "",
        "source_url": "",
        "prd_url": "",
        "tags": "",
        "successor_id": "",
        **changes,
    }


def impact_text(html: str) -> str:
    return parse_html(html).one('[data-testid="impact"]').text


def test_sunsetting_shows_every_dependant_and_changes_nothing_without_confirming(pm_client, erp):
    response = pm_client.post("/products/erp/edit", data=product_data(erp, stage="sunsetting"))
    assert response.status_code == 422
    shown = impact_text(response.text)
    for name in ("Close Tool", "WMS", "BI", "General ledger", "Finance", "45 users"):
        assert name in shown
    assert "Mobile approvals" in shown and "Intercompany matching" in shown
    assert "Old Thing" not in shown and "Done already" not in shown
    assert "Shipped long ago" not in shown
    page = parse_html(response.text)
    assert "Tick the box to confirm" in page.one("#confirm_impact-error").text
    assert fresh(erp).stage is Stage.LIVE
    assert db.session.execute(sa.select(Activity)).first() is None

    confirmed = pm_client.post(
        "/products/erp/edit", data=product_data(erp, stage="sunsetting", confirm_impact="y")
    )
    assert confirmed.status_code == 302
    assert fresh(erp).stage is Stage.SUNSETTING


def test_other_edits_ask_nothing(pm_client, erp):
    response = pm_client.post("/products/erp/edit", data=product_data(erp, summary="New words"))
    assert response.status_code == 302 and fresh(erp).summary == "New words"


def test_a_product_nothing_needs_is_sunset_at_once(pm_client, make):
    lone = make.product(slug="lone")
    response = pm_client.post("/products/lone/edit", data=product_data(lone, stage="sunsetting"))
    assert response.status_code == 302 and fresh(lone).stage is Stage.SUNSETTING


def test_the_stage_select_fetches_the_impact_with_htmx(pm_client, erp):
    form = parse_html(pm_client.get("/products/erp/edit").text)
    select = form.one("select#stage")
    assert select["hx-get"] == "/products/erp/impact" and select["hx-target"] == "#stage-impact"
    assert form.one("#stage-impact").text.strip() == ""

    fragment = pm_client.hx_get("/products/erp/impact?stage=sunsetting")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    html = parse_html(fragment.text)
    assert "Close Tool" in html.one('[data-testid="impact-dependants"]').text
    assert html.one('input#confirm_impact[type="checkbox"]')
    for stage in ("live", "building", "nonsense", ""):
        quiet = pm_client.hx_get(f"/products/erp/impact?stage={stage}")
        assert parse_html(quiet.text).one("#stage-impact").text.strip() == "", stage


def test_the_impact_page_without_javascript(pm_client, client_as, erp):
    page = pm_client.get("/products/erp/impact")
    assert page.status_code == 200 and "Close Tool" in impact_text(page.text)
    assert "Acme: renews on" in parse_html(page.text).one('[data-testid="impact-contract"]').text
    for role in ("leader", "stakeholder"):
        assert client_as(role).get("/products/erp/impact").status_code == 403


# The retire page --------------------------------------------------------------------


def retire_data(**changes) -> dict:
    return {"reason": "Replaced", "retired_on": date.today().isoformat(), **changes}


def test_the_retire_page_shows_the_impact_and_needs_the_confirmation(pm_client, erp):
    page = pm_client.get("/products/erp/retire")
    assert page.status_code == 200
    assert "Close Tool" in impact_text(page.text) and "WMS" in impact_text(page.text)
    assert parse_html(page.text).one('input#confirm_impact[type="checkbox"]')

    refused = pm_client.post("/products/erp/retire", data=retire_data())
    assert refused.status_code == 422
    assert "Tick the box" in parse_html(refused.text).one("#confirm_impact-error").text
    assert fresh(erp).stage is Stage.LIVE

    assert pm_client.post("/products/erp/retire", data=retire_data(), csrf=False).status_code == 400
    assert fresh(erp).stage is Stage.LIVE

    done = pm_client.post("/products/erp/retire", data=retire_data(confirm_impact="y"))
    assert done.status_code == 302 and fresh(erp).stage is Stage.RETIRED


def test_a_product_nothing_needs_retires_without_the_box(pm_client, make):
    make.product(slug="lone", name="Lone")
    page = parse_html(pm_client.get("/products/lone/retire").text)
    assert page.select('[data-testid="impact-empty"]') and not page.select("input#confirm_impact")
    assert pm_client.post("/products/lone/retire", data=retire_data()).status_code == 302


# The dashboard ----------------------------------------------------------------------


def test_the_dashboard_lists_sunsetting_products_still_needed(make, leader_client):
    old = make.product(slug="old-erp", name="Old ERP", stage=Stage.SUNSETTING)
    depends(make.product(name="Live one"), old)
    depends(make.product(name="Being built", stage=Stage.BUILDING), old)
    depends(make.product(name="Just an idea", stage=Stage.IDEA), old)
    flow(old, make.product(name="Consumer"))
    flow(old, make.product(name="Gone", stage=Stage.RETIRED))
    resolved = make.product(slug="resolved", name="Resolved", stage=Stage.SUNSETTING)
    depends(make.product(name="Retired user", stage=Stage.RETIRED), resolved)
    make.product(name="Live and needed")  # not sunsetting: not listed

    rows = sunsetting_with_dependants(db.session, limit=10)
    assert [(row.product.name, row.dependants, row.consumers) for row in rows] == [
        ("Old ERP", 2, 1)
    ]
    table = parse_html(leader_client.get("/dashboard").text).one(
        '[data-testid="sunsetting-needed"]'
    )
    cells = [cell.text for cell in table.select("tbody td")]
    assert cells[0].startswith("Old ERP") and cells[1:] == ["2", "1"]
    assert "Resolved" not in table.text


def test_the_dashboard_list_is_bounded(make):
    for n in range(4):
        old = make.product(name=f"Old {n}", stage=Stage.SUNSETTING)
        for _ in range(n + 1):
            depends(make.product(), old)
    rows = sunsetting_with_dependants(db.session, limit=2)
    assert [row.product.name for row in rows] == ["Old 3", "Old 2"] and rows.more == 2
