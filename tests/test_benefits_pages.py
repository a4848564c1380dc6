"""Expected and measured value where people read them: the observation window
on the card form, the dashboard's two sections, the product page's shipped
work, and a card's detail."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import Activity, Column, Direction, RoadmapItem, Unit
from tests.helpers import count_rows, input_value, parse_html

TODAY = date.today()


def item_data(product, **overrides) -> dict:
    data = {
        "product_id": str(product.id),
        "title": "Match invoices automatically",
        "description": "",
        "column": "next",
        "owner_id": "",
        "reach": "400",
        "impact": "2",
        "confidence": "80",
        "effort": "4",
        "hours_saved_per_month": "30",
        "cost_saved_per_year": "1200",
        "measure_id": "",
        "expected_change": "",
        "observation_days": "60",
    }
    data.update(overrides)
    return data


def field_error(html: str, field: str) -> str:
    found = parse_html(html).select(f"small.field-error#{field}-error")
    return found[0].text if found else ""


# The observation window on the card form ----------------------------------------------


def test_the_new_card_form_offers_a_60_day_window(pm_client, make):
    html = pm_client.get("/board/items/new").text
    assert input_value(html, "observation_days") == "60"
    assert "Observation window (days)" in html


@pytest.mark.parametrize("typed", ["0", "731", "-5", "ninety", "", "1e3", "30.5"])
def test_a_window_out_of_bounds_is_refused_next_to_the_field(pm_client, make, typed):
    product = make.product()
    response = pm_client.post("/board/items/new", data=item_data(product, observation_days=typed))
    assert response.status_code == 422
    assert "Enter a whole number of days from 1 to 730." in field_error(
        response.text, "observation_days"
    )
    assert count_rows(RoadmapItem) == 0


@pytest.mark.parametrize("typed, saved", [("1", 1), ("730", 730), ("90", 90)])
def test_a_window_within_bounds_is_saved(pm_client, make, typed, saved):
    product = make.product()
    response = pm_client.post("/board/items/new", data=item_data(product, observation_days=typed))
    assert response.status_code == 302
    assert db.session.execute(sa.select(RoadmapItem.observation_days)).scalar_one() == saved


def test_changing_the_window_is_recorded_like_any_field(pm_client, make):
    item = make.item(make.product(), column=Column.NOW, title="Close faster")
    response = pm_client.post(
        f"/board/items/{item.id}/edit",
        data=item_data(
            item.product,
            title="Close faster",
            reach="100",
            impact="1",
            effort="2",
            hours_saved_per_month="0",
            cost_saved_per_year="0",
            observation_days="90",
            version=str(item.version),
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoadmapItem, item.id).observation_days == 90
    edit = db.session.execute(
        sa.select(Activity).where(Activity.item_id == item.id, Activity.verb == "item_edited")
    ).scalar_one()
    assert "observation window (days): 60" in edit.before
    assert "observation window (days): 90" in edit.after


def test_a_bad_window_on_edit_keeps_the_card(pm_client, make):
    item = make.item(make.product(), column=Column.NOW, title="Close faster")
    response = pm_client.post(
        f"/board/items/{item.id}/edit",
        data=item_data(item.product, observation_days="731", version=str(item.version)),
    )
    assert response.status_code == 422 and field_error(response.text, "observation_days")
    db.session.expire_all()
    assert db.session.get(RoadmapItem, item.id).observation_days == 60


# Shipped cards with a measure --------------------------------------------------------


@pytest.fixture
def shipped(make):
    """A product with a 'lower is better' measure and three shipped cards: one
    judged (delivered), one too early, one without a measure."""
    product = make.product(name="Sales CRM")
    measure = make.measure(
        product,
        name="Hours to build the forecast",
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        baseline=12,
        baseline_date=TODAY - timedelta(days=400),
        target=4,
        readings=[(TODAY - timedelta(days=200), 10), (TODAY - timedelta(days=1), 6)],
    )
    judged = make.item(
        product,
        column=Column.SHIPPED,
        title="Pipeline view",
        shipped_on=TODAY - timedelta(days=200),
        measure=measure,
        expected_change=-4,
        hours_saved_per_month=30,
        cost_saved_per_year=Decimal("1200"),
    )
    early = make.item(
        product,
        column=Column.SHIPPED,
        title="Forecast export",
        shipped_on=TODAY - timedelta(days=10),
        measure=measure,
        expected_change=-1,
    )
    plain = make.item(
        product,
        column=Column.SHIPPED,
        title="Dark mode",
        shipped_on=TODAY - timedelta(days=5),
        hours_saved_per_month=2,
    )
    return product, measure, judged, early, plain


def due_text(days_from_today: int) -> str:
    return (TODAY + timedelta(days=days_from_today)).strftime("%d %b %Y")


def test_the_dashboard_shows_expected_and_measured_apart(leader_client, shipped):
    html = leader_client.get("/dashboard").text
    page = parse_html(html)
    headings = [page.one(f"section#{id_} h2").text for id_ in ("value", "benefits")]
    assert headings[0].startswith("Expected value") and "estimates of shipped cards" in headings[0]
    assert headings[1].startswith("Measured change since shipping")
    assert "Value delivered" not in html and "Benefits check" not in html
    rows = {row.one("a").text: row.text for row in page.select("[data-testid=benefits] tbody tr")}
    assert set(rows) == {"Pipeline view", "Forecast export"}
    classes = {
        row.one("a").text: row["class"] for row in page.select("[data-testid=benefits] tbody tr")
    }
    assert classes == {"Pipeline view": "verdict-delivered", "Forecast export": "verdict-too-early"}
    assert f"Too early — first reading due {due_text(50)}" in rows["Forecast export"]
    judged = rows["Pipeline view"]
    assert "Delivered (100 %)" in judged and "-4 hours" in judged
    assert f"reading of {due_text(-200)}" in judged and due_text(-1) in judged
    this_year = date(TODAY.year, 1, 1)
    counted = [
        f"1 {short}"
        for short, shipped_on in (
            ("delivered", TODAY - timedelta(200)),
            ("too early", TODAY - timedelta(10)),
        )
        if shipped_on >= this_year
    ]
    summary = page.select("[data-testid=measured-summary]")
    assert (summary[0].text.split(":", 1)[1].strip() if summary else "") == " · ".join(counted)


def test_the_product_page_lists_shipped_work_expected_and_measured(pm_client, shipped):
    product = shipped[0]
    page = parse_html(pm_client.get(f"/products/{product.slug}").text)
    section = page.one("section#shipped-value")
    assert section.one("h2").text == "Shipped work: expected and measured"
    rows = [row.text for row in section.select("tbody tr")]
    assert [row.split("shipped")[0].strip() for row in rows] == [
        "Dark mode",
        "Forecast export",
        "Pipeline view",
    ]
    assert "2 hours/month" in rows[0] and "No success measure linked" in rows[0]
    assert f"Too early — first reading due {due_text(50)}" in rows[1]
    assert "30 hours/month" in rows[2] and "Delivered (100 %)" in rows[2]
    # It follows the measures section.
    ids = [element.get("id") for element in page.select("section")]
    assert ids.index("shipped-value") == ids.index("measures") + 1


def test_the_product_page_says_how_many_more_shipped(pm_client, make, shipped):
    product = shipped[0]
    for n in range(4):
        make.item(
            product, column=Column.SHIPPED, title=f"Old {n}", shipped_on=TODAY - timedelta(300)
        )
    section = parse_html(pm_client.get(f"/products/{product.slug}").text).one(
        "section#shipped-value"
    )
    assert len(section.select("tbody tr")) == 5
    more = section.one("[data-testid=more-shipped-value]")
    assert "2 more shipped" in more.text
    assert f"product={product.id}" in more.one("a")["href"]


def test_a_product_without_shipped_work_says_so(pm_client, make):
    product = make.product(name="Quiet")
    section = parse_html(pm_client.get(f"/products/{product.slug}").text).one(
        "section#shipped-value"
    )
    assert "Nothing of Quiet has shipped from the roadmap yet." in section.text


def test_the_product_page_queries_do_not_grow_with_shipped_cards(pm_client, make, count_queries):
    product = make.product()
    measure = make.measure(product, readings=[(TODAY - timedelta(days=100), 80)])

    def ship(count: int) -> None:
        for n in range(count):
            make.item(
                product,
                column=Column.SHIPPED,
                shipped_on=TODAY - timedelta(days=n + 1),
                measure=None if n % 2 else measure,  # the first has a measure
                expected_change=None if n % 2 else -3,
            )

    def queries() -> int:
        with count_queries() as statements:
            assert pm_client.get(f"/products/{product.slug}").status_code == 200
        return len(statements)

    ship(1)
    one = queries()
    ship(12)
    assert queries() == one


def test_the_card_detail_says_expected_and_measured(client_as, shipped):
    _, _, judged, early, plain = shipped
    client = client_as("stakeholder")
    page = parse_html(client.get(f"/board/items/{judged.id}").text)
    expected = page.one("[data-testid=expected-value]").text
    assert "Expected: 30 hours/month" in expected and "1,200/year (estimate)" in expected
    assert "judged 60 days after shipping" in expected
    measured = page.one("[data-testid=measured]").text
    assert measured.strip().startswith("Measured: -4 hours")
    assert f"10 hours on {due_text(-200)}" in measured and "Delivered (100 %)" in measured
    early_page = parse_html(client.get(f"/board/items/{early.id}").text)
    assert (
        f"Too early — first reading due {due_text(50)}"
        in early_page.one("[data-testid=measured]").text
    )
    plain_html = client.get(f"/board/items/{plain.id}").text
    assert "Expected: 2 hours/month" in plain_html
    assert 'data-testid="measured"' not in plain_html


def test_the_demo_has_measured_verdicts_and_too_early_ones(leader_client, demo):
    page = parse_html(leader_client.get("/dashboard").text)
    verdicts = [row.select("td")[-1].text for row in page.select("[data-testid=benefits] tbody tr")]
    assert any(verdict.startswith("Too early — first reading due") for verdict in verdicts)
    measured = [v for v in verdicts if not v.startswith(("Too early", "Reading overdue", "No "))]
    assert len(set(measured)) >= 2  # e.g. partly delivered and little change
