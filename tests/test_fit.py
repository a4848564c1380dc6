"""Fit and TIME (#18): PMs assess a product's functional and technical fit
(1–4, a day and a note); its TIME class is derived from the latest
assessment, shown on its page with the history, filterable in the catalogue
and drawn as a quadrant on the dashboard."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product as pairs

import pytest
import sqlalchemy as sa

from portfolio.architecture.assessments import (
    HISTORY_ROWS,
    InvalidAssessment,
    assess,
    describe,
    fit_history,
)
from portfolio.architecture.fit import latest_fits, products_in_time_class, time_class_condition
from portfolio.architecture.time_quadrant import (
    CELL_HEIGHT,
    CELL_WIDTH,
    GRID_BOTTOM,
    GRID_LEFT,
    PER_CELL,
    draw,
    time_quadrant,
)
from portfolio.catalogue.svg_text import Box
from portfolio.extensions import db
from portfolio.models import Activity, FitAssessment, Product, Stage, TimeClass, Verb, time_class
from tests.helpers import count_rows, parse_html

TODAY = date.today()


def fit(product, functional, technical, on=TODAY, **fields):
    assessment = FitAssessment(
        product=product,
        functional_fit=functional,
        technical_fit=technical,
        assessed_on=on,
        **fields,
    )
    db.session.add(assessment)
    db.session.commit()
    return assessment


# The TIME rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "functional, technical, expected",
    [
        (4, 4, TimeClass.INVEST),
        (3, 3, TimeClass.INVEST),
        (3, 2, TimeClass.MIGRATE),
        (4, 1, TimeClass.MIGRATE),
        (2, 3, TimeClass.TOLERATE),
        (1, 4, TimeClass.TOLERATE),
        (2, 2, TimeClass.ELIMINATE),
        (1, 1, TimeClass.ELIMINATE),
    ],
)
def test_time_class_follows_the_two_fits(functional, technical, expected):
    assert time_class(functional, technical) is expected


def test_the_sql_condition_agrees_with_time_class_on_every_pair(app, make):
    """The catalogue filter's SQL and the Python rule put each of the 16 pairs
    in the same class."""
    products = {}
    for functional, technical in pairs(range(1, 5), repeat=2):
        products[functional, technical] = make.product()
        fit(products[functional, technical], functional, technical)
    for time in TimeClass:
        found = set(
            db.session.execute(
                sa.select(FitAssessment.product_id).where(time_class_condition(time))
            ).scalars()
        )
        expected = {p.id for pair, p in products.items() if time_class(*pair) is time}
        assert found == expected, time


# latest_fits --------------------------------------------------------------------------


def test_latest_fits_takes_the_latest_day(app, make):
    product = make.product()
    fit(product, 1, 1, TODAY - timedelta(days=30))
    newest = fit(product, 4, 4, TODAY - timedelta(days=1))
    fit(product, 2, 2, TODAY - timedelta(days=10))  # recorded later, about an earlier day
    assert latest_fits(db.session, [product.id])[product.id].id == newest.id


def test_latest_fits_breaks_a_tie_on_the_day_by_the_highest_id(app, make):
    product = make.product()
    fit(product, 1, 1, TODAY)
    second = fit(product, 3, 4, TODAY)
    assert latest_fits(db.session, [product.id])[product.id].id == second.id


def test_latest_fits_answers_only_for_the_listed_products(app, make):
    listed, other, never = make.product(), make.product(), make.product()
    fit(listed, 3, 3)
    fit(other, 1, 1)
    found = latest_fits(db.session, [listed.id, never.id])
    assert set(found) == {listed.id}
    assert latest_fits(db.session, []) == {}


def test_latest_fits_is_one_query(app, make, count_queries):
    products = [make.product() for _ in range(5)]
    for index, product in enumerate(products):
        fit(product, 1 + index % 4, 4 - index % 4)
        fit(product, 2, 3, TODAY - timedelta(days=5))
    ids = [product.id for product in products]
    with count_queries() as statements:
        found = latest_fits(db.session, ids)
    assert len(statements) == 1
    assert len(found) == 5


# Assessing ----------------------------------------------------------------------------


def test_assess_records_the_assessment_and_the_trail(app, make, users):
    product = make.product(name="Ledger")
    first = assess(
        db.session,
        users["pm"],
        product,
        functional_fit=3,
        technical_fit=2,
        assessed_on=TODAY - timedelta(days=3),
        note="  Old platform.  ",
    )
    db.session.commit()
    assert (first.functional_fit, first.technical_fit, first.note) == (3, 2, "Old platform.")
    assert first.assessed_by_id == users["pm"].id
    assess(db.session, users["pm"], product, functional_fit=4, technical_fit=4, assessed_on=TODAY)
    db.session.commit()
    entries = (
        db.session.execute(
            sa.select(Activity).where(Activity.verb == Verb.FIT_ASSESSED).order_by(Activity.id)
        )
        .scalars()
        .all()
    )
    assert [entry.subject for entry in entries] == ["Ledger", "Ledger"]
    assert entries[0].before is None
    assert entries[0].after.startswith("Functional 3, technical 2 (Migrate)")
    assert entries[1].before == "Functional 3, technical 2 (Migrate)"
    assert entries[1].after.startswith("Functional 4, technical 4 (Invest)")
    assert count_rows(FitAssessment) == 2  # the history keeps both


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"functional_fit": 0}, "functional_fit"),
        ({"functional_fit": 5}, "functional_fit"),
        ({"technical_fit": -1}, "technical_fit"),
        ({"technical_fit": True}, "technical_fit"),
        ({"assessed_on": TODAY + timedelta(days=1)}, "assessed_on"),
        ({"assessed_on": date(1999, 12, 31)}, "assessed_on"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_assess_refuses_what_breaks_the_rules(app, make, users, changes, field):
    product = make.product()
    values = {"functional_fit": 3, "technical_fit": 3, "assessed_on": TODAY, "note": ""}
    with pytest.raises(InvalidAssessment) as refused:
        assess(db.session, users["pm"], product, **(values | changes))
    assert set(refused.value.problems) == {field}
    db.session.rollback()
    assert count_rows(FitAssessment) == 0
    assert count_rows(Activity, Activity.verb == Verb.FIT_ASSESSED) == 0


def test_describe_names_the_time_class():
    assert describe(3, 2) == "Functional 3, technical 2 (Migrate)"


def test_history_is_newest_first_and_bounded(app, make):
    product = make.product()
    for days in range(HISTORY_ROWS + 5):
        fit(product, 1 + days % 4, 4, TODAY - timedelta(days=days))
    history = fit_history(db.session, product.id)
    assert len(history) == HISTORY_ROWS
    assert history.total == HISTORY_ROWS + 5
    assert [a.assessed_on for a in history] == sorted(
        (a.assessed_on for a in history), reverse=True
    )
    assert history[0].assessed_on == TODAY


# The product page ---------------------------------------------------------------------


def test_the_page_shows_the_current_fit_time_and_history(pm_client, make, users):
    product = make.product(slug="ledger", name="Ledger")
    fit(product, 2, 2, TODAY - timedelta(days=100), note="Before the upgrade.")
    fit(
        product, 3, 2, TODAY - timedelta(days=2), note="After the upgrade.", assessed_by=users["pm"]
    )
    page = parse_html(pm_client.get("/products/ledger").get_data(as_text=True))
    section = page.by_id("fit")
    assert "Migrate" in section.one("[data-testid=current-fit] .time-class").text
    assert "3" in section.one("[data-testid=functional-fit]").text
    assert "Good" in section.one("[data-testid=functional-fit]").text
    assert "Fair" in section.one("[data-testid=technical-fit]").text
    rows = section.select("[data-testid=fit-history] tbody tr")
    assert [row.select("td")[-1].text for row in rows] == [
        "After the upgrade.",
        "Before the upgrade.",
    ]
    assert "Eliminate" in rows[1].text
    assert section.select("form.fit-form")


def test_a_stakeholder_sees_the_fit_but_no_form(client_as, make):
    product = make.product(slug="ledger")
    fit(product, 4, 4)
    page = parse_html(client_as("stakeholder").get("/products/ledger").get_data(as_text=True))
    assert "Invest" in page.by_id("fit").text
    assert not page.by_id("fit").select("form")


def test_a_product_never_assessed_says_so(pm_client, make):
    make.product(slug="ledger")
    page = parse_html(pm_client.get("/products/ledger").get_data(as_text=True))
    assert "Not assessed yet" in page.by_id("fit").text


def test_a_long_history_shows_its_latest_rows_and_the_count(pm_client, make):
    product = make.product(slug="ledger")
    for days in range(HISTORY_ROWS + 3):
        fit(product, 3, 3, TODAY - timedelta(days=days))
    page = parse_html(pm_client.get("/products/ledger").get_data(as_text=True))
    assert len(page.by_id("fit").select("[data-testid=fit-history] tbody tr")) == HISTORY_ROWS
    assert f"of {HISTORY_ROWS + 3}" in page.one("[data-testid=more-assessments]").text


# The form -----------------------------------------------------------------------------

GOOD = {"functional_fit": "3", "technical_fit": "2", "assessed_on": TODAY.isoformat(), "note": ""}


def test_a_pm_assesses_without_javascript(pm_client, make):
    make.product(slug="ledger")
    response = pm_client.post("/products/ledger/fit", data=GOOD | {"note": "Aging stack."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/products/ledger#fit")
    saved = db.session.execute(sa.select(FitAssessment)).scalar_one()
    assert (saved.functional_fit, saved.technical_fit, saved.note) == (3, 2, "Aging stack.")
    page = parse_html(pm_client.get("/products/ledger").get_data(as_text=True))
    assert "Migrate" in page.by_id("fit").one("[data-testid=current-fit] .time-class").text


def test_htmx_gets_the_section_back(pm_client, make):
    make.product(slug="ledger")
    response = pm_client.hx_post("/products/ledger/fit", data=GOOD)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    section = parse_html(body).by_id("fit")
    assert "Assessment recorded" in section.text
    assert "Migrate" in section.one("[data-testid=current-fit] .time-class").text


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"functional_fit": ""}, "functional_fit", "Choose a fit"),
        ({"functional_fit": "5"}, "functional_fit", "Not a valid choice"),
        ({"technical_fit": "abc"}, "technical_fit", "could not coerce"),
        ({"technical_fit": "0"}, "technical_fit", "Not a valid choice"),
        ({"assessed_on": ""}, "assessed_on", "Enter the day"),
        ({"assessed_on": "2026-02-31"}, "assessed_on", "Not a valid date"),
        ({"assessed_on": (TODAY + timedelta(days=2)).isoformat()}, "assessed_on", "future"),
        ({"assessed_on": "1999-12-31"}, "assessed_on", "from 01 Jan 2000"),
        ({"note": "x" * 501}, "note", "under 500"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(pm_client, make, changes, field, message):
    make.product(slug="ledger")
    for post in (pm_client.post, pm_client.hx_post):
        response = post("/products/ledger/fit", data=GOOD | changes)
        assert response.status_code == 422
        page = parse_html(response.get_data(as_text=True))
        error = page.by_id(f"{field}-error")
        assert message in error.text, error.text
    assert count_rows(FitAssessment) == 0


def test_without_a_csrf_token_nothing_is_assessed(pm_client, make):
    make.product(slug="ledger")
    response = pm_client.post("/products/ledger/fit", data=GOOD, csrf=False)
    assert response.status_code == 400
    assert count_rows(FitAssessment) == 0


def test_an_unknown_product_is_a_404(pm_client):
    assert pm_client.post("/products/no-such/fit", data=GOOD).status_code == 404


@pytest.mark.parametrize("role", ["stakeholder", "leader"])
def test_only_the_product_team_assesses(client_as, make, role):
    make.product(slug="ledger")
    assert client_as(role).post("/products/ledger/fit", data=GOOD).status_code == 403
    assert count_rows(FitAssessment) == 0


# The catalogue filter -----------------------------------------------------------------


@pytest.fixture
def assessed(make):
    """One product per TIME class (reassessed: only the latest counts), and one never assessed."""
    products = {
        "invest": make.product(name="Alpha"),
        "migrate": make.product(name="Bravo"),
        "tolerate": make.product(name="Charlie"),
        "eliminate": make.product(name="Delta"),
        "none": make.product(name="Echo"),
    }
    fit(products["invest"], 1, 1, TODAY - timedelta(days=50))  # was Eliminate
    fit(products["invest"], 4, 3)
    fit(products["migrate"], 4, 4, TODAY - timedelta(days=50))  # was Invest
    fit(products["migrate"], 3, 1)
    fit(products["tolerate"], 2, 4)
    fit(products["eliminate"], 1, 2)
    return products


def listed(client, query: str) -> list[str]:
    page = parse_html(client.get(f"/products?{query}").get_data(as_text=True))
    return [cell.text for cell in page.select(".catalogue-table .product-name")]


@pytest.mark.parametrize(
    "time, expected",
    [
        ("invest", ["Alpha"]),
        ("migrate", ["Bravo"]),
        ("tolerate", ["Charlie"]),
        ("eliminate", ["Delta"]),
        ("none", ["Echo"]),
        ("", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ],
)
def test_the_catalogue_filters_by_the_latest_time_class(
    stakeholder_client, assessed, time, expected
):
    assert listed(stakeholder_client, f"time={time}") == expected


def test_an_unknown_time_class_is_ignored_with_a_message(stakeholder_client, assessed):
    body = stakeholder_client.get("/products?time=maybe").get_data(as_text=True)
    assert "Unknown TIME class" in body
    assert len(listed(stakeholder_client, "time=maybe")) == 5


def test_the_catalogue_shows_each_products_time_class(stakeholder_client, assessed):
    page = parse_html(stakeholder_client.get("/products").get_data(as_text=True))
    row = page.by_id(f"product-{assessed['migrate'].id}")
    assert "Migrate" in row.one(".time-class").text
    assert "not assessed" in page.by_id(f"product-{assessed['none'].id}").text


def test_the_filter_is_kept_in_pagination_and_downloads(stakeholder_client, make):
    for index in range(55):
        fit(make.product(name=f"Product {index:02}"), 4, 4)
    make.product(name="Unassessed")
    page = parse_html(stakeholder_client.get("/products?time=invest").get_data(as_text=True))
    assert page.one("[data-testid=result-count]").text == "55 products"
    assert "time=invest" in page.one(".pagination a[rel=next]")["href"]
    csv = stakeholder_client.get("/products.csv?time=invest").get_data(as_text=True)
    assert "Unassessed" not in csv and "Product 54" in csv
    assert page.one("select[name=time] option[selected]")["value"] == "invest"


def test_the_filter_is_a_subquery_not_python(app, assessed):
    query = sa.select(Product.id).where(products_in_time_class(TimeClass.INVEST))
    sql = str(query.compile(db.engine))
    assert "row_number" in sql.lower()
    assert db.session.execute(query).scalars().all() == [assessed["invest"].id]


def test_the_catalogue_query_count_does_not_grow_with_assessments(
    stakeholder_client, make, count_queries
):
    def statements() -> int:
        with count_queries() as queries:
            assert stakeholder_client.get("/products?time=invest").status_code == 200
        return len(queries)

    fit(make.product(), 4, 4)
    few = statements()
    for _ in range(15):
        product = make.product()
        fit(product, 1, 1, TODAY - timedelta(days=9))
        fit(product, 4, 4)
    assert statements() == few


# The dashboard's quadrant -------------------------------------------------------------


def test_the_dashboard_draws_each_product_in_its_quadrant(leader_client, assessed):
    page = parse_html(leader_client.get("/dashboard").get_data(as_text=True))
    section = page.by_id("time")
    drawn = {g["data-product"]: g["data-time"] for g in section.select("g.time-product")}
    assert drawn == {
        assessed[name].slug: name for name in ("invest", "migrate", "tolerate", "eliminate")
    }
    labels = [text.text for text in section.select("text.time-area-label")]
    assert sorted(labels) == ["Eliminate", "Invest", "Migrate", "Tolerate"]
    names = [text.text for text in section.select("text.time-name")]
    assert sorted(names) == ["Alpha", "Bravo", "Charlie", "Delta"]
    rows = section.select("[data-testid=time-table] tbody tr")
    assert [row.one("th").text for row in rows] == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert "Migrate" in rows[1].text
    counts = section.one("[data-testid=time-counts]").text
    assert "Invest 1" in " ".join(counts.split())


def test_a_retired_product_is_not_on_the_quadrant(leader_client, make):
    fit(make.product(name="Gone", stage=Stage.RETIRED), 1, 1)
    page = parse_html(leader_client.get("/dashboard").get_data(as_text=True))
    assert not page.by_id("time").select("g.time-product")
    assert "No product in use has been assessed yet" in page.by_id("time").text


def test_dots_sit_in_the_cell_of_their_fits(app, make):
    for functional, technical in [(1, 1), (4, 4), (3, 2), (2, 3)]:
        fit(make.product(name=f"F{functional} T{technical}"), functional, technical)
    drawn = time_quadrant(db.session)
    for dot in drawn.dots:
        left = GRID_LEFT + (dot.fit.technical_fit - 1) * CELL_WIDTH
        top = GRID_BOTTOM - dot.fit.functional_fit * CELL_HEIGHT
        cell = Box(left, top, left + CELL_WIDTH, top + CELL_HEIGHT)
        assert cell.contains(dot.x, dot.y), dot.product.name
        assert dot.label.box.inside(cell), dot.product.name


def test_products_sharing_a_cell_do_not_overlap_and_a_crowd_says_how_many_more(app, make):
    rows = []
    for index in range(PER_CELL + 4):
        product = Product(name=f"A rather long product name {index:02}", slug=f"p{index}")
        rows.append((product, FitAssessment(functional_fit=4, technical_fit=4)))
    drawn = draw(rows, len(rows), {})
    boxes = [dot.label.box for dot in drawn.dots]
    assert len(boxes) == PER_CELL - 1
    for index, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[index + 1 :])
        assert box.x1 <= GRID_LEFT + 4 * CELL_WIDTH
    assert [label.text for label in drawn.more] == ["+5 more"]
    assert drawn.dots == draw(rows, len(rows), {}).dots  # the same every time


def test_the_quadrant_is_bounded_with_a_count_of_the_rest(leader_client, make, monkeypatch):
    monkeypatch.setattr(time_quadrant, "__defaults__", (3,))
    for index in range(5):
        fit(make.product(name=f"Product {index}"), 3, 3)
    page = parse_html(leader_client.get("/dashboard").get_data(as_text=True))
    assert len(page.by_id("time").select("[data-testid=time-table] tbody tr")) == 3
    assert "2 more" in page.one("[data-testid=more-time]").text


def test_the_dashboard_query_count_does_not_grow_with_assessed_products(
    leader_client, make, count_queries
):
    def statements() -> int:
        with count_queries() as queries:
            assert leader_client.get("/dashboard").status_code == 200
        return len(queries)

    fit(make.product(), 4, 4)
    few = statements()
    for index in range(12):
        product = make.product()
        fit(product, 1 + index % 4, 1 + (index // 4) % 4)
        fit(product, 2, 2, TODAY - timedelta(days=30))
    assert statements() == few


def test_the_product_page_queries_do_not_grow_with_the_history(pm_client, make, count_queries):
    product = make.product(slug="ledger")
    fit(product, 3, 3, assessed_by=make.user("pm"))

    def statements() -> int:
        with count_queries() as queries:
            assert pm_client.get("/products/ledger").status_code == 200
        return len(queries)

    few = statements()
    for days in range(1, 30):
        fit(product, 1 + days % 4, 2, TODAY - timedelta(days=days), assessed_by=make.user("pm"))
    assert statements() == few
