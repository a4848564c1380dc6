"""The trusted SSO header is validated like a form's email field (#12, item 12)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import User


@pytest.fixture
def app_settings():
    return {"SSO_HEADER": "X-Forwarded-Email", "SSO_TRUSTED_PROXIES": ("127.0.0.1",)}


def through_proxy(client, value: str, **headers):
    # WSGI carries header values as latin-1 text: a proxy's UTF-8 bytes arrive that way.
    raw = value.encode("utf-8").decode("latin-1")
    return client.get(
        "/products",
        headers={"X-Forwarded-Email": raw, **headers},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )


def user_count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()


@pytest.mark.parametrize(
    "value",
    [
        "not an email",
        "alice@example.test, mallory@example.test",
        "alice@example.test;bob@example.test",
        "<alice@example.test>",
        "a" * 250 + "@example.test",  # over 254 characters
        "alice@localhost",
    ],
)
def test_a_header_that_is_not_one_email_is_refused_and_logged(client, value, caplog):
    with caplog.at_level(logging.WARNING):
        response = through_proxy(client, value)
    assert response.status_code == 403
    assert "no valid email address" in response.text
    assert user_count() == 0
    assert any("refused X-Forwarded-Email header" in r.getMessage() for r in caplog.records)


def test_utf8_addresses_and_names_arrive_intact(client):
    response = through_proxy(
        client,
        "zoë.müller@example.test",
        **{"X-Forwarded-Preferred-Username": "Zoë Müller".encode().decode("latin-1")},
    )
    assert response.status_code == 200
    user = db.session.execute(sa.select(User)).scalar_one()
    assert user.email == "zoë.müller@example.test"
    assert user.display_name == "Zoë Müller"


def test_bytes_that_are_not_utf8_are_refused(client):
    response = client.get(
        "/products",
        headers={"X-Forwarded-Email": "caf\xe9@example.test"},  # a lone latin-1 byte
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.status_code == 403
    assert user_count() == 0
