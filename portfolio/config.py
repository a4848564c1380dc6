"""Settings from the environment, one class per mode.

`PORTFOLIO_ENV` picks the mode: `production` (the default, so a forgotten
variable never weakens a real deployment), `development` or `testing`.
`PORTFOLIO_DEMO=1` (what `make run` sets) turns on demo mode and, unless
`PORTFOLIO_ENV` says otherwise, development mode.
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from sentry_sdk.utils import BadDsn, Dsn

from portfolio.models.accounts import Role


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class ConfigError(RuntimeError):
    """The environment does not describe a runnable instance."""


class BaseConfig:
    ENV_NAME = "base"
    DEMO = False
    TESTING = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A board left open for hours must still save a drag: the CSRF token is
    # bound to the session, which already ends on the server at logout.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 14
    SESSION_PROTECTION = "basic"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SECURE_COOKIES = False
    # Failed sign-ins (see portfolio/auth/throttle.py)
    LOGIN_PAIR_LIMIT = "10 per 15 minutes"  # one account from one address
    LOGIN_ACCOUNT_LIMIT = "30 per 15 minutes"  # one account from anywhere
    LOGIN_ADDRESS_LIMIT = "100 per 15 minutes"  # any account from one (maybe shared) address
    COMMENT_RATE_LIMIT = "20 per minute"  # per user
    BELL_POLL_SECONDS = 30  # how often an open page asks for its unread count
    BOARD_POLL_SECONDS = 15  # how often an open board asks whether it changed (a 304 if not)
    RATELIMIT_STORAGE_URI = "memory://"
    # A Redis outage must not turn sign-in into a 500: count in memory meanwhile.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    # Single sign-on through a trusted proxy header (off unless both are set).
    SSO_HEADER = None
    SSO_TRUSTED_PROXIES: tuple[str, ...] = ()
    PROXY_COUNT = 0
    # Sign-in with an OpenID Connect provider (off unless OIDC_ISSUER is set;
    # see portfolio/auth/oidc.py and the README).
    OIDC_ISSUER: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    OIDC_NAME = "your company account"
    OIDC_ROLE_CLAIM: str | None = None
    OIDC_ROLE_MAP: dict = {}  # group → Role, parsed from PORTFOLIO_OIDC_ROLE_MAP
    OIDC_DEPARTMENT_CLAIM = "department"
    OIDC_TRUST_EMAIL = False  # treat the email claim as verified without email_verified
    LOCAL_LOGIN = True  # email and password on the login page
    # Outgoing mail (sent by `flask deliver`, never by a web request). Without
    # MAIL_SERVER nothing is sent: admins read the mail in the delivery log.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False  # STARTTLS after connecting (usually with MAIL_PORT=587)
    MAIL_FROM = "Portfolio <portfolio@localhost>"
    # What one full-time person costs a year, in the contracts' currency: a
    # built product's run cost is its team (FTE) × this + its infrastructure (#18).
    FTE_YEARLY_RATE = Decimal("100000")
    # Prometheus /metrics (see portfolio/metrics.py): refused (404) unless the
    # scraper connects from one of these networks or sends the token.
    METRICS_ALLOW: tuple[str, ...] = ()
    METRICS_TOKEN: str | None = None
    # Error reports to Sentry (see portfolio/error_reports.py): off without a DSN.
    SENTRY_DSN: str | None = None
    SENTRY_TRACES_SAMPLE_RATE = 0.0
    SENTRY_ENVIRONMENT: str | None = None  # default: the mode's name


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SECURE_COOKIES = True


MODES = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env(instance_path: Path) -> dict:
    """Build the settings dict for `app.config` from the process environment."""
    demo = env_flag("PORTFOLIO_DEMO")
    mode_name = os.environ.get("PORTFOLIO_ENV") or ("development" if demo else "production")
    if mode_name not in MODES:
        raise ConfigError(f"PORTFOLIO_ENV={mode_name!r} is not one of {', '.join(sorted(MODES))}.")
    mode = MODES[mode_name]
    settings = {key: getattr(mode, key) for key in dir(mode) if key.isupper()}
    settings["DEMO"] = demo
    settings["CURRENCY"] = os.environ.get("PORTFOLIO_CURRENCY", "EUR")
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        settings["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    if os.environ.get("PORTFOLIO_SSO_HEADER"):
        settings["SSO_HEADER"] = os.environ["PORTFOLIO_SSO_HEADER"]
        settings["SSO_TRUSTED_PROXIES"] = tuple(
            part.strip()
            for part in os.environ.get("PORTFOLIO_SSO_PROXIES", "").split(",")
            if part.strip()
        )
    base_url = os.environ.get("PORTFOLIO_BASE_URL", "").strip().rstrip("/")
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query:
            raise ConfigError(
                f"PORTFOLIO_BASE_URL={base_url!r} must be an origin such as"
                " https://portfolio.example.com (no path)"
            )
        settings["BASE_URL"] = base_url
    trusted_hosts = os.environ.get("PORTFOLIO_TRUSTED_HOSTS", "")
    if trusted_hosts.strip():
        # Flask answers 400 to a request whose Host is not one of these.
        settings["TRUSTED_HOSTS"] = [h.strip() for h in trusted_hosts.split(",") if h.strip()]
    if os.environ.get("PORTFOLIO_PROXY_COUNT", "").isdigit():
        settings["PROXY_COUNT"] = int(os.environ["PORTFOLIO_PROXY_COUNT"])
    settings.update(mail_settings())
    rate = os.environ.get("PORTFOLIO_FTE_YEARLY_RATE", "").strip()
    if rate:
        settings["FTE_YEARLY_RATE"] = fte_yearly_rate(rate)
    settings.update(monitoring_settings())
    settings.update(oidc_settings())
    log_format = os.environ.get("PORTFOLIO_LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise ConfigError(f"PORTFOLIO_LOG_FORMAT={log_format!r} must be text or json")
    settings["LOG_FORMAT"] = log_format

    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
    else:
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'portfolio.db'}"

    secret_key = os.environ.get("SECRET_KEY")
    if secret_key:
        settings["SECRET_KEY"] = secret_key
    elif "SECRET_KEY" not in settings:
        settings["SECRET_KEY"] = None  # decided in finalise_config, once instance_path exists
    return settings


def mail_settings() -> dict:
    """MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS and
    MAIL_FROM from the environment (only those that are set)."""
    settings: dict = {}
    for name in ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM"):
        value = os.environ.get(name, "").strip()
        if value:
            settings[name] = value
    port = os.environ.get("MAIL_PORT", "").strip()
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"MAIL_PORT={port!r} must be a port number such as 587")
        settings["MAIL_PORT"] = int(port)
    if os.environ.get("MAIL_USE_TLS"):
        settings["MAIL_USE_TLS"] = env_flag("MAIL_USE_TLS")
    return settings


METRICS_TOKEN_MIN_LENGTH = 16


def monitoring_settings() -> dict:
    """METRICS_ALLOW, METRICS_TOKEN and the SENTRY_* settings from the
    environment (only those that are set), checked here so a typo stops the
    start rather than silently opening or closing /metrics."""
    settings: dict = {}
    allow = os.environ.get("PORTFOLIO_METRICS_ALLOW", "")
    if allow.strip():
        settings["METRICS_ALLOW"] = tuple(
            network_or_error("PORTFOLIO_METRICS_ALLOW", part.strip())
            for part in allow.split(",")
            if part.strip()
        )
    token = os.environ.get("PORTFOLIO_METRICS_TOKEN", "").strip()
    if token:
        if len(token) < METRICS_TOKEN_MIN_LENGTH or not token.isprintable() or " " in token:
            raise ConfigError(
                f"PORTFOLIO_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH}"
                " printable characters without spaces (e.g. python3 -c"
                " 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        settings["METRICS_TOKEN"] = token
    dsn = os.environ.get("SENTRY_DSN", "").strip()
    if dsn:
        try:
            Dsn(dsn)
        except BadDsn as error:
            raise ConfigError(f"SENTRY_DSN is not a Sentry DSN: {error}") from None
        settings["SENTRY_DSN"] = dsn
    rate = os.environ.get("PORTFOLIO_SENTRY_TRACES", "").strip()
    if rate:
        try:
            value = float(rate)
        except ValueError:
            value = math.nan
        if not 0.0 <= value <= 1.0:  # NaN fails too
            raise ConfigError(
                f"PORTFOLIO_SENTRY_TRACES={rate!r} must be a share between 0 and 1 (e.g. 0.05)"
            )
        settings["SENTRY_TRACES_SAMPLE_RATE"] = value
    environment = os.environ.get("PORTFOLIO_SENTRY_ENVIRONMENT", "").strip()
    if environment:
        settings["SENTRY_ENVIRONMENT"] = environment[:64]
    return settings


def network_or_error(variable: str, entry: str) -> str:
    """`entry` as a network in canonical form (an address is a /32 or /128)."""
    try:
        return str(ipaddress.ip_network(entry, strict=False))
    except ValueError:
        raise ConfigError(
            f"{variable}: {entry!r} is not an IP address or network (e.g. 10.0.0.5 or 10.1.0.0/16)"
        ) from None


OIDC_VARIABLES = {
    "OIDC_ISSUER": "PORTFOLIO_OIDC_ISSUER",
    "OIDC_CLIENT_ID": "PORTFOLIO_OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET": "PORTFOLIO_OIDC_CLIENT_SECRET",
    "OIDC_NAME": "PORTFOLIO_OIDC_NAME",
    "OIDC_ROLE_CLAIM": "PORTFOLIO_OIDC_ROLE_CLAIM",
    "OIDC_DEPARTMENT_CLAIM": "PORTFOLIO_OIDC_DEPARTMENT_CLAIM",
}


def oidc_settings() -> dict:
    """The OIDC_* settings and LOCAL_LOGIN from the environment (only those
    that are set); how they fit together is checked in finalise_config."""
    settings: dict = {}
    for name, variable in OIDC_VARIABLES.items():
        value = os.environ.get(variable, "").strip()
        if value:
            settings[name] = value
    if os.environ.get("PORTFOLIO_OIDC_ROLE_MAP", "").strip():
        settings["OIDC_ROLE_MAP"] = parse_role_map(os.environ["PORTFOLIO_OIDC_ROLE_MAP"])
    if os.environ.get("PORTFOLIO_OIDC_TRUST_EMAIL"):
        settings["OIDC_TRUST_EMAIL"] = env_flag("PORTFOLIO_OIDC_TRUST_EMAIL")
    if os.environ.get("PORTFOLIO_LOCAL_LOGIN"):
        settings["LOCAL_LOGIN"] = env_flag("PORTFOLIO_LOCAL_LOGIN")
    return settings


def parse_role_map(text: str) -> dict[str, Role]:
    """ "portfolio-pms=pm,portfolio-admins=admin" → {group: Role}. Entries are
    separated by commas, or by semicolons when the text has any (for group
    names with commas, such as LDAP DNs); the last "=" separates the role."""
    separator = ";" if ";" in text else ","
    roles = {role.value: role for role in Role}
    mapping: dict[str, Role] = {}
    for entry in text.split(separator):
        if not entry.strip():
            continue
        group, equals, role = entry.rpartition("=")
        group, role = group.strip(), role.strip().lower()
        if not equals or not group or role not in roles:
            raise ConfigError(
                f"PORTFOLIO_OIDC_ROLE_MAP entry {entry.strip()!r} must read group=role,"
                f" the role one of {', '.join(roles)}"
            )
        mapping[group] = roles[role]
    if len(mapping) > MAX_ROLE_MAP_ENTRIES:
        raise ConfigError(f"PORTFOLIO_OIDC_ROLE_MAP has more than {MAX_ROLE_MAP_ENTRIES} entries")
    return mapping


MAX_ROLE_MAP_ENTRIES = 100


def check_sign_in_settings(config: dict) -> None:
    """OIDC needs its issuer, client id and secret together; password sign-in
    can be turned off only when another way in exists."""
    required = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
    missing = [OIDC_VARIABLES[name] for name in required if not config.get(name)]
    if 0 < len(missing) < len(required):
        raise ConfigError(
            f"{', '.join(missing)} must be set too: OpenID Connect sign-in needs"
            " PORTFOLIO_OIDC_ISSUER, PORTFOLIO_OIDC_CLIENT_ID and PORTFOLIO_OIDC_CLIENT_SECRET"
        )
    issuer = config.get("OIDC_ISSUER")
    if issuer:
        parts = urlsplit(issuer)
        loopback = parts.hostname in {"localhost", "127.0.0.1", "::1"}
        if (
            parts.scheme not in {"http", "https"}
            or (parts.scheme == "http" and not loopback)
            or not parts.netloc
            or parts.query
            or parts.fragment
            or len(issuer) > 255
        ):
            raise ConfigError(
                f"PORTFOLIO_OIDC_ISSUER={issuer!r} must be the provider's https URL"
                " (its discovery document is <issuer>/.well-known/openid-configuration)"
            )
        config["OIDC_ISSUER"] = issuer.rstrip("/")
    if bool(config.get("OIDC_ROLE_CLAIM")) != bool(config.get("OIDC_ROLE_MAP")):
        raise ConfigError(
            "PORTFOLIO_OIDC_ROLE_CLAIM and PORTFOLIO_OIDC_ROLE_MAP go together:"
            " the claim names the groups, the map gives each group its role"
        )
    if config.get("OIDC_ROLE_CLAIM") and not issuer:
        raise ConfigError("PORTFOLIO_OIDC_ROLE_CLAIM needs PORTFOLIO_OIDC_ISSUER")
    if not config.get("LOCAL_LOGIN", True) and not issuer and not config.get("SSO_HEADER"):
        raise ConfigError(
            "PORTFOLIO_LOCAL_LOGIN=0 turns password sign-in off, but no other way in is"
            " configured (set PORTFOLIO_OIDC_ISSUER or PORTFOLIO_SSO_HEADER)"
        )


MAX_FTE_YEARLY_RATE = Decimal(10**7)


def fte_yearly_rate(text: str) -> Decimal:
    """PORTFOLIO_FTE_YEARLY_RATE as an amount: positive, finite, at most ten million."""
    try:
        rate = Decimal(text.replace(",", "").replace("_", ""))
    except ArithmeticError:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 < rate <= MAX_FTE_YEARLY_RATE:
        raise ConfigError(
            f"PORTFOLIO_FTE_YEARLY_RATE={text!r} must be what one full-time person costs a"
            f" year, a positive amount up to {MAX_FTE_YEARLY_RATE:,} (e.g. 95000)"
        )
    return rate.quantize(Decimal("0.01"))


def finalise_config(config: dict, instance_path: Path) -> None:
    """Checks and derived values that depend on the merged settings."""
    check_sign_in_settings(config)
    if not config.get("SECRET_KEY"):
        if config.get("ENV_NAME") == "production":
            raise ConfigError(
                "SECRET_KEY is not set: production mode refuses to start without it "
                "(set SECRET_KEY, or PORTFOLIO_ENV=development for a local instance)."
            )
        config["SECRET_KEY"] = development_secret_key(instance_path)
    if config.get("SECURE_COOKIES"):
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True


def development_secret_key(instance_path: Path) -> str:
    """A random key kept in instance/ so dev sessions survive a restart."""
    key_file = instance_path / "dev-secret-key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
