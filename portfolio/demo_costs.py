"""The demo organisation's run costs (#18): team sizes and infrastructure a
year of its built and hybrid products, so the product pages and the showback
(/architecture/costs) have realistic numbers. Bought products keep their
contract only."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from portfolio.models import Product

# slug → (team in full-time equivalents, infrastructure a year)
RUN_COSTS: dict[str, tuple[str | None, str | None]] = {
    "warehouse-wms": ("1.5", "18000"),  # hybrid: integrations on a vendor core
    "close-assistant": ("3", "9600"),  # built, in the making
    "insights-bi": ("2", "42000"),  # hybrid: the warehouse and its pipelines
    "access-guard": ("1.2", "6500"),
    "desk-booking": ("0.5", None),  # in discovery: people, no hosting yet
    "ops-monitoring": ("0.8", "27500"),  # hybrid: metrics storage
    "expense-legacy": ("0", "0"),  # retired: switched off
}


def seed_costs(session: Session, products: dict[str, Product]) -> None:
    """Set the run cost of the demo's built and hybrid products (by slug)."""
    for slug, (team, infrastructure) in RUN_COSTS.items():
        product = products.get(slug)
        if product is None:
            continue
        product.team_fte = Decimal(team) if team is not None else None
        product.infrastructure_cost = Decimal(infrastructure) if infrastructure else None
    session.flush()
