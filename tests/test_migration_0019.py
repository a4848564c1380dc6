"""Migration 0019 (#18) dates existing products' last review and actual
lifecycle moves from what the database already knows, and the trail learns
the new verbs (and forgets them again on the way down)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portfolio.extensions import db
from tests.helpers import make_app

PRODUCT = (
    "INSERT INTO product (id, slug, name, category, summary, stage, sourcing,"
    " created_at, updated_at, retired_on) VALUES (:id, :slug, :slug, 'crm', 's', :stage,"
    " 'built', '2025-01-01 09:00:00', :updated_at, :retired_on)"
)
ACTIVITY = (
    "INSERT INTO activity (id, verb, product_id, subject, before, after, created_at)"
    " VALUES (:id, :verb, :product_id, 'x', :before, :after, :created_at)"
)


def as_date(value):
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def test_the_migration_dates_reviews_and_lifecycle_moves(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0018")
        products = [
            # Went live, then to sunsetting (twice: the later move counts), then retired.
            {
                "id": 1,
                "slug": "legacy",
                "stage": "retired",
                "updated_at": "2026-05-20 10:00:00",
                "retired_on": "2026-05-01",
            },
            # Live with no trail of it: no actual date is invented.
            {
                "id": 2,
                "slug": "quiet",
                "stage": "live",
                "updated_at": "2026-04-02 08:30:00",
                "retired_on": None,
            },
        ]
        for product in products:
            db.session.execute(sa.text(PRODUCT), product)
        events = [
            (1, "product_stage_changed", 1, "Building", "Live", "2025-03-01 12:00:00"),
            (2, "product_stage_changed", 1, "Live", "Sunsetting", "2026-01-10 12:00:00"),
            (3, "product_stage_changed", 1, "Sunsetting", "Live", "2026-01-11 12:00:00"),
            (4, "product_stage_changed", 1, "Live", "Sunsetting", "2026-02-15 16:45:00"),
            (5, "product_retired", 1, "Sunsetting", "Retired", "2026-05-01 09:00:00"),
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
        db.session.execute(
            sa.text("INSERT INTO department (id, name, headcount) VALUES (1, 'Sales', 10)")
        )
        db.session.execute(
            sa.text(
                "INSERT INTO usage (id, product_id, department_id, level, users)"
                " VALUES (1, 2, 1, 'primary', 7)"
            )
        )
        db.session.commit()

        upgrade(revision="0019")

        rows = db.session.execute(
            sa.text(
                "SELECT slug, reviewed_on, review_every_months, live_actual, phase_out_actual,"
                " end_of_life_actual, live_planned, team_fte FROM product ORDER BY id"
            )
        ).all()
        found = {row[0]: tuple(as_date(value) for value in row[1:]) for row in rows}
        assert found == {
            "legacy": (
                date(2026, 5, 20),  # last review = last edit
                6,
                date(2025, 3, 1),
                date(2026, 2, 15),
                date(2026, 5, 1),
                None,  # nothing planned is invented
                None,
            ),
            "quiet": (date(2026, 4, 2), 6, None, None, None, None, None),
        }
        # Nothing referencing a product was lost; the new verbs are accepted.
        assert db.session.execute(sa.text("SELECT users FROM usage")).scalars().all() == [7]
        db.session.execute(
            sa.text(ACTIVITY),
            {
                "id": 6,
                "verb": "fit_assessed",
                "product_id": 2,
                "before": None,
                "after": "Functional 3, technical 3 (Invest)",
                "created_at": "2026-06-01 10:00:00",
            },
        )
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(
                sa.text(ACTIVITY),
                {
                    "id": 7,
                    "verb": "card_teleported",
                    "product_id": 2,
                    "before": None,
                    "after": None,
                    "created_at": "2026-06-01 10:00:00",
                },
            )
        db.session.rollback()

        downgrade(revision="0018")
        verbs = db.session.execute(sa.text("SELECT verb FROM activity ORDER BY id")).scalars()
        assert "fit_assessed" not in list(verbs)
        assert db.session.execute(sa.text("SELECT count(*) FROM activity")).scalar() == 5
        assert db.session.execute(sa.text("SELECT users FROM usage")).scalars().all() == [7]
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
