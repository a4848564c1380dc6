"""The identity provider as Authlib's Flask client sees it. Registered by
create_app only when PORTFOLIO_OIDC_ISSUER is set; each app has its own
registry, so two apps (tests) never share a provider's cached metadata."""

from __future__ import annotations

from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask, current_app

EXTENSION = "authlib.integrations.flask_client"  # where OAuth(app) keeps itself
NAME = "idp"  # not "oidc": Authlib would also read OIDC_* settings on its own
SCOPE = "openid email profile"
TIMEOUT_SECONDS = 10  # a provider that hangs must not hold a worker for ever


class ProviderMismatch(Exception):
    """The discovery document names another issuer than the one configured."""


def register(app: Flask) -> None:
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",  # PKCE
            "default_timeout": TIMEOUT_SECONDS,
        },
    )


def provider() -> FlaskOAuth2App | None:
    """The registered client, or None when OIDC sign-in is not configured."""
    oauth = current_app.extensions.get(EXTENSION)
    return oauth.create_client(NAME) if oauth is not None else None


def check_discovery(client: FlaskOAuth2App) -> None:
    """Load the discovery document (once) and make sure it is the configured
    issuer's: OpenID Connect Discovery requires the two to be identical, and
    the ID token's `iss` is then checked against the configured value."""
    metadata = client.load_server_metadata()
    if metadata.get("issuer") != current_app.config["OIDC_ISSUER"]:
        found = metadata.get("issuer")
        client.server_metadata.clear()  # read it again next time: it may be fixed
        raise ProviderMismatch(
            f"discovery document names issuer {found!r}, not {current_app.config['OIDC_ISSUER']!r}"
        )


def claims_options() -> dict:
    """What the ID token must say beyond signature, audience, expiry and nonce."""
    return {"iss": {"essential": True, "value": current_app.config["OIDC_ISSUER"]}}
