from __future__ import annotations

import pytest
from flask import abort

from portfolio.auth.permissions import public
from tests.helpers import make_app


@pytest.fixture
def failing_app(app):
    @app.get("/explode")
    @public
    def explode():
        raise RuntimeError("boom")

    @app.get("/conflict")
    @public
    def conflict():
        abort(409, "Lena moved this card first.")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(
    "url, status, text",
    [
        ("/no/such/page", 404, "Not found"),
        ("/explode", 500, "Something went wrong"),
        ("/conflict", 409, "Lena moved this card first."),
    ],
)
def test_error_pages_use_the_layout(failing_app, url, status, text):
    response = failing_app.test_client().get(url)
    assert response.status_code == status
    assert text in response.text
    assert "<html" in response.text and 'class="site-header"' in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("url, status", [("/no/such/page", 404), ("/explode", 500)])
def test_errors_for_htmx_are_fragments(failing_app, url, status):
    response = failing_app.test_client().hx_get(url)
    assert response.status_code == status
    assert "<html" not in response.text
    assert 'class="error-page"' in response.text


def test_forbidden_page(stakeholder_client):
    response = stakeholder_client.get("/admin/users")
    assert response.status_code == 403
    assert "Not allowed" in response.text and "<html" in response.text


def test_csrf_error_page_explains(admin_client):
    response = admin_client.hx_post("/admin/users", csrf=False)
    assert response.status_code == 400
    assert "security token" in response.text
    assert "<html" not in response.text


def test_responses_vary_on_hx_request_and_carry_security_headers(pm_client):
    response = pm_client.get("/products")
    assert "HX-Request" in response.headers["Vary"]
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert "unsafe" not in directives["script-src"] and "unsafe" not in directives["default-src"]
    assert "unsafe-eval" not in csp
    assert directives["style-src"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_and_referrer_policy_in_production(app):
    production = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"], ENV_NAME="production", SECURE_COOKIES=True
    )
    response = production.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    development = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in development.headers
