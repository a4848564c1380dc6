"""What the delivery tests import: a real SMTP server on loopback in the test
process, and the worker as tests run it (one pass, an optional clock).

Webhook receivers are pytest-httpserver's `httpserver` fixture.
"""

from __future__ import annotations

import socket
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from flask import current_app

from portfolio.extensions import db
from portfolio.notifications.senders import Postman
from portfolio.notifications.worker import DeliveryReport, deliver_due

# Where links in test mail point (the `mail_settings` fixture's BASE_URL).
MAIL_BASE_URL = "https://portfolio.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every mail it accepts.
    `refuse_next = n` answers the next n mails with a temporary failure (451)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_next = 0
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def deliver(now: datetime | None = None, postman: Postman | None = None) -> DeliveryReport:
    """One pass of the worker over what is due at `now`, with the app's settings."""
    return deliver_due(db.session, postman or Postman.from_config(current_app.config), now)
