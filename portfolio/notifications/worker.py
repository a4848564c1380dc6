"""The delivery worker: `flask --app portfolio deliver [--once]`.

It takes due messages from the outbox one at a time, sends each and records
the try (a `DeliveryAttempt`) in its own transaction, committed right after
the receiver acknowledged, so:

- a worker stopped or killed between two messages loses nothing and repeats
  nothing: what was acknowledged is committed as sent, the rest is waiting;
- a worker killed after the receiver's answer but before the commit sends that
  one message again, with the same idempotency key (Message-ID, webhook-id),
  which the receiver recognises.

A failed try is retried after 1 min × 2^(tries − 1), ±20 % jitter, capped at
6 hours; after `MAX_ATTEMPTS` tries the message is given up (status failed,
the error shown to admins, who may resend it).

PostgreSQL: several workers may run; each claims its message with
`SELECT … FOR UPDATE SKIP LOCKED` and holds that row lock while sending, so
no two send one message. SQLite: one worker (a lock file next to the database
refuses a second); it reads the message, ends the read, sends, then records
in a BEGIN IMMEDIATE transaction, so the web app's writers never wait on the
network.
"""

from __future__ import annotations

import fcntl
import random
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portfolio.database import writing
from portfolio.extensions import db
from portfolio.models import DeliveryAttempt, OutboxMessage, OutboxStatus, Webhook
from portfolio.models.base import utcnow
from portfolio.notifications.senders import Outcome, Parcel, Postman

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
JITTER = 0.2
POLL_SECONDS = 5.0
DETAIL_LIMIT = 1000


def backoff(tries: int, rand: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the `tries`-th failed try."""
    wait = min(FIRST_RETRY * 2 ** (max(tries, 1) - 1), LONGEST_WAIT)
    return wait * (1 - JITTER + 2 * JITTER * rand())


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed


def _locks_rows(session: Session) -> bool:
    return session.get_bind().dialect.name != "sqlite"


def claim(session: Session, now: datetime) -> Parcel | None:
    """The next due message, or None. On PostgreSQL the row stays locked (and
    skipped by other workers) until the caller commits or rolls back."""
    message = session.execute(
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if message is None:
        return None
    webhook = session.get(Webhook, message.webhook_id) if message.webhook_id else None
    return Parcel.of(message, webhook)


def record_outcome(
    session: Session, message: OutboxMessage, outcome: Outcome, now: datetime
) -> OutboxStatus:
    """Write the try and what follows from it: sent, retry later, or given up."""
    message.attempts += 1
    detail = (outcome.detail or "")[:DETAIL_LIMIT] or None
    session.add(
        DeliveryAttempt(
            message=message,
            attempted_at=now,
            ok=outcome.ok,
            status_code=outcome.status_code,
            detail=detail,
        )
    )
    if outcome.ok:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = None
    elif outcome.final or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        message.last_error = detail
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        message.last_error = detail
    return message.status


def deliver_one(
    session: Session, postman: Postman, due_by: datetime, now: datetime | None = None
) -> OutboxStatus | None:
    """Send the next message due by `due_by` and record the try (at `now`, or
    the time it ends). Returns what became of it, or None when none is due."""
    parcel = claim(session, due_by)
    if parcel is None:
        session.rollback()
        return None
    if not _locks_rows(session):
        session.rollback()  # SQLite: no transaction stays open while we wait on the network
    outcome = postman.send(parcel)
    with writing():
        message = session.get(OutboxMessage, parcel.id)
        if message is None:  # deleted meanwhile (its webhook was removed)
            session.rollback()
            return OutboxStatus.FAILED
        status = record_outcome(session, message, outcome, now or utcnow())
        session.commit()
    return status


def deliver_due(
    session: Session,
    postman: Postman,
    now: datetime | None = None,
    *,
    limit: int = 10_000,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Send everything due at `now` (one message per transaction), up to
    `limit`; stops early, between two messages, when `should_stop()`. A failed
    try is rescheduled after `now`, so one call never loops on it. Tests pass
    `now` to step the clock; the worker leaves it to the wall clock."""
    due_by = now or utcnow()
    report = DeliveryReport()
    try:
        for _ in range(limit):
            if should_stop():
                break
            status = deliver_one(session, postman, due_by, now)
            if status is None:
                break
            if status is OutboxStatus.SENT:
                report.sent += 1
            elif status is OutboxStatus.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
    finally:
        postman.close()
    return report


# The command ---------------------------------------------------------------------------


@contextmanager
def single_sqlite_worker(session: Session) -> Iterator[None]:
    """On SQLite, refuse to run beside another worker on the same database."""
    url = session.get_bind().url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield
        return
    lock_path = Path(f"{url.database}.deliver.lock")
    with lock_path.open("a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                f"another `flask deliver` is running on {url.database}; on SQLite run one"
                " worker (several may run on PostgreSQL)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def run_worker(
    session: Session,
    postman: Postman,
    *,
    once: bool = False,
    poll_seconds: float = POLL_SECONDS,
    stop: threading.Event | None = None,
    echo: Callable[[str], None] = click.echo,
) -> DeliveryReport:
    """Deliver until `stop` is set (or, with `once`, until nothing is due)."""
    stop = stop or threading.Event()
    total = DeliveryReport()
    while True:
        try:
            report = deliver_due(session, postman, should_stop=stop.is_set)
        except DBAPIError as error:
            # The database went away (a restart, a failover): nothing was lost,
            # the messages wait in the outbox; look again after the pause.
            if once:
                raise
            echo(f"{utcnow():%Y-%m-%d %H:%M:%S} database unavailable, retrying: {error.orig}")
            report = DeliveryReport()
        finally:
            _close_quietly(session)
        total.sent += report.sent
        total.retrying += report.retrying
        total.failed += report.failed
        if report.handled:
            echo(
                f"{utcnow():%Y-%m-%d %H:%M:%S} sent {report.sent}, will retry"
                f" {report.retrying}, gave up {report.failed}"
            )
        if once or stop.is_set():
            return total
        stop.wait(poll_seconds)
        if stop.is_set():
            return total


def _close_quietly(session: Session) -> None:
    with suppress(DBAPIError):  # a dead connection was already invalidated
        session.close()


@click.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(min=0.5),
    default=POLL_SECONDS,
    show_default=True,
    help="Seconds between two looks at the outbox.",
)
@with_appcontext
def deliver_command(once: bool, poll_seconds: float) -> None:
    """Send queued mail and webhooks, retrying failures (runs until stopped)."""
    stop = threading.Event()
    if not once:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not set: mail is not sent, only shown in the delivery log.")
    with single_sqlite_worker(db.session):
        total = run_worker(
            db.session,
            Postman.from_config(config),
            once=once,
            poll_seconds=poll_seconds,
            stop=stop,
        )
    click.echo(f"Stopped: sent {total.sent}, gave up {total.failed}.")
