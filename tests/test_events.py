"""Recorded events reach subscribers only after their transaction commits."""

from __future__ import annotations

import pytest

from portfolio import events
from portfolio.activity.trail import record
from portfolio.extensions import db
from portfolio.models import Activity, Verb


@pytest.fixture
def heard():
    """Events delivered after commit to a subscriber of every subscribable verb."""
    received: list[events.RecordedEvent] = []
    unsubscribe = events.subscribe(received.append)
    yield received
    unsubscribe()


def test_a_committed_event_reaches_its_subscribers_once(app, make, heard):
    pm = make.user("pm")
    product = make.product(name="Ledger")
    entry = record(db.session, pm, Verb.PRODUCT_EDITED, subject="Ledger", product=product)
    db.session.flush()
    assert heard == []  # recorded, not committed: nobody hears yet
    db.session.commit()

    assert [(event.id, event.verb, event.actor_id, event.product_id) for event in heard] == [
        (entry.id, Verb.PRODUCT_EDITED, pm.id, product.id)
    ]
    db.session.commit()  # a later commit does not hand it out again
    assert len(heard) == 1


def test_an_event_of_a_rolled_back_transaction_reaches_no_subscriber(app, make, heard):
    pm = make.user("pm")
    record(db.session, pm, Verb.PRODUCT_EDITED, subject="Gone")
    db.session.flush()
    db.session.rollback()
    db.session.commit()

    assert heard == []
    assert db.session.execute(db.select(Activity)).scalars().all() == []


def test_an_event_of_a_rolled_back_savepoint_is_forgotten_and_the_rest_delivered(app, make, heard):
    pm = make.user("pm")
    record(db.session, pm, Verb.PRODUCT_CREATED, subject="Kept")
    savepoint = db.session.begin_nested()
    record(db.session, pm, Verb.PRODUCT_EDITED, subject="Undone")
    db.session.flush()
    savepoint.rollback()
    with db.session.begin_nested():  # a savepoint that is released keeps its events
        record(db.session, pm, Verb.PRODUCT_STAGE_CHANGED, subject="Released")
    db.session.commit()

    assert [(event.verb, event.subject) for event in heard] == [
        (Verb.PRODUCT_CREATED, "Kept"),
        (Verb.PRODUCT_STAGE_CHANGED, "Released"),
    ]


def test_subscribers_hear_only_the_verbs_they_asked_for(app, make):
    shipped: list[events.RecordedEvent] = []
    unsubscribe = events.subscribe(shipped.append, Verb.ITEM_SHIPPED)
    try:
        pm = make.user("pm")
        record(db.session, pm, Verb.PRODUCT_EDITED, subject="Not this")
        record(db.session, pm, Verb.ITEM_SHIPPED, subject="This")
        db.session.commit()
    finally:
        unsubscribe()
    assert [event.subject for event in shipped] == ["This"]


def test_in_transaction_subscribers_write_with_the_event_and_roll_back_with_it(app, make):
    """An outbox row added by an in-transaction subscriber shares the event's fate."""
    pm = make.user("pm")

    def write_echo(session, activity):
        if activity.verb is Verb.PRODUCT_CREATED:
            session.add(Activity(actor=pm, verb=Verb.PRODUCT_EDITED, subject="echo"))

    unsubscribe = events.subscribe_in_transaction(write_echo, Verb.PRODUCT_CREATED)
    try:
        record(db.session, pm, Verb.PRODUCT_CREATED, subject="Rolled back")
        db.session.rollback()
        record(db.session, pm, Verb.PRODUCT_CREATED, subject="Committed")
        db.session.commit()
    finally:
        unsubscribe()
    subjects = db.session.execute(db.select(Activity.subject).order_by(Activity.id)).scalars()
    assert list(subjects) == ["Committed", "echo"]


def test_private_verbs_cannot_be_subscribed_to():
    with pytest.raises(ValueError, match="not subscribable"):
        events.subscribe(lambda event: None, Verb.TOKEN_CREATED)
    assert Verb.TOKEN_CREATED not in events.SUBSCRIBABLE
    assert Verb.ITEM_SHIPPED in events.SUBSCRIBABLE


def test_every_verb_reads_as_a_phrase():
    for verb in Verb:
        assert verb.label and verb.label != verb.value, verb


def test_an_unknown_verb_is_refused_by_record(app, make):
    with pytest.raises(ValueError):
        record(db.session, make.user("pm"), "card_teleported", subject="x")
