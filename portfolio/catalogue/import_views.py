"""The whole catalogue in and out through the browser (endpoints
`catalogue.imports.*`), so that a round trip needs no command line.

- Import (PMs and admins, as `flask import-csv`): upload the export's CSV
  files or one XLSX workbook; the preview lists what would be added and
  changed, or every problem by file (sheet) and line (row); "Confirm import"
  imports the files kept on the server (`uploads`), checked again, all or
  nothing.
- Export (whoever may see contract costs, which it holds): one XLSX workbook
  with a sheet per file, or the CSV files in a ZIP.
"""

from __future__ import annotations

import hmac
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, current_app, flash, redirect, session, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portfolio.auth.permissions import requires
from portfolio.catalogue import uploads
from portfolio.catalogue.csv_export import catalogue_sheets, catalogue_zip
from portfolio.catalogue.forms import ImportConfirmForm, ImportForm
from portfolio.database import reads_one_snapshot
from portfolio.extensions import db
from portfolio.htmx import render
from portfolio.spreadsheets import xlsx_download

bp = Blueprint("imports", __name__)

SESSION_KEY = "catalogue_import"  # the token of the upload this session previewed
EXPIRED = (
    "This upload is no longer waiting to be imported (it was imported already, replaced by "
    "a newer upload, or is more than an hour old). Upload the files again."
)
NOUNS = {
    "departments.csv": "department",
    "products.csv": "product",
    "usage.csv": "usage row",
    "measures.csv": "measure",
    "dependencies.csv": "dependency link",
    "interfaces.csv": "interface",
}


def upload_root() -> Path:
    """Where uploads wait: IMPORT_FOLDER, or imports/ in the instance folder."""
    return Path(
        current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path, "imports")
    )


def page(form: ImportForm, *, status: int = 200, **context) -> Response:
    context = {"report": None, "changes": None, "confirm": None, "problem": None, **context}
    return render(
        "catalogue/import.html",
        form=form,
        nouns=NOUNS,
        max_upload=current_app.config["MAX_CONTENT_LENGTH"],
        status=status,
        **context,
    )


@bp.route("/import", methods=["GET", "POST"])
@requires("edit_catalogue")
def upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return page(form, status=422 if form.is_submitted() else 200)
    files = form.uploaded()
    report, changes = uploads.preview_upload(db.session, files, label=form.workbook_label())
    root = upload_root()
    uploads.discard(root, current_user.id, session.pop(SESSION_KEY, None))
    if changes is None:
        return page(ImportForm(formdata=None), report=report, status=422)
    token = uploads.keep(root, current_user.id, files)
    session[SESSION_KEY] = token
    return page(
        ImportForm(formdata=None),
        report=report,
        changes=changes,
        confirm=ImportConfirmForm(formdata=None, upload=token),
    )


@bp.post("/import/confirm")
@requires("edit_catalogue")
def confirm():
    form = ImportConfirmForm()
    token = session.get(SESSION_KEY) or ""
    root = upload_root()
    files = None
    if form.validate_on_submit() and token and hmac.compare_digest(form.upload.data or "", token):
        files = uploads.kept(root, current_user.id, token)
    if files is None:
        return page(ImportForm(formdata=None), problem=EXPIRED, status=409)
    report = uploads.import_upload(db.session, current_user, files)
    uploads.discard(root, current_user.id, session.pop(SESSION_KEY, None))
    if not report.ok:
        # The database changed since the preview: nothing is written.
        db.session.rollback()
        return page(ImportForm(formdata=None), report=report, status=422)
    db.session.commit()
    counts = ", ".join(
        f"{count:,} {NOUNS[name]}{'' if count == 1 else 's'}"
        for name, count in report.counts.items()
        if count
    )
    flash(f"Catalogue imported: {counts}.", "success")
    return redirect(url_for("catalogue.index"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """An upload over MAX_CONTENT_LENGTH: the page again, saying how much it takes."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    form = ImportForm(formdata=None)
    form.files.errors = [
        f"The files are larger than the {limit / 2**20:g} MB an upload may be: "
        "import them in parts (for example products.csv first, then the others)."
    ]
    return page(form, status=413)


# The export in the import's format ----------------------------------------------


@bp.get("/export/catalogue.xlsx")
@requires("view_costs")
@reads_one_snapshot
def export_xlsx():
    return xlsx_download(f"catalogue-{date.today().isoformat()}.xlsx", catalogue_sheets(db.session))


@bp.get("/export/catalogue.zip")
@requires("view_costs")
@reads_one_snapshot
def export_zip():
    filename = f"catalogue-{date.today().isoformat()}.zip"
    return Response(
        catalogue_zip(db.session),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
