from __future__ import annotations

from flask import Blueprint

from portfolio.auth.permissions import requires
from portfolio.core.placeholders import coming_soon

bp = Blueprint("board", __name__)


@bp.get("/board")
@requires("browse")
def index():
    return coming_soon("Roadmap board", "The Now / Next / Later board, prioritised by drag and drop.")
