"""Notifications in the app: the bell, /notifications, reading them; and the
request page showing the card that answers it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portfolio.board.moves import ship
from portfolio.extensions import db
from portfolio.models import Column, Notification, NotificationKind, RequestStatus
from portfolio.notifications import outbox
from portfolio.requests.triage import change_status
from tests.helpers import count_rows, parse_html


@pytest.fixture(autouse=True)
def quiet_outbox(monkeypatch):
    """Mail and webhooks are the delivery work's (tested there)."""
    monkeypatch.setattr(outbox, "enqueue_email", lambda session, notification: None)
    monkeypatch.setattr(outbox, "enqueue_webhooks", lambda session, activity: [])


def notify(
    user,
    *,
    request=None,
    item=None,
    product=None,
    subject="News",
    at=None,
    read=False,
    kind=NotificationKind.REQUEST_TRIAGED,
):
    notification = Notification(
        user_id=user.id,
        kind=kind,
        request=request,
        item=item,
        product=product,
        subject=subject,
        created_at=at or datetime.now(UTC),
        read_at=datetime.now(UTC) if read else None,
    )
    db.session.add(notification)
    db.session.commit()
    return notification


def bell(page_text: str):
    return parse_html(page_text).one("#bell")


def spoken(element) -> str:
    """The element's text as a screen reader reads it (aria-hidden parts left out)."""
    hidden = " ".join(part.text for part in element.select("[aria-hidden=true]"))
    return element.text.replace(hidden, "").strip()


# The bell ------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_with_a_text_label(client_as, users, make):
    request = make.request()
    client = client_as("stakeholder")
    assert spoken(bell(client.get("/requests").text)) == "Notifications: 0 unread"
    notify(users["stakeholder"], request=request)
    notify(users["stakeholder"], request=request, read=True)
    notify(users["leader"], request=request)
    link = bell(client.get("/requests").text)
    assert spoken(link) == "Notifications: 1 unread"
    assert link["href"] == "/notifications"
    assert link["hx-trigger"] == "every 30s"
    assert "has-unread" in link.classes


def test_the_bell_counts_another_persons_action_on_the_next_page(client_as, users, make):
    mine = make.request(requester=users["stakeholder"])
    client = client_as("stakeholder")
    assert bell(client.get("/requests").text).one(".bell-count").text == "0"
    change_status(db.session, mine, RequestStatus.PLANNED, users["pm"])
    db.session.commit()
    assert bell(client.get("/requests").text).one(".bell-count").text == "1"


def test_the_bell_poll_answers_204_while_the_count_is_unchanged(client_as, users, make):
    client = client_as("stakeholder")
    unchanged = client.hx_get("/notifications/bell?shown=0")
    assert unchanged.status_code == 204 and unchanged.text == ""
    notify(users["stakeholder"], request=make.request())
    changed = client.hx_get("/notifications/bell?shown=0")
    assert changed.status_code == 200
    assert "<html" not in changed.text
    link = bell(changed.text)
    assert link.one(".bell-count").text == "1"
    assert link["hx-get"] == "/notifications/bell?shown=1"
    assert client.hx_get("/notifications/bell?shown=1").status_code == 204
    assert "HX-Request" in changed.headers["Vary"]


def test_the_bell_caps_its_count(client_as, users, make):
    request = make.request()
    db.session.add_all(
        Notification(
            user_id=users["pm"].id,
            kind=NotificationKind.NEW_COMMENT,
            request=request,
            subject=f"n{n}",
        )
        for n in range(105)
    )
    db.session.commit()
    assert bell(client_as("pm").get("/notifications").text).one(".bell-count").text == "99+"


@pytest.mark.parametrize("many", [1, 40])
def test_the_bell_poll_costs_one_query_besides_signing_in(
    client_as, users, make, count_queries, many
):
    request = make.request()
    for _ in range(many):
        notify(users["stakeholder"], request=request)
    client = client_as("stakeholder")
    with count_queries() as queries:
        assert client.hx_get(f"/notifications/bell?shown={many}").status_code == 204
    counts = [q for q in queries if "notification" in q]
    assert len(counts) == 1
    assert len(queries) == 2  # the signed-in user, and the count


