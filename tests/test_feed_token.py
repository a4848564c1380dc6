"""Personal feed tokens (#13): a feed reader has no session, so the
changelog's Atom feed opens with a secret link each user makes on /account."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from portfolio.admin.accounts import set_active
from portfolio.auth.feed_tokens import create_or_rotate_feed_token, feed_token_owner
from portfolio.extensions import db
from portfolio.models import Activity, ApiToken, Column, User
from tests.helpers import count_rows, parse_html

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def release(make):
    return make.item(
        column=Column.SHIPPED, shipped_on=date(2025, 5, 1), release_note="Faster search."
    )


def issue(user: User) -> str:
    secret = create_or_rotate_feed_token(db.session, user)
    db.session.commit()
    return secret


def stored_hash(user: User) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).feed_token_hash


# The domain -----------------------------------------------------------------------


def test_only_the_hash_is_stored_and_the_secret_finds_its_owner(users):
    user = users["stakeholder"]
    secret = issue(user)
    assert len(secret) >= 40
    assert stored_hash(user) == hashlib.sha256(secret.encode()).hexdigest()
    assert feed_token_owner(db.session, secret).id == user.id
    assert feed_token_owner(db.session, secret + "x") is None
    assert feed_token_owner(db.session, "") is None
    assert feed_token_owner(db.session, "x" * 10_000) is None


def test_rotating_ends_the_old_secret(users):
    user = users["leader"]
    old = issue(user)
    new = issue(user)
    assert new != old
    assert feed_token_owner(db.session, old) is None
    assert feed_token_owner(db.session, new).id == user.id


def test_feed_tokens_are_private_housekeeping_not_news(users):
    before = count_rows(Activity)
    issue(users["pm"])
    assert count_rows(Activity) == before


# Reading the feed with a token -------------------------------------------------------


def test_a_valid_token_reads_the_feed_without_a_session(client, users, release):
    secret = issue(users["stakeholder"])
    # csrf=False: a feed reader sends no cookie and no token but the link's.
    response = client.get(f"/changelog.atom?token={secret}", csrf=False)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # a reader gets no session
    entries = ET.fromstring(response.data).findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].findtext(f"{ATOM}content").startswith("<p>Faster search.</p>")
    assert secret not in response.text  # the feed never repeats the token


def test_a_bearer_header_works_too(client, users, release):
    secret = issue(users["leader"])
    response = client.get("/changelog.atom", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_no_token_is_401(client, release):
    response = client.get("/changelog.atom")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "text/plain"
    assert "Faster search" not in response.text


@pytest.mark.parametrize("secret", ["wrong", "²", " ", "a" * 500])
def test_a_wrong_token_is_401(client, users, release, secret):
    issue(users["stakeholder"])
    response = client.get("/changelog.atom", query_string={"token": secret})
    assert response.status_code == 401
    assert "Faster search" not in response.text


def test_an_api_token_is_not_a_feed_token(client, users, release):
    token, secret = ApiToken.issue(users["pm"], "BI")
    db.session.add(token)
    db.session.commit()
    for attempt in (
        {"headers": {"Authorization": f"Bearer {secret}"}},
        {"query_string": {"token": secret}},
    ):
        assert client.get("/changelog.atom", **attempt).status_code == 401


def test_a_deactivated_owner_s_token_is_403(client, users, release):
    secret = issue(users["stakeholder"])
    set_active(db.session, users["stakeholder"], False, users["admin"])
    db.session.commit()
    response = client.get(f"/changelog.atom?token={secret}")
    assert response.status_code == 403
    assert "Faster search" not in response.text


def test_a_rotated_old_token_is_401(client, users, release):
    old = issue(users["stakeholder"])
    new = issue(users["stakeholder"])
    assert client.get(f"/changelog.atom?token={old}").status_code == 401
    assert client.get(f"/changelog.atom?token={new}").status_code == 200


@pytest.mark.parametrize("role", ["admin", "pm", "leader", "stakeholder"])
def test_a_signed_in_browser_reads_the_feed_without_a_token(client_as, release, role):
    response = client_as(role).get("/changelog.atom")
    assert response.status_code == 200
    assert len(ET.fromstring(response.data).findall(f"{ATOM}entry")) == 1


def test_a_token_in_the_link_is_checked_even_when_signed_in(stakeholder_client, release):
    """A dead link says so, rather than working only in the browser that made it."""
    assert stakeholder_client.get("/changelog.atom?token=stale").status_code == 401


# The account section ---------------------------------------------------------------------


def test_the_account_page_offers_a_feed_link(stakeholder_client):
    page = parse_html(stakeholder_client.get("/account").text)
    section = page.by_id("feed-token")
    assert "Feed link for your reader" in section.text
    form = section.one("form")
    assert form["method"] == "post" and form["action"] == "/account/feed-token"
    assert section.one("button").text == "Create my feed link"
    assert section.select('[data-testid="new-feed-url"]') == []


def test_creating_shows_the_full_link_once_and_it_works(app, client_as, users, release):
    browser = client_as("stakeholder")
    response = browser.post("/account/feed-token")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    section = parse_html(response.text).by_id("feed-token")
    url = section.one('[data-testid="new-feed-url"]').text
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://localhost/changelog.atom"
    (secret,) = parse_qs(parts.query)["token"]
    assert stored_hash(users["stakeholder"]) == hashlib.sha256(secret.encode()).hexdigest()
    assert section.one("button").text == "Replace my feed link"
    reader = app.test_client()
    assert reader.get(f"{parts.path}?{parts.query}").status_code == 200
    again = parse_html(browser.get("/account").text).by_id("feed-token")
    assert again.select('[data-testid="new-feed-url"]') == []  # shown once
    assert secret not in browser.get("/account").text


def test_replacing_the_link_ends_the_old_one(app, stakeholder_client, release):
    def new_link() -> str:
        page = parse_html(stakeholder_client.post("/account/feed-token").text)
        url = urlsplit(page.one('[data-testid="new-feed-url"]').text)
        return f"{url.path}?{url.query}"

    old, new = new_link(), new_link()
    reader = app.test_client()
    assert reader.get(old).status_code == 401
    assert reader.get(new).status_code == 200


def test_a_missing_csrf_token_is_400_and_writes_nothing(stakeholder_client, users):
    response = stakeholder_client.post("/account/feed-token", csrf=False)
    assert response.status_code == 400
    assert "security token" in response.text
    assert stored_hash(users["stakeholder"]) is None


def test_anonymous_cannot_make_a_feed_link(client):
    response = client.post("/account/feed-token")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_only_get_reads_the_feed(stakeholder_client):
    assert stakeholder_client.post("/changelog.atom").status_code == 405


class TestConfiguredBaseUrl:
    @pytest.fixture
    def app_settings(self):
        return {"BASE_URL": "https://portfolio.example.com"}

    def test_the_link_shown_uses_the_base_url(self, stakeholder_client):
        response = stakeholder_client.post("/account/feed-token")
        url = parse_html(response.text).one('[data-testid="new-feed-url"]').text
        assert url.startswith("https://portfolio.example.com/changelog.atom?token=")
