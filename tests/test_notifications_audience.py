"""Who hears what: every row of the audience table, through the domain
function that records its event, with who gets a notification and who does
not (the actor never, deactivated people never, whoever unwatched never).

The outbox is stubbed here (the delivery work tests mail and webhooks end to
end): these tests see which notifications asked for an email at once and
which events asked for webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from portfolio.activity.trail import record
from portfolio.board.items import promote_request
from portfolio.board.moves import ship
from portfolio.comments.threads import edit_comment, post_comment
from portfolio.extensions import db
from portfolio.models import (
    DEFAULT_EMAIL_DELIVERY,
    EmailDelivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    Request,
    RequestStatus,
    RoadmapItem,
    User,
    Verb,
)
from portfolio.notifications import outbox
from portfolio.notifications.audience import RULES
from portfolio.notifications.mentions import handle_of
from portfolio.notifications.watches import is_watching, unwatch, watch
from portfolio.requests.submissions import submit_request
from portfolio.requests.triage import change_status
from tests.helpers import count_rows

K = NotificationKind


@dataclass
class Outbox:
    emails: list[tuple[int, NotificationKind]]
    webhooks: list[Verb]


@pytest.fixture(autouse=True)
def sent(monkeypatch) -> Outbox:
    """The outbox's two entry points, recording what they were asked."""
    box = Outbox(emails=[], webhooks=[])
    monkeypatch.setattr(
        outbox,
        "enqueue_email",
        lambda session, notification: box.emails.append((notification.user_id, notification.kind)),
    )
    monkeypatch.setattr(
        outbox, "enqueue_webhooks", lambda session, activity: box.webhooks.append(activity.verb)
    )
    return box


ROLES = {
    "actor": "pm",
    "owner": "pm",
    "product_watcher": "leader",
    "requester": "stakeholder",
    "voter": "stakeholder",
    "commenter": "stakeholder",
    "request_watcher": "leader",
    "unwatched": "stakeholder",  # voted, then unwatched the request
    "gone": "stakeholder",  # voted, then was deactivated
    "card_owner": "pm",
    "card_watcher": "stakeholder",
    "bystander": "stakeholder",
}
REQUEST_FOLLOWERS = {"requester", "voter", "commenter", "request_watcher"}
PRODUCT_FOLLOWERS = {"owner", "product_watcher"}
CARD_FOLLOWERS = {"card_owner", "card_watcher"}


class World:
    """A product, a request and a card, and people in every relation to them."""

    def __init__(self, make) -> None:
        self.make = make
        self.people = {name: make.user(role, display_name=name) for name, role in ROLES.items()}
        p = self.people
        self.product = make.product(owner=p["owner"])
        self.request = make.request(self.product, requester=p["requester"])
        for voter in ("voter", "unwatched", "gone"):
            make.vote(self.request, p[voter])
        make.comment(author=p["commenter"], request=self.request, body="Me too")
        self.card = make.item(self.product, owner=p["card_owner"], requests=[self.request])
        watch(db.session, p["product_watcher"], self.product)
        watch(db.session, p["request_watcher"], self.request)
        watch(db.session, p["card_watcher"], self.card)
        unwatch(db.session, p["unwatched"], self.request)
        p["gone"].deactivate()
        db.session.commit()
        self.names = {user.id: name for name, user in p.items()}

    def __getitem__(self, name: str) -> User:
        return self.people[name]

    def mention(self, name: str) -> str:
        return "@" + handle_of(self.people[name].email)

    def told(self, since: int = 0) -> dict[str, NotificationKind]:
        rows = db.session.execute(
            sa.select(Notification.user_id, Notification.kind).where(Notification.id > since)
        ).all()
        names = [self.names[user_id] for user_id, _ in rows]
        assert len(names) == len(set(names)), "someone was told twice"
        return {self.names[user_id]: kind for user_id, kind in rows}


@pytest.fixture
def world(make) -> World:
    return World(make)


def last_notification_id() -> int:
    return db.session.execute(sa.select(sa.func.max(Notification.id))).scalar() or 0


