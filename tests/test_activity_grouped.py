"""The trail in brief (portfolio.activity.grouped): one line per actor and
verb, phrased with a count and a proper plural."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portfolio.activity.grouped import COUNTED, counted, group_feed
from portfolio.activity.trail import ADMINISTRATION_VERBS
from portfolio.models import Verb


def person(id_: int, name: str):
    return SimpleNamespace(id=id_, display_name=name)


def product(id_: int):
    return SimpleNamespace(id=id_, name=f"Product {id_}", slug=f"product-{id_}")


def event(actor, verb, product_=None, subject="Sales CRM"):
    return SimpleNamespace(
        actor=actor,
        actor_id=actor.id if actor else None,
        verb=verb,
        product=product_,
        subject=subject,
    )


PRIYA, MARCO = person(1, "Priya Patel"), person(2, "Marco Bianchi")


@pytest.mark.parametrize(
    "verb, count, text",
    [
        (Verb.READING_RECORDED, 21, "recorded 21 readings"),
        (Verb.COMMENT_POSTED, 2, "posted 2 comments"),
        (Verb.CARD_MOVED, 3, "moved 3 cards"),
        (Verb.REQUEST_STATUS_CHANGED, 4, "changed the status of 4 requests"),
        (Verb.MEASURE_SLIPPED, 2, "saw 2 measures slip"),
        (Verb.WIP_LIMITS_CHANGED, 3, "changed the WIP limits of (3 times)"),  # no plural
        (Verb.READING_RECORDED, 1, "recorded a reading for"),
    ],
)
def test_a_count_is_phrased_with_its_plural(verb, count, text):
    assert counted(verb, count) == text


def test_every_product_verb_has_a_plural_or_is_named_as_a_fallback():
    without = {verb for verb in Verb if verb not in COUNTED} - ADMINISTRATION_VERBS
    assert without == {Verb.WIP_LIMITS_CHANGED}
    assert all("{n}" in phrase for phrase in COUNTED.values())


def test_repeated_events_of_one_actor_and_verb_make_one_line():
    products = [product(n) for n in range(6)]
    entries = [event(PRIYA, Verb.READING_RECORDED, products[n % 6]) for n in range(10)]
    entries.insert(3, event(MARCO, Verb.CARD_MOVED, products[0]))
    entries += [event(PRIYA, Verb.READING_RECORDED, products[n % 6]) for n in range(11)]
    entries.append(event(MARCO, Verb.CARD_MOVED, products[0]))
    entries.append(event(None, Verb.RENEWAL_DUE, products[2]))
    lines = group_feed(entries)
    assert [line.summary for line in lines] == [
        "Priya Patel recorded 21 readings across 6 products",
        "Marco Bianchi moved 2 cards in Product 0",
        "Someone noted the coming renewal of Sales CRM",
    ]
    assert [line.count for line in lines] == [21, 2, 1]
    assert lines[0].newest is entries[0]


def test_the_lines_are_bounded_and_say_how_many_there_are():
    entries = [event(person(n, f"P{n}"), Verb.COMMENT_POSTED) for n in range(12)]
    lines = group_feed(entries, limit=5)
    assert (len(lines), lines.total, lines.more) == (5, 12, 7)
    assert lines[0].summary == "P0 commented on Sales CRM"  # one event reads as the trail
