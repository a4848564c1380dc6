"""When the database is unreachable, pages answer a clear 503 (never a traceback)."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from portfolio.extensions import db


def break_the_database(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)


def test_pages_answer_503_when_the_database_is_down(app, pm_client, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    break_the_database(monkeypatch)
    for url in ("/products", "/board", "/requests"):
        response = pm_client.get(url)
        assert response.status_code == 503, url
        assert "Temporarily unavailable" in response.text
        assert "Traceback" not in response.text
        assert response.headers["Retry-After"] == "15"
    fragment = pm_client.hx_get("/products")
    assert fragment.status_code == 503 and "<html" not in fragment.text


def test_healthz_says_the_database_is_down(app, client, monkeypatch):
    break_the_database(monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error", "rate_limiter": "ok"}
