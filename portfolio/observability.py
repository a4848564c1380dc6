"""A request id on every answer, and structured JSON logs for operators.

Every request gets an id: the `X-Request-ID` a proxy in front sent (when it is
a plain token of at most 64 characters), else a new one. It is returned as
`X-Request-ID` and attached to every log record written while the request is
handled, so one line in a proxy's log leads to every line the app wrote.

With `PORTFOLIO_LOG_FORMAT=json` the app logs one JSON object a line on
standard error (time, level, logger, message, request id, and for each
request its method, path, status, duration and account), which log shippers
read without parsing rules. The default, `text`, leaves logging as Python and
gunicorn set it up.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request
from flask_login import current_user

LOG_FORMATS = ("text", "json")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
requests_log = logging.getLogger("portfolio.requests")


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


# What a LogRecord always has: everything else on it was passed in `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_json_logging(stream=None) -> None:
    """The root logger writes JSON lines to `stream` (standard error); once
    per process, however many apps are built."""
    root = logging.getLogger()
    if any(getattr(handler, "portfolio_json", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.portfolio_json = True
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root.handlers = [handler]
    root.setLevel(logging.INFO)


def register(app: Flask) -> None:
    json_logs = app.config.get("LOG_FORMAT") == "json"
    if json_logs:
        configure_json_logging()

    @app.before_request
    def start_request() -> None:
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        if json_logs:
            started = g.get("request_started")
            requests_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                    if started
                    else None,
                    "user_id": current_user.id if current_user.is_authenticated else None,
                },
            )
        return response
