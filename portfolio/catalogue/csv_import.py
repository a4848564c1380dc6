"""The catalogue in from CSV: the files `catalogue/csv_export.py` writes.

Import checks every row of every file first, with the same limits as the
forms (`catalogue/limits.py`, `forms.number_problem`), and writes nothing if
any row is wrong; rows update what already has the same key (department name,
product slug, product + department, product + measure name) and add the rest.
Keys compare without regard to case, as the forms' uniqueness checks do: a
department "Sales" in the file updates "sales" in the database (and takes the
file's spelling), and "Sales" and "sales" in one file are a duplicate. Cells
the export escaped for spreadsheets (a leading apostrophe) are read back as
they were. What `csv_cells.read_rows` refuses to read (encodings, sizes, NUL
characters, repeated columns) is reported like a bad row.

The same checks serve the browser import (`catalogue/import_views.py`), whose
rows come from uploaded CSV files or the sheets of one XLSX workbook
(`catalogue/xlsx_rows.py`): `preview_import` says what would be added and
changed without keeping anything, `import_tables` writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portfolio.catalogue import limits
from portfolio.catalogue.csv_cells import (
    ImportReport,
    Row,
    RowError,
    check_length,
    checked_unit_label,
    parse_count,
    parse_date,
    parse_enum,
    parse_float,
    quoted,
    read_rows,
    require,
)
from portfolio.catalogue.csv_export import (
    COLUMNS,
    VALUE_PROPOSITION_COLUMNS,
    catalogue_tables,
    header_of,
)
from portfolio.catalogue.csv_links import LinkPlan
from portfolio.catalogue.csv_products import (
    PRODUCT_ATTRIBUTES,
    URL_COLUMNS,
    check_product_text,
    contract_values,
    lifecycle_problem,
    lifecycle_values,
    product_tags,
    write_contract,
    write_lifecycle,
    write_successor,
    write_value_proposition,
)
from portfolio.catalogue.measures import definition_problems
from portfolio.catalogue.products import set_tags, slugify
from portfolio.models import (
    Category,
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
)

# The import --------------------------------------------------------------------------

# The rows of each file, by file name (`COLUMNS`): read from CSV files or from
# the sheets of a workbook (`xlsx_rows.read_workbook`).
Tables = dict[str, list[Row]]


def import_catalogue(session: Session, directory: Path) -> ImportReport:
    """Check every row of the CSV files in `directory`; write them all, or nothing."""
    report = ImportReport()
    tables = {name: read_rows(directory, name, report) for name in COLUMNS}
    import_tables(session, tables, report, source=str(directory))
    return report


def import_tables(session: Session, tables: Tables, report: ImportReport, *, source: str) -> None:
    """Check every row of `tables`; write them all, or nothing (then the
    report lists every problem). The caller commits."""
    plan = checked_plan(session, tables, report, source=source)
    if plan is not None:
        plan.write(session)


def preview_import(
    session: Session, tables: Tables, report: ImportReport, *, source: str
) -> Changes | None:
    """What importing `tables` would add and change, or None when a row is
    wrong (the report says which). The rows are written exactly as the import
    writes them, inside a savepoint that is then rolled back: nothing stays."""
    plan = checked_plan(session, tables, report, source=source)
    if plan is None:
        return None
    before = catalogue_tables(session)
    savepoint = session.begin_nested()
    try:
        plan.write(session)
        # Relationships (a product's owner) are read again as the rows now are.
        session.expire_all()
        after = catalogue_tables(session)
    finally:
        savepoint.rollback()
    return Changes.between(before, after)


def checked_plan(
    session: Session, tables: Tables, report: ImportReport, *, source: str
) -> Plan | None:
    """The plan for `tables` when every row is right; None otherwise."""
    if not any(tables.values()) and not report.errors:
        report.general(f"no catalogue rows in {source}")
        return None
    plan = Plan.against(session)
    plan.check(tables, report, date.today())
    if report.errors:
        report.close()
        return None
    report.counts = {name: len(tables.get(name, [])) for name in COLUMNS}
    return plan


# What an import changes ----------------------------------------------------------

# How many added and changed rows of each file a preview names.
LISTED_CHANGES = 50


def row_key(name: str, row: list) -> tuple[str, ...]:
    """A row's key as the import matches rows (see `key`)."""
    if name in ("departments.csv", "products.csv"):
        return (key(row[0]),)
    if name == "interfaces.csv":
        return (key(row[0]), key(row[1]), key(row[2]))
    return (key(row[0]), key(row[1]))