# One case per row of the table: what triggers it, and everyone told. --------------


def mention_in_new_comment(w: World) -> dict:
    body = f"{w.mention('bystander')} and {w.mention('gone')}, see this. cc {w.mention('actor')}"
    post_comment(db.session, "product", w.product, w["actor"], body)
    return {"bystander": K.MENTION} | dict.fromkeys(PRODUCT_FOLLOWERS, K.NEW_COMMENT)


def mention_added_by_edit(w: World) -> dict:
    comment = w.make.comment(author=w["actor"], product=w.product, body=w.mention("requester"))
    body = f"{w.mention('requester')} and {w.mention('bystander')}"
    edit_comment(db.session, comment, body, w["actor"])
    return {"bystander": K.MENTION}


def comment_on_request(w: World) -> dict:
    post_comment(db.session, "request", w.request, w["actor"], "Looking at it")
    return dict.fromkeys(REQUEST_FOLLOWERS | PRODUCT_FOLLOWERS, K.NEW_COMMENT)


def comment_on_card(w: World) -> dict:
    post_comment(db.session, "item", w.card, w["actor"], "Sized it")
    return dict.fromkeys(CARD_FOLLOWERS | PRODUCT_FOLLOWERS, K.NEW_COMMENT)


def comment_on_product(w: World) -> dict:
    post_comment(db.session, "product", w.product, w["actor"], "Upgrade next week")
    return dict.fromkeys(PRODUCT_FOLLOWERS, K.NEW_COMMENT)


def new_request(w: World) -> dict:
    submit_request(
        db.session,
        w["bystander"],
        product_id=w.product.id,
        title="Bulk export",
        description="All of it",
        department_id=None,
    )
    return dict.fromkeys(PRODUCT_FOLLOWERS, K.NEW_REQUEST)


def triaged(w: World) -> dict:
    change_status(db.session, w.request, RequestStatus.UNDER_REVIEW, w["actor"])
    return dict.fromkeys(REQUEST_FOLLOWERS, K.REQUEST_TRIAGED)


def declined(w: World) -> dict:
    change_status(
        db.session, w.request, RequestStatus.DECLINED, w["actor"], reason="No budget this year"
    )
    return dict.fromkeys(REQUEST_FOLLOWERS, K.REQUEST_DECLINED)


def shipped_by_triage(w: World) -> dict:
    change_status(db.session, w.request, RequestStatus.SHIPPED, w["actor"])
    return dict.fromkeys(REQUEST_FOLLOWERS, K.REQUEST_SHIPPED)


def merged(w: World) -> dict:
    duplicate = w.make.request(w.product, requester=w["bystander"])
    w.make.vote(duplicate, w["card_watcher"])
    change_status(
        db.session, duplicate, RequestStatus.DUPLICATE, w["actor"], duplicate_of=w.request
    )
    return dict.fromkeys({"bystander", "card_watcher"}, K.REQUEST_MERGED)


def promoted(w: World) -> dict:
    promote_request(db.session, w.request, w["actor"])  # also makes it planned: told once
    return dict.fromkeys(REQUEST_FOLLOWERS, K.REQUEST_PROMOTED)


def card_ships(w: World) -> dict:
    ship(
        db.session,
        w.card,
        release_note="Exports now run overnight.",
        shipped_on=date(2026, 12, 1),
        expected_version=w.card.version,
        actor=w["actor"],
    )
    return dict.fromkeys(REQUEST_FOLLOWERS | CARD_FOLLOWERS, K.REQUEST_SHIPPED)


def measure_slips(w: World) -> dict:
    record(
        db.session,
        w["actor"],
        Verb.MEASURE_SLIPPED,
        subject="Days to close",
        product=w.product,
        before="On track",
        after="At risk",
    )
    return dict.fromkeys(PRODUCT_FOLLOWERS, K.MEASURE_SLIPPED)


def renewal_due(w: World) -> dict:
    record(db.session, None, Verb.RENEWAL_DUE, subject=w.product.name, product=w.product)
    return dict.fromkeys(PRODUCT_FOLLOWERS, K.RENEWAL_DUE)


