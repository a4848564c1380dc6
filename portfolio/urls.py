"""Absolute URLs for readers outside the browser: API clients, feed readers."""

from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL: from PORTFOLIO_BASE_URL when set, never from a Host
    header nobody vouched for (PORTFOLIO_TRUSTED_HOSTS checks it)."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