# The list -------------------------------------------------------------------------------


def test_the_list_is_newest_first_grouped_by_day_and_links_each_thing(client_as, users, make):
    product = make.product(slug="erp")
    request, card = make.request(product, title="Faster close"), make.item(product, title="Close")
    now = datetime.now(UTC)
    me = users["stakeholder"]
    notify(
        me,
        product=product,
        subject="Old news",
        at=now - timedelta(days=3),
        kind=NotificationKind.RENEWAL_DUE,
    )
    notify(
        me,
        item=card,
        subject="Card news",
        at=now - timedelta(days=1),
        kind=NotificationKind.REQUEST_SHIPPED,
    )
    for n in range(3):
        notify(
            me,
            request=request,
            subject=f"Comment {n}",
            at=now - timedelta(minutes=10 - n),
            kind=NotificationKind.NEW_COMMENT,
        )
    notify(me, request=request, subject="Newest", at=now, kind=NotificationKind.REQUEST_TRIAGED)
    notify(users["leader"], request=request, subject="Not mine")

    page = parse_html(client_as("stakeholder").get("/notifications").text)
    days = [heading.text for heading in page.select(".notification-day")]
    assert days[:2] == ["Today", "Yesterday"] and len(days) == 3
    entries = page.select("[data-testid=notification]")
    subjects = [entry.one("strong").text for entry in entries]
    # Three comments on one request in a row read as one line.
    assert subjects == ["Newest", "Comment 2", "Card news", "Old news"]
    assert "and 2 more like it" in entries[1].text
    assert "Not mine" not in page.text
    links = {entry.one("strong").text: entry.one("a")["href"] for entry in entries}
    opened = client_as("stakeholder").get(links["Old news"])
    assert opened.headers["Location"] == "/products/erp"
    assert client_as("stakeholder").get(links["Card news"]).headers["Location"] == (
        f"/board/items/{card.id}"
    )


def test_the_list_is_paginated(client_as, users, make):
    request = make.request()
    db.session.add_all(
        Notification(
            user_id=users["pm"].id,
            kind=NotificationKind.MENTION,
            request=request,
            subject=f"Mention {n}",
            created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        )
        for n in range(120)
    )
    db.session.commit()
    client = client_as("pm")
    first = parse_html(client.get("/notifications").text)
    assert len(first.select("[data-testid=notification]")) == 50
    assert first.select("[data-testid=notification] strong")[0].text == "Mention 119"
    last = parse_html(client.get("/notifications?page=3").text)
    assert len(last.select("[data-testid=notification]")) == 20
    assert "Page 3 of 3" in last.text


