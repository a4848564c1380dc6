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
from portfolio.models.accounts import is_email_address, normalise_email


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


def header_email(raw: str) -> str | None:
    """The one email address in a header value, or None.

    WSGI hands header values over as latin-1; a proxy sends UTF-8, so decode
    them again (an address with é must not become Ã©)."""
    try:
        value = raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return None
    return normalise_email(value) if is_email_address(value) else None


def header_text(raw: str) -> str:
    """A UTF-8 header value as text (empty when it is not valid UTF-8)."""
    try:
        return raw.encode("latin-1").decode("utf-8").strip()
    except UnicodeError:
        return ""


def sign_in_from_trusted_header() -> None:
    header = current_app.config.get("SSO_HEADER")
    trusted = current_app.config.get("SSO_TRUSTED_PROXIES") or ()
    if not header or not trusted or request.endpoint == "static":
        return None
    raw = request.headers.get(header, "").strip()
    if not raw:
        return None
    if not from_trusted_proxy(peer_address(), trusted):
        current_app.logger.warning(
            "ignored %s header from untrusted address %s", header, peer_address()
        )
        return None
    email = header_email(raw)
    if email is None:
        current_app.logger.warning("refused %s header %r: not one email address", header, raw[:300])
        abort(403, "The sign-in proxy sent no valid email address; ask IT to check it.")
    if current_user.is_authenticated and current_user.email == email:
        return None
    user = db.session.execute(User.by_email(email)).scalar_one_or_none()
    if user is None:
        # Unknown colleagues are provisioned as stakeholders; an admin can change the role.
        name = header_text(request.headers.get("X-Forwarded-Preferred-Username", ""))
        name = name or email.split("@")[0]
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
