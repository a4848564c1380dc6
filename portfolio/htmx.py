"""One template, two answers: the full page, or a fragment of it for htmx.

This is the only module that knows about HX-* headers. Views answer with:

- `render(template, block)` — the page, or only `block` of it for htmx;
- `render_blocks(template, [primary, *out_of_band])` — several blocks of one
  template in one answer (the later ones carry `hx-swap-oob`);
- `inline_form_answer(...)` — a form embedded in a page (usage, readings,
  stakeholders, survey…): htmx gets the block with its status; without
  JavaScript success flashes and redirects to the section, failure shows the
  whole page again with the errors (422);
- `retarget(response, target, swap)` — swap somewhere other than the target
  the request named (a conflict redraws the whole board, for instance);
- `hx_redirect(url)` — leave the page, for htmx and plain requests alike;
- `trigger(response, event, detail)` — have htmx fire an event in the page
  (static/js/app.js listens for the few we send).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Response, flash, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block
from jinja2_fragments.flask import render_blocks as render_named_blocks


def is_htmx() -> bool:
    """The request came from htmx (whatever it asked for)."""
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """True when htmx asked for a piece of the page rather than the page.

    Boosted links and history restores need the whole document, so they get it.
    """
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def _answer(body: str, status: int) -> Response:
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render(
    template: str, block: str | None = None, *, status: int = 200, **context: Any
) -> Response:
    """Render `template`, or only its `block` when answering an htmx request."""
    if block is not None and is_partial():
        return _answer(render_block(template, block, **context), status)
    return _answer(render_template(template, **context), status)


def render_fragment(template: str, *, status: int = 200, **context: Any) -> Response:
    """A partial template (`_thing.html`) on its own, for an htmx answer."""
    return _answer(render_template(template, **context), status)


def render_blocks(
    template: str, blocks: Iterable[str], *, status: int = 200, **context: Any
) -> Response:
    """Several blocks of `template` in one answer: the first is swapped into the
    target, the others swap themselves out of band (`hx-swap-oob`)."""
    return _answer(render_named_blocks(template, list(blocks), **context), status)


def inline_form_answer(
    saved: bool,
    *,
    template: str,
    block: str,
    fragment: Callable[[], dict[str, Any]],
    page: Callable[[], dict[str, Any]],
    redirect_to: str,
    message: str | None = None,
    failure_status: int = 422,
) -> Response:
    """The answer to a form that lives inside a page section.

    `fragment()` builds only what `block` shows; `page()` the whole page's
    context, needed only when a plain (non-htmx) submission failed."""
    if is_partial():
        return render(template, block, status=200 if saved else failure_status, **fragment())
    if saved:
        if message:
            flash(message, "success")
        return redirect(redirect_to)
    return render(template, status=failure_status, **page())


def retarget(response: Response, target: str, swap: str = "outerHTML") -> Response:
    """Swap the answer into `target` (a CSS selector) with `swap`, whatever the
    request targeted. Set directly: htmx-flask's swap list rejects `afterbegin`."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = swap
    return response


def reswap(response: Response, swap: str) -> Response:
    """Change how the answer is swapped into the request's own target."""
    response.headers["HX-Reswap"] = swap
    return response


def hx_redirect(url: str) -> Response:
    """Send the browser to `url`: a plain redirect, or HX-Redirect for htmx."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def trigger(response: Response, event: str, detail: dict[str, Any] | None = None) -> Response:
    """Have htmx fire `event` (its `detail` as the event's detail) once the
    answer arrives."""
    response.headers["HX-Trigger"] = json.dumps({event: detail or {}})
    return response
