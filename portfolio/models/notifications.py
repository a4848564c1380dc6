"""Closing the loop: who follows what, what each person was told, and the
outbox of mail and webhook deliveries still to be sent.

Rows here are written in the same transaction as the event they report (see
`portfolio.notifications`), so a rolled-back change tells nobody; the
`flask deliver` worker sends the outbox afterwards, never a web request.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.models.base import LabelledEnum, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portfolio.models.accounts import User
    from portfolio.models.catalogue import Product
    from portfolio.models.requests import Request
    from portfolio.models.roadmap import RoadmapItem
    from portfolio.models.social import Activity


class NotificationKind(LabelledEnum):
    """What a person hears about; email preferences are set per kind."""

    REQUEST_TRIAGED = "request_triaged", "A request I follow changes status"
    REQUEST_DECLINED = "request_declined", "A request I follow is declined"
    REQUEST_MERGED = "request_merged", "A request I follow is merged into another"
    REQUEST_PROMOTED = "request_promoted", "A request I follow goes on the roadmap"
    REQUEST_SHIPPED = "request_shipped", "A request I follow ships"
    NEW_REQUEST = "new_request", "A new request for a product I own or watch"
    NEW_COMMENT = "new_comment", "A comment on something I own or watch"
    MEASURE_SLIPPED = "measure_slipped", "A success measure turns at risk or off track"
    RENEWAL_DUE = "renewal_due", "A contract renews within 90 days"
    MENTION = "mention", "Someone mentions me"


class EmailDelivery(LabelledEnum):
    AT_ONCE = "at_once", "At once"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"
    OFF = "off", "Off"


# Sensible defaults: news of one's own requests at once, the rest in digests.
DEFAULT_EMAIL_DELIVERY: dict[NotificationKind, EmailDelivery] = {
    NotificationKind.REQUEST_TRIAGED: EmailDelivery.AT_ONCE,
    NotificationKind.REQUEST_DECLINED: EmailDelivery.AT_ONCE,
    NotificationKind.REQUEST_MERGED: EmailDelivery.AT_ONCE,
    NotificationKind.REQUEST_PROMOTED: EmailDelivery.AT_ONCE,
    NotificationKind.REQUEST_SHIPPED: EmailDelivery.AT_ONCE,
    NotificationKind.NEW_REQUEST: EmailDelivery.DAILY,
    NotificationKind.NEW_COMMENT: EmailDelivery.DAILY,
    NotificationKind.MEASURE_SLIPPED: EmailDelivery.WEEKLY,
    NotificationKind.RENEWAL_DUE: EmailDelivery.WEEKLY,
    NotificationKind.MENTION: EmailDelivery.AT_ONCE,
}


def _exactly_one_target(name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        "(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)"
        " + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END)"
        " + (CASE WHEN item_id IS NULL THEN 0 ELSE 1 END) = 1",
        name=name,
    )


class Watch(db.Model):
    """A person follows a product, a request or a roadmap item."""

    __tablename__ = "watch"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_request.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roadmap_item.id", ondelete="CASCADE"), index=True
    )
    # "product:12", "request:7", "item:3": one watch per person and target
    # (a unique constraint over nullable columns would let duplicates through).
    target_key: Mapped[str] = mapped_column(sa.String(40))
    # An explicit "unwatch": whoever raised, voted on or commented on a request
    # (or owns the product or card) follows it without a row; a muted row says
    # they asked to hear nothing more about it (portfolio.notifications.watches).
    muted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "target_key"),
        _exactly_one_target("watch_exactly_one_target"),
    )

    def __repr__(self) -> str:
        return f"<Watch {self.user_id} {self.target_key}{' muted' if self.muted else ''}>"


class Notification(db.Model):
    """One thing one person was told, in the app (and maybe by email)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, length=30))
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_request.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roadmap_item.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(300))
    # The reason of a decline, the release note of a ship, a comment's opening…
    detail: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    activity: Mapped[Activity | None] = relationship()
    product: Mapped[Product | None] = relationship()
    request: Mapped[Request | None] = relationship()
    item: Mapped[RoadmapItem | None] = relationship()

    __table_args__ = (
        # One notification per person and event, whatever the number of reasons.
        sa.UniqueConstraint("user_id", "activity_id"),
        sa.Index("ix_notification_user_unread", "user_id", "read_at", "id"),
    )

    def __repr__(self) -> str:
        return f"<Notification {self.kind.value} for {self.user_id}>"


class NotificationPreference(db.Model):
    """How a person wants email for one kind (no row: the default)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, length=30), primary_key=True
    )
    delivery: Mapped[EmailDelivery] = mapped_column(enum_column(EmailDelivery))


class DigestRun(db.Model):
    """Up to when a person's daily or weekly digest has covered events, so a
    digest run twice (or a cron that fires late) neither repeats nor skips."""

    __tablename__ = "digest_run"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[EmailDelivery] = mapped_column(enum_column(EmailDelivery), primary_key=True)
    covered_until: Mapped[datetime] = mapped_column(UTCDateTime())


class Channel(LabelledEnum):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class OutboxStatus(LabelledEnum):
    PENDING = "pending", "Waiting"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up"


class WebhookPreset(LabelledEnum):
    STANDARD = "standard", "Standard Webhooks (JSON)"
    SLACK = "slack", "Slack incoming webhook"
    TEAMS = "teams", "Microsoft Teams Workflows (Adaptive Card)"


class Webhook(db.Model):
    """An outbound webhook an administrator registered."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(2000))
    preset: Mapped[WebhookPreset] = mapped_column(enum_column(WebhookPreset))
    # Standard Webhooks secret ("whsec_" + base64), shown to the admin once more on edit.
    secret: Mapped[str] = mapped_column(sa.String(120))
    # Space-separated Verb values; empty: every subscribable event.
    events: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Webhook {self.name!r} {self.preset.value}>"


class OutboxMessage(db.Model):
    """A mail or a webhook call to send, written with the event it reports."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    # Sent as Message-ID / webhook-id: a receiver that saw it already can tell.
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    webhook_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(2000))  # an address or a URL
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # A webhook's JSON body; for a mail, its extra headers (List-Unsubscribe…) as JSON.
    payload: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()
    webhook: Mapped[Webhook | None] = relationship()
    deliveries: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DeliveryAttempt.id",
    )

    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.channel.value} {self.status.value} {self.recipient!r}>"


class DeliveryAttempt(db.Model):
    """One try at sending an outbox message, kept for the admins' delivery log."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ok: Mapped[bool]
    status_code: Mapped[int | None]
    detail: Mapped[str | None] = mapped_column(sa.String(1000))

    message: Mapped[OutboxMessage] = relationship(back_populates="deliveries")
