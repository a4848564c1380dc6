"""The app as it runs in production: gunicorn with several workers.

The login limit must hold across workers: with in-memory counters each of the
4 workers would allow 10 attempts (40 in all); with Redis as the shared store
the 11th attempt is refused whichever worker answers.
"""

from __future__ import annotations

import http.cookiejar
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from portfolio import ROOT
from tests.helpers import input_value

REDIS = shutil.which("redis-server")
REQUIRED = os.environ.get("REQUIRE_REDIS") == "1"  # set by .ci/run, which installs redis-server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


@pytest.fixture
def redis_url(tmp_path):
    if REDIS is None:
        if REQUIRED:
            pytest.fail("redis-server is required in CI (apt-get install redis-server)")
        pytest.skip("no redis-server (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            REDIS,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def gunicorn_server(tmp_path, redis_url):
    database = tmp_path / "deploy.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "deployment-test-secret",
        "PORTFOLIO_ENV": "development",  # plain HTTP here, so no Secure cookies
        "PORTFOLIO_INSTANCE_PATH": str(tmp_path / "instance"),
        "RATELIMIT_STORAGE_URI": redis_url,
    }
    env.pop("PORTFOLIO_DEMO", None)
    flask = [sys.executable, "-m", "flask", "--app", "portfolio"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run(
        [
            *flask,
            "create-user",
            "--email",
            "pm@example.test",
            "--role",
            "pm",
            "--password",
            "a fine passphrase",
        ],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
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
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def post_login(opener, base: str, email: str, password: str) -> int:
    page = opener.open(f"{base}/login", timeout=10).read().decode()
    token = input_value(page, "csrf_token")
    assert token
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": password}
    ).encode()
    try:
        return opener.open(f"{base}/login", data=body, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def test_login_limit_holds_across_four_gunicorn_workers(gunicorn_server):
    statuses = []
    for _ in range(11):
        # A new cookie jar (and so a new connection and session) per attempt, so
        # the attempts spread over the workers as separate clients would.
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        statuses.append(post_login(opener, gunicorn_server, "pm@example.test", "wrong password"))
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
