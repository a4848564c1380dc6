"""The catalogue in and out through the browser (#17): export as one XLSX or a
ZIP of the CSV files, upload either to /import, a preview of what is added
and changed (or every problem by sheet and row), then "Confirm import", all
or nothing, from files kept on the server."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import datetime

import openpyxl
import pytest
import sqlalchemy as sa

from portfolio.catalogue import limits, uploads
from portfolio.catalogue.csv_export import catalogue_tables, header_of
from portfolio.extensions import db
from portfolio.models import Activity, Department, Product, SuccessMeasure, Tag, Usage, Verb
from tests.helpers import count_rows, parse_html

CATALOGUE = (Department, Product, Usage, SuccessMeasure)


@pytest.fixture
def app_settings(tmp_path) -> dict:
    return {"IMPORT_FOLDER": str(tmp_path / "imports")}


@pytest.fixture
def kept_folders(tmp_path):
    def folders() -> list:
        root = tmp_path / "imports"
        return sorted(root.iterdir()) if root.exists() else []

    return folders


def snapshot() -> dict:
    db.session.expire_all()
    return catalogue_tables(db.session)


def counts() -> dict[str, int]:
    return {model.__name__: count_rows(model) for model in CATALOGUE}


def upload(client, *files: tuple[bytes, str], csrf: bool = True):
    return client.post(
        "/import",
        data={"files": [(io.BytesIO(data), name) for data, name in files]},
        content_type="multipart/form-data",
        csrf=csrf,
    )


def confirm(client, page, csrf: bool = True):
    token = parse_html(page.text).one('input[name="upload"]')["value"]
    return client.post("/import/confirm", data={"upload": token}, csrf=csrf)


def added_changed(page) -> dict[str, tuple[int, int, int]]:
    table = parse_html(page.text).one('[data-testid="import-counts"]')
    return {
        row["data-file"]: tuple(int(cell.text.replace(",", "")) for cell in row.select("td"))
        for row in table.select("tbody tr")
    }


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def exported_workbook(client) -> openpyxl.Workbook:
    response = client.get("/export/catalogue.xlsx")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def saved(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Round trips ----------------------------------------------------------------------


def test_the_xlsx_round_trip_changes_nothing(pm_client, users, demo, make, kept_folders):
    make.product(slug="formula", name="=2+5", summary="'quoted and -looks like a formula")
    before, rows_before = snapshot(), counts()
    response = pm_client.get("/export/catalogue.xlsx")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "departments",
        "products",
        "usage",
        "measures",
        "dependencies",  # #18: optional on import
        "interfaces",
    ]
    assert [cell.value for cell in book["products"][1]] == header_of("products.csv")

    preview = upload(pm_client, (response.data, "catalogue.xlsx"))
    assert preview.status_code == 200
    assert parse_html(preview.text).select('[data-testid="import-nothing"]')
    assert all(
        added == changed == 0 and unchanged == len(before[name])
        for name, (added, changed, unchanged) in added_changed(preview).items()
    )
    assert len(kept_folders()) == 1

    done = confirm(pm_client, preview)
    assert done.status_code == 302 and done.headers["Location"] == "/products"
    assert snapshot() == before and counts() == rows_before
    assert kept_folders() == []
    formula = db.session.scalars(sa.select(Product).where(Product.slug == "formula")).one()
    assert (formula.name, formula.summary) == ("=2+5", "'quoted and -looks like a formula")
    # The import is on the trail, as the uploader's, with what it read.
    (imported,) = db.session.scalars(
        sa.select(Activity).where(Activity.verb == Verb.CATALOGUE_IMPORTED)
    ).all()
    assert imported.actor_id == users["pm"].id
    assert imported.subject.startswith("(departments.csv ") and "products.csv" in imported.subject


def test_the_csv_round_trip_changes_nothing(pm_client, demo):
    before = snapshot()
    response = pm_client.get("/export/catalogue.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        files = [(archive.read(name), name) for name in archive.namelist()]
    assert sorted(name for _, name in files) == sorted(before)

    preview = upload(pm_client, *files)
    assert preview.status_code == 200
    assert parse_html(preview.text).select('[data-testid="import-nothing"]')
    assert confirm(pm_client, preview).status_code == 302
    assert snapshot() == before


def test_the_preview_lists_what_is_added_and_changed_and_writes_nothing(pm_client, demo):
    book = exported_workbook(pm_client)
    products = book["products"]
    header = [cell.value for cell in products[1]]
    products.cell(row=2, column=header.index("summary") + 1, value="A new summary")
    products.cell(row=2, column=header.index("tags") + 1, value="brand-new-tag")
    first = products.cell(row=2, column=1).value
    name = products.cell(row=2, column=2).value
    book["departments"].append(["Treasury", "Ada", 7])
    before, tags = snapshot(), count_rows(Tag)

    preview = upload(pm_client, (saved(book), "edited.xlsx"))
    assert preview.status_code == 200
    assert added_changed(preview)["departments.csv"][:2] == (1, 0)
    assert added_changed(preview)["products.csv"][:2] == (0, 1)
    page = parse_html(preview.text)
    assert page.one('[data-testid="added-departments.csv"]').text == "Treasury"
    changed = page.one('[data-testid="changed-products.csv"]').text
    assert changed == f"{name} ({first}): summary, tags"
    assert snapshot() == before and count_rows(Tag) == tags  # the preview kept nothing

    assert confirm(pm_client, preview).status_code == 302
    assert db.session.scalars(sa.select(Product.summary).where(Product.slug == first)).one() == (
        "A new summary"
    )
    assert count_rows(Department, Department.name == "Treasury") == 1
    assert count_rows(Tag, Tag.name == "brand-new-tag") == 1


# Problems ------------------------------------------------------------------------


def test_problems_are_listed_by_sheet_and_row_and_nothing_is_written(pm_client, make):
    make.department(name="Finance")
    data = workbook(
        {
            "departments": [header_of("departments.csv"), ["Ops", "", 3], ["Sales", "", "many"]],
            "usage": [header_of("usage.csv"), ["nope", "Finance", "daily", 3]],
        }
    )
    before = counts()
    response = upload(pm_client, (data, "catalogue.xlsx"))
    assert response.status_code == 422
    page = parse_html(response.text)
    problems = page.one('[data-testid="import-problems"]')
    assert [heading.text for heading in problems.select("h3")] == [
        "Sheet “departments”",
        "Sheet “usage”",
    ]
    assert problems.one('ul[data-file="departments"]').text.startswith(
        "Row 3: headcount must be a whole number"
    )
    assert "Row 2: unknown product “nope”" in problems.one('ul[data-file="usage"]').text
    assert not page.select('input[name="upload"]')  # no "Confirm import"
    assert counts() == before


def test_csv_problems_are_listed_by_file_and_line(pm_client):
    data = b"name,head,headcount\nOps,,3\nSales,,-1\n"
    response = upload(pm_client, (data, "departments.csv"))
    assert response.status_code == 422
    problems = parse_html(response.text).one('[data-testid="import-problems"]')
    assert problems.one("h3").text == "departments.csv"
    assert problems.one("li").text == "Line 3: headcount must be 0 or more, not -1"
    assert count_rows(Department) == 0


def test_confirm_checks_again_and_refuses_what_is_now_wrong(pm_client, make, kept_folders):
    owner = make.user("pm", email="leaving@example.test")
    row = dict.fromkeys(header_of("products.csv"), "")
    row.update(slug="crm", name="CRM", category="crm", summary="S", stage="live")
    row.update(sourcing="built", owner_email="leaving@example.test")
    data = workbook({"products": [list(row), list(row.values())]})
    preview = upload(pm_client, (data, "catalogue.xlsx"))
    assert preview.status_code == 200 and added_changed(preview)["products.csv"][0] == 1

    db.session.delete(owner)
    db.session.commit()
    response = confirm(pm_client, preview)
    assert response.status_code == 422
    assert "no user has the email" in parse_html(response.text).one("ul[data-file]").text
    assert count_rows(Product) == 0
    assert kept_folders() == []


def test_a_confirm_without_a_waiting_upload_is_refused(pm_client, client_as, make):
    make.department(name="Ops")
    preview = upload(pm_client, (b"name,head,headcount\nOps,Ada,4\n", "departments.csv"))
    assert preview.status_code == 200
    # Another account (another session) cannot confirm it, even with its token.
    other = confirm(client_as("admin"), preview)
    assert other.status_code == 409
    assert "no longer waiting" in parse_html(other.text).one('[data-testid="import-problem"]').text
    forged = pm_client.post("/import/confirm", data={"upload": "x" * 32})
    assert forged.status_code == 409
    assert db.session.scalars(sa.select(Department.head)).one() is None
    # Confirmed once, the upload is gone.
    assert confirm(pm_client, preview).status_code == 302
    assert confirm(pm_client, preview).status_code == 409


def test_a_new_upload_replaces_the_waiting_one(pm_client, kept_folders):
    first = upload(pm_client, (b"name,head,headcount\nOps,,4\n", "departments.csv"))
    upload(pm_client, (b"name,head,headcount\nLegal,,2\n", "departments.csv"))
    assert len(kept_folders()) == 1
    assert confirm(pm_client, first).status_code == 409
    assert count_rows(Department) == 0


def test_csrf_missing_is_refused_and_nothing_is_kept_or_written(pm_client, kept_folders):
    data = (b"name,head,headcount\nOps,,4\n", "departments.csv")
    assert upload(pm_client, data, csrf=False).status_code == 400
    assert kept_folders() == []
    preview = upload(pm_client, data)
    assert confirm(pm_client, preview, csrf=False).status_code == 400
    assert count_rows(Department) == 0


# Files that are not what they say ----------------------------------------------------


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"name,head\n", "notes.txt", "“notes.txt” is not a catalogue file"),
        (b"a,b\n", "products (1).csv", "is not a catalogue file"),
    ],
)
def test_files_of_other_names_are_a_form_error(pm_client, data, name, message):
    response = upload(pm_client, (data, name))
    assert response.status_code == 422
    assert message in parse_html(response.text).one(".field-error").text


def test_nothing_chosen_is_a_form_error(pm_client):
    response = pm_client.post("/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the CSV files" in parse_html(response.text).one(".field-error").text


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"name,head,headcount\nOps,,3\n",  # a CSV named .xlsx
        b"\x00" * 100,
        zip_of({"hello.txt": b"not a workbook"}),
        zip_of({"[Content_Types].xml": b"<broken"}),
    ],
    ids=["csv", "binary", "zip", "broken-xml"],
)
def test_a_file_that_is_no_workbook_is_a_clear_problem(pm_client, data):
    response = upload(pm_client, (data, "catalogue.xlsx"))
    assert response.status_code == 422
    text = parse_html(response.text).one('[data-testid="import-problems"]').text
    assert "catalogue.xlsx is not an XLSX workbook" in text


def test_a_workbook_that_unpacks_too_large_is_refused(pm_client, monkeypatch):
    monkeypatch.setattr(limits, "XLSX_UNPACKED_BYTES", 1000)
    data = workbook({"departments": [header_of("departments.csv"), ["Ops", "", 3]]})
    response = upload(pm_client, (data, "big.xlsx"))
    assert response.status_code == 422
    assert "big.xlsx unpacks to" in response.text
    assert count_rows(Department) == 0


def test_a_sheet_with_too_many_rows_is_refused(pm_client, monkeypatch):
    monkeypatch.setattr(limits, "XLSX_ROWS", 2)
    rows = [["Ops", "", 3], ["Legal", "", 2], ["Sales", "", 1]]
    data = workbook({"departments": [header_of("departments.csv"), *rows]})
    response = upload(pm_client, (data, "catalogue.xlsx"))
    assert response.status_code == 422
    assert "has more than 2 rows" in response.text
    assert count_rows(Department) == 0


def test_an_unknown_sheet_is_a_problem(pm_client):
    data = workbook({"Notes": [["anything"]], "departments": [header_of("departments.csv")]})
    response = upload(pm_client, (data, "catalogue.xlsx"))
    assert response.status_code == 422
    assert "unknown sheet" in parse_html(response.text).one('ul[data-file="Notes"]').text


def test_an_upload_over_the_limit_is_a_form_error(pm_client, app):
    data = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = upload(pm_client, (data, "departments.csv"))
    assert response.status_code == 413
    assert "larger than the 2 MB" in parse_html(response.text).one(".field-error").text
    assert count_rows(Department) == 0


def test_typed_cells_read_as_the_csv_import_reads_text(pm_client, make):
    """Numbers and dates typed in a spreadsheet import as their CSV text would."""
    make.product(slug="crm")
    header = header_of("measures.csv")
    row = ["crm", "Hours", "hours", "lower", 10.0, datetime(2026, 1, 1), 5.5, "2026-12-31", None]
    data = workbook({"measures": [header, row]})
    preview = upload(pm_client, (data, "catalogue.xlsx"))
    assert preview.status_code == 200, preview.text
    assert confirm(pm_client, preview).status_code == 302
    measure = db.session.scalars(sa.select(SuccessMeasure)).one()
    assert (measure.baseline, measure.target, str(measure.baseline_date)) == (
        10,
        5.5,
        "2026-01-01",
    )


# Who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_only_pms_and_admins_import(client_as, role):
    data = (b"name,head,headcount\nOps,,4\n", "departments.csv")
    assert upload(client_as(role), data).status_code == 403
    assert count_rows(Department) == 0


def test_the_catalogue_page_links_import_and_export_by_role(client_as):
    for role, imports, exports in [
        ("pm", True, True),
        ("leader", False, True),
        ("stakeholder", False, False),
    ]:
        page = client_as(role).get("/products").text
        assert ('href="/import"' in page) is imports, role
        assert ('href="/export/catalogue.xlsx"' in page) is exports, role


def test_stale_uploads_are_purged(tmp_path):
    root = tmp_path / "imports"
    token = uploads.keep(root, 1, {"departments.csv": b"x"})
    assert uploads.kept(root, 1, token) == {"departments.csv": b"x"}
    assert uploads.kept(root, 2, token) is None  # another account's
    later = uploads.KEEP_SECONDS + 10
    uploads.keep(root, 1, {"departments.csv": b"y"}, now=time.time() + later)
    assert uploads.kept(root, 1, token) is None
    assert len(list(root.iterdir())) == 1
