"""The portfolio timeline page (endpoint `timeline.index`): what enters and
leaves service over the next eight quarters."""

from __future__ import annotations

from datetime import date

from flask import Blueprint

from portfolio.architecture.timeline import portfolio_timeline
from portfolio.auth.permissions import requires
from portfolio.extensions import db
from portfolio.htmx import render

bp = Blueprint("timeline", __name__, url_prefix="/architecture")


@bp.get("/timeline")
@requires("browse")
def index():
    return render(
        "architecture/timeline.html", timeline=portfolio_timeline(db.session, date.today())
    )
