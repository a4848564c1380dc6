"""The changelog page and its Atom feed."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, request
from flask_login import current_user

from portfolio.auth.feed_tokens import feed_token_owner
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
    refused = refuse_feed_reader()
    if refused is not None:
        return refused
    filters = ChangelogFilters.from_args(request.args)
    body = atom_feed(latest_release_notes(db.session, filters), filters, now=utcnow())
    return Response(body, mimetype=MIMETYPE)


def refuse_feed_reader() -> Response | None:
    """None when the reader may read the feed: a signed-in session, or a valid
    feed token (`?token=…`, or `Authorization: Bearer …`) of an active account."""
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    secret = request.args.get("token") or (bearer if scheme.lower() == "bearer" else None)
    if secret is None:
        if current_user.is_authenticated:
            return None
        return plain_refusal(401, "Sign in, or use the feed link from your account page.")
    owner = feed_token_owner(db.session, secret)
    if owner is None:
        return plain_refusal(401, "This feed link is not valid (it may have been replaced).")
    if not owner.can("browse"):
        return plain_refusal(403, "This feed link's account has been deactivated.")
    return None


def plain_refusal(status: int, message: str) -> Response:
    """A short text answer: a feed reader shows it as it is."""
    response = make_response(message + "\n", status)
    response.mimetype = "text/plain"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="portfolio-feed"'
    return response
