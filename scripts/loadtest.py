"""Load and fault test against gunicorn on loopback, bounded in time and requests.

    python scripts/loadtest.py --database postgres --pg-url URL [--users 50]
        [--duration 60] [--kill-worker] [--stop-postgres SECONDS]
    python scripts/loadtest.py --database sqlite --workers 2 --duration 20

Simulated users: 80 % browse, 10 % comment, 10 % move a card. Reports
requests/s, p50/p95 and errors; then checks that every comment that got a
success answer exists and that each board column is a strict total order.
Exits non-zero on any 5xx outside a planned database outage, on a 500 at any
time, on "database is locked", on a lost comment or a broken board.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from portfolio.config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS = 200_000  # a hard bound, whatever the duration
CARD = re.compile(r'id="card-(\d+)" data-item-id="\d+" data-version="(\d+)"')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
BROWSE = [
    "/products",
    "/board",
    "/requests",
    "/products/sales-crm",
    "/products/finance-erp",
    "/requests?sort=votes",
    "/activity",
    "/departments",
    "/board?view=lanes",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer")


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    outage_503: int = 0
    comments_ok: set[str] = field(default_factory=set)
    moves: dict[int, int] = field(default_factory=dict)
    requests: int = 0
    lock = threading.Lock()

    def record(
        self, status: int, seconds: float, what: str, in_outage: bool, body: str = ""
    ) -> None:
        with self.lock:
            self.requests += 1
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if "database is locked" in body:
                self.server_errors.append(f"{what}: database is locked")
            if status in (0, 503) and in_outage:
                self.outage_503 += 1  # planned: a killed worker's requests, or the database outage
            elif status >= 500 or status == 0:
                self.server_errors.append(f"{what}: {status}")


class User:
    def __init__(self, base: str, email: str, stats: Stats, outage: threading.Event):
        self.base, self.email, self.stats, self.outage = base, email, stats, outage
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""
        self.can_move = email.startswith(("pm@", "admin@"))

    def call(self, path: str, data: dict | None = None, what: str = "") -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            request.add_header("X-CSRFToken", self.token)
        in_outage = self.outage.is_set()
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError, OSError, TimeoutError) as error:
            status, text = 0, str(error)
        in_outage = in_outage or self.outage.is_set()
        self.stats.record(status, time.perf_counter() - started, what or path, in_outage, text)
        match = CSRF.search(text)
        if match:
            self.token = match.group(1) or match.group(2)
        return status, text

    def sign_in(self) -> None:
        self.call("/login")
        status, _ = self.call(
            "/login",
            {"csrf_token": self.token, "email": self.email, "password": "demo-password"},
            "login",
        )
        if status not in (200, 302):
            raise RuntimeError(f"{self.email} could not sign in: {status}")

    def run(self, deadline: float, rng: random.Random) -> None:
        self.sign_in()
        while time.monotonic() < deadline and self.stats.requests < MAX_REQUESTS:
            roll = rng.random()
            if roll < 0.8:
                self.call(rng.choice(BROWSE))
            elif roll < 0.9 or not self.can_move:
                body = f"load test comment {uuid.uuid4()}"
                status, _ = self.call(
                    f"/comments/request/{rng.randint(1, 25)}", {"body": body}, "comment"
                )
                if status in (200, 302):
                    with self.stats.lock:
                        self.stats.comments_ok.add(body)
            else:
                status, page = self.call("/board")
                cards = CARD.findall(page)
                if status == 200 and cards:
                    card_id, version = rng.choice(cards)
                    status, _ = self.call(
                        f"/board/items/{card_id}/move",
                        {"direction": rng.choice(["up", "down"]), "version": version},
                        "move",
                    )
                    if status in (200, 302):
                        with self.stats.lock:
                            self.stats.moves[int(card_id)] = (
                                self.stats.moves.get(int(card_id), 0) + 1
                            )


def gunicorn_workers(master_pid: int) -> list[int]:
    output = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True
    )
    return [int(pid) for pid in output.stdout.split()]


def postgres_cluster(database_url: str) -> tuple[str, str]:
    """The local cluster (version, name) that serves the URL's port."""
    port = urllib.parse.urlsplit(database_url).port or 5432
    listing = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port = line.split()[:3]
        if int(cluster_port) == port:
            return version, name
    raise RuntimeError(f"no local PostgreSQL cluster listens on port {port}")


