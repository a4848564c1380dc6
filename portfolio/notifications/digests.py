"""Daily and weekly digests: `flask --app portfolio send-digests --period daily|weekly`.

Everyone with at least one kind of news set to that period gets one mail:

- a colleague's digest: their news of those kinds (from their notifications),
  what shipped for their department (cards answering its requests, or for
  the products it uses) and, as context, what is next (Now / Next cards) for
  those products;
- a leader's digest: their news, everything that shipped, success measures
  that slipped to at risk or off track, renewals that came within 90 days and,
  as context, the contracts renewing soon and what is next on the board.

A digest covers what happened since the person's previous one
(`DigestRun.covered_until`), so a run repeated or late neither repeats nor
skips anything. A digest with no news is not sent (what is next and the list
of renewals are context, not news). Digests are queued as outbox mail: the
`flask deliver` worker sends them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.dashboard.benefits import Renewal, renewals_due
from portfolio.database import writing
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Column,
    DigestRun,
    EmailDelivery,
    Notification,
    NotificationKind,
    OutboxMessage,
    Request,
    RoadmapItem,
    Role,
    Usage,
    User,
    Verb,
    roadmap_item_request,
)
from portfolio.models.base import utcnow
from portfolio.notifications.outbox import notification_links, queue_mail
from portfolio.notifications.preferences import DIGEST_PERIODS, kinds_delivered, unsubscribe_token
from portfolio.notifications.renewals import record_renewals_due
from portfolio.urls import external_url

PERIOD_LENGTH = {EmailDelivery.DAILY: timedelta(days=1), EmailDelivery.WEEKLY: timedelta(days=7)}
# Bounds, so one digest stays a mail rather than a report.
NEWS_LIMIT = 100
SHIPPED_LIMIT = 30
NEXT_LIMIT = 5  # cards per column


@dataclass
class Digest:
    user: User
    period: EmailDelivery
    since: datetime
    until: datetime
    for_leader: bool
    news: dict[NotificationKind, list[Notification]] = field(default_factory=dict)
    shipped: list[RoadmapItem] = field(default_factory=list)
    slipped: list[Activity] = field(default_factory=list)
    renewals_noticed: list[Activity] = field(default_factory=list)
    renewals: list[Renewal] = field(default_factory=list)
    next_up: dict[Column, list[RoadmapItem]] = field(default_factory=dict)

    @property
    def has_news(self) -> bool:
        return bool(self.news or self.shipped or self.slipped or self.renewals_noticed)

    @property
    def news_count(self) -> int:
        return (
            sum(len(found) for found in self.news.values())
            + len(self.shipped)
            + len(self.slipped)
            + len(self.renewals_noticed)
        )

    @property
    def subject(self) -> str:
        who = "leader's " if self.for_leader else ""
        count = self.news_count
        return (
            f"Your {self.period.value} {who}digest: {count} update{'s' if count != 1 else ''}"
            " · Portfolio"
        )


# Building one digest -------------------------------------------------------------------


def build_digest(
    session: Session, user: User, period: EmailDelivery, since: datetime, until: datetime
) -> Digest:
    """What `user`'s digest for `period` says about (since, until]."""
    digest = Digest(
        user=user, period=period, since=since, until=until, for_leader=user.role is Role.LEADER
    )
    kinds = kinds_delivered(session, user, period)
    if kinds:
        digest.news = _news(session, user, kinds, since, until)
    if digest.for_leader:
        digest.shipped = _shipped(session, since, until)
        digest.slipped = _events(session, Verb.MEASURE_SLIPPED, since, until)
        digest.renewals_noticed = _events(session, Verb.RENEWAL_DUE, since, until)
        if digest.has_news:
            digest.renewals = renewals_due(session, until.date())
            digest.next_up = _next_up(session, product_ids=None)
    elif user.department_id is not None:
        used = _products_used_by(session, user.department_id)
        digest.shipped = _shipped(
            session, since, until, department_id=user.department_id, product_ids=used
        )
        if digest.has_news and used:
            digest.next_up = _next_up(session, product_ids=used)
    return digest


def _news(
    session: Session,
    user: User,
    kinds: frozenset[NotificationKind],
    since: datetime,
    until: datetime,
) -> dict[NotificationKind, list[Notification]]:
    """`user`'s notifications of `kinds` in the window, grouped by kind (in the
    order kinds are listed), oldest first within a kind."""
    found = (
        session.execute(
            sa.select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.kind.in_(sorted(kinds)),
                Notification.created_at > since,
                Notification.created_at <= until,
            )
            .options(
                joinedload(Notification.actor),
                joinedload(Notification.product),
                joinedload(Notification.request),
                joinedload(Notification.item),
            )
            .order_by(Notification.created_at, Notification.id)
            .limit(NEWS_LIMIT)
        )
        .scalars()
        .all()
    )
    grouped: dict[NotificationKind, list[Notification]] = defaultdict(list)
    for notification in found:
        grouped[notification.kind].append(notification)
    return {kind: grouped[kind] for kind in NotificationKind if grouped[kind]}


