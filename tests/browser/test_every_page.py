"""Every page, for every role, at phone and desktop width, in light and dark:
no sideways scroll, no critical or serious axe-core violation, one h1 and one
main landmark, no console error; a screenshot of each for review in
test-artifacts/screens/<role>/<page>-<width>-<scheme>.png.

Fast by design: one browser, one signed-in tab per role reused by all its
pages, one navigation per page (width and colour scheme change in place).
Dark mode changes only colours, so in dark axe runs its colour rules only.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from werkzeug.serving import make_server

from portfolio.demo import DEMO_PASSWORD, seed_demo
from portfolio.extensions import db
from tests.browser.helpers import ARTIFACTS, sign_in
from tests.browser.pages import EMAILS, PAGES, ROLES, SKIPPED, demo_ids, pages_for, seed_extras
from tests.helpers import fresh_schema, make_app, postgres_url

WIDTHS = {"phone": (390, 844), "desktop": (1400, 900)}
SCHEMES = ("light", "dark")
# Widths and colour schemes do not depend on the database: on PostgreSQL (the
# suite's second run) every page is opened, checked and axe-run once, at
# desktop width in light; the SQLite run covers both widths and both schemes.
ON_POSTGRES = postgres_url() is not None
WIDTHS_CHECKED = ("desktop",) if ON_POSTGRES else ("desktop", "phone")
SCHEMES_CHECKED = ("light",) if ON_POSTGRES else SCHEMES
FAILING_IMPACTS = {"critical", "serious"}
# Moderate rules that fail too: headings and landmarks, which pass today and
# which a screen-reader user navigates by.
ALSO_FAILING = {
    "heading-order",
    "landmark-one-main",
    "landmark-unique",
    "page-has-heading-one",
    "region",
}

# Every rule axe has, plus the one experimental rule the issue asks for: an
# accessible name must contain the visible text (a vote button's count).
AXE_ALL = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}
# What a colour scheme can change.
AXE_COLOURS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
}

# Seconds spent per step, written to test-artifacts/every-page-timings.txt.
SECONDS: Counter[str] = Counter()


@contextmanager
def timed(step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        SECONDS[step] += time.perf_counter() - start


@dataclass
class Site:
    url: str
    ids: dict[str, object]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """The demo organisation served over HTTP once for the whole module."""
    base_url = postgres_url()
    if base_url is None:
        database = tmp_path_factory.mktemp("pages") / "pages.db"
        yield from _serve(f"sqlite:///{database}")
        return
    with fresh_schema(base_url, "pages") as url:
        yield from _serve(url)


def _serve(database_url: str) -> Iterator[Site]:
    app = make_app(database_url)
    with app.app_context():
        db.create_all()
        seed_demo(db.session)
        seed_extras(db.session)
        db.session.commit()
        ids = demo_ids(db.session)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="pages-server", daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_port}", ids)
    server.shutdown()
    thread.join(timeout=10)
    ARTIFACTS.mkdir(exist_ok=True)
    timings = "".join(f"{seconds:7.1f} s  {step}\n" for step, seconds in SECONDS.most_common())
    (ARTIFACTS / "every-page-timings.txt").write_text(timings)
    with app.app_context():
        db.engine.dispose()


@dataclass
class Tab:
    """A role's browser tab, reused for all its pages."""

    page: object
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def tabs(browser, site) -> Iterator[dict[str, Tab]]:
    opened: dict[str, Tab] = {}

    def open_tab(role: str) -> Tab:
        if role not in opened:
            width, height = WIDTHS["desktop"]
            context = browser.new_context(
                viewport={"width": width, "height": height},
                reduced_motion="reduce",  # no colour transitions while axe reads contrast
            )
            page = context.new_page()
            page.set_default_timeout(10_000)
            tab = Tab(page)
            page.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
            page.on("pageerror", lambda error: tab.errors.append(f"uncaught: {error}"))
            if role in EMAILS:
                sign_in(page, site.url, EMAILS[role], DEMO_PASSWORD)
            opened[role] = tab
        return opened[role]

    yield open_tab
    for tab in opened.values():
        tab.page.context.close()


