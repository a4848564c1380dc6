"""gunicorn settings, read from the checkout (gunicorn loads ./gunicorn.conf.py).

Production with several workers needs shared rate-limit counters: with the
in-memory store each worker would count sign-in failures on its own, so N
workers would allow N times the limit. Refuse to start that way.

Prometheus metrics across workers (PROMETHEUS_MULTIPROC_DIR set, see
portfolio/metrics.py): each worker writes its counters to files in that
directory, which must start empty — emptied here at start — and a worker
that exits is marked dead so its live gauges stop counting.
"""

import os
from pathlib import Path

from prometheus_client import multiprocess


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
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:
        folder = Path(metrics_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("*.db"):  # the last run's counters
            leftover.unlink()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
