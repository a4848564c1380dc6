"""The site revision, and pages that answer 304 Not Modified while it stands.

Every transaction that writes a row a page can show bumps one counter
(`site_revision`) just before it commits, in the same transaction: so the
revision moves exactly when what is committed moves, whichever code wrote it
(a move, an edit, a vote, a duplicate merge, a comment, a reading, an import).
Writes no page shows (the delivery worker's outbox, token last-use times) do
not bump it, or every mail sent would make every page stale.

`conditional_page` turns the revision into an ETag, varied by the viewer, the
URL, the htmx headers and the code that draws the page; a browser (or the live
board's poll) that sends it back in If-None-Match gets an empty 304 for the
cost of two small queries. The counter lives in the database, so several
gunicorn workers and several app machines agree on it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import date
from functools import lru_cache, wraps
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from flask import Response, current_app, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from portfolio.extensions import db
from portfolio.models import SITE_REVISION_ID, SiteRevision

# Tables whose writes change no page that answers conditionally.
UNSEEN_TABLES = frozenset(
    {"site_revision", "outbox_message", "delivery_attempt", "digest_run", "api_token"}
)
_WROTE = "portfolio_wrote_shown_rows"
ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
PER_REVISION_NAMES = 512  # values per_revision keeps in a process


def current_revision(session: Session) -> int:
    """The revision now (0 before the first write of a new database)."""
    value = session.execute(
        sa.select(SiteRevision.value).where(SiteRevision.id == SITE_REVISION_ID)
    ).scalar_one_or_none()
    return value or 0


def per_revision(session: Session, name: str, compute: Callable[[], T]) -> T:
    """`compute()` at most once per site revision in this process: for rollups
    that must pass over every row (demand per product and department), which
    then cost one pass per change rather than one per view. The revision is read
    in the same transaction as the rows, so the value always matches the data
    the rest of the page reads. `compute` must return plain values, never ORM
    objects (they would outlive their session). One value is kept per name,
    and at most PER_REVISION_NAMES names."""
    revision = current_revision(session)
    store: dict[str, tuple[int, object]] = current_app.extensions.setdefault(
        "portfolio_per_revision", {}
    )
    kept = store.get(name)
    if kept is not None and kept[0] == revision:
        return kept[1]  # type: ignore[return-value]
    value = compute()
    if len(store) >= PER_REVISION_NAMES:  # names carry filters: keep the store bounded
        store.clear()
    store[name] = (revision, value)
    return value


def bump(session: Session) -> None:
    """Move the revision on: one UPDATE, atomic under concurrent writers."""
    updated = session.execute(
        sa.update(SiteRevision)
        .where(SiteRevision.id == SITE_REVISION_ID)
        .values(value=SiteRevision.value + 1)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount == 0:  # a database made by create_all (tests) has no row yet
        session.add(SiteRevision(id=SITE_REVISION_ID, value=1))
        session.flush()


def _shown(table: sa.Table | None) -> bool:
    return table is None or table.name not in UNSEEN_TABLES


def _pending_shown_rows(session: Session) -> bool:
    """Whether the session holds unflushed changes to rows a page shows."""
    return any(
        _shown(getattr(obj, "__table__", None))
        for obj in (*session.new, *session.dirty, *session.deleted)
    )


def _note_flush(session: Session, flush_context: UOWTransaction, instances) -> None:
    if _pending_shown_rows(session):
        session.info[_WROTE] = True


def _note_statement(state) -> None:
    """Bulk UPDATE / DELETE / INSERT statements through the ORM. (The app writes
    no plain SQL; migrations and their tests do, on schemas that may predate
    the revision table.)"""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if _shown(table if isinstance(table, sa.Table) else None):
            state.session.info[_WROTE] = True


def _bump_before_commit(session: Session) -> None:
    if session.info.get(_WROTE) or _pending_shown_rows(session):
        session.info.pop(_WROTE, None)
        bump(session)


def _forget(session: Session, *args) -> None:
    session.info.pop(_WROTE, None)


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    for name, listener in (
        ("before_flush", _note_flush),
        ("do_orm_execute", _note_statement),
        ("before_commit", _bump_before_commit),
        ("after_commit", _forget),
        ("after_rollback", _forget),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The code and templates this process draws pages with: a deployment
    changes every ETag even though the data did not move."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in ("portfolio", "templates", "static"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns};".encode()
                )
    digest.update(os.environ.get("PORTFOLIO_RELEASE", "").encode())
    return digest.hexdigest()


# Settings a page shows or draws with: changing one (and restarting) must
# change every ETag, as a deployment does.
PAGE_SETTINGS = ("FTE_YEARLY_RATE", "BOARD_POLL_SECONDS", "DEMO", "LOCAL_LOGIN", "OIDC_NAME")


def settings_fingerprint() -> str:
    return repr([(name, current_app.config.get(name)) for name in PAGE_SETTINGS])


def page_etag(
    revision: int,
    path: str | None = None,
    args: list[tuple[str, str]] | None = None,
    htmx: tuple[str, str] | None = None,
) -> str:
    """What a conditional page depends on besides the data: who looks (their
    account, hence role, theme and bell; and their session's CSRF secret, which
    the page embeds), the address with its filters, htmx's partial requests
    (HX-Request, HX-Target), the day, the code and the settings pages draw
    with. By default those of the
    current request; a page that polls itself (the live board) passes those of
    its poll to know the tag the poll will be answered with."""
    viewer = current_user.get_id() if current_user.is_authenticated else "-"
    generate_csrf()  # a new session gets its CSRF secret now, not while the page is drawn
    if htmx is None:
        htmx = (request.headers.get("HX-Request", ""), request.headers.get("HX-Target", ""))
    parts = (
        revision,
        viewer,
        session.get("csrf_token", ""),
        path if path is not None else request.path,
        sorted(args if args is not None else request.args.items(multi=True)),
        htmx,
        date.today().isoformat(),  # "too early", "overdue" and ages move with the day
        code_fingerprint(),
        settings_fingerprint(),  # e.g. the FTE rate behind every run cost shown
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def if_none_match(etag: str) -> str:
    """The If-None-Match header a poll sends for a page tagged `etag`."""
    return f'W/"{etag}"'


def page_revision() -> int:
    """The revision the current page is drawn at: the one its ETag was made
    from, or (a page drawn after a write) the one now."""
    if "page_revision" not in g:
        g.page_revision = current_revision(db.session)
    return g.page_revision


def conditional_page(view: Callable) -> Callable:
    """A GET page that answers 304 while nothing it shows has changed. The
    browser keeps the page privately and asks each time (no-cache), so a
    change is never missed; a page with a flashed message is drawn afresh."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET" or session.get("_flashes"):
            return view(*args, **kwargs)
        # Read before drawing: a write while the page is drawn makes the next
        # ask redraw it, never the other way round.
        g.page_revision = current_revision(db.session)
        etag = page_etag(g.page_revision)
        # Weak: compression changes the bytes, not what the page says.
        if request.if_none_match.contains_weak(etag):
            answer = Response(status=304)
        else:
            answer = make_response(view(*args, **kwargs))
            if answer.status_code != 200:
                return answer
        answer.set_etag(etag, weak=True)
        answer.headers["Cache-Control"] = "private, no-cache"
        return answer

    return wrapper
