"""CSV formula injection: every text cell escaped, headers included; numbers
stay numbers; import un-escapes so the round trip is identical (#12, item 7)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from portfolio.catalogue.csv_export import export_catalogue
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.extensions import db
from portfolio.models import Product
from portfolio.spreadsheets import csv_text, spreadsheet_safe, unescape_cell

TEXTS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTab",
    "'=already quoted",
    "'plain quote",
    "Plain name",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_text_is_neutralised_and_comes_back_identical(text):
    cell = spreadsheet_safe(text)
    assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unescape_cell(cell) == text


@pytest.mark.parametrize("number", [-5, -5.0, 0, 12.5, Decimal("-1200.50"), date(2026, 1, 2)])
def test_numbers_and_dates_are_left_alone(number):
    assert spreadsheet_safe(number) == number
    assert csv_text([[number]]).strip() == str(number)


def test_headers_are_escaped_too():
    assert csv_text([["=cmd|' /C calc'!A0", "name"], [1, "x"]]).splitlines()[0].startswith("'=")


def test_the_usage_matrix_download_escapes_product_names_in_its_header(make, client_as):
    product = make.product(name='=HYPERLINK("http://evil.example")')
    make.usage(product, users=3)
    body = client_as("leader").get("/dashboard/usage.csv").text
    header = next(csv.reader(io.StringIO(body)))
    assert '\'=HYPERLINK("http://evil.example")' in header
    assert not any(cell.startswith("=") for cell in header)


def test_export_csv_writes_no_formula_and_round_trips(app, make, tmp_path):
    make.product(name="=2+5", summary="-looks like a formula", slug="formula-product")
    export_catalogue(db.session, tmp_path)
    with open(tmp_path / "products.csv", encoding="utf-8") as products:
        rows = list(csv.DictReader(products))
    row = next(r for r in rows if r["slug"] == "formula-product")
    assert row["name"] == "'=2+5" and row["summary"] == "'-looks like a formula"

    db.session.execute(db.delete(Product))
    db.session.commit()
    report = import_catalogue(db.session, tmp_path)
    assert report.errors == []
    db.session.commit()
    restored = db.session.execute(db.select(Product).where(Product.slug == "formula-product"))
    product = restored.scalar_one()
    assert (product.name, product.summary) == ("=2+5", "-looks like a formula")
