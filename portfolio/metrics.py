"""Prometheus metrics at /metrics, for operators' monitoring.

What is measured:

- every request's duration and count by endpoint name, method and status
  (`flask_http_request_duration_seconds{endpoint="board.index",…}`, from
  prometheus-flask-exporter); endpoint names, not paths, so ids in URLs do not
  make a series each (an unknown URL counts under `endpoint="None"`);
- failed sign-ins by reason (`portfolio_login_failures_total{reason=…}`),
  never by account or address;
- the outbox backlog (`portfolio_outbox_backlog{channel=…}`): messages not
  delivered yet, counted when scraped.

Under gunicorn each worker is a process with its own counters. With
`PROMETHEUS_MULTIPROC_DIR` set (to an empty directory of its own) every worker
writes its counters there and whichever worker answers a scrape reports them
all; gunicorn.conf.py clears the directory at start and tells the client
library when a worker exits. Without it (the development server, tests) the
counters are the process's own.

/metrics answers only a scraper that connects directly from an address in
`METRICS_ALLOW` or that sends `Authorization: Bearer <METRICS_TOKEN>`; anyone
else gets the 404 of a page that does not exist.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics
from sqlalchemy.exc import SQLAlchemyError

from portfolio.auth.sso import from_trusted_proxy, peer_address
from portfolio.extensions import db
from portfolio.notifications.outbox import backlog

log = logging.getLogger("portfolio.metrics")
CONTENT_TYPE = CONTENT_TYPE_LATEST  # Prometheus text format

# Why a sign-in failed: the only label of the login failures counter.
LOGIN_FAILURE_REASONS = (
    "unknown_account",
    "wrong_password",
    "inactive_account",
    "throttled",
    "identity_provider_refused",  # an OIDC answer we refused, or an account it may not use
)
# Headers a reverse proxy adds: a request carrying one came through a proxy,
# so the address it connected from is the proxy's, not the scraper's.
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


@dataclass
class Metrics:
    """What one app measures (kept in app.extensions["metrics"])."""

    registry: CollectorRegistry
    login_failures: Counter


def register(app: Flask) -> None:
    """Time and count every request by endpoint, and set up the app's own metrics."""
    registry = CollectorRegistry()  # one per app, so every app built in one process starts at 0
    exporter_class = PrometheusMetrics
    if multiprocess_dir():
        # The library needs the folder; a command (flask db upgrade) may come first.
        Path(multiprocess_dir()).mkdir(parents=True, exist_ok=True)
        exporter_class = GunicornInternalPrometheusMetrics
    # path=None: /metrics is core.metrics, which checks who asks first.
    exporter = exporter_class.for_app_factory(path=None, group_by="endpoint", registry=registry)
    exporter.init_app(app)
    login_failures = Counter(
        "portfolio_login_failures_total",
        "Failed sign-ins (with a password or the identity provider), by reason",
        ["reason"],
        registry=registry,
    )
    for reason in LOGIN_FAILURE_REASONS:
        login_failures.labels(reason=reason)  # every series shows, at 0, from the start
    app.extensions["metrics"] = Metrics(registry, login_failures)


def count_login_failure(reason: str) -> None:
    if reason not in LOGIN_FAILURE_REASONS:
        raise ValueError(f"unknown login failure reason {reason!r}")
    current_app.extensions["metrics"].login_failures.labels(reason=reason).inc()


do_not_track = PrometheusMetrics.do_not_track  # a scrape is not a request worth timing


def may_scrape() -> bool:
    """The bearer token, or a direct connection from an allowed network."""
    token = current_app.config.get("METRICS_TOKEN")
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if (
        token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(offered.strip().encode(), token.encode())
    ):
        return True
    allowed = current_app.config.get("METRICS_ALLOW") or ()
    if not allowed or any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    return from_trusted_proxy(peer_address(), allowed)


class OutboxBacklog:
    """A collector that counts the undelivered outbox messages when scraped."""

    def collect(self) -> Iterator[Metric]:
        try:
            counts = backlog(db.session)
        except SQLAlchemyError as error:  # the rest of the scrape is still worth having
            db.session.rollback()
            log.warning("outbox backlog not counted: %s", error)
            return
        gauge = GaugeMetricFamily(
            "portfolio_outbox_backlog",
            "Outbox messages (mail, webhook calls) not delivered yet",
            labels=["channel"],
        )
        for channel, count in counts.items():
            gauge.add_metric([channel.value], count)
        yield gauge


class Scrape:
    """Several collectors read as one registry."""

    def __init__(self, *collectors) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition() -> bytes:
    """The text a scrape receives (Prometheus text format)."""
    if multiprocess_dir():
        # Every worker's counters, from their files: this worker's registry
        # holds only its own.
        counters = CollectorRegistry()
        MultiProcessCollector(counters)
    else:
        counters = current_app.extensions["metrics"].registry
    return generate_latest(Scrape(counters, OutboxBacklog()))
