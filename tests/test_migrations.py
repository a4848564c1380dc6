"""The committed migrations build exactly the models' schema, and unwind."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portfolio import ROOT
from portfolio.extensions import db
from tests.helpers import make_app


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
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