def row_label(name: str, row: list) -> str:
    if name == "products.csv":
        return f"{row[1]} ({row[0]})"
    if name == "departments.csv":
        return str(row[0])
    if name == "dependencies.csv":
        return f"{row[0]} → {row[1]}"
    if name == "interfaces.csv":
        return f"{row[0]} → {row[1]}: {row[2]}"
    return f"{row[0]} · {row[1]}"


@dataclass
class FileChanges:
    """Rows of one file the import adds and changes: how many, and the first
    `LISTED_CHANGES` of each by name (a changed row with the columns that change)."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    added_names: list[str] = field(default_factory=list)
    changed_names: list[str] = field(default_factory=list)


@dataclass
class Changes:
    files: dict[str, FileChanges]

    @classmethod
    def between(cls, before: dict[str, list[list]], after: dict[str, list[list]]) -> Changes:
        """Compare the export's rows before and after the import (which adds
        and updates, never removes)."""
        files = {}
        for name, rows in after.items():
            header = header_of(name)
            old = {row_key(name, row): row for row in before[name]}
            changes = FileChanges()
            for row in rows:
                previous = old.get(row_key(name, row))
                if previous is None:
                    changes.added += 1
                    if len(changes.added_names) < LISTED_CHANGES:
                        changes.added_names.append(row_label(name, row))
                elif previous != row:
                    changes.changed += 1
                    if len(changes.changed_names) < LISTED_CHANGES:
                        pairs = zip(header, previous, row, strict=True)
                        columns = [column for column, was, now in pairs if was != now]
                        changes.changed_names.append(
                            f"{row_label(name, row)}: {', '.join(columns)}"
                        )
                else:
                    changes.unchanged += 1
            files[name] = changes
        return cls(files)

    @property
    def nothing(self) -> bool:
        return not any(changes.added or changes.changed for changes in self.files.values())


def key(text: str) -> str:
    """A name or slug as keys compare: without regard to case."""
    return text.lower()


@dataclass
class Plan:
    """Checked rows, ready to be written together, by key (see `key`)."""

    departments: dict[str, dict] = field(default_factory=dict)
    products: dict[str, dict] = field(default_factory=dict)
    usages: dict[tuple[str, str], dict] = field(default_factory=dict)
    measures: dict[tuple[str, str], dict] = field(default_factory=dict)
    known_departments: set[str] = field(default_factory=set)
    stored_products: dict[str, Product] = field(default_factory=dict)
    users_by_email: dict[str, int] = field(default_factory=dict)
    # products.csv rows with lifecycle columns, checked once every row is read.
    lifecycle_rows: list[tuple[Row, str]] = field(default_factory=list)
    # dependencies.csv and interfaces.csv (#18).
    links: LinkPlan = field(default_factory=LinkPlan)

    @classmethod
    def against(cls, session: Session) -> Plan:
        """A plan that knows what the database already holds."""
        return cls(
            known_departments={
                key(name) for name in session.execute(sa.select(Department.name)).scalars()
            },
            stored_products=by_key(
                session.execute(sa.select(Product).order_by(Product.id.desc())).scalars(), "slug"
            ),
            users_by_email={
                email: id_ for email, id_ in session.execute(sa.select(User.email, User.id))
            },
            links=LinkPlan.against(session),
        )

    def check(self, rows: dict[str, list[Row]], report: ImportReport, today: date) -> None:
        """Check the files in the order their rows refer to each other (a
        successor once every product is read), reporting every bad row."""
        checks = {
            "departments.csv": self.check_department,
            "products.csv": self.check_product,
            "usage.csv": self.check_usage,
            "measures.csv": self.check_measure,
            "dependencies.csv": lambda row: self.links.check_dependency(
                row, self.check_product_reference
            ),
            "interfaces.csv": lambda row: self.links.check_interface(
                row, self.check_product_reference, self.users_by_email
            ),
        }
        for name, check in checks.items():
            for row in rows.get(name, []):
                try:
                    check(row)
                except RowError as problem:
                    report.error(row.file, row.line, str(problem))
            if name == "products.csv":
                self.check_lifecycles(report, today)
        self.links.check_two_way(report)

    # One check per file ----------------------------------------------------------

    def check_department(self, row: Row) -> None:
        require(row, "name", "headcount")
        check_length(row, "name", limits.NAME)
        check_length(row, "head", limits.NAME)
        if key(row["name"]) in self.departments:
            raise RowError(f"department “{row['name']}” appears twice")
        self.departments[key(row["name"])] = {
            "name": row["name"],
            "head": row["head"] or None,
            "headcount": parse_count(row["headcount"], "headcount"),
        }

    def check_product(self, row: Row) -> None:
        require(row, "slug", "name", "category", "summary", "stage", "sourcing")
        slug = self.checked_slug(row)
        check_product_text(row)
        owner_id = self.owner_id(row)
        sourcing = parse_enum(Sourcing, row["sourcing"], "sourcing")
        if sourcing is not Sourcing.BUILT and not row["vendor"]:
            raise RowError("a bought or hybrid product needs a vendor")
        tags, contract = product_tags(row), contract_values(row)
        stage = parse_enum(Stage, row["stage"], "stage")
        lifecycle = lifecycle_values(row, stage)
        self.products[slug] = {
            "name": row["name"],
            "category": parse_enum(Category, row["category"], "category"),
            "summary": row["summary"],
            "stage": stage,
            "owner_id": owner_id,
            "sourcing": sourcing,
            "vendor": row["vendor"] or None,
            **{column: row[column] or None for column in URL_COLUMNS},
            "tags": tags,
            "value_proposition": {column: row[column] for column in VALUE_PROPOSITION_COLUMNS},
            "contract": contract,
            "lifecycle": lifecycle,
        }
        if lifecycle is not None and (lifecycle.successor_slug or lifecycle.retired_on):
            self.lifecycle_rows.append((row, slug))

    def check_lifecycles(self, report: ImportReport, today: date) -> None:
        """Each retirement date and successor, by the retire form's rules, the
        products as the import leaves them."""
        as_imported = {
            slug: Product(
                id=getattr(self.stored_products.get(slug), "id", -number),
                name=values["name"],
                stage=values["stage"],
                retired_on=values["lifecycle"].retired_on if values["lifecycle"] else None,
            )
            for number, (slug, values) in enumerate(self.products.items(), 1)
        }
        for row, slug in self.lifecycle_rows:
            lifecycle = self.products[slug]["lifecycle"]
            successor_slug = lifecycle.successor_slug
            successor = None
            if successor_slug is not None:
                successor = as_imported.get(key(successor_slug)) or self.stored_products.get(
                    key(successor_slug)
                )
                if successor is None:
                    report.error(
                        row.file,
                        row.line,
                        f"successor_slug: unknown product “{quoted(successor_slug)}” "
                        "(not in products.csv nor the database)",
                    )
                    continue
            problem = lifecycle_problem(
                as_imported[slug],
                lifecycle,
                successor,
                stored=self.stored_products.get(slug),
                today=today,
            )
            if problem:
                report.error(row.file, row.line, problem)

    def check_usage(self, row: Row) -> None:
        require(row, "product_slug", "department", "level", "users")
        self.check_product_reference(row["product_slug"])
        department = row["department"]
        if (
            key(department) not in self.departments
            and key(department) not in self.known_departments
        ):
            raise RowError(
                f"unknown department “{quoted(department)}” "
                "(not in departments.csv nor the database)"
            )
        usage_key = (key(row["product_slug"]), key(department))
        if usage_key in self.usages:
            raise RowError(f"{department} is listed twice for {row['product_slug']}")
        self.usages[usage_key] = {
            "level": parse_enum(UsageLevel, row["level"], "level"),
            "users": parse_count(row["users"], "users"),
        }

    def check_measure(self, row: Row) -> None:
        require(row, *COLUMNS["measures.csv"])
        self.check_product_reference(row["product_slug"])
        check_length(row, "name", limits.NAME)
        measure_key = (key(row["product_slug"]), key(row["name"]))
        if measure_key in self.measures:
            raise RowError(f"measure “{row['name']}” appears twice for {row['product_slug']}")
        values = {
            "name": row["name"],
            "unit": parse_enum(Unit, row["unit"], "unit"),
            "direction": parse_enum(Direction, row["direction"], "direction"),
            "baseline": parse_float(row["baseline"], "baseline"),
            "baseline_date": parse_date(row["baseline_date"], "baseline_date"),
            "target": parse_float(row["target"], "target"),
            "target_date": parse_date(row["target_date"], "target_date"),
        }
        values["unit_label"] = checked_unit_label(values["unit"], row["unit_label"])
        problems = definition_problems(
            direction=values["direction"],
            baseline=values["baseline"],
            target=values["target"],
            baseline_date=values["baseline_date"],
            target_date=values["target_date"],
        )
        if problems:
            raise RowError("; ".join(problems.values()))
        self.measures[measure_key] = values

    # What the checks share ---------------------------------------------------------

    def checked_slug(self, row: Row) -> str:
        slug = row["slug"]
        check_length(row, "slug", limits.SLUG)
        if slug != slugify(slug):
            raise RowError(
                f"slug “{quoted(slug)}” may use only lower-case letters, digits and dashes"
            )
        if key(slug) in self.products:
            raise RowError(f"slug “{slug}” appears twice")
        return slug

    def owner_id(self, row: Row) -> int | None:
        email = row["owner_email"]
        if not email:
            return None
        owner_id = self.users_by_email.get(email.lower())
        if owner_id is None:
            raise RowError(f"no user has the email “{quoted(email)}” (owner_email)")
        return owner_id

    def check_product_reference(self, slug: str) -> None:
        if key(slug) not in self.products and key(slug) not in self.stored_products:
            raise RowError(
                f"unknown product “{quoted(slug)}” (not in products.csv nor the database)"
            )

    # Writing ---------------------------------------------------------------------

    def write(self, session: Session) -> None:
        departments = self.write_departments(session)
        products = self.write_products(session)
        session.flush()
        self.write_successors(session, products)
        self.write_usages(products, departments)
        self.write_measures(products)
        self.links.write(session, products)
        session.flush()

    def write_departments(self, session: Session) -> dict[str, Department]:
        """Every department by key: those of the file updated or added."""
        stored = (
            session.execute(sa.select(Department).order_by(Department.id.desc())).scalars().all()
        )
        departments = by_key(stored, "name")
        exact = {department.name: department for department in stored}
        for name_key, values in self.departments.items():
            # The same spelling first: a database holding "Sales" and "sales" keeps both.
            department = exact.get(values["name"]) or departments.get(name_key) or Department()
            department.name = values["name"]
            department.head = values["head"]
            department.headcount = values["headcount"]
            session.add(department)
            departments[name_key] = department
        return departments

    def write_products(self, session: Session) -> dict[str, Product]:
        products = by_key(
            session.execute(
                sa.select(Product)
                .options(
                    selectinload(Product.value_proposition),
                    selectinload(Product.contract),
                    selectinload(Product.tags),
                    selectinload(Product.usages),
                    selectinload(Product.measures),
                )
                .order_by(Product.id.desc())
            ).scalars(),
            "slug",
        )
        for slug, values in self.products.items():
            product = products.get(slug) or Product(slug=slug)
            for attribute in PRODUCT_ATTRIBUTES:
                setattr(product, attribute, values[attribute])
            session.add(product)
            set_tags(session, product, values["tags"])
            write_value_proposition(product, values["value_proposition"])
            if values["contract"]:
                write_contract(product, values["contract"])
            products[slug] = product
            write_lifecycle(product, values["lifecycle"])
        return products

    def write_successors(self, session: Session, products: dict[str, Product]) -> None:
        """The successors the file names (products flushed, so with ids)."""
        for slug, values in self.products.items():
            lifecycle = values["lifecycle"]
            if lifecycle is not None:
                successor_slug = lifecycle.successor_slug
                successor = products[key(successor_slug)] if successor_slug else None
                write_successor(session, products[slug], successor)

    def write_usages(
        self, products: dict[str, Product], departments: dict[str, Department]
    ) -> None:
        for (slug, department_name), values in self.usages.items():
            product, department = products[slug], departments[department_name]
            usage = {u.department_id: u for u in product.usages}.get(department.id)
            if usage is None:
                usage = Usage(department=department)
                product.usages.append(usage)
            usage.level = values["level"]
            usage.users = values["users"]

    def write_measures(self, products: dict[str, Product]) -> None:
        for (slug, name_key), values in self.measures.items():
            product = products[slug]
            measures = by_key(reversed(product.measures), "name")
            exact = {measure.name: measure for measure in product.measures}
            measure = exact.get(values["name"]) or measures.get(name_key)
            if measure is None:
                measure = SuccessMeasure()
                product.measures.append(measure)
            for attribute, value in values.items():
                setattr(measure, attribute, value)


def by_key(rows, attribute: str) -> dict:
    """`rows` by the key of `attribute`; of rows with the same key, the last wins."""
    return {key(getattr(row, attribute)): row for row in rows}
