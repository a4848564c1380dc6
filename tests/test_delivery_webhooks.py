"""Webhooks, end to end: queued with the event, POSTed by the worker to a real
HTTP receiver on loopback, signed the Standard Webhooks way (checked with the
`standardwebhooks` library, as a receiver would), retried with backoff, and
never delivered twice as far as the receiver can tell.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import click
import pytest
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook as StandardWebhook
from werkzeug import Request, Response

from portfolio.activity.trail import record
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
    Verb,
    Webhook,
    WebhookPreset,
)
from portfolio.models.base import utcnow
from portfolio.notifications import webhooks as hooks
from portfolio.notifications import worker
from portfolio.notifications.outbox import enqueue_webhooks, resend
from portfolio.notifications.senders import Postman
from portfolio.notifications.worker import (
    MAX_ATTEMPTS,
    DeliveryReport,
    backoff,
    deliver_due,
    run_worker,
    single_sqlite_worker,
)
from portfolio.requests.triage import change_status
from tests.delivery_helpers import deliver
from tests.helpers import count_rows, parse_html, postgres_url

BASE_URL = "https://portfolio.test"
REASON = "Covered by the new BI dashboards."


@pytest.fixture
def app_settings():
    return {"BASE_URL": BASE_URL}


class Receiver:
    """A webhook endpoint on loopback: answers the statuses given, in turn
    (then 204), and keeps every call (body, headers)."""

    def __init__(self, httpserver, path: str = "/hook", statuses=(), delay: float = 0) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.statuses = list(statuses)
        self.delay = delay
        self.lock = threading.Lock()
        httpserver.expect_request(path, method="POST").respond_with_handler(self)
        self.url = httpserver.url_for(path)

    def __call__(self, request: Request) -> Response:
        time.sleep(self.delay)
        with self.lock:
            self.calls.append(
                (request.get_data(as_text=True), {k.lower(): v for k, v in request.headers.items()})
            )
            status = self.statuses.pop(0) if self.statuses else 204
        headers = {"Location": "https://elsewhere.test/"} if 300 <= status < 400 else {}
        return Response("" if status == 204 else "nope", status=status, headers=headers)

    @property
    def ids(self) -> list[str]:
        return [headers["webhook-id"] for _, headers in self.calls]

    def verified(self, secret: str) -> list[dict]:
        """Every call checked as a receiver checks it: raises on a bad signature."""
        checker = StandardWebhook(secret)
        return [checker.verify(body, headers) for body, headers in self.calls]


def register(users, url: str, preset=WebhookPreset.STANDARD, verbs=(), name="Hook") -> Webhook:
    webhook = hooks.create_webhook(
        db.session, users["admin"], name=name, url=url, preset=preset, verbs=verbs
    )
    db.session.commit()
    return webhook


def last_activity(verb: Verb) -> Activity:
    return db.session.execute(
        sa.select(Activity).where(Activity.verb == verb).order_by(Activity.id.desc()).limit(1)
    ).scalar_one()


def decline(make, users, title="CSV export") -> Activity:
    """A request declined by the PM, its webhook deliveries queued with it (as
    the audience's in-transaction subscriber does)."""
    request = make.request(make.product(name="Sales CRM"), title=title)
    change_status(db.session, request, RequestStatus.DECLINED, users["pm"], reason=REASON)
    activity = last_activity(Verb.REQUEST_STATUS_CHANGED)
    enqueue_webhooks(db.session, activity)
    db.session.commit()
    return activity


def messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


# Signed, shaped, subscribed --------------------------------------------------------------


def test_a_receiver_gets_the_event_signed_as_standard_webhooks(httpserver, make, users):
    receiver = Receiver(httpserver)
    webhook = register(users, receiver.url)
    assert webhook.secret.startswith("whsec_")
    activity = decline(make, users)
    assert deliver().sent == 1
    (body,) = receiver.verified(webhook.secret)
    assert body["type"] == "request_status_changed"
    assert body["timestamp"] == activity.created_at.isoformat()
    data = body["data"]
    assert data["request"]["status"] == "declined"
    assert data["request"]["decline_reason"] == REASON
    assert data["request"]["url"] == f"{BASE_URL}/requests/{activity.request_id}"
    assert data["product"]["name"] == "Sales CRM"
    assert data["summary"].endswith("(New → Declined)")
    (_, headers) = receiver.calls[0]
    assert headers["webhook-id"] == f"webhook:{webhook.id}:{activity.id}"
    assert headers["content-type"] == "application/json"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    (message,) = messages()
    assert message.status is OutboxStatus.SENT and message.attempts == 1
    assert message.deliveries[0].status_code == 204


def test_a_wrong_secret_does_not_verify(httpserver, make, users):
    receiver = Receiver(httpserver)
    register(users, receiver.url)
    decline(make, users)
    deliver()
    with pytest.raises(Exception, match="signature"):
        receiver.verified(hooks.new_secret())


def test_slack_gets_text_and_blocks(httpserver, make, users):
    receiver = Receiver(httpserver)
    webhook = register(users, receiver.url, WebhookPreset.SLACK)
    activity = decline(make, users)
    deliver()
    (body,) = receiver.verified(webhook.secret)
    assert set(body) == {"text", "blocks"}
    assert "changed the status of CSV export" in body["text"]
    headline, detail, context = body["blocks"]
    assert headline["type"] == "section" and headline["text"]["type"] == "mrkdwn"
    assert headline["text"]["text"].startswith(f"<{BASE_URL}/requests/{activity.request_id}|")
    assert detail["text"]["text"] == REASON
    assert context["type"] == "context" and "Sales CRM" in context["elements"][0]["text"]


def test_slack_text_escapes_its_control_characters(httpserver, make, users):
    receiver = Receiver(httpserver)
    webhook = register(users, receiver.url, WebhookPreset.SLACK)
    decline(make, users, title="Q&A <export>")
    deliver()
    (body,) = receiver.verified(webhook.secret)
    assert "Q&amp;A &lt;export&gt;" in body["blocks"][0]["text"]["text"]
    assert "Q&A <export>" in body["text"]  # the plain fallback text is not mrkdwn


def test_teams_gets_an_adaptive_card(httpserver, make, users):
    receiver = Receiver(httpserver)
    webhook = register(users, receiver.url, WebhookPreset.TEAMS)
    activity = decline(make, users)
    deliver()
    (body,) = receiver.verified(webhook.secret)
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title, facts, detail = card["body"]
    assert title["type"] == "TextBlock" and "CSV export" in title["text"]
    assert {"title": "Product", "value": "Sales CRM"} in facts["facts"]
    assert detail["text"] == REASON
    (action,) = card["actions"]
    assert action == {
        "type": "Action.OpenUrl",
        "title": "Open in Portfolio",
        "url": f"{BASE_URL}/requests/{activity.request_id}",
    }


def test_only_active_webhooks_subscribed_to_the_event_get_it(httpserver, make, users):
    everything = register(users, Receiver(httpserver, "/all").url, name="All")
    register(users, Receiver(httpserver, "/ships").url, verbs=[Verb.ITEM_SHIPPED], name="Ships")
    paused = register(users, Receiver(httpserver, "/paused").url, name="Paused")
    paused.active = False
    db.session.commit()
    decline(make, users)
    assert [message.webhook_id for message in messages()] == [everything.id]


def test_private_events_never_leave(httpserver, users):
    register(users, Receiver(httpserver).url)
    activity = record(db.session, users["admin"], Verb.TOKEN_CREATED, subject="BI")
    assert enqueue_webhooks(db.session, activity) == []


def test_queueing_one_event_twice_queues_each_delivery_once(httpserver, make, users):
    register(users, Receiver(httpserver).url)
    activity = decline(make, users)
    assert enqueue_webhooks(db.session, activity) == []
    db.session.commit()
    assert count_rows(OutboxMessage) == 1


def test_a_rolled_back_change_sends_nothing(httpserver, make, users):
    receiver = Receiver(httpserver)
    register(users, receiver.url)
    request = make.request()
    change_status(db.session, request, RequestStatus.DECLINED, users["pm"], reason="No.")
    enqueue_webhooks(db.session, last_activity(Verb.REQUEST_STATUS_CHANGED))
    db.session.rollback()
    assert deliver().handled == 0
    assert receiver.calls == [] and count_rows(OutboxMessage) == 0


# Retries, backoff, giving up ------------------------------------------------------------


def test_a_receiver_failing_twice_gets_the_message_once(httpserver, make, users):
    receiver = Receiver(httpserver, statuses=[500, 503])
    webhook = register(users, receiver.url)
    decline(make, users)
    start = utcnow()

    assert deliver(now=start).retrying == 1
    (message,) = messages()
    first_wait = message.next_attempt_at - start
    assert timedelta(seconds=47) <= first_wait <= timedelta(seconds=73)
    assert deliver(now=start + timedelta(seconds=30)).handled == 0  # backoff honoured

    second = start + timedelta(seconds=75)
    assert deliver(now=second).retrying == 1
    (message,) = messages()
    assert timedelta(seconds=95) <= message.next_attempt_at - second <= timedelta(seconds=145)
    assert deliver(now=second + timedelta(seconds=60)).handled == 0

    assert deliver(now=second + timedelta(seconds=150)).sent == 1
    (message,) = messages()
    assert message.status is OutboxStatus.SENT and message.attempts == 3
    assert [(a.ok, a.status_code) for a in message.deliveries] == [
        (False, 500),
        (False, 503),
        (True, 204),
    ]
    # Three calls, one message: the same webhook-id each time, each validly signed.
    assert len(set(receiver.ids)) == 1 and len(receiver.calls) == 3
    assert len(receiver.verified(webhook.secret)) == 3
    assert deliver(now=second + timedelta(hours=1)).handled == 0


def test_backoff_doubles_with_jitter_and_is_capped():
    assert backoff(1, rand=lambda: 0.5) == timedelta(minutes=1)
    assert backoff(2, rand=lambda: 0.5) == timedelta(minutes=2)
    assert backoff(4, rand=lambda: 0.5) == timedelta(minutes=8)
    assert backoff(1, rand=lambda: 0.0) == timedelta(seconds=48)
    assert backoff(1, rand=lambda: 1.0) == timedelta(seconds=72)
    assert backoff(30, rand=lambda: 0.5) == timedelta(hours=6)


def test_after_the_last_try_the_message_is_given_up_and_shown_to_admins(
    httpserver, make, users, admin_client
):
    receiver = Receiver(httpserver, statuses=[500] * MAX_ATTEMPTS)
    register(users, receiver.url)
    decline(make, users)
    clock = utcnow()
    for _ in range(MAX_ATTEMPTS):
        deliver(now=clock)
        clock += timedelta(hours=7)
    (message,) = messages()
    assert message.status is OutboxStatus.FAILED and message.attempts == MAX_ATTEMPTS
    assert message.last_error.startswith("HTTP 500")
    assert deliver(now=clock + timedelta(days=1)).handled == 0
    assert len(receiver.calls) == MAX_ATTEMPTS

    log = parse_html(admin_client.get("/admin/deliveries?status=failed").text)
    row = log.by_id(f"delivery-{message.id}")
    assert "Gave up" in row.text and "HTTP 500" in row.text
    assert row.select("td")[4].text == str(MAX_ATTEMPTS)

    # The receiver is fixed; an admin sends it again.
    resent = admin_client.post(f"/admin/deliveries/{message.id}/resend")
    assert resent.status_code == 302
    (message,) = messages()
    assert message.status is OutboxStatus.PENDING and message.attempts == 0
    assert deliver().sent == 1
    assert len(set(receiver.ids)) == 1  # the same message: the same id
    (message,) = messages()
    assert message.status is OutboxStatus.SENT
    assert count_rows(DeliveryAttempt) == MAX_ATTEMPTS + 1


def test_a_redirect_is_not_followed_nor_taken_as_delivery(httpserver, make, users):
    receiver = Receiver(httpserver, statuses=[302])
    register(users, receiver.url)
    decline(make, users)
    assert deliver().retrying == 1
    (message,) = messages()
    assert message.last_error.startswith("HTTP 302")


def test_an_unreachable_receiver_is_a_failed_try(users, make):
    register(users, "http://127.0.0.1:9/hook")  # the discard port: nothing listens
    decline(make, users)
    assert deliver().retrying == 1
    (message,) = messages()
    assert "Connection refused" in message.last_error or "URLError" in message.last_error


def test_messages_go_where_the_webhook_points_now(httpserver, make, users):
    old, new = Receiver(httpserver, "/old", statuses=[500]), Receiver(httpserver, "/new")
    webhook = register(users, old.url)
    decline(make, users)
    deliver()
    hooks.update_webhook(
        db.session,
        users["admin"],
        webhook,
        name=webhook.name,
        url=new.url,
        preset=webhook.preset,
    )
    db.session.commit()
    deliver(now=utcnow() + timedelta(minutes=5))
    assert len(old.calls) == 1 and len(new.calls) == 1
    assert new.verified(webhook.secret)


def test_a_deactivated_webhook_gets_nothing_more(httpserver, make, users):
    receiver = Receiver(httpserver)
    webhook = register(users, receiver.url)
    decline(make, users)
    webhook.active = False
    db.session.commit()
    assert deliver().failed == 1
    assert receiver.calls == []
    (message,) = messages()
    assert message.status is OutboxStatus.FAILED and "deactivated" in message.last_error


def test_deleting_a_webhook_drops_its_waiting_messages(httpserver, make, users):
    webhook = register(users, Receiver(httpserver).url)
    decline(make, users)
    hooks.delete_webhook(db.session, users["admin"], webhook)
    db.session.commit()
    assert count_rows(OutboxMessage) == 0 and deliver().handled == 0


# Killed workers, several workers -------------------------------------------------------------


class Killed(BaseException):
    """The worker process dies here (what SIGKILL or a power cut does)."""


class DyingPostman(Postman):
    """Sends like the real one, but the process dies before the n-th send, or
    after the n-th send was acknowledged and before its commit."""

    def __init__(self, *, before: int | None = None, after: int | None = None) -> None:
        real = Postman.from_config(current_app.config)
        super().__init__(real.mail, real.webhooks)
        self.before, self.after, self.count = before, after, 0

    def send(self, parcel):
        self.count += 1
        if self.count == self.before:
            raise Killed
        outcome = super().send(parcel)
        if self.count == self.after:
            raise Killed
        return outcome


def five_events(make, users) -> None:
    for n in range(5):
        decline(make, users, title=f"Request {n}")


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(httpserver, make, users):
    receiver = Receiver(httpserver)
    register(users, receiver.url)
    five_events(make, users)
    with pytest.raises(Killed):
        deliver(postman=DyingPostman(before=4))
    db.session.rollback()  # the dead worker's connection goes away
    assert len(receiver.calls) == 3
    assert [m.status for m in messages()].count(OutboxStatus.SENT) == 3

    deliver()  # a new worker starts
    keys = [message.idempotency_key for message in messages()]
    assert sorted(receiver.ids) == sorted(keys)  # each exactly once
    assert all(m.status is OutboxStatus.SENT and m.attempts == 1 for m in messages())
    assert count_rows(DeliveryAttempt) == 5


def test_killed_between_acknowledgement_and_commit_resends_with_the_same_id(
    httpserver, make, users
):
    receiver = Receiver(httpserver)
    register(users, receiver.url)
    five_events(make, users)
    with pytest.raises(Killed):
        deliver(postman=DyingPostman(after=2))
    db.session.rollback()
    assert len(receiver.calls) == 2
    assert [m.status for m in messages()].count(OutboxStatus.SENT) == 1

    deliver()
    # The receiver saw the second message twice, under one webhook-id it can dedupe on.
    assert len(receiver.calls) == 6
    assert len(set(receiver.ids)) == 5
    assert receiver.ids[1] == receiver.ids[2]
    assert all(m.status is OutboxStatus.SENT and m.attempts == 1 for m in messages())


def test_a_stopped_worker_finishes_its_message_and_leaves_the_rest_waiting(httpserver, make, users):
    receiver = Receiver(httpserver)
    register(users, receiver.url)
    five_events(make, users)
    stop = threading.Event()

    class StoppingPostman(Postman):
        def send(self, parcel):
            outcome = super().send(parcel)
            stop.set()  # SIGTERM arrives while this one is on the wire
            return outcome

    real = Postman.from_config(current_app.config)
    total = run_worker(db.session, StoppingPostman(real.mail), stop=stop, echo=lambda line: None)
    assert total.sent == 1 and len(receiver.calls) == 1
    assert [m.status for m in messages()].count(OutboxStatus.PENDING) == 4


@pytest.mark.skipif(
    postgres_url() is None, reason="several workers run on PostgreSQL (TEST_DATABASE_URL)"
)
def test_several_workers_on_postgresql_never_send_one_message_twice(httpserver, make, users):
    receiver = Receiver(httpserver, delay=0.02)
    register(users, receiver.url)
    for n in range(24):
        decline(make, users, title=f"Request {n}")
    config, engine = current_app.config, db.engine
    start = threading.Barrier(3)
    sent: list[int] = []

    def worker() -> None:
        with Session(engine) as session:
            start.wait()
            sent.append(deliver_due(session, Postman.from_config(config)).sent)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent) == 24
    assert sorted(receiver.ids) == sorted(set(receiver.ids)) and len(receiver.ids) == 24
    assert sum(1 for n in sent if n) >= 2, sent  # the work really was shared
    assert all(m.status is OutboxStatus.SENT and m.attempts == 1 for m in messages())
    assert count_rows(DeliveryAttempt) == 24


