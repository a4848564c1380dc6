"""Mail, end to end: queued in the event's transaction, sent by the worker over
a real SMTP conversation with a server on loopback, with text and HTML parts,
a stable Message-ID and a one-click unsubscribe that works without signing in.

Who hears what is decided by the audience rules (portfolio.notifications.audience);
here `notify` stands in for them: it writes the notification as they would and
queues its mail through the outbox.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portfolio.board.moves import ship
from portfolio.config import ConfigError, config_from_env
from portfolio.extensions import db
from portfolio.models import (
    DEFAULT_EMAIL_DELIVERY,
    Activity,
    Column,
    DeliveryAttempt,
    EmailDelivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
    Role,
    User,
    Verb,
)
from portfolio.models.base import utcnow
from portfolio.notifications import preferences
from portfolio.notifications.outbox import enqueue_email, wants_email_now
from portfolio.notifications.senders import NOT_SENT
from portfolio.notifications.worker import deliver_command
from portfolio.requests.triage import change_status
from tests.delivery_helpers import MAIL_BASE_URL, deliver, free_port, html_of, text_of
from tests.helpers import count_rows, parse_html

BASE_URL = MAIL_BASE_URL
REASON = "The finance team already exports this from the BI tool; ask there."


@pytest.fixture
def app_settings(mail_settings):
    return mail_settings


def notify(
    user: User, activity: Activity, kind: NotificationKind, subject: str, **fields
) -> OutboxMessage | None:
    """What the audience rules do for one person: the notification (theirs if
    they wrote it already), and its mail if that person wants it at once."""
    db.session.flush()
    notification = db.session.execute(
        sa.select(Notification).where(
            Notification.user_id == user.id, Notification.activity_id == activity.id
        )
    ).scalar_one_or_none()
    if notification is None:
        notification = Notification(
            user=user,
            activity=activity,
            kind=kind,
            actor=activity.actor,
            product=activity.product,
            request=activity.request,
            item=activity.item,
            subject=subject,
            **fields,
        )
        db.session.add(notification)
    return enqueue_email(db.session, notification)


def last_activity(verb: Verb) -> Activity:
    return db.session.execute(
        sa.select(Activity).where(Activity.verb == verb).order_by(Activity.id.desc()).limit(1)
    ).scalar_one()


@pytest.fixture
def declined(make, users):
    """A stakeholder's request, declined by the PM with a reason; its mail queued."""
    requester = make.user(Role.STAKEHOLDER, email="sam@example.test", display_name="Sam Stake")
    request = make.request(make.product(name="Sales CRM"), requester=requester, title="CSV export")
    change_status(db.session, request, RequestStatus.DECLINED, users["pm"], reason=REASON)
    notify(
        requester,
        last_activity(Verb.REQUEST_STATUS_CHANGED),
        NotificationKind.REQUEST_DECLINED,
        f"Your request “{request.title}” was declined",
        detail=REASON,
    )
    db.session.commit()
    return requester, request


def test_a_declined_request_mails_the_requester_the_reason(smtp, declined):
    requester, request = declined
    report = deliver()
    assert report.sent == 1
    (mail,) = smtp.to("sam@example.test")
    assert mail["Subject"] == "“CSV export” was declined"  # as the audience rules word it
    assert mail["From"] == "Portfolio <portfolio@portfolio.test>"
    assert smtp.envelopes == [("portfolio@portfolio.test", ["sam@example.test"])]
    assert mail.get_content_type() == "multipart/alternative"
    text, html = text_of(mail), html_of(mail)
    assert REASON in text and "Reason:" in text
    assert f"{BASE_URL}/requests/{request.id}" in text
    page = parse_html(html)
    assert REASON in page.text
    assert f"{BASE_URL}/requests/{request.id}" in [a.get("href") for a in page.select("a")]
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert message.status is OutboxStatus.SENT and message.attempts == 1
    assert mail["Message-ID"] == f"<email.{message.idempotency_key.split(':')[1]}@portfolio.test>"
    (attempt,) = db.session.execute(sa.select(DeliveryAttempt)).scalars()
    assert attempt.ok and "accepted" in attempt.detail


