from __future__ import annotations

from flask import Blueprint

from portfolio.auth.permissions import requires
from portfolio.core.placeholders import coming_soon

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@requires("view_dashboard")
def index():
    return coming_soon("Leadership dashboard", "Lifecycle, usage, success measures, value delivered and demand on one page.")
