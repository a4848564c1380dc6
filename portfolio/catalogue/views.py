from __future__ import annotations

from flask import Blueprint

from portfolio.auth.permissions import requires
from portfolio.core.placeholders import coming_soon

bp = Blueprint("catalogue", __name__)


@bp.get("/products")
@requires("browse")
def index():
    return coming_soon("Catalogue", "The catalogue of internal products, their departments, value and success measures.")
