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


def test_0017_gives_existing_tokens_the_read_scope_only(empty_database_url):
    """Tokens were read-only before scopes existed: they stay so (#17)."""
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0015")
        db.session.execute(
            sa.text(
                "INSERT INTO user_account (id, email, display_name, role, active, password_hash,"
                " session_nonce, created_at) VALUES (1, 'pm@example.test', 'PM', 'pm', :yes,"
                " 'x', 'nonce', '2026-01-01 09:00:00')"
            ),
            {"yes": True},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO api_token (id, user_id, name, token_hash, prefix, created_at,"
                " expires_at) VALUES (1, 1, 'BI', :hash, 'pf_abc', '2026-01-01 09:00:00',"
                " '2027-01-01 09:00:00')"
            ),
            {"hash": "a" * 64},
        )
        db.session.commit()
        upgrade(revision="0017")
        assert db.session.execute(sa.text("SELECT scopes FROM api_token")).scalar_one() == "read"
        db.session.remove()
        db.engine.dispose()
