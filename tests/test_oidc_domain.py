"""Sign-in with the identity provider without HTTP: the settings, and the
claims → account rules of portfolio/auth/oidc.py."""

from __future__ import annotations

import pytest

from portfolio import create_app
from portfolio.auth.oidc import (
    ClaimSettings,
    Identity,
    SignInRefused,
    groups_in,
    identity_from_claims,
    role_for,
    sign_in,
)
from portfolio.config import ConfigError, config_from_env, finalise_config, parse_role_map
from portfolio.extensions import db
from portfolio.models import Role, User
from tests.helpers import count_rows

ISSUER = "https://id.example.test"
ROLE_MAP = {"pms": Role.PM, "leaders": Role.LEADER, "admins": Role.ADMIN}

# Settings ---------------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """Set PORTFOLIO_* variables, then `settings()` reads them as create_app does."""
    for name in ("PORTFOLIO_ENV", "PORTFOLIO_DEMO", "PORTFOLIO_SSO_HEADER", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")

    def settings(**variables) -> dict:
        for name, value in variables.items():
            monkeypatch.setenv(f"PORTFOLIO_{name}", value)
        config = config_from_env(tmp_path)
        finalise_config(config, tmp_path)
        return config

    return settings


def test_a_complete_configuration_is_read(environment):
    config = environment(
        OIDC_ISSUER="https://id.example.test/realms/acme/",
        OIDC_CLIENT_ID="portfolio",
        OIDC_CLIENT_SECRET="s3cret",
        OIDC_NAME="Acme ID",
        OIDC_ROLE_CLAIM="groups",
        OIDC_ROLE_MAP="portfolio-pms=pm, portfolio-leaders=leader,portfolio-admins=ADMIN",
        LOCAL_LOGIN="0",
    )
    assert config["OIDC_ISSUER"] == "https://id.example.test/realms/acme"
    assert config["OIDC_NAME"] == "Acme ID"
    assert config["OIDC_ROLE_MAP"] == {
        "portfolio-pms": Role.PM,
        "portfolio-leaders": Role.LEADER,
        "portfolio-admins": Role.ADMIN,
    }
    assert config["OIDC_DEPARTMENT_CLAIM"] == "department"
    assert config["LOCAL_LOGIN"] is False


def test_without_oidc_variables_passwords_are_the_way_in(environment):
    config = environment()
    assert config["OIDC_ISSUER"] is None and config["LOCAL_LOGIN"] is True
    assert config["OIDC_NAME"] == "your company account"


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"OIDC_ISSUER": ISSUER}, "PORTFOLIO_OIDC_CLIENT_ID, PORTFOLIO_OIDC_CLIENT_SECRET"),
        ({"OIDC_ISSUER": ISSUER, "OIDC_CLIENT_ID": "p"}, "PORTFOLIO_OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_ID": "p", "OIDC_CLIENT_SECRET": "s"}, "PORTFOLIO_OIDC_ISSUER"),
        (
            {
                "OIDC_ISSUER": "http://id.example.test",
                "OIDC_CLIENT_ID": "p",
                "OIDC_CLIENT_SECRET": "s",
            },
            "must be the provider's https URL",
        ),
        (
            {"OIDC_ISSUER": "id.example.test", "OIDC_CLIENT_ID": "p", "OIDC_CLIENT_SECRET": "s"},
            "must be the provider's https URL",
        ),
        (
            {
                "OIDC_ISSUER": ISSUER,
                "OIDC_CLIENT_ID": "p",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_ROLE_CLAIM": "groups",
            },
            "go together",
        ),
        (
            {
                "OIDC_ISSUER": ISSUER,
                "OIDC_CLIENT_ID": "p",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_ROLE_MAP": "a=pm",
            },
            "go together",
        ),
        ({"OIDC_ROLE_MAP": "portfolio-pms=boss"}, "must read group=role"),
        ({"OIDC_ROLE_MAP": "portfolio-pms"}, "must read group=role"),
        ({"OIDC_ROLE_MAP": "=pm"}, "must read group=role"),
        ({"LOCAL_LOGIN": "0"}, "no other way in is configured"),
    ],
)
def test_bad_configuration_stops_the_start(environment, variables, message):
    with pytest.raises(ConfigError, match=message):
        environment(**variables)


