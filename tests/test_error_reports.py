"""Unhandled errors go to Sentry when SENTRY_DSN is set, without secrets (#17, operations).

The "Sentry" here is a loopback HTTP server (pytest-httpserver) that the DSN
points at. sentry_sdk.init is global to the process, so each test that turns
it on turns it off again afterwards.
"""

from __future__ import annotations

import gzip
import json

import brotli
import pytest
import sentry_sdk

from portfolio import create_app, error_reports
from portfolio.auth import throttle
from portfolio.config import ConfigError
from portfolio.extensions import db
from tests.helpers import make_app

PASSWORD_TYPED = "correct horse battery staple 42"


@pytest.fixture
def sentry_off_afterwards():
    yield
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)
    assert not sentry_sdk.get_client().is_active()


def envelopes(server) -> list[list[dict]]:
    """Each envelope the server received, as its JSON lines (items that are not
    JSON, such as attachments, are skipped)."""
    found = []
    for request, _ in server.log:
        body = request.get_data()
        encoding = request.headers.get("Content-Encoding", "")
        if encoding == "br":  # the SDK prefers brotli, which flask-compress installs
            body = brotli.decompress(body)
        elif encoding == "gzip":
            body = gzip.decompress(body)
        lines = []
        for line in body.decode().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        found.append(lines)
    return found


def test_an_unhandled_error_reaches_sentry_without_secrets(
    tmp_path, httpserver, monkeypatch, sentry_off_afterwards
):
    httpserver.expect_request("/api/42/envelope/", method="POST").respond_with_data("{}")
    dsn = f"http://publickey@127.0.0.1:{httpserver.port}/42"
    app = make_app(f"sqlite:///{tmp_path / 'sentry.db'}", SENTRY_DSN=dsn)
    with app.app_context():
        db.create_all()
    assert sentry_sdk.get_client().is_active()

    def broken(email, address):
        raise RuntimeError("the throttle broke")

    monkeypatch.setattr(throttle, "record_failure", broken)
    client = app.test_client()
    with pytest.raises(RuntimeError, match="the throttle broke"):
        client.post(
            "/login?next=/board&token=feed-secret-123",
            data={"email": "someone@example.test", "password": PASSWORD_TYPED},
            headers={"Authorization": "Bearer api-secret-456", "Cookie": "session=cookie-789"},
        )
    sentry_sdk.flush(timeout=10)

    received = envelopes(httpserver)
    events = [line for lines in received for line in lines if line.get("exception")]
    assert len(events) == 1
    event = events[0]
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "the throttle broke")
    assert event["environment"] == "testing"
    assert event["release"]  # the code's fingerprint
    assert event["transaction"] == "auth.login"
    assert event["request"]["url"].endswith("/login")
    assert "token=[Filtered]" in event["request"]["query_string"]
    everything = json.dumps(received)
    for secret in (
        PASSWORD_TYPED,
        "feed-secret-123",
        "api-secret-456",
        "cookie-789",
        "someone@example.test",
    ):
        assert secret not in everything


def test_without_a_dsn_nothing_is_initialised(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda *args, **kwargs: calls.append(kwargs))
    make_app(f"sqlite:///{tmp_path / 'quiet.db'}")
    assert calls == []
    assert not sentry_sdk.get_client().is_active()


def test_the_settings_reach_sentry_init(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setenv("PORTFOLIO_RELEASE", "2025.06.1")
    make_app(
        f"sqlite:///{tmp_path / 'set.db'}",
        SENTRY_DSN="https://key@sentry.example.com/7",
        SENTRY_TRACES_SAMPLE_RATE=0.25,
        SENTRY_ENVIRONMENT="staging",
    )
    (options,) = calls
    assert options["dsn"] == "https://key@sentry.example.com/7"
    assert options["traces_sample_rate"] == 0.25
    assert (options["environment"], options["release"]) == ("staging", "2025.06.1")
    assert options["send_default_pii"] is False
    assert options["include_local_variables"] is False
    assert options["max_request_body_size"] == "never"
    assert [type(i).__name__ for i in options["integrations"]] == ["FlaskIntegration"]


def test_secrets_are_taken_out_of_an_event():
    event = {
        "request": {
            "url": "https://portfolio.example.com/unsubscribe/signed.token-value",
            "query_string": "q=crm&token=abc&api_key=def&page=2",
            "data": {"password": "x", "email": "a@b.test"},
            "cookies": {"session": "y"},
            "headers": {"Authorization": "Bearer z", "X-CSRFToken": "t", "Accept": "text/html"},
        }
    }
    cleaned = error_reports.without_secrets(event)["request"]
    assert cleaned == {
        "url": "https://portfolio.example.com/unsubscribe/[Filtered]",
        "query_string": "q=crm&token=[Filtered]&api_key=[Filtered]&page=2",
        "headers": {
            "Authorization": "[Filtered]",
            "X-CSRFToken": "[Filtered]",
            "Accept": "text/html",
        },
    }


def test_people_and_sql_parameters_are_taken_out_of_free_text():
    event = {
        "logentry": {
            "message": "login throttle: pair limit (email=ann@example.test address=10.7.0.1)"
        },
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "value": "UNIQUE failed\n[SQL: INSERT INTO user_account (email, password_hash)"
                    " VALUES (?, ?)]\n[parameters: ('bo@example.test', 'scrypt:32768$x]y')]"
                    "\n(Background on this error at: https://sqlalche.me/e/20/gkpj)",
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "refused header 'carl@example.test'"}]},
    }
    cleaned = json.dumps(error_reports.without_secrets(event))
    for personal in ("ann@example.test", "10.7.0.1", "bo@example.test", "scrypt", "carl@"):
        assert personal not in cleaned
    assert "email=[email] address=[address]" in cleaned
    assert "[parameters: [Filtered]]\\n(Background" in cleaned
    assert "INSERT INTO user_account" in cleaned


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTFOLIO_ENV", "development")
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: None)
    return monkeypatch


def test_sentry_settings_from_the_environment(environment):
    config = create_app().config
    assert config["SENTRY_DSN"] is None and config["SENTRY_TRACES_SAMPLE_RATE"] == 0
    environment.setenv("SENTRY_DSN", "https://key@o1.ingest.sentry.io/123")
    environment.setenv("PORTFOLIO_SENTRY_TRACES", "0.1")
    environment.setenv("PORTFOLIO_SENTRY_ENVIRONMENT", "staging")
    config = create_app().config
    assert config["SENTRY_DSN"] == "https://key@o1.ingest.sentry.io/123"
    assert config["SENTRY_TRACES_SAMPLE_RATE"] == 0.1
    assert config["SENTRY_ENVIRONMENT"] == "staging"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SENTRY_DSN", "not a dsn"),
        ("SENTRY_DSN", "https://sentry.example.com/1"),  # no key
        ("SENTRY_DSN", "ftp://key@sentry.example.com/1"),
        ("PORTFOLIO_SENTRY_TRACES", "1.5"),
        ("PORTFOLIO_SENTRY_TRACES", "-0.1"),
        ("PORTFOLIO_SENTRY_TRACES", "nan"),
        ("PORTFOLIO_SENTRY_TRACES", "a lot"),
    ],
)
def test_wrong_sentry_settings_stop_the_start(environment, name, value):
    environment.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app()
