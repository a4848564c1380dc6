"""Seeding the benchmark's portfolios: N roadmap items, 5N requests with their
votes (and each request's maintained vote_count), N comments, 50 products.

Rows go in with bulk INSERTs (executemany), so N = 20,000 seeds in seconds.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from portfolio.board.ranking import evenly_spaced_ranks
from portfolio.extensions import db
from portfolio.models import (
    Column,
    Comment,
    Department,
    Product,
    Reading,
    Request,
    RoadmapItem,
    SiteRevision,
    SuccessMeasure,
    Usage,
    User,
    Vote,
    roadmap_item_request,
)
from portfolio.models.revision import SITE_REVISION_ID

PRODUCTS = 50


def seed(n: int) -> None:
    """A portfolio with n roadmap items, 5n requests, votes and comments."""
    rng = random.Random(n)
    session = db.session
    departments = [Department(name=f"Department {i}", headcount=50 + i) for i in range(8)]
    session.add_all(departments)
    users = [
        User(
            email=f"user{i}@bench.example",
            display_name=f"User {i}",
            password_hash="x",
            role="pm" if i < 5 else "stakeholder",
            department=departments[i % 8],
        )
        for i in range(50)
    ]
    session.add_all(users)
    session.flush()
    products = []
    for i in range(PRODUCTS):
        product = Product(
            slug=f"product-{i}",
            name=f"Product {i}",
            category="crm",
            summary="A product",
            stage="live",
            sourcing="built",
            owner=users[i % 5],
        )
        product.usages = [
            Usage(department=departments[(i + k) % 8], users=10 + k) for k in range(3)
        ]
        measure = SuccessMeasure(
            name="Hours saved",
            unit="hours",
            direction="higher",
            baseline=0,
            baseline_date=date(2025, 1, 1),
            target=100,
            target_date=date(2027, 1, 1),
        )
        measure.readings = [
            Reading(taken_on=date(2025, 1, 1) + timedelta(days=91 * q), value=10.0 * q)
            for q in range(1, 8)
        ]
        product.measures = [measure]
        products.append(product)
    session.add_all(products)
    session.flush()
    now = datetime.now(UTC)
    request_rows = [
        {
            "product_id": products[i % PRODUCTS].id,
            "title": f"Request {i}",
            "description": "Please.",
            "department_id": departments[i % 8].id,
            "requester_id": users[i % 50].id,
            "status": "new",
            "created_at": now - timedelta(minutes=i),
            "updated_at": now,
        }
        for i in range(5 * n)
    ]
    session.execute(sa.insert(Request), request_rows)
    request_ids = session.execute(sa.select(Request.id).order_by(Request.id)).scalars().all()
    votes = [
        {"request_id": rid, "user_id": users[(rid + k) % 50].id, "created_at": now}
        for rid in request_ids
        for k in range(rng.randint(0, 3))
    ]
    if votes:
        session.execute(sa.insert(Vote), votes)
    comments = [
        {
            "request_id": request_ids[i % len(request_ids)],
            "author_id": users[i % 50].id,
            "body": "Agreed, this would help.",
            "created_at": now,
        }
        for i in range(n)
    ]
    session.execute(sa.insert(Comment), comments)
    columns = [Column.NOW, Column.NEXT, Column.LATER, Column.SHIPPED]
    per_column = {column: [i for i in range(n) if i % 4 == c] for c, column in enumerate(columns)}
    item_rows = []
    for column, indexes in per_column.items():
        for index, rank in zip(indexes, evenly_spaced_ranks(len(indexes)), strict=True):
            item_rows.append(
                {
                    "product_id": products[index % PRODUCTS].id,
                    "title": f"Item {index}",
                    "description": "",
                    "column": column,
                    "rank": rank,
                    "owner_id": users[index % 5].id,
                    "reach": 100 + index,
                    "impact": 1.0,
                    "confidence": 80,
                    "effort": 2.0,
                    "hours_saved_per_month": 5.0,
                    "cost_saved_per_year": 100,
                    "version": 1,
                    "created_at": now,
                    "shipped_on": date.today() if column is Column.SHIPPED else None,
                }
            )
    session.execute(sa.insert(RoadmapItem), item_rows)
    item_ids = session.execute(sa.select(RoadmapItem.id)).scalars().all()
    links = [
        {"item_id": item_id, "request_id": request_ids[(item_id * 5) % len(request_ids)]}
        for item_id in item_ids
    ]
    session.execute(sa.insert(roadmap_item_request), links)
    # The maintained count the pages sort by, filled from the votes just inserted.
    requests = Request.__table__
    counted = sa.select(sa.func.count(Vote.id)).where(Vote.request_id == requests.c.id)
    session.execute(sa.update(requests).values(vote_count=counted.scalar_subquery()))
    session.merge(SiteRevision(id=SITE_REVISION_ID, value=1))  # the row migration 0013 adds
    session.commit()
