"""A person's notifications in the app: the bell's count, the list, reading.

The bell's count is one indexed query (ix_notification_user_unread) that
stops counting at BELL_CAP; the list is one page of rows with everything it
shows joined in, grouped by day and, within a day, repeated news about one
thing shown once with how many times it came.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.models import Notification, NotificationKind, Request, User
from portfolio.models.base import utcnow
from portfolio.queries import Page, paginate

BELL_CAP = 99  # the bell shows "99+" beyond
PAGE_SIZE = 50


def unread_count(session: Session, user_id: int) -> int:
    """Unread notifications of `user_id`, counted up to BELL_CAP + 1 (one query)."""
    unread = (
        sa.select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .limit(BELL_CAP + 1)
        .subquery()
    )
    return session.execute(sa.select(sa.func.count()).select_from(unread)).scalar_one()


def bell_text(count: int) -> str:
    return f"{BELL_CAP}+" if count > BELL_CAP else str(count)


def notifications_of(user_id: int) -> sa.Select:
    """`user_id`'s notifications, newest first, with what they link to."""
    return (
        sa.select(Notification)
        .where(Notification.user_id == user_id)
        .options(
            joinedload(Notification.actor),
            joinedload(Notification.product),
            joinedload(Notification.request).joinedload(Request.product),
            joinedload(Notification.item),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


@dataclass
class Entry:
    """One line of the list: a notification, and how many like it it stands for."""

    notification: Notification
    repeats: int = 1
    unread: bool = False


@dataclass
class Day:
    day: date
    label: str
    entries: list[Entry]


def _thing(notification: Notification) -> tuple:
    return (
        notification.kind,
        notification.request_id,
        notification.item_id,
        notification.product_id if not (notification.request_id or notification.item_id) else None,
    )


# News that comes again and again about one thing reads better as one line.
GROUPED_KINDS = frozenset({NotificationKind.NEW_COMMENT, NotificationKind.REQUEST_TRIAGED})


def group(notifications: list[Notification], today: date | None = None) -> list[Day]:
    """Days, newest first; within a day, consecutive notifications of a kind in
    GROUPED_KINDS about one thing become one entry (the newest, with a count)."""
    today = today or utcnow().date()
    days: list[Day] = []
    for notification in notifications:
        day = notification.created_at.date()
        if not days or days[-1].day != day:
            days.append(Day(day=day, label=day_label(day, today), entries=[]))
        entries = days[-1].entries
        last = entries[-1] if entries else None
        if (
            last is not None
            and notification.kind in GROUPED_KINDS
            and _thing(last.notification) == _thing(notification)
        ):
            last.repeats += 1
            last.unread = last.unread or notification.read_at is None
            continue
        entries.append(Entry(notification, unread=notification.read_at is None))
    return days


def day_label(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return day.strftime("%A %d %B %Y")


def notifications_page(session: Session, user: User, page: int) -> tuple[Page, list[Day]]:
    """One page of `user`'s notifications (two queries), and its days."""
    result = paginate(session, notifications_of(user.id), page=page, per_page=PAGE_SIZE)
    rows = [notification for (notification,) in result.rows]
    return result, group(rows)


def about_the_same(notification: Notification) -> sa.ColumnElement[bool]:
    """Notifications about what `notification` links to (its request, else its
    card, else its product)."""
    if notification.request_id is not None:
        return Notification.request_id == notification.request_id
    if notification.item_id is not None:
        return Notification.item_id == notification.item_id
    if notification.product_id is not None:
        return sa.and_(
            Notification.product_id == notification.product_id,
            Notification.request_id.is_(None),
            Notification.item_id.is_(None),
        )
    return Notification.id == notification.id


def open_notification(session: Session, user: User, notification: Notification) -> None:
    """`user` opens `notification`: it, and whatever else unread they were told
    about the same thing, is read (one statement)."""
    session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            sa.or_(Notification.id == notification.id, about_the_same(notification)),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread notification of `user` read; returns how many."""
    result = session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
