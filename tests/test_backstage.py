"""Products as Backstage entities: every exported entity is valid by Backstage's
own schemas (tests/backstage_schema, from @backstage/catalog-model) and field
rules; export → import → export gives the same files; an import updates,
reports every problem by file and entity and writes nothing then; the
catalog-info.yaml route answers whoever may see the product."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from portfolio.catalogue.backstage import entity_name, export_entities
from portfolio.catalogue.backstage_import import import_entities
from portfolio.extensions import db
from portfolio.models import Activity, Product, Role, Sourcing, Stage, Tag, User, Verb
from tests.helpers import count_rows, make_app, parse_html

SCHEMAS = Path(__file__).parent / "backstage_schema"

# Backstage's field rules beyond the JSON schemas (@backstage/catalog-model
# 1.10.3: makeValidator, KubernetesValidatorFunctions, CommonValidatorFunctions).
OBJECT_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
STRICT_NAME = re.compile(r"^([A-Za-z0-9][-_.]?)*[A-Za-z0-9]$")  # no two separators in a row
TAG = re.compile(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$")


def schema_registry() -> Registry:
    resources = []
    for path in SCHEMAS.rglob("*.schema.json"):
        contents = json.loads(path.read_text())
        resources.append((contents["$id"], Resource(contents=contents, specification=DRAFT7)))
    return Registry().with_resources(resources)


REGISTRY = schema_registry()


def schema_problems(entity: dict) -> list[str]:
    """What Backstage's schemas (the envelope, then the kind's) and its field
    rules find wrong with `entity`."""
    kind_schema = {"System": "SystemV1alpha1", "Component": "ComponentV1alpha1"}[entity["kind"]]
    problems = []
    for schema_id in ("EntityEnvelope", kind_schema):
        validator = Draft7Validator({"$ref": schema_id}, registry=REGISTRY)
        problems += [error.message for error in validator.iter_errors(entity)]
    if problems:
        return problems
    metadata = entity["metadata"]
    names = [metadata["name"], entity["spec"]["owner"].split(":", 1)[-1]]
    for name in names:
        if not (len(name) <= 63 and OBJECT_NAME.match(name) and STRICT_NAME.match(name)):
            problems.append(f"name {name!r}")
    for tag in metadata.get("tags", []):
        if not (len(tag) <= 63 and TAG.match(tag)):
            problems.append(f"tag {tag!r}")
    for key, value in metadata.get("annotations", {}).items():
        prefix, _, name = key.rpartition("/")
        if not (all(DNS_LABEL.match(part) for part in prefix.split(".")) and len(prefix) <= 253):
            problems.append(f"annotation prefix {key!r}")
        if not (len(name) <= 63 and OBJECT_NAME.match(name)) or not isinstance(value, str):
            problems.append(f"annotation {key!r}")
    return problems


def load(path: Path) -> list[dict]:
    return list(yaml.safe_load_all(path.read_text()))


@pytest.fixture
def empty_app(empty_database_url):
    return make_app(empty_database_url)


def export_files(directory: Path) -> dict[str, bytes]:
    export_entities(db.session, directory)
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


# The export is valid Backstage --------------------------------------------------


def test_the_schemas_catch_what_backstage_refuses():
    """The copied schemas are the real ones: they refuse a System without owner."""
    bad = {"apiVersion": "backstage.io/v1alpha1", "kind": "System", "metadata": {"name": "x"}}
    assert schema_problems({**bad, "spec": {"owner": "user:x"}}) == []
    assert any("spec" in problem for problem in schema_problems(bad))
    assert any("owner" in problem for problem in schema_problems({**bad, "spec": {}}))
    component = {**bad, "kind": "Component", "spec": {"owner": "user:x"}}
    assert any("lifecycle" in problem for problem in schema_problems(component))


def test_every_demo_product_is_a_valid_backstage_system(app, demo, tmp_path):
    files = export_entities(db.session, tmp_path)
    assert len(files) == count_rows(Product) > 0
    for path in files:
        (entity,) = load(path)
        assert schema_problems(entity) == [], path.name
        assert entity["kind"] == "System" and entity["spec"]["type"] == "product"
    (erp,) = load(tmp_path / "finance-erp.yaml")
    assert erp["metadata"]["title"] == "Finance ERP"
    assert erp["spec"]["lifecycle"] == "production"
    assert erp["metadata"]["links"][0] == {
        "url": "http://127.0.0.1:5000/products/finance-erp",
        "title": "Portfolio",
        "type": "portfolio",
    }
    (legacy,) = load(tmp_path / "expense-legacy.yaml")
    assert legacy["spec"]["lifecycle"] == "deprecated"
    assert legacy["metadata"]["annotations"]["portfolio.example/successor"] == "finance-erp"


def test_long_slugs_odd_tags_and_emails_become_valid_backstage(app, make, tmp_path):
    owner = make.user(Role.PM, email="jane..doe+ops_@example.test")
    base = "a-" * 20 + "long-product-name-for-backstage"  # 75 characters with its end
    first = make.product(slug=base + "-one", owner=owner)
    make.product(slug=base + "-two")
    first.tags = [Tag(name=name) for name in ("month end", "r&d", "café", "---", "month-end")]
    db.session.commit()
    entities = [entity for path in export_entities(db.session, tmp_path) for entity in load(path)]
    assert [schema_problems(entity) for entity in entities] == [[], []]
    names = [entity["metadata"]["name"] for entity in entities]
    assert all(len(name) <= 63 for name in names) and names[0] != names[1]
    (entity,) = load(tmp_path / f"{first.slug}.yaml")
    assert entity["metadata"]["tags"] == ["cafe", "month-end", "r-d"]
    assert entity["spec"]["owner"] == "user:jane-doe-ops"
    annotations = entity["metadata"]["annotations"]
    assert annotations["portfolio.example/tags"] == "---, café, month end, month-end, r&d"

    # …and come back as they were.
    db.session.delete(first)
    db.session.commit()
    result = import_entities(db.session, None, [tmp_path / f"{base}-one.yaml"])
    assert result.ok, result.report.errors
    db.session.commit()
    again = db.session.execute(sa.select(Product).where(Product.slug == base + "-one")).scalar_one()
    assert again.tag_names == ["---", "café", "month end", "month-end", "r&d"]
    assert again.owner == owner


def test_entity_names_are_slugs_unless_too_long():
    assert entity_name("sales-crm") == "sales-crm"
    long = "x" * 80
    assert len(entity_name(long)) == 63 and entity_name(long) != entity_name(long[:-1] + "y")


# Export → import → export -------------------------------------------------------


def test_export_import_export_gives_identical_files(app, demo, empty_app, tmp_path):
    first = export_files(tmp_path / "first")
    owners = [(u.email, u.display_name) for u in db.session.execute(sa.select(User)).scalars()]
    products = count_rows(Product)

    with empty_app.app_context():
        db.create_all()
        for email, name in owners:  # owner-email must name an existing account
            db.session.add(User(email=email, display_name=name, role=Role.PM, password_hash="x"))
        db.session.commit()
        result = import_entities(db.session, None, sorted((tmp_path / "first").iterdir()))
        assert result.ok, result.report.errors
        db.session.commit()
        assert count_rows(Product) == products == len(result.created)
        created = db.session.execute(
            sa.select(sa.func.count()).where(Activity.verb == Verb.PRODUCT_CREATED)
        ).scalar_one()
        assert created == products
        second = export_files(tmp_path / "second")
        db.session.remove()
        db.engine.dispose()

    assert second == first


def test_importing_the_export_again_changes_and_records_nothing(app, demo, tmp_path):
    files = export_entities(db.session, tmp_path)
    trail = count_rows(Activity)
    result = import_entities(db.session, None, files)
    assert result.ok and not result.created and len(result.updated) == len(files)
    db.session.commit()
    assert count_rows(Activity) == trail
    assert export_files(tmp_path / "again") == {p.name: p.read_bytes() for p in files}


def test_import_updates_a_product_and_records_it_for_the_actor(app, demo, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["export-backstage", str(tmp_path)]).exit_code == 0
    path = tmp_path / "team-chat.yaml"
    (entity,) = load(path)
    entity["metadata"]["title"] = "Team Chat 2"
    entity["metadata"]["annotations"]["portfolio.example/stage"] = "sunsetting"
    entity["metadata"]["annotations"]["portfolio.example/tags"] = "chat, alerts"
    entity["metadata"]["links"].append(
        {"url": "https://docs.example.test/chat", "type": "documentation"}
    )
    entity["spec"]["lifecycle"] = "deprecated"
    path.write_text(yaml.safe_dump(entity))

    result = runner.invoke(args=["import-backstage", "--actor", "ADMIN@demo.example", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 product(s) created; 1 already in the catalogue" in result.output
    product = db.session.execute(sa.select(Product).where(Product.slug == "team-chat")).scalar_one()
    assert (product.name, product.stage) == ("Team Chat 2", Stage.SUNSETTING)
    assert product.tag_names == ["alerts", "chat"]
    assert product.docs_url == "https://docs.example.test/chat"
    events = db.session.execute(
        sa.select(Activity).where(Activity.product_id == product.id).order_by(Activity.id.desc())
    ).scalars()
    latest = {event.verb: event for event in list(events)[:2]}
    assert set(latest) == {Verb.PRODUCT_EDITED, Verb.PRODUCT_STAGE_CHANGED}
    assert all(event.actor.email == "admin@demo.example" for event in latest.values())
    assert "Team Chat 2" in latest[Verb.PRODUCT_EDITED].after


def test_a_hand_written_entity_creates_a_product_and_then_changes_only_what_it_says(
    app, make, tmp_path
):
    path = tmp_path / "catalog-info.yaml"
    path.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: System\n"
        "metadata:\n  name: payroll\n  title: Payroll\n  description: Pays people.\n"
        "  tags: [hr, money]\n"
        "spec:\n  owner: group:people\n  lifecycle: experimental\n"
    )
    assert import_entities(db.session, None, [path]).ok
    db.session.commit()
    product = db.session.execute(sa.select(Product).where(Product.slug == "payroll")).scalar_one()
    assert (product.name, product.summary, product.stage) == (
        "Payroll",
        "Pays people.",
        Stage.DISCOVERY,
    )
    assert product.tag_names == ["hr", "money"] and product.sourcing is Sourcing.BUILT

    product.stage, product.vendor, product.sourcing = Stage.BUILDING, "Acme", Sourcing.BOUGHT
    db.session.commit()
    path.write_text(path.read_text().replace("title: Payroll", "title: Payroll EU"))
    assert import_entities(db.session, None, [path]).ok
    db.session.commit()
    db.session.refresh(product)
    assert product.name == "Payroll EU"
    # experimental still: its stage stays; what the entity does not carry stays too.
    assert (product.stage, product.vendor, product.sourcing) == (
        Stage.BUILDING,
        "Acme",
        Sourcing.BOUGHT,
    )


# Problems --------------------------------------------------------------------


GOOD = """apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: good-one
  title: Good one
  description: Fine.
