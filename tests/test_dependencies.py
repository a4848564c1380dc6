"""Dependencies and interfaces (#18): the domain rules without HTTP, the
product page's section (inline with htmx and without JavaScript), the
catalogue files, the API and the query count of the page."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator

from portfolio.architecture.dependencies import (
    add_dependency,
    add_interface,
    edit_interface,
    product_links,
    remove_dependency,
    remove_interface,
)
from portfolio.catalogue.csv_export import COLUMNS, export_catalogue
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    Product,
    ProductDependency,
    Stage,
    Verb,
)
from tests.helpers import assert_fragment, count_rows, parse_html

API, DAILY = InterfaceMethod.API, InterfaceFrequency.DAILY


@pytest.fixture
def trio(make):
    crm = make.product(slug="crm", name="CRM")
    erp = make.product(slug="erp", name="ERP")
    bi = make.product(slug="bi", name="BI")
    return crm, erp, bi


def trail(verb: Verb | None = None) -> list[Activity]:
    query = sa.select(Activity).order_by(Activity.id)
    if verb is not None:
        query = query.where(Activity.verb == verb)
    return list(db.session.execute(query).scalars())


def flow(provider, consumer, data="Invoices", **fields) -> Interface:
    fields.setdefault("method", API)
    fields.setdefault("frequency", DAILY)
    interface = Interface(provider=provider, consumer=consumer, data=data, **fields)
    db.session.add(interface)
    db.session.commit()
    return interface


def depends(product, needed, note="") -> ProductDependency:
    dependency = ProductDependency(product=product, depends_on=needed, note=note)
    db.session.add(dependency)
    db.session.commit()
    return dependency


# The domain ------------------------------------------------------------------------


def test_a_dependency_is_recorded_on_the_dependent_product(users, trio):
    crm, erp, _ = trio
    add_dependency(db.session, users["pm"], crm, erp, note="  Invoices  ")
    db.session.commit()
    (dependency,) = db.session.execute(sa.select(ProductDependency)).scalars()
    assert (dependency.product_id, dependency.depends_on_id, dependency.note) == (
        crm.id,
        erp.id,
        "Invoices",
    )
    (event,) = trail(Verb.DEPENDENCY_ADDED)
    assert (event.product_id, event.subject, event.after) == (
        crm.id,
        "CRM",
        "depends on ERP: Invoices",
    )
    remove_dependency(db.session, users["pm"], dependency)
    db.session.commit()
    assert count_rows(ProductDependency) == 0
    (removed,) = trail(Verb.DEPENDENCY_REMOVED)
    assert (removed.product_id, removed.before) == (crm.id, "depends on ERP: Invoices")


@pytest.mark.parametrize(
    "case, message",
    [
        ("itself", "cannot depend on itself"),
        ("twice", "CRM already depends on ERP"),
        ("two-way", "ERP already depends on CRM: two products that need each other"),
    ],
)
def test_the_dependency_rules(users, trio, case, message):
    crm, erp, bi = trio
    if case == "twice":
        depends(crm, erp)
    if case == "two-way":
        depends(erp, crm)
    before = count_rows(ProductDependency)
    with pytest.raises(ValueError, match=message):
        add_dependency(db.session, users["pm"], crm, crm if case == "itself" else erp)
    assert count_rows(ProductDependency) == before and trail() == []


def test_a_longer_cycle_is_allowed(users, trio):
    crm, erp, bi = trio
    depends(crm, erp)
    depends(erp, bi)
    add_dependency(db.session, users["pm"], bi, crm)
    db.session.commit()
    assert count_rows(ProductDependency) == 3


def test_interfaces_are_added_edited_and_removed_with_their_events(users, trio):
    crm, erp, _ = trio
    pm = users["pm"]
    interface = add_interface(
        db.session,
        pm,
        provider=erp,
        consumer=crm,
        data="  Invoice   status ",
        method=API,
        frequency=DAILY,
        owner=pm,
    )
    db.session.commit()
    assert interface.data == "Invoice status"
    (added,) = trail(Verb.INTERFACE_ADDED)
    assert added.product_id == crm.id and "from ERP to CRM (API, daily;" in added.after

    # The same save twice records one change.
    for _ in range(2):
        edit_interface(
            db.session,
            pm,
            interface,
            data="Invoice status",
            method=InterfaceMethod.FILE,
            frequency=InterfaceFrequency.WEEKLY,
            owner=None,
            note="Nightly",
        )
        db.session.commit()
    (edited,) = trail(Verb.INTERFACE_EDITED)
    assert "File transfer, weekly; no owner" in edited.after and "API" in edited.before

    with pytest.raises(ValueError, match="already gets “invoice STATUS”"):
        add_interface(
            db.session,
            pm,
            provider=erp,
            consumer=crm,
            data="invoice STATUS",
            method=API,
            frequency=DAILY,
        )
    with pytest.raises(ValueError, match="does not exchange data with itself"):
        add_interface(
            db.session, pm, provider=crm, consumer=crm, data="X", method=API, frequency=DAILY
        )
    # The other way round is another interface.
    add_interface(
        db.session,
        pm,
        provider=crm,
        consumer=erp,
        data="Invoice status",
        method=API,
        frequency=DAILY,
    )
    remove_interface(db.session, pm, interface)
    db.session.commit()
    assert count_rows(Interface) == 1 and len(trail(Verb.INTERFACE_REMOVED)) == 1


def test_product_links_are_bounded_with_their_totals(make, trio):
    crm, erp, _ = trio
    others = [make.product(name=f"Other {n:02}") for n in range(5)]
    for other in others:
        depends(crm, other)
        depends(other, erp)
        flow(other, crm)
        flow(crm, other, data="Customers")
    links = product_links(db.session, crm.id, limit=3)
    assert [d.depends_on.name for d in links.depends_on] == ["Other 00", "Other 01", "Other 02"]
    assert (links.depends_on.total, links.depends_on.more) == (5, 2)
    assert links.dependants.total == 0 and not links.dependants
    assert (len(links.consumes), links.consumes.total) == (3, 5)
    assert (len(links.provides), links.provides.total) == (3, 5)
    assert product_links(db.session, erp.id).dependants.total == 5


# The product page -------------------------------------------------------------------


def section(response):
    return parse_html(response.text).one("#dependencies")


def test_the_section_lists_both_ways_and_every_interface(client_as, trio, users):
    crm, erp, bi = trio
    depends(crm, erp, note="Billing")
    depends(bi, crm)
    flow(erp, crm, owner=users["pm"])
    flow(crm, bi, data="Pipeline", method=InterfaceMethod.FILE)
    for role in ("pm", "stakeholder"):
        shown = section(client_as(role).get("/products/crm"))
        assert "ERP" in shown.one('[data-testid="depends-on"]').text
        assert "Billing" in shown.one('[data-testid="depends-on"]').text
        assert "BI" in shown.one('[data-testid="dependants"]').text
        incoming = shown.one('[data-testid="interfaces-in"]').text
        assert "ERP" in incoming and "Invoices" in incoming and users["pm"].display_name in incoming
        outgoing = shown.one('[data-testid="interfaces-out"]').text
        assert "BI" in outgoing and "Pipeline" in outgoing and "File transfer" in outgoing
        forms = shown.select("form")
        assert bool(forms) is (role == "pm")


def test_a_pm_adds_a_dependency_without_javascript(pm_client, trio):
    crm, erp, _ = trio
    response = pm_client.post(
        "/products/crm/dependencies", data={"depends_on_id": str(erp.id), "note": "Billing"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/products/crm#dependencies"
    assert count_rows(ProductDependency, ProductDependency.product_id == crm.id) == 1


def test_a_pm_adds_and_removes_a_dependency_with_htmx(pm_client, trio):
    crm, erp, _ = trio
    added = pm_client.hx_post(
        "/products/crm/dependencies", data={"depends_on_id_search": "erp", "note": ""}
    )
    assert added.status_code == 200
    assert_fragment(added, '<section id="dependencies"')
    assert "ERP" in parse_html(added.text).one('[data-testid="depends-on"]').text
    (dependency,) = db.session.execute(sa.select(ProductDependency)).scalars()
    removed = pm_client.hx_post(f"/products/crm/dependencies/{dependency.id}/delete")
    assert removed.status_code == 200 and count_rows(ProductDependency) == 0
    assert "depends on no other product" in removed.text


@pytest.mark.parametrize(
    "case, message",
    [
        ("none", "Choose the product it depends on."),
        ("itself", "Not a valid choice"),
        ("twice", "CRM already depends on ERP."),
        ("two-way", "ERP already depends on CRM"),
        ("unknown", "Not a valid choice"),
        ("long note", "under 280 characters"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_dependency_comes_back_with_the_error_by_its_field(
    pm_client, trio, case, message, htmx
):
    crm, erp, _ = trio
    if case == "twice":
        depends(crm, erp)
    if case == "two-way":
        depends(erp, crm)
    data = {
        "depends_on_id": {"none": "", "itself": str(crm.id), "unknown": "999999"}.get(
            case, str(erp.id)
        ),
        "note": "x" * 281 if case == "long note" else "",
    }
    before = count_rows(ProductDependency)
    post = pm_client.hx_post if htmx else pm_client.post
    response = post("/products/crm/dependencies", data=data)
    assert response.status_code == 422
    field = "dependency-note" if case == "long note" else "depends_on_id"
    assert message in parse_html(response.text).one(f"#{field}-error").text
    assert ("<html" in response.text) is not htmx
    assert count_rows(ProductDependency) == before and trail() == []


def test_a_pm_adds_edits_and_removes_an_interface(pm_client, trio, users):
    crm, erp, _ = trio
    response = pm_client.post(
        "/products/crm/interfaces",
        data={
            "direction": "provides",
            "partner_id": str(erp.id),
            "data": "Closed deals",
            "method": "event",
            "frequency": "real_time",
            "owner_id": str(users["pm"].id),
            "note": "",
        },
    )
    assert response.status_code == 302
    interface = db.session.execute(sa.select(Interface)).scalar_one()
    assert (interface.provider_id, interface.consumer_id, interface.method) == (
        crm.id,
        erp.id,
        InterfaceMethod.EVENT,
    )
    # Editing in place with htmx: the section with the form in the row.
    url = f"/products/crm/interfaces/{interface.id}/edit"
    opened = pm_client.hx_get(url)
    assert opened.status_code == 200
    assert_fragment(opened, '<section id="dependencies"')
    assert parse_html(opened.text).one("#edit-interface-data")["value"] == "Closed deals"
    bad = pm_client.hx_post(
        url, data={"data": "", "method": "api", "frequency": "daily", "owner_id": ""}
    )
    assert bad.status_code == 422 and "Say what data flows" in bad.text
    saved = pm_client.hx_post(
        url,
        data={"data": "Won deals", "method": "api", "frequency": "hourly", "owner_id": ""},
    )
    assert saved.status_code == 200 and "Won deals" in saved.text
    db.session.expire_all()
    assert (interface.data, interface.frequency, interface.owner_id) == (
        "Won deals",
        InterfaceFrequency.HOURLY,
        None,
    )
    # Without JavaScript: a page of its own, then back to the section.
    page = pm_client.get(url)
    assert page.status_code == 200 and "<html" in page.text
    assert (
        pm_client.post(url, data={"data": "Deals", "method": "api", "frequency": "daily"}).headers[
            "Location"
        ]
        == "/products/crm#dependencies"
    )
    # From the other product's page too.
    removed = pm_client.post(f"/products/erp/interfaces/{interface.id}/delete")
    assert removed.status_code == 302 and count_rows(Interface) == 0
    assert [event.verb for event in trail()] == [
        Verb.INTERFACE_ADDED,
        Verb.INTERFACE_EDITED,
        Verb.INTERFACE_EDITED,
        Verb.INTERFACE_REMOVED,
    ]


def test_a_bad_interface_comes_back_with_the_errors(pm_client, trio):
    crm, erp, _ = trio
    flow(erp, crm)
    response = pm_client.post(
        "/products/crm/interfaces",
        data={
            "direction": "consumes",
            "partner_id": str(erp.id),
            "data": "invoices",
            "method": "carrier-pigeon",
            "frequency": "daily",
        },
    )
    assert response.status_code == 422
    page = parse_html(response.text)
    assert "CRM already gets “invoices” from ERP" in page.one("#partner_id-error").text
    assert "Not a valid choice" in page.one("#interface-method-error").text
    assert count_rows(Interface) == 1


def test_the_writes_need_the_csrf_token(pm_client, trio):
    crm, erp, _ = trio
    dependency = depends(crm, erp)
    interface = flow(erp, crm)
    posts = [
        ("/products/crm/dependencies", {"depends_on_id": str(erp.id)}),
        (f"/products/crm/dependencies/{dependency.id}/delete", {}),
        ("/products/crm/interfaces", {"partner_id": str(erp.id), "data": "X"}),
        (f"/products/crm/interfaces/{interface.id}/edit", {"data": "Y"}),
        (f"/products/crm/interfaces/{interface.id}/delete", {}),
    ]
    for url, data in posts:
        assert pm_client.post(url, data=data, csrf=False).status_code == 400, url
    assert count_rows(ProductDependency) == 1 and count_rows(Interface) == 1
    assert db.session.get(Interface, interface.id).data == "Invoices" and trail() == []


def test_unknown_or_foreign_ids_are_404(pm_client, trio):
    crm, erp, bi = trio
    dependency = depends(crm, erp)
    interface = flow(erp, crm)
    for method, url in [
        ("post", f"/products/bi/dependencies/{dependency.id}/delete"),
        ("post", "/products/crm/dependencies/999999/delete"),
        ("post", "/products/no-such/dependencies"),
        ("post", "/products/no-such/interfaces"),
        ("get", f"/products/bi/interfaces/{interface.id}/edit"),
        ("post", f"/products/bi/interfaces/{interface.id}/delete"),
        ("get", "/products/crm/interfaces/999999/edit"),
        ("get", "/products/no-such/impact"),
    ]:
        assert getattr(pm_client, method)(url).status_code == 404, url
    assert count_rows(ProductDependency) == 1 and count_rows(Interface) == 1


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_only_the_product_team_edits(client_as, trio, role):
    crm, erp, _ = trio
    dependency = depends(crm, erp)
    interface = flow(erp, crm)
    client = client_as(role)
    for url, data in [
        ("/products/crm/dependencies", {"depends_on_id": str(erp.id)}),
        (f"/products/crm/dependencies/{dependency.id}/delete", {}),
        (f"/products/crm/interfaces/{interface.id}/delete", {}),
    ]:
        assert client.post(url, data=data).status_code == 403
    assert client.get(f"/products/crm/interfaces/{interface.id}/edit").status_code == 403
    assert count_rows(ProductDependency) == 1 and count_rows(Interface) == 1


def test_the_page_costs_the_same_with_2_or_40_interfaces(pm_client, make, count_queries):
    def cost(slug: str) -> int:
        with count_queries() as statements:
            assert pm_client.get(f"/products/{slug}").status_code == 200
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    few, many = make.product(slug="few"), make.product(slug="many")
    for product, count in ((few, 2), (many, 40)):
        for n in range(count):
            other = make.product()
            flow(other, product, data=f"Data {n}")
            flow(product, other, data=f"Data {n}")
            depends(product, other) if n % 2 else depends(other, product)
    assert cost("few") == cost("many")
    page = section(pm_client.get("/products/many"))
    assert len(page.one('[data-testid="interfaces-in"]').select("tbody tr")) == 40


# The catalogue files ----------------------------------------------------------------


def read(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_export_then_import_gives_identical_files(app, make, users, tmp_path):
    crm, erp, bi = (make.product(slug=s, name=s.upper()) for s in ("crm", "erp", "bi"))
    depends(crm, erp, note="=SUM(A1) for billing")
    depends(bi, crm)
    flow(erp, crm, owner=users["pm"], note="Hourly sync")
    flow(crm, bi, data="Pipeline", method=InterfaceMethod.MANUAL)
    first, second = tmp_path / "first", tmp_path / "second"
    export_catalogue(db.session, first)
    assert read(first / "dependencies.csv") == [
        COLUMNS["dependencies.csv"],
        ["bi", "crm", ""],
        ["crm", "erp", "'=SUM(A1) for billing"],
    ]
    assert read(first / "interfaces.csv")[1] == [
        "crm",
        "bi",
        "Pipeline",
        "manual",
        "daily",
        "",
        "",
    ]
    # Into an empty catalogue (the same accounts), then out again.
    db.session.execute(sa.delete(ProductDependency))
    db.session.execute(sa.delete(Interface))
    db.session.execute(sa.delete(Product))
    db.session.commit()
    report = import_catalogue(db.session, first)
    assert report.ok, report.errors
    db.session.commit()
    export_catalogue(db.session, second)
    for name in COLUMNS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # Importing again changes nothing and duplicates nothing.
    assert import_catalogue(db.session, first).ok
    db.session.commit()
    assert (count_rows(ProductDependency), count_rows(Interface)) == (2, 2)


def test_a_catalogue_without_the_new_files_still_imports(app, make, tmp_path):
    crm, erp = make.product(slug="crm"), make.product(slug="erp")
    depends(crm, erp)
    export_catalogue(db.session, tmp_path)
    (tmp_path / "dependencies.csv").unlink()
    (tmp_path / "interfaces.csv").unlink()
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    assert count_rows(ProductDependency) == 1  # the import never removes


def write(path, name, rows):
    with (path / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS[name])
        writer.writerows(rows)


@pytest.mark.parametrize(
    "name, rows, message",
    [
        ("dependencies.csv", [["crm", "nowhere", ""]], "unknown product “nowhere”"),
        ("dependencies.csv", [["crm", "CRM", ""]], "cannot depend on itself"),
        ("dependencies.csv", [["crm", "erp", ""], ["crm", "erp", "x"]], "depends on erp twice"),
        (
            "dependencies.csv",
            [["crm", "erp", ""], ["erp", "crm", ""]],
            "cannot depend on each other",
        ),
        ("dependencies.csv", [["erp", "crm", ""]], "cannot depend on each other"),  # the database's
        ("interfaces.csv", [["crm", "erp", "X", "fax", "daily", "", ""]], "method"),
        ("interfaces.csv", [["crm", "erp", "X", "api", "hourly", "no@one.test", ""]], "no user"),
        ("interfaces.csv", [["crm", "crm", "X", "api", "daily", "", ""]], "with itself"),
        ("interfaces.csv", [["crm", "erp", "", "api", "daily", "", ""]], "data"),
        (
            "interfaces.csv",
            [
                ["crm", "erp", "X", "api", "daily", "", ""],
                ["crm", "erp", "x", "api", "daily", "", ""],
            ],
            "twice",
        ),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(app, make, tmp_path, name, rows, message):
    crm, erp = make.product(slug="crm"), make.product(slug="erp")
    depends(crm, erp)
    write(tmp_path, name, rows)
    report = import_catalogue(db.session, tmp_path)
    assert not report.ok
    assert any(message in str(problem) for problem in report.errors), report.errors
    db.session.rollback()
    assert count_rows(ProductDependency) == 1 and count_rows(Interface) == 0


# The API ----------------------------------------------------------------------------


def test_the_api_answers_a_products_dependencies(client, leader_client, demo):
    token = leader_client.post("/account/tokens", data={"name": "BI"})
    secret = parse_html(token.text).one('[data-testid="new-token"]').text
    headers = {"Authorization": f"Bearer {secret}"}
    answer = client.get("/api/products/finance-erp/dependencies", headers=headers)
    assert answer.status_code == 200
    document = client.get("/api/openapi.json").json
    Draft202012Validator(
        {"$ref": "#/components/schemas/ProductDependencies", "components": document["components"]}
    ).validate(answer.json)
    body = answer.json
    assert body["product"] == "finance-erp"
    assert [p["slug"] for p in body["depends_on"]] == ["access-guard"]
    assert {p["slug"] for p in body["dependants"]} >= {"close-assistant", "warehouse-wms"}
    assert body["dependants_total"] == len(body["dependants"])
    assert all(i["consumer"] == "finance-erp" for i in body["consumes"])
    assert all(i["provider"] == "finance-erp" for i in body["provides"])
    assert client.get("/api/products/no-such/dependencies", headers=headers).status_code == 404
    assert client.get("/api/products/finance-erp/dependencies").status_code == 401


def test_the_demo_has_dependencies_and_interfaces(app, demo):
    assert count_rows(ProductDependency) >= 8 and count_rows(Interface) >= 10
    erp = db.session.execute(sa.select(Product).where(Product.slug == "finance-erp")).scalar_one()
    assert erp.stage is Stage.LIVE
