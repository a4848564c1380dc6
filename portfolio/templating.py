"""What every template can use: navigation, formatting filters, is_partial()."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from portfolio.htmx import is_partial

# endpoint, label, capability needed to see the link
NAVIGATION = [
    ("catalogue.index", "Catalogue", "browse"),
    ("catalogue.departments.index", "Departments", "browse"),
    ("requests.index", "Requests", "browse"),
    ("board.index", "Board", "browse"),
    ("changelog.index", "Changelog", "browse"),
    ("activity.index", "What changed", "browse"),
    ("dashboard.index", "Dashboard", "view_dashboard"),
    ("admin.users", "Admin", "manage_users"),
]


def navigation_for_current_user() -> list[tuple[str, str, bool]]:
    """(endpoint, label, is_current) for the links the signed-in user may follow.

    The current link is the one whose blueprint is the nearest of the page's: a
    nested blueprint without a link of its own (catalogue.measures) counts as its
    parent's area, one with a link (catalogue.departments) as its own.
    """
    links = [(endpoint, label) for endpoint, label, need in NAVIGATION if current_user.can(need)]
    areas = {endpoint.rpartition(".")[0] for endpoint, _ in links}
    here = next((name for name in request.blueprints if name in areas), None)
    return [(endpoint, label, endpoint.rpartition(".")[0] == here) for endpoint, label in links]


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d %b %Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d %b %Y, %H:%M UTC")


def format_number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def page_url(endpoint: str, args: dict[str, Any], page: int, param: str = "page") -> str:
    """The URL of page `page` of a list, keeping its other query arguments;
    `param` names the page argument (a page with two paged lists has two)."""
    return url_for(endpoint, **{**args, param: page})


def register(app: Flask) -> None:
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["is_partial"] = is_partial
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def layout_context():
        return {
            "navigation": navigation_for_current_user,
            "demo_mode": app.config["DEMO"],
            "currency": app.config.get("CURRENCY", "EUR"),
        }
