"""Absolute links, for whoever reads them outside the app: API clients, mail,
webhooks and feed readers."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

# Where links point when neither PORTFOLIO_BASE_URL nor a request says: the
# address `make run` serves. Production sets PORTFOLIO_BASE_URL.
FALLBACK_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """An absolute URL: from PORTFOLIO_BASE_URL when set, never from a Host
    header nobody vouched for (PORTFOLIO_TRUSTED_HOSTS checks it); outside a
    request (the worker, the digests) from PORTFOLIO_BASE_URL or the fallback."""
    base = current_app.config.get("BASE_URL")
    if has_request_context():
        if base:
            return base + url_for(endpoint, **values)
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return (base or FALLBACK_BASE_URL) + path
