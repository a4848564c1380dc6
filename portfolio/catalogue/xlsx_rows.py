"""The catalogue's tables read from one XLSX workbook (the browser import):
a sheet per table, named as its CSV file without ".csv" (departments,
products, usage, measures), the header in the first row.

Cells become the text the CSV import reads, so one set of checks serves both
(`csv_import.Plan`): numbers as written (12.0 → "12"), dates as 2026-03-31.
Text cells are taken as they are: an XLSX needs no apostrophe escape, so none
is removed. Whatever the file holds ends as problems in the report, never as
an exception: a file that is not a workbook, one that unpacks to more than
`limits.XLSX_UNPACKED_BYTES`, a sheet with more than `limits.XLSX_ROWS` rows,
an unknown sheet, and the CSV import's own problems (header, cell length).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from portfolio.catalogue import limits
from portfolio.catalogue.csv_cells import ImportReport, Row, header_ok, quoted, too_long
from portfolio.catalogue.csv_export import COLUMNS

# Sheet name → the CSV file whose rows it holds.
SHEETS = {name.removesuffix(".csv"): name for name in COLUMNS}
NOT_A_WORKBOOK = "is not an XLSX workbook (save it from your spreadsheet as .xlsx)"


def read_workbook(data: bytes, label: str, report: ImportReport) -> dict[str, list[Row]]:
    """The rows of each table in the workbook `data` (uploaded as `label`),
    by CSV file name; problems go to `report` (which counts rows by sheet)."""
    report.in_sheets = True
    tables: dict[str, list[Row]] = {name: [] for name in COLUMNS}
    workbook = open_workbook(data, label, report)
    if workbook is None:
        return tables
    seen: set[str] = set()
    try:
        for sheet in workbook.worksheets:
            title = sheet.title.strip()
            name = SHEETS.get(title.lower())
            if name is None:
                report.file_error(
                    quoted(title), f"unknown sheet (the import reads {', '.join(SHEETS)})"
                )
                continue
            if name in seen:
                report.file_error(title, "appears twice")
                continue
            seen.add(name)
            try:
                tables[name] = sheet_rows(
                    sheet.iter_rows(max_col=limits.XLSX_COLUMNS, values_only=True),
                    title,
                    name,
                    report,
                )
            except Exception:  # a damaged sheet's XML fails in many ways
                report.file_error(title, "cannot be read (the sheet is damaged)")
    finally:
        workbook.close()
    return tables


def open_workbook(data: bytes, label: str, report: ImportReport) -> Workbook | None:
    """The workbook, read-only (rows are read as they are asked for), or None
    with the reason reported."""
    label = quoted(label)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        report.general(f"{label} {NOT_A_WORKBOOK}")
        return None
    if unpacked > limits.XLSX_UNPACKED_BYTES:
        report.general(
            f"{label} unpacks to {unpacked:,} bytes; the import reads workbooks of at most "
            f"{limits.XLSX_UNPACKED_BYTES // 2**20} MB unpacked"
        )
        return None
    try:
        # data_only: a formula's value as the spreadsheet last showed it.
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a zip that is no workbook
        report.general(f"{label} {NOT_A_WORKBOOK}")
        return None


def sheet_rows(
    cells_by_row: Iterable[tuple[object, ...]], title: str, name: str, report: ImportReport
) -> list[Row]:
    """The rows of one sheet holding the table `name`, numbered as the
    spreadsheet numbers them; empty rows are skipped, as an empty sheet is."""
    rows_in = iter(cells_by_row)
    first = next(rows_in, None)
    if first is None:
        return []
    header = [cell_text(value).strip() for value in first]
    while header and not header[-1]:
        header.pop()
    if not header_ok(header, name, report, label=title):
        return []
    rows = []
    for line, cells in enumerate(rows_in, 2):
        if line > limits.XLSX_ROWS + 1:
            report.file_error(title, f"has more than {limits.XLSX_ROWS:,} rows; import it in parts")
            return []
        texts = [cell_text(value) for value in cells]
        if not any(text.strip() for text in texts):
            continue
        if any(text.strip() for text in texts[len(header) :]):
            report.error(title, line, "more values than columns")
            continue
        texts += [""] * (len(header) - len(texts))
        values = dict(zip(header, texts, strict=False))
        if too_long(values, title, line, report):
            continue
        rows.append(Row(title, line, values))
    return rows


def cell_text(value: object) -> str:
    """A cell's value as the CSV import reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)
