"""Spreadsheet downloads: every cell a spreadsheet could run as a formula is
neutralised (headers included), numbers are left as numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from flask import Response

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
