"""Shared fixtures: an app per test on a fresh database, clients per role,
factories and a query counter.

SQLite (default): every test gets its own database file.
PostgreSQL (TEST_DATABASE_URL set): the run gets a fresh schema of its own;
every test starts on empty tables (truncated afterwards), so tests may commit
from several threads, as the live server and the concurrency tests do.

Tests take what they need from here as fixtures; plain helpers they import
(make_app, count_rows, the HTML reader, CsrfClient…) live in tests/helpers.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from portfolio.board.moves import new_item_rank
from portfolio.demo import seed_demo
from portfolio.extensions import db
from portfolio.models import (
    Category,
    Column,
    Comment,
    Department,
    Direction,
    Product,
    Reading,
    Request,
    RequestStatus,
    RoadmapItem,
    Role,
    Sourcing,
    Stage,
    SuccessMeasure,
    Unit,
    Usage,
    UsageLevel,
    User,
    Vote,
)
from portfolio.requests.votes import recount_votes
from tests.delivery_helpers import MAIL_BASE_URL, SmtpSink
from tests.helpers import FAST_HASH, PASSWORD, fresh_schema, make_app, postgres_url


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str | None]:
    """A fresh schema for this test run on PostgreSQL, dropped at the end."""
    base_url = postgres_url()
    if base_url is None:
        yield None
        return
    with fresh_schema(base_url, "test") as url:
        engine = sa.create_engine(url)
        db.metadata.create_all(engine)
        engine.dispose()
        yield url


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A second, empty database (no tables): a new SQLite file, or a new PostgreSQL schema."""
    base_url = postgres_url()
    if base_url is None:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with fresh_schema(base_url, "empty") as url:
        yield url


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
        n = self.next()
        fields.setdefault("name", f"Department {n}")
        fields.setdefault("headcount", 10)
        department = Department(**fields)
        db.session.add(department)
        db.session.commit()
        return department

    def product(self, **fields):
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
        fields.setdefault("level", UsageLevel.PRIMARY)
        usage = Usage(
            product=product, department=department or self.department(), users=users, **fields
        )
        db.session.add(usage)
        db.session.commit()
        return usage

    def measure(self, product, readings=(), **fields):
        """A measure; `readings` is a list of (date, value)."""

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
        """A request; in a closed status it gets what the database demands of
        that status (a decline reason, a duplicate target about the same product)."""
        n = self.next()
        product = product or self.product()
        fields.setdefault("title", f"Request {n}")
        fields.setdefault("description", f"Description of request {n}")
        status = fields.setdefault("status", RequestStatus.NEW)
        if status is RequestStatus.DECLINED:
            fields.setdefault("decline_reason", "Not now")
        if status is RequestStatus.DUPLICATE and "duplicate_of" not in fields:
            fields["duplicate_of"] = self.request(product)
        item = Request(product=product, **fields)
        db.session.add(item)
        db.session.commit()
        return item

    def vote(self, request, user):
        vote = Vote(request=request, user=user)
        db.session.add(vote)
        db.session.flush()
        recount_votes(db.session, [request.id])
        db.session.commit()
        return vote

    def comment(self, author=None, body: str = "A comment", **target):
        comment = Comment(author=author or self.user(), body=body, **target)
        db.session.add(comment)
        db.session.commit()
        return comment

    def item(self, product=None, column=None, **fields):
        """A roadmap item at the bottom of its column."""
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
def client_for(app) -> Callable[[User], FlaskClient]:
    """client_for(user) → a new client signed in as `user`."""

    def build(user: User) -> FlaskClient:
        return log_in(app.test_client(), user)

    return build


@pytest.fixture
def client_as(app, users, client_for) -> Callable[[str | None], FlaskClient]:
    """client_as("pm") → a new client signed in as the pm; None → anonymous."""

    def build(role: str | None) -> FlaskClient:
        return app.test_client() if role is None else client_for(users[role])

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


@pytest.fixture
def demo(app) -> None:
    """The demo organisation, as `make run` seeds it."""
    seed_demo(db.session)
    db.session.commit()


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


# Mail ----------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback, in the test process, keeping what it accepts."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_settings(smtp) -> dict:
    """App settings that send mail to `smtp`, with links on MAIL_BASE_URL."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_FROM": "Portfolio <portfolio@portfolio.test>",
        "BASE_URL": MAIL_BASE_URL,
    }
