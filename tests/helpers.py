"""What tests import: apps built outside the `app` fixture, the test client,
row counts, and one way to read HTML.

Fixtures (an app per test, clients per role, factories, the query counter)
live in conftest.py; tests never import from it.
"""

from __future__ import annotations

import contextvars
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import StrictUndefined

from portfolio import create_app
from portfolio.config import normalise_database_url
from portfolio.extensions import db
from portfolio.models import Activity, Request, RequestStatus, Vote

# Fast scrypt for tests only: production keeps werkzeug's default cost.
FAST_HASH = "scrypt:1024:8:1"
PASSWORD = "correct horse battery"

# Apps and databases -----------------------------------------------------------


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


def with_search_path(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections work in `schema`."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def fresh_schema(base_url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL schema for the block: yields a URL working in it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(base_url, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_app(database_url: str, **overrides) -> Flask:
    """The app as tests run it, on `database_url`, with `overrides` applied."""
    settings = {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "DEMO": False,
        "SECURE_COOKIES": False,
    }
    settings.update(overrides)
    app = create_app(settings)
    app.jinja_env.undefined = StrictUndefined
    app.test_client_class = CsrfClient
    return app


# The test client --------------------------------------------------------------


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token, as our pages do.

    Pass `csrf=False` to send none, to prove a route refuses that.
    `hx_get` and `hx_post` send what htmx sends (`HX-Request: true`).

    Each request runs in an empty context: Flask would otherwise reuse the
    test's app context, sharing its database session and `g` (and so the
    signed-in user) between requests, which hides real bugs.
    """

    def open(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return contextvars.Context().run(super().open, *args, **kwargs)

    def hx_get(self, *args, headers=None, **kwargs):
        """A GET as htmx sends it; `headers` add to (or override) htmx's."""
        return self.get(*args, headers={"HX-Request": "true", **(headers or {})}, **kwargs)

    def hx_post(self, *args, headers=None, **kwargs):
        """A POST as htmx sends it; `headers` add to (or override) htmx's."""
        return self.post(*args, headers={"HX-Request": "true", **(headers or {})}, **kwargs)

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = session["csrf_token"] = uuid.uuid4().hex
        serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)


# Rows ---------------------------------------------------------------------------


_CSRF_TOKEN = re.compile(r'(csrf_token" value="|X-CSRFToken": ")[^"]+')


