"""Break-glass sign-in: `flask break-glass-login --email …` prints a link that
signs an active administrator in once, within 15 minutes."""

from __future__ import annotations

import re
import time

import itsdangerous.timed
import pytest
import sqlalchemy as sa

from portfolio.activity.trail import ADMINISTRATION_VERBS
from portfolio.extensions import db
from portfolio.models import Activity, Role, User, Verb
from tests.helpers import make_app, parse_html


def issue_link(app, email: str):
    return app.test_cli_runner().invoke(args=["break-glass-login", "--email", email])


def link_path(output: str) -> str:
    (url,) = re.findall(r"http://\S+", output)
    assert url.startswith("http://127.0.0.1:5000/login/break-glass/")  # no PORTFOLIO_BASE_URL
    return url.removeprefix("http://127.0.0.1:5000")


def signed_in_as(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    return parse_html(page.text).one("dl.facts").select("dd")[1].text


@pytest.fixture
def admin(make) -> User:
    return make.user(Role.ADMIN, email="root@example.test", display_name="Root Admin")


def test_the_link_signs_the_administrator_in_once(app, admin, client_for):
    other_session = client_for(admin)
    result = issue_link(app, "Root@Example.test")
    assert result.exit_code == 0, result.output
    assert "valid for 15 minutes" in result.output
    path = link_path(result.output)

    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200
    form = parse_html(page.text).one("form.break-glass-form")
    assert form["action"] == path and "Sign in as Root Admin" in form.text
    assert signed_in_as(client) is None  # opening the link signs nobody in

    answer = client.post(path)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert signed_in_as(client) == "root@example.test"
    assert signed_in_as(other_session) is None  # the admin's other sessions ended
    # On the trail, which only administrators read.
    entries = db.session.scalars(sa.select(Activity).where(Activity.actor_id == admin.id)).all()
    assert [(entry.verb, entry.subject) for entry in entries] == [
        (Verb.BREAK_GLASS_SIGN_IN, "root@example.test")
    ]
    assert Verb.BREAK_GLASS_SIGN_IN in ADMINISTRATION_VERBS

    # Spent: neither this browser nor another can use it again.
    again = app.test_client()
    assert again.get(path).status_code == 403
    refused = again.post(path)
    assert refused.status_code == 403
    assert "it was used already" in refused.text
    assert signed_in_as(again) is None


def test_the_link_expires_after_15_minutes(app, admin, monkeypatch):
    issued = time.time() - 16 * 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: issued)
    path = link_path(issue_link(app, admin.email).output)
    monkeypatch.undo()
    client = app.test_client()
    assert client.post(path).status_code == 403
    assert signed_in_as(client) is None


def test_a_tampered_or_overlong_link_is_refused(app, admin):
    path = link_path(issue_link(app, admin.email).output)
    client = app.test_client()
    assert client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB")).status_code == 403
    assert client.get("/login/break-glass/" + "a" * 2000).status_code == 403
    assert signed_in_as(client) is None


def test_without_a_csrf_token_nobody_is_signed_in_and_the_link_still_works(app, admin):
    path = link_path(issue_link(app, admin.email).output)
    client = app.test_client()
    assert client.post(path, csrf=False).status_code == 400
    assert signed_in_as(client) is None
    assert client.post(path).status_code == 302


def test_a_link_stops_working_when_the_account_is_no_longer_an_active_admin(app, admin):
    path = link_path(issue_link(app, admin.email).output)
    admin.role = Role.PM
    db.session.commit()
    assert app.test_client().post(path).status_code == 403
    admin.role = Role.ADMIN
    admin.deactivate()
    db.session.commit()
    assert app.test_client().post(path).status_code == 403


@pytest.mark.parametrize(
    "email, message",
    [
        ("nobody@example.test", "There is no account with email nobody@example.test"),
        ("pm@example.test", "pm@example.test is not an active administrator"),
        ("gone@example.test", "gone@example.test is not an active administrator"),
    ],
)
def test_only_active_administrators_get_a_link(app, make, email, message):
    make.user(Role.PM, email="pm@example.test")
    make.user(Role.ADMIN, email="gone@example.test", active=False)
    result = issue_link(app, email)
    assert result.exit_code != 0
    assert message in result.output
    assert "http" not in result.output


def test_the_link_works_with_password_sign_in_off_and_uses_the_base_url(tmp_path):
    app = make_app(
        f"sqlite:///{tmp_path / 'off.db'}",
        LOCAL_LOGIN=False,
        OIDC_ISSUER="https://id.example.test",
        OIDC_CLIENT_ID="portfolio",
        OIDC_CLIENT_SECRET="s",
        BASE_URL="https://portfolio.example.test",
    )
    with app.app_context():
        db.create_all()
        admin = User(email="root@example.test", display_name="Root", role=Role.ADMIN)
        admin.set_password("a long enough password")
        db.session.add(admin)
        db.session.commit()
        output = issue_link(app, "root@example.test").output
        (url,) = re.findall(r"https://\S+", output)
        assert url.startswith("https://portfolio.example.test/login/break-glass/")
        client = app.test_client()
        assert client.post(url.removeprefix("https://portfolio.example.test")).status_code == 302
        assert signed_in_as(client) == "root@example.test"
        db.engine.dispose()
