"""Personal API tokens: `Authorization: Bearer pf_…`. Read-only; a token acts
with its owner's role, ends on its expiry date and dies with the owner's account."""

from __future__ import annotations

from flask import g, jsonify, request

from portfolio.extensions import db
from portfolio.models import ApiToken, hash_token
from portfolio.models.base import utcnow


def problem(status: int, title: str, detail: str):
    """An RFC 9457 problem document."""
    response = jsonify({"status": status, "title": title, "detail": detail})
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
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        token.last_used_at = now  # at most one write per token every five minutes
        db.session.commit()
    g.api_user = token.user
    return None