def _cases():
    for role in ROLES:
        for page in pages_for(role):
            yield pytest.param(role, page, id=f"{role}-{page.name}")


@pytest.mark.parametrize("role, listed", list(_cases()))
def test_every_page(tabs, site, role, listed):
    tab = tabs(role)
    page = tab.page
    tab.errors.clear()
    url = listed.url(site.ids, role)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(_size("desktop"))
    with timed("open the page"):
        response = page.goto(site.url + url)
        assert response.status == listed.status, f"{url} answered {response.status}"
        problems = _structure(page)
        page.evaluate(AXE_SCRIPT)
    for width in WIDTHS_CHECKED:
        page.set_viewport_size(_size(width))
        for scheme in SCHEMES if width == "desktop" else reversed(SCHEMES):
            if scheme not in SCHEMES_CHECKED:
                continue
            page.emulate_media(color_scheme=scheme)
            where = f"{listed.name} as {role} at {width} in {scheme}"
            problems += _sideways(page, listed.name, width, where)
            with timed(f"axe ({'all rules' if scheme == 'light' else 'colour rules'})"):
                problems += _axe(page, listed.name, scheme, where)
            with timed("screenshot"):
                _screenshot(page, role, listed.name, width, scheme)

    expected_error = listed.status != 200 and f"status of {listed.status}"
    errors = [e for e in tab.errors if not (expected_error and expected_error in e)]
    problems += [f"console error: {error}" for error in errors]
    assert not problems, f"{url} as {role}:\n" + "\n".join(problems)


def _size(width: str) -> dict[str, int]:
    return dict(zip(("width", "height"), WIDTHS[width], strict=True))


def _structure(page) -> list[str]:
    """One h1 (what the page is) and one main landmark (where it is)."""
    problems = []
    for selector, what in (("h1", "h1"), ("main, [role=main]", "main landmark")):
        count = page.locator(selector).count()
        if count != 1:
            problems.append(f"{count} {what} elements, not one")
    return problems


def _sideways(page, name: str, width: str, where: str) -> list[str]:
    wide, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if wide <= viewport:
        return []
    return [f"{where}: the page is {wide}px wide in a {viewport}px window"]


def _axe(page, name: str, scheme: str, where: str) -> list[str]:
    options = AXE_ALL if scheme == "light" else AXE_COLOURS
    results = page.evaluate(f"axe.run(document, {json.dumps(options)})")
    problems = []
    for violation in results["violations"]:
        if violation["impact"] not in FAILING_IMPACTS and violation["id"] not in ALSO_FAILING:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        shown = ", ".join(targets[:5]) + (
            f" (+{len(targets) - 5} more)" if len(targets) > 5 else ""
        )
        problem = f"{where}: {violation['id']} ({violation['impact']}, {len(targets)}×): {shown}"
        problems.append(problem)
    return problems


def _screenshot(page, role: str, name: str, width: str, scheme: str) -> None:
    folder = ARTIFACTS / "screens" / role
    folder.mkdir(parents=True, exist_ok=True)
    pixels = WIDTHS[width][0]
    page.screenshot(path=str(folder / f"{name}-{pixels}-{scheme}.png"), full_page=True)


def test_every_get_route_is_listed(app):
    """A new page must join PAGES (and so every check above), or SKIPPED with a reason."""
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    listed = {page.endpoint for page in PAGES} - {"-"}
    assert routes - listed - SKIPPED.keys() == set(), "GET routes in neither PAGES nor SKIPPED"
    assert (listed | SKIPPED.keys()) - routes == set(), "listed endpoints that no longer exist"
    assert listed & SKIPPED.keys() == set(), "endpoints both checked and skipped"
