"""The catalogue in and out as CSV: one file per kind, a header row each.

Files and columns (documented in the README as well):

- departments.csv: name, head, headcount
- products.csv: slug, name, category, summary, stage, owner_email, sourcing,
  vendor, docs_url, source_url, prd_url, tags (separated by "; "),
  problem, for_whom, value, replaces (the value proposition),
  contract_vendor, contract_annual_cost, contract_seats_bought,
  contract_renewal_date (empty for products without a contract)
- usage.csv: product_slug, department, level, users
- measures.csv: product_slug, name, unit, direction, baseline, baseline_date,
  target, target_date

Import checks every row of every file first and writes nothing if any row is
wrong; rows update what already has the same key (department name, product
slug, product + department, product + measure name) and add the rest.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from flask import Response
from sqlalchemy.orm import Session, selectinload

from portfolio.catalogue.measures import MeasureStatus, definition_problems, status_counts
from portfolio.catalogue.products import parse_tags, set_tags, slugify
from portfolio.models import (
    Category,
    Contract,
    Department,
    Direction,
    Product,
    Sourcing,
    Stage,
    SuccessMeasure,
    Unit,
    Usage,
    UsageLevel,
    User,
    ValueProposition,
)

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
}
TAG_SEPARATOR = "; "


# Writing -------------------------------------------------------------------------


def number_text(value: float | int | Decimal | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def date_text(value: date | None) -> str:
    return value.isoformat() if value else ""


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def export_catalogue(session: Session, directory: Path) -> dict[str, int]:
    """Write the four CSV files into `directory`; returns rows written per file."""
    directory.mkdir(parents=True, exist_ok=True)
    departments = session.execute(sa.select(Department).order_by(Department.name)).scalars().all()
    products = (
        session.execute(
            sa.select(Product)
            .order_by(Product.slug)
            .options(
                selectinload(Product.owner),
                selectinload(Product.tags),
                selectinload(Product.value_proposition),
                selectinload(Product.contract),
                selectinload(Product.usages).selectinload(Usage.department),
                selectinload(Product.measures),
            )
        )
        .scalars()
        .all()
    )

    department_rows = [[d.name, d.head or "", str(d.headcount)] for d in departments]
    product_rows = []
    usage_rows = []
    measure_rows = []
    for p in products:
        vp = p.value_proposition or ValueProposition()
        contract = p.contract
        product_rows.append(
            [
                p.slug,
                p.name,
                p.category.value,
                p.summary,
                p.stage.value,
                p.owner.email if p.owner else "",
                p.sourcing.value,
                p.vendor or "",
                p.docs_url or "",
                p.source_url or "",
                p.prd_url or "",
                TAG_SEPARATOR.join(p.tag_names),
                vp.problem or "",
                vp.for_whom or "",
                vp.value or "",
                vp.replaces or "",
                contract.vendor if contract else "",
                number_text(contract.annual_cost) if contract else "",
                str(contract.seats_bought) if contract else "",
                date_text(contract.renewal_date) if contract else "",
            ]
        )
        for usage in sorted(p.usages, key=lambda u: u.department.name):
            usage_rows.append([p.slug, usage.department.name, usage.level.value, str(usage.users)])
        for m in sorted(p.measures, key=lambda m: m.name):
            measure_rows.append(
                [
                    p.slug,
                    m.name,
                    m.unit.value,
                    m.direction.value,
                    number_text(m.baseline),
                    date_text(m.baseline_date),
                    number_text(m.target),
                    date_text(m.target_date),
                ]
            )

    files = {
        "departments.csv": department_rows,
        "products.csv": product_rows,
        "usage.csv": usage_rows,
        "measures.csv": measure_rows,
    }
    for name, rows in files.items():
        write_csv(directory / name, COLUMNS[name], rows)
    return {name: len(rows) for name, rows in files.items()}


# Reading and checking ------------------------------------------------------------


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def error(self, file: str, line: int, message: str) -> None:
        self.errors.append(f"{file} line {line}: {message}")

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return (self.values.get(key) or "").strip()


def read_rows(directory: Path, name: str, report: ImportReport) -> list[Row]:
    path = directory / name
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in COLUMNS[name] if column not in header]
        unknown = [column for column in header if column not in COLUMNS[name]]
        if missing:
            report.error(name, 1, f"missing column(s): {', '.join(missing)}")
        if unknown:
            report.error(name, 1, f"unknown column(s): {', '.join(unknown)}")
        if missing or unknown:
            return []
        rows = []
        for values in reader:
            if None in values:
                report.error(name, reader.line_num, "more values than columns")
                continue
            rows.append(Row(name, reader.line_num, values))
        return rows


class RowError(ValueError):
    pass


def parse_enum(enum_class, text: str, what: str):
    try:
        return enum_class(text.lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise RowError(f"unknown {what} “{text}” (use one of: {allowed})") from None


def parse_int(text: str, what: str, minimum: int = 0) -> int:
    try:
        value = int(text)
    except ValueError:
        raise RowError(f"{what} must be a whole number, not “{text}”") from None
    if value < minimum:
        raise RowError(f"{what} must be {minimum} or more, not {value}")
    return value


def parse_float(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"{what} must be a number, not “{text}”") from None
    if not math.isfinite(value):
        raise RowError(f"{what} must be an ordinary number")
    return value


def parse_money(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(f"{what} must be an amount, not “{text}”") from None
    if not value.is_finite() or value < 0:
        raise RowError(f"{what} must be 0 or more")
    return value.quantize(Decimal("0.01"))


def parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{what} must be a date like 2026-03-31, not “{text}”") from None


def require(row: Row, *columns: str) -> None:
    empty = [column for column in columns if not row[column]]
    if empty:
        raise RowError(f"{', '.join(empty)} must not be empty")


def check_length(row: Row, column: str, limit: int) -> None:
    if len(row[column]) > limit:
        raise RowError(f"{column} is longer than {limit} characters")


def check_url(row: Row, column: str) -> None:
    from portfolio.forms import HTTP_URL

    if row[column] and not HTTP_URL.match(row[column]):
        raise RowError(f"{column} must start with https:// or http://")


def import_catalogue(session: Session, directory: Path) -> ImportReport:
    """Check every row of the CSV files in `directory`; write them all, or nothing."""
    report = ImportReport()
    rows = {name: read_rows(directory, name, report) for name in COLUMNS}
    if not any(rows.values()) and not report.errors:
        report.errors.append(f"no catalogue CSV files with rows in {directory}")
        return report

    plan = Plan()
    checks = [
        ("departments.csv", plan.check_department),
        ("products.csv", plan.check_product),
    ]
    existing_departments = set(session.execute(sa.select(Department.name)).scalars())
    existing_products = set(session.execute(sa.select(Product.slug)).scalars())
    users_by_email = {email: id_ for email, id_ in session.execute(sa.select(User.email, User.id))}
    plan.known_departments = existing_departments
    plan.known_products = existing_products
    plan.users_by_email = users_by_email
    for name, check in checks:
        for row in rows[name]:
            try:
                check(row)
            except RowError as problem:
                report.error(row.file, row.line, str(problem))
    for name, check in (("usage.csv", plan.check_usage), ("measures.csv", plan.check_measure)):
        for row in rows[name]:
            try:
                check(row)
            except RowError as problem:
                report.error(row.file, row.line, str(problem))
    if report.errors:
        return report

    plan.write(session)
    report.counts = {name: len(rows[name]) for name in COLUMNS}
    return report


@dataclass
class Plan:
    """Checked rows, ready to be written together."""

    departments: dict[str, dict] = field(default_factory=dict)
    products: dict[str, dict] = field(default_factory=dict)
    usages: dict[tuple[str, str], dict] = field(default_factory=dict)
    measures: dict[tuple[str, str], dict] = field(default_factory=dict)
    known_departments: set[str] = field(default_factory=set)
    known_products: set[str] = field(default_factory=set)
    users_by_email: dict[str, int] = field(default_factory=dict)

    def check_department(self, row: Row) -> None:
        require(row, "name", "headcount")
        check_length(row, "name", 120)
        check_length(row, "head", 120)
        if row["name"] in self.departments:
            raise RowError(f"department “{row['name']}” appears twice")
        self.departments[row["name"]] = {
            "head": row["head"] or None,
            "headcount": parse_int(row["headcount"], "headcount"),
        }

    def check_product(self, row: Row) -> None:
        require(row, "slug", "name", "category", "summary", "stage", "sourcing")
        slug = row["slug"]
        if slug != slugify(slug):
            raise RowError(f"slug “{slug}” may use only lower-case letters, digits and dashes")
        if slug in self.products:
            raise RowError(f"slug “{slug}” appears twice")
        for column, limit in (
            ("name", 120),
            ("summary", 280),
            ("vendor", 120),
            ("contract_vendor", 120),
        ):
            check_length(row, column, limit)
        for column in ("docs_url", "source_url", "prd_url"):
            check_length(row, column, 500)
            check_url(row, column)
        owner_id = None
        if row["owner_email"]:
            owner_id = self.users_by_email.get(row["owner_email"].lower())
            if owner_id is None:
                raise RowError(f"no user has the email “{row['owner_email']}” (owner_email)")
        sourcing = parse_enum(Sourcing, row["sourcing"], "sourcing")
        if sourcing is not Sourcing.BUILT and not row["vendor"]:
            raise RowError("a bought or hybrid product needs a vendor")
        try:
            tags = parse_tags(row["tags"].replace(";", ","))
        except ValueError as problem:
            raise RowError(str(problem)) from None
        contract_columns = (
            "contract_vendor",
            "contract_annual_cost",
            "contract_seats_bought",
            "contract_renewal_date",
        )
        contract = None
        if any(row[column] for column in contract_columns):
            require(row, *contract_columns)
            contract = {
                "vendor": row["contract_vendor"],
                "annual_cost": parse_money(row["contract_annual_cost"], "contract_annual_cost"),
                "seats_bought": parse_int(row["contract_seats_bought"], "contract_seats_bought"),
                "renewal_date": parse_date(row["contract_renewal_date"], "contract_renewal_date"),
            }
        self.products[slug] = {
            "name": row["name"],
            "category": parse_enum(Category, row["category"], "category"),
            "summary": row["summary"],
            "stage": parse_enum(Stage, row["stage"], "stage"),
            "owner_id": owner_id,
            "sourcing": sourcing,
            "vendor": row["vendor"] or None,
            "docs_url": row["docs_url"] or None,
            "source_url": row["source_url"] or None,
            "prd_url": row["prd_url"] or None,
            "tags": tags,
            "value_proposition": {k: row[k] for k in ("problem", "for_whom", "value", "replaces")},
            "contract": contract,
        }

    def check_product_reference(self, slug: str) -> None:
        if slug not in self.products and slug not in self.known_products:
            raise RowError(f"unknown product “{slug}” (not in products.csv nor the database)")

    def check_usage(self, row: Row) -> None:
        require(row, "product_slug", "department", "level", "users")
        self.check_product_reference(row["product_slug"])
        if (
            row["department"] not in self.departments
            and row["department"] not in self.known_departments
        ):
            raise RowError(
                f"unknown department “{row['department']}” (not in departments.csv nor the database)"
            )
        key = (row["product_slug"], row["department"])
        if key in self.usages:
            raise RowError(f"{row['department']} is listed twice for {row['product_slug']}")
        self.usages[key] = {
            "level": parse_enum(UsageLevel, row["level"], "level"),
            "users": parse_int(row["users"], "users"),
        }

    def check_measure(self, row: Row) -> None:
        require(row, *COLUMNS["measures.csv"])
        self.check_product_reference(row["product_slug"])
        check_length(row, "name", 120)
        key = (row["product_slug"], row["name"])
        if key in self.measures:
            raise RowError(f"measure “{row['name']}” appears twice for {row['product_slug']}")
        values = {
            "unit": parse_enum(Unit, row["unit"], "unit"),
            "direction": parse_enum(Direction, row["direction"], "direction"),
            "baseline": parse_float(row["baseline"], "baseline"),
            "baseline_date": parse_date(row["baseline_date"], "baseline_date"),
            "target": parse_float(row["target"], "target"),
            "target_date": parse_date(row["target_date"], "target_date"),
        }
        problems = definition_problems(
            direction=values["direction"].value,
            baseline=values["baseline"],
            target=values["target"],
            baseline_date=values["baseline_date"],
            target_date=values["target_date"],
        )
        if problems:
            raise RowError("; ".join(problems.values()))
        self.measures[key] = values

    def write(self, session: Session) -> None:
        departments = {d.name: d for d in session.execute(sa.select(Department)).scalars()}
        for name, values in self.departments.items():
            department = departments.get(name) or Department(name=name)
            department.head = values["head"]
            department.headcount = values["headcount"]
            session.add(department)
            departments[name] = department

        products = {
            p.slug: p
            for p in session.execute(
                sa.select(Product).options(
                    selectinload(Product.value_proposition),
                    selectinload(Product.contract),
                    selectinload(Product.tags),
                    selectinload(Product.usages),
                    selectinload(Product.measures),
                )
            ).scalars()
        }
        for slug, values in self.products.items():
            product = products.get(slug) or Product(slug=slug)
            for key in (
                "name",
                "category",
                "summary",
                "stage",
                "owner_id",
                "sourcing",
                "vendor",
                "docs_url",
                "source_url",
                "prd_url",
            ):
                setattr(product, key, values[key])
            session.add(product)
            set_tags(session, product, values["tags"])
            proposition = values["value_proposition"]
            if any(proposition.values()) or product.value_proposition is not None:
                if product.value_proposition is None:
                    product.value_proposition = ValueProposition()
                for key, text in proposition.items():
                    setattr(product.value_proposition, key, text)
            if values["contract"]:
                if product.contract is None:
                    product.contract = Contract(**values["contract"])
                else:
                    for key, value in values["contract"].items():
                        setattr(product.contract, key, value)
            products[slug] = product
        session.flush()

        for (slug, department_name), values in self.usages.items():
            product, department = products[slug], departments[department_name]
            usage = next((u for u in product.usages if u.department_id == department.id), None)
            if usage is None:
                usage = Usage(department=department)
                product.usages.append(usage)
            usage.level = values["level"]
            usage.users = values["users"]

        for (slug, name), values in self.measures.items():
            product = products[slug]
            measure = next((m for m in product.measures if m.name == name), None)
            if measure is None:
                measure = SuccessMeasure(name=name)
                product.measures.append(measure)
            for key, value in values.items():
                setattr(measure, key, value)
        session.flush()


# The filtered list as a spreadsheet download -------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def product_list_rows(products) -> list[list[str]]:
    header = [
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
    ]
    rows = [header]
    for p in products:
        counts = status_counts(p.measures)
        rows.append(
            [
                spreadsheet_safe(v)
                for v in [
                    p.name,
                    p.slug,
                    p.category.label,
                    p.stage.label,
                    p.owner.display_name if p.owner else "",
                    p.sourcing.label,
                    p.vendor or "",
                    "; ".join(sorted(u.department.name for u in p.usages)),
                    p.active_users,
                    counts[MeasureStatus.ON_TRACK],
                    counts[MeasureStatus.AT_RISK],
                    counts[MeasureStatus.OFF_TRACK],
                    counts[MeasureStatus.NO_DATA],
                    "; ".join(p.tag_names),
                    p.summary,
                ]
            ]
        )
    return rows


def download(filename: str, rows: list[list]) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
