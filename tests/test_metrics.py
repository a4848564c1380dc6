"""Prometheus metrics at /metrics (#17, operations): who may read them, what
they count, and that 4 gunicorn workers report as one."""

from __future__ import annotations

import http.cookiejar
import os
import runpy
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from portfolio import ROOT, create_app
from portfolio.config import ConfigError
from portfolio.extensions import db
from portfolio.metrics import Scrape
from portfolio.models import Channel, OutboxMessage, OutboxStatus
from tests.helpers import PASSWORD, without_csrf_tokens
from tests.test_deployment import free_port, post_login, wait_for_port

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def app_settings() -> dict:
    return {"METRICS_ALLOW": ("127.0.0.1/32", "10.9.0.0/16"), "METRICS_TOKEN": TOKEN}


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape: (name, labels) → value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(text: str, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(
        value
        for (found, found_labels), value in samples(text).items()
        if found == name and wanted <= found_labels
    )


def scrape(client, **environ) -> str:
    answer = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1", **environ})
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain; version=")
    return answer.text


# Who may read them --------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "headers", "status"),
    [
        ("127.0.0.1", {}, 200),
        ("10.9.3.4", {}, 200),  # inside an allowed network
        ("10.8.0.1", {}, 404),
        ("192.0.2.7", {}, 404),
        ("192.0.2.7", {"Authorization": f"Bearer {TOKEN}"}, 200),  # the token, from anywhere
        ("192.0.2.7", {"Authorization": f"bearer {TOKEN}"}, 200),
        ("192.0.2.7", {"Authorization": f"Bearer {TOKEN}x"}, 404),
        ("192.0.2.7", {"Authorization": f"Basic {TOKEN}"}, 404),
        ("192.0.2.7", {"Authorization": "Bearer "}, 404),
        # A request through a proxy connects from the proxy's address: no entry.
        ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}, 404),
        ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}, 404),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9", "Authorization": f"Bearer {TOKEN}"}, 200),
    ],
)
def test_only_an_allowed_address_or_the_token_reads_the_metrics(client, address, headers, status):
    answer = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == status
    if status == 200:
        assert "flask_http_request_duration_seconds" in answer.text
    else:  # the very answer an address that does not exist gets
        unknown = client.get("/no-such-address", environ_base={"REMOTE_ADDR": address})
        assert without_csrf_tokens(answer.text) == without_csrf_tokens(unknown.text)


def test_nothing_configured_means_nobody_reads_them(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
            "METRICS_ALLOW": (),
            "METRICS_TOKEN": None,
        }
    )
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_a_signed_in_admin_is_no_scraper(admin_client):
    answer = admin_client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert answer.status_code == 404


# What they count ----------------------------------------------------------------


def test_requests_are_counted_by_endpoint_name_not_path(client, pm_client, make):
    products = [make.product(), make.product()]
    for product in products:
        assert pm_client.get(f"/products/{product.slug}").status_code == 200
    client.get("/no/such/page")
    text = scrape(client)
    duration = "flask_http_request_duration_seconds_count"
    assert total(text, duration, endpoint="catalogue.show", method="GET", status="200") == 2
    assert total(text, duration, endpoint="None", status="404") == 1
    assert products[0].slug not in text and "/no/such/page" not in text
    assert total(text, duration, endpoint="core.metrics") == 0  # scrapes are not timed


def test_failed_sign_ins_are_counted_by_reason_only(client, make, users):
    inactive = make.user(active=False)

    def sign_in(email, password="wrong password"):
        return client.post(
            "/login",
            data={"email": email, "password": password},
            environ_base={"REMOTE_ADDR": "10.1.1.1"},
        )

    assert sign_in("nobody@example.test").status_code == 422
    assert sign_in(inactive.email, PASSWORD).status_code == 422
    for _ in range(10):
        assert sign_in(users["pm"].email).status_code == 422
    assert sign_in(users["pm"].email).status_code == 429  # the pair's limit
    assert sign_in(users["leader"].email, PASSWORD).status_code == 302  # no failure
    text = scrape(client)
    failures = "portfolio_login_failures_total"
    assert total(text, failures, reason="unknown_account") == 1
    assert total(text, failures, reason="inactive_account") == 1
    assert total(text, failures, reason="wrong_password") == 10
    assert total(text, failures, reason="throttled") == 1
    assert total(text, failures, reason="identity_provider_refused") == 0
    assert {dict(labels)["reason"] for name, labels in samples(text) if name == failures} == {
        "unknown_account",
        "inactive_account",
        "wrong_password",
        "throttled",
        "identity_provider_refused",
    }
    assert users["pm"].email not in text and "10.1.1.1" not in text


def test_the_outbox_backlog_counts_undelivered_messages_by_channel(client):
    for n, (channel, status) in enumerate(
        [
            (Channel.EMAIL, OutboxStatus.PENDING),
            (Channel.EMAIL, OutboxStatus.PENDING),
            (Channel.WEBHOOK, OutboxStatus.PENDING),
            (Channel.EMAIL, OutboxStatus.SENT),
            (Channel.WEBHOOK, OutboxStatus.FAILED),
        ]
    ):
        db.session.add(
            OutboxMessage(
                channel=channel, status=status, idempotency_key=f"m:{n}", recipient="x@y.test"
            )
        )
    db.session.commit()
    text = scrape(client)
    assert total(text, "portfolio_outbox_backlog", channel="email") == 2
    assert total(text, "portfolio_outbox_backlog", channel="webhook") == 1


