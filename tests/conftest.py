"""Shared fixtures: an app per test on a fresh database, clients per role,
factories and a query counter.

SQLite (default): every test gets its own database file.
PostgreSQL (TEST_DATABASE_URL set): the run gets a fresh schema of its own;
every test starts on empty tables (truncated afterwards), so tests may commit
from several threads, as the live server and the concurrency tests do.
"""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import StrictUndefined

from portfolio import create_app
from portfolio.config import normalise_database_url
from portfolio.extensions import db
from portfolio.models import Role, User

# Fast scrypt for tests only: production keeps werkzeug's default cost.
FAST_HASH = "scrypt:1024:8:1"
PASSWORD = "correct horse battery"


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


def with_search_path(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections work in `schema`."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str | None]:
    """A fresh schema for this test run on PostgreSQL, dropped at the end."""
    base_url = postgres_url()
    if base_url is None:
        yield None
        return
    schema = f"test_{uuid.uuid4().hex[:10]}"
    admin_engine = sa.create_engine(base_url)
    with admin_engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = with_search_path(base_url, schema)
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin_engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin_engine.dispose()


def make_app(database_url: str, **overrides) -> Flask:
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


@pytest.fixture
def app_settings() -> dict:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(tmp_path, postgres_schema_url, app_settings) -> Iterator[Flask]:
    if postgres_schema_url:
        app = make_app(postgres_schema_url, **app_settings)
    else:
        app = make_app(f"sqlite:///{tmp_path / 'test.db'}", **app_settings)
        with app.app_context():
            db.create_all()
    with app.app_context():
        yield app
        db.session.remove()
        if postgres_schema_url:
            truncate_all(db.engine)
        db.engine.dispose()


def truncate_all(engine: sa.Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


# Clients ---------------------------------------------------------------------


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token, as our pages do.

    Pass `csrf=False` to send none, to prove a route refuses that.

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

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = session["csrf_token"] = uuid.uuid4().hex
        serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)


def log_in(client: FlaskClient, user: User) -> FlaskClient:
    """Sign `user` in on `client` the way Flask-Login's cookie does."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


# Factories -------------------------------------------------------------------


class Factory:
    """Builds rows with sensible defaults; every keyword can be overridden."""

    def __init__(self) -> None:
        self._counter = 0
        self._password_hash: str | None = None

    def next(self) -> int:
        self._counter += 1
        return self._counter

    def password_hash(self) -> str:
        if self._password_hash is None:
            from werkzeug.security import generate_password_hash

            self._password_hash = generate_password_hash(PASSWORD, method=FAST_HASH)
        return self._password_hash

    def user(self, role: Role | str = Role.STAKEHOLDER, **fields) -> User:
        n = self.next()
        role = Role(role)
        fields.setdefault("email", f"{role.value}{n}@example.test")
        fields.setdefault("display_name", f"{role.value.title()} Person {n}")
        fields.setdefault("password_hash", self.password_hash())
        user = User(role=role, **fields)
        db.session.add(user)
        db.session.commit()
        return user

    def department(self, **fields):
        from portfolio.models import Department

        n = self.next()
        fields.setdefault("name", f"Department {n}")
        fields.setdefault("headcount", 10)
        department = Department(**fields)
        db.session.add(department)
        db.session.commit()
        return department

    def product(self, **fields):
        from portfolio.models import Category, Product, Sourcing, Stage

        n = self.next()
        fields.setdefault("slug", f"product-{n}")
        fields.setdefault("name", f"Product {n}")
        fields.setdefault("category", Category.CRM)
        fields.setdefault("summary", f"Summary of product {n}")
        fields.setdefault("stage", Stage.LIVE)
        fields.setdefault("sourcing", Sourcing.BUILT)
        product = Product(**fields)
        db.session.add(product)
        db.session.commit()
        return product

    def usage(self, product, department=None, users: int = 10, **fields):
        from portfolio.models import Usage, UsageLevel

        fields.setdefault("level", UsageLevel.PRIMARY)
        usage = Usage(
            product=product, department=department or self.department(), users=users, **fields
        )
        db.session.add(usage)
        db.session.commit()
        return usage

    def measure(self, product, readings=(), **fields):
        """A measure; `readings` is a list of (date, value)."""
        from datetime import date

        from portfolio.models import Direction, Reading, SuccessMeasure, Unit

        n = self.next()
        fields.setdefault("name", f"Measure {n}")
        fields.setdefault("unit", Unit.HOURS)
        fields.setdefault("direction", Direction.LOWER)
        fields.setdefault("baseline", 100.0)
        fields.setdefault("baseline_date", date(2025, 1, 1))
        fields.setdefault("target", 50.0)
        fields.setdefault("target_date", date(2027, 1, 1))
        measure = SuccessMeasure(product=product, **fields)
        for taken_on, value in readings:
            measure.readings.append(Reading(taken_on=taken_on, value=value))
        db.session.add(measure)
        db.session.commit()
        return measure

    def request(self, product=None, **fields):
        from portfolio.models import Request, RequestStatus

        n = self.next()
        fields.setdefault("title", f"Request {n}")
        fields.setdefault("description", f"Description of request {n}")
        fields.setdefault("status", RequestStatus.NEW)
        item = Request(product=product or self.product(), **fields)
        db.session.add(item)
        db.session.commit()
        return item

    def vote(self, request, user):
        from portfolio.models import Vote

        vote = Vote(request=request, user=user)
        db.session.add(vote)
        db.session.commit()
        return vote

    def comment(self, author=None, body: str = "A comment", **target):
        from portfolio.models import Comment

        comment = Comment(author=author or self.user(), body=body, **target)
        db.session.add(comment)
        db.session.commit()
        return comment

    def item(self, product=None, column=None, **fields):
        """A roadmap item at the bottom of its column."""
        from portfolio.board.moves import new_item_rank
        from portfolio.models import Column, RoadmapItem

        n = self.next()
        column = Column(column or Column.NOW)
        fields.setdefault("title", f"Item {n}")
        fields.setdefault("reach", 100)
        fields.setdefault("impact", 1.0)
        fields.setdefault("confidence", 80)
        fields.setdefault("effort", 2.0)
        fields.setdefault("rank", new_item_rank(db.session, column))
        item = RoadmapItem(product=product or self.product(), column=column, **fields)
        db.session.add(item)
        db.session.commit()
        return item


@pytest.fixture
def make(app) -> Factory:
    return Factory()


@pytest.fixture
def users(make) -> dict[str, User]:
    """One user per role, keyed by role value."""
    return {role.value: make.user(role) for role in Role}


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def client_as(app, users):
    """client_as("pm") → a client signed in as the pm; None → anonymous."""

    def build(role: str | None) -> FlaskClient:
        client = app.test_client()
        if role is not None:
            log_in(client, users[role])
        return client

    return build


@pytest.fixture
def pm_client(client_as) -> FlaskClient:
    return client_as("pm")


@pytest.fixture
def admin_client(client_as) -> FlaskClient:
    return client_as("admin")


@pytest.fixture
def stakeholder_client(client_as) -> FlaskClient:
    return client_as("stakeholder")


@pytest.fixture
def leader_client(client_as) -> FlaskClient:
    return client_as("leader")


# Query counting --------------------------------------------------------------


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then `len(queries)`."""

    @contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)

    return counter


def count_rows(model, *criteria) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    if criteria:
        query = query.where(*criteria)
    return db.session.execute(query).scalar_one()
