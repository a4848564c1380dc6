"""Catalogue CSV and a product's end of life (#14): products.csv carries
`retired_on`, `retirement_reason` and `successor_slug` as optional trailing
columns; export → import into an empty database → export gives the same
files with them; files without them still import; each bad value is reported
as `products.csv line N: reason` and nothing is written. The catalogue's own
download says when a retired product was retired, why and what replaces it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portfolio.catalogue.csv_export import COLUMNS, export_catalogue, header_of
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.catalogue.lifecycle import REASON_LENGTH
from portfolio.extensions import db
from portfolio.models import Contract, Product, Stage
from tests.helpers import count_rows, make_app

TODAY = date.today()
RETIRED_ON = TODAY - timedelta(days=100)
REASON = "Claims moved to the ERP's own module, with approvals"
LIFECYCLE = ["retired_on", "retirement_reason", "successor_slug"]


def product_by_slug(slug: str) -> Product:
    return db.session.execute(sa.select(Product).where(Product.slug == slug)).scalar_one()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(directory: Path, rows: list[dict[str, str]], header: list[str]) -> None:
    directory.mkdir(exist_ok=True)
    with (directory / "products.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[row.get(column, "") for column in header] for row in rows])


def product(slug: str, **changes: str) -> dict[str, str]:
    values = dict(slug=slug, name=slug.upper(), category="crm", summary="A product", stage="live")
    values.update(sourcing="built", **changes)
    return values


@pytest.fixture
def retired_pair(make):
    """`a-old` (sorted first) retired, replaced by `z-new`, written after it."""
    new = make.product(slug="z-new", name="New Expenses")
    old = make.product(slug="a-old", name="Old Expenses", stage=Stage.RETIRED)
    old.retired_on, old.retirement_reason, old.successor = RETIRED_ON, REASON, new
    sunsetting = make.product(slug="m-sunset", name="Sunsetting", stage=Stage.SUNSETTING)
    sunsetting.successor = new
    db.session.commit()
    return old, new


def test_roundtrip_with_a_retired_product_and_a_successor_defined_later(
    app, retired_pair, empty_database_url, tmp_path
):
    first, second = tmp_path / "first", tmp_path / "second"
    export_catalogue(db.session, first)
    rows = read_csv(first / "products.csv")
    assert list(rows[0])[-3:] == LIFECYCLE
    assert [row["slug"] for row in rows] == ["a-old", "m-sunset", "z-new"]
    old, sunsetting, new = rows
    assert old["retired_on"] == RETIRED_ON.isoformat()
    assert old["retirement_reason"] == REASON and old["successor_slug"] == "z-new"
    assert sunsetting["successor_slug"] == "z-new" and not sunsetting["retired_on"]
    assert not new["retired_on"] and not new["retirement_reason"] and not new["successor_slug"]

    empty_app = make_app(empty_database_url)
    with empty_app.app_context():
        db.create_all()
        report = import_catalogue(db.session, first)
        assert report.ok, report.errors
        db.session.commit()
        imported = product_by_slug("a-old")
        assert imported.stage is Stage.RETIRED and imported.retired_on == RETIRED_ON
        assert imported.retirement_reason == REASON
        assert imported.successor.slug == "z-new"
        assert product_by_slug("m-sunset").successor.slug == "z-new"
        assert product_by_slug("z-new").successor is None
        export_catalogue(db.session, second)
        db.session.remove()
        db.engine.dispose()

    for name in COLUMNS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_file_without_the_lifecycle_columns_still_imports(app, make, retired_pair, tmp_path):
    """An old file adds products as before and leaves the lifecycle of a retired
    product it updates as it was; one it brings back to live forgets since
    when and why it was retired (as the edit form does), keeping its successor."""
    make.product(
        slug="b-other",
        stage=Stage.RETIRED,
        retired_on=RETIRED_ON,
        retirement_reason="Old",
        successor=retired_pair[1],
    )
    rows = [
        product("a-old", name="Old Expenses", stage="retired"),
        product("b-other", name="Other", stage="live"),
        product("fresh"),
    ]
    write(tmp_path, rows, COLUMNS["products.csv"])
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    old = product_by_slug("a-old")
    assert (old.retired_on, old.retirement_reason) == (RETIRED_ON, REASON)
    assert old.successor.slug == "z-new"
    back = product_by_slug("b-other")
    assert back.stage is Stage.LIVE and back.retired_on is None
    assert back.retirement_reason is None and back.successor.slug == "z-new"
    fresh = product_by_slug("fresh")
    assert fresh.retired_on is fresh.retirement_reason is fresh.successor is None


def test_a_successor_may_already_be_in_the_database(app, make, tmp_path):
    make.product(slug="erp", name="Finance ERP")
    rows = [
        product("legacy", stage="retired", retired_on="2024-05-31", successor_slug="ERP"),
        product("planned", stage="sunsetting", successor_slug="erp"),
    ]
    write(tmp_path, rows, header_of("products.csv"))
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    legacy = product_by_slug("legacy")
    assert legacy.retired_on == date(2024, 5, 31) and legacy.retirement_reason is None
    assert legacy.successor.slug == "erp" and product_by_slug("planned").successor.slug == "erp"


def test_emptied_lifecycle_cells_clear_what_the_database_held(app, retired_pair, tmp_path):
    rows = [product("a-old", name="Old Expenses", stage="retired")]
    write(tmp_path, rows, header_of("products.csv"))
    assert import_catalogue(db.session, tmp_path).ok
    db.session.commit()
    old = product_by_slug("a-old")
    assert old.retired_on is old.retirement_reason is old.successor is None


LATEST = TODAY + timedelta(days=365)
BAD_ROWS = {
    "not a date": (
        product("crm", stage="retired", retired_on="31/12/2025"),
        "retired_on must be a date like 2026-03-31, not “31/12/2025”",
    ),
    "a date on a live product": (
        product("crm", retired_on="2025-01-31"),
        "retired_on: only a retired product has them (stage is live)",
    ),
    "a reason on a sunsetting product": (
        product("crm", stage="sunsetting", retirement_reason="Replaced"),
        "retirement_reason: only a retired product has them (stage is sunsetting)",
    ),
    "a reason too long": (
        product("crm", stage="retired", retirement_reason="x" * (REASON_LENGTH + 1)),
        f"retirement_reason is longer than {REASON_LENGTH} characters",
    ),
    "a mistyped century": (
        product("crm", stage="retired", retired_on="1925-06-30"),
        f"retired_on: Choose a date from 01 Jan {TODAY.year - 30} on.",
    ),
    "more than a year ahead": (
        product("crm", stage="retired", retired_on=(LATEST + timedelta(days=1)).isoformat()),
        f"retired_on: Choose a date within a year from today (by {LATEST:%d %b %Y}).",
    ),
    "an unknown successor": (
        product("crm", stage="retired", successor_slug="nowhere"),
        "successor_slug: unknown product “nowhere” (not in products.csv nor the database)",
    ),
    "its own successor": (
        product("crm", stage="retired", successor_slug="CRM"),
        "successor_slug: A product cannot replace itself: choose another product.",
    ),
    "a retired successor": (
        product("crm", stage="retired", successor_slug="gone"),
        "successor_slug: GONE is retired itself: choose a product still in use.",
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_each_bad_lifecycle_value_is_reported_with_its_line(app, tmp_path, case):
    row, reason = BAD_ROWS[case]
    rows = [product("fine"), row, product("gone", stage="retired")]
    write(tmp_path, rows, header_of("products.csv"))
    report = import_catalogue(db.session, tmp_path)
    assert report.errors == [f"products.csv line 3: {reason}"]
    db.session.rollback()
    assert count_rows(Product) == 0


def test_every_bad_row_is_reported_at_once(app, tmp_path):
    rows = [
        product("one", retired_on="2025-01-31"),
        product("two", stage="retired", successor_slug="two"),
        product("three", stage="retired", successor_slug="missing"),
    ]
    write(tmp_path, rows, header_of("products.csv"))
    report = import_catalogue(db.session, tmp_path)
    assert [error.split(":")[0] for error in report.errors] == [
        "products.csv line 2",
        "products.csv line 3",
        "products.csv line 4",
    ]


def test_import_csv_command_refuses_a_bad_lifecycle_and_writes_nothing(app, tmp_path):
    write(tmp_path, [product("crm", successor_slug="crm")], header_of("products.csv"))
    result = app.test_cli_runner().invoke(args=["import-csv", str(tmp_path)])
    assert result.exit_code != 0
    assert "products.csv line 2: successor_slug: A product cannot replace itself" in result.output
    assert count_rows(Product) == 0


def test_the_catalogue_download_says_when_why_and_by_what_but_no_costs(
    stakeholder_client, retired_pair
):
    old = retired_pair[0]
    old.contract = Contract(
        vendor="Acme", annual_cost=Decimal("98765.43"), seats_bought=5, renewal_date=TODAY
    )
    db.session.commit()
    response = stakeholder_client.get("/products.csv?stage=all")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["a-old"]["retired_on"] == RETIRED_ON.isoformat()
    assert by_slug["a-old"]["retirement_reason"] == REASON
    assert by_slug["a-old"]["successor"] == "New Expenses"
    assert by_slug["m-sunset"]["successor"] == "New Expenses"
    assert by_slug["m-sunset"]["retired_on"] == by_slug["z-new"]["successor"] == ""
    assert not [column for column in rows[0] if "cost" in column]
    assert "98765" not in response.get_data(as_text=True)
    # The default list leaves retired products out, as before.
    default = stakeholder_client.get("/products.csv").get_data(as_text=True)
    assert "a-old" not in default and "m-sunset" in default


def test_the_catalogue_download_makes_the_same_queries_for_more_retired_products(
    stakeholder_client, make, count_queries
):
    successor = make.product(slug="successor")

    def queries() -> int:
        with count_queries() as statements:
            assert stakeholder_client.get("/products.csv?stage=all").status_code == 200
        return len(statements)

    make.product(stage=Stage.RETIRED, successor=successor, retired_on=RETIRED_ON)
    few = queries()
    for _ in range(5):
        make.product(stage=Stage.RETIRED, successor=successor, retired_on=RETIRED_ON)
    assert queries() == few


def test_two_sunsetting_products_may_name_each_other(app, tmp_path):
    """Neither is retired, so the rules allow it; the import writes it without
    a cycle for the unit of work, and exports it back the same."""
    rows = [
        product("one", stage="sunsetting", successor_slug="two"),
        product("two", stage="sunsetting", successor_slug="one"),
    ]
    write(tmp_path / "in", rows, header_of("products.csv"))
    report = import_catalogue(db.session, tmp_path / "in")
    assert report.ok, report.errors
    db.session.commit()
    assert product_by_slug("one").successor.slug == "two"
    assert product_by_slug("two").successor.slug == "one"
    export_catalogue(db.session, tmp_path / "out")
    exported = read_csv(tmp_path / "out" / "products.csv")
    assert [(row["slug"], row["successor_slug"]) for row in exported] == [
        ("one", "two"),
        ("two", "one"),
    ]


def test_a_chain_of_replacements_roundtrips_into_an_empty_database(
    app, make, empty_database_url, tmp_path
):
    """A was replaced by B, and B later retired (replaced by C): the history
    imports, while a successor retired before its product is still refused."""
    newest = make.product(slug="c-newest", name="Newest")
    middle = make.product(slug="b-middle", name="Middle", stage=Stage.RETIRED)
    middle.retired_on, middle.retirement_reason, middle.successor = RETIRED_ON, REASON, newest
    oldest = make.product(slug="a-oldest", name="Oldest", stage=Stage.RETIRED)
    earlier = RETIRED_ON - timedelta(days=200)
    oldest.retired_on, oldest.retirement_reason, oldest.successor = earlier, REASON, middle
    db.session.commit()
    first, second = tmp_path / "first", tmp_path / "second"
    export_catalogue(db.session, first)

    empty_app = make_app(empty_database_url)
    with empty_app.app_context():
        db.create_all()
        report = import_catalogue(db.session, first)
        assert report.ok, report.errors
        db.session.commit()
        assert product_by_slug("a-oldest").successor.slug == "b-middle"
        export_catalogue(db.session, second)
        db.session.remove()
        db.engine.dispose()
    for name in COLUMNS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name

    # A successor that retired before the product it would replace: refused.
    later = product(
        "d-later",
        stage="retired",
        retired_on=(RETIRED_ON + timedelta(days=1)).isoformat(),
        successor_slug="b-middle",
    )
    write(tmp_path / "third", [later], header_of("products.csv"))
    report = import_catalogue(db.session, tmp_path / "third")
    assert report.errors == [
        "products.csv line 2: successor_slug: "
        "Middle is retired itself: choose a product still in use."
    ]
