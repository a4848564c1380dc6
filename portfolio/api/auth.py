"""Personal API tokens: `Authorization: Bearer pf_…`. A token acts with its
owner's role, within its scopes (every operation names the scope it needs:
read unless `@needs_scope` says otherwise), ends on its expiry date and dies
with the owner's account."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, jsonify, request

from portfolio.extensions import db
from portfolio.models import ApiToken, TokenScope, hash_token
from portfolio.models.base import utcnow

View = TypeVar("View", bound=Callable)


def needs_scope(scope: TokenScope) -> Callable[[View], View]:
    """Mark an API view as needing `scope` of the token (read by default)."""

    def decorator(view: View) -> View:
        view.scope = scope  # type: ignore[attr-defined]
        return view

    return decorator


def required_scope() -> TokenScope:
    """The scope the requested operation needs (read for an unknown one: its 404 or 405)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "scope", TokenScope.READ)


def problem(status: int, title: str, detail: str, **extra):
    """An RFC 9457 problem document (`extra`: members of its own, such as `errors`)."""
    response = jsonify({"status": status, "title": title, "detail": detail, **extra})
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="portfolio"'
    return response


def authenticate():
    """before_request for the API: find the token's user, or answer 401/403."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return problem(
            401, "Unauthorized", "Send a personal API token: Authorization: Bearer <token>."
        )
    token = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == hash_token(secret.strip()))
    ).scalar_one_or_none()
    if token is None:
        return problem(401, "Unauthorized", "This token is not valid.")
    if token.revoked_at is None and token.expired:
        return problem(
            401,
            "Unauthorized",
            f"This token expired on {token.expires_at:%Y-%m-%d}; create a new one on your"
            " account page.",
        )
    if not token.active or not token.user.active:
        return problem(403, "Forbidden", "This token has been revoked or its account deactivated.")
    if not token.user.can("browse"):
        return problem(403, "Forbidden", "This token's account may not read Portfolio.")
    scope = required_scope()
    if not token.has_scope(scope):
        return problem(
            403,
            "Forbidden",
            f"This token lacks the {scope.value} scope that this operation needs; create a"
            " token with it on your account page.",
            missing_scope=scope.value,
        )
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        token.last_used_at = now  # at most one write per token every five minutes
        db.session.commit()
    g.api_user = token.user
    return None