def test_a_second_pass_sends_nothing_again(smtp, declined):
    deliver()
    assert deliver().handled == 0
    assert len(smtp.messages) == 1


def test_every_mail_has_one_click_unsubscribe_headers(smtp, declined):
    deliver()
    (mail,) = smtp.messages
    header = mail["List-Unsubscribe"]
    assert header.startswith(f"<{BASE_URL}/unsubscribe/") and header.endswith(">")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header[1:-1] in text_of(mail)
    assert header[1:-1] in [a.get("href") for a in parse_html(html_of(mail)).select("a")]


def test_the_unsubscribe_link_works_without_signing_in_and_stops_that_kind(
    smtp, declined, client, make, users
):
    requester, _ = declined
    deliver()
    url = smtp.messages[0]["List-Unsubscribe"][1:-1].removeprefix(BASE_URL)

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Stop these mails?" in confirm.text
    assert preferences.delivery_for(db.session, requester, NotificationKind.REQUEST_DECLINED) is (
        EmailDelivery.AT_ONCE
    )

    # What a mail program does (RFC 8058): a POST with no session and no CSRF token.
    done = client.post(url, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert done.status_code == 200
    assert "You are unsubscribed" in done.text
    db.session.expire_all()
    assert preferences.delivery_for(db.session, requester, NotificationKind.REQUEST_DECLINED) is (
        EmailDelivery.OFF
    )
    # Other kinds are untouched.
    assert wants_email_now(db.session, requester, NotificationKind.REQUEST_SHIPPED)

    # The next decline tells them in the app only.
    request = make.request(requester=requester, title="PDF export")
    change_status(db.session, request, RequestStatus.DECLINED, users["pm"], reason="No.")
    queued = notify(
        requester,
        last_activity(Verb.REQUEST_STATUS_CHANGED),
        NotificationKind.REQUEST_DECLINED,
        "Your request “PDF export” was declined",
    )
    db.session.commit()
    assert queued is None
    deliver()
    assert len(smtp.messages) == 1


def test_a_forged_or_truncated_unsubscribe_link_is_not_found(client, declined):
    requester, _ = declined
    token = preferences.unsubscribe_token(requester, kind=NotificationKind.MENTION)
    for bad in (token[:-3], token + "x", "not-a-token"):
        assert client.get(f"/unsubscribe/{bad}").status_code == 404
        assert client.post(f"/unsubscribe/{bad}", csrf=False).status_code == 404
    db.session.expire_all()
    assert count_rows(NotificationPreference, NotificationPreference.user_id == requester.id) == 0


def test_a_digest_unsubscribe_link_stops_every_kind_that_digest_carries(client, make):
    user = make.user()
    preferences.save_preferences(db.session, user, {NotificationKind.MENTION: EmailDelivery.DAILY})
    db.session.commit()
    token = preferences.unsubscribe_token(user, period=EmailDelivery.DAILY)
    page = client.post(f"/unsubscribe/{token}", csrf=False)
    assert page.status_code == 200
    db.session.expire_all()
    chosen = preferences.preferences_of(db.session, user)
    daily_by_default = {k for k, v in DEFAULT_EMAIL_DELIVERY.items() if v is EmailDelivery.DAILY}
    for kind in daily_by_default | {NotificationKind.MENTION}:
        assert chosen[kind] is EmailDelivery.OFF, kind
    assert chosen[NotificationKind.REQUEST_SHIPPED] is EmailDelivery.AT_ONCE
    assert chosen[NotificationKind.RENEWAL_DUE] is EmailDelivery.WEEKLY


# Preferences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "delivery, wanted",
    [
        (EmailDelivery.AT_ONCE, True),
        (EmailDelivery.DAILY, False),
        (EmailDelivery.WEEKLY, False),
        (EmailDelivery.OFF, False),
    ],
)
def test_only_an_at_once_choice_queues_a_mail(make, users, delivery, wanted):
    user = make.user()
    preferences.save_preferences(db.session, user, {NotificationKind.MENTION: delivery})
    db.session.commit()
    assert wants_email_now(db.session, user, NotificationKind.MENTION) is wanted
    request = make.request()  # not theirs: the rules tell them nothing of it
    change_status(db.session, request, RequestStatus.UNDER_REVIEW, users["pm"])
    queued = notify(
        user,
        last_activity(Verb.REQUEST_STATUS_CHANGED),
        NotificationKind.MENTION,
        "Pat mentioned you",
    )
    db.session.commit()
    assert (queued is not None) is wanted
    assert count_rows(OutboxMessage) == (1 if wanted else 0)


