"""Administrators register webhooks and read the delivery log (/admin/webhooks,
/admin/deliveries): forms that refuse bad input, a secret made by the server,
filters and pages, resend."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Channel,
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
    Verb,
    Webhook,
    WebhookPreset,
)
from portfolio.models.base import utcnow
from portfolio.notifications import webhooks as hooks
from tests.helpers import count_rows, parse_html

HOOK = "https://hooks.slack.test/services/T000/B000/XXXX"


def new_webhook(**fields) -> dict:
    data = {"name": "Product news", "url": HOOK, "preset": "slack"}
    data.update(fields)
    return data


def test_an_admin_registers_a_webhook_and_sees_its_secret(admin_client, users):
    answer = admin_client.post(
        "/admin/webhooks",
        data=new_webhook(events=["item_shipped", "request_status_changed"]),
    )
    assert answer.status_code == 302
    webhook = db.session.execute(sa.select(Webhook)).scalar_one()
    assert answer.headers["Location"] == f"/admin/webhooks/{webhook.id}"
    assert webhook.preset is WebhookPreset.SLACK and webhook.active
    assert webhook.events == "request_status_changed item_shipped"
    assert webhook.secret.startswith("whsec_") and len(webhook.secret) > 40
    page = parse_html(admin_client.get(answer.headers["Location"]).text)
    assert page.one('[data-testid="webhook-secret"]').text == webhook.secret
    ticked = {box["value"] for box in page.select("input[name=events][checked]")}
    assert ticked == {"item_shipped", "request_status_changed"}
    event = db.session.execute(sa.select(Activity)).scalar_one()
    assert event.verb is Verb.WEBHOOK_CREATED and event.actor_id == users["admin"].id


def test_two_webhooks_get_different_secrets():
    assert hooks.new_secret() != hooks.new_secret()


def test_no_event_ticked_means_every_event(admin_client):
    admin_client.post("/admin/webhooks", data=new_webhook())
    assert db.session.execute(sa.select(Webhook.events)).scalar_one() == ""


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("url", "javascript:alert(1)", "https://"),
        ("url", "ftp://files.example.test/hook", "https://"),
        ("url", "", "required"),
        ("name", "", "required"),
        ("preset", "email", "Not a valid choice"),
        ("events", "token_created", "Not a valid choice"),
    ],
)
def test_bad_webhook_settings_are_refused_next_to_the_field(admin_client, field, value, message):
    answer = admin_client.post("/admin/webhooks", data=new_webhook(**{field: value}))
    assert answer.status_code == 422
    page = parse_html(answer.text)
    errors = " ".join(error.text for error in page.select(".field-error"))
    assert message.lower() in errors.lower()
    assert count_rows(Webhook) == 0
    if field != "url":
        assert page.one("input[name=url]")["value"] == HOOK  # what was typed is kept


def test_an_admin_edits_pauses_and_deletes_a_webhook(admin_client, users):
    webhook = hooks.create_webhook(
        db.session, users["admin"], name="Chat", url=HOOK, preset=WebhookPreset.SLACK
    )
    db.session.commit()
    secret = webhook.secret
    answer = admin_client.post(
        f"/admin/webhooks/{webhook.id}",
        data={"name": "Teams", "url": "https://teams.test/x", "preset": "teams"},
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert (webhook.name, webhook.url, webhook.preset) == (
        "Teams",
        "https://teams.test/x",
        WebhookPreset.TEAMS,
    )
    assert webhook.active is False  # the box was not ticked
    assert webhook.secret == secret
    listing = parse_html(admin_client.get("/admin/webhooks").text)
    assert "Inactive" in listing.by_id(f"webhook-{webhook.id}").text

    assert admin_client.post(f"/admin/webhooks/{webhook.id}/delete").status_code == 302
    assert count_rows(Webhook) == 0
    verbs = db.session.execute(sa.select(Activity.verb).order_by(Activity.id)).scalars().all()
    assert verbs == [Verb.WEBHOOK_CREATED, Verb.WEBHOOK_EDITED, Verb.WEBHOOK_DELETED]


def test_an_unknown_webhook_is_not_found(admin_client):
    assert admin_client.get("/admin/webhooks/999").status_code == 404
    assert admin_client.post("/admin/webhooks/999/delete").status_code == 404


def test_webhook_changes_are_on_the_trail_for_admins_only(admin_client, pm_client, users):
    hooks.create_webhook(
        db.session, users["admin"], name="Secret channel", url=HOOK, preset=WebhookPreset.SLACK
    )
    db.session.commit()
    assert "Secret channel" in admin_client.get("/activity").text
    assert "Secret channel" not in pm_client.get("/activity").text


def test_the_admin_area_links_its_sections(admin_client):
    for path, current in (
        ("/admin/users", "Users and roles"),
        ("/admin/webhooks", "Webhooks"),
        ("/admin/deliveries", "Delivery log"),
    ):
        nav = parse_html(admin_client.get(path).text).one('nav[aria-label="Administration"]')
        assert [a.text for a in nav.select("a")] == [
            "Users and roles",
            "Webhooks",
            "Delivery log",
            "Capabilities",
        ]
        assert nav.one("a[aria-current=page]").text == current


# The delivery log ----------------------------------------------------------------------


def message(n: int, channel=Channel.EMAIL, status=OutboxStatus.PENDING, **fields) -> OutboxMessage:
    fields.setdefault("recipient", f"person{n}@example.test")
    found = OutboxMessage(
        channel=channel,
        idempotency_key=f"test:{n}",
        subject=f"Message {n}",
        status=status,
        **fields,
    )
    db.session.add(found)
    return found


def logged_ids(page: str) -> list[int]:
    rows = parse_html(page).select("tr[id^=delivery-]")
    return [int(row.id.removeprefix("delivery-")) for row in rows]


def test_the_log_filters_by_channel_and_status(admin_client):
    mail = message(1)
    webhook = Webhook(name="Hook", url=HOOK, preset=WebhookPreset.STANDARD, secret="s")
    call = message(2, Channel.WEBHOOK, OutboxStatus.FAILED, webhook=webhook, last_error="HTTP 500")
    sent = message(3, status=OutboxStatus.SENT, sent_at=utcnow())
    db.session.commit()
    assert logged_ids(admin_client.get("/admin/deliveries").text) == [sent.id, call.id, mail.id]
    assert logged_ids(admin_client.get("/admin/deliveries?channel=webhook").text) == [call.id]
    assert logged_ids(admin_client.get("/admin/deliveries?status=pending").text) == [mail.id]
    failed = admin_client.get(f"/admin/deliveries?webhook={webhook.id}&status=failed").text
    assert logged_ids(failed) == [call.id]
    assert "HTTP 500" in failed
    counts = parse_html(admin_client.get("/admin/deliveries").text)
    assert counts.one('[data-testid="delivery-counts"]').text == "1 waiting 1 sent 1 gave up"


def test_unknown_filters_are_ignored_with_a_message(admin_client):
    message(1)
    db.session.commit()
    page = admin_client.get("/admin/deliveries?channel=fax&status=lost&webhook=x").text
    assert len(logged_ids(page)) == 1
    for warning in ("Unknown channel", "Unknown status", "Unknown webhook"):
        assert warning in page


def test_the_log_is_paged_and_costs_the_same_whatever_its_length(admin_client, count_queries):
    for n in range(3):
        message(n)
    db.session.commit()
    with count_queries() as few:
        admin_client.get("/admin/deliveries")
    for n in range(3, 60):
        message(n)
    db.session.commit()
    with count_queries() as many:
        first = admin_client.get("/admin/deliveries").text
    assert len(many) == len(few)
    assert len(logged_ids(first)) == 50
    second = admin_client.get("/admin/deliveries?page=2").text
    assert len(logged_ids(second)) == 10
    assert "Page 2 of 2" in second


def test_htmx_filters_get_only_the_log(admin_client):
    message(1)
    db.session.commit()
    answer = admin_client.hx_get("/admin/deliveries?channel=email")
    assert "<html" not in answer.text
    assert answer.text.lstrip().startswith('<section id="log"')


def test_one_message_shows_its_tries_and_body(admin_client):
    found = message(1, body_text="Hello Sam,\nyour request shipped.")
    found.deliveries.append(DeliveryAttempt(ok=False, status_code=451, detail="SMTP 451: later"))
    db.session.commit()
    page = parse_html(admin_client.get(f"/admin/deliveries/{found.id}").text)
    assert "SMTP 451: later" in page.by_id("attempts").text
    assert "your request shipped." in page.one('[data-testid="delivery-body"]').text
    assert admin_client.get("/admin/deliveries/999").status_code == 404


def test_resend_queues_a_given_up_message_again_and_returns_to_the_log(admin_client):
    found = message(1, status=OutboxStatus.FAILED, attempts=8, last_error="HTTP 500")
    db.session.commit()
    answer = admin_client.post(
        f"/admin/deliveries/{found.id}/resend", data={"next": "/admin/deliveries?status=failed"}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/admin/deliveries?status=failed"
    db.session.expire_all()
    assert found.status is OutboxStatus.PENDING and found.attempts == 0
    assert found.last_error is None and found.next_attempt_at <= utcnow()


def test_resend_never_redirects_off_site(admin_client):
    found = message(1, status=OutboxStatus.FAILED)
    db.session.commit()
    answer = admin_client.post(
        f"/admin/deliveries/{found.id}/resend", data={"next": "https://evil.test/"}
    )
    assert answer.headers["Location"] == "/admin/deliveries"
