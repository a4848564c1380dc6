from __future__ import annotations

from portfolio.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.models import Department, Role, User
from tests.helpers import count_rows, make_app


def test_create_user_prompts_for_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "Lead@Example.test", "--role", "leader", "--name", "Lea"],
        input="a fine passphrase\na fine passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(User.by_email("lead@example.test")).scalar_one()
    assert user.role is Role.LEADER and user.display_name == "Lea"
    assert user.check_password("a fine passphrase")


def test_create_user_refuses_weak_password_and_duplicates(app, users):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["create-user", "--email", "x@example.test", "--password", "password1"]
    )
    assert weak.exit_code != 0 and "common" in weak.output
    duplicate = runner.invoke(
        args=["create-user", "--email", users["pm"].email, "--password", "a fine passphrase"]
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    assert count_rows(User, User.email == "x@example.test") == 0


def test_seed_demo_creates_one_account_per_role_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    for account in DEMO_ACCOUNTS:
        user = db.session.execute(User.by_email(account.email)).scalar_one()
        assert user.role is account.role and user.check_password(DEMO_PASSWORD)
    assert {a.role for a in DEMO_ACCOUNTS} == set(Role)
    assert count_rows(Department) == 8

    users_before = count_rows(User)
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "skipped" in again.output
    assert count_rows(User) == users_before
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0


def test_login_page_lists_demo_accounts_only_in_demo_mode(app, tmp_path):
    assert "demo@" not in app.test_client().get("/login").text
    assert "admin@demo.example" not in app.test_client().get("/login").text
    demo_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], DEMO=True)
    page = demo_app.test_client().get("/login").text
    for account in DEMO_ACCOUNTS:
        assert account.email in page
