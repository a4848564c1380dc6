"""Portfolio: catalogue, requests and roadmap for an organisation's internal products."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portfolio import (
    cli,
    compression,
    error_reports,
    errors,
    events,
    metrics,
    observability,
    revisions,
    security,
    static_files,
    stored_markdown,
    templating,
)
from portfolio import models as models  # registers the tables
from portfolio.activity.views import bp as activity_bp
from portfolio.admin.views import bp as admin_bp
from portfolio.api.views import bp as api_bp
from portfolio.architecture.capability_views import bp as capabilities_bp
from portfolio.architecture.cost_views import bp as costs_bp
from portfolio.architecture.integration_views import bp as integrations_bp
from portfolio.architecture.review_views import bp as reviews_bp
from portfolio.architecture.timeline_views import bp as timeline_bp
from portfolio.auth import oidc_client
from portfolio.auth.permissions import require_login_everywhere
from portfolio.auth.sessions import configure_login
from portfolio.auth.sso import sign_in_from_trusted_header
from portfolio.auth.views import bp as auth_bp
from portfolio.board.views import bp as board_bp
from portfolio.calendars.views import bp as calendars_bp
from portfolio.catalogue.views import bp as catalogue_bp
from portfolio.changelog.views import bp as changelog_bp
from portfolio.comments.views import bp as comments_bp
from portfolio.config import config_from_env, finalise_config
from portfolio.core.views import bp as core_bp
from portfolio.dashboard.views import bp as dashboard_bp
from portfolio.database import configure_engine, end_session_quietly
from portfolio.extensions import csrf, db, htmx, limiter, migrate
from portfolio.filters import MAX_ID
from portfolio.notifications import audience
from portfolio.notifications.views import bp as notifications_bp
from portfolio.requests.views import bp as requests_bp
from portfolio.search.views import bp as search_bp

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS = (
    core_bp,
    auth_bp,
    admin_bp,
    catalogue_bp,
    integrations_bp,
    requests_bp,
    comments_bp,
    activity_bp,
    board_bp,
    changelog_bp,
    calendars_bp,
    dashboard_bp,
    timeline_bp,
    notifications_bp,
    search_bp,
    capabilities_bp,
    costs_bp,
    reviews_bp,
    api_bp,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides what the environment says (tests use it)."""
    instance_path = Path(os.environ.get("PORTFOLIO_INSTANCE_PATH", ROOT / "instance"))
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(instance_path),
    )
    app.config.from_mapping(config_from_env(instance_path))
    if config:
        app.config.from_mapping(config)
    finalise_config(app.config, instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)

    error_reports.register(app)
    _init_extensions(app)
    app.url_map.converters["int"] = IdConverter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    if app.config.get("PROXY_COUNT"):
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    observability.register(app)  # first: the request id exists for every later hook's logs
    metrics.register(app)  # before sign-in: a request that redirects there is timed too
    app.before_request(sign_in_from_trusted_header)
    app.before_request(require_login_everywhere)

    errors.register(app)
    security.register(app)
    templating.register(app)
    static_files.register(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    # First hook registered, so it runs last: it compresses the final answer.
    compression.register(app)
    db.init_app(app)
    app.teardown_appcontext(end_session_quietly)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    configure_login(app)
    oidc_client.register(app)  # only when PORTFOLIO_OIDC_ISSUER is set
    events.install()
    revisions.install()
    stored_markdown.install()
    audience.install()
    with app.app_context():
        configure_engine(db.engine)


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs stops at the database's integer range, so a huge id
    is a 404 rather than an overflow deep in the driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
