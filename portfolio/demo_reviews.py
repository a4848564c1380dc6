"""The demo's review dates (#18): most entries reviewed on time, two overdue
(one of them the demo PM's, so their reviews list has work), one due soon,
one never reviewed. Completeness needs no seeding: two products already have
no sponsor, and capabilities come from the capability map's demo."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from portfolio.architecture.reviews import add_months
from portfolio.models import Product, User

# slug: (months ago, extra days ago, cadence in months, reviewer's email or None for the owner);
# a product absent here was never reviewed (due its cadence after its creation).
DEMO_REVIEWS = {
    "sales-crm": (2, 0, 6, None),
    "finance-erp": (8, 3, 6, None),  # overdue, the demo PM's
    "warehouse-wms": (1, 5, 3, None),
    "people-hris": (5, 20, 6, None),  # due within the month
    "insights-bi": (4, 0, 12, "admin@demo.example"),
    "team-chat": (14, 0, 12, None),  # overdue
    "access-guard": (0, 21, 6, None),
    "desk-booking": (2, 10, 6, None),
    "ops-monitoring": (5, 0, 6, None),
}
NEVER_REVIEWED_CADENCE = {"close-assistant": 3}


def seed_reviews(
    session: Session, products: dict[str, Product], users: dict[str, User], today: date
) -> None:
    for slug, (months, days, cadence, reviewer) in DEMO_REVIEWS.items():
        product = products[slug]
        product.review_every_months = cadence
        product.reviewed_on = add_months(today, -months) - timedelta(days=days)
        product.reviewed_by = users[reviewer] if reviewer else product.owner
    for slug, cadence in NEVER_REVIEWED_CADENCE.items():
        products[slug].review_every_months = cadence
    session.flush()
