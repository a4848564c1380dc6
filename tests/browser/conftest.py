"""Real-browser tests: Playwright driving Debian's Chromium against a live server.

Without Chromium these tests skip with the reason printed; with
REQUIRE_BROWSER=1 (as in CI) they fail instead. Every test fails if the page
logs a JavaScript error (CSP violations included) unless it allowed it.
What tests import (sign_in, screenshot, drag…) is in tests/browser/helpers.py.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
BROWSER_REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"

# Root and offline: no sandbox, and no calls home that the closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
        if BROWSER_REQUIRED:
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Tall enough that a whole board column fits: a drag should not need to scroll.
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1100}}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test's app served over HTTP from a thread, on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class ConsoleWatch:
    """JavaScript errors a page logged; tests may allow expected ones."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def page(page, console):
    """pytest-playwright's page, failing the test on any console error."""
    page.set_default_timeout(10_000)
    page.on(
        "console", lambda message: message.type == "error" and console.errors.append(message.text)
    )
    page.on("pageerror", lambda error: console.errors.append(f"uncaught: {error}"))
    yield page
    assert console.unexpected() == [], "JavaScript console errors"