CASES = {
    "a comment mentions someone": mention_in_new_comment,
    "an edit mentions someone new": mention_added_by_edit,
    "a comment on a request": comment_on_request,
    "a comment on a card": comment_on_card,
    "a comment on a product": comment_on_product,
    "a new request": new_request,
    "a request is triaged": triaged,
    "a request is declined": declined,
    "a request is marked shipped without a card": shipped_by_triage,
    "a request is merged": merged,
    "a request is promoted": promoted,
    "a card ships": card_ships,
    "a measure slips": measure_slips,
    "a renewal is due": renewal_due,
}


def test_every_row_of_the_table_has_a_case():
    assert [rule.name for rule in RULES] == list(CASES)


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_each_row_tells_its_audience_and_nobody_else(world, rule, sent):
    since = last_notification_id()
    expected = CASES[rule.name](world)
    db.session.commit()

    told = world.told(since)
    assert told == expected
    assert rule.kind in told.values()
    assert "actor" not in told and "gone" not in told and "unwatched" not in told
    # Email at once follows the defaults (no preference rows here).
    at_once = {
        k for k, delivery in DEFAULT_EMAIL_DELIVERY.items() if delivery is EmailDelivery.AT_ONCE
    }
    assert sorted(sent.emails) == sorted(
        (world[name].id, kind) for name, kind in told.items() if kind in at_once
    )


# What each is told ------------------------------------------------------------------


def notifications_for(user: User) -> list[Notification]:
    return list(
        db.session.execute(
            sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        ).scalars()
    )


def test_a_ship_tells_each_follower_once_with_the_release_note_and_the_card(world, make, sent):
    """Two requests answered by one card: whoever follows both hears once."""
    other = make.request(world.product, requester=world["bystander"])
    make.vote(other, world["voter"])  # the voter follows both requests
    world.card.requests.append(other)
    db.session.commit()

    shipped = ship(
        db.session,
        world.card,
        release_note="Exports now run **overnight**.",
        shipped_on=date(2026, 12, 1),
        expected_version=world.card.version,
        actor=world["actor"],
    )
    db.session.commit()

    assert {request.id for request in shipped} == {world.request.id, other.id}
    for name in ("requester", "voter", "bystander"):
        (notification,) = notifications_for(world[name])
        assert notification.kind is K.REQUEST_SHIPPED
        assert notification.detail == "Exports now run **overnight**."
        assert notification.item_id == world.card.id
        assert notification.subject == f"“{world.card.title}” shipped"
        assert Verb(notification.activity.verb) is Verb.ITEM_SHIPPED
    # Each links to the request they follow (the first, for a follower of both).
    assert notifications_for(world["bystander"])[0].request_id == other.id
    assert notifications_for(world["voter"])[0].request_id == world.request.id
    assert notifications_for(world["requester"])[0].request_id == world.request.id
    # One email each (shipped news is "at once" by default), none to the actor.
    assert sorted(user_id for user_id, _ in sent.emails) == sorted(
        world[name].id for name in REQUEST_FOLLOWERS | CARD_FOLLOWERS | {"bystander"}
    )
    # Webhooks are asked once per event: two status changes and the ship.
    assert sent.webhooks == [Verb.REQUEST_STATUS_CHANGED] * 2 + [Verb.ITEM_SHIPPED]


def test_a_decline_tells_the_requester_why(world):
    change_status(
        db.session,
        world.request,
        RequestStatus.DECLINED,
        world["actor"],
        reason="The vendor retires this module in March.",
    )
    db.session.commit()
    (notification,) = notifications_for(world["requester"])
    assert notification.kind is K.REQUEST_DECLINED
    assert notification.detail == "The vendor retires this module in March."
    assert notification.request_id == world.request.id
    assert notification.actor_id == world["actor"].id


def test_triage_says_the_new_status(world):
    change_status(db.session, world.request, RequestStatus.IN_PROGRESS, world["actor"])
    db.session.commit()
    (notification,) = notifications_for(world["voter"])
    assert notification.subject == f"“{world.request.title}” is now in progress"


