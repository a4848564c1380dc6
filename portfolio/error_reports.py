"""Unhandled errors reported to Sentry (or a compatible service, e.g. GlitchTip).

Off unless `SENTRY_DSN` is set. Then every unhandled exception in a request
(and, with `PORTFOLIO_SENTRY_TRACES` above 0, that share of requests as
performance traces) is sent with the mode as its environment and the code's
fingerprint (or `PORTFOLIO_RELEASE`) as its release.

What is never sent: request bodies (sign-in passwords, form fields), cookies,
the Authorization and CSRF headers, token values in query strings, local
variables of the stack frames, SQL parameters, and personal data
(`send_default_pii=False`: no user; email and IP addresses in log lines and
messages are blanked); Sentry's scrubber also blanks any field named like a
password, secret or token anywhere in the event.
"""

from __future__ import annotations

import os
import re

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.scrubber import EventScrubber

from portfolio.revisions import code_fingerprint

SECRET_HEADERS = {"authorization", "cookie", "x-csrftoken", "x-csrf-token", "proxy-authorization"}
# A query parameter whose name says it carries a secret (?token=… on feeds).
SECRET_PARAMETER = re.compile(r"(?i)((?:^|&)[^=&]*(?:token|secret|password|key)[^=&]*=)[^&]*")
# Addresses whose path is a secret (one-click unsubscribe links are signed).
SECRET_PATH = re.compile(r"(/unsubscribe/)[^/?#]+")
# Free text (log lines, exception messages) may name people and their
# addresses — the sign-in throttle logs both — or, from SQLAlchemy, carry a
# statement's parameters.
EMAIL = re.compile(r"[^\s@'\"(),;<>=]+@[^\s@'\"(),;<>]+\.[A-Za-z]{2,}")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\n|$)", re.DOTALL)


def register(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        traces_sample_rate=app.config.get("SENTRY_TRACES_SAMPLE_RATE") or 0.0,
        environment=app.config.get("SENTRY_ENVIRONMENT") or app.config.get("ENV_NAME"),
        release=os.environ.get("PORTFOLIO_RELEASE") or code_fingerprint(),
        max_request_body_size="never",
        include_local_variables=False,
        event_scrubber=EventScrubber(recursive=True),
        before_send=without_secrets,
        before_send_transaction=without_secrets,
    )


def without_secrets(event: dict, hint: dict | None = None) -> dict:
    """The event without the request's body, cookies, credentials or tokens,
    and without email or IP addresses in its free text."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in SECRET_HEADERS:
                    headers[name] = "[Filtered]"
        if isinstance(request.get("url"), str):
            request["url"] = SECRET_PATH.sub(r"\1[Filtered]", request["url"])
        if isinstance(request.get("query_string"), str):
            request["query_string"] = SECRET_PARAMETER.sub(r"\1[Filtered]", request["query_string"])
    for entry in _free_text(event):
        for key in ("message", "formatted", "value"):
            if isinstance(entry.get(key), str):
                entry[key] = redacted(entry[key])
    return event


def redacted(text: str) -> str:
    text = SQL_PARAMETERS.sub("[parameters: [Filtered]]", text)
    return IPV4.sub("[address]", EMAIL.sub("[email]", text))


def _free_text(event: dict) -> list[dict]:
    """The parts of an event that hold free text: its log entry, its
    exceptions' messages and its breadcrumbs."""
    found = [event]
    if isinstance(event.get("logentry"), dict):
        found.append(event["logentry"])
    for group in ("exception", "breadcrumbs"):
        values = event.get(group, {}).get("values") if isinstance(event.get(group), dict) else None
        found.extend(value for value in values or [] if isinstance(value, dict))
    return found
