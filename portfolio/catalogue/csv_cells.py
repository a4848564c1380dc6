"""Reading the rows of one catalogue CSV file, and checking its cells with the
forms' limits (`catalogue/limits.py`). Each check raises `RowError` with the
message the import reports against the file and line."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import TypeVar

from portfolio.catalogue import limits
from portfolio.catalogue.csv_export import COLUMNS
from portfolio.forms import HTTP_URL
from portfolio.spreadsheets import unescape_cell

E = TypeVar("E", bound=Enum)


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
    """The rows of `directory/name` (none when the file is absent); a wrong
    header or a row with too many values is reported."""
    path = directory / name
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not header_ok(reader.fieldnames or [], name, report):
            return []
        rows = []
        for values in reader:
            if None in values:
                report.error(name, reader.line_num, "more values than columns")
                continue
            cells = {key: unescape_cell(value or "") for key, value in values.items()}
            rows.append(Row(name, reader.line_num, cells))
        return rows


def header_ok(header: list[str], name: str, report: ImportReport) -> bool:
    missing = [column for column in COLUMNS[name] if column not in header]
    unknown = [column for column in header if column not in COLUMNS[name]]
    if missing:
        report.error(name, 1, f"missing column(s): {', '.join(missing)}")
    if unknown:
        report.error(name, 1, f"unknown column(s): {', '.join(unknown)}")
    return not (missing or unknown)


# Checking one cell -----------------------------------------------------------------


class RowError(ValueError):
    pass


def parse_enum(enum_class: type[E], text: str, what: str) -> E:
    try:
        return enum_class(text.lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise RowError(f"unknown {what} “{text}” (use one of: {allowed})") from None


def parse_count(text: str, what: str) -> int:
    """A whole number of people or seats, in the forms' range."""
    try:
        value = int(text)
    except ValueError:
        raise RowError(f"{what} must be a whole number, not “{text}”") from None
    if value < 0:
        raise RowError(f"{what} must be 0 or more, not {value}")
    if value > limits.COUNT:
        raise RowError(f"{what} must be at most {limits.COUNT:,}, not {value:,}")
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
    if value > limits.AMOUNT:
        raise RowError(f"{what} must be at most {limits.AMOUNT:,}")
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
    check_length(row, column, limits.URL)
    if row[column] and not HTTP_URL.match(row[column]):
        raise RowError(f"{column} must start with https:// or http://")
