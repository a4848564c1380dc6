"""Single sign-on through a trusted proxy header (e.g. oauth2-proxy's
X-Forwarded-Email). Off unless SSO_HEADER and SSO_TRUSTED_PROXIES are set;
the header is honoured only on requests that come from one of those proxies,
because anyone else could send it."""

from __future__ import annotations

import ipaddress
import secrets

from flask import abort, current_app, request
from flask_login import current_user, login_user

from portfolio.admin.accounts import create_user
from portfolio.extensions import db
from portfolio.models import Role, User
from portfolio.models.accounts import normalise_email


def peer_address() -> str:
    """The address that connected to us, before any ProxyFix rewriting."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {})
    return original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR", "")


def from_trusted_proxy(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in trusted)


def sign_in_from_trusted_header() -> None:
    header = current_app.config.get("SSO_HEADER")
    trusted = current_app.config.get("SSO_TRUSTED_PROXIES") or ()
    if not header or not trusted or request.endpoint == "static":
        return None
    value = request.headers.get(header, "").strip()
    if not value:
        return None
    if not from_trusted_proxy(peer_address(), trusted):
        current_app.logger.warning(
            "ignored %s header from untrusted address %s", header, peer_address()
        )
        return None
    email = normalise_email(value)
    if current_user.is_authenticated and current_user.email == email:
        return None
    user = db.session.execute(User.by_email(email)).scalar_one_or_none()
    if user is None:
        # Unknown colleagues are provisioned as stakeholders; an admin can change the role.
        name = request.headers.get("X-Forwarded-Preferred-Username") or email.split("@")[0]
        user = create_user(
            db.session,
            email=email,
            display_name=name[:120],
            role=Role.STAKEHOLDER,
            password=secrets.token_urlsafe(32),  # unusable: SSO users never type it
        )
        db.session.commit()
    if not user.active:
        abort(403, "Your Portfolio account is deactivated.")
    login_user(user)
    return None