def test_a_merge_points_at_the_original_and_its_followers_follow_it(world, make):
    duplicate = make.request(world.product, requester=world["bystander"], title="Copy")
    make.vote(duplicate, world["card_watcher"])
    make.comment(author=world["product_watcher"], request=duplicate)
    unwatch(db.session, world["card_owner"], world.request)  # had said no to the original
    watch(db.session, world["card_owner"], duplicate)
    db.session.commit()

    change_status(
        db.session, duplicate, RequestStatus.DUPLICATE, world["actor"], duplicate_of=world.request
    )
    db.session.commit()

    (notification,) = notifications_for(world["card_watcher"])
    assert notification.kind is K.REQUEST_MERGED
    assert notification.request_id == world.request.id  # the link goes to the original
    assert "“Copy” was merged into" in notification.subject
    for name in ("bystander", "card_watcher", "product_watcher"):
        assert is_watching(db.session, world[name], world.request), name
    assert not is_watching(db.session, world["card_owner"], world.request)

    # They hear what happens to the original from now on.
    since = last_notification_id()
    change_status(db.session, world.request, RequestStatus.PLANNED, world["actor"])
    db.session.commit()
    told = world.told(since)
    assert {"bystander", "card_watcher", "product_watcher"} <= set(told)
    assert "card_owner" not in told


def test_a_promotion_names_the_card(world):
    item = promote_request(db.session, world.request, world["actor"])
    db.session.commit()
    (notification,) = notifications_for(world["requester"])
    assert notification.kind is K.REQUEST_PROMOTED
    assert notification.item_id == item.id
    assert notification.detail == f"Card “{item.title}” in Later."
    assert db.session.get(Request, world.request.id).status is RequestStatus.PLANNED


def test_a_rolled_back_ship_tells_nobody(world, sent):
    ship(
        db.session,
        world.card,
        release_note="Never happened",
        shipped_on=date(2026, 12, 1),
        expected_version=world.card.version,
        actor=world["actor"],
    )
    db.session.rollback()
    assert count_rows(Notification) == 0
    assert db.session.get(Request, world.request.id).status is RequestStatus.NEW


# Mentions ---------------------------------------------------------------------------


def test_a_mention_is_a_link_and_tells_the_person(world):
    comment = post_comment(
        db.session,
        "request",
        world.request,
        world["actor"],
        f"Thanks {world.mention('bystander')}! Not `{world.mention('owner')}` in code.",
    )
    db.session.commit()
    email = world["bystander"].email
    assert (
        f'<a href="mailto:{email}" class="mention" title="bystander" rel="nofollow noopener">'
        f"@{handle_of(email)}</a>"
    ) in comment.body_html
    assert "<code>@" in comment.body_html
    (notification,) = notifications_for(world["bystander"])
    assert notification.kind is K.MENTION
    assert notification.subject == f"actor mentioned you on “{world.request.title}”"
    assert notification.detail.startswith("Thanks @")
    # The owner was only named in code: told of a new comment, not mentioned.
    assert notifications_for(world["owner"])[0].kind is K.NEW_COMMENT


def test_a_handle_two_people_share_names_nobody_but_a_full_address_does(make, world):
    first = make.user(email="sam@north.example", display_name="Sam North")
    second = make.user(email="sam@south.example", display_name="Sam South")
    comment = post_comment(
        db.session, "product", world.product, world["actor"], "@sam and @sam@south.example"
    )
    db.session.commit()
    assert notifications_for(first) == []
    assert [n.kind for n in notifications_for(second)] == [K.MENTION]
    assert comment.body_html.count('class="mention"') == 1