def test_defaults_apply_until_a_person_chooses(make):
    user = make.user()
    for kind, delivery in DEFAULT_EMAIL_DELIVERY.items():
        assert preferences.delivery_for(db.session, user, kind) is delivery
        assert wants_email_now(db.session, user, kind) is (delivery is EmailDelivery.AT_ONCE)


def test_a_deactivated_account_gets_no_mail(make, users):
    user = make.user(active=False)
    assert not wants_email_now(db.session, user, NotificationKind.REQUEST_DECLINED)


def test_queueing_one_notification_twice_queues_one_mail(declined):
    notification = db.session.execute(sa.select(Notification)).scalar_one()
    again = enqueue_email(db.session, notification)
    db.session.commit()
    assert again is not None
    assert count_rows(OutboxMessage) == 1


def test_a_rolled_back_change_queues_nothing(smtp, make, users):
    requester = make.user()
    request = make.request(requester=requester)
    change_status(db.session, request, RequestStatus.DECLINED, users["pm"], reason="No.")
    notify(
        requester,
        last_activity(Verb.REQUEST_STATUS_CHANGED),
        NotificationKind.REQUEST_DECLINED,
        "Declined",
    )
    db.session.rollback()
    assert count_rows(OutboxMessage) == 0 and count_rows(Notification) == 0
    assert deliver().handled == 0 and smtp.messages == []


def test_a_shipped_card_mails_each_requester_once_with_the_note_and_card(smtp, make, users):
    product = make.product(name="Finance ERP")
    people = [make.user(email=f"asker{n}@example.test") for n in range(3)]
    requests = [make.request(product, requester=person) for person in people]
    item = make.item(product, Column.NOW, title="Faster month-end close")
    item.requests.extend(requests)
    db.session.commit()
    ship(
        db.session,
        item,
        release_note="Month-end now closes in two days.",
        shipped_on=date.today(),
        expected_version=item.version,
        actor=users["pm"],
    )
    shipped = last_activity(Verb.ITEM_SHIPPED)
    for person in people:
        notify(
            person,
            shipped,
            NotificationKind.REQUEST_SHIPPED,
            f"“{item.title}” shipped",
            detail=item.release_note,
        )
    db.session.commit()
    deliver()
    deliver()
    for person in people:
        (mail,) = smtp.to(person.email)
        assert "Month-end now closes in two days." in text_of(mail)
        assert f"{BASE_URL}/board/items/{item.id}" in text_of(mail)
        assert "Release note" in html_of(mail)
    assert len(smtp.messages) == 3


def test_the_account_page_saves_email_choices(client_for, make):
    user = make.user()
    client = client_for(user)
    page = parse_html(client.get("/account").text)
    section = page.by_id("email-preferences")
    checked = {
        radio["name"]: radio["value"] for radio in section.select("input[type=radio][checked]")
    }
    assert checked == {
        kind.value: delivery.value for kind, delivery in DEFAULT_EMAIL_DELIVERY.items()
    }

    choices = {kind.value: EmailDelivery.WEEKLY.value for kind in NotificationKind}
    choices[NotificationKind.MENTION.value] = EmailDelivery.OFF.value
    saved = client.post("/account/notifications", data=choices)
    assert saved.status_code == 302
    assert saved.headers["Location"] == "/account#email-preferences"
    db.session.expire_all()
    chosen = preferences.preferences_of(db.session, user)
    assert chosen[NotificationKind.MENTION] is EmailDelivery.OFF
    assert chosen[NotificationKind.REQUEST_SHIPPED] is EmailDelivery.WEEKLY


