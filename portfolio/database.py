"""Engine settings per backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from portfolio.extensions import db

WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Set by `writing()`: work outside a request (the delivery worker, digests)
# that is about to write.
_writing: ContextVar[bool] = ContextVar("portfolio_writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Outside a request, make transactions begun in the block take SQLite's
    write lock when they start (BEGIN IMMEDIATE), as writing requests do: a
    worker then waits its turn behind the web app instead of failing with
    "database is locked". No effect on PostgreSQL."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def end_session_quietly(exception=None) -> None:
    """teardown_appcontext: close the request's session even when the database
    went away mid-request. Closing rolls back; on a dead connection that raises,
    which would turn the clean 503 already sent into a 500. Registered after
    Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in reverse)."""
    try:
        db.session.remove()
    except DBAPIError:
        db.session.registry.clear()  # the dead connection was invalidated; drop the session


def reads_one_snapshot(view: Callable) -> Callable:
    """Mark a page whose queries must all see the database at one instant (a
    card moving between two of its queries must not make the page disagree
    with itself). SQLite's read transactions already do; PostgreSQL's default
    READ COMMITTED gives each statement its own snapshot, so these requests'
    transactions run REPEATABLE READ there."""
    view.reads_one_snapshot = True
    return view


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _postgresql_begin)


def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets readers and one writer
    # work at once; the busy timeout makes a second writer wait, not fail.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _postgresql_begin(connection) -> None:
    if not has_request_context() or request.method != "GET" or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "reads_one_snapshot", False):
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _sqlite_begin(connection) -> None:
    """Requests that may write take the write lock when their transaction
    starts. A deferred transaction that reads and then writes fails at once
    with SQLITE_BUSY if another worker wrote meanwhile, whatever the timeout;
    BEGIN IMMEDIATE waits its turn instead. Reads (and work outside a request,
    such as the CLI, unless inside `writing()`) stay deferred."""
    if _writing.get() or (has_request_context() and request.method in WRITING_METHODS):
        # The driver then sees an open transaction and issues no BEGIN of its own.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
