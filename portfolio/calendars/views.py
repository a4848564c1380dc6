"""The personal calendar feed (`/calendar.ics?token=…`): what `calendars/events.py`
lists for the reader, as iCalendar."""

from __future__ import annotations

from flask import Blueprint, Response

from portfolio.auth.feed_tokens import feed_reader
from portfolio.auth.permissions import public
from portfolio.calendars.events import MIMETYPE, calendar_events, ical_document
from portfolio.extensions import db
from portfolio.models.base import utcnow

bp = Blueprint("calendars", __name__)


@bp.get("/calendar.ics")
@public  # calendar apps have no session: a personal feed token stands in for it
def feed():
    reader = feed_reader(db.session)
    if isinstance(reader, Response):
        return reader
    now = utcnow()
    body = ical_document(calendar_events(db.session, reader, now.date()), now=now)
    return Response(body, content_type=MIMETYPE)
