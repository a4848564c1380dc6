"""Static files named after their content, so a browser may keep them a year.

`url_for('static', filename='css/app.css')` gives `/static/css/app.<hash>.css`,
where <hash> is the first 12 hex digits of the file's SHA-256. A changed file
gets a new name, so an answer for a fingerprinted name never goes stale and is
sent `Cache-Control: public, max-age=31536000, immutable` (no revalidation at
all). The plain name still works and keeps Flask's revalidating `no-cache`; so
does an out-of-date hash (a page from before a deploy), which gets today's file
without the long cache rather than a 404. Unknown files are 404 as before.

The hash sits in the file name, not the query string, so relative `url(...)`
references inside a stylesheet still resolve next to it, and caches that
ignore query strings still tell versions apart.

Hashes are computed on first use and kept for the life of the process; in
debug mode a changed modification time recomputes them, so an edit shows on
the next reload.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, Response, send_from_directory
from werkzeug.security import safe_join

YEAR = 365 * 24 * 60 * 60
DIGEST_LENGTH = 12
FINGERPRINTED = re.compile(
    rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$"
)


def fingerprint(path: Path) -> str:
    """The first 12 hex digits of the SHA-256 of the file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH]


def with_digest(filename: str, digest: str) -> str:
    """`css/app.css` → `css/app.<digest>.css`."""
    stem, suffix = filename.rsplit(".", 1)
    return f"{stem}.{digest}.{suffix}"


class Fingerprints:
    """The digests of one static folder, computed once per file."""

    def __init__(self, folder: Path, watch_changes: bool = False) -> None:
        self.folder = folder
        self.watch_changes = watch_changes
        self._digests: dict[str, tuple[int, str]] = {}

    def digest(self, filename: str) -> str | None:
        """The file's digest, or None when there is no such file in the folder."""
        known = self._digests.get(filename)
        if known is not None and not self.watch_changes:
            return known[1]
        joined = safe_join(str(self.folder), filename)
        if joined is None:
            return None
        path = Path(joined)
        try:
            modified = path.stat().st_mtime_ns
        except OSError:
            return None
        if known is None or known[0] != modified:
            if not path.is_file():
                return None
            known = (modified, fingerprint(path))
            self._digests[filename] = known
        return known[1]

    def url_filename(self, filename: str) -> str:
        """The name url_for puts in the URL: fingerprinted when the file exists
        and has a suffix to put the digest before."""
        if "." not in filename.rsplit("/", 1)[-1]:
            return filename
        digest = self.digest(filename)
        return with_digest(filename, digest) if digest else filename

    def resolve(self, requested: str) -> tuple[str, bool]:
        """The file to send for a requested name, and whether the name carried
        its current digest (so the answer may be cached for good)."""
        match = FINGERPRINTED.match(requested)
        if match is None or self.digest(requested) is not None:
            return requested, False  # a plain name (or a file really named so)
        original = match["stem"] + match["suffix"]
        current = self.digest(original)
        if current is None:
            return requested, False  # no such file: 404 below
        return original, current == match["digest"]


def register(app: Flask) -> None:
    """Fingerprint url_for('static') URLs and serve them with a year-long cache."""
    assert app.static_folder is not None
    folder = Path(app.static_folder)
    fingerprints = Fingerprints(folder, watch_changes=app.debug)
    app.extensions["static_fingerprints"] = fingerprints

    @app.url_defaults
    def fingerprint_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = fingerprints.url_filename(values["filename"])

    def static(filename: str) -> Response:
        name, immutable = fingerprints.resolve(filename)
        if not immutable:
            return app.send_static_file(name)
        response = send_from_directory(folder, name, max_age=YEAR)
        response.cache_control.public = True
        response.cache_control.immutable = True
        return response

    # Same endpoint name, so `request.endpoint == "static"` checks (security
    # headers, login) keep working.
    app.view_functions["static"] = static
