"""The whole picture on the leadership dashboard (#14): health per product,
satisfaction, what is next, usage against the headcount, the grouped change
feed — against hand-built fixtures, and the page's query count."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from portfolio.catalogue.satisfaction import last_quarters, quarter_of
from portfolio.dashboard import rollups
from portfolio.dashboard.health import HealthSort, health_table
from portfolio.dashboard.next_up import what_is_next
from portfolio.dashboard.satisfaction import MIN_ANSWERS, satisfaction_rollup
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Column,
    Contract,
    Product,
    RequestStatus,
    SatisfactionResponse,
    Sourcing,
    Stage,
    Usage,
    Verb,
)
from tests.helpers import parse_html

TODAY = date(2026, 11, 24)  # 2026-Q4
ON, OFF = 50, 100  # readings of the factory's measure (100 → 50 by 2027): on / off track


def answers(make, product, quarter: str, scores: list[int]) -> None:
    for score in scores:
        db.session.add(
            SatisfactionResponse(user=make.user(), product=product, quarter=quarter, score=score)
        )
    db.session.commit()


def reading(value: float) -> list[tuple[date, float]]:
    return [(date(2026, 11, 1), value)]


# Satisfaction ---------------------------------------------------------------------


def test_nps_per_product_with_change_overall_and_too_few_answers(app, make):
    previous, current = last_quarters(2, TODAY)
    loved, few, retired = (
        make.product(name="Loved"),
        make.product(name="Few"),
        make.product(name="Gone", stage=Stage.RETIRED),
    )
    answers(make, loved, current, [10, 10, 9, 8, 3, 10])  # 4 promoters, 1 detractor of 6: +50
    answers(make, loved, previous, [10, 6, 6, 8, 9])  # 2 − 2 of 5: +0
    answers(make, few, current, [0, 1, 10])  # too few
    answers(make, retired, current, [0] * 6)  # left out everywhere
    rollup = satisfaction_rollup(db.session, TODAY)
    assert (rollup.quarter, rollup.previous_quarter, rollup.is_current) == (
        "2026-Q4",
        "2026-Q3",
        True,
    )
    rows = {row.product.name: row.trend for row in rollup.rows}
    assert set(rows) == {"Loved", "Few"}
    assert (rows["Loved"].latest.label, rows["Loved"].latest.answers) == ("+50", 6)
    assert (rows["Loved"].change, rows["Loved"].change_label) == (50, "+50")
    assert rows["Few"].latest.score is None
    assert rows["Few"].latest.label == "too few answers (3)"
    assert rows["Few"].change is None
    # The organisation: all 9 answers of the quarter (5 promoters, 3 detractors).
    assert (rollup.overall.latest.answers, rollup.overall.latest.label) == (9, "+22")
    assert [row.product.name for row in rollup.rows] == ["Loved", "Few"]  # scored first
    assert MIN_ANSWERS == 5


def test_without_answers_this_quarter_the_previous_quarter_is_shown(app, leader_client, make):
    before, previous, current = last_quarters(3, date.today())
    product = make.product(name="Quiet")
    answers(make, product, previous, [9, 9, 9, 9, 9])
    answers(make, product, before, [0, 0, 0, 0, 0])
    rollup = satisfaction_rollup(db.session, date.today())
    assert (rollup.quarter, rollup.previous_quarter, rollup.is_current) == (
        previous,
        before,
        False,
    )
    assert rollup.rows[0].trend.change == 200
    page = parse_html(leader_client.get("/dashboard").text)
    section = page.by_id("satisfaction")
    assert f"NPS, {previous} (this quarter has no answers yet)" in section.text
    assert "+100" in section.one('[data-testid="satisfaction"]').text
    assert current not in section.text


def test_the_page_says_too_few_answers(leader_client, make):
    product = make.product(name="Few")
    answers(make, product, quarter_of(date.today()), [9, 9])
    section = parse_html(leader_client.get("/dashboard").text).by_id("satisfaction")
    assert "too few answers (2)" in section.one('[data-testid="satisfaction"]').text


# Health -----------------------------------------------------------------------------


@pytest.fixture
def portfolio_health(make):
    """Four products whose health differs in one respect each, and a retired one."""
    quarter = quarter_of(TODAY)
    calm = make.product(name="Calm")
    make.measure(calm, readings=reading(ON))
    answers(make, calm, quarter, [10] * 5)  # +100
    troubled = make.product(name="Troubled", stage=Stage.SUNSETTING)
    make.measure(troubled, readings=reading(OFF))
    make.measure(troubled, readings=reading(OFF))
    grumpy = make.product(name="Grumpy")
    make.measure(grumpy, readings=reading(OFF))
    answers(make, grumpy, quarter, [0] * 5)  # -100
    asked = make.product(name="Asked", sourcing=Sourcing.BOUGHT, vendor="V")
    asked.contract = Contract(
        vendor="V", annual_cost=1, seats_bought=1, renewal_date=date(2027, 3, 1)
    )
    make.measure(asked, readings=reading(OFF))
    answers(make, asked, quarter, [0] * 5)  # -100, like Grumpy, but more demand
    request = make.request(asked)
    make.request(asked, status=RequestStatus.SHIPPED)  # closed: not demand
    make.vote(request, make.user())
    make.vote(request, make.user())
    make.product(name="Retired", stage=Stage.RETIRED)
    return {"calm": calm, "troubled": troubled, "grumpy": grumpy, "asked": asked}


def table(sort: HealthSort, limit=None):
    groups = rollups.measures_worst_first(db.session, TODAY)
    return health_table(
        db.session, groups, satisfaction_rollup(db.session, TODAY), sort, limit=limit
    )


def test_health_rows_worst_first(app, portfolio_health):
    rows = table(HealthSort())
    # Most off track, then (equal off track and at risk) the lowest NPS, then the most votes.
    assert [row.product.name for row in rows] == ["Troubled", "Asked", "Grumpy", "Calm"]
    asked = rows[1]
    assert (asked.off_track, asked.at_risk, asked.on_track) == (1, 0, 0)
    assert (asked.nps.latest.score, asked.open_requests, asked.votes) == (-100, 1, 2)
    assert asked.renewal == date(2027, 3, 1)
    assert rows[0].nps.latest.score is None and rows[0].off_track == 2
    assert (rows[3].on_track, rows[3].nps.latest.label) == (1, "+100")
    limited = table(HealthSort(), limit=2)
    assert (len(limited), limited.more) == (2, 2)


@pytest.mark.parametrize(
    "args, order",
    [
        ({"sort": "nps", "dir": "asc"}, ["Asked", "Grumpy", "Calm", "Troubled"]),  # None last
        ({"sort": "nps", "dir": "desc"}, ["Calm", "Asked", "Grumpy", "Troubled"]),
        ({"sort": "product"}, ["Asked", "Calm", "Grumpy", "Troubled"]),
        ({"sort": "votes"}, ["Asked", "Troubled", "Grumpy", "Calm"]),
        ({"sort": "renewal"}, ["Asked", "Troubled", "Grumpy", "Calm"]),
        ({"sort": "stage", "dir": "desc"}, ["Troubled", "Asked", "Grumpy", "Calm"]),
        ({"sort": "nonsense", "dir": "up"}, ["Troubled", "Asked", "Grumpy", "Calm"]),
    ],
)
def test_health_sorts_by_a_column(app, portfolio_health, args, order):
    assert [row.product.name for row in table(HealthSort.from_args(args))] == order


def test_health_on_the_page_links_and_sorts(leader_client, portfolio_health):
    page = parse_html(leader_client.get("/dashboard?sort=votes&dir=desc").text)
    health = page.one('[data-testid="health"]')
    headings = {th.text: th for th in health.select("thead th")}
    assert headings["Votes"]["aria-sort"] == "descending"
    assert headings["Votes"].one("a")["href"] == "/dashboard?sort=votes&dir=asc#health"
    assert headings["NPS"].get("aria-sort") is None
    assert headings["NPS"].one("a")["href"] == "/dashboard?sort=nps&dir=asc#health"
    first = health.select("tbody tr")[0]
    assert first.one("th a")["href"] == "/products/" + portfolio_health["asked"].slug
    assert "Retired" not in health.text
    response = leader_client.get("/dashboard/health.csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert [row[0] for row in rows[1:]] == ["Troubled", "Asked", "Grumpy", "Calm"]


# What is next --------------------------------------------------------------------------


def test_what_is_next_shows_the_top_of_now_and_next_with_owners_and_requests(
    app, leader_client, make
):
    owner = make.user("pm", display_name="Priya Patel")
    crm = make.product(name="CRM")
    asked = [make.request(crm, title=f"Ask {n}") for n in range(5)]
    now = [make.item(crm, Column.NOW, title=f"Now {n}", owner=owner) for n in range(4)]
    now[0].requests = asked  # five requests: three named, "2 more"
    make.item(crm, Column.NEXT, title="Next one")
    make.item(crm, Column.LATER, title="Later one")
    make.item(crm, Column.SHIPPED, title="Shipped one")
    retired = make.product(name="Old", stage=Stage.RETIRED)
    make.item(retired, Column.NOW, title="Old card")
    db.session.commit()

    found = what_is_next(db.session)
    assert [entry.product.name for entry in found.products] == ["CRM"]
    now_top, next_top = found.products[0].columns
    assert [card.item.title for card in now_top.cards] == ["Now 0", "Now 1", "Now 2"]
    assert (now_top.total, now_top.more) == (4, 1)
    assert [card.item.title for card in next_top.cards] == ["Next one"]
    first = now_top.cards[0]
    assert [r.title for r in first.requests] == ["Ask 0", "Ask 1", "Ask 2"]
    assert first.more_requests == 2 and first.item.owner.display_name == "Priya Patel"

    section = parse_html(leader_client.get("/dashboard").text).by_id("next")
    assert "Priya Patel" in section.text and "Later one" not in section.text
    assert "Old card" not in section.text and "Shipped one" not in section.text
    links = {a.text: a["href"] for a in section.select("a")}
    assert links["Ask 0"] == f"/requests/{asked[0].id}"
    assert links["1 more in Now"] == f"/board?product={crm.id}"
    assert "and 2 more" in section.text


def test_what_is_next_is_bounded_in_products(app, make):
    for n in range(10):
        make.item(make.product(name=f"P{n:02d}"), Column.NEXT)
    found = what_is_next(db.session, products=3)
    assert [entry.product.name for entry in found.products] == ["P00", "P01", "P02"]
    assert found.more == 7


# Usage against the headcount -------------------------------------------------------------


def test_usage_shares_never_exceed_the_headcount(app, leader_client, make):
    sales = make.department(name="Sales", headcount=120)
    crm, chat, erp = (make.product(name=n) for n in ("CRM", "Chat", "ERP"))
    make.usage(crm, sales, users=118)
    make.usage(chat, sales, users=150)  # more than the department has people
    make.usage(erp, sales, users=45)
    matrix = rollups.usage_matrix(db.session, departments=25, products=15)
    assert (matrix.share(sales, 45), matrix.share(sales, 150)) == (38, 100)
    assert matrix.over_headcount(sales, 150) and not matrix.over_headcount(sales, 118)
    assert matrix.products_used[sales.id] == 3

    page = parse_html(leader_client.get("/dashboard").text)
    usage = page.by_id("usage")
    assert "People using each product, per department" in usage.text
    grid = usage.one('[data-testid="usage-matrix"]')
    assert [th.text for th in grid.select("thead th")][-2:] == ["Headcount", "Reach"]
    row = grid.one("tbody tr")
    cells = [td.text for td in row.select("td")]
    assert "45 · 38 %" in cells and "118 · 98 %" in cells
    assert "150 · 100 % !" in cells
    assert cells[-2:] == ["120", "uses 3 products"]
    for cell in row.select("td.heat"):
        share = cell.text.split("·")[1].strip().split(" %")[0] if "·" in cell.text else "0"
        assert int(share) <= 100
    over = row.one("td.over-headcount")
    assert "more users recorded than the headcount" in over["title"]
    assert (
        "more users recorded than the headcount" in usage.one('[data-testid="over-headcount"]').text
    )
    assert "People using the product" in grid.one("tfoot").text
    assert "313" not in grid.text  # the old sum of users across products


# The grouped change feed -------------------------------------------------------------


def test_the_feed_groups_repeated_events(leader_client, make):
    pm = make.user("pm", display_name="Priya Patel")
    products = [make.product(name=f"Product {n}") for n in range(6)]
    now = datetime.now(UTC)
    db.session.add_all(
        Activity(
            actor=pm,
            verb=Verb.READING_RECORDED,
            subject=f"Measure {n}",
            product=products[n % 6],
            created_at=now - timedelta(minutes=n),
        )
        for n in range(21)
    )
    db.session.add(
        Activity(
            actor=pm,
            verb=Verb.ITEM_SHIPPED,
            subject="Faster close",
            product=products[0],
            created_at=now - timedelta(minutes=30),
        )
    )
    db.session.commit()
    feed = parse_html(leader_client.get("/dashboard").text).by_id("recent")
    lines = [" ".join(li.text.split()) for li in feed.select("li")]
    assert len(lines) == 2
    assert lines[0].endswith("Priya Patel recorded 21 readings across 6 products")
    assert "Priya Patel shipped Faster close" in lines[1]
    assert feed.one('a[href="/activity"]').text == "All changes"


# Queries -----------------------------------------------------------------------------------


def populate(make, products: int) -> None:
    """`products` products, each with cards in Now and Next answering a request,
    a measure, survey answers, usage and a few events."""
    pm = make.user("pm")
    voter = make.user()
    department = make.department(headcount=50)
    previous, current = last_quarters(2, date.today())
    for n in range(products):
        product = Product(
            slug=f"q-{products}-{n}", name=f"Q {n}", category="crm", summary="s", stage="live"
        )
        product.usages.append(Usage(department=department, users=n + 1))
        db.session.add(product)
        db.session.commit()
        request = make.request(product)
        make.vote(request, voter)
        for column in (Column.NOW, Column.NOW, Column.NOW, Column.NOW, Column.NEXT):
            make.item(product, column, owner=pm).requests = [request]
        make.measure(product, readings=reading(ON))
        for quarter in (previous, current):
            db.session.add_all(
                SatisfactionResponse(
                    user=voter if i == 0 else pm, product=product, quarter=quarter, score=9
                )
                for i in range(2)
            )
        db.session.add(Activity(actor=pm, verb=Verb.READING_RECORDED, subject="m", product=product))
        db.session.commit()


def test_the_dashboard_costs_the_same_queries_for_one_product_or_many(
    leader_client, make, count_queries
):
    def queries() -> int:
        with count_queries() as statements:
            response = leader_client.get("/dashboard")
        assert response.status_code == 200
        return len(statements)

    populate(make, 1)
    one = queries()
    populate(make, 30)
    assert queries() == one
    page = parse_html(leader_client.get("/dashboard").text)
    assert len(page.by_id("next").select("article")) == 8
    assert len(page.one('[data-testid="health"]').select("tbody tr")) == 25
