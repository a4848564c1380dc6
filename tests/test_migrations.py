"""The committed migrations build exactly the models' schema, and unwind."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portfolio.extensions import db
from tests.conftest import make_app, postgres_url, with_search_path


@pytest.fixture
def empty_database_url(tmp_path):
    """An empty database: a new SQLite file, or a new PostgreSQL schema."""
    base_url = postgres_url()
    if base_url is None:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    schema = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield with_search_path(base_url, schema)
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def schema_differences(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        return compare_metadata(context, db.metadata)


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_to_head_matches_the_models_and_downgrade_unwinds(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade()
        assert table_names(db.engine) >= {table.name for table in db.metadata.sorted_tables}
        assert schema_differences(db.engine) == []

        downgrade(revision="base")
        assert table_names(db.engine) <= {"alembic_version"}

        # And back up again: the chain is repeatable.
        upgrade()
        assert schema_differences(db.engine) == []
        db.engine.dispose()


def test_migrations_have_a_single_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from portfolio import ROOT

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
