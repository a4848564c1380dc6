"""How long and how large catalogue values may be: one source for the forms
(`catalogue/forms.py`), the CSV import (`catalogue/csv_import.py`) and the
domain rules. Text lengths are those of the database columns
(tests/test_catalogue_domain.py checks that they agree)."""

from __future__ import annotations

from portfolio.forms import MAX_AMOUNT, MAX_COUNT

NAME = 120  # product, measure, department and stakeholder names; vendors; heads
SLUG = 80
SUMMARY = 280
URL = 500
TAGS_TEXT = 400  # the tags as typed or exported ("finance, month-end")
TAG = 40  # one tag
TAGS = 12  # tags on one product
STORY = 2000  # each of the four parts of a value proposition
NOTE = 500  # a reading's note
SURVEY_COMMENT = 1000

COUNT = MAX_COUNT  # people using a product, headcount, seats bought
AMOUNT = MAX_AMOUNT  # a contract's annual cost
# Other numbers (a measure's baseline and target) follow `forms.number_problem`.

# What the CSV import reads at most: one file, and one cell (the longest value a
# form takes is a value-proposition part, STORY characters).
CSV_FILE_BYTES = 20 * 1024 * 1024
CSV_CELL = 10_000
# A workbook (the browser import's XLSX): its unpacked size (a small zip can
# unpack to gigabytes), rows per sheet and the columns read of each row.
XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
XLSX_ROWS = 50_000
XLSX_COLUMNS = 50

# Power and interest on the stakeholder map.
GRID_LOW, GRID_HIGH = 1, 5

__all__ = [
    "AMOUNT",
    "COUNT",
    "CSV_CELL",
    "CSV_FILE_BYTES",
    "GRID_HIGH",
    "GRID_LOW",
    "NAME",
    "NOTE",
    "SLUG",
    "STORY",
    "SUMMARY",
    "SURVEY_COMMENT",
    "TAG",
    "TAGS",
    "TAGS_TEXT",
    "URL",
    "XLSX_COLUMNS",
    "XLSX_ROWS",
    "XLSX_UNPACKED_BYTES",
]
