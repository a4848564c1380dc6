"""Reading the rows of one catalogue CSV file, and checking its cells with the
forms' limits (`catalogue/limits.py`, `forms.number_problem`). Each check
raises `RowError` with the message the import reports against the file and
line.

Whatever a file holds — another encoding, binary data, a huge cell, NUL
characters, repeated columns — ends as `file line N: reason` lines in the
report, never as an exception: files larger than `limits.CSV_FILE_BYTES` are
not read, text must be UTF-8, and no cell may be longer than `limits.CSV_CELL`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import TypeVar

from portfolio.catalogue import limits
from portfolio.catalogue.csv_export import COLUMNS, header_of
from portfolio.catalogue.measures import unit_label_problem
from portfolio.forms import HTTP_URL, number_problem
from portfolio.models import Unit
from portfolio.spreadsheets import unescape_cell

E = TypeVar("E", bound=Enum)

# A file with more problems than this shows these and says how many more there are.
MAX_ERRORS_PER_FILE = 50
# How much of a bad cell a message quotes.
QUOTED = 40
SAVE_AS_UTF8 = "save it as “CSV UTF-8” and import it again"


@dataclass(frozen=True)
class Problem:
    """One problem, where it is: a file (or sheet) and a line (or row), or
    neither for a problem of the whole upload."""

    file: str
    line: int | None
    message: str
    text: str  # the whole sentence, as the command line prints it


@dataclass
class ImportReport:
    """What an import found. `in_sheets`: the rows came from the sheets of a
    workbook, so problems say "sheet products row 3" rather than
    "products.csv line 3"."""

    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    per_file: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    in_sheets: bool = False

    def error(self, file: str, line: int, message: str) -> None:
        where = f"sheet {file} row {line}" if self.in_sheets else f"{file} line {line}"
        self._add(Problem(file, line, message, f"{where}: {message}"))

    def file_error(self, file: str, message: str) -> None:
        """A problem of the whole file (its size, its header), not of one line."""
        where = f"sheet {file}" if self.in_sheets else file
        self._add(Problem(file, None, message, f"{where}: {message}"))

    def located(self, file: str, place: str, message: str) -> None:
        """A problem at a place a line number does not name (a YAML document)."""
        self._add(Problem(file, None, message, f"{file} {place}: {message}"))

    def general(self, message: str) -> None:
        """A problem of the whole import (no file, no line)."""
        self._add(Problem("", None, message, message))

    def _add(self, problem: Problem) -> None:
        self.per_file[problem.file] += 1
        if self.per_file[problem.file] <= MAX_ERRORS_PER_FILE:
            self.errors.append(problem.text)
            self.problems.append(problem)

    def close(self) -> None:
        """Say how many problems of each file were not listed."""
        for file, count in self.per_file.items():
            if count > MAX_ERRORS_PER_FILE:
                message = f"{count - MAX_ERRORS_PER_FILE:,} more problem(s)"
                where = f"sheet {file}" if self.in_sheets else file
                text = f"{where}: {message}"
                self.errors.append(text)
                self.problems.append(Problem(file, None, message, text))

    def problems_by_file(self) -> dict[str, list[Problem]]:
        """The listed problems grouped by file (or sheet), in the order found."""
        grouped: dict[str, list[Problem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.file, []).append(problem)
        return grouped

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
    """The rows of `directory/name` (none when the file is absent); a file that
    cannot be read, a wrong header or a row with too many values or too long a
    cell is reported."""
    path = directory / name
    if not path.exists():
        return []
    text = read_text(path, name, report)
    if text is None:
        return []
    return csv_rows(name, text, report)


def csv_rows(name: str, text: str, report: ImportReport) -> list[Row]:
    """The rows of the CSV file `name` whose text is `text` (see `read_rows`)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not header_ok(reader.fieldnames or [], name, report):
            return []
        rows = []
        for values in reader:
            row = Row(name, reader.line_num, {})
            if None in values:
                report.error(name, row.line, "more values than columns")
                continue
            if too_long(values, name, row.line, report):
                continue
            row.values = {key: unescape_cell(value or "") for key, value in values.items()}
            rows.append(row)
        return rows
    except csv.Error as problem:
        # Python's reader stops at cells over csv.field_size_limit() characters.
        if "field limit" in str(problem):
            message = f"a cell is longer than {limits.CSV_CELL:,} characters"
        else:
            message = f"not readable as CSV ({problem})"
        # DictReader counts only the lines of rows it gave; its reader counts every line.
        report.error(name, reader.reader.line_num or 1, message)
        return []


def too_long(values: dict[str, str | None], file: str, line: int, report: ImportReport) -> bool:
    """Whether a cell of the row is longer than CSV_CELL characters (reported)."""
    columns = [key for key, value in values.items() if len(value or "") > limits.CSV_CELL]
    if columns:
        report.error(
            file, line, f"{', '.join(columns)}: longer than {limits.CSV_CELL:,} characters"
        )
    return bool(columns)


