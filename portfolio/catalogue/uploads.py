"""Catalogue files uploaded for the browser import: which files it takes,
their rows, and where they wait between the preview and the confirmation.

An upload is either the CSV files `flask export-csv` writes (any of
departments.csv, products.csv, usage.csv, measures.csv) or one XLSX workbook
with a sheet per file (`xlsx_rows`). Between the preview and "Confirm import"
the files wait on the server, in the instance folder under `imports/`, in a
folder named after the account and a random token that only the uploader's
session holds: the confirmation reads and checks them again and never takes
rows from the browser. A folder is removed once imported, when the same
session uploads again, after `KEEP_SECONDS`, and beyond `MAX_PENDING` folders
(the oldest first); each upload is at most the app's MAX_CONTENT_LENGTH.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path

from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.catalogue import limits
from portfolio.catalogue.csv_cells import ImportReport, csv_rows, decode_csv
from portfolio.catalogue.csv_export import COLUMNS
from portfolio.catalogue.csv_import import Changes, Tables, import_tables, preview_import
from portfolio.catalogue.xlsx_rows import read_workbook
from portfolio.models import User, Verb

WORKBOOK = "catalogue.xlsx"  # the name an uploaded workbook is kept under
KEEP_SECONDS = 60 * 60
MAX_PENDING = 50
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SOURCE = "the uploaded files"


# Which files ------------------------------------------------------------------------


def upload_name(filename: str) -> str:
    """A file's name as the import knows it: without folders, in lower case."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()


def names_problem(filenames: list[str]) -> str | None:
    """What is wrong with the names of the uploaded files, or None: one
    workbook (.xlsx) alone, or CSV files named as the export names them,
    each at most once."""
    names = [upload_name(filename) for filename in filenames]
    workbooks = [name for name in names if name.endswith(".xlsx")]
    if workbooks:
        return None if len(names) == 1 else "Upload one XLSX workbook alone, or CSV files."
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        return (
            f"“{unknown[0][:40]}” is not a catalogue file: name CSV files "
            f"{', '.join(COLUMNS)} (as the export does), or upload one .xlsx workbook."
        )
    if len(set(names)) < len(names):
        return "Each CSV file may be uploaded once."
    return None


def kept_files(uploaded: dict[str, bytes]) -> dict[str, bytes]:
    """The uploaded files (checked by `names_problem`) under the names they are
    kept and read by: "departments.csv"… or WORKBOOK."""
    return {
        WORKBOOK if upload_name(filename).endswith(".xlsx") else upload_name(filename): data
        for filename, data in uploaded.items()
    }


# Their rows -------------------------------------------------------------------------


def read_upload(files: dict[str, bytes], report: ImportReport, *, label: str = WORKBOOK) -> Tables:
    """The rows of each table in `files` (see `kept_files`); `label` names the
    workbook in messages. Problems go to `report`."""
    if WORKBOOK in files:
        return read_workbook(files[WORKBOOK], label, report)
    tables: Tables = {name: [] for name in COLUMNS}
    for name, data in files.items():
        if len(data) > limits.CSV_FILE_BYTES:
            report.file_error(name, f"larger than {limits.CSV_FILE_BYTES // 2**20} MB")
            continue
        text = decode_csv(data, name, report)
        if text is not None:
            tables[name] = csv_rows(name, text, report)
    return tables


def preview_upload(
    session: Session, files: dict[str, bytes], *, label: str = WORKBOOK
) -> tuple[ImportReport, Changes | None]:
    """The report on `files` and what importing them would change (None when
    a row is wrong); nothing is kept in the database."""
    report = ImportReport()
    tables = read_upload(files, report, label=label)
    return report, preview_import(session, tables, report, source=SOURCE)


def import_upload(session: Session, actor: User, files: dict[str, bytes]) -> ImportReport:
    """Import `files`, checked again, all or nothing, recorded on the trail
    as `actor`'s (the caller commits when the report is ok, and rolls back
    otherwise)."""
    report = ImportReport()
    import_tables(session, read_upload(files, report), report, source=SOURCE)
    if report.ok:
        rows = ", ".join(f"{name} {count:,}" for name, count in report.counts.items() if count)
        record(session, actor, Verb.CATALOGUE_IMPORTED, subject=f"({rows or 'no rows'})")
    return report


# Where they wait ------------------------------------------------------------------


def folder(root: Path, user_id: int, token: str) -> Path | None:
    if not TOKEN.match(token or ""):
        return None
    return root / f"{int(user_id)}-{token}"


def keep(root: Path, user_id: int, files: dict[str, bytes], *, now: float | None = None) -> str:
    """Keep `files` for `user_id`; returns the token that finds them again."""
    purge(root, now=now)
    token = secrets.token_urlsafe(24)
    path = folder(root, user_id, token)
    assert path is not None
    path.mkdir(mode=0o700, parents=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    return token


def kept(root: Path, user_id: int, token: str) -> dict[str, bytes] | None:
    """The files kept under `token` for `user_id`, or None (unknown, expired,
    another account's)."""
    path = folder(root, user_id, token)
    if path is None or not path.is_dir():
        return None
    if time.time() - path.stat().st_mtime > KEEP_SECONDS:
        discard(root, user_id, token)
        return None
    allowed = {*COLUMNS, WORKBOOK}
    return {file.name: file.read_bytes() for file in path.iterdir() if file.name in allowed}


def discard(root: Path, user_id: int, token: str | None) -> None:
    path = folder(root, user_id, token or "")
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def purge(root: Path, *, now: float | None = None) -> None:
    """Remove folders older than KEEP_SECONDS, and the oldest beyond MAX_PENDING
    (leaving room for one more)."""
    if not root.is_dir():
        return
    now = time.time() if now is None else now
    folders = sorted(
        (path for path in root.iterdir() if path.is_dir()), key=lambda path: path.stat().st_mtime
    )
    for number, path in enumerate(folders):
        expired = now - path.stat().st_mtime > KEEP_SECONDS
        if expired or len(folders) - number >= MAX_PENDING:
            shutil.rmtree(path, ignore_errors=True)
