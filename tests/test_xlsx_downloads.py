"""Every CSV download also as XLSX (#17): typed numbers and dates, a bold
header with the panes frozen below it, columns wide enough, and text that
looks like a formula stored as text."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from portfolio.dashboard.tables import TABLES
from portfolio.extensions import db
from portfolio.models import Contract, Sourcing
from portfolio.spreadsheets import XLSX_MIMETYPE, xlsx_bytes

FORMULA = '=HYPERLINK("http://evil.example","x")'


def workbook_of(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    return openpyxl.load_workbook(io.BytesIO(response.data))


def records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def renewal(make):
    product = make.product(name="Bought CRM", sourcing=Sourcing.BOUGHT, vendor="Acme")
    make.usage(product, users=12)
    product.contract = Contract(
        vendor="Acme",
        annual_cost=Decimal("1200.50"),
        seats_bought=20,
        renewal_date=date.today() + timedelta(days=10),
    )
    db.session.commit()
    return product


def test_the_renewals_table_has_typed_numbers_and_dates(leader_client, renewal):
    sheet = workbook_of(leader_client.get("/dashboard/renewals.xlsx")).active
    assert sheet.title == "renewals"
    (row,) = records(sheet)
    assert row["product"].value == "Bought CRM" and row["product"].data_type == "s"
    assert row["annual_cost"].value == 1200.5 and row["annual_cost"].data_type == "n"
    assert row["seats_bought"].value == 20 and isinstance(row["seats_bought"].value, int)
    assert row["seats_used"].value == 12
    renews = row["renewal_date"]
    assert renews.is_date and isinstance(renews.value, datetime)
    assert renews.value.date() == date.today() + timedelta(days=10)
    assert renews.number_format == "yyyy-mm-dd"


def test_the_header_is_bold_frozen_and_columns_are_sized(leader_client, renewal):
    sheet = workbook_of(leader_client.get("/dashboard/renewals.xlsx")).active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert all(8 <= width <= 60 for width in widths.values()), widths
    assert widths["C"] >= len("renewal_date")


def test_the_csv_keeps_its_iso_dates(leader_client, renewal):
    """The tables now give dates as dates; the CSV writes them as before."""
    body = leader_client.get("/dashboard/renewals.csv").text
    assert (date.today() + timedelta(days=10)).isoformat() in body


def test_a_formula_in_a_name_is_stored_as_text(leader_client, make):
    product = make.product(name=FORMULA)
    make.usage(product, users=3)
    response = leader_client.get("/dashboard/usage.xlsx")
    sheet = workbook_of(response).active
    header = {cell.value: cell for cell in sheet[1]}
    assert header[FORMULA].data_type == "s"
    # No cell of the file is a formula.
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_the_product_list_downloads_as_xlsx(client_as, make):
    make.product(name=FORMULA, slug="evil", summary="+1+1")
    make.product(name="Plain", slug="plain")
    sheet = workbook_of(client_as("stakeholder").get("/products.xlsx?q=evil")).active
    (row,) = records(sheet)
    assert (row["name"].value, row["name"].data_type) == (FORMULA, "s")
    assert (row["summary"].value, row["summary"].data_type) == ("+1+1", "s")
    assert row["users"].value == 0 and row["users"].data_type == "n"


@pytest.mark.parametrize("table", list(TABLES))
def test_every_dashboard_table_downloads_as_xlsx(leader_client, demo, table):
    sheet = workbook_of(leader_client.get(f"/dashboard/{table}.xlsx")).active
    assert sheet.max_row >= 1 and sheet.freeze_panes == "A2"


def test_pages_link_xlsx_beside_every_csv(leader_client, demo):
    for path in ("/dashboard", "/products", "/dashboard/shipped"):
        page = leader_client.get(path).text
        assert page.count("Download CSV") == page.count("Download XLSX") > 0, path


def test_cells_xml_cannot_carry_are_dropped_not_fatal():
    data = xlsx_bytes([("t", [["name"], ["bell\x07 and\x00 nul"], [float("nan")]])])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [cell.value for (cell,) in sheet.iter_rows(min_row=2)] == ["bell and nul", "nan"]
