"""The catalogue out as CSV: the files `flask export-csv` writes (and
`catalogue/csv_import.py` reads back; the browser offers them as a ZIP, or as
the sheets of one XLSX workbook), and the filtered product list the
catalogue page offers as a download.

Files and columns (documented in the README as well):

- departments.csv: name, head, headcount
- products.csv: slug, name, category, summary, stage, owner_email, sourcing,
  vendor, docs_url, source_url, prd_url, tags (separated by ", "),
  problem, for_whom, value, replaces (the value proposition),
  contract_vendor, contract_annual_cost, contract_seats_bought,
  contract_renewal_date (empty for products without a contract),
  contract_notice_days (empty when unknown), contract_auto_renew (yes or no),
  retired_on, retirement_reason, successor_slug (a product's end of life) —
  the last five optional on import, so files written before them still import
- usage.csv: product_slug, department, level, users
- measures.csv: product_slug, name, unit, direction, baseline, baseline_date,
  target, target_date, unit_label (what an "other" unit counts; optional on
  import, so files written before it existed still import)
- dependencies.csv: product_slug, depends_on_slug, note
- interfaces.csv: provider_slug, consumer_slug, data, method, frequency,
  owner_email, note (both files optional on import: `csv_links`)

Every text cell a spreadsheet would run as a formula is escaped with a
leading apostrophe (`portfolio.spreadsheets`); the import removes it again.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from portfolio.catalogue.measures import MeasureStatus, status_counts
from portfolio.catalogue.products import TAG_SEPARATOR
from portfolio.models import Department, Interface, Product, ProductDependency, Usage, User
from portfolio.spreadsheets import Sheet, csv_text, spreadsheet_safe

COLUMNS = {
    "departments.csv": ["name", "head", "headcount"],
    "products.csv": [
        "slug",
        "name",
        "category",
        "summary",
        "stage",
        "owner_email",
        "sourcing",
        "vendor",
        "docs_url",
        "source_url",
        "prd_url",
        "tags",
        "problem",
        "for_whom",
        "value",
        "replaces",
        "contract_vendor",
        "contract_annual_cost",
        "contract_seats_bought",
        "contract_renewal_date",
    ],
    "usage.csv": ["product_slug", "department", "level", "users"],
    "measures.csv": [
        "product_slug",
        "name",
        "unit",
        "direction",
        "baseline",
        "baseline_date",
        "target",
        "target_date",
    ],
    # Architecture (#18): optional files, a catalogue without them still imports.
    "dependencies.csv": ["product_slug", "depends_on_slug", "note"],
    "interfaces.csv": [
        "provider_slug",
        "consumer_slug",
        "data",
        "method",
        "frequency",
        "owner_email",
        "note",
    ],
}
# Columns the export writes after COLUMNS and the import accepts without requiring.
OPTIONAL_COLUMNS = {
    "products.csv": [
        "contract_notice_days",
        "contract_auto_renew",
        "retired_on",
        "retirement_reason",
        "successor_slug",
    ],
    "measures.csv": ["unit_label"],
}
VALUE_PROPOSITION_COLUMNS = ("problem", "for_whom", "value", "replaces")


def header_of(name: str) -> list[str]:
    """Every column of the file `name`: the required ones, then the optional."""
    return COLUMNS[name] + OPTIONAL_COLUMNS.get(name, [])


# A cell: text, a number, a date or None (an empty cell).
Cell = object


def number_cell(value: float | int | Decimal | None) -> int | float | Decimal | None:
    """A number as it reads back identically: 12.0 → 12, amounts with 2 decimals."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# One row per department, product, usage and measure ------------------------------


def department_row(department: Department) -> list[Cell]:
    return [department.name, department.head, department.headcount]


def product_row(product: Product) -> list[Cell]:
    proposition = product.value_proposition
    contract = product.contract
    return [
        product.slug,
        product.name,
        product.category.value,
        product.summary,
        product.stage.value,
        product.owner.email if product.owner else None,
        product.sourcing.value,
        product.vendor,
        product.docs_url,
        product.source_url,
        product.prd_url,
        TAG_SEPARATOR.join(product.tag_names),
        *(getattr(proposition, column, None) for column in VALUE_PROPOSITION_COLUMNS),
        *(
            [
                contract.vendor,
                number_cell(contract.annual_cost),
                contract.seats_bought,
                contract.renewal_date,
            ]
            if contract
            else [None] * 4
        ),
        *(
            [contract.notice_days, "yes" if contract.auto_renew else "no"]
            if contract
            else [None] * 2
        ),
        product.retired_on,
        product.retirement_reason,
        product.successor.slug if product.successor else None,
    ]


def usage_rows(product: Product) -> list[list[Cell]]:
    return [
        [product.slug, usage.department.name, usage.level.value, usage.users]
        for usage in sorted(product.usages, key=lambda usage: usage.department.name)
    ]


def measure_rows(product: Product) -> list[list[Cell]]:
    return [
        [
            product.slug,
            measure.name,
            measure.unit.value,
            measure.direction.value,
            number_cell(measure.baseline),
            measure.baseline_date,
            number_cell(measure.target),
            measure.target_date,
            measure.unit_label,
        ]
        for measure in sorted(product.measures, key=lambda measure: measure.name)
    ]


