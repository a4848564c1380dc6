"""Spreadsheet downloads, CSV and XLSX: every cell a spreadsheet could run as
a formula is neutralised (headers included), numbers are left as numbers.

CSV escapes such text with a leading apostrophe (which the catalogue import
removes again); XLSX needs no escape: its text cells are typed as text, so
"=HYPERLINK(…)" stays the words it is."""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)


def spreadsheet_safe(value: object) -> object:
    """`value` as a cell: numbers and dates unchanged; text that would start a
    formula gets a leading apostrophe (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal | date | datetime):
        return value
    text = str(value)
    # A leading apostrophe is escaped too, so that import can always drop one.
    if text.startswith(FORMULA_START) or text.startswith("'"):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo `spreadsheet_safe` on import, so export → import is the identity."""
    return text[1:] if text.startswith("'") else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return buffer.getvalue()


def csv_download(filename: str, rows: Iterable[Iterable[object]]) -> Response:
    """A CSV attachment of `rows` (the header row first), every cell made safe."""
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# XLSX ------------------------------------------------------------------------------

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column widths are measured on the header and this many rows, in characters.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
DATE_WIDTH = 11
EXCEL_CELL = 32_767  # the most characters Excel keeps in a cell
# What a sheet title may not hold, and how long it may be.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE = 31

# A sheet: its title and its rows, the header row first.
Sheet = tuple[str, Iterable[Sequence[object]]]


def xlsx_value(value: object) -> object:
    """`value` as an XLSX cell holds it: numbers and dates typed, text as text
    (without the characters XML cannot carry), nothing for None and ""."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Excel has no time zones: UTC, as the app stores times.
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, bool | int | Decimal | date | datetime):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:EXCEL_CELL]


def xlsx_cell(sheet: WriteOnlyWorksheet, value: object, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=xlsx_value(value))
    if isinstance(cell.value, str):
        # openpyxl takes text starting with "=" for a formula: store it as text.
        cell.data_type = "s"
    if bold:
        cell.font = BOLD
    return cell


def display_width(value: object) -> int:
    if isinstance(value, date):
        return DATE_WIDTH
    return len(str(xlsx_value(value) or ""))


def column_widths(rows: Sequence[Sequence[object]]) -> list[int]:
    widths: list[int] = []
    for row in rows:
        for index, value in enumerate(row):
            if index == len(widths):
                widths.append(MIN_WIDTH)
            widths[index] = max(widths[index], min(display_width(value) + 2, MAX_WIDTH))
    return widths


def sheet_title(title: str) -> str:
    return SHEET_TITLE_FORBIDDEN.sub("-", title)[:SHEET_TITLE] or "Sheet"


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook of `sheets`, written as a stream (openpyxl's write-only mode):
    a bold header row with the panes frozen below it, columns as wide as their
    first rows need, numbers and dates as typed cells and every text as text,
    never a formula."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(sheet_title(title))
        rows = iter(rows)
        first = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS + 1))
        for index, width in enumerate(column_widths(first), 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        for number, row in enumerate(itertools.chain(first, rows)):
            sheet.append([xlsx_cell(sheet, value, bold=number == 0) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_download(filename: str, sheets: Iterable[Sheet]) -> Response:
    """An XLSX attachment with one sheet per (title, rows), header rows first."""
    return Response(
        xlsx_bytes(sheets),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def spreadsheet_download(
    format: str, stem: str, rows: Iterable[Sequence[object]], *, sheet: str | None = None
) -> Response:
    """`rows` (the header first) as `stem.csv` or `stem.xlsx` (one sheet,
    named `sheet` or `stem`): the one way a view answers with a table."""
    if format == "csv":
        return csv_download(f"{stem}.csv", rows)
    if format == "xlsx":
        return xlsx_download(f"{stem}.xlsx", [(sheet or stem, rows)])
    raise ValueError(f"unknown spreadsheet format {format!r}")
