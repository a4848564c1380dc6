"""Single sign-on through a trusted proxy header (login throttling: test_login_throttle.py)."""

from __future__ import annotations

import pytest

from portfolio.extensions import db
from portfolio.models import Role, User
from tests.helpers import make_app

SSO = {"SSO_HEADER": "X-Forwarded-Email", "SSO_TRUSTED_PROXIES": ("127.0.0.1", "10.9.0.0/16")}


@pytest.fixture
def app_settings():
    return SSO


def test_trusted_proxy_header_signs_in_and_provisions_a_stakeholder(client):
    response = client.get(
        "/products",
        headers={"X-Forwarded-Email": "New.Colleague@Example.test"},
        environ_base={"REMOTE_ADDR": "10.9.3.4"},
    )
    assert response.status_code == 200
    user = db.session.execute(User.by_email("new.colleague@example.test")).scalar_one()
    assert user.role is Role.STAKEHOLDER and user.active
    # The session sticks without the header, like any sign-in.
    assert client.get("/products", environ_base={"REMOTE_ADDR": "10.9.3.4"}).status_code == 200


def test_existing_user_keeps_their_role(client, users):
    response = client.get(
        "/dashboard",
        headers={"X-Forwarded-Email": users["leader"].email},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.status_code == 200


def test_header_from_an_untrusted_address_is_ignored(client, users):
    response = client.get(
        "/products",
        headers={"X-Forwarded-Email": users["admin"].email},
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.execute(User.by_email("x@example.test")).scalar_one_or_none() is None


def test_deactivated_user_is_refused_through_sso(client, make):
    user = make.user("pm", active=False)
    response = client.get(
        "/products",
        headers={"X-Forwarded-Email": user.email},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.status_code == 403


def test_sso_is_off_by_default(tmp_path, users):
    plain = make_app(f"sqlite:///{tmp_path / 'plain.db'}")
    with plain.app_context():
        db.create_all()
        response = plain.test_client().get(
            "/products",
            headers={"X-Forwarded-Email": "a@example.test"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        assert response.status_code == 302
        db.engine.dispose()
