"""Sign-in throttling slows guessing and never locks the right person out (#12, item 2)."""

from __future__ import annotations

import logging
import re
import runpy
from types import SimpleNamespace

import pytest

from portfolio import ROOT
from portfolio.auth import passwords
from tests.helpers import PASSWORD, without_csrf_tokens


def sign_in(client, email, password="wrong password", address="10.1.1.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_eleventh_failure_blocks_that_account_from_that_address_only(client, users, caplog):
    pm = users["pm"].email
    for _ in range(10):
        assert sign_in(client, pm).status_code == 422
    with caplog.at_level(logging.WARNING, logger="portfolio.auth"):
        refused = sign_in(client, pm)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text and "Try again in 15 minutes" in refused.text
    # The pair is blocked for the window, the right password included…
    assert sign_in(client, pm, PASSWORD).status_code == 429
    # …but the owner, from anywhere else, signs in.
    assert sign_in(client, pm, PASSWORD, address="10.1.1.2").status_code == 302
    # And a colleague behind the same address is not affected.
    assert (
        sign_in(client.application.test_client(), users["leader"].email, PASSWORD).status_code
        == 302
    )


def test_the_block_is_logged(client, users, caplog):
    with caplog.at_level(logging.WARNING, logger="portfolio.auth"):
        for _ in range(10):
            sign_in(client, users["pm"].email, address="10.7.0.1")
    lockouts = [r.getMessage() for r in caplog.records if "limit reached" in r.getMessage()]
    assert len(lockouts) == 1
    assert re.fullmatch(
        rf"login throttle: pair limit reached \(email={re.escape(users['pm'].email)}"
        r" address=10\.7\.0\.1, 10 failures, (899|900) s left\)",
        lockouts[0],
    )


def test_guessing_from_many_addresses_never_refuses_the_right_password(client, users):
    pm = users["pm"].email
    for n in range(30):
        assert sign_in(client, pm, address=f"10.2.0.{n}").status_code == 422
    # The account is under attack: an address that already failed on it waits…
    assert sign_in(client, pm, address="10.2.0.7").status_code == 429
    assert sign_in(client, pm, PASSWORD, address="10.2.0.7").status_code == 429
    # …an address that never failed is still heard: a wrong guess counts once…
    assert sign_in(client, pm, address="10.2.1.1").status_code == 422
    assert sign_in(client, pm, address="10.2.1.1").status_code == 429
    # …and the right password from a fresh address always signs in.
    owner = client.application.test_client()
    assert sign_in(owner, pm, PASSWORD, address="10.2.9.9").status_code == 302


def test_typos_behind_a_shared_address_lock_nobody_out(client, make):
    colleagues = [make.user() for _ in range(12)]
    for colleague in colleagues:
        assert sign_in(client, colleague.email, address="192.0.2.1").status_code == 422
    for colleague in colleagues:
        browser = client.application.test_client()
        assert sign_in(browser, colleague.email, PASSWORD, address="192.0.2.1").status_code == 302


def test_one_address_spraying_many_accounts_is_stopped(client, make, app):
    app.config["LOGIN_ADDRESS_LIMIT"] = "20 per 15 minutes"
    for n in range(20):
        assert sign_in(client, f"person{n}@example.test", address="203.0.113.5").status_code == 422
    assert sign_in(client, "another@example.test", address="203.0.113.5").status_code == 429
    assert sign_in(client, "another@example.test", address="203.0.113.6").status_code == 422


def test_throttling_does_not_reveal_which_emails_exist(client, users):
    for _ in range(10):
        sign_in(client, "nobody@example.test", address="10.3.0.1")
        sign_in(client, users["pm"].email, address="10.3.0.2")
    unknown = sign_in(client, "nobody@example.test", address="10.3.0.1")
    known = sign_in(client, users["pm"].email, address="10.3.0.2")
    assert unknown.status_code == known.status_code == 429
    assert without_csrf_tokens(unknown.text.replace("nobody@example.test", "")) == (
        without_csrf_tokens(known.text.replace(users["pm"].email, ""))
    )


def test_successful_logins_do_not_count(client, users):
    for _ in range(12):
        assert sign_in(client, users["pm"].email, PASSWORD, address="10.4.0.1").status_code == 302
        client.post("/logout", environ_base={"REMOTE_ADDR": "10.4.0.1"})


@pytest.mark.parametrize("who", ["unknown", "deactivated", "active"])
def test_every_failed_sign_in_spends_exactly_one_password_check(client, make, monkeypatch, who):
    """A deactivated account must not answer faster than an active one (#12, item 13)."""
    checks = []
    real_verify, real_spend = passwords.verify_password, passwords.spend_password_check_time
    monkeypatch.setattr(
        "portfolio.models.accounts.verify_password",
        lambda *args: checks.append("verify") or real_verify(*args),
    )
    monkeypatch.setattr(
        "portfolio.auth.views.spend_password_check_time",
        lambda *args: checks.append("spend") or real_spend(*args),
    )
    email = "ghost@example.test"
    if who != "unknown":
        email = make.user("pm", active=who == "active").email

    assert sign_in(client, email).status_code == 422
    assert len(checks) == 1


def test_healthz_reports_a_working_limiter_store(client):
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "database": "ok", "rate_limiter": "ok"}


class TestLimiterOutage:
    """Redis (the limiter's store in production) is down (#12, item 5)."""

    @pytest.fixture
    def app_settings(self):
        # Nothing listens on port 1: every call to the limiter's storage fails.
        return {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}

    def test_sign_in_fails_open_with_a_warning(self, client, users, caplog):
        with caplog.at_level(logging.WARNING, logger="portfolio.auth"):
            assert sign_in(client, users["pm"].email).status_code == 422
            assert sign_in(client, users["pm"].email, PASSWORD).status_code == 302
        assert any("login throttle unavailable" in r.getMessage() for r in caplog.records)

    def test_healthz_says_the_limiter_store_is_down(self, client):
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.get_json() == {
            "status": "degraded",
            "database": "ok",
            "rate_limiter": "error",
        }


def load_gunicorn_settings() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.parametrize(
    ("environment", "workers", "refused"),
    [
        ({}, 4, True),  # production (the default) with memory:// and 4 workers
        ({"PORTFOLIO_ENV": "production"}, 1, False),
        ({"RATELIMIT_STORAGE_URI": "redis://cache:6379/0"}, 4, False),
        ({"PORTFOLIO_ENV": "development"}, 4, False),
        ({"PORTFOLIO_DEMO": "1"}, 4, False),
    ],
)
def test_gunicorn_refuses_several_workers_with_in_memory_counters(
    monkeypatch, environment, workers, refused
):
    for name in ("PORTFOLIO_ENV", "RATELIMIT_STORAGE_URI", "PORTFOLIO_DEMO"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    server = SimpleNamespace(cfg=SimpleNamespace(workers=workers))
    on_starting = load_gunicorn_settings()["on_starting"]
    if refused:
        with pytest.raises(SystemExit, match="RATELIMIT_STORAGE_URI"):
            on_starting(server)
    else:
        on_starting(server)
