"""Flask-Login wiring: sessions identified by a rotating per-user token."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request, url_for
from flask_login import AnonymousUserMixin

from portfolio.extensions import db, login_manager
from portfolio.filters import parse_id
from portfolio.htmx import hx_redirect, is_htmx
from portfolio.models import User


class AnonymousUser(AnonymousUserMixin):
    role = None
    display_name = "Guest"

    def can(self, capability: str) -> bool:
        return False


def configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = AnonymousUser
    login_manager.user_loader(load_user_by_session_token)
    login_manager.unauthorized_handler(send_to_login)


def load_user_by_session_token(token: str) -> User | None:
    """The cookie holds "<id>.<digest>"; a rotated nonce finds nobody."""
    user_id, _, digest = (token or "").partition(".")
    user_id = parse_id(user_id)
    if user_id is None or not digest:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.holds_session(digest):
        return None
    return user


def send_to_login():
    """Anonymous visitors go to the login page and come back afterwards."""
    if is_htmx():
        # A fragment swap would put the login form inside the page: reload instead.
        target = request.htmx.current_url or request.full_path
        return hx_redirect(url_for("auth.login", next=local_path(target)))
    return hx_redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def local_path(url: str | None) -> str | None:
    """Keep only same-site paths, so ?next= can never send anyone elsewhere."""
    if not url:
        return None
    parts = urlsplit(url)
    if (parts.scheme or parts.netloc) and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in url:
        return None
    return path + (f"?{parts.query}" if parts.query else "")
