"""The changelog page and its Atom feed."""

from __future__ import annotations

from flask import Blueprint, Response, request

from portfolio.auth.feed_tokens import feed_reader
from portfolio.auth.permissions import public, requires
from portfolio.changelog.atom import MIMETYPE, atom_feed
from portfolio.changelog.queries import (
    ChangelogFilters,
    changelog_page,
    filter_choices,
    latest_release_notes,
)
from portfolio.extensions import db
from portfolio.htmx import render
from portfolio.models.base import utcnow

bp = Blueprint("changelog", __name__)


@bp.get("/changelog")
@requires("browse")
def index():
    filters = ChangelogFilters.from_args(request.args)
    return render(
        "changelog/index.html",
        "results",
        page=changelog_page(db.session, filters),
        filters=filters,
        **filter_choices(db.session),
    )


@bp.get("/changelog.atom")
@public  # feed readers have no session: a personal feed token stands in for it
def feed():
    reader = feed_reader(db.session)
    if isinstance(reader, Response):
        return reader
    filters = ChangelogFilters.from_args(request.args)
    body = atom_feed(latest_release_notes(db.session, filters), filters, now=utcnow())
    return Response(body, mimetype=MIMETYPE)
