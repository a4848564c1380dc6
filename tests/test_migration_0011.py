"""Migration 0011 dates the products already retired from the trail (issue #14)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_migrate import upgrade

from portfolio.extensions import db
from tests.helpers import make_app

PRODUCT = (
    "INSERT INTO product (id, slug, name, category, summary, stage, sourcing,"
    " created_at, updated_at) VALUES (:id, :slug, :slug, 'crm', 's', :stage, 'built',"
    " '2025-01-01 09:00:00', :updated_at)"
)
ACTIVITY = (
    "INSERT INTO activity (id, verb, product_id, subject, before, after, created_at)"
    " VALUES (:id, :verb, :product_id, 'x', :before, :after, :created_at)"
)


def test_the_migration_dates_retired_products_from_the_trail(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0010")
        products = [
            # Retired through the trail (twice: the later move counts), then edited.
            {"id": 1, "slug": "traced", "stage": "retired", "updated_at": "2026-05-20 10:00:00"},
            # Retired with no trail of it: since its last update.
            {"id": 2, "slug": "silent", "stage": "retired", "updated_at": "2026-04-02 08:30:00"},
            # Live, with an old move to Retired it came back from: no date.
            {"id": 3, "slug": "revived", "stage": "live", "updated_at": "2026-01-01 00:00:00"},
        ]
        for product in products:
            db.session.execute(sa.text(PRODUCT), product)
        events = [
            # How the trail stores it: the stage's label.
            (1, "product_stage_changed", 1, "Live", "Retired", "2026-02-10 12:00:00"),
            (2, "product_stage_changed", 1, "Retired", "Live", "2026-02-11 12:00:00"),
            (3, "product_stage_changed", 1, "Sunsetting", "Retired", "2026-03-15 16:45:00"),
            (4, "product_edited", 1, "name: a", "name: b", "2026-05-20 10:00:00"),
            (5, "product_stage_changed", 3, "Live", "Retired", "2025-06-01 12:00:00"),
        ]
        for id_, verb, product_id, before, after, created_at in events:
            db.session.execute(
                sa.text(ACTIVITY),
                {
                    "id": id_,
                    "verb": verb,
                    "product_id": product_id,
                    "before": before,
                    "after": after,
                    "created_at": created_at,
                },
            )
        # A row that references a product (ON DELETE CASCADE): rebuilding the
        # product table on SQLite must not take it along.
        db.session.execute(
            sa.text("INSERT INTO department (id, name, headcount) VALUES (1, 'Sales', 10)")
        )
        db.session.execute(
            sa.text(
                "INSERT INTO usage (id, product_id, department_id, level, users)"
                " VALUES (1, 1, 1, 'primary', 7)"
            )
        )
        db.session.commit()

        upgrade(revision="0011")

        rows = db.session.execute(
            sa.text(
                "SELECT slug, retired_on, retirement_reason, successor_id FROM product ORDER BY id"
            )
        ).all()
        found = {
            slug: (retired_on, reason, successor) for slug, retired_on, reason, successor in rows
        }
        for slug, (retired_on, reason, successor) in found.items():
            if isinstance(retired_on, str):  # SQLite hands dates back as text
                found[slug] = (date.fromisoformat(retired_on), reason, successor)
        assert found == {
            "traced": (date(2026, 3, 15), None, None),
            "silent": (date(2026, 4, 2), None, None),
            "revived": (None, None, None),
        }
        # Nothing referencing a product was lost, and the trail is whole.
        assert db.session.execute(sa.text("SELECT users FROM usage")).scalars().all() == [7]
        assert db.session.execute(sa.text("SELECT count(*) FROM activity")).scalar() == 5
        if db.engine.dialect.name == "sqlite":  # enforced again after the migration
            assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