def test_mentions_are_suggested_from_the_directory(client_as, make):
    make.user(email="priya.patel@example.test", display_name="Priya Patel")
    make.user(email="priya@other.example", display_name="Priya Shah")
    make.user(email="priya@example.test", display_name="Priya Old", active=False)
    for n in range(12):
        make.user(email=f"person{n}@example.test", display_name=f"Person {n}")
    client = client_as("stakeholder")

    answer = client.hx_get("/people/suggest?q=pri&field=comment-body-request-7")
    assert answer.status_code == 200 and "<html" not in answer.text
    assert 'data-mention="@priya.patel"' in answer.text
    assert 'data-mention="@priya"' in answer.text  # Priya Old is deactivated
    assert 'data-mention-field="comment-body-request-7"' in answer.text
    assert "Priya Old" not in answer.text

    many = client.hx_get("/people/suggest?q=person&field=comment-body-request-7")
    assert many.text.count("data-mention=") == 8

    # An unknown box is never written to; without JavaScript, a page of handles.
    odd = client.hx_get("/people/suggest?q=pri&field=password")
    assert "data-mention=" not in odd.text and "@priya.patel" in odd.text
    page = client.get("/people/suggest?q=pri")
    assert "<html" in page.text and "<code>@priya.patel</code>" in page.text


# Preferences, accounts, costs ----------------------------------------------------------


def test_email_at_once_follows_each_persons_preference(world, sent):
    for name, delivery in (("voter", EmailDelivery.OFF), ("commenter", EmailDelivery.WEEKLY)):
        db.session.add(
            NotificationPreference(
                user_id=world[name].id, kind=K.REQUEST_DECLINED, delivery=delivery
            )
        )
    db.session.add(
        NotificationPreference(
            user_id=world["owner"].id, kind=K.NEW_REQUEST, delivery=EmailDelivery.AT_ONCE
        )
    )
    db.session.commit()
    change_status(db.session, world.request, RequestStatus.DECLINED, world["actor"], reason="No")
    submit_request(
        db.session,
        world["bystander"],
        product_id=world.product.id,
        title="Another",
        description="",
        department_id=None,
    )
    db.session.commit()
    emailed = {(world.names[user_id], kind) for user_id, kind in sent.emails}
    assert emailed == {
        ("requester", K.REQUEST_DECLINED),
        ("request_watcher", K.REQUEST_DECLINED),
        ("owner", K.NEW_REQUEST),
    }
    # Whatever their email preference, everyone still sees it in the app.
    assert {name for name in world.told() if world.told()[name] is K.REQUEST_DECLINED} == (
        REQUEST_FOLLOWERS
    )


def test_every_subscribable_event_asks_for_webhooks_once(world, sent):
    record(db.session, world["actor"], Verb.PRODUCT_EDITED, subject="x", product=world.product)
    record(db.session, world["actor"], Verb.TOKEN_CREATED, subject="private")
    db.session.commit()
    assert sent.webhooks == [Verb.PRODUCT_EDITED]


def card_with_followers(make, owner: User, requester: User, followers: int) -> int:
    product = make.product(owner=owner)
    request = make.request(product, requester=requester)
    for _ in range(followers):
        voter = make.user()
        make.vote(request, voter)
        make.comment(author=voter, request=request)
        watch(db.session, make.user(), request)
    card = make.item(product, requests=[request])
    watch(db.session, make.user(), card)
    db.session.commit()
    return card.id


def test_telling_costs_the_same_whatever_the_number_of_followers(make, users, count_queries):
    """Audiences are read in batches: a ship telling 50 people costs what one
    telling 4 does (the outbox is stubbed: its own cost is the delivery work's)."""
    costs = {}
    for followers in (2, 2, 25):  # the first warms up what is loaded once
        card_id = card_with_followers(make, users["pm"], users["stakeholder"], followers)
        db.session.expire_all()
        with count_queries() as queries:
            item = db.session.get(RoadmapItem, card_id)
            ship(
                db.session,
                item,
                release_note="Done",
                shipped_on=date(2026, 12, 1),
                expected_version=item.version,
                actor=users["admin"],
            )
            db.session.commit()
        costs[followers] = len(queries)
    told = db.session.execute(
        sa.select(sa.func.count()).where(Notification.kind == K.REQUEST_SHIPPED)
    ).scalar_one()
    assert told == (2 * 2 + 2) * 2 + (25 * 2 + 2)
    assert costs[25] == costs[2], costs
