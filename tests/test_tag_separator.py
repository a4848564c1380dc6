"""One tag separator everywhere (#15): tags are written "a, b" — a comma and a
space — in the product form and in both catalogue CSVs; what is typed or
imported may separate them with commas or semicolons, so "legal; contracts"
is two tags and a CSV written with "; " before #15 still imports."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from portfolio.catalogue.csv_export import COLUMNS, export_catalogue
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.catalogue.products import TAG_SEPARATOR, parse_tags, set_tags
from portfolio.extensions import db
from portfolio.models import Product
from tests.helpers import input_value, parse_html


@pytest.mark.parametrize(
    "typed, tags",
    [
        ("legal; contracts", ["legal", "contracts"]),
        ("legal, contracts", ["legal", "contracts"]),
        ("legal,contracts;  Legal ;", ["legal", "contracts"]),
        ("Month End; SOX, finance", ["month end", "sox", "finance"]),
        (" ; , ", []),
    ],
)
def test_commas_and_semicolons_both_separate_tags(typed, tags):
    assert parse_tags(typed) == tags


def test_the_separator_written_is_a_comma_and_a_space():
    assert TAG_SEPARATOR == ", "
    assert parse_tags(TAG_SEPARATOR.join(["legal", "contracts"])) == ["legal", "contracts"]


def product_form(**changes) -> dict:
    return {
        "name": "Contract Vault",
        "slug": "",
        "category": "other",
        "summary": "Where contracts live",
        "stage": "live",
        "owner_id": "",
        "sourcing": "built",
        "vendor": "",
        "docs_url": "",
        "source_url": "",
        "prd_url": "",
        **changes,
    }


def test_a_tag_typed_with_a_semicolon_becomes_two_and_the_form_shows_commas(pm_client):
    response = pm_client.post("/products/new", data=product_form(tags="legal; contracts"))
    assert response.status_code == 302
    product = db.session.execute(
        sa.select(Product).where(Product.slug == "contract-vault")
    ).scalar_one()
    assert product.tag_names == ["contracts", "legal"]  # tag_names sorts them
    edit = pm_client.get("/products/contract-vault/edit").get_data(as_text=True)
    assert input_value(edit, "tags") == "contracts, legal"


def test_the_form_says_what_it_does(pm_client):
    page = parse_html(pm_client.get("/products/new").get_data(as_text=True))
    field = page.one("input[name=tags]")
    assert page.by_id(f"{field.id}-help").text == (
        "Separated by commas, e.g. finance, month-end, sox"
    )


def tagged_product(make, *names):
    product = make.product()
    set_tags(db.session, product, list(names))
    db.session.commit()
    return product


def test_the_catalogue_export_writes_comma_separated_tags(app, make, tmp_path):
    product = tagged_product(make, "legal", "contracts", "month end")
    export_catalogue(db.session, tmp_path)
    with open(tmp_path / "products.csv", encoding="utf-8", newline="") as handle:
        rows = {row["slug"]: row for row in csv.DictReader(handle)}
    assert rows[product.slug]["tags"] == "contracts, legal, month end"


def test_the_product_list_download_writes_comma_separated_tags(make, client_as):
    product = tagged_product(make, "legal", "contracts")
    body = client_as("stakeholder").get("/products.csv").get_data(as_text=True)
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(body))}
    assert rows[product.slug]["tags"] == "contracts, legal"


@pytest.mark.parametrize("cell", ["legal, contracts", "legal; contracts", "legal;contracts"])
def test_the_import_reads_either_separator(app, make, tmp_path, cell):
    product = tagged_product(make, "old")
    export_catalogue(db.session, tmp_path)
    path = tmp_path / "products.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    for row in rows:
        if row["slug"] == product.slug:
            row["tags"] = cell
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    db.session.refresh(product)
    assert product.tag_names == ["contracts", "legal"]


def test_tags_typed_with_semicolons_survive_the_round_trip(app, make, tmp_path):
    product = tagged_product(make, *parse_tags("legal; contracts, month-end"))
    first, second = tmp_path / "first", tmp_path / "second"
    export_catalogue(db.session, first)
    assert import_catalogue(db.session, first).ok
    db.session.commit()
    db.session.refresh(product)
    assert product.tag_names == ["contracts", "legal", "month-end"]
    export_catalogue(db.session, second)
    for name in COLUMNS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
