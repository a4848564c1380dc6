"""The changelog as an Atom 1.0 document (RFC 4287).

Built with xml.etree, so every text and attribute is escaped and the document
is well-formed whatever people typed; links are absolute (`external_url`), as
a feed reader has no page to resolve them against.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time

from flask import render_template

from portfolio.changelog.queries import ChangelogFilters, ReleaseNote
from portfolio.urls import external_url

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
MIMETYPE = "application/atom+xml"
TITLE = "Portfolio changelog"

# Characters XML 1.0 cannot carry at all, not even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def timestamp(value: date | datetime) -> str:
    """RFC 3339, as Atom wants: a day is its midnight, UTC."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min, UTC)
    return value.astimezone(UTC).isoformat()


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_feed(notes: list[ReleaseNote], filters: ChangelogFilters, *, now: datetime) -> bytes:
    """The feed of `notes` (newest first), as filtered by `filters`; `now` is
    its date only when it has no entry."""
    args = filters.to_args(page=None)
    # The feed's own address, never with the reader's token in it.
    feed_url = external_url("changelog.feed", **args)
    feed = ET.Element("feed", xmlns=ATOM_NAMESPACE)
    _add(feed, "id", feed_url)
    _add(feed, "title", TITLE)
    _add(feed, "subtitle", "What shipped, and the requests it answered.")
    _add(feed, "updated", timestamp(max((n.item.shipped_on for n in notes), default=now)))
    _add(feed, "link", rel="self", type=MIMETYPE, href=feed_url)
    _add(
        feed,
        "link",
        rel="alternate",
        type="text/html",
        href=external_url("changelog.index", **args),
    )
    _add(_add(feed, "author"), "name", "Portfolio")
    for note in notes:
        item = note.item
        item_url = external_url("board.show", item_id=item.id)
        entry = _add(feed, "entry")
        _add(entry, "id", item_url)
        _add(entry, "title", f"{item.product.name}: {item.title}")
        _add(entry, "published", timestamp(item.shipped_on))
        _add(entry, "updated", timestamp(item.shipped_on))
        _add(entry, "link", rel="alternate", type="text/html", href=item_url)
        _add(entry, "category", term=item.product.slug, label=item.product.name)
        for department in note.departments:
            _add(entry, "category", term=f"department-{department.id}", label=department.name)
        content = render_template("changelog/_feed_content.html", note=note, link=external_url)
        _add(entry, "content", content, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
