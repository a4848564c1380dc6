"""Sending one outbox message: a mail over SMTP, a webhook over HTTP.

The worker hands each sender a `Parcel` (a plain copy of the message, so no
database transaction stays open on SQLite while the network is slow) and gets
an `Outcome` back. The idempotency key goes out as the mail's Message-ID and
as the webhook's `webhook-id`, so a message sent again after a worker died
between the receiver's answer and the commit can be recognised by it.
"""

from __future__ import annotations

import re
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from standardwebhooks.webhooks import Webhook as StandardWebhook

from portfolio.models import Channel, OutboxMessage, Webhook
from portfolio.notifications.outbox import mail_headers

TIMEOUT = 10  # seconds, for SMTP and HTTP alike
NOT_SENT = "not sent: no MAIL_SERVER — shown here only"
USER_AGENT = "Portfolio-Webhooks/1"
ANSWER_EXCERPT = 200


@dataclass(frozen=True)
class Parcel:
    """What sending a message needs, copied out of the database."""

    id: int
    channel: Channel
    key: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    payload: str | None
    headers: Mapping[str, str]
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_active: bool = True

    @classmethod
    def of(cls, message: OutboxMessage, webhook: Webhook | None) -> Parcel:
        return cls(
            id=message.id,
            channel=message.channel,
            key=message.idempotency_key,
            # A webhook goes where it points now: an admin may have fixed its URL.
            recipient=webhook.url if webhook is not None else message.recipient,
            subject=message.subject,
            body_text=message.body_text,
            body_html=message.body_html,
            payload=message.payload,
            headers=mail_headers(message),
            webhook_url=webhook.url if webhook is not None else None,
            webhook_secret=webhook.secret if webhook is not None else None,
            webhook_active=webhook.active if webhook is not None else False,
        )


@dataclass(frozen=True)
class Outcome:
    """How a try went. `final`: no point trying again (a deactivated webhook)."""

    ok: bool
    detail: str | None = None
    status_code: int | None = None
    final: bool = False


# Mail ----------------------------------------------------------------------------------


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID made of the idempotency key: the same for every try."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "portfolio.invalid"
    return f"<{re.sub(r'[^A-Za-z0-9._-]', '.', key)}@{domain}>"


def compose(parcel: Parcel, sender: str) -> EmailMessage:
    """The mail: text and HTML alternatives, with its stable Message-ID and the
    RFC 8058 one-click unsubscribe headers."""
    mail = EmailMessage()
    mail["Subject"] = parcel.subject
    mail["From"] = sender
    mail["To"] = parcel.recipient
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id(parcel.key, sender)
    mail["Auto-Submitted"] = "auto-generated"
    for name, value in parcel.headers.items():
        mail[name] = value
    mail.set_content(parcel.body_text)
    if parcel.body_html:
        mail.add_alternative(parcel.body_html, subtype="html")
    return mail


class MailSender:
    """SMTP with the standard library; one connection reused for a batch."""

    def __init__(
        self,
        server: str | None,
        port: int = 25,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        sender: str = "Portfolio <portfolio@localhost>",
    ) -> None:
        self.server, self.port = server, port
        self.username, self.password = username, password
        self.use_tls, self.sender = use_tls, sender
        self._connection: smtplib.SMTP | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSender:
        return cls(
            server=config.get("MAIL_SERVER"),
            port=config.get("MAIL_PORT", 25),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=config.get("MAIL_USE_TLS", False),
            sender=config.get("MAIL_FROM") or "Portfolio <portfolio@localhost>",
        )

    def send(self, parcel: Parcel) -> Outcome:
        if not self.server:
            # Demo and development: admins read the mail in the delivery log.
            return Outcome(ok=True, detail=NOT_SENT)
        mail = compose(parcel, self.sender)
        try:
            self._connect().send_message(mail)
        except smtplib.SMTPResponseException as error:
            self.close()
            return Outcome(ok=False, detail=_smtp_error(error), status_code=error.smtp_code)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return Outcome(ok=False, detail=f"{type(error).__name__}: {error}")
        return Outcome(ok=True, detail=f"accepted by {self.server}:{self.port}")

    def _connect(self) -> smtplib.SMTP:
        if self._connection is None:
            connection = smtplib.SMTP(self.server, self.port, timeout=TIMEOUT)
            try:
                if self.use_tls:
                    connection.starttls()
                if self.username:
                    connection.login(self.username, self.password or "")
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()


def _smtp_error(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"SMTP {error.smtp_code}: {text}"


# Webhooks --------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an acknowledgement: never follow one (the
    signature and the body would go somewhere nobody registered)."""

    def redirect_request(self, *args, **kwargs):
        return None


def signed_headers(parcel: Parcel, sent_at: datetime) -> dict[str, str]:
    """Standard Webhooks headers: the stable id, this try's time, the HMAC-SHA256."""
    assert parcel.webhook_secret is not None and parcel.payload is not None
    signature = StandardWebhook(parcel.webhook_secret).sign(parcel.key, sent_at, parcel.payload)
    return {
        "webhook-id": parcel.key,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }


class WebhookSender:
    """POSTs the JSON body, signed; any 2xx answer within the timeout is delivery."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(self, parcel: Parcel) -> Outcome:
        if not parcel.webhook_active or parcel.webhook_url is None:
            return Outcome(ok=False, detail="webhook deactivated or deleted", final=True)
        payload = parcel.payload or "{}"
        request = urllib.request.Request(
            parcel.webhook_url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **signed_headers(parcel, datetime.now(UTC)),
            },
        )
        try:
            with self._opener.open(request, timeout=TIMEOUT) as answer:
                status = answer.status
                excerpt = answer.read(ANSWER_EXCERPT).decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            excerpt = _read_excerpt(error)
            return Outcome(
                ok=False, detail=f"HTTP {error.code} {excerpt}".strip(), status_code=error.code
            )
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            return Outcome(ok=False, detail=f"{type(error).__name__}: {reason}")
        if 200 <= status < 300:
            return Outcome(ok=True, detail=f"HTTP {status}", status_code=status)
        return Outcome(ok=False, detail=f"HTTP {status} {excerpt}".strip(), status_code=status)


def _read_excerpt(error: urllib.error.HTTPError) -> str:
    try:
        return error.read(ANSWER_EXCERPT).decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        error.close()


# Both ------------------------------------------------------------------------------------


class Postman:
    """Sends a parcel by its channel. Anything that goes wrong while sending is
    a failed try (told to admins in the delivery log), never a dead worker."""

    def __init__(self, mail: MailSender, webhooks: WebhookSender | None = None) -> None:
        self.mail = mail
        self.webhooks = webhooks or WebhookSender()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Postman:
        return cls(MailSender.from_config(config))

    def send(self, parcel: Parcel) -> Outcome:
        try:
            if parcel.channel is Channel.EMAIL:
                return self.mail.send(parcel)
            return self.webhooks.send(parcel)
        except Exception as error:  # a bug or a surprise: retried, and shown to admins
            return Outcome(ok=False, detail=f"{type(error).__name__}: {error}")

    def close(self) -> None:
        self.mail.close()