def _shipped(
    session: Session,
    since: datetime,
    until: datetime,
    *,
    department_id: int | None = None,
    product_ids: list[int] | None = None,
) -> list[RoadmapItem]:
    """Cards shipped in the window and still shipped; with a department, only
    those answering its requests or for the products it uses."""
    shipped_ids = (
        sa.select(Activity.item_id)
        .where(
            Activity.verb == Verb.ITEM_SHIPPED,
            Activity.created_at > since,
            Activity.created_at <= until,
            Activity.item_id.is_not(None),
        )
        .scalar_subquery()
    )
    query = (
        sa.select(RoadmapItem)
        .where(RoadmapItem.id.in_(shipped_ids), RoadmapItem.column == Column.SHIPPED)
        .options(joinedload(RoadmapItem.product), selectinload(RoadmapItem.requests))
        .order_by(RoadmapItem.shipped_on.desc(), RoadmapItem.id.desc())
        .limit(SHIPPED_LIMIT)
    )
    if department_id is not None:
        answers_department = (
            sa.select(roadmap_item_request.c.item_id)
            .join(Request, Request.id == roadmap_item_request.c.request_id)
            .where(Request.department_id == department_id)
        )
        query = query.where(
            sa.or_(
                RoadmapItem.id.in_(answers_department),
                RoadmapItem.product_id.in_(product_ids or []),
            )
        )
    return list(session.execute(query).scalars().all())


def _events(session: Session, verb: Verb, since: datetime, until: datetime) -> list[Activity]:
    return list(
        session.execute(
            sa.select(Activity)
            .where(Activity.verb == verb, Activity.created_at > since, Activity.created_at <= until)
            .options(joinedload(Activity.product))
            .order_by(Activity.created_at, Activity.id)
            .limit(NEWS_LIMIT)
        )
        .scalars()
        .all()
    )


def _products_used_by(session: Session, department_id: int) -> list[int]:
    return list(
        session.execute(
            sa.select(Usage.product_id).where(Usage.department_id == department_id)
        ).scalars()
    )


def _next_up(session: Session, product_ids: list[int] | None) -> dict[Column, list[RoadmapItem]]:
    """The top of Now and Next (for `product_ids`, or every product)."""
    next_up = {}
    for column in (Column.NOW, Column.NEXT):
        query = (
            sa.select(RoadmapItem)
            .where(RoadmapItem.column == column)
            .options(joinedload(RoadmapItem.product))
            .order_by(RoadmapItem.rank)
            .limit(NEXT_LIMIT)
        )
        if product_ids is not None:
            query = query.where(RoadmapItem.product_id.in_(product_ids))
        cards = list(session.execute(query).scalars().all())
        if cards:
            next_up[column] = cards
    return next_up


# Sending everyone's digest -----------------------------------------------------------------


@dataclass
class DigestReport:
    queued: int = 0
    empty: int = 0
    skipped: int = 0  # another run was covering the same person at the same time
    renewals_recorded: int = 0


def queue_digest(session: Session, digest: Digest) -> OutboxMessage:
    user, period = digest.user, digest.period
    return queue_mail(
        session,
        user,
        key=f"digest:{period.value}:{user.id}:{digest.until.isoformat()}",
        subject=digest.subject,
        template="email/digest",
        unsubscribe=unsubscribe_token(user, period=period),
        digest=digest,
        link=external_url,
        links_of=notification_links,
    )


def send_digests(
    session: Session, period: EmailDelivery, now: datetime | None = None
) -> DigestReport:
    """Record renewals coming due, then queue each person's digest for
    `period`, one transaction per person (the caller's session commits)."""
    if period not in DIGEST_PERIODS:
        raise ValueError(f"{period} is not a digest period")
    report = DigestReport()
    with writing():
        report.renewals_recorded = len(record_renewals_due(session, (now or utcnow()).date()))
        session.commit()
    now = now or utcnow()  # after the check, so this digest covers what it recorded
    user_ids = (
        session.execute(sa.select(User.id).where(User.active).order_by(User.id)).scalars().all()
    )
    for user_id in user_ids:
        with writing():
            outcome = _digest_for(session, user_id, period, now)
        if outcome == "queued":
            report.queued += 1
        elif outcome == "empty":
            report.empty += 1
        elif outcome == "skipped":
            report.skipped += 1
    return report


def _digest_for(session: Session, user_id: int, period: EmailDelivery, now: datetime) -> str:
    """One person's digest, in its own transaction: queued, empty, skipped or
    not wanted (no kind set to this period)."""
    try:
        user = session.get(User, user_id)
        if user is None or not kinds_delivered(session, user, period):
            session.rollback()
            return "not wanted"
        run = session.execute(
            sa.select(DigestRun)
            .where(DigestRun.user_id == user_id, DigestRun.period == period)
            .with_for_update()
        ).scalar_one_or_none()
        since = run.covered_until if run is not None else now - PERIOD_LENGTH[period]
        if since >= now:
            session.rollback()
            return "skipped"
        digest = build_digest(session, user, period, since, now)
        if digest.has_news:
            queue_digest(session, digest)
        if run is None:
            session.add(DigestRun(user_id=user_id, period=period, covered_until=now))
        else:
            run.covered_until = now
        session.commit()
    except IntegrityError:
        # A concurrent run created this person's DigestRun first: it covers them.
        session.rollback()
        return "skipped"
    return "queued" if digest.has_news else "empty"


@click.command("send-digests")
@click.option(
    "--period",
    type=click.Choice([period.value for period in DIGEST_PERIODS]),
    required=True,
    help="Which digest: run daily ones every day, weekly ones once a week.",
)
@with_appcontext
def send_digests_command(period: str) -> None:
    """Record renewals coming due and queue everyone's digest (sent by `flask deliver`)."""
    report = send_digests(db.session, EmailDelivery(period))
    click.echo(
        f"{report.queued} {period} digest(s) queued, {report.empty} with nothing new not sent"
        f"{f', {report.skipped} covered by another run' if report.skipped else ''};"
        f" {report.renewals_recorded} renewal(s) newly due recorded."
    )
