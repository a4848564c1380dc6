"""The integration map's pages: the whole portfolio's, and one product's with
its neighbours (endpoints `integrations.*`). Drawing in integration_map.py."""

from __future__ import annotations

from flask import Blueprint

from portfolio.architecture.integration_map import (
    LEGEND,
    portfolio_map,
    product_map,
)
from portfolio.auth.permissions import requires
from portfolio.catalogue.queries import product_by_slug
from portfolio.extensions import db
from portfolio.htmx import render
from portfolio.revisions import conditional_page

bp = Blueprint("integrations", __name__)


@bp.get("/architecture/integrations")
@requires("browse")
@conditional_page
def portfolio():
    return render(
        "architecture/integrations.html",
        map=portfolio_map(db.session),
        legend=LEGEND,
    )


@bp.get("/products/<slug>/integrations")
@requires("browse")
@conditional_page
def product(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    return render(
        "architecture/product_integrations.html",
        product=product,
        map=product_map(db.session, product),
        legend=LEGEND,
    )
