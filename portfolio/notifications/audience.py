"""Who hears what: one table from recorded events to notifications.

`notify(session, activity)` is an in-transaction subscriber of
`portfolio.events` (installed once by `install()`, from create_app): when an
event is recorded it writes one Notification per person told, in the event's
own transaction (a rolled-back change tells nobody), asks the outbox for an
email to each person who wants this kind at once, and asks it for the
webhook deliveries of the event.

RULES is the table. For an event, the rows whose verb matches and whose
condition holds are read in order; a person named by several rows is told
once, by the first (a mention outranks "a new comment"). Nobody hears about
their own action, and deactivated accounts hear nothing.

A status change that a card made (promoting a request puts it in Planned,
shipping a card ships its requests) names that card (`change_status(item=…)`)
and is told by the card's own event (REQUEST_PROMOTED, ITEM_SHIPPED), so a
follower of several requests a card answers hears of the ship once, with the
release note.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio import events
from portfolio.markdown import mentioned_handles
from portfolio.models import (
    DEFAULT_EMAIL_DELIVERY,
    Activity,
    EmailDelivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    Request,
    RequestStatus,
    User,
    Verb,
)
from portfolio.notifications import outbox
from portfolio.notifications.mentions import resolve
from portfolio.notifications.watches import followers

SUBJECT_LENGTH = 300
OPENING_LENGTH = 280  # of a comment or a request's description, in a notification


class Audience(enum.Enum):
    """Whom a row of the table tells (the value says it in words)."""

    REQUEST = "requester, voters, commenters and watchers of the request"
    DUPLICATE = "requester, voters, commenters and watchers of the merged duplicate"
    SHIPPED_REQUESTS = "followers of the requests the shipped card answers"
    ITEM = "owner and watchers of the card"
    PRODUCT = "owner and watchers of the product"
    MENTIONED = "people the comment @mentions (an edit: those it newly mentions)"


@dataclass(frozen=True)
class Event:
    """An activity being told, with what only the live session still knows."""

    activity: Activity
    earlier_text: str | None = None  # an edited comment's words before the edit

    @property
    def new_status(self) -> RequestStatus | None:
        return STATUS_BY_LABEL.get(self.activity.after or "")

    @property
    def by_a_card(self) -> bool:
        return self.activity.item is not None


STATUS_BY_LABEL = {status.label: status for status in RequestStatus}


def always(event: Event) -> bool:
    return True


def triaged_to(*statuses: RequestStatus) -> Callable[[Event], bool]:
    """A status change into `statuses` made by triage (not by a card)."""

    def condition(event: Event) -> bool:
        return event.new_status in statuses and not event.by_a_card

    return condition


def on_request(event: Event) -> bool:
    return event.activity.request is not None


def on_card(event: Event) -> bool:
    return event.activity.item is not None


def on_product(event: Event) -> bool:
    return event.activity.request is None and event.activity.item is None


@dataclass(frozen=True)
class Rule:
    name: str  # the row in words
    verb: Verb
    when: Callable[[Event], bool]
    kind: NotificationKind
    audiences: tuple[Audience, ...]


TRIAGE = (RequestStatus.UNDER_REVIEW, RequestStatus.PLANNED, RequestStatus.IN_PROGRESS)
K = NotificationKind
A = Audience

# The table. Order matters only where one event names one person twice: the
# first row naming them says what they are told.
RULES: tuple[Rule, ...] = (
    Rule("a comment mentions someone", Verb.COMMENT_POSTED, always, K.MENTION, (A.MENTIONED,)),
    Rule("an edit mentions someone new", Verb.COMMENT_EDITED, always, K.MENTION, (A.MENTIONED,)),
    Rule(
        "a comment on a request",
        Verb.COMMENT_POSTED,
        on_request,
        K.NEW_COMMENT,
        (A.REQUEST, A.PRODUCT),
    ),
    Rule("a comment on a card", Verb.COMMENT_POSTED, on_card, K.NEW_COMMENT, (A.ITEM, A.PRODUCT)),
    Rule("a comment on a product", Verb.COMMENT_POSTED, on_product, K.NEW_COMMENT, (A.PRODUCT,)),
    Rule("a new request", Verb.REQUEST_CREATED, always, K.NEW_REQUEST, (A.PRODUCT,)),
    Rule(
        "a request is triaged",
        Verb.REQUEST_STATUS_CHANGED,
        triaged_to(*TRIAGE),
        K.REQUEST_TRIAGED,
        (A.REQUEST,),
    ),
    Rule(
        "a request is declined",
        Verb.REQUEST_STATUS_CHANGED,
        triaged_to(RequestStatus.DECLINED),
        K.REQUEST_DECLINED,
        (A.REQUEST,),
    ),
    Rule(
        "a request is marked shipped without a card",
        Verb.REQUEST_STATUS_CHANGED,
        triaged_to(RequestStatus.SHIPPED),
        K.REQUEST_SHIPPED,
        (A.REQUEST,),
    ),
    Rule("a request is merged", Verb.REQUEST_MERGED, always, K.REQUEST_MERGED, (A.DUPLICATE,)),
    Rule("a request is promoted", Verb.REQUEST_PROMOTED, always, K.REQUEST_PROMOTED, (A.REQUEST,)),
    Rule(
        "a card ships",
        Verb.ITEM_SHIPPED,
        always,
        K.REQUEST_SHIPPED,
        (A.SHIPPED_REQUESTS, A.ITEM),
    ),
    Rule("a measure slips", Verb.MEASURE_SLIPPED, always, K.MEASURE_SLIPPED, (A.PRODUCT,)),
    Rule("a renewal is due", Verb.RENEWAL_DUE, always, K.RENEWAL_DUE, (A.PRODUCT,)),
)


def rules_for(event: Event) -> list[Rule]:
    return [rule for rule in RULES if rule.verb is event.activity.verb and rule.when(event)]


# Who is in an audience --------------------------------------------------------------
# Each returns user id → the request that makes them hear (or None: the event's own).


def merged_duplicate_id(activity: Activity) -> int | None:
    """REQUEST_MERGED names the duplicate first in `before`: "#12 Its title"."""
    match = re.match(r"#(\d+)\b", activity.before or "")
    return int(match.group(1)) if match else None


def members(session: Session, audience: Audience, event: Event) -> dict[int, int | None]:
    """The audience's people for `event` (nobody when the event is not about
    what the audience follows)."""
    activity = event.activity
    request, item, product = activity.request, activity.item, activity.product
    if audience is Audience.REQUEST:
        return dict.fromkeys(followers(session, "request", [request.id] if request else []))
    if audience is Audience.DUPLICATE:
        duplicate_id = merged_duplicate_id(activity)
        return dict.fromkeys(followers(session, "request", [duplicate_id] if duplicate_id else []))
    if audience is Audience.SHIPPED_REQUESTS:
        answered = item.requests if item else []
        shipped = [linked.id for linked in answered if linked.status is RequestStatus.SHIPPED]
        return dict(followers(session, "request", shipped))
    if audience is Audience.ITEM:
        return dict.fromkeys(followers(session, "item", [item.id] if item else []))
    if audience is Audience.PRODUCT:
        return dict.fromkeys(followers(session, "product", [product.id] if product else []))
    if audience is Audience.MENTIONED:
        comment = activity.comment
        if comment is None:
            return {}
        before = set(mentioned_handles(event.earlier_text))
        handles = [handle for handle in mentioned_handles(comment.body) if handle not in before]
        return dict.fromkeys(user.id for user in resolve(session, handles).values())
    raise ValueError(audience)


# What they are told --------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def words(kind: NotificationKind, event: Event, session: Session) -> tuple[str, str | None]:
    """(subject, detail) of a notification of `kind` about `event`."""
    activity = event.activity
    request, item, product = activity.request, activity.item, activity.product
    comment = activity.comment
    opening = _clip(comment.body, OPENING_LENGTH) if comment is not None else None
    actor = activity.actor.display_name if activity.actor else "Someone"
    match kind:
        case NotificationKind.MENTION:
            return f"{actor} mentioned you on “{activity.subject}”", opening
        case NotificationKind.NEW_COMMENT:
            return f"{actor} commented on “{activity.subject}”", opening
        case NotificationKind.NEW_REQUEST:
            return (
                f"New request for {product.name}: “{request.title}”",
                _clip(request.description or "", OPENING_LENGTH) or None,
            )
        case NotificationKind.REQUEST_TRIAGED:
            status = event.new_status.label.lower() if event.new_status else activity.after
            return f"“{request.title}” is now {status}", None
        case NotificationKind.REQUEST_DECLINED:
            return f"“{request.title}” was declined", request.decline_reason
        case NotificationKind.REQUEST_MERGED:
            duplicate_id = merged_duplicate_id(activity)
            duplicate = session.get(Request, duplicate_id) if duplicate_id else None
            name = f"“{duplicate.title}”" if duplicate else "A request you follow"
            return (
                f"{name} was merged into #{request.id} “{request.title}”",
                "Its votes moved there, and you now follow that request.",
            )
        case NotificationKind.REQUEST_PROMOTED:
            return (
                f"“{request.title}” is on the roadmap",
                f"Card “{item.title}” in {item.column.label}." if item else None,
            )
        case NotificationKind.REQUEST_SHIPPED if item is not None:
            return f"“{item.title}” shipped", item.release_note
        case NotificationKind.REQUEST_SHIPPED:
            return f"“{request.title}” shipped", None
        case NotificationKind.MEASURE_SLIPPED:
            turned = f" is {activity.after.lower()}" if activity.after else " slipped"
            return f"{product.name}: {activity.subject}{turned}", None
        case NotificationKind.RENEWAL_DUE:
            return f"The contract for {product.name} renews within 90 days", activity.after
    raise ValueError(kind)


# The subscriber ------------------------------------------------------------------------


def notify(session: Session, activity: Activity) -> None:
    """Tell whoever the table names about `activity`, in its transaction."""
    comment = activity.comment
    earlier = comment.earlier_body if activity.verb is Verb.COMMENT_EDITED and comment else None
    event = Event(activity, earlier_text=earlier)
    session.flush()  # the event (and what it is about) get their ids
    for notification, delivery in tell(session, event):
        if delivery is EmailDelivery.AT_ONCE:
            outbox.enqueue_email(session, notification)
    outbox.enqueue_webhooks(session, activity)


def tell(session: Session, event: Event) -> list[tuple[Notification, EmailDelivery]]:
    """Write the notifications of `event`; returns each (with its id and its
    person loaded) with how that person wants email of its kind."""
    rules = rules_for(event)
    if not rules:
        return []
    activity = event.activity
    chosen: dict[int, tuple[NotificationKind, int | None]] = {}
    for rule in rules:
        for audience in rule.audiences:
            for user_id, reason in members(session, audience, event).items():
                chosen.setdefault(user_id, (rule.kind, reason))
    if activity.actor is not None:
        chosen.pop(activity.actor.id, None)
    if not chosen:
        return []
    kinds = {kind for kind, _ in chosen.values()}
    rows = session.execute(
        sa.select(User.id, NotificationPreference.kind, NotificationPreference.delivery)
        .outerjoin(
            NotificationPreference,
            sa.and_(
                NotificationPreference.user_id == User.id, NotificationPreference.kind.in_(kinds)
            ),
        )
        .where(User.id.in_(chosen), User.active)
    ).all()
    delivery: dict[int, dict[NotificationKind, EmailDelivery]] = {}
    for user_id, kind, preferred in rows:
        delivery.setdefault(user_id, {})
        if kind is not None:
            delivery[user_id][kind] = preferred
    texts = {kind: words(kind, event, session) for kind in kinds}
    rows = []
    for user_id in sorted(delivery):
        kind, reason = chosen[user_id]
        subject, detail = texts[kind]
        rows.append(
            {
                "user_id": user_id,
                "activity_id": activity.id,
                "kind": kind,
                "actor_id": activity.actor_id,
                "product_id": activity.product_id,
                "request_id": reason or activity.request_id,
                "item_id": activity.item_id,
                "subject": _clip(subject, SUBJECT_LENGTH),
                "detail": detail,
            }
        )
    # One statement for any number of people, then the rows back with their ids.
    session.execute(sa.insert(Notification), rows)
    written = session.execute(
        sa.select(Notification)
        .where(Notification.activity_id == activity.id)
        .options(joinedload(Notification.user))
        .order_by(Notification.user_id)
    ).scalars()
    return [
        (
            notification,
            delivery[notification.user_id].get(
                notification.kind, DEFAULT_EMAIL_DELIVERY[notification.kind]
            ),
        )
        for notification in written
    ]


_installed: list[Callable[[], None]] = []


def install() -> None:
    """Subscribe `notify` to every subscribable event (once per process)."""
    if not _installed:
        _installed.append(events.subscribe_in_transaction(notify))