@pytest.mark.skipif(postgres_url() is not None, reason="the lock guards SQLite only")
def test_on_sqlite_a_second_worker_is_refused(app):
    with (
        single_sqlite_worker(db.session),
        pytest.raises(click.ClickException, match="one"),
        single_sqlite_worker(db.session),
    ):
        pass
    with single_sqlite_worker(db.session):
        pass  # released when the first one stops


def test_resend_makes_a_waiting_message_due_now(make, users, httpserver):
    register(users, Receiver(httpserver, statuses=[500]).url)
    decline(make, users)
    deliver()
    (message,) = messages()
    assert message.next_attempt_at > utcnow()
    resend(db.session, message)
    db.session.commit()
    assert deliver().sent == 1


def test_the_worker_outlives_a_database_outage(app, monkeypatch):
    stop, lines, passes = threading.Event(), [], []

    def flaky_pass(session, postman, **options):
        passes.append(1)
        if len(passes) == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        stop.set()
        return DeliveryReport(sent=1)

    monkeypatch.setattr(worker, "deliver_due", flaky_pass)
    postman = Postman.from_config(current_app.config)
    total = run_worker(db.session, postman, poll_seconds=0.01, stop=stop, echo=lines.append)
    assert total.sent == 1 and len(passes) == 2
    assert "database unavailable" in lines[0]
