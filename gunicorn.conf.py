"""gunicorn settings, read from the checkout (gunicorn loads ./gunicorn.conf.py).

Production with several workers needs shared rate-limit counters: with the
in-memory store each worker would count sign-in failures on its own, so N
workers would allow N times the limit. Refuse to start that way.
"""

import os


def _production() -> bool:
    mode = os.environ.get("PORTFOLIO_ENV")
    if mode:
        return mode == "production"
    return os.environ.get("PORTFOLIO_DEMO", "").lower() not in {"1", "true", "yes", "on"}


def on_starting(server) -> None:
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if _production() and server.cfg.workers > 1 and storage.startswith("memory://"):
        raise SystemExit(
            f"Portfolio: {server.cfg.workers} workers need shared rate-limit counters. "
            "Set RATELIMIT_STORAGE_URI to Redis (e.g. redis://127.0.0.1:6379/0), "
            "or run one worker."
        )