def read_text(path: Path, name: str, report: ImportReport) -> str | None:
    """The file as text when it is at most CSV_FILE_BYTES of UTF-8 (a BOM is
    allowed) without NUL characters; otherwise None, with the reason reported."""
    try:
        size = path.stat().st_size
        if size > limits.CSV_FILE_BYTES:
            report.file_error(
                name,
                f"the file has {size:,} bytes; the import reads files of at most "
                f"{limits.CSV_FILE_BYTES // 2**20} MB",
            )
            return None
        data = path.read_bytes()
    except OSError as problem:
        report.file_error(name, f"cannot be read ({problem.strerror or problem})")
        return None
    return decode_csv(data, name, report)


def decode_csv(data: bytes, name: str, report: ImportReport) -> str | None:
    """`data` as text when it is UTF-8 (a BOM is allowed) without NUL
    characters; otherwise None, with the reason reported."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        report.error(name, 1, f"the file is UTF-16 (or UTF-32) text; {SAVE_AS_UTF8}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data.count(b"\n", 0, problem.start) + 1
        report.error(
            name,
            line,
            f"not UTF-8 text (byte 0x{data[problem.start]:02x}, as Latin-1 or binary data "
            f"has); {SAVE_AS_UTF8}",
        )
        return None
    if "\x00" in text:
        # Neither the forms nor PostgreSQL take NUL; UTF-16 without a BOM is full of them.
        lines = [number for number, line in enumerate(text.split("\n"), 1) if "\x00" in line]
        for line in lines:
            report.error(name, line, "contains a NUL character, which no field accepts")
        return None
    return text


def header_ok(header: list[str], name: str, report: ImportReport, label: str | None = None) -> bool:
    """Whether `header` has the columns of the file `name` (each once, no
    other); problems are reported against `label` (a sheet's name) or `name`."""
    label = label or name
    missing = [column for column in COLUMNS[name] if column not in header]
    unknown = [column for column in header if column not in header_of(name)]
    repeated = [column for column, count in Counter(header).items() if count > 1]
    if missing:
        report.error(label, 1, f"missing column(s): {', '.join(missing)}")
    if unknown:
        report.error(label, 1, f"unknown column(s): {', '.join(quoted(c) for c in unknown)}")
    for column in repeated:
        report.file_error(label, f'duplicate column "{quoted(column)}"')
    return not (missing or unknown or repeated)


# Checking one cell -----------------------------------------------------------------


class RowError(ValueError):
    pass


def quoted(text: str) -> str:
    """`text` as a message quotes it: at most QUOTED characters."""
    return text if len(text) <= QUOTED else text[:QUOTED] + "…"


def parse_enum(enum_class: type[E], text: str, what: str) -> E:
    try:
        return enum_class(text.lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise RowError(f"unknown {what} “{quoted(text)}” (use one of: {allowed})") from None


def parse_count(text: str, what: str) -> int:
    """A whole number of people or seats, in the forms' range."""
    try:
        value = int(text)
    except ValueError:
        raise RowError(f"{what} must be a whole number, not “{quoted(text)}”") from None
    if value < 0:
        raise RowError(f"{what} must be 0 or more, not {value}")
    if value > limits.COUNT:
        raise RowError(f"{what} must be at most {limits.COUNT:,}, not “{quoted(text)}”")
    return value


def parse_float(text: str, what: str, *, divisor: bool = False) -> float:
    """A number as the forms' `number_field` takes it: finite, at most a
    trillion either way (and, a `divisor`, not nearly zero)."""
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"{what} must be a number, not “{quoted(text)}”") from None
    problem = number_problem(value, divisor=divisor)
    if problem is not None:
        raise RowError(f"{what} “{quoted(text)}”: {problem}")
    return value


def parse_money(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(f"{what} must be an amount, not “{quoted(text)}”") from None
    if not value.is_finite():
        raise RowError(f"{what} must be an ordinary amount, not “{quoted(text)}”")
    if value < 0:
        raise RowError(f"{what} must be 0 or more")
    if value > limits.AMOUNT:
        raise RowError(f"{what} must be at most {limits.AMOUNT:,}, not “{quoted(text)}”")
    return value.quantize(Decimal("0.01"))


def parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{what} must be a date like 2026-03-31, not “{quoted(text)}”") from None


def require(row: Row, *columns: str) -> None:
    empty = [column for column in columns if not row[column]]
    if empty:
        raise RowError(f"{', '.join(empty)} must not be empty")


def check_length(row: Row, column: str, limit: int) -> None:
    if len(row[column]) > limit:
        raise RowError(f"{column} is longer than {limit} characters")


def check_url(row: Row, column: str) -> None:
    check_length(row, column, limits.URL)
    if row[column] and not HTTP_URL.match(row[column]):
        raise RowError(f"{column} must start with https:// or http://")


def checked_unit_label(unit: Unit, label: str) -> str | None:
    """The label an "other" unit needs, as the measure form checks it; none for the rest."""
    problem = unit_label_problem(unit, label)
    if problem:
        raise RowError(f"unit_label: {problem}")
    return label if unit is Unit.OTHER else None
