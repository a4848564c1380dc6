"""One template, two answers: the full page, or a fragment of it for htmx."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_partial() -> bool:
    """True when htmx asked for a piece of the page rather than the page.

    Boosted links and history restores need the whole document, so they get it.
    """
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(
    template: str, block: str | None = None, *, status: int = 200, **context: Any
) -> Response:
    """Render `template`, or only its `block` when answering an htmx request."""
    if block is not None and is_partial():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(url: str) -> Response:
    """Send the browser to `url`: a plain redirect, or HX-Redirect for htmx."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    response = make_response("", 302)
    response.headers["Location"] = url
    return response


def trigger(response: Response, *events: str) -> Response:
    """Tell other regions of the page that something they show has changed."""
    existing = response.headers.get("HX-Trigger")
    names = ([existing] if existing else []) + list(events)
    response.headers["HX-Trigger"] = ", ".join(names)
    return response