def test_a_bad_email_choice_is_refused_and_nothing_saved(client_for, make):
    user = make.user()
    choices = {kind.value: EmailDelivery.OFF.value for kind in NotificationKind}
    choices[NotificationKind.MENTION.value] = "hourly"
    del choices[NotificationKind.NEW_REQUEST.value]
    answer = client_for(user).post("/account/notifications", data=choices)
    assert answer.status_code == 422
    section = parse_html(answer.text).by_id("email-preferences")
    assert len(section.select(".field-error")) == 2
    assert count_rows(NotificationPreference) == 0


# Failures and the demo ----------------------------------------------------------------


def test_a_refused_mail_is_retried_later_and_then_sent(smtp, declined):
    smtp.refuse_next = 1
    first = deliver()
    assert first.retrying == 1 and smtp.messages == []
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert message.status is OutboxStatus.PENDING
    assert message.last_error.startswith("SMTP 451")
    assert message.next_attempt_at > utcnow() + timedelta(seconds=40)
    assert deliver().handled == 0  # not due yet
    assert deliver(now=utcnow() + timedelta(minutes=2)).sent == 1
    assert len(smtp.messages) == 1
    db.session.expire_all()
    assert [attempt.ok for attempt in message.deliveries] == [False, True]


def test_an_unreachable_mail_server_is_a_failed_try_not_a_crash(app, declined, smtp):
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    report = deliver()
    assert report.retrying == 1
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert "ConnectionRefused" in message.last_error
    assert smtp.messages == []


def test_without_a_mail_server_mail_is_kept_for_admins_to_read(app, declined, smtp, admin_client):
    app.config["MAIL_SERVER"] = None
    assert deliver().sent == 1
    assert smtp.messages == []
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert message.status is OutboxStatus.SENT
    assert message.deliveries[0].detail == NOT_SENT
    log = admin_client.get("/admin/deliveries").text
    assert "No mail server is configured" in log
    assert "sam@example.test" in parse_html(log).by_id(f"delivery-{message.id}").text
    detail = parse_html(admin_client.get(f"/admin/deliveries/{message.id}").text)
    assert REASON in detail.one('[data-testid="delivery-body"]').text
    assert NOT_SENT in detail.by_id("attempts").text


def test_flask_deliver_once_sends_what_is_due(app, smtp, declined):
    result = app.test_cli_runner().invoke(deliver_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(smtp.messages) == 1


def test_mail_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.com")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USERNAME", "portfolio")
    monkeypatch.setenv("MAIL_PASSWORD", "s3cret")
    monkeypatch.setenv("MAIL_USE_TLS", "1")
    monkeypatch.setenv("MAIL_FROM", "Portfolio <portfolio@example.com>")
    settings = config_from_env(tmp_path)
    assert settings["MAIL_SERVER"] == "smtp.example.com"
    assert settings["MAIL_PORT"] == 587
    assert settings["MAIL_USERNAME"] == "portfolio" and settings["MAIL_PASSWORD"] == "s3cret"
    assert settings["MAIL_USE_TLS"] is True
    assert settings["MAIL_FROM"] == "Portfolio <portfolio@example.com>"
    monkeypatch.setenv("MAIL_PORT", "smtp")
    with pytest.raises(ConfigError, match="MAIL_PORT"):
        config_from_env(tmp_path)


def test_without_mail_settings_nothing_is_sent(monkeypatch, tmp_path):
    for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    settings = config_from_env(tmp_path)
    assert settings["MAIL_SERVER"] is None and settings["MAIL_USE_TLS"] is False