def test_bad_configuration_stops_create_app(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PORTFOLIO_ENV", "testing")
    monkeypatch.setenv("PORTFOLIO_OIDC_ISSUER", ISSUER)
    with pytest.raises(ConfigError, match="PORTFOLIO_OIDC_CLIENT_ID"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_the_role_map_takes_semicolons_for_group_names_with_commas():
    assert parse_role_map("cn=pms,ou=groups=pm; cn=admins,ou=groups=admin") == {
        "cn=pms,ou=groups": Role.PM,
        "cn=admins,ou=groups": Role.ADMIN,
    }


# Claims -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups, role",
    [
        ([], Role.STAKEHOLDER),
        (["elsewhere"], Role.STAKEHOLDER),
        (["leaders"], Role.LEADER),
        (["leaders", "pms"], Role.PM),
        (["pms", "admins", "leaders"], Role.ADMIN),
    ],
)
def test_the_strongest_mapped_role_wins(groups, role):
    assert role_for(groups, ROLE_MAP) is role


@pytest.mark.parametrize(
    "claim, groups",
    [
        ("pms", ["pms"]),
        (["pms", " admins "], ["pms", "admins"]),
        (["pms", 7, None], ["pms"]),
        (None, []),
        ({"pms": True}, []),
        (["g"] * 5000, ["g"] * 1000),
    ],
)
def test_groups_claims_of_every_shape(claim, groups):
    assert groups_in(claim) == groups


SETTINGS = ClaimSettings(role_claim="groups", role_map=ROLE_MAP)


def test_claims_become_an_identity():
    identity = identity_from_claims(
        {
            "iss": ISSUER,
            "sub": "s-1",
            "email": " Zoe@Example.TEST ",
            "email_verified": True,
            "preferred_username": "zoe",
            "groups": ["pms"],
            "department": " Sales ",
        },
        SETTINGS,
    )
    assert identity == Identity(
        issuer=ISSUER,
        subject="s-1",
        email="zoe@example.test",
        email_verified=True,
        name="zoe",
        role=Role.PM,
        department="Sales",
    )


def test_without_a_role_claim_the_provider_does_not_manage_roles():
    identity = identity_from_claims({"iss": ISSUER, "sub": "s"}, ClaimSettings())
    assert identity.role is None


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": ISSUER},
        {"iss": ISSUER, "sub": ""},
        {"iss": ISSUER, "sub": "x" * 256},
        {"iss": ISSUER, "sub": 5},
    ],
)
def test_claims_without_a_usable_subject_are_refused(claims):
    with pytest.raises(SignInRefused, match="no usable subject"):
        identity_from_claims(claims, SETTINGS)


def test_trust_email_counts_every_email_as_verified():
    claims = {"iss": ISSUER, "sub": "s", "email": "a@example.test"}
    assert not identity_from_claims(claims, SETTINGS).email_verified
    trusting = ClaimSettings(trust_email=True)
    assert identity_from_claims(claims, trusting).email_verified


# Accounts -------------------------------------------------------------------------------


def identity(subject: str = "s-1", **fields) -> Identity:
    fields.setdefault("email", f"{subject}@example.test")
    fields.setdefault("email_verified", True)
    return Identity(issuer=ISSUER, subject=subject, **fields)


def test_the_same_subject_at_another_issuer_is_another_person(app, make):
    make.user(
        email="one@example.test", oidc_issuer="https://other.example.test", oidc_subject="s-1"
    )
    user = sign_in(db.session, identity("s-1", email="two@example.test"))
    db.session.commit()
    assert user.email == "two@example.test" and user.oidc_issuer == ISSUER
    assert count_rows(User) == 2


def test_an_email_taken_by_another_account_is_not_copied_over(app, make):
    make.user(email="taken@example.test")
    user = sign_in(db.session, identity("s-1", email="mine@example.test"))
    db.session.commit()
    sign_in(db.session, identity("s-1", email="taken@example.test", email_verified=True))
    db.session.commit()
    assert user.email == "mine@example.test"


def test_the_department_is_matched_whatever_its_case(app, make):
    finance = make.department(name="Finance")
    user = sign_in(db.session, identity(department="FINANCE"))
    assert user.department_id == finance.id


def test_without_a_role_claim_an_existing_role_is_kept(app, make):
    make.user(Role.LEADER, email="lee@example.test")
    user = sign_in(db.session, identity("s-lee", email="lee@example.test"))
    assert user.role is Role.LEADER


def test_the_provider_may_demote_the_last_administrator(app, make):
    """The provider is the authority on roles; break-glass sign-in and
    `flask create-user` remain for a Portfolio left without administrators."""
    make.user(Role.ADMIN, email="boss@example.test", oidc_issuer=ISSUER, oidc_subject="s-boss")
    user = sign_in(db.session, identity("s-boss", email="boss@example.test", role=Role.STAKEHOLDER))
    assert user.role is Role.STAKEHOLDER
