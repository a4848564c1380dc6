"""The outbox: mail and webhook deliveries written in the event's transaction.

Nothing here sends anything: `flask deliver` (portfolio.notifications.worker)
does, after commit. These functions only add rows to the caller's session, so
a change that rolls back queues nothing.

Each row gets an idempotency key ("email:<notification id>",
"webhook:<webhook id>:<activity id>", "digest:…"), unique in the table; the
worker sends it as the mail's Message-ID and the webhook's `webhook-id`, so a
receiver that already acknowledged a message can tell a repeat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import MultiDict

from portfolio import events
from portfolio.filters import parse_id, parse_page
from portfolio.models import (
    Activity,
    Channel,
    DeliveryAttempt,
    EmailDelivery,
    Notification,
    NotificationKind,
    OutboxMessage,
    OutboxStatus,
    User,
    Verb,
    Webhook,
)
from portfolio.models.base import utcnow
from portfolio.notifications import payloads
from portfolio.notifications.preferences import delivery_for, unsubscribe_token
from portfolio.urls import external_url

SUBJECT_LIMIT = 300
ONE_CLICK = "List-Unsubscribe=One-Click"


# Mail ------------------------------------------------------------------------------


def wants_email_now(session: Session, user: User, kind: NotificationKind) -> bool:
    """Whether `user` is to be emailed about `kind` at once (rather than in a
    digest, or never). The one rule both the audience and the outbox follow."""
    return user.active and delivery_for(session, user, kind) is EmailDelivery.AT_ONCE


def enqueue_email(session: Session, notification: Notification) -> OutboxMessage | None:
    """Queue the mail telling `notification.user` about it at once. Returns the
    row, or None when that person does not want this kind at once (or their
    account is deactivated). Calling it twice for one notification queues one mail."""
    user = notification.user
    if not wants_email_now(session, user, notification.kind):
        return None
    session.flush()  # the notification's id makes the key
    key = f"email:{notification.id}"
    existing = _queued(session, key)
    if existing is not None:
        return existing
    return queue_mail(
        session,
        user,
        key=key,
        subject=notification.subject,
        template="email/notification",
        unsubscribe=unsubscribe_token(user, kind=notification.kind),
        activity_id=notification.activity_id,
        notification=notification,
        kind=notification.kind,
        links=notification_links(notification),
    )


@dataclass(frozen=True)
class Link:
    label: str
    url: str


def notification_links(notification: Notification) -> list[Link]:
    """Where a mail about `notification` sends its reader, most useful first."""
    links = []
    request, item, product = notification.request, notification.item, notification.product
    if request is not None:
        links.append(Link("Open the request", external_url("requests.show", request_id=request.id)))
        if request.duplicate_of is not None:
            original = request.duplicate_of
            links.append(
                Link(
                    f"Open the original request: {original.title}",
                    external_url("requests.show", request_id=original.id),
                )
            )
    if item is not None:
        card = external_url("board.show", item_id=item.id)
        links.append(Link("See the card on the roadmap", card))
    if not links and product is not None:
        links.append(Link("Open the product", external_url("catalogue.show", slug=product.slug)))
    return links


def queue_mail(
    session: Session,
    user: User,
    *,
    key: str,
    subject: str,
    template: str,
    unsubscribe: str,
    activity_id: int | None = None,
    **context: Any,
) -> OutboxMessage:
    """Add one mail to `user`, its text and HTML bodies rendered from
    `template`.txt and `template`.html (under templates/), with the unsubscribe
    link in the body and in the List-Unsubscribe headers (RFC 8058)."""
    unsubscribe_url = external_url("auth.unsubscribe", token=unsubscribe)
    context.update(
        recipient=user,
        subject=subject,
        unsubscribe_url=unsubscribe_url,
        preferences_url=external_url("auth.account") + "#email-preferences",
        home_url=external_url("core.home"),
    )
    message = OutboxMessage(
        channel=Channel.EMAIL,
        idempotency_key=key,
        user_id=user.id,
        activity_id=activity_id,
        recipient=user.email,
        subject=_one_line(subject)[:SUBJECT_LIMIT],
        body_text=render_template(f"{template}.txt", **context),
        body_html=render_template(f"{template}.html", **context),
        # A mail's payload is its extra headers.
        payload=json.dumps(
            {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": ONE_CLICK}
        ),
        status=OutboxStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    return message


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _queued(session: Session, key: str) -> OutboxMessage | None:
    return session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).scalar_one_or_none()


def mail_headers(message: OutboxMessage) -> dict[str, str]:
    """The extra headers a queued mail goes out with."""
    if message.channel is not Channel.EMAIL or not message.payload:
        return {}
    return json.loads(message.payload)


# Webhooks --------------------------------------------------------------------------


def subscribed_verbs(webhook: Webhook) -> frozenset[Verb]:
    """The events `webhook` receives (empty list: every subscribable one)."""
    named = {Verb(value) for value in webhook.events.split() if value in Verb._value2member_map_}
    return frozenset(named & events.SUBSCRIBABLE) if named else events.SUBSCRIBABLE


def enqueue_webhooks(session: Session, activity: Activity) -> list[OutboxMessage]:
    """Queue one delivery per active webhook subscribed to `activity.verb`,
    its body in the webhook's preset. Calling it twice for one event queues
    each delivery once."""
    verb = Verb(activity.verb)
    if verb not in events.SUBSCRIBABLE:
        return []
    hooks = [
        hook
        for hook in session.execute(sa.select(Webhook).where(Webhook.active).order_by(Webhook.id))
        .scalars()
        .all()
        if verb in subscribed_verbs(hook)
    ]
    if not hooks:
        return []
    session.flush()  # the event's id and time
    keys = {hook.id: f"webhook:{hook.id}:{activity.id}" for hook in hooks}
    already = set(
        session.execute(
            sa.select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.in_(keys.values())
            )
        ).scalars()
    )
    event = payloads.describe(activity)
    queued = []
    for hook in hooks:
        if keys[hook.id] in already:
            continue
        message = OutboxMessage(
            channel=Channel.WEBHOOK,
            idempotency_key=keys[hook.id],
            webhook_id=hook.id,
            activity_id=activity.id,
            recipient=hook.url,
            subject=event["summary"][:SUBJECT_LIMIT],
            payload=json.dumps(payloads.body(hook.preset, event), ensure_ascii=False),
            status=OutboxStatus.PENDING,
            next_attempt_at=utcnow(),
        )
        session.add(message)
        queued.append(message)
    return queued


# The delivery log ---------------------------------------------------------------------


def resend(session: Session, message: OutboxMessage) -> None:
    """Send `message` again as soon as the worker next looks: waiting, due now,
    with a fresh set of tries. It keeps its idempotency key, so a receiver that
    did acknowledge it can tell (a message that failed never reached one)."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.last_error = None


