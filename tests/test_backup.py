"""`flask backup`: a consistent online copy of the SQLite database that restores."""

from __future__ import annotations

import sqlite3
import stat

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import Activity, Product, Request, RoadmapItem, User, Vote
from tests.helpers import make_app, postgres_url

COUNTED = (User, Product, Request, Vote, RoadmapItem, Activity)


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.execute(
            sa.select(sa.func.count()).select_from(model)
        ).scalar_one()
        for model in COUNTED
    }


@pytest.mark.skipif(
    postgres_url() is not None, reason="SQLite backup; PostgreSQL uses pg_dump (README)"
)
def test_backup_round_trips_the_demo_data(app, demo, tmp_path):
    before = counts()
    target = tmp_path / "backups" / "portfolio-backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()

    restored = make_app(f"sqlite:///{target}")
    with restored.app_context():
        assert counts() == before
        board = restored.test_client()
        assert board.get("/healthz").json == {
            "status": "ok",
            "database": "ok",
            "rate_limiter": "ok",
        }
        db.engine.dispose()


@pytest.mark.skipif(postgres_url() is not None, reason="SQLite backup")
def test_backup_refuses_to_overwrite(app, tmp_path):
    target = tmp_path / "existing.db"
    target.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "exists" in result.output
    assert target.read_text() == "keep me"


@pytest.mark.skipif(postgres_url() is None, reason="needs TEST_DATABASE_URL")
def test_backup_on_postgres_points_at_pg_dump(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "pg_dump" in result.output


@pytest.mark.skipif(postgres_url() is not None, reason="SQLite backup")
def test_backup_is_private_and_holds_no_usable_session(app, users, client_as, tmp_path):
    client_as("pm").get("/products")  # a live session
    with client_as("pm").session_transaction() as session:
        cookie_id = session["_user_id"]
    target = tmp_path / "private.db"

    result = app.test_cli_runner().invoke(args=["backup", str(target)])

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        rows = copy.execute("SELECT * FROM user_account").fetchall()
    stored = {str(value) for row in rows for value in row}
    digest = cookie_id.split(".", 1)[1]
    assert not any(digest in value for value in stored)