# Dependencies and interfaces (#18), by slug --------------------------------------


def dependency_rows(session: Session) -> list[list]:
    dependent, needed = aliased(Product), aliased(Product)
    return [
        list(row)
        for row in session.execute(
            sa.select(dependent.slug, needed.slug, ProductDependency.note)
            .select_from(ProductDependency)
            .join(dependent, ProductDependency.product_id == dependent.id)
            .join(needed, ProductDependency.depends_on_id == needed.id)
            .order_by(dependent.slug, needed.slug)
        )
    ]


def interface_rows(session: Session) -> list[list]:
    provider, consumer = aliased(Product), aliased(Product)
    rows = session.execute(
        sa.select(
            provider.slug,
            consumer.slug,
            Interface.data,
            Interface.method,
            Interface.frequency,
            User.email,
            Interface.note,
        )
        .select_from(Interface)
        .join(provider, Interface.provider_id == provider.id)
        .join(consumer, Interface.consumer_id == consumer.id)
        .outerjoin(User, Interface.owner_id == User.id)
        .order_by(provider.slug, consumer.slug, Interface.data, Interface.id)
    )
    return [
        [provider, consumer, data, method.value, frequency.value, email, note]
        for provider, consumer, data, method, frequency, email, note in rows
    ]


# The files -----------------------------------------------------------------------


def exported_products() -> sa.Select:
    return (
        sa.select(Product)
        .order_by(Product.slug)
        .options(
            selectinload(Product.owner),
            selectinload(Product.successor),
            selectinload(Product.tags),
            selectinload(Product.value_proposition),
            selectinload(Product.contract),
            selectinload(Product.usages).selectinload(Usage.department),
            selectinload(Product.measures),
        )
    )


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in [header, *rows]:
            writer.writerow([spreadsheet_safe(value) for value in row])


def catalogue_tables(session: Session) -> dict[str, list[list[Cell]]]:
    """The rows of the six files (without their headers), by file name."""
    departments = session.execute(sa.select(Department).order_by(Department.name)).scalars()
    products = session.execute(exported_products()).scalars().all()
    return {
        "departments.csv": [department_row(department) for department in departments],
        "products.csv": [product_row(product) for product in products],
        "usage.csv": [row for product in products for row in usage_rows(product)],
        "measures.csv": [row for product in products for row in measure_rows(product)],
        "dependencies.csv": dependency_rows(session),
        "interfaces.csv": interface_rows(session),
    }


def export_catalogue(session: Session, directory: Path) -> dict[str, int]:
    """Write the six CSV files into `directory`; returns rows written per file."""
    directory.mkdir(parents=True, exist_ok=True)
    files = catalogue_tables(session)
    for name, rows in files.items():
        write_csv(directory / name, header_of(name), rows)
    return {name: len(rows) for name, rows in files.items()}


def catalogue_sheets(session: Session) -> list[Sheet]:
    """The six files as the sheets of one workbook (named without ".csv"),
    for `spreadsheets.xlsx_bytes`: what the browser import reads back."""
    return [
        (name.removesuffix(".csv"), [header_of(name), *rows])
        for name, rows in catalogue_tables(session).items()
    ]


def catalogue_zip(session: Session) -> bytes:
    """The six CSV files, as `flask export-csv` writes them, in one ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in catalogue_tables(session).items():
            archive.writestr(name, csv_text([header_of(name), *rows]))
    return buffer.getvalue()


# The filtered list, as the catalogue page's download --------------------------------

PRODUCT_LIST_HEADER = [
    "name",
    "slug",
    "category",
    "stage",
    "owner",
    "sourcing",
    "vendor",
    "departments",
    "users",
    "measures_on_track",
    "measures_at_risk",
    "measures_off_track",
    "measures_no_data",
    "tags",
    "summary",
    "retired_on",
    "retirement_reason",
    "successor",
]


def product_list_rows(products: Iterable[Product]) -> list[list[Cell]]:
    """The header and one row per product, for `spreadsheets.csv_download` (which
    escapes the cells); products loaded by `queries.product_list`. A retired
    product says since when, why and what replaces it (by name); no costs."""
    rows: list[list[Cell]] = [PRODUCT_LIST_HEADER]
    for product in products:
        counts = status_counts(product.measures)
        rows.append(
            [
                product.name,
                product.slug,
                product.category.label,
                product.stage.label,
                product.owner.display_name if product.owner else "",
                product.sourcing.label,
                product.vendor or "",
                "; ".join(sorted(usage.department.name for usage in product.usages)),
                product.active_users,
                counts[MeasureStatus.ON_TRACK],
                counts[MeasureStatus.AT_RISK],
                counts[MeasureStatus.OFF_TRACK],
                counts[MeasureStatus.NO_DATA],
                TAG_SEPARATOR.join(product.tag_names),
                product.summary,
                product.retired_on,
                product.retirement_reason or "",
                product.successor.name if product.successor else "",
            ]
        )
    return rows