def without_csrf_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked: Flask-WTF signs a timestamp into each,
    so two renderings of one page differ there when they straddle a second."""
    return _CSRF_TOKEN.sub(r"\1", html)


def count_rows(model, *criteria) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    if criteria:
        query = query.where(*criteria)
    return db.session.execute(query).scalar_one()


# Reading HTML ---------------------------------------------------------------------

VOID_ELEMENTS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input")
    + ("link", "meta", "source", "track", "wbr")
)


@dataclass(eq=False)
class Element:
    """One element of a parsed page, with the few queries tests need.

    `select` takes a small part of CSS: `tag`, `#id`, `.class`, `[attr]`,
    `[attr=value]`, `[attr^=value]`, compounds of those (`article.card[data-version]`),
    and the descendant (space) and child (`>`) combinators.
    """

    tag: str
    attrs: dict[str, str | None]
    parent: Element | None = field(default=None, repr=False)
    children: list[Element | str] = field(default_factory=list, repr=False)
    source: str = field(default="", repr=False)
    start: int = field(default=0, repr=False)
    end: int | None = field(default=None, repr=False)

    def __getitem__(self, name: str) -> str | None:
        return self.attrs[name]

    def __contains__(self, text: object) -> bool:
        raise TypeError("say what to look in: `in element.text` (what a reader sees) or `.html`")

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        """The text a reader sees: entities decoded, whitespace collapsed."""
        return " ".join(self.raw_text.split())

    @property
    def raw_text(self) -> str:
        """The text content exactly as written (entities decoded)."""
        return "".join(
            child if isinstance(child, str) else child.raw_text for child in self.children
        )

    @property
    def html(self) -> str:
        """This element's markup as the server sent it."""
        return self.source[self.start : self.end]

    def elements(self) -> Iterator[Element]:
        """Every element inside this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.elements()

    def select(self, selector: str) -> list[Element]:
        """The elements inside this one that match `selector`, in document order."""
        steps = _parse_selector(selector)
        return [element for element in self.elements() if _matches(element, steps)]

    def one(self, selector: str) -> Element:
        """The only element matching `selector` (fails the test otherwise)."""
        found = self.select(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}"
        return found[0]

    def by_id(self, element_id: str) -> Element:
        found = [element for element in self.elements() if element.id == element_id]
        assert len(found) == 1, f"{len(found)} elements have id={element_id!r}"
        return found[0]


_SELECTOR_PART = re.compile(
    r"""(?P<tag>^[a-zA-Z][\w-]*|^\*)
      | \#(?P<id>[\w-]+)
      | \.(?P<class_>[\w-]+)
      | \[(?P<attr>[\w-]+)(?:(?P<op>\^?=)(?P<quote>["']?)(?P<value>.*?)(?P=quote))?\]""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Compound:
    """One compound selector, like `a.card[data-id="3"]`."""

    tag: str | None = None
    id: str | None = None
    classes: tuple[str, ...] = ()
    attrs: tuple[tuple[str, str | None, str | None], ...] = ()  # (name, operator, value)

    @classmethod
    def read(cls, text: str) -> _Compound:
        tag, id_, classes, attrs = None, None, [], []
        position = 0
        for part in _SELECTOR_PART.finditer(text):
            assert part.start() == position, f"cannot read the selector {text!r}"
            position = part.end()
            if part["tag"]:
                tag = None if part["tag"] == "*" else part["tag"].lower()
            elif part["id"]:
                id_ = part["id"]
            elif part["class_"]:
                classes.append(part["class_"])
            else:
                attrs.append((part["attr"], part["op"], part["value"]))
        assert text and position == len(text), f"cannot read the selector {text!r}"
        return cls(tag, id_, tuple(classes), tuple(attrs))

    def matches(self, element: Element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        if self.id is not None and element.id != self.id:
            return False
        if not set(self.classes) <= set(element.classes):
            return False
        for name, operator, value in self.attrs:
            if name not in element.attrs:
                return False
            found = element.attrs[name] or ""
            if operator == "=" and found != value:
                return False
            if operator == "^=" and not found.startswith(value):
                return False
        return True


def _parse_selector(selector: str) -> list[tuple[str, _Compound]]:
    """[(combinator, compound)], the subject last; the first combinator is ''."""
    tokens = re.findall(r">|(?:[^\s>\[]|\[[^\]]*\])+", selector)
    steps, combinator = [], ""
    for token in tokens:
        if token == ">":
            combinator = ">"
            continue
        steps.append((combinator, _Compound.read(token)))
        combinator = " "
    assert steps and combinator != ">", f"cannot read the selector {selector!r}"
    return steps


def _matches(element: Element, steps: list[tuple[str, _Compound]]) -> bool:
    """Whether `element` matches the last step, its ancestors the steps before."""
    combinator, compound = steps[-1]
    if not compound.matches(element):
        return False
    if len(steps) == 1:
        return True
    parent = element.parent
    if combinator == ">":
        return parent is not None and _matches(parent, steps[:-1])
    while parent is not None:
        if _matches(parent, steps[:-1]):
            return True
        parent = parent.parent
    return False


class _TreeBuilder(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.root = Element("#document", {}, source=source, end=len(source))
        self.open = [self.root]

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self.position()
        element = Element(tag, dict(attrs), parent=self.open[-1], source=self.source, start=start)
        self.open[-1].children.append(element)
        if tag in VOID_ELEMENTS:
            element.end = start + len(self.get_starttag_text())
        else:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.open.pop().end = self.position() + len(self.get_starttag_text())

    def handle_endtag(self, tag):
        if not any(element.tag == tag for element in self.open[1:]):
            return  # a stray end tag closes nothing
        end = self.source.index(">", self.position()) + 1
        while True:
            element = self.open.pop()
            element.end = end
            if element.tag == tag:
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse_html(source: str) -> Element:
    """The page (or fragment) as a tree of elements: `parse_html(response.text).select(...)`."""
    builder = _TreeBuilder(source)
    builder.feed(source)
    builder.close()
    for element in builder.open[1:]:
        element.end = len(source)
    return builder.root


def options(page: str, name: str) -> list[tuple[str | None, str, bool]]:
    """(value, text, selected) of each option of <select name=...>."""
    found = parse_html(page).select(f'select[name="{name}"]')
    assert len(found) == 1, f"{len(found)} <select name={name!r}> on the page"
    (select,) = found
    return [
        (option.get("value"), option.text, "selected" in option.attrs)
        for option in select.select("option")
    ]


def selected_values(page: str, name: str) -> list[str | None]:
    return [value for value, _, selected in options(page, name) if selected]


def option_values(page: str, name: str) -> list[str | None]:
    return [value for value, _, _ in options(page, name)]


def input_value(page: str, name: str) -> str | None:
    """What the first <input name=...> of a form holds, as the user sees it."""
    found = parse_html(page).select(f'input[name="{name}"]')
    return found[0].get("value") if found else None


def textarea_text(page: str, name: str) -> str:
    """What <textarea name=...> holds (without the leading line break forms add)."""
    return parse_html(page).one(f'textarea[name="{name}"]').raw_text.lstrip()


def assert_fragment(response, starts_with: str) -> None:
    """`response` is an htmx fragment (no layout) that begins with `starts_with`."""
    assert "<html" not in response.text
    assert response.text.lstrip().startswith(starts_with), response.text[:200]


# The board ----------------------------------------------------------------------------


def card_ids(page: str | Element) -> list[int]:
    """Ids of the roadmap cards drawn, in page order."""
    tree = parse_html(page) if isinstance(page, str) else page
    return [int(card["data-item-id"]) for card in tree.select("article.card[data-item-id]")]


def cards_in(page: str, list_id: str) -> list[int]:
    """Card ids, in order, in the card list `list_id` ("cards-now", "cards-next-3")."""
    return card_ids(parse_html(page).by_id(list_id))


# Requests and votes -------------------------------------------------------------------

OPEN = {
    RequestStatus.NEW,
    RequestStatus.UNDER_REVIEW,
    RequestStatus.PLANNED,
    RequestStatus.IN_PROGRESS,
}
CLOSED = {RequestStatus.SHIPPED, RequestStatus.DECLINED, RequestStatus.DUPLICATE}
BIG = "2147483648"  # past a 32-bit INTEGER (PostgreSQL's id columns)
HUGE = "99999999999999999999"  # past any database integer


def vote_counts(page: str | Element) -> list[tuple[int, int]]:
    """(request id, vote count) of every vote widget, in page order."""
    tree = parse_html(page) if isinstance(page, str) else page
    return [
        (int(widget.id.removeprefix("vote-")), int(widget.one('[data-testid="vote-count"]').text))
        for widget in tree.select("div.vote[id^=vote-]")
    ]


def voters(request_id: int) -> set[int]:
    query = sa.select(Vote.user_id).where(Vote.request_id == request_id)
    return set(db.session.execute(query).scalars())


def assert_vote_counts_match() -> None:
    """Every request's maintained vote count equals its Vote rows."""
    rows = (
        sa.select(sa.func.count(Vote.id))
        .where(Vote.request_id == Request.id)
        .correlate(Request)
        .scalar_subquery()
    )
    found = db.session.execute(sa.select(Request.id, Request.vote_count, rows)).all()
    assert [tuple(row) for row in found if row[1] != row[2]] == []


def activities(request_id: int, verb: str) -> list[Activity]:
    db.session.expire_all()
    query = (
        sa.select(Activity)
        .where(Activity.request_id == request_id, Activity.verb == verb)
        .order_by(Activity.id)
    )
    return list(db.session.execute(query).scalars())