@dataclass
class DeliveryFilters:
    """The delivery log's filters and page, read from the URL."""

    channel: Channel | None = None
    status: OutboxStatus | None = None
    webhook_id: int | None = None
    page: int = 1
    errors: list[str] = field(default_factory=list)

    PER_PAGE: ClassVar[int] = 50

    @classmethod
    def from_args(cls, args: MultiDict) -> DeliveryFilters:
        filters = cls(page=parse_page(args.get("page")))
        for name, enum in (("channel", Channel), ("status", OutboxStatus)):
            value = args.get(name) or ""
            if value in enum._value2member_map_:
                setattr(filters, name, enum(value))
            elif value:
                filters.errors.append(f"Unknown {name} ignored.")
        webhook = args.get("webhook") or ""
        filters.webhook_id = parse_id(webhook)
        if webhook and filters.webhook_id is None:
            filters.errors.append("Unknown webhook ignored.")
        return filters

    def to_args(self, **changes: Any) -> dict[str, Any]:
        args: dict[str, Any] = {
            "channel": self.channel.value if self.channel else None,
            "status": self.status.value if self.status else None,
            "webhook": self.webhook_id,
            "page": self.page if self.page > 1 else None,
        }
        args.update(changes)
        return {name: value for name, value in args.items() if value is not None}

    def query(self) -> sa.Select:
        """The log, newest first, with the number of tries of each message."""
        tries = (
            sa.select(sa.func.count(DeliveryAttempt.id))
            .where(DeliveryAttempt.message_id == OutboxMessage.id)
            .correlate(OutboxMessage)
            .scalar_subquery()
        )
        query = (
            sa.select(OutboxMessage, tries.label("tries"))
            .options(joinedload(OutboxMessage.webhook), joinedload(OutboxMessage.user))
            .order_by(OutboxMessage.id.desc())
        )
        if self.channel is not None:
            query = query.where(OutboxMessage.channel == self.channel)
        if self.status is not None:
            query = query.where(OutboxMessage.status == self.status)
        if self.webhook_id is not None:
            query = query.where(OutboxMessage.webhook_id == self.webhook_id)
        return query


def status_counts(session: Session) -> dict[OutboxStatus, int]:
    """How many messages wait, went and were given up on."""
    found = dict(
        session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return {status: found.get(status, 0) for status in OutboxStatus}


def backlog(session: Session) -> dict[Channel, int]:
    """Messages not delivered yet (waiting for their first try or a retry), by
    channel: one count over the (status, next_attempt_at) index."""
    found = dict(
        session.execute(
            sa.select(OutboxMessage.channel, sa.func.count())
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .group_by(OutboxMessage.channel)
        ).all()
    )
    return {channel: found.get(channel, 0) for channel in Channel}
