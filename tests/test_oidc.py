"""Sign-in with the identity provider, end to end: a real OpenID Connect
provider (oidc-provider-mock) runs on loopback in this process; the browser's
part is played by the Flask test client (Portfolio) and `requests` (the
provider's authorisation form)."""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import oidc_provider_mock
import pytest
import requests
import sqlalchemy as sa
import werkzeug.serving

from portfolio.extensions import db
from portfolio.models import Activity, Role, User, Verb
from tests.helpers import PASSWORD, count_rows, make_app, parse_html


class Tap:
    """WSGI middleware before the provider: keeps the token requests' forms
    and can make chosen paths answer as if the provider lived at another host
    (the provider names its issuer after the Host it was asked at)."""

    def __init__(self, app) -> None:
        self.app = app
        self.token_requests: list[dict[str, list[str]]] = []
        self.other_host_paths: set[str] = set()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/oauth2/token":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            self.token_requests.append(parse_qs(body.decode()))
            environ["wsgi.input"] = io.BytesIO(body)
        if path in self.other_host_paths:
            environ["HTTP_HOST"] = f"127.0.0.1:{environ['SERVER_PORT']}"
        return self.app(environ, start_response)


@dataclass
class Provider:
    url: str
    tap: Tap
    users: dict[str, dict] = field(default_factory=dict)

    def set_user(self, sub: str, **claims) -> None:
        """What the provider will say about `sub` from now on."""
        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def authorize(self, authorize_url: str, sub: str, **form) -> str:
        """Submit the provider's authorisation form as `sub`: the callback URL."""
        answer = requests.post(
            authorize_url, data={"sub": sub, **form}, allow_redirects=False, timeout=5
        )
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["Location"]


