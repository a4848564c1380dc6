"""API tokens end (#17): an expiry chosen when created (a year by default),
shown on the account page; an expired token gets a 401 that says so; tokens
that existed before expire a year after they were made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portfolio.extensions import db
from portfolio.models import ApiToken
from tests.helpers import count_rows, make_app, parse_html


def issue(client, **fields) -> tuple[str, ApiToken]:
    page = client.post("/account/tokens", data={"name": "BI", **fields})
    assert page.status_code == 201
    secret = parse_html(page.text).one('[data-testid="new-token"]').text
    db.session.expire_all()
    return secret, db.session.execute(sa.select(ApiToken)).scalars().all()[-1]


@pytest.mark.parametrize("days", [None, "30", "90", "365"])
def test_a_token_expires_after_the_chosen_time(leader_client, days):
    _, token = issue(leader_client, **({"days": days} if days else {}))
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime - timedelta(days=int(days or 365))) < timedelta(minutes=1)
    page = parse_html(leader_client.get("/account").text)
    assert page.one('[data-testid="token-expires"]').text == token.expires_at.strftime("%d %b %Y")


@pytest.mark.parametrize("days", ["7", "abc", "3650", ""])
def test_an_unoffered_lifetime_is_refused_next_to_the_field(leader_client, days):
    answer = leader_client.post("/account/tokens", data={"name": "BI", "days": days})
    assert answer.status_code == 422
    assert 'id="days-error"' in answer.text
    assert count_rows(ApiToken) == 0


def test_an_expired_token_gets_401_saying_so(leader_client, client):
    secret, token = issue(leader_client)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/products", headers=headers).status_code == 200
    token.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    answer = client.get("/api/products", headers=headers)
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"
    assert f"expired on {token.expires_at:%Y-%m-%d}" in answer.json["detail"]
    row = parse_html(leader_client.get("/account").text).one('[data-testid="token-expires"]')
    assert row.parent.select("td")[-1].text.strip() == "expired"


def test_tokens_from_before_expire_a_year_after_they_were_made(empty_database_url):
    app = make_app(empty_database_url)
    now = datetime.now(UTC)
    with app.app_context():
        upgrade(revision="0014")
        db.session.execute(
            sa.text(
                "INSERT INTO user_account (id, email, display_name, role, active,"
                " password_hash, session_nonce, theme, created_at)"
                " VALUES (1, 'a@example.com', 'A', 'pm', true, 'x', 'n', 'auto', :now)"
            ),
            {"now": now},
        )
        for token_id, created in ((1, now - timedelta(days=30)), (2, now - timedelta(days=800))):
            db.session.execute(
                sa.text(
                    "INSERT INTO api_token (id, user_id, name, token_hash, prefix, created_at)"
                    " VALUES (:id, 1, 'old', :hash, 'pf_x', :created)"
                ),
                {"id": token_id, "hash": f"h{token_id}", "created": created},
            )
        db.session.commit()
        upgrade()
        recent, ancient = db.session.execute(sa.select(ApiToken).order_by(ApiToken.id)).scalars()
        assert abs(recent.expires_at - (now + timedelta(days=335))) < timedelta(minutes=1)
        # Already older than a year: a week's grace to replace it.
        assert abs(ancient.expires_at - (now + timedelta(days=7))) < timedelta(minutes=1)
        db.session.remove()
        db.engine.dispose()
