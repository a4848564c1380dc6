"""Catalogue CSV: export → import into an empty database → export gives the same
files; bad rows are all reported by file and line, and nothing is written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from portfolio.catalogue.csv_export import COLUMNS, export_catalogue
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.extensions import db
from portfolio.models import Department, Product, Role, SuccessMeasure, Usage, User
from tests.helpers import count_rows, make_app

CATALOGUE = (Department, Product, Usage, SuccessMeasure)


def catalogue_counts() -> dict[str, int]:
    return {model.__name__: count_rows(model) for model in CATALOGUE}


@pytest.fixture
def empty_app(empty_database_url):
    """A second app on an empty database (a new SQLite file or a new PostgreSQL schema)."""
    return make_app(empty_database_url)


def test_export_import_export_gives_identical_files(app, demo, empty_app, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    export_catalogue(db.session, first)
    owners = [(u.email, u.display_name) for u in db.session.execute(sa.select(User)).scalars()]
    expected = catalogue_counts()

    with empty_app.app_context():
        db.create_all()
        for email, name in owners:  # owner_email must name an existing account
            db.session.add(User(email=email, display_name=name, role=Role.PM, password_hash="x"))
        db.session.commit()
        report = import_catalogue(db.session, first)
        assert report.ok, report.errors
        db.session.commit()
        assert catalogue_counts() == expected
        export_catalogue(db.session, second)
        db.session.remove()
        db.engine.dispose()

    for name in COLUMNS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_importing_twice_updates_instead_of_duplicating(app, demo, tmp_path):
    export_catalogue(db.session, tmp_path)
    before = catalogue_counts()
    for _ in range(2):
        assert import_catalogue(db.session, tmp_path).ok
        db.session.commit()
    assert catalogue_counts() == before


def write(
    directory: Path, name: str, rows: list[list[str]], header: list[str] | None = None
) -> None:
    directory.mkdir(exist_ok=True)
    with (directory / name).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or COLUMNS[name])
        writer.writerows(rows)


def product_row(slug="crm", **changes) -> list[str]:
    values = {column: "" for column in COLUMNS["products.csv"]}
    values.update(
        slug=slug,
        name=slug.upper(),
        category="crm",
        summary="A product",
        stage="live",
        sourcing="built",
    )
    values.update(changes)
    return [values[column] for column in COLUMNS["products.csv"]]


GOOD_MEASURE = ["crm", "Hours", "hours", "lower", "10", "2026-01-01", "5", "2026-12-31"]


@pytest.mark.parametrize(
    "files, expected",
    [
        (
            {"usage.csv": [["crm", "Nowhere", "primary", "5"]]},
            "usage.csv line 2: unknown department “Nowhere”",
        ),
        (
            {"usage.csv": [["nope", "Finance", "primary", "5"]]},
            "usage.csv line 2: unknown product “nope”",
        ),
        (
            {"usage.csv": [["crm", "Finance", "primary", "-5"]]},
            "usage.csv line 2: users must be 0 or more",
        ),
        (
            {"products.csv": [product_row(category="spaceships")]},
            "products.csv line 2: unknown category",
        ),
        (
            {"products.csv": [product_row(), product_row()]},
            "products.csv line 3: slug “crm” appears twice",
        ),
        (
            {"products.csv": [product_row(owner_email="ghost@example.test")]},
            "no user has the email",
        ),
        ({"products.csv": [product_row(sourcing="bought")]}, "needs a vendor"),
        (
            {"products.csv": [product_row(docs_url="javascript:alert(1)")]},
            "docs_url must start with https://",
        ),
        (
            {"departments.csv": [["Finance", "", "x"]]},
            "departments.csv line 2: headcount must be a whole number",
        ),
        (
            {"measures.csv": [GOOD_MEASURE[:4] + ["5"] + GOOD_MEASURE[5:]]},
            "target equals the baseline",
        ),
        ({"measures.csv": [GOOD_MEASURE[:7] + ["2025-01-01"]]}, "target date must come after"),
        (
            {"measures.csv": [GOOD_MEASURE[:5] + ["31/12/2026"] + GOOD_MEASURE[6:]]},
            "must be a date like",
        ),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(app, make, tmp_path, files, expected):
    make.department(name="Finance")
    files = {"products.csv": [product_row()], **files}
    for name, rows in files.items():
        write(tmp_path, name, rows)
    before = catalogue_counts()
    report = import_catalogue(db.session, tmp_path)
    assert not report.ok
    assert any(expected in error for error in report.errors), report.errors
    db.session.rollback()
    assert catalogue_counts() == before


def test_every_bad_row_of_every_file_is_reported_at_once(app, tmp_path):
    write(tmp_path, "departments.csv", [["Ops", "", "-1"], ["", "", "3"]])
    write(tmp_path, "products.csv", [product_row(stage="frozen")])
    write(tmp_path, "usage.csv", [["crm", "Nowhere", "primary", "1"]])
    report = import_catalogue(db.session, tmp_path)
    lines = {error.split(":")[0] for error in report.errors}
    assert {
        "departments.csv line 2",
        "departments.csv line 3",
        "products.csv line 2",
        "usage.csv line 2",
    } <= lines


@pytest.mark.parametrize(
    "header, message",
    [
        (["name", "head"], "missing column(s): headcount"),
        (["name", "head", "headcount", "colour"], "unknown column(s): colour"),
    ],
)
def test_headers_are_checked(app, tmp_path, header, message):
    write(tmp_path, "departments.csv", [], header=header)
    report = import_catalogue(db.session, tmp_path)
    assert any(message in error for error in report.errors)


def test_cli_export_and_import(app, tmp_path, make):
    make.department(name="Finance", head="Lars", headcount=40)
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["export-csv", str(tmp_path / "out")])
    assert exported.exit_code == 0 and "departments.csv: 1 rows" in exported.output
    with (tmp_path / "out" / "departments.csv").open() as handle:
        assert list(csv.reader(handle)) == [
            ["name", "head", "headcount"],
            ["Finance", "Lars", "40"],
        ]
    write(tmp_path / "bad", "usage.csv", [["x", "Finance", "primary", "1"]])
    failed = runner.invoke(args=["import-csv", str(tmp_path / "bad")])
    assert (
        failed.exit_code != 0
        and "usage.csv line 2" in failed.output
        and "nothing was imported" in failed.output
    )
