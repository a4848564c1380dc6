"""Every answer carries a request id; JSON logs carry it too (#17, operations)."""

from __future__ import annotations

import io
import json
import logging
import re
import sys

import pytest

from portfolio import create_app, observability
from portfolio.config import ConfigError
from portfolio.extensions import db
from portfolio.observability import JsonFormatter, RequestIdFilter
from tests.helpers import make_app

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.parametrize("path", ["/healthz", "/board", "/no-such-page"])
def test_every_answer_has_a_request_id(client, path):
    answer = client.get(path)
    assert GENERATED.match(answer.headers["X-Request-ID"])
    assert client.get(path).headers["X-Request-ID"] != answer.headers["X-Request-ID"]


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42_x"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.42_x"
    for strange in ("a" * 65, "two words", "<script>", "é"):
        answer = client.get("/healthz", headers={"X-Request-ID": strange})
        assert GENERATED.match(answer.headers["X-Request-ID"]), strange


@pytest.fixture
def json_lines(monkeypatch):
    """What the JSON log writes, on a handler of the request log's own (the
    root logger stays pytest's)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("portfolio")
    level = logger.level

    def install(stream=None) -> None:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

    monkeypatch.setattr(observability, "configure_json_logging", install)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_json_logs_say_what_each_request_did_with_its_id(tmp_path, json_lines):
    app = make_app(f"sqlite:///{tmp_path / 'logs.db'}", LOG_FORMAT="json")
    with app.app_context():
        db.create_all()
    client = app.test_client()

    answer = client.get("/healthz", headers={"X-Request-ID": "from-the-proxy"})
    anonymous = client.get("/board")

    first, second = json_lines()[-2:]
    assert answer.headers["X-Request-ID"] == "from-the-proxy"
    assert first["request_id"] == "from-the-proxy"
    assert first["logger"] == "portfolio.requests" and first["level"] == "INFO"
    assert (first["method"], first["path"], first["status"]) == ("GET", "/healthz", 200)
    assert first["duration_ms"] >= 0 and first["user_id"] is None
    assert first["message"] == "GET /healthz 200"
    assert second["request_id"] == anonymous.headers["X-Request-ID"]
    assert (second["path"], second["status"]) == ("/board", 302)
    with app.app_context():
        db.engine.dispose()


def test_a_record_outside_a_request_has_no_id_and_keeps_its_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("portfolio.x").makeRecord(
            "portfolio.x",
            logging.ERROR,
            __file__,
            1,
            "failed %s",
            ("job",),
            exc_info=sys.exc_info(),
        )
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed job" and line["request_id"] is None
    assert "ValueError: boom" in line["exception"]


def test_the_log_format_is_text_or_json(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTFOLIO_ENV", "development")
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setattr(observability, "configure_json_logging", lambda stream=None: None)
    monkeypatch.setenv("PORTFOLIO_LOG_FORMAT", "JSON")
    assert create_app().config["LOG_FORMAT"] == "json"
    monkeypatch.delenv("PORTFOLIO_LOG_FORMAT")
    assert create_app().config["LOG_FORMAT"] == "text"
    monkeypatch.setenv("PORTFOLIO_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="PORTFOLIO_LOG_FORMAT"):
        create_app()