def test_opening_a_notification_reads_it_and_those_about_the_same_thing(client_as, users, make):
    request, other = make.request(), make.request()
    me = users["stakeholder"]
    first = notify(me, request=request)
    notify(me, request=request)
    elsewhere = notify(me, request=other)
    client = client_as("stakeholder")
    answer = client.get(f"/notifications/{first.id}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/requests/{request.id}"
    unread = count_rows(Notification, Notification.user_id == me.id, Notification.read_at.is_(None))
    assert unread == 1
    assert db.session.get(Notification, elsewhere.id).read_at is None


def test_someone_elses_notification_is_a_404(client_as, users, make):
    theirs = notify(users["leader"], request=make.request())
    assert client_as("stakeholder").get(f"/notifications/{theirs.id}").status_code == 404
    assert client_as("stakeholder").get("/notifications/987654").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_mark_all_read(client_as, users, make):
    request = make.request()
    me = users["stakeholder"]
    for _ in range(3):
        notify(me, request=request)
    theirs = notify(users["leader"], request=request)
    client = client_as("stakeholder")

    refused = client.post("/notifications/read", csrf=False)
    assert refused.status_code == 400
    assert count_rows(Notification, Notification.read_at.is_(None)) == 4

    answer = client.hx_post("/notifications/read")
    assert answer.status_code == 200 and "<html" not in answer.text
    fragment = parse_html(answer.text)
    assert fragment.one("#notifications").select(".notification.unread") == []
    oob = fragment.one("#bell")
    assert oob["hx-swap-oob"] == "true" and oob.one(".bell-count").text == "0"
    assert count_rows(Notification, Notification.read_at.is_(None)) == 1
    assert db.session.get(Notification, theirs.id).read_at is None

    plain = client.post("/notifications/read")
    assert plain.status_code == 302 and plain.headers["Location"] == "/notifications"


@pytest.mark.parametrize("many", [3, 45])
def test_the_list_costs_the_same_whatever_its_length(client_as, users, make, count_queries, many):
    product = make.product()
    for n in range(many):
        author = make.user()
        request = make.request(product)
        card = make.item(product)
        notify(users["pm"], request=request, kind=NotificationKind.NEW_COMMENT, subject=f"r{n}")
        notify(users["pm"], item=card, kind=NotificationKind.REQUEST_SHIPPED, subject=f"c{n}")
        notification = notify(users["pm"], product=product, kind=NotificationKind.MEASURE_SLIPPED)
        notification.actor_id = author.id
    db.session.commit()
    client = client_as("pm")
    with count_queries() as queries:
        assert client.get("/notifications").status_code == 200
    # Signing in, the bell, the page and its total.
    assert len(queries) == 4


# The request page: the card that answers it -------------------------------------------


def test_a_request_shows_the_card_that_answers_it_and_its_release_note(client_as, users, make):
    product = make.product()
    request = make.request(product)
    card = make.item(
        product, column=Column.NEXT, owner=users["pm"], title="Bulk export", requests=[request]
    )
    client = client_as("stakeholder")
    page = parse_html(client.get(f"/requests/{request.id}").text)
    answer = page.one("[data-testid=answering-card]")
    assert answer.one("a")["href"] == f"/board/items/{card.id}"
    assert answer.one("[data-testid=answering-column]").text == "Next"
    assert f"Owner: {users['pm'].display_name}" in answer.text
    assert page.select("[data-testid=release-note]") == []

    ship(
        db.session,
        card,
        release_note="Exports run **overnight** now.",
        shipped_on=date(2026, 11, 30),
        expected_version=card.version,
        actor=users["pm"],
    )
    db.session.commit()
    page = parse_html(client.get(f"/requests/{request.id}").text)
    note = page.one("[data-testid=release-note]")
    assert "Shipped 30 Nov 2026" in note.text
    assert "<strong>overnight</strong>" in note.html
    assert page.one("[data-testid=request-status]").text == "Shipped"


@pytest.mark.parametrize(
    "role, sees", [("pm", True), ("admin", True), ("leader", False), ("stakeholder", False)]
)
def test_pms_may_promote_a_request_no_card_answers(client_as, make, role, sees):
    request = make.request()
    client = client_as(role)
    page = parse_html(client.get(f"/requests/{request.id}").text)
    forms = [
        form for form in page.select("form") if form["action"] == f"/requests/{request.id}/promote"
    ]
    assert bool(forms) == sees
    if sees:
        assert forms[0].one("button").text == "Promote to roadmap"
        answer = client.post(forms[0]["action"])
        assert answer.status_code == 302
        page = parse_html(client.get(f"/requests/{request.id}").text)
        assert page.one("[data-testid=answering-column]").text == "Later"
        assert not [f for f in page.select("form") if f["action"].endswith("/promote")]


def test_a_closed_request_offers_no_promotion(client_as, make):
    request = make.request(status=RequestStatus.DECLINED)
    page = client_as("pm").get(f"/requests/{request.id}").text
    assert "Promote to roadmap" not in page


def test_the_notifications_page_shows_what_a_decline_said(client_as, users, make):
    request = make.request(requester=users["stakeholder"], title="Dark mode")
    from_pm = client_as("pm").post(
        f"/requests/{request.id}/status", data={"status": "declined", "reason": "Not this year"}
    )
    assert from_pm.status_code == 302
    page = parse_html(client_as("stakeholder").get("/notifications").text)
    (entry,) = page.select("[data-testid=notification]")
    assert entry.one("strong").text == "“Dark mode” was declined"
    assert entry.one(".notification-detail").text == "Not this year"
    assert "unread" in entry.classes
    assert db.session.execute(sa.select(sa.func.count(Notification.id))).scalar_one() == 1
