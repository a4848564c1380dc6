"""The HTTP part: gunicorn with 2 sync workers on a seeded SQLite file, and
requests per second for /board (signed in) and /healthz from a threaded client."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_THREADS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def requests_per_second(port: int, path: str, headers: dict, seconds: float) -> dict:
    """Keep CLIENT_THREADS connections busy with GET `path` for `seconds`.
    (Sync workers close each connection; http.client reopens it.)"""
    counts = [0] * CLIENT_THREADS
    failures = [0] * CLIENT_THREADS
    stop = time.monotonic() + seconds

    def client(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    counts[slot] += 1
                else:
                    failures[slot] += 1
            except (OSError, http.client.HTTPException):
                failures[slot] += 1
                connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"rps": sum(counts) / elapsed, "requests": sum(counts), "failures": sum(failures)}


def measure(database: Path, session_cookie: str, secret_key: str, seconds: float = 5) -> dict:
    """Start gunicorn (2 sync workers) on `database`, measure, stop it."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout's portfolio package
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": secret_key,
        "PORTFOLIO_ENV": "development",  # one machine, in-memory rate-limit counters
        "PORTFOLIO_DEMO": "0",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "portfolio:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port, server)
        browser = {"Accept-Encoding": "gzip, br", "Cookie": f"session={session_cookie}"}
        # A first signed-in request, so a refused cookie fails loudly here.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/board", headers=browser)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"/board answered {response.status} over HTTP")
        board = requests_per_second(port, "/board", browser, seconds)
        healthz = requests_per_second(port, "/healthz", {"Accept-Encoding": "gzip, br"}, seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "board": board,
        "healthz": healthz,
        "board_share_of_healthz": board["rps"] / healthz["rps"] if healthz["rps"] else 0.0,
        "client_threads": CLIENT_THREADS,
        "seconds_each": seconds,
    }
