"""The loop closes, end to end (#13, "done when"): a stakeholder who raised a
request hears, in the app and by email through a real SMTP conversation, when
it is triaged, declined, merged, promoted and shipped, with the reason or the
release note; a webhook receiver gets each event signed and exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import (
    Notification,
    NotificationKind,
    Request,
    RoadmapItem,
    Role,
    WebhookPreset,
)
from portfolio.models.base import utcnow
from portfolio.notifications import webhooks as hooks
from tests.delivery_helpers import MAIL_BASE_URL, deliver, text_of
from tests.helpers import parse_html
from tests.test_delivery_webhooks import Receiver

BASE_URL = MAIL_BASE_URL


@pytest.fixture
def app_settings(mail_settings):
    return mail_settings


@pytest.fixture
def people(make, client_for, users):
    department = make.department(name="Finance")
    sam = make.user(Role.STAKEHOLDER, email="sam@example.test", department_id=department.id)
    vic = make.user(Role.STAKEHOLDER, email="vic@example.test", department_id=department.id)
    return {
        "sam": (sam, client_for(sam)),
        "vic": (vic, client_for(vic)),
        "pm": (users["pm"], client_for(users["pm"])),
        "department": department,
    }


def raise_request(people, product, title: str) -> Request:
    _, client = people["sam"]
    answer = client.post(
        "/requests/new",
        data={
            "product_id": product.id,
            "title": title,
            "description": "We need it for month-end.",
            "department_id": people["department"].id,
        },
    )
    assert answer.status_code == 302, answer.text
    request_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Request, request_id)


def mails_to(smtp, address: str) -> list[tuple[str, str]]:
    return [(mail["Subject"], text_of(mail)) for mail in smtp.to(address)]


def test_a_requester_hears_every_decision_by_mail_and_in_the_app(smtp, make, people):
    product = make.product(name="Ledger")
    sam, pm_client = people["sam"][0], people["pm"][1]

    # Triaged, then promoted to the board, then shipped with a release note.
    wanted = raise_request(people, product, "Export to CSV")
    assert (
        people["vic"][1].post(f"/requests/{wanted.id}/vote", data={"state": "on"}).status_code
        == 302
    )
    pm_client.post(f"/requests/{wanted.id}/status", data={"status": "under_review"})
    assert pm_client.post(f"/requests/{wanted.id}/promote").status_code == 302
    card = db.session.execute(sa.select(RoadmapItem)).scalar_one()
    shipped = pm_client.post(
        f"/board/items/{card.id}/ship",
        data={
            "release_note": "CSV export is live for everyone.",
            "shipped_on": "2026-12-01",
            "version": card.version,
        },
    )
    assert shipped.status_code == 302
    # Declined with a reason; merged into the first as a duplicate.
    refused = raise_request(people, product, "Export to Lotus 1-2-3")
    pm_client.post(
        f"/requests/{refused.id}/status",
        data={"status": "declined", "reason": "Nobody has Lotus any more."},
    )
    again = raise_request(people, product, "CSV, please")
    pm_client.post(
        f"/requests/{again.id}/status", data={"status": "duplicate", "duplicate_of": wanted.id}
    )

    report = deliver()
    assert report.failed == 0

    kinds = [
        n.kind
        for n in db.session.execute(
            sa.select(Notification).where(Notification.user_id == sam.id).order_by(Notification.id)
        ).scalars()
    ]
    assert kinds == [
        NotificationKind.REQUEST_TRIAGED,
        NotificationKind.REQUEST_PROMOTED,
        NotificationKind.REQUEST_SHIPPED,
        NotificationKind.REQUEST_DECLINED,
        NotificationKind.REQUEST_MERGED,
    ]
    mails = mails_to(smtp, "sam@example.test")
    assert len(mails) == 5  # once each, nothing twice
    bodies = "\n".join(text for _, text in mails)
    assert "CSV export is live for everyone." in bodies
    assert f"{BASE_URL}/board/items/{card.id}" in bodies
    assert "Nobody has Lotus any more." in bodies
    assert f"{BASE_URL}/requests/{wanted.id}" in bodies  # the original of the duplicate
    # The voter hears the ship once too, with the release note.
    vic_mails = mails_to(smtp, "vic@example.test")
    shipped_mails = [text for _, text in vic_mails if "CSV export is live" in text]
    assert len(shipped_mails) == 1
    # Nobody hears about their own action.
    assert mails_to(smtp, people["pm"][0].email) == []
    # A second pass sends nothing again.
    deliver()
    assert len(mails_to(smtp, "sam@example.test")) == 5


def test_the_bell_counts_what_is_unread(make, people):
    product = make.product()
    wanted = raise_request(people, product, "Dark mode")
    people["pm"][1].post(f"/requests/{wanted.id}/status", data={"status": "planned"})
    _, sam_client = people["sam"]
    bell = parse_html(sam_client.get("/products").text).by_id("bell")
    assert bell.one("[data-testid=bell-count]").text == "1"
    sam_client.post("/notifications/read")
    bell = parse_html(sam_client.get("/products").text).by_id("bell")
    assert bell.one("[data-testid=bell-count]").text == "0"


def test_a_webhook_receives_a_ship_signed_and_once(httpserver, make, people, users):
    receiver = Receiver(httpserver, statuses=(500,))  # fails once, then accepts
    webhook = hooks.create_webhook(
        db.session,
        users["admin"],
        name="Chat",
        url=receiver.url,
        preset=WebhookPreset.STANDARD,
        verbs=(),
    )
    db.session.commit()
    product = make.product()
    wanted = raise_request(people, product, "Single sign-on")
    pm_client = people["pm"][1]
    pm_client.post(f"/requests/{wanted.id}/promote")
    card = db.session.execute(sa.select(RoadmapItem)).scalar_one()
    pm_client.post(
        f"/board/items/{card.id}/ship",
        data={"release_note": "SSO is on.", "shipped_on": "2026-12-01", "version": card.version},
    )

    deliver()  # the first try of the ship's delivery fails (500)…
    deliver(now=utcnow() + timedelta(hours=7))  # …the retry, when due, succeeds
    deliver(now=utcnow() + timedelta(hours=14))
    payloads = receiver.verified(webhook.secret)
    types = [payload["type"] for payload in payloads]
    assert types.count("item_shipped") == 1
    assert len(set(receiver.ids)) == len(payloads) - 1  # only the refused try repeats an id
