from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portfolio.auth.permissions import public
from portfolio.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    if current_user.can("view_dashboard") and not current_user.can("edit_catalogue"):
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("catalogue.index"))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")
