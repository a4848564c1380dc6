"""What browser tests import: signing in, screenshots, and the page checks and
gestures several tests share. Fixtures (the live server, the watched page) are
in conftest.py."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from portfolio import ROOT

ARTIFACTS = ROOT / "test-artifacts"


def sign_in(page, live_server: str, email: str, password: str = "demo-password") -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (kept by CI, not compared)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def mark_page(page) -> None:
    """Tag the live document; a full reload would lose the tag."""
    page.evaluate("window.__noReload = true")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__noReload === true"), "the page was reloaded"


def drag(page, source, target) -> None:
    """Drag `source` by its handle onto the top edge of `target` (native drag
    and drop, which SortableJS uses in Chromium)."""
    source.locator(".drag-handle").drag_to(target, target_position={"x": 40, "y": 8})


def wait_for_saved_move(page) -> None:
    # A locator, not wait_for_function: polling a JavaScript string needs eval,
    # which our Content-Security-Policy refuses.
    expect(page.locator("#board.is-saving")).to_have_count(0)
    page.wait_for_load_state("networkidle")
