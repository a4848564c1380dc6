"""`flask import-csv` on hostile files (#12, item 11): other encodings, binary
data, huge cells and files, NUL characters, numbers out of range and repeated
columns end as `file line N: reason` lines, a non-zero exit and nothing
written — never a traceback; keys compare without regard to case, as the
forms' uniqueness checks do."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from portfolio.catalogue import limits
from portfolio.catalogue.csv_cells import MAX_ERRORS_PER_FILE
from portfolio.catalogue.csv_export import COLUMNS
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.extensions import db
from portfolio.models import Contract, Department, Product, SuccessMeasure, Usage
from tests.helpers import count_rows

CATALOGUE = (Department, Product, Usage, SuccessMeasure, Contract)


def catalogue_counts() -> dict[str, int]:
    return {model.__name__: count_rows(model) for model in CATALOGUE}


def csv_bytes(name: str, rows: list[list[str]], header: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or COLUMNS[name])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def product_row(slug: str = "crm", **changes: str) -> list[str]:
    values = dict.fromkeys(COLUMNS["products.csv"], "")
    values.update(slug=slug, name=slug.upper(), category="crm", summary="A product", stage="live")
    values.update(sourcing="bought", vendor="Acme", contract_vendor="Acme")
    values.update(contract_annual_cost="1200", contract_seats_bought="10")
    values.update(contract_renewal_date="2027-01-31")
    values.update(changes)
    return [values[column] for column in COLUMNS["products.csv"]]


def measure_row(**changes: str) -> list[str]:
    values = dict(
        product_slug="crm",
        name="Hours",
        unit="hours",
        direction="lower",
        baseline="10",
        baseline_date="2026-01-01",
        target="5",
        target_date="2026-12-31",
    )
    values.update(changes)
    return [values[column] for column in COLUMNS["measures.csv"]]


DEPARTMENTS_HEADER = "name,head,headcount\n"
GOOD_PRODUCTS = csv_bytes("products.csv", [product_row()])

# Each case: the files of a directory, and the start of one line the import must report.
HOSTILE = {
    "latin-1": (
        {"departments.csv": (DEPARTMENTS_HEADER + "Comptabilité,,3\n").encode("latin-1")},
        "departments.csv line 2: not UTF-8 text",
    ),
    "utf-16 with a BOM": (
        {"departments.csv": (DEPARTMENTS_HEADER + "Finance,,3\n").encode("utf-16")},
        "departments.csv line 1: the file is UTF-16",
    ),
    "utf-16 without a BOM": (
        {"departments.csv": (DEPARTMENTS_HEADER + "Finance,,3\n").encode("utf-16-le")},
        "departments.csv line 1: contains a NUL character",
    ),
    "binary garbage": (
        {"departments.csv": DEPARTMENTS_HEADER.encode() + bytes(range(128, 256)) * 64},
        "departments.csv line 2: not UTF-8 text",
    ),
    "a 10 MB cell": (
        {"departments.csv": (DEPARTMENTS_HEADER + "x" * 10_000_000 + ",,3\n").encode()},
        "departments.csv line 2: a cell is longer than 10,000 characters",
    ),
    "a cell longer than any field": (
        {"departments.csv": (DEPARTMENTS_HEADER + "Ops," + "h" * 20_000 + ",3\n").encode()},
        "departments.csv line 2: head: longer than 10,000 characters",
    ),
    "a NUL character": (
        {"departments.csv": (DEPARTMENTS_HEADER + "Ops,,3\nFin\x00ance,,3\n").encode()},
        "departments.csv line 3: contains a NUL character",
    ),
    "a 1e20 cost": (
        {"products.csv": csv_bytes("products.csv", [product_row(contract_annual_cost="1e20")])},
        "products.csv line 2: contract_annual_cost must be at most 100,000,000,000",
    ),
    "a nan cost": (
        {"products.csv": csv_bytes("products.csv", [product_row(contract_annual_cost="nan")])},
        "products.csv line 2: contract_annual_cost must be an ordinary amount",
    ),
    "-5 seats": (
        {"products.csv": csv_bytes("products.csv", [product_row(contract_seats_bought="-5")])},
        "products.csv line 2: contract_seats_bought must be 0 or more",
    ),
    "a 1e20 baseline": (
        {
            "products.csv": GOOD_PRODUCTS,
            "measures.csv": csv_bytes("measures.csv", [measure_row(baseline="1e20")]),
        },
        "measures.csv line 2: baseline “1e20”: Enter a number between",
    ),
    "a nan baseline": (
        {
            "products.csv": GOOD_PRODUCTS,
            "measures.csv": csv_bytes("measures.csv", [measure_row(baseline="nan")]),
        },
        "measures.csv line 2: baseline “nan”: Enter an ordinary number.",
    ),
    "an infinite target": (
        {
            "products.csv": GOOD_PRODUCTS,
            "measures.csv": csv_bytes("measures.csv", [measure_row(target="inf")]),
        },
        "measures.csv line 2: target “inf”: Enter an ordinary number.",
    ),
    "a 1e400 target": (
        {
            "products.csv": GOOD_PRODUCTS,
            "measures.csv": csv_bytes("measures.csv", [measure_row(target="-1e400")]),
        },
        "measures.csv line 2: target “-1e400”: Enter an ordinary number.",
    ),
    "a repeated column": (
        {
            "products.csv": csv_bytes(
                "products.csv",
                [[*product_row(), "Other name"]],
                header=[*COLUMNS["products.csv"], "name"],
            )
        },
        'products.csv: duplicate column "name"',
    ),
    "a case-insensitive duplicate department": (
        {"departments.csv": (DEPARTMENTS_HEADER + "Sales,,3\nsales,,4\n").encode()},
        "departments.csv line 3: department “sales” appears twice",
    ),
    "a case-insensitive duplicate measure": (
        {
            "products.csv": GOOD_PRODUCTS,
            "measures.csv": csv_bytes(
                "measures.csv", [measure_row(name="Hours"), measure_row(name="HOURS")]
            ),
        },
        "measures.csv line 3: measure “HOURS” appears twice for crm",
    ),
    "a case-insensitive duplicate usage": (
        {
            "products.csv": GOOD_PRODUCTS,
            "departments.csv": (DEPARTMENTS_HEADER + "Sales,,3\n").encode(),
            "usage.csv": csv_bytes(
                "usage.csv", [["crm", "Sales", "primary", "3"], ["crm", "SALES", "primary", "4"]]
            ),
        },
        "usage.csv line 3: SALES is listed twice for crm",
    ),
}


def write_files(directory: Path, files: dict[str, bytes]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, content in files.items():
        (directory / name).write_bytes(content)
    return directory


@pytest.mark.parametrize("files, expected", HOSTILE.values(), ids=HOSTILE.keys())
def test_import_reports_hostile_files_by_line_and_writes_nothing(
    app, make, tmp_path, files, expected
):
    make.department(name="Finance")
    before = catalogue_counts()
    report = import_catalogue(db.session, write_files(tmp_path, files))
    assert not report.ok
    assert any(error.startswith(expected) for error in report.errors), report.errors
    db.session.rollback()
    assert catalogue_counts() == before


@pytest.mark.parametrize("files, expected", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_command_exits_non_zero_with_the_lines_and_no_traceback(
    app, make, tmp_path, files, expected
):
    make.department(name="Finance")
    before = catalogue_counts()
    result = app.test_cli_runner().invoke(
        args=["import-csv", str(write_files(tmp_path / "in", files))]
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a crash
    assert "Traceback" not in result.output
    assert expected in result.output
    assert "nothing was imported" in result.output
    assert catalogue_counts() == before


def test_files_over_20_mb_are_refused_unread(app, tmp_path):
    path = tmp_path / "departments.csv"
    with path.open("w") as handle:
        handle.write(DEPARTMENTS_HEADER)
        line = "A department with a long name,,3\n"
        for number in range(limits.CSV_FILE_BYTES // len(line) + 10):
            handle.write(f"{number} {line}")
    assert path.stat().st_size > 20 * 1024 * 1024
    result = app.test_cli_runner().invoke(args=["import-csv", str(tmp_path)])
    assert result.exit_code == 1
    assert "departments.csv: the file has" in result.output
    assert "the import reads files of at most 20 MB" in result.output
    assert count_rows(Department) == 0


def test_a_huge_number_is_quoted_short(app, tmp_path):
    digits = "9" * 5_000  # past int()'s own limit on digits, under the cell limit
    write_files(tmp_path, {"departments.csv": (DEPARTMENTS_HEADER + f"Ops,,{digits}\n").encode()})
    report = import_catalogue(db.session, tmp_path)
    assert len(report.errors) == 1
    assert report.errors[0].startswith("departments.csv line 2: headcount must be a whole number")
    assert len(report.errors[0]) < 200


def test_a_file_of_bad_rows_lists_some_and_counts_the_rest(app, tmp_path):
    rows = "".join(f"Department {n},,-1\n" for n in range(MAX_ERRORS_PER_FILE + 150))
    write_files(tmp_path, {"departments.csv": (DEPARTMENTS_HEADER + rows).encode()})
    report = import_catalogue(db.session, tmp_path)
    assert len(report.errors) == MAX_ERRORS_PER_FILE + 1
    assert report.errors[-1] == "departments.csv: 150 more problem(s)"


def test_a_department_differing_only_in_case_is_updated_not_added(app, make, tmp_path):
    existing = make.department(name="sales", headcount=3)
    crm = make.product(slug="crm")
    write_files(
        tmp_path,
        {
            "departments.csv": (DEPARTMENTS_HEADER + "Sales,Ada,40\n").encode(),
            "usage.csv": csv_bytes("usage.csv", [["CRM", "SALES", "primary", "12"]]),
        },
    )
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    department = db.session.execute(sa.select(Department)).scalar_one()
    assert department.id == existing.id
    assert (department.name, department.head, department.headcount) == ("Sales", "Ada", 40)
    usage = db.session.execute(sa.select(Usage)).scalar_one()
    assert (usage.product_id, usage.department_id, usage.users) == (crm.id, existing.id, 12)


def test_a_spelling_already_stored_is_kept_apart_from_its_case_twin(app, make, tmp_path):
    """A database that holds "Sales" and "sales" (from before the forms compared
    without case) keeps both: the file's exact spelling is the one updated."""
    make.department(name="Sales", headcount=1)
    lower = make.department(name="sales", headcount=2)
    write_files(tmp_path, {"departments.csv": (DEPARTMENTS_HEADER + "sales,,9\n").encode()})
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    rows = db.session.execute(sa.select(Department.name, Department.headcount)).all()
    assert sorted(rows) == [("Sales", 1), ("sales", 9)]
    assert db.session.get(Department, lower.id).headcount == 9


def test_a_measure_differing_only_in_case_is_updated_not_added(app, make, tmp_path):
    product = make.product(slug="crm")
    measure = make.measure(product, name="Hours")
    write_files(
        tmp_path,
        {"measures.csv": csv_bytes("measures.csv", [measure_row(name="hours", target="4")])},
    )
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    stored = db.session.execute(sa.select(SuccessMeasure)).scalar_one()
    assert (stored.id, stored.name, stored.target) == (measure.id, "hours", 4.0)
