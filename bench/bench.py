"""`make bench`: how page times and query counts grow with the portfolio.

Seeds portfolios of N = 100, 1,000 and 5,000 roadmap items (with 5N requests,
votes, comments and 50 products) in SQLite files, then measures in-process,
through Flask's test client, the median of repeated runs of the main pages
and of a card move. Two ratios per run:

- floor: the board's data fetched with one hand-written SQL query and joined
  into minimal HTML — the least work the board page can do;
- scaling: time at 5,000 ÷ time at 1,000 (5× the data).

Prints a table and writes bench/results.json.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portfolio import create_app  # noqa: E402
from portfolio.board.ranking import evenly_spaced_ranks  # noqa: E402
from portfolio.extensions import db  # noqa: E402
from portfolio.models import (  # noqa: E402
    Column,
    Comment,
    Department,
    Product,
    Reading,
    Request,
    RoadmapItem,
    SuccessMeasure,
    Usage,
    User,
    Vote,
    roadmap_item_request,
)
from portfolio.requests.votes import recount_votes  # noqa: E402

SIZES = (100, 1000, 5000)
PRODUCTS = 50
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
TARGETS = {
    "board_vs_floor_at_1000": 4.0,
    "scaling_5000_vs_1000": 6.0,
    "move_5000_vs_100": 1.5,
}


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
    recount_votes(session)  # the maintained count, as casting votes keeps it
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
    session.commit()


def floor_board(connection) -> str:
    """The least the board can do: one query, joined into minimal HTML."""
    rows = connection.execute(
        sa.text(
            "SELECT i.id, i.board_column, i.title, p.name, "
            "i.reach * i.impact * i.confidence / 100.0 / i.effort, u.display_name, "
            "(SELECT count(*) FROM roadmap_item_request r "
            "JOIN vote v ON v.request_id = r.request_id WHERE r.item_id = i.id) "
            "FROM roadmap_item i JOIN product p ON p.id = i.product_id "
            "LEFT JOIN user_account u ON u.id = i.owner_id ORDER BY i.board_column, i.rank"
        )
    )
    return "".join(
        f'<article id="card-{r[0]}"><span>{r[3]}</span><h3>{r[2]}</h3><span>{r[4]:.1f}</span>'
        f"<span>{r[6]}</span><span>{r[5]}</span></article>"
        for r in rows
    )


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self.record)

    def record(self, *args, **kwargs):
        self.count += 1


def timed(action) -> tuple[float, int]:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(n: int, workdir: Path) -> dict:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / f'bench-{n}.db'}",
            "SECRET_KEY": "bench",
            "ENV_NAME": "testing",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DEMO": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    results: dict[str, dict] = {}
    with app.app_context():
        db.create_all()
        seed(n)
        pm = db.session.execute(sa.select(User).where(User.role == "pm")).scalars().first()
        token = pm.session_token
        counter = QueryCounter(db.engine)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = token

        pages = {
            "board": "/board",
            "products": "/products",
            "product": "/products/product-7",
            "requests": "/requests",
            "dashboard": "/dashboard",
        }
        for name, url in pages.items():
            client.get(url)  # warm up caches and the template compiler
            times, queries = [], 0
            for _ in range(REPEATS):
                counter.count = 0
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
                queries = counter.count
            results[name] = {"median_s": statistics.median(times), "queries": queries}

        # A card move in the middle of the Now column, back and forth.
        now_ids = (
            db.session.execute(
                sa.select(RoadmapItem.id)
                .where(RoadmapItem.column == Column.NOW)
                .order_by(RoadmapItem.rank)
            )
            .scalars()
            .all()
        )
        middle = len(now_ids) // 2
        # A move takes a few milliseconds, so it gets more runs; garbage from the
        # big pages rendered just before is collected first, not timed.
        gc.collect()
        times, queries = [], 0
        for attempt in range(3 * REPEATS + 2):
            db.session.expire_all()
            moving = db.session.get(RoadmapItem, now_ids[middle])
            target = now_ids[middle - 3] if attempt % 2 == 0 else now_ids[middle + 3]
            counter.count = 0
            started = time.perf_counter()
            response = client.post(
                "/board/move",
                data={
                    "item_id": moving.id,
                    "version": moving.version,
                    "column": "now",
                    "above_id": target,
                    "below_id": "",
                },
                headers={"HX-Request": "true"},
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            if attempt >= 2:  # the first moves warm up
                times.append(elapsed)
                queries = counter.count
        results["move"] = {"median_s": statistics.median(times), "queries": queries}

        with db.engine.connect() as connection:
            floor_board(connection)
            floor_times = [timed(lambda: floor_board(connection)) for _ in range(REPEATS)]
        results["board_floor"] = {"median_s": statistics.median(floor_times), "queries": 1}
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> int:
    with tempfile.TemporaryDirectory() as workdir:
        by_size = {}
        for n in SIZES:
            print(f"seeding and measuring N={n} …", flush=True)
            by_size[n] = measure(n, Path(workdir))
    names = ["board", "products", "product", "requests", "dashboard", "move", "board_floor"]
    print()
    header = f"{'page':<12}" + "".join(f"{'N=' + str(n):>20}" for n in SIZES) + f"{'5000/1000':>12}"
    print(header)
    print("-" * len(header))
    scaling = {}
    for name in names:
        cells = "".join(
            f"{by_size[n][name]['median_s'] * 1000:>11.1f} ms {by_size[n][name]['queries']:>3} q"
            for n in SIZES
        )
        scaling[name] = by_size[5000][name]["median_s"] / by_size[1000][name]["median_s"]
        print(f"{name:<12}{cells}{scaling[name]:>11.2f}×")
    ratios = {
        "board_vs_floor_at_1000": by_size[1000]["board"]["median_s"]
        / by_size[1000]["board_floor"]["median_s"],
        "scaling_5000_vs_1000": max(scaling[name] for name in names if name != "board_floor"),
        "move_5000_vs_100": by_size[5000]["move"]["median_s"] / by_size[100]["move"]["median_s"],
    }
    constant_queries = {
        name: len({by_size[n][name]["queries"] for n in SIZES}) == 1 for name in names
    }
    print()
    for key, value in ratios.items():
        verdict = "met" if value <= TARGETS[key] else "MISSED"
        print(f"{key:<26}{value:>8.2f}× (target ≤ {TARGETS[key]}×) {verdict}")
    constant = "yes" if all(constant_queries.values()) else f"NO: {constant_queries}"
    print(f"{'query counts constant':<26}{constant}")
    out = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "repeats": REPEATS,
        "results": {str(n): by_size[n] for n in SIZES},
        "scaling_5000_vs_1000": scaling,
        "ratios": ratios,
        "targets": TARGETS,
        "query_counts_constant": constant_queries,
    }
    path = ROOT / "bench" / "results.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
