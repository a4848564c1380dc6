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
    ("requests.index", "Requests", "browse"),
    ("board.index", "Board", "browse"),
    ("changelog.index", "Changelog", "browse"),
    ("dashboard.index", "Dashboard", "view_dashboard"),
    ("admin.users", "Admin", "manage_users"),
]


def navigation_for_current_user() -> list[tuple[str, str, bool]]:
    """(endpoint, label, is_current) for the links the signed-in user may follow."""
    # A nested blueprint (catalogue.departments) counts as its parent's area too.
    here = request.blueprints
    return [
        (endpoint, label, endpoint.split(".")[0] in here)
        for endpoint, label, capability in NAVIGATION
        if current_user.can(capability)
    ]


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