def check_database(database_url: str, comments: set[str]) -> list[str]:
    """Every acknowledged comment exists; every column is a strict total order."""
    problems = []
    engine = sa.create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                sa.text("SELECT body FROM comment WHERE body LIKE 'load test comment %'")
            ).scalars()
        )
        missing = comments - stored
        if missing:
            problems.append(f"{len(missing)} acknowledged comments are missing")
        rows = connection.execute(sa.text("SELECT board_column, rank FROM roadmap_item")).all()
    engine.dispose()
    by_column: dict[str, list[str]] = {}
    for column, rank in rows:
        by_column.setdefault(column, []).append(rank)
    for column, ranks in by_column.items():
        if len(set(ranks)) != len(ranks):
            problems.append(f"column {column} has duplicate ranks")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], required=True)
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument(
        "--kill-worker", action="store_true", help="kill -9 one worker a third of the way in"
    )
    parser.add_argument(
        "--stop-postgres",
        type=float,
        default=0,
        metavar="SECONDS",
        help="stop the PostgreSQL cluster half way through for this long",
    )
    args = parser.parse_args()
    args.duration = min(args.duration, 600)  # bounded, whatever was asked

    workdir = Path(tempfile.mkdtemp(prefix="portfolio-load-"))
    if args.database == "postgres":
        if not args.pg_url:
            parser.error("--pg-url (or TEST_DATABASE_URL) is needed for PostgreSQL")
        database_url = args.pg_url
    else:
        database_url = f"sqlite:///{workdir / 'load.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "load-test-secret",
        "PORTFOLIO_ENV": "development",
        "PORTFOLIO_INSTANCE_PATH": str(workdir / "instance"),
    }
    env.pop("PORTFOLIO_DEMO", None)
    flask = [sys.executable, "-m", "flask", "--app", "portfolio"]
    if args.database == "postgres":
        reset = (
            "import sqlalchemy as sa, os; "
            "from portfolio.config import normalise_database_url as n; "
            "e = sa.create_engine(n(os.environ['DATABASE_URL'])); c = e.connect(); "
            "c.execute(sa.text('DROP SCHEMA public CASCADE')); "
            "c.execute(sa.text('CREATE SCHEMA public')); "
            "c.commit()"
        )
        subprocess.run([sys.executable, "-c", reset], env=env, cwd=ROOT, check=True)
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The child keeps its own copy of the log file descriptor; ours can close.
    with open(workdir / "gunicorn.log", "w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "portfolio:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        # The delivery worker runs beside the server, as in production: it must
        # live through the load and the faults (no MAIL_SERVER: mail is logged).
        with open(workdir / "deliver.log", "w") as worker_log:
            deliver = subprocess.Popen(
                [*flask, "deliver", "--poll", "1"],
                env=env,
                cwd=ROOT,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
    stats, outage = Stats(), threading.Event()
    fault_notes = []
    try:
        wait_for(base + "/healthz")
        started = time.monotonic()
        deadline = started + args.duration
        users = [
            User(
                base,
                [
                    "pm@demo.example",
                    "admin@demo.example",
                    "staff@demo.example",
                    "leader@demo.example",
                ][i % 4],
                stats,
                outage,
            )
            for i in range(args.users)
        ]
        threads = [
            threading.Thread(target=user.run, args=(deadline, random.Random(i)), daemon=True)
            for i, user in enumerate(users)
        ]
        for thread in threads:
            thread.start()

        if args.kill_worker:
            time.sleep(args.duration / 3)
            workers = gunicorn_workers(server.pid)
            if workers:
                outage.set()  # the killed worker's requests in flight are cut off
                os.kill(workers[0], signal.SIGKILL)
                fault_notes.append(
                    f"killed worker {workers[0]} at {time.monotonic() - started:.0f}s"
                )
                time.sleep(2)
                outage.clear()
        if args.stop_postgres and args.database == "postgres":
            time.sleep(max(args.duration / 2 - (time.monotonic() - started), 0))
            version, name = postgres_cluster(database_url)
            outage.set()
            subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
            fault_notes.append(f"stopped PostgreSQL at {time.monotonic() - started:.0f}s")
            time.sleep(min(args.stop_postgres / 2, 3))
            health = probe(base + "/healthz")
            fault_notes.append(f"/healthz during the outage: {health}")
            if health[0] != 503:
                stats.server_errors.append(f"/healthz answered {health} during the outage")
            time.sleep(max(args.stop_postgres - min(args.stop_postgres / 2, 3), 0))
            subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
            recovered = None
            for _ in range(60):
                if probe(base + "/healthz")[0] == 200:
                    recovered = time.monotonic() - started
                    break
                time.sleep(0.5)
            # Requests in flight when the database came back may still fail: allow 3 s.
            time.sleep(3)
            outage.clear()
            if recovered is None:
                stats.server_errors.append("the app did not recover after PostgreSQL came back")
            fault_notes.append(
                f"PostgreSQL back; healthy again at {recovered or float('nan'):.0f}s"
            )
        for thread in threads:
            thread.join(timeout=args.duration + 60)
        elapsed = time.monotonic() - started
        if deliver.poll() is not None:
            stats.server_errors.append(f"the delivery worker died (exit {deliver.returncode})")
    finally:
        for process in (server, deliver):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    worker_output = (workdir / "deliver.log").read_text()
    if "Traceback" in worker_output:
        stats.server_errors.append("the delivery worker logged a traceback (deliver.log)")
    fault_notes.append("delivery worker: " + (worker_output.strip().splitlines() or ["?"])[-1])

    problems = check_database(database_url, stats.comments_ok)
    latencies = sorted(stats.latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else 0
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0
    print(f"{args.database}, {args.workers} workers, {args.users} users, {elapsed:.0f} s")
    for note in fault_notes:
        print(f"  fault: {note}")
    print(
        f"  requests: {stats.requests} ({stats.requests / elapsed:.1f}/s), "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms"
    )
    print(
        f"  statuses: {dict(sorted(stats.statuses.items()))}; "
        f"cut off or 503 during planned faults: {stats.outage_503}"
    )
    print(
        f"  comments acknowledged: {len(stats.comments_ok)}, "
        f"card moves accepted: {sum(stats.moves.values())}"
    )
    failures = stats.server_errors + problems
    for failure in failures[:20]:
        print(f"  FAIL {failure}")
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


def probe(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, OSError) as error:
        return 0, str(error)


if __name__ == "__main__":
    raise SystemExit(main())
