"""The catalogue in and out as CSV: `csv_export` writes the files,
`csv_import` reads them back. This module only keeps the names older callers
import (tests/test_csv_roundtrip.py; the dashboard's `download` and
`spreadsheet_safe`, which now live in `portfolio.spreadsheets`)."""

from __future__ import annotations

from portfolio.catalogue.csv_export import COLUMNS, export_catalogue
from portfolio.catalogue.csv_import import ImportReport, import_catalogue
from portfolio.spreadsheets import csv_download as download
from portfolio.spreadsheets import spreadsheet_safe

__all__ = [
    "COLUMNS",
    "ImportReport",
    "download",
    "export_catalogue",
    "import_catalogue",
    "spreadsheet_safe",
]