def test_the_outbox_backlog_starts_at_zero(client):
    text = scrape(client)
    assert samples(text)[("portfolio_outbox_backlog", frozenset({("channel", "email")}))] == 0


# Settings ------------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTFOLIO_ENV", "development")
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    for name in ("PORTFOLIO_METRICS_ALLOW", "PORTFOLIO_METRICS_TOKEN", "SENTRY_DSN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_metrics_settings_from_the_environment(environment):
    config = create_app().config
    assert config["METRICS_ALLOW"] == () and config["METRICS_TOKEN"] is None
    environment.setenv("PORTFOLIO_METRICS_ALLOW", " 10.0.0.5, 10.1.0.0/16 ,::1,, 10.2.3.4/8")
    environment.setenv("PORTFOLIO_METRICS_TOKEN", TOKEN)
    config = create_app().config
    assert config["METRICS_ALLOW"] == ("10.0.0.5/32", "10.1.0.0/16", "::1/128", "10.0.0.0/8")
    assert config["METRICS_TOKEN"] == TOKEN


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORTFOLIO_METRICS_ALLOW", "10.0.0.300"),
        ("PORTFOLIO_METRICS_ALLOW", "10.0.0.0/33"),
        ("PORTFOLIO_METRICS_ALLOW", "localhost"),
        ("PORTFOLIO_METRICS_ALLOW", "10.0.0.1,prometheus.internal"),
        ("PORTFOLIO_METRICS_TOKEN", "short"),
        ("PORTFOLIO_METRICS_TOKEN", "long enough but with spaces"),
    ],
)
def test_wrong_metrics_settings_stop_the_start(environment, name, value):
    environment.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app()


# Under gunicorn ----------------------------------------------------------------


def load_gunicorn_settings() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_empties_the_metrics_folder_and_marks_dead_workers(monkeypatch, tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old")
    (folder / "gauge_livesum_123.db").write_bytes(b"old")
    (folder / "README").write_text("kept")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    monkeypatch.setenv("PORTFOLIO_ENV", "development")
    settings = load_gunicorn_settings()
    settings["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=4)))
    assert sorted(path.name for path in folder.iterdir()) == ["README"]
    (folder / "gauge_livesum_456.db").write_bytes(b"")
    (folder / "counter_456.db").write_bytes(b"")
    settings["child_exit"](None, SimpleNamespace(pid=456))
    assert sorted(path.name for path in folder.iterdir()) == ["README", "counter_456.db"]


def test_gunicorn_without_a_metrics_folder_leaves_exits_alone(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    load_gunicorn_settings()["child_exit"](None, SimpleNamespace(pid=456))


@pytest.fixture
def gunicorn_with_metrics(tmp_path):
    """4 gunicorn workers counting into one PROMETHEUS_MULTIPROC_DIR, on SQLite."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.db'}",
        "SECRET_KEY": "metrics-test-secret",
        "PORTFOLIO_ENV": "development",  # plain HTTP; in-memory limiter counters are fine here
        "PORTFOLIO_INSTANCE_PATH": str(tmp_path / "instance"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),  # created at start
        "PORTFOLIO_METRICS_TOKEN": TOKEN,
    }
    for name in ("PORTFOLIO_DEMO", "RATELIMIT_STORAGE_URI", "PORTFOLIO_METRICS_ALLOW"):
        env.pop(name, None)
    flask = [sys.executable, "-m", "flask", "--app", "portfolio"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
            "portfolio:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", tmp_path / "prometheus"
    finally:
        server.terminate()
        server.wait(timeout=20)


def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def healthz_counts_by_worker(folder: Path) -> dict[str, float]:
    """Each worker's own count of /healthz requests, from its histogram file."""
    counts = {}
    for path in folder.glob("histogram_*.db"):
        text = generate_latest(
            Scrape(SimpleNamespace(collect=lambda p=path: MultiProcessCollector.merge([str(p)])))
        )
        counts[path.stem] = total(
            text.decode(), "flask_http_request_duration_seconds_count", endpoint="core.healthz"
        )
    return counts


def test_metrics_aggregate_across_four_gunicorn_workers(gunicorn_with_metrics):
    base, folder = gunicorn_with_metrics
    # Eight clients at once: a sync worker answers one request at a time, so
    # the requests spread over the workers — but on a busy machine one worker
    # may still take a whole batch, so send batches of 200 until two have answered.
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as clients:
        while sent < 2000:
            statuses = list(clients.map(lambda _: get(f"{base}/healthz")[0], range(200)))
            assert statuses == [200] * 200
            sent += 200
            by_worker = healthz_counts_by_worker(folder)
            if len([count for count in by_worker.values() if count]) >= 2:
                break
    assert sum(by_worker.values()) == sent
    assert len([count for count in by_worker.values() if count]) >= 2, by_worker
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    assert post_login(opener, base, "nobody@example.test", "wrong password") == 422
    # Several scrapes, answered by whichever worker takes each, all see every request.
    authorised = {"Authorization": f"Bearer {TOKEN}"}
    for _ in range(8):
        status, text = get(f"{base}/metrics", authorised)
        assert status == 200
        healthz = total(text, "flask_http_request_duration_seconds_count", endpoint="core.healthz")
        assert healthz == sent
        assert total(text, "portfolio_login_failures_total", reason="unknown_account") == 1
        assert samples(text)[("portfolio_outbox_backlog", frozenset({("channel", "email")}))] == 0
    assert get(f"{base}/metrics")[0] == 404  # from loopback, but no address is allowed here
