from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portfolio import metrics
from portfolio.auth.permissions import public
from portfolio.extensions import db, limiter

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    if current_user.can("view_dashboard") and not current_user.can("edit_catalogue"):
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("catalogue.index"))


@bp.get("/healthz")
@public
def healthz():
    """Up if the database answers (503 otherwise); "degraded" when the rate
    limiter's store (Redis in production) does not answer: sign-in then fails
    open, counting in memory, so the instance still serves."""
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="error", rate_limiter=limiter_state()), 503
    limiter_ok = limiter_state() == "ok"
    return jsonify(
        status="ok" if limiter_ok else "degraded",
        database="ok",
        rate_limiter="ok" if limiter_ok else "error",
    )


def limiter_state() -> str:
    try:
        return "ok" if limiter.storage.check() else "error"
    except Exception:  # a store that cannot even be asked is down too
        return "error"


@bp.get("/metrics", endpoint="metrics")
@public
@metrics.do_not_track()
def scrape():
    """Prometheus metrics, for an allowed scraper only: anyone else gets the
    404 of an address that does not exist."""
    if not metrics.may_scrape():
        abort(404)
    return Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
