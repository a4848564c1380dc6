"""HTTP conformance and private caching (#12, items 16, 17 and 20)."""

from __future__ import annotations

import re

import pytest

from portfolio.config import ConfigError, config_from_env
from portfolio.extensions import db
from portfolio.models import ApiToken


@pytest.fixture
def api_token(users) -> str:
    token, secret = ApiToken.issue(users["leader"], "conformance")
    db.session.add(token)
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_405_page_names_the_methods_allowed(pm_client):
    response = pm_client.post("/products")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert "<html" in response.text


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/no-such-thing", 404),
        ("GET", "/api/products/no-such-product", 404),
        ("POST", "/api/products", 405),
        ("GET", "/api/products?page=0", 400),
    ],
)
def test_api_errors_are_problem_documents(client, api_token, method, url, status):
    response = client.open(url, method=method, headers=bearer(api_token))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_an_unauthenticated_api_call_is_a_problem_document(client):
    response = client.get("/api/products")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_api_crash_is_a_problem_document_not_a_page(app, client, api_token, make, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    make.product()

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("portfolio.api.views.product_json", crash)
    response = client.get("/api/products", headers=bearer(api_token))
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "<html" not in response.text and "boom" not in response.text


@pytest.mark.parametrize("url", ["/products", "/dashboard/usage.csv", "/products.csv", "/account"])
def test_private_answers_are_never_stored(leader_client, url):
    response = leader_client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/dashboard", "/board"])
def test_conditional_pages_are_private_and_revalidated(leader_client, url):
    """Pages answering 304 (portfolio.revisions) may be kept by the viewer's
    browser only, which must ask again each time; signing out wipes them."""
    response = leader_client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["ETag"]
    signed_out = leader_client.post("/logout")
    assert signed_out.headers["Clear-Site-Data"] == '"cache"'


def test_the_answer_showing_a_new_token_is_never_stored(leader_client):
    response = leader_client.post("/account/tokens", data={"name": "BI"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"


def test_api_answers_are_never_stored(client, api_token):
    response = client.get("/api/products", headers=bearer(api_token))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_the_api_names_owners_as_the_pages_do_never_by_email(client, api_token, make, users):
    """Decision (#12, item 20): display names everywhere, emails nowhere."""
    pm = make.user("pm", display_name="Priya Patel", email="priya@corp.example")
    product = make.product(owner=pm)
    make.item(product=product, owner=pm)
    for url in ("/api/products", f"/api/products/{product.slug}", "/api/board"):
        response = client.get(url, headers=bearer(api_token))
        assert response.status_code == 200
        assert "Priya Patel" in response.text
        assert not re.search(r"[\w.]+@[\w.]+", response.text), url


class TestConfiguredBaseUrl:
    """API links never come from the Host header (#12, item 15)."""

    @pytest.fixture
    def app_settings(self):
        return {"BASE_URL": "https://portfolio.example.com"}

    def test_links_and_servers_use_the_base_url_whatever_the_host_says(self, client, api_token):
        evil = {**bearer(api_token), "Host": "evil.example"}
        listing = client.get("/api/products?per_page=1", headers=evil).get_json()
        assert listing["links"]["self"].startswith("https://portfolio.example.com/api/products?")
        document = client.get("/api/openapi.json", headers=evil).get_json()
        assert document["servers"] == [{"url": "https://portfolio.example.com"}]
        assert "evil.example" not in str(listing) + str(document)


class TestTrustedHosts:
    @pytest.fixture
    def app_settings(self):
        return {"TRUSTED_HOSTS": ["portfolio.example.com"]}

    def test_a_foreign_host_header_is_refused(self, app, client):
        app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as in production
        # csrf=False: the test client's token helper would itself ask as "localhost".
        evil = client.get("/healthz", headers={"Host": "evil.example"}, csrf=False)
        assert evil.status_code == 400 and "not served here" in evil.text
        good = client.get("/healthz", headers={"Host": "portfolio.example.com"}, csrf=False)
        assert good.status_code == 200


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("https://portfolio.example.com", True),
        ("https://portfolio.example.com/", True),
        ("http://localhost:8000", True),
        ("portfolio.example.com", False),
        ("https://portfolio.example.com/sub/path", False),
        ("javascript:alert(1)", False),
    ],
)
def test_the_base_url_setting_is_checked(monkeypatch, tmp_path, value, accepted):
    monkeypatch.setenv("PORTFOLIO_BASE_URL", value)
    monkeypatch.setenv("PORTFOLIO_ENV", "development")
    if accepted:
        assert config_from_env(tmp_path)["BASE_URL"] == value.rstrip("/")
    else:
        with pytest.raises(ConfigError, match="PORTFOLIO_BASE_URL"):
            config_from_env(tmp_path)


def test_trusted_hosts_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTFOLIO_TRUSTED_HOSTS", "portfolio.example.com, .corp.example")
    monkeypatch.setenv("PORTFOLIO_ENV", "development")
    assert config_from_env(tmp_path)["TRUSTED_HOSTS"] == ["portfolio.example.com", ".corp.example"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/products?stage=",
        "/api/requests?status=",
        "/api/board?column=",
        "/api/products?stag=live",
        "/api/measures?page=1&sort=name",
    ],
)
def test_empty_enum_values_and_unknown_arguments_are_refused(client, api_token, url):
    response = client.get(url, headers=bearer(api_token))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_every_operation_has_an_id_and_documents_its_errors(client):
    document = client.get("/api/openapi.json").get_json()
    operations = [operation for item in document["paths"].values() for operation in item.values()]
    ids = [operation["operationId"] for operation in operations]
    assert len(set(ids)) == len(ids) >= len(document["paths"])
    for operation in operations:
        assert {"400", "401", "403", "405", "500"} <= set(operation["responses"])
        problem = operation["responses"]["400"]["content"]
        assert list(problem) == ["application/problem+json"]