spec:
  owner: user:someone
  lifecycle: production
"""


def test_every_problem_is_reported_by_file_and_entity_and_nothing_is_written(app, make, tmp_path):
    make.product(slug="kept", name="Kept")
    many = tmp_path / "many.yaml"
    many.write_text(
        "\n---\n".join(
            [
                GOOD,
                GOOD.replace("good-one", "Bad_Name-"),
                GOOD.replace("good-one", "no-lifecycle").replace("production", "beta"),
                "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: no-spec\n",
                GOOD.replace("System", "Component").replace("good-one", "a-component"),
                GOOD.replace("good-one", "no-owner").replace("  owner: user:someone\n", ""),
                "- just\n- a list\n",
                GOOD.replace("good-one", "kept").replace(
                    "Fine.", "x" * 300 + "\n  annotations: {portfolio.example/category: nonsense}"
                ),
            ]
        )
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: [unclosed\nkind: System\n")
    trail = count_rows(Activity)

    result = app.test_cli_runner().invoke(args=["import-backstage", str(many), str(broken)])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = [
        f"{many} document 2 (System “Bad_Name-”): metadata.name “Bad_Name-”: not a Backstage name",
        f"{many} document 3 (System “no-lifecycle”): spec.lifecycle “beta”: unknown",
        f"{many} document 4 (System “no-spec”): spec: missing",
        f"{many} document 5 (Component “a-component”): kind “Component”: only System",
        f"{many} document 6 (System “no-owner”): spec.owner: missing",
        f"{many} document 7: not an entity",
        f"{many} document 8 (System “kept”): metadata.description: longer than 280",
        f"{broken} document 1: not YAML, line 2",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, lines)
    assert "unknown category “nonsense”" in result.output
    assert "8 problem(s) found; nothing was imported." in result.output
    assert not any("document 1 " in line for line in lines)
    assert count_rows(Product) == 1 and count_rows(Activity) == trail


@pytest.mark.parametrize(
    "change, message",
    [
        (("production", "deprecated"), "does not go with stage “live”"),
        (("Fine.", "Fine.\n  annotations: {portfolio.example/owner-email: x@y.z}"), "no user"),
        (("Fine.", "Fine.\n  links: [{url: 'javascript:alert(1)', type: source}]"), "https://"),
        (("Fine.", "Fine.\n  annotations: {portfolio.example/successor: nope}"), "nope"),
        (
            ("Fine.", "Fine.\n  annotations: {portfolio.example/retired-on: '2020-01-01'}"),
            "retired",
        ),
        (("Fine.", "Fine.\n  annotations: {portfolio.example/sourcing: bought}"), "vendor"),
        (("Fine.", "Fine.\n  tags: [a, b, c, d, e, f, g, h, i, j, k, l, m]"), "at most 12"),
    ],
)
def test_field_rules_are_the_forms(app, tmp_path, change, message):
    path = tmp_path / "one.yaml"
    text = GOOD.replace(*change)
    if "live" in message:
        text = text.replace("Fine.", "Fine.\n  annotations: {portfolio.example/stage: live}")
    path.write_text(text)
    result = import_entities(db.session, None, [path])
    assert not result.ok
    assert message in result.report.errors[0], result.report.errors
    assert result.report.errors[0].startswith(f"{path} document 1 (System “good-one”): ")


def test_a_problem_the_domain_finds_is_reported_and_nothing_is_written(app, make, tmp_path):
    make.product(slug="old", name="Old", stage=Stage.RETIRED)
    path = tmp_path / "one.yaml"
    path.write_text(
        GOOD.replace("Fine.", "Fine.\n  annotations: {portfolio.example/successor: old}")
    )
    result = app.test_cli_runner().invoke(args=["import-backstage", str(path)])
    assert result.exit_code == 1
    assert f"{path} document 1 (System “good-one”): Old is retired itself" in result.output
    assert db.session.execute(sa.select(Product.slug)).scalars().all() == ["old"]
    assert count_rows(Activity) == 0


def test_an_import_reads_a_bounded_number_of_entities(app, tmp_path, monkeypatch):
    monkeypatch.setattr("portfolio.catalogue.backstage_import.MAX_ENTITIES", 2)
    path = tmp_path / "many.yaml"
    path.write_text("---\n".join(GOOD.replace("good-one", f"p{n}") for n in range(4)))
    result = import_entities(db.session, None, [path])
    assert result.report.errors == ["more than 2 entities: import them in parts"]


def test_two_documents_for_one_product_are_refused(app, tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text(GOOD + "---\n" + GOOD)
    result = import_entities(db.session, None, [path])
    assert result.report.errors == [
        f"{path} document 2 (System “good-one”): product “good-one” is also in "
        f"{path} document 1 (System “good-one”)"
    ]


def test_an_unknown_actor_is_refused(app, tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(GOOD)
    result = app.test_cli_runner().invoke(
        args=["import-backstage", "--actor", "nobody@x.test", str(path)]
    )
    assert result.exit_code == 1 and "No account has the email" in result.output
    assert count_rows(Product) == 0


# The route ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "pm", "leader", "stakeholder"])
def test_everyone_who_sees_the_product_page_gets_its_entity(app, make, client_as, role):
    product = make.product(slug="sales-crm", name="Sales CRM")
    response = client_as(role).get("/products/sales-crm/catalog-info.yaml")
    assert response.status_code == 200
    assert response.content_type == "application/yaml; charset=utf-8"
    (entity,) = yaml.safe_load_all(response.text)
    assert entity["metadata"]["name"] == product.slug and schema_problems(entity) == []
    page = client_as(role).get("/products/sales-crm")
    links = parse_html(page.text).select("a[href='/products/sales-crm/catalog-info.yaml']")
    assert [link.text for link in links] == ["catalog-info.yaml"]


def test_anonymous_visitors_are_sent_to_sign_in_and_unknown_products_are_404(
    app, make, client, stakeholder_client
):
    make.product(slug="sales-crm")
    response = client.get("/products/sales-crm/catalog-info.yaml")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert stakeholder_client.get("/products/nope/catalog-info.yaml").status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        'Ops: "yes" #1 & *star',
        "null",
        "- [x]: {y}",
        "'quoted' | > %tag @at `tick`",
        "2026-01-01",
        "Ünïcödé … ✓",
    ],
)
def test_yaml_special_names_round_trip(app, make, pm_client, tmp_path, name):
    make.product(slug="odd", name=name, summary=f"{name}: summary")
    answer = pm_client.get("/products/odd/catalog-info.yaml")
    (entity,) = yaml.safe_load_all(answer.text)
    assert entity["metadata"]["title"] == name
    assert entity["metadata"]["description"] == f"{name}: summary"
    db.session.execute(sa.delete(Product))
    db.session.commit()
    path = tmp_path / "odd.yaml"
    path.write_bytes(answer.data)
    assert import_entities(db.session, None, [path]).ok
    db.session.commit()
    assert db.session.execute(sa.select(Product.name)).scalar_one() == name
