"""Outbound webhooks administrators register: which events, where, signed how.

Each change records its event (private to administrators on the trail: the
address of a webhook is where Portfolio's news leaves the building).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from portfolio import events
from portfolio.activity.trail import record
from portfolio.models import User, Verb, Webhook, WebhookPreset

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


class WebhookRefused(ValueError):
    """The webhook's settings break a rule (an address that is not http(s))."""


def new_secret() -> str:
    """A Standard Webhooks signing secret: "whsec_" and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def subscribable_verbs() -> list[Verb]:
    """The events a webhook may ask for, in the order the app lists verbs."""
    return [verb for verb in Verb if verb in events.SUBSCRIBABLE]


def event_name(verb: Verb) -> str:
    """A checkbox label: `request_status_changed` → "Request status changed"."""
    return verb.value.replace("_", " ").capitalize()


def events_value(verbs: Iterable[Verb]) -> str:
    """How `Webhook.events` stores a choice: space-separated verbs, or empty
    for every subscribable event (so events added later are included)."""
    chosen = {Verb(verb) for verb in verbs}
    if chosen - events.SUBSCRIBABLE:
        raise WebhookRefused("Choose among the listed events.")
    if not chosen or chosen == set(events.SUBSCRIBABLE):
        return ""
    return " ".join(verb.value for verb in subscribable_verbs() if verb in chosen)


def _checked_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookRefused("A webhook's address starts with https:// or http://.")
    return url


def create_webhook(
    session: Session,
    actor: User,
    *,
    name: str,
    url: str,
    preset: WebhookPreset,
    verbs: Iterable[Verb] = (),
) -> Webhook:
    """Register a webhook, active, with a new signing secret."""
    webhook = Webhook(
        name=name.strip(),
        url=_checked_url(url),
        preset=WebhookPreset(preset),
        secret=new_secret(),
        events=events_value(verbs),
        active=True,
    )
    session.add(webhook)
    record(session, actor, Verb.WEBHOOK_CREATED, subject=webhook.name, after=webhook.url)
    return webhook


def update_webhook(
    session: Session,
    actor: User,
    webhook: Webhook,
    *,
    name: str,
    url: str,
    preset: WebhookPreset,
    verbs: Iterable[Verb] = (),
    active: bool = True,
) -> None:
    """Change a webhook's settings (its secret stays). Messages still waiting
    go to its new address; a deactivated webhook's waiting messages are given up."""
    before = webhook.url
    webhook.name = name.strip()
    webhook.url = _checked_url(url)
    webhook.preset = WebhookPreset(preset)
    webhook.events = events_value(verbs)
    webhook.active = active
    record(
        session,
        actor,
        Verb.WEBHOOK_EDITED,
        subject=webhook.name,
        before=before,
        after=webhook.url if active else f"{webhook.url} (inactive)",
    )


def delete_webhook(session: Session, actor: User, webhook: Webhook) -> None:
    """Remove a webhook with its delivery log."""
    record(session, actor, Verb.WEBHOOK_DELETED, subject=webhook.name, before=webhook.url)
    session.delete(webhook)
