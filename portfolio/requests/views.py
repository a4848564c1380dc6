from __future__ import annotations

from flask import Blueprint

from portfolio.auth.permissions import requires
from portfolio.core.placeholders import coming_soon

bp = Blueprint("requests", __name__)


@bp.get("/requests")
@requires("browse")
def index():
    return coming_soon("Requests", "Colleagues' requests against products, with votes and comments.")
