"""Signing in and out, and sessions that end on the server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from portfolio.auth.passwords import password_problem
from portfolio.extensions import db
from portfolio.models import User
from tests.helpers import PASSWORD, make_app


def login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_login_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in response.text and 'name="password"' in response.text


def test_login_with_right_password_lands_on_home(client, users):
    response = login(client, users["pm"].email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/products")
    assert users["pm"].display_name in page.text


def test_email_is_case_insensitive(client, users):
    response = login(client, users["pm"].email.upper())
    assert response.status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [
        ("pm-unknown@example.test", PASSWORD),
        (None, "wrong password here"),
    ],
)
def test_wrong_email_or_password_gets_one_generic_message(client, users, email, password):
    email = email or users["pm"].email
    response = login(client, email, password)
    assert response.status_code == 422
    assert "Wrong email or password." in response.text
    # The email typed is kept; the password is not echoed back.
    assert f'value="{email}"' in response.text
    assert password not in response.text


def test_missing_fields_get_errors_next_to_them(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert response.text.count('class="field-error"') == 2
    assert 'aria-invalid="true"' in response.text


def test_deactivated_user_cannot_log_in(client, make):
    user = make.user("pm", active=False)
    response = login(client, user.email)
    assert response.status_code == 422
    assert "Wrong email or password." in response.text


@pytest.mark.parametrize(
    "next_url, expected",
    [
        ("/requests", "/requests"),
        ("/products?q=crm", "/products?q=crm"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_accepts_only_local_paths(client, users, next_url, expected):
    response = login(client, users["pm"].email, next=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/requests?status=new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["next"] == ["/requests?status=new"]


def test_anonymous_htmx_request_is_redirected_by_htmx(client):
    response = client.hx_get("/products")
    assert response.headers["HX-Redirect"].startswith("/login")
    assert "<html" not in response.text


def test_logout_needs_post(pm_client):
    assert pm_client.get("/logout").status_code == 405


def test_logout_ends_the_session_on_the_server(app, users):
    client = app.test_client()
    login(client, users["pm"].email)
    copied_cookie = client.get_cookie("session").value
    assert client.get("/products").status_code == 200

    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    # A copy of the cookie taken before logout no longer opens a session.
    thief = app.test_client()
    thief.set_cookie("session", copied_cookie)
    response = thief.get("/products")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_without_csrf_token_is_refused(app, users):
    client = app.test_client()
    login(client, users["pm"].email)
    response = client.post("/logout", csrf=False)
    assert response.status_code == 400
    assert client.get("/products").status_code == 200


def test_remember_me_cookie_is_httponly_lax_and_dies_with_logout(app, users):
    client = app.test_client()
    login(client, users["pm"].email, remember="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None
    assert remember.http_only and remember.same_site == "Lax"
    session_cookie = client.get_cookie("session")
    assert session_cookie.http_only and session_cookie.same_site == "Lax"
    remembered_value = remember.value

    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered_value)
    response = thief.get("/products")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_production_cookies_are_secure(app):
    production = make_app(app.config["SQLALCHEMY_DATABASE_URI"], SECURE_COOKIES=True)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True


def test_password_change_ends_other_sessions(app, users):
    pm = users["pm"]
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, pm.email)
    login(phone, pm.email)

    response = laptop.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "a much better passphrase",
            "confirm_password": "a much better passphrase",
        },
    )
    assert response.status_code == 302
    # The session that changed the password goes on; the other one ended.
    assert laptop.get("/products").status_code == 200
    assert phone.get("/products").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, pm.id).check_password("a much better passphrase")


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"current_password": "not it"}, "current_password", "not your current password"),
        ({"new_password": "short", "confirm_password": "short"}, "new_password", "at least 8"),
        (
            {"new_password": "password123", "confirm_password": "password123"},
            "new_password",
            "most common",
        ),
        ({"confirm_password": "something else entirely"}, "confirm_password", "differ"),
    ],
)
def test_password_change_errors_are_shown_next_to_the_field(
    pm_client, users, fields, field, message
):
    data = {
        "current_password": PASSWORD,
        "new_password": "a much better passphrase",
        "confirm_password": "a much better passphrase",
        **fields,
    }
    response = pm_client.post("/account", data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    db.session.expire_all()
    assert db.session.get(User, users["pm"].id).check_password(PASSWORD)


def test_deactivation_ends_active_sessions(client_for, users):
    client = client_for(users["stakeholder"])
    assert client.get("/products").status_code == 200
    users["stakeholder"].deactivate()
    db.session.commit()
    assert client.get("/products").status_code == 302


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short7!", "at least 8"),
        ("password123", "most common"),
        ("aaaaaaaaaaaa", "more than two different"),
        ("eight ok", None),
        ("a" * 40 + "b" * 40 + "c", None),  # long passphrases are welcome
        ("x" * 300, "at most 256"),
    ],
)
def test_password_rules(password, problem):
    found = password_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_passwords_are_stored_with_scrypt(app, make):
    user = make.user("pm")
    user.set_password("a fine passphrase")
    assert user.password_hash.startswith("scrypt:")
    assert "a fine passphrase" not in user.password_hash
