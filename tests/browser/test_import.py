"""The browser import in a real browser: download the catalogue as a workbook,
edit it, upload it, read the preview, confirm (#17)."""

from __future__ import annotations

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portfolio.extensions import db
from portfolio.models import Department
from tests.browser.helpers import screenshot, sign_in


@pytest.fixture
def app_settings(tmp_path) -> dict:
    return {"IMPORT_FOLDER": str(tmp_path / "imports")}


def headcount_of(name: str) -> int:
    db.session.expire_all()
    return db.session.scalars(sa.select(Department.headcount).where(Department.name == name)).one()


def test_upload_preview_confirm(page, live_server, demo, tmp_path):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/products")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Import the catalogue")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX workbook").click()
    exported = tmp_path / "catalogue.xlsx"
    download.value.save_as(exported)
    book = openpyxl.load_workbook(exported)
    departments = book["departments"]
    name, _, headcount = (cell.value for cell in departments[2])
    departments.cell(row=2, column=3, value=headcount + 5)
    edited = tmp_path / "edited.xlsx"
    book.save(edited)

    page.get_by_label("Catalogue files").set_input_files(str(edited))
    page.get_by_role("button", name="Preview the import").click()
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_contain_text("What the import will do")
    expect(page.get_by_test_id("changed-departments.csv")).to_have_text(f"{name}: headcount")
    screenshot(page, "import-preview")
    db.session.expire_all()
    assert (
        db.session.scalars(sa.select(Department.headcount).where(Department.name == name)).one()
        == headcount
    )

    page.get_by_role("button", name="Confirm import").click()
    expect(page).to_have_url(f"{live_server}/products")
    expect(page.locator("#flash")).to_contain_text("Catalogue imported")
    assert headcount_of(name) == headcount + 5


def test_a_bad_workbook_shows_its_problems(page, console, live_server, demo, tmp_path):
    console.allow("status of 422")  # the preview of a file with problems
    book = openpyxl.Workbook()
    book.active.title = "departments"
    book.active.append(["name", "head", "headcount"])
    book.active.append(["Ops", "", "lots"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/import")
    page.get_by_label("Catalogue files").set_input_files(str(path))
    page.get_by_role("button", name="Preview the import").click()
    problems = page.get_by_test_id("import-problems")
    expect(problems).to_contain_text("Sheet “departments”")
    expect(problems).to_contain_text("Row 2: headcount must be a whole number")
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
