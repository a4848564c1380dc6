"""The one way to guard a view: @requires(capability), or @public to opt out."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from portfolio.extensions import login_manager
from portfolio.models import CAPABILITIES

View = TypeVar("View", bound=Callable)


def public(view: View) -> View:
    """Mark a view as open to anonymous visitors (login page, health check)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def requires(capability: str) -> Callable[[View], View]:
    """Allow the view only to signed-in users whose role has `capability`."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(capability):
                abort(403)
            return view(*args, **kwargs)

        guarded.capability = capability  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorator


def require_login_everywhere() -> None:
    """before_request hook: every endpoint needs a signed-in user unless @public."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
