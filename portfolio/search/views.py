"""/search: the results page, and the header box's suggestions (htmx)."""

from __future__ import annotations

from flask import Blueprint, request

from portfolio.auth.permissions import requires
from portfolio.extensions import db
from portfolio.htmx import is_partial, render
from portfolio.search.queries import SearchArgs, page_param, results, snippet, suggestions

bp = Blueprint("search", __name__)
bp.add_app_template_global(snippet, "search_snippet")


@bp.get("/search")
@requires("browse")
def index():
    args = SearchArgs.from_args(request.args)
    # The header box asks with `box=1` (hx-vals): its listbox's options, a
    # few of each kind. Everyone else gets the page, or its results for htmx.
    if request.args.get("box") and is_partial():
        return render(
            "search/_header_box.html",
            "suggestions",
            box_q=args.q,
            box_groups=suggestions(db.session, args.q),
        )
    return render(
        "search/index.html",
        "results",
        args=args,
        groups=results(db.session, args),
        page_param=page_param,
    )