@contextmanager
def running_provider() -> Iterator[Provider]:
    tap = Tap(oidc_provider_mock.app(require_nonce=True))
    server = werkzeug.serving.make_server("localhost", 0, tap, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Provider(url=f"http://localhost:{server.server_port}", tap=tap)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture(scope="module")
def provider_server() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def provider(provider_server) -> Provider:
    """The module's provider, its tap reset (tests use subjects of their own)."""
    provider_server.tap.token_requests.clear()
    provider_server.tap.other_host_paths.clear()
    return provider_server


def oidc_settings(issuer: str, **overrides) -> dict:
    settings = {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": "portfolio",
        "OIDC_CLIENT_SECRET": "portfolio-secret",
        "OIDC_NAME": "Acme ID",
        "OIDC_ROLE_CLAIM": "groups",
        "OIDC_ROLE_MAP": {
            "portfolio-pms": Role.PM,
            "portfolio-leaders": Role.LEADER,
            "portfolio-admins": Role.ADMIN,
        },
        "METRICS_ALLOW": ("127.0.0.1/32",),
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def app_settings(provider) -> dict:
    return oidc_settings(provider.url)


def start(client, path: str = "/login/oidc") -> str:
    """Press "Sign in with …": the provider's authorisation URL."""
    answer = client.get(path)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def sign_in(client, provider: Provider, sub: str, path: str = "/login/oidc"):
    """The whole dance as `sub`; Portfolio's answer to the callback."""
    return client.get(provider.authorize(start(client, path), sub))


def signed_in_email(client) -> str | None:
    """Whose account page the client sees (None: sent to the sign-in page)."""
    answer = client.get("/account")
    if answer.status_code != 200:
        return None
    facts = parse_html(answer.text).one("dl.facts")
    return facts.select("dd")[1].text


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def account(email: str) -> User | None:
    db.session.expire_all()
    return db.session.execute(User.by_email(email)).scalar_one_or_none()


# The login page -------------------------------------------------------------------


def test_the_login_page_offers_the_provider_and_passwords(client):
    page = parse_html(client.get("/login?next=/products").text)
    button = page.one("a.sign-in-with-provider")
    assert button.text == "Sign in with Acme ID"
    assert button["href"] == "/login/oidc?next=/products"
    assert page.select('input[name="password"]')


def test_without_oidc_settings_there_is_no_button_and_no_route(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'plain.db'}")
    with app.app_context():
        db.create_all()
        client = app.test_client()
        assert not parse_html(client.get("/login").text).select("a.sign-in-with-provider")
        assert client.get("/login/oidc").status_code == 404
        assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
        db.engine.dispose()


# Signing in -----------------------------------------------------------------------


def test_sign_in_creates_the_account_with_the_mapped_role(client, provider, make):
    make.department(name="Finance")
    provider.set_user(
        "u-ada",
        email="Ada@Example.test",
        email_verified=True,
        name="Ada Lovelace",
        groups=["everyone", "portfolio-pms", "portfolio-leaders"],
        department="finance",
    )
    authorize_url = start(client, "/login/oidc?next=/products")
    asked = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(f"{provider.url}/oauth2/authorize?")
    assert asked["redirect_uri"] == ["http://localhost/login/oidc/callback"]
    assert asked["scope"] == ["openid email profile"]
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["state"][0] and asked["nonce"][0]

    answer = client.get(provider.authorize(authorize_url, "u-ada"))

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/products"
    user = account("ada@example.test")
    assert (user.display_name, user.role, user.department.name) == (
        "Ada Lovelace",
        Role.PM,
        "Finance",
    )
    assert (user.oidc_issuer, user.oidc_subject) == (provider.url, "u-ada")
    assert signed_in_email(client) == "ada@example.test"
    # PKCE: the verifier sent with the code is the one the challenge was made from.
    (token_request,) = provider.tap.token_requests
    verifier = token_request["code_verifier"][0]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"][0]
    created = db.session.execute(sa.select(Activity)).scalar_one()
    assert (created.verb, created.actor, created.after) == (
        Verb.USER_CREATED,
        None,
        "Product manager",
    )


def test_anyone_in_no_mapped_group_is_a_stakeholder(client, provider):
    provider.set_user("u-bo", email="bo@example.test", groups="somewhere-else")
    assert sign_in(client, provider, "u-bo").status_code == 302
    user = account("bo@example.test")
    assert user.role is Role.STAKEHOLDER
    assert user.display_name == "bo"  # no name claims: the part before @


def test_a_role_claim_given_as_one_string_counts(client, provider):
    provider.set_user("u-cy", email="cy@example.test", groups="portfolio-admins")
    sign_in(client, provider, "u-cy")
    assert account("cy@example.test").role is Role.ADMIN


def test_the_role_follows_the_groups_at_each_sign_in(app, provider):
    provider.set_user("u-di", email="di@example.test", name="Di", groups=["portfolio-pms"])
    sign_in(app.test_client(), provider, "u-di")
    assert account("di@example.test").role is Role.PM

    provider.set_user(
        "u-di", email="di@example.test", name="Di", groups=["portfolio-pms", "portfolio-admins"]
    )
    client = app.test_client()
    sign_in(client, provider, "u-di")
    assert account("di@example.test").role is Role.ADMIN
    assert client.get("/admin/users").status_code == 200

    provider.set_user("u-di", email="di@example.test", name="Di", groups=[])
    sign_in(app.test_client(), provider, "u-di")
    assert account("di@example.test").role is Role.STAKEHOLDER
    # The open admin session lost its rights with the role.
    assert client.get("/admin/users").status_code == 403

    changes = db.session.execute(
        sa.select(Activity).where(Activity.verb == Verb.ROLE_CHANGED).order_by(Activity.id)
    ).scalars()
    assert [(c.actor, c.subject, c.before, c.after) for c in changes] == [
        (None, "Di", "Product manager", "Administrator"),
        (None, "Di", "Administrator", "Stakeholder"),
    ]


def test_name_and_department_follow_the_claims_when_present(client, provider, make):
    sales = make.department(name="Sales")
    provider.set_user("u-ed", email="ed@example.test", preferred_username="ed.smith")
    sign_in(client, provider, "u-ed")
    assert account("ed@example.test").display_name == "ed.smith"
    provider.set_user("u-ed", email="ed@example.test", name="Ed Smith", department="Sales")
    sign_in(client, provider, "u-ed")
    user = account("ed@example.test")
    assert (user.display_name, user.department_id) == ("Ed Smith", sales.id)
    provider.set_user("u-ed", email="ed@example.test", department="No such department")
    sign_in(client, provider, "u-ed")
    user = account("ed@example.test")
    assert (user.display_name, user.department_id) == ("Ed Smith", sales.id)


# Matching accounts ----------------------------------------------------------------


def test_first_sign_in_binds_the_account_with_the_same_verified_email(client, provider, make):
    existing = make.user("leader", email="fay@example.test")
    provider.set_user("u-fay", email="fay@example.test", email_verified=True, groups=[])
    sign_in(client, provider, "u-fay")
    user = account("fay@example.test")
    assert user.id == existing.id
    assert (user.oidc_issuer, user.oidc_subject) == (provider.url, "u-fay")
    assert count_rows(User) == 1
    assert signed_in_email(client) == "fay@example.test"


def test_an_unverified_email_does_not_bind_an_existing_account(client, provider, make):
    make.user("pm", email="gil@example.test")
    provider.set_user("u-gil", email="gil@example.test", groups=["portfolio-admins"])
    answer = sign_in(client, provider, "u-gil")
    assert answer.status_code == 403
    assert "does not confirm the address gil@example.test" in answer.text
    user = account("gil@example.test")
    assert (user.oidc_subject, user.role) == (None, Role.PM)
    assert signed_in_email(client) is None


def test_another_subject_with_the_same_email_does_not_take_over(app, provider, make):
    make.user("admin", email="hal@example.test", oidc_issuer=provider.url, oidc_subject="u-hal")
    provider.set_user("u-mallory", email="hal@example.test", email_verified=True, groups=[])
    client = app.test_client()
    answer = sign_in(client, provider, "u-mallory")
    assert answer.status_code == 403
    assert "belongs to another identity" in answer.text
    user = account("hal@example.test")
    assert (user.oidc_subject, user.role) == ("u-hal", Role.ADMIN)
    assert count_rows(User) == 1
    assert signed_in_email(client) is None


def test_the_subject_finds_its_account_after_an_email_change(client, provider):
    provider.set_user("u-ivy", email="ivy@example.test", email_verified=True)
    sign_in(client, provider, "u-ivy")
    provider.set_user("u-ivy", email="ivy.new@example.test", email_verified=True)
    sign_in(client, provider, "u-ivy")
    assert count_rows(User) == 1
    assert account("ivy.new@example.test").oidc_subject == "u-ivy"


def test_a_deactivated_account_is_refused(client, provider, make):
    make.user(
        "pm", email="jo@example.test", active=False, oidc_issuer=provider.url, oidc_subject="u-jo"
    )
    provider.set_user("u-jo", email="jo@example.test", groups=["portfolio-admins"])
    answer = sign_in(client, provider, "u-jo")
    assert answer.status_code == 403
    assert "Your Portfolio account is deactivated" in answer.text
    assert account("jo@example.test").role is Role.PM
    assert signed_in_email(client) is None


def test_a_deactivated_account_with_the_same_email_is_refused_and_not_bound(client, provider, make):
    make.user("pm", email="kim@example.test", active=False)
    provider.set_user("u-kim", email="kim@example.test", email_verified=True)
    answer = sign_in(client, provider, "u-kim")
    assert answer.status_code == 403
    assert "deactivated" in answer.text
    assert account("kim@example.test").oidc_subject is None


def test_a_new_subject_without_an_email_is_refused(client, provider):
    provider.set_user("u-nomail", name="Nobody")
    answer = sign_in(client, provider, "u-nomail")
    assert answer.status_code == 403
    assert "sent no email address" in answer.text
    assert count_rows(User) == 0


# What is refused --------------------------------------------------------------------


def test_a_wrong_state_is_refused_without_a_session(client, provider):
    provider.set_user("u-lu", email="lu@example.test")
    callback = provider.authorize(start(client), "u-lu")
    answer = client.get(with_query(callback, state="forged-state"))
    assert answer.status_code == 400
    assert "did not complete" in answer.text
    assert provider.tap.token_requests == []  # the code was never even exchanged
    assert count_rows(User) == 0
    assert signed_in_email(client) is None
    metrics = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).text
    assert 'portfolio_login_failures_total{reason="identity_provider_refused"} 1.0' in metrics


def test_a_callback_from_another_browser_is_refused(app, provider):
    """The state lives in the browser that started: a callback URL opened in
    another browser (login CSRF) signs nobody in."""
    provider.set_user("u-mo", email="mo@example.test")
    callback = provider.authorize(start(app.test_client()), "u-mo")
    other = app.test_client()
    assert other.get(callback).status_code == 400
    assert signed_in_email(other) is None


def test_a_replayed_code_is_refused(app, provider):
    provider.set_user("u-ned", email="ned@example.test")
    first = app.test_client()
    callback = provider.authorize(start(first), "u-ned")
    assert first.get(callback).status_code == 302

    # The same answer again: its state is spent.
    assert first.get(callback).status_code == 400
    # The code again under a fresh state: the provider no longer knows it.
    second = app.test_client()
    fresh_state = parse_qs(urlsplit(start(second)).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    answer = second.get(with_query(callback, state=fresh_state, code=code))
    assert answer.status_code == 400
    assert signed_in_email(second) is None


def test_an_id_token_from_another_issuer_is_refused(client, provider):
    # The provider signs the token, with its own key, as issuer http://127.0.0.1:…
    provider.tap.other_host_paths.add("/oauth2/token")
    provider.set_user("u-oz", email="oz@example.test", groups=["portfolio-admins"])
    answer = sign_in(client, provider, "u-oz")
    assert answer.status_code == 400
    assert len(provider.tap.token_requests) == 1
    assert count_rows(User) == 0
    assert signed_in_email(client) is None


def test_a_code_from_another_provider_is_refused(client, provider):
    provider.set_user("u-pat", email="pat@example.test")
    authorize_url = start(client)
    with running_provider() as stranger:
        stranger.set_user("u-pat", email="pat@example.test", groups=["portfolio-admins"])
        foreign = authorize_url.replace(provider.url, stranger.url)
        answer = client.get(stranger.authorize(foreign, "u-pat"))
    assert answer.status_code == 400
    assert count_rows(User) == 0


def test_a_discovery_document_naming_another_issuer_is_refused(client, provider):
    provider.tap.other_host_paths.add("/.well-known/openid-configuration")
    answer = client.get("/login/oidc")
    assert answer.status_code == 502
    assert "Signing in with Acme ID is not possible right now" in answer.text


def test_a_provider_that_does_not_answer_is_a_clear_502(tmp_path):
    with running_provider() as gone:
        url = gone.url  # a port nobody listens on once the block ends
    app = make_app(f"sqlite:///{tmp_path / 'down.db'}", **oidc_settings(url))
    with app.app_context():
        db.create_all()
        answer = app.test_client().get("/login/oidc")
        assert answer.status_code == 502
        assert "Try again in a minute" in answer.text
        db.engine.dispose()


def test_a_denial_at_the_provider_signs_nobody_in(client, provider):
    answer = requests.post(start(client), data={"action": "deny"}, allow_redirects=False)
    assert "error=access_denied" in answer.headers["Location"]
    assert client.get(answer.headers["Location"]).status_code == 400
    assert signed_in_email(client) is None


# Password sign-in turned off --------------------------------------------------------


@pytest.fixture
def passwords_off(provider) -> dict:
    return oidc_settings(provider.url, LOCAL_LOGIN=False)


def test_without_local_login_the_form_is_gone_and_passwords_are_refused(
    tmp_path, passwords_off, make, provider
):
    app = make_app(f"sqlite:///{tmp_path / 'off.db'}", **passwords_off)
    with app.app_context():
        db.create_all()
        make.user("admin", email="root@example.test")
        client = app.test_client()
        page = parse_html(client.get("/login").text)
        assert not page.select('input[name="password"]')
        assert page.one("a.sign-in-with-provider").text == "Sign in with Acme ID"

        answer = client.post("/login", data={"email": "root@example.test", "password": PASSWORD})
        assert answer.status_code == 403
        assert "Signing in with a password is turned off here" in answer.text
        assert signed_in_email(client) is None

        # The provider still works, and the account page offers no password change.
        provider.set_user("u-root", email="root@example.test", email_verified=True)
        sign_in(client, provider, "u-root")
        account_page = client.get("/account").text
        assert "Change password" not in account_page
        refused = client.post(
            "/account",
            data={
                "current_password": PASSWORD,
                "new_password": "x" * 20,
                "confirm_password": "x" * 20,
            },
        )
        assert refused.status_code == 403
        db.engine.dispose()
