"""The outbox: mail and webhook deliveries written in the event's transaction.

Nothing here sends anything: `flask deliver` (portfolio.notifications.worker)
does, after commit. These functions only add rows to the caller's session.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.models import Activity, Notification, OutboxMessage, Webhook


def enqueue_email(session: Session, notification: Notification) -> OutboxMessage | None:
    """Queue the mail telling `notification.user` about it at once (the
    caller has checked that person wants this kind at once). Returns the row,
    or None when the person has no address to send to."""
    raise NotImplementedError  # implemented by the delivery work


def enqueue_webhooks(session: Session, activity: Activity) -> list[OutboxMessage]:
    """Queue one delivery per active webhook subscribed to `activity.verb`."""
    raise NotImplementedError  # implemented by the delivery work


__all__ = ["enqueue_email", "enqueue_webhooks", "Webhook"]
