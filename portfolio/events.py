"""Recorded events, handed to subscribers only once their transaction commits.

Every change that matters is one domain operation that records an `Activity`
(see `portfolio.activity.trail.record`) in the same transaction as the change.
Other features hear about those events here, in one of two ways:

- `subscribe(handler, *verbs)`: `handler(event)` runs after the transaction
  that recorded the event has committed; an event of a rolled-back transaction
  (or of a rolled-back savepoint) reaches nobody. The handler gets a frozen
  `RecordedEvent` snapshot, never a live ORM object (the session can emit no
  SQL at that point). Use it for work that must never act on a change that
  did not happen, such as waking a delivery worker or bumping a cache.
- `subscribe_in_transaction(handler, *verbs)`: `handler(session, activity)`
  runs inside `record()`, so whatever it adds (an outbox row for a mail or a
  webhook) commits or rolls back together with the event itself.

`SUBSCRIBABLE` lists the events later features may subscribe to; subscribing
to any other verb is a programming error, caught at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from portfolio.models import Activity, Verb

# The events notifications, webhooks, digests, the changelog and the live
# board may listen to. Housekeeping verbs (tokens, webhooks) stay private.
SUBSCRIBABLE: frozenset[Verb] = frozenset(Verb) - {
    Verb.TOKEN_CREATED,
    Verb.TOKEN_REVOKED,
    Verb.BREAK_GLASS_SIGN_IN,
    Verb.WEBHOOK_CREATED,
    Verb.WEBHOOK_EDITED,
    Verb.WEBHOOK_DELETED,
}


@dataclass(frozen=True)
class RecordedEvent:
    """What subscribers receive after commit: the event's ids and words."""

    id: int
    verb: Verb
    actor_id: int | None
    product_id: int | None
    request_id: int | None
    item_id: int | None
    subject: str
    before: str | None
    after: str | None
    created_at: datetime

    @classmethod
    def of(cls, activity: Activity) -> RecordedEvent:
        return cls(
            id=activity.id,
            verb=Verb(activity.verb),
            actor_id=activity.actor_id,
            product_id=activity.product_id,
            request_id=activity.request_id,
            item_id=activity.item_id,
            subject=activity.subject,
            before=activity.before,
            after=activity.after,
            created_at=activity.created_at,
        )


AfterCommitHandler = Callable[[RecordedEvent], None]
InTransactionHandler = Callable[[Session, Activity], None]

_after_commit_handlers: list[tuple[frozenset[Verb], AfterCommitHandler]] = []
_in_transaction_handlers: list[tuple[frozenset[Verb], InTransactionHandler]] = []

_PENDING = "portfolio.pending_events"  # session.info key: [(transaction, event), ...]


def _verbs(verbs: tuple[Verb, ...]) -> frozenset[Verb]:
    chosen = frozenset(verbs) or SUBSCRIBABLE
    private = chosen - SUBSCRIBABLE
    if private:
        raise ValueError(f"not subscribable: {sorted(private)}")
    return chosen


def subscribe(handler: AfterCommitHandler, *verbs: Verb) -> Callable[[], None]:
    """Call `handler(event)` after commit for each event of `verbs` (all
    subscribable ones when none is named). Returns a function that unsubscribes."""
    entry = (_verbs(verbs), handler)
    _after_commit_handlers.append(entry)
    return lambda: _after_commit_handlers.remove(entry)


def subscribe_in_transaction(handler: InTransactionHandler, *verbs: Verb) -> Callable[[], None]:
    """Call `handler(session, activity)` when an event of `verbs` is recorded,
    in the recording transaction. Returns a function that unsubscribes."""
    entry = (_verbs(verbs), handler)
    _in_transaction_handlers.append(entry)
    return lambda: _in_transaction_handlers.remove(entry)


def recorded(session: Session, activity: Activity) -> None:
    """Called by `record()` for every new event, inside its transaction."""
    for verbs, handler in list(_in_transaction_handlers):
        if activity.verb in verbs:
            handler(session, activity)


def _pending(session: Session) -> list[tuple[SessionTransaction | None, RecordedEvent]]:
    return session.info.setdefault(_PENDING, [])


def _after_flush(session: Session, flush_context) -> None:
    new_events = [obj for obj in session.new if isinstance(obj, Activity)]
    if not new_events:
        return
    # Tag each event with the savepoint it was flushed in, if any, so rolling
    # the savepoint back forgets exactly its events.
    savepoint = session.get_nested_transaction()
    _pending(session).extend((savepoint, RecordedEvent.of(event)) for event in new_events)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if previous_transaction.nested:
        session.info[_PENDING] = [
            (savepoint, event)
            for savepoint, event in pending
            if not _within(savepoint, previous_transaction)
        ]
    else:
        pending.clear()


def _within(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    """True when `savepoint` is `rolled_back` or was begun inside it."""
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    events = [event for _, event in session.info.pop(_PENDING, [])]
    for event in events:
        for verbs, handler in list(_after_commit_handlers):
            if event.verb in verbs:
                handler(event)


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_soft_rollback", _after_soft_rollback),
        ("after_commit", _after_commit),
    ):
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)
