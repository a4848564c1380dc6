"""Lifecycle dates (#18): planned and actual phase-in, live, phase-out and end
of life, and a bought product's end of vendor support; the portfolio
timeline of the next eight quarters; end of support within a year flagged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portfolio.architecture.lifecycle_dates import (
    InvalidLifecycleDates,
    SupportWarning,
    lifecycle_date_problems,
    months_between,
    save_lifecycle_dates,
    support_ending,
    support_warning,
)
from portfolio.architecture.timeline import (
    PLOT_LEFT,
    PLOT_RIGHT,
    milestones_of,
    portfolio_timeline,
    quarters_from,
)
from portfolio.extensions import db
from portfolio.models import Activity, Product, Sourcing, Stage, Verb
from tests.helpers import count_rows, parse_html

TODAY = date.today()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


# The rules ----------------------------------------------------------------------------


def test_dates_in_order_are_fine():
    dates = {
        "phase_in_planned": date(2025, 1, 1),
        "live_planned": date(2025, 3, 1),
        "phase_out_planned": date(2030, 1, 1),
        "end_of_life_planned": date(2031, 1, 1),
        "live_actual": date(2025, 2, 1),  # earlier than planned: fine
        "end_of_life_actual": date(2029, 1, 1),  # no phase-out recorded between: fine
    }
    assert lifecycle_date_problems(Sourcing.BUILT, dates) == {}


@pytest.mark.parametrize(
    "dates, field",
    [
        ({"phase_in_planned": date(2026, 5, 1), "live_planned": date(2026, 4, 1)}, "live_planned"),
        (
            {"live_actual": date(2026, 5, 1), "phase_out_actual": date(2026, 4, 30)},
            "phase_out_actual",
        ),
        # Compared with the latest given one, over a gap:
        (
            {"phase_in_actual": date(2026, 5, 1), "end_of_life_actual": date(2026, 1, 1)},
            "end_of_life_actual",
        ),
        ({"phase_in_planned": date(1989, 12, 31)}, "phase_in_planned"),
        ({"end_of_life_planned": date(2101, 1, 1)}, "end_of_life_planned"),
    ],
)
def test_dates_out_of_order_or_range_are_refused(dates, field):
    problems = lifecycle_date_problems(Sourcing.BOUGHT, dates)
    assert set(problems) == {field}


def test_the_message_names_the_date_it_must_follow():
    problems = lifecycle_date_problems(
        Sourcing.BUILT, {"phase_in_planned": date(2026, 5, 1), "live_planned": date(2026, 4, 1)}
    )
    assert problems["live_planned"] == (
        "Live (planned) cannot come before the phase-in (planned) on 01 May 2026."
    )


def test_only_bought_and_hybrid_products_have_an_end_of_support():
    dates = {"end_of_support": date(2027, 1, 1)}
    assert set(lifecycle_date_problems(Sourcing.BUILT, dates)) == {"end_of_support"}
    assert lifecycle_date_problems(Sourcing.BOUGHT, dates) == {}
    assert lifecycle_date_problems(Sourcing.HYBRID, dates) == {}


# Saving -------------------------------------------------------------------------------


def test_saving_records_what_changed(app, make, users):
    product = make.product(name="Ledger", sourcing=Sourcing.BOUGHT, live_actual=date(2020, 1, 1))
    changed = save_lifecycle_dates(
        db.session,
        users["pm"],
        product,
        phase_out_planned=date(2027, 1, 1),
        end_of_support=date(2027, 6, 30),
        live_actual=date(2020, 1, 1),  # unchanged
    )
    db.session.commit()
    assert changed == ["phase_out_planned", "end_of_support"]
    assert product.phase_out_planned == date(2027, 1, 1)
    entry = db.session.execute(
        sa.select(Activity).where(Activity.verb == Verb.LIFECYCLE_DATES_SAVED)
    ).scalar_one()
    assert entry.subject == "Ledger"
    assert entry.before == "Phase-out (planned) —; End of vendor support —"
    assert entry.after == "Phase-out (planned) 01 Jan 2027; End of vendor support 30 Jun 2027"


def test_saving_nothing_new_records_nothing(app, make, users):
    product = make.product(live_actual=date(2020, 1, 1))
    assert (
        save_lifecycle_dates(db.session, users["pm"], product, live_actual=date(2020, 1, 1)) == []
    )
    assert count_rows(Activity, Activity.verb == Verb.LIFECYCLE_DATES_SAVED) == 0


def test_the_dates_kept_are_checked_with_the_new_ones(app, make, users):
    product = make.product(live_actual=date(2024, 1, 1))
    with pytest.raises(InvalidLifecycleDates) as refused:
        save_lifecycle_dates(db.session, users["pm"], product, phase_in_actual=date(2024, 6, 1))
    assert set(refused.value.problems) == {"live_actual"}
    assert product.phase_in_actual is None
    assert count_rows(Activity, Activity.verb == Verb.LIFECYCLE_DATES_SAVED) == 0


def test_an_unknown_date_is_a_programming_error(app, make, users):
    with pytest.raises(TypeError):
        save_lifecycle_dates(db.session, users["pm"], make.product(), retired_on=TODAY)


# End of vendor support ----------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, months",
    [
        (date(2026, 1, 15), date(2026, 2, 14), 0),
        (date(2026, 1, 15), date(2026, 2, 15), 1),
        (date(2026, 1, 31), date(2026, 12, 31), 11),
        (date(2026, 11, 1), date(2027, 2, 1), 3),
    ],
)
def test_months_between(start, end, months):
    assert months_between(start, end) == months


@pytest.mark.parametrize(
    "ends_on, text",
    [
        (date(2026, 9, 1), "End of vendor support in 6 months (01 Sep 2026)"),
        (date(2026, 4, 2), "End of vendor support in 1 month (02 Apr 2026)"),
        (date(2026, 3, 2), "End of vendor support in 1 day (02 Mar 2026)"),
        (date(2026, 3, 1), "End of vendor support today (01 Mar 2026)"),
        (date(2026, 2, 1), "Vendor support ended on 01 Feb 2026"),
    ],
)
def test_the_warning_says_when(ends_on, text):
    assert SupportWarning(ends_on, date(2026, 3, 1)).text == text


def test_the_warning_comes_within_a_year_for_a_product_in_use_with_a_vendor():
    product = Product(sourcing=Sourcing.BOUGHT, stage=Stage.LIVE, end_of_support=days(365))
    assert support_warning(product, TODAY) is not None
    product.end_of_support = days(366)
    assert support_warning(product, TODAY) is None
    product.end_of_support = days(-10)
    assert support_warning(product, TODAY).ended
    product.stage = Stage.RETIRED
    assert support_warning(product, TODAY) is None


def test_support_ending_lists_the_soonest_first_bounded(app, make):
    make.product(name="Later", sourcing=Sourcing.BOUGHT, end_of_support=days(300))
    make.product(name="Sooner", sourcing=Sourcing.HYBRID, end_of_support=days(20))
    make.product(name="Ended", sourcing=Sourcing.BOUGHT, end_of_support=days(-5))
    make.product(name="Far", sourcing=Sourcing.BOUGHT, end_of_support=days(500))
    make.product(
        name="Retired", sourcing=Sourcing.BOUGHT, end_of_support=days(5), stage=Stage.RETIRED
    )
    found = support_ending(db.session, TODAY, limit=2)
    assert [product.name for product in found] == ["Ended", "Sooner"]
    assert found.total == 3


# The product page ---------------------------------------------------------------------


def test_the_page_shows_planned_and_actual_dates(stakeholder_client, make):
    make.product(
        slug="ledger",
        sourcing=Sourcing.BOUGHT,
        live_planned=date(2024, 3, 1),
        live_actual=date(2024, 4, 2),
        end_of_support=days(800),
    )
    page = parse_html(stakeholder_client.get("/products/ledger").get_data(as_text=True))
    section = page.by_id("lifecycle-dates")
    assert section.one("[data-testid=live-planned]").text == "01 Mar 2024"
    assert section.one("[data-testid=live-actual]").text == "02 Apr 2024"
    assert section.one("[data-testid=phase_out-planned]").text == "—"
    assert section.one("[data-testid=end-of-support]").text == f"{days(800):%d %b %Y}"
    assert not section.select("[data-testid=support-warning]")
    assert not section.select("form")  # not for a stakeholder


def test_the_page_warns_when_support_ends_within_a_year(stakeholder_client, make):
    make.product(slug="ledger", sourcing=Sourcing.BOUGHT, end_of_support=days(100))
    page = parse_html(stakeholder_client.get("/products/ledger").get_data(as_text=True))
    warning = page.one("[data-testid=support-warning]").text
    assert "End of vendor support in 3 months" in warning


def test_a_built_product_has_no_end_of_support_row_or_field(pm_client, make):
    make.product(slug="ledger", sourcing=Sourcing.BUILT)
    page = parse_html(pm_client.get("/products/ledger").get_data(as_text=True))
    section = page.by_id("lifecycle-dates")
    assert not section.select("[data-testid=end-of-support]")
    assert not section.select("input[name=end_of_support]")
    assert section.select("input[name=live_planned]")


# The form -----------------------------------------------------------------------------

EMPTY = {
    name: ""
    for name in (
        "phase_in_planned",
        "phase_in_actual",
        "live_planned",
        "live_actual",
        "phase_out_planned",
        "phase_out_actual",
        "end_of_life_planned",
        "end_of_life_actual",
        "end_of_support",
    )
}


def test_a_pm_saves_dates_without_javascript(pm_client, make):
    product = make.product(slug="ledger", sourcing=Sourcing.BOUGHT, live_actual=date(2020, 1, 1))
    data = EMPTY | {"phase_out_planned": "2027-01-31", "end_of_support": "2027-03-31"}
    response = pm_client.post("/products/ledger/lifecycle-dates", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/products/ledger#lifecycle-dates")
    db.session.refresh(product)
    assert product.phase_out_planned == date(2027, 1, 31)
    assert product.end_of_support == date(2027, 3, 31)
    assert product.live_actual is None  # emptied in the form
    assert count_rows(Activity, Activity.verb == Verb.LIFECYCLE_DATES_SAVED) == 1


def test_htmx_gets_the_section_back(pm_client, make):
    make.product(slug="ledger")
    response = pm_client.hx_post(
        "/products/ledger/lifecycle-dates", data=EMPTY | {"live_planned": "2027-01-31"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    section = parse_html(body).by_id("lifecycle-dates")
    assert "Lifecycle dates saved" in section.text
    assert section.one("[data-testid=live-planned]").text == "31 Jan 2027"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"live_planned": "2027-02-30"}, "live_planned", "Not a valid date"),
        ({"live_planned": "soon"}, "live_planned", "Not a valid date"),
        (
            {"phase_in_planned": "2027-05-01", "live_planned": "2027-04-01"},
            "live_planned",
            "cannot come before",
        ),
        ({"end_of_life_actual": "2101-01-01"}, "end_of_life_actual", "from 1990 to 2100"),
        ({"phase_in_actual": "1900-01-01"}, "phase_in_actual", "from 1990 to 2100"),
    ],
)
def test_bad_dates_are_shown_next_to_the_field(pm_client, make, changes, field, message):
    product = make.product(slug="ledger")
    for post in (pm_client.post, pm_client.hx_post):
        response = post("/products/ledger/lifecycle-dates", data=EMPTY | changes)
        assert response.status_code == 422
        page = parse_html(response.get_data(as_text=True))
        assert message in page.by_id(f"{field}-error").text
        assert "open" in page.by_id("lifecycle-dates").one("details").attrs
    db.session.refresh(product)
    assert product.live_planned is None and product.phase_in_planned is None
    assert count_rows(Activity, Activity.verb == Verb.LIFECYCLE_DATES_SAVED) == 0


def test_a_built_product_ignores_an_end_of_support_sent_anyway(pm_client, make):
    product = make.product(slug="ledger", sourcing=Sourcing.BUILT)
    response = pm_client.post(
        "/products/ledger/lifecycle-dates",
        data=EMPTY | {"end_of_support": "2027-01-01", "live_planned": "2027-01-01"},
    )
    assert response.status_code == 302
    db.session.refresh(product)
    assert product.end_of_support is None
    assert product.live_planned == date(2027, 1, 1)


def test_without_a_csrf_token_nothing_is_saved(pm_client, make):
    product = make.product(slug="ledger")
    response = pm_client.post(
        "/products/ledger/lifecycle-dates", data=EMPTY | {"live_planned": "2027-01-01"}, csrf=False
    )
    assert response.status_code == 400
    db.session.refresh(product)
    assert product.live_planned is None


def test_an_unknown_product_is_a_404(pm_client):
    assert pm_client.post("/products/no-such/lifecycle-dates", data=EMPTY).status_code == 404


@pytest.mark.parametrize("role", ["stakeholder", "leader"])
def test_only_the_product_team_saves_dates(client_as, make, role):
    product = make.product(slug="ledger")
    data = EMPTY | {"live_planned": "2027-01-01"}
    assert client_as(role).post("/products/ledger/lifecycle-dates", data=data).status_code == 403
    db.session.refresh(product)
    assert product.live_planned is None


# The timeline -------------------------------------------------------------------------


def test_eight_quarters_from_this_one():
    quarters = quarters_from(date(2026, 11, 20))
    assert [q.label for q in quarters] == [
        "Q4 2026",
        "Q1 2027",
        "Q2 2027",
        "Q3 2027",
        "Q4 2027",
        "Q1 2028",
        "Q2 2028",
        "Q3 2028",
    ]
    assert quarters[0].start == date(2026, 10, 1)
    assert quarters[-1].end == date(2028, 10, 1)


def test_a_milestone_is_the_actual_day_when_known():
    product = Product(live_planned=date(2026, 1, 1), live_actual=date(2026, 2, 1))
    product.phase_out_planned = date(2027, 1, 1)
    found = milestones_of(product)
    assert (found["live"].day, found["live"].actual) == (date(2026, 2, 1), True)
    assert (found["phase_out"].day, found["phase_out"].actual) == (date(2027, 1, 1), False)
    assert "phase_in" not in found


@pytest.fixture
def on_the_timeline(make):
    window = quarters_from(TODAY)
    start, end = window[0].start, window[-1].end
    return {
        "entering": make.product(
            name="Entering",
            phase_in_actual=start + timedelta(days=5),
            live_planned=start + timedelta(days=200),
        ),
        "leaving": make.product(
            name="Leaving",
            sourcing=Sourcing.BOUGHT,
            phase_out_planned=start + timedelta(days=300),
            end_of_life_planned=start + timedelta(days=400),
            end_of_support=days(100),
        ),
        "across": make.product(
            name="Across",
            phase_in_actual=start - timedelta(days=30),
            live_planned=end + timedelta(days=30),
        ),
        "before": make.product(name="Before", live_actual=start - timedelta(days=1)),
        "after": make.product(name="After", live_planned=end),
        "nothing": make.product(name="Nothing"),
    }


def test_the_timeline_holds_what_enters_or_leaves_in_the_window(app, on_the_timeline):
    timeline = portfolio_timeline(db.session, TODAY)
    assert [row.product.name for row in timeline.rows] == ["Across", "Entering", "Leaving"]


def test_bars_and_markers_sit_at_their_dates(app, on_the_timeline):
    timeline = portfolio_timeline(db.session, TODAY)
    rows = {row.product.name: row for row in timeline.rows}
    entering = rows["Entering"]
    (bar,) = entering.bars
    assert bar.kind == "entering" and not bar.actual  # live is still a plan
    phase_in = entering.milestones["phase_in"]
    assert bar.x0 == pytest.approx(timeline.x(phase_in.day))
    assert bar.x1 == pytest.approx(timeline.x(entering.milestones["live"].day))
    markers = {m.milestone.name: m for m in entering.markers}
    assert markers["phase_in"].milestone.actual and not markers["live"].milestone.actual
    assert markers["phase_in"].label.text == "Phase-in"
    across = rows["Across"].bars[0]
    assert (across.x0, across.x1) == (PLOT_LEFT, PLOT_RIGHT)
    assert across.open_start and across.open_end
    assert not rows["Across"].markers
    leaving = rows["Leaving"]
    assert leaving.bars[0].kind == "leaving"
    assert leaving.flag is not None and "within a year" in leaving.flag.text
    support = [m for m in leaving.markers if m.milestone.is_support]
    assert support and support[0].x == pytest.approx(timeline.x(days(100)))


def test_close_markers_drop_the_label_that_would_overlap(app, make):
    window = quarters_from(TODAY)
    day = window[2].start
    make.product(name="Tight", phase_in_planned=day, live_planned=day + timedelta(days=2))
    (row,) = portfolio_timeline(db.session, TODAY).rows
    labels = [marker.label for marker in row.markers]
    assert labels[0] is not None and labels[1] is None
    assert all(marker.x > 0 for marker in row.markers)


def test_the_timeline_page_draws_and_tables_the_same_facts(stakeholder_client, on_the_timeline):
    page = parse_html(stakeholder_client.get("/architecture/timeline").get_data(as_text=True))
    quarters = [text.text for text in page.select("text.timeline-heading")]
    assert quarters == [q.label for q in quarters_from(TODAY)]
    drawn = [g["data-product"] for g in page.select("g.timeline-row")]
    assert drawn == [on_the_timeline[name].slug for name in ("across", "entering", "leaving")]
    names = [text.text for text in page.select("text.timeline-name")]
    assert names == ["Across", "Entering", "Leaving"]
    assert page.select("rect.bar-planned") and page.select("polygon.marker-actual")
    assert page.select("line.timeline-support")
    assert "Support ends within a year" in page.one("text.timeline-flag").text
    rows = page.select("[data-testid=timeline-table] tbody tr")
    assert [row.one("th").text for row in rows] == ["Across", "Entering", "Leaving"]
    assert "within a year" in rows[2].text
    assert "planned" in rows[1].text


def test_an_empty_timeline_says_so(stakeholder_client):
    body = stakeholder_client.get("/architecture/timeline").get_data(as_text=True)
    assert "No product has a lifecycle date" in body


def test_the_timeline_is_bounded_with_a_count_of_the_rest(stakeholder_client, make, monkeypatch):
    monkeypatch.setattr(portfolio_timeline, "__kwdefaults__", {"quarters": 8, "limit": 2})
    for index in range(5):
        make.product(name=f"Product {index}", live_planned=days(30))
    page = parse_html(stakeholder_client.get("/architecture/timeline").get_data(as_text=True))
    assert len(page.select("g.timeline-row")) == 2
    assert "3 more" in page.one("[data-testid=more-timeline]").text


def test_the_timeline_query_count_does_not_grow(stakeholder_client, make, count_queries):
    def statements() -> int:
        with count_queries() as queries:
            assert stakeholder_client.get("/architecture/timeline").status_code == 200
        return len(queries)

    owner = make.user("pm")
    make.product(live_planned=days(30), owner=owner)
    few = statements()
    for index in range(20):
        make.product(
            sourcing=Sourcing.BOUGHT,
            phase_out_planned=days(40 + index),
            end_of_support=days(200),
            owner=make.user("pm"),
        )
    assert statements() == few


# The dashboard ------------------------------------------------------------------------


def test_the_dashboard_lists_support_ending_within_a_year(leader_client, make):
    make.product(
        name="Ledger",
        slug="ledger",
        sourcing=Sourcing.BOUGHT,
        vendor="Acme",
        end_of_support=days(60),
    )
    make.product(name="Far", sourcing=Sourcing.BOUGHT, end_of_support=days(600))
    page = parse_html(leader_client.get("/dashboard").get_data(as_text=True))
    items = page.select("[data-testid=support-ending] li")
    assert [item.one("a").text for item in items] == ["Ledger"]
    assert f"ends {days(60):%d %b %Y}" in items[0].text
    assert page.by_id("support-ending").select("a[href='/architecture/timeline']")
