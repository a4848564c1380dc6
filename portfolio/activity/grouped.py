"""The trail in brief: repeated events collapse into one line.

Within a window (the dashboard's last 7 days), every event of one actor with
one verb becomes one line, placed where the newest of them was: "Priya Patel
recorded 21 readings across 6 products". A line of one event reads as the
trail does. `COUNTED` phrases a verb with a count, with proper plurals; a verb
not in it falls back to "<label> (n times)"."""

from __future__ import annotations

from dataclasses import dataclass, field

from portfolio.models import Activity, Product, Verb
from portfolio.queries import Top

FEED_LINES = 8  # lines the dashboard shows
FEED_ENTRIES = 300  # events read to build them

# Verb → the phrase for n events ("{n}" is the count, 2 or more).
COUNTED: dict[Verb, str] = {
    Verb.PRODUCT_CREATED: "added {n} products",
    Verb.PRODUCT_EDITED: "edited {n} products",
    Verb.PRODUCT_STAGE_CHANGED: "changed the stage of {n} products",
    Verb.PRODUCT_RETIRED: "retired {n} products",
    Verb.PRODUCT_DELETED: "deleted {n} products",
    Verb.VALUE_PROPOSITION_SAVED: "edited {n} value propositions",
    Verb.CONTRACT_SAVED: "updated {n} contracts",
    Verb.USAGE_ADDED: "added {n} departments using a product",
    Verb.USAGE_REMOVED: "removed {n} departments using a product",
    Verb.STAKEHOLDER_ADDED: "added {n} stakeholders",
    Verb.STAKEHOLDER_REMOVED: "removed {n} stakeholders",
    Verb.MEASURE_CREATED: "added {n} success measures",
    Verb.MEASURE_EDITED: "edited {n} success measures",
    Verb.READING_RECORDED: "recorded {n} readings",
    Verb.READING_CORRECTED: "corrected {n} readings",
    Verb.READING_DELETED: "deleted {n} readings",
    Verb.MEASURE_SLIPPED: "saw {n} measures slip",
    Verb.RENEWAL_DUE: "noted {n} coming renewals",
    Verb.DEPARTMENT_CREATED: "added {n} departments",
    Verb.DEPARTMENT_EDITED: "edited {n} departments",
    Verb.CATALOGUE_IMPORTED: "imported the catalogue {n} times",
    Verb.DEPENDENCY_ADDED: "added {n} dependencies",
    Verb.DEPENDENCY_REMOVED: "removed {n} dependencies",
    Verb.INTERFACE_ADDED: "added {n} interfaces",
    Verb.INTERFACE_EDITED: "edited {n} interfaces",
    Verb.INTERFACE_REMOVED: "removed {n} interfaces",
    Verb.CAPABILITY_CREATED: "added {n} capabilities",
    Verb.CAPABILITY_EDITED: "edited {n} capabilities",
    Verb.CAPABILITY_DELETED: "deleted {n} capabilities",
    Verb.CAPABILITIES_MAPPED: "changed the capabilities of {n} products",
    Verb.FIT_ASSESSED: "assessed the fit of {n} products",
    Verb.LIFECYCLE_DATES_SAVED: "updated the lifecycle dates of {n} products",
    Verb.RUN_COST_SAVED: "updated the run cost of {n} products",
    Verb.PRODUCT_REVIEWED: "confirmed {n} products as accurate",
    Verb.REQUEST_CREATED: "raised {n} requests",
    Verb.REQUEST_STATUS_CHANGED: "changed the status of {n} requests",
    Verb.REQUEST_MERGED: "merged {n} duplicates",
    Verb.REQUEST_PROMOTED: "promoted {n} requests to the roadmap",
    Verb.COMMENT_POSTED: "posted {n} comments",
    Verb.COMMENT_EDITED: "edited {n} comments",
    Verb.COMMENT_REMOVED: "removed {n} comments",
    Verb.ITEM_CREATED: "added {n} roadmap items",
    Verb.ITEM_EDITED: "edited {n} roadmap items",
    Verb.CARD_MOVED: "moved {n} cards",
    Verb.ITEM_SHIPPED: "shipped {n} items",
    Verb.ITEM_REOPENED: "reopened {n} items",
    Verb.COLUMN_ORDERED: "ordered {n} columns",
}


def counted(verb: Verb, count: int) -> str:
    """'recorded 21 readings'; a verb without a plural: '<label> (21 times)';
    one event: the trail's own phrase ('recorded a reading for')."""
    verb = Verb(verb)
    if count == 1:
        return verb.label
    phrase = COUNTED.get(verb)
    return phrase.format(n=count) if phrase else f"{verb.label} ({count} times)"


@dataclass
class FeedLine:
    """The events of one actor and verb in the window, newest first."""

    entries: list[Activity]
    products: list[Product] = field(default_factory=list)  # in order of first mention

    @property
    def newest(self) -> Activity:
        return self.entries[0]

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def actor_name(self) -> str:
        actor = self.newest.actor
        return actor.display_name if actor else "Someone"

    @property
    def phrase(self) -> str:
        """What the actor did, without the actor and the products."""
        return counted(self.newest.verb, self.count)

    @property
    def summary(self) -> str:
        """The line as plain text: 'Priya Patel recorded 21 readings across 6 products'."""
        if self.count == 1:
            return f"{self.actor_name} {self.phrase} {self.newest.subject}"
        text = f"{self.actor_name} {self.phrase}"
        if len(self.products) > 1:
            return f"{text} across {len(self.products)} products"
        if self.products:
            return f"{text} in {self.products[0].name}"
        return text


def group_feed(entries: list[Activity], limit: int | None = FEED_LINES) -> Top:
    """`entries` (newest first) as lines, one per actor and verb, in the order
    of each line's newest event; the first `limit` lines and how many there are."""
    lines: dict[tuple[int | None, str], FeedLine] = {}
    for entry in entries:
        line = lines.setdefault((entry.actor_id, Verb(entry.verb).value), FeedLine([]))
        line.entries.append(entry)
        if entry.product is not None and all(p.id != entry.product.id for p in line.products):
            line.products.append(entry.product)
    grouped = list(lines.values())
    return Top(grouped if limit is None else grouped[:limit], len(grouped))
