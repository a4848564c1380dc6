from __future__ import annotations

from tests.helpers import make_app


def test_healthz_is_public_and_queries_the_database(client, count_queries):
    with count_queries() as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "rate_limiter": "ok"}
    assert len(queries) >= 1


def test_healthz_reports_an_unreachable_database(tmp_path):
    # A SQLite file in a folder that does not exist cannot be opened.
    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'folder' / 'db.sqlite'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error", "rate_limiter": "ok"}
