"""Every dashboard table as rows for its CSV and XLSX downloads: numbers stay
numbers (amounts rounded to cents), dates stay dates (ISO text in the CSV,
date cells in the XLSX)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from portfolio.dashboard import benefits, measured_cards, rollups
from portfolio.dashboard.health import HealthSort, health_table
from portfolio.dashboard.satisfaction import satisfaction_rollup


def stages_table(session: Session, today: date) -> list[list]:
    glance = rollups.portfolio_at_a_glance(session)
    rows = [["group", "value", "products"]]
    rows += [["stage", stage.label, count] for stage, count in glance["stages"]]
    rows += [["sourcing", sourcing.label, count] for sourcing, count in glance["sourcing"]]
    return rows


def usage_table(session: Session, today: date) -> list[list]:
    """People using each product, per department, with the department's
    headcount and how many products it uses; the last row: people using each
    product across departments."""
    matrix = rollups.usage_matrix(session)
    rows = [["department", *[p.name for p in matrix.products], "headcount", "products_used"]]
    for department in matrix.departments:
        rows.append(
            [
                department.name,
                *[matrix.users(department.id, p.id) for p in matrix.products],
                department.headcount,
                matrix.products_used.get(department.id, 0),
            ]
        )
    rows.append(
        [
            "people using the product",
            *[matrix.column_totals.get(p.id, 0) for p in matrix.products],
            "",
            "",
        ]
    )
    return rows


def measures_table(session: Session, today: date) -> list[list]:
    rows = [
        ["product", "measure", "status", "baseline", "target", "target_date", "latest", "latest_on"]
    ]
    for group in rollups.measures_worst_first(session, today):
        for measure, status in group.measures:
            latest = measure.latest_reading
            rows.append(
                [
                    group.product.name,
                    measure.name,
                    status.label,
                    measure.baseline,
                    measure.target,
                    measure.target_date,
                    latest.value if latest else "",
                    latest.taken_on if latest else "",
                ]
            )
    return rows


def value_table(session: Session, today: date) -> list[list]:
    """Expected value: the cards' estimates, not measured."""
    rows = [
        [
            "bucket",
            "product",
            "item",
            "shipped_on",
            "expected_hours_saved_per_month",
            "expected_cost_saved_per_year",
        ]
    ]
    for bucket in benefits.expected_value(session, today):
        for item in bucket.items:
            rows.append(
                [
                    bucket.label,
                    item.product.name,
                    item.title,
                    item.shipped_on if item.shipped_on else "",
                    item.hours_saved_per_month,
                    round(item.cost_saved_per_year, 2),
                ]
            )
        rows.append(
            [bucket.label, "", "TOTAL", "", bucket.hours_per_month, round(bucket.cost_per_year, 2)]
        )
    return rows


def _number(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def benefits_table(session: Session, today: date) -> list[list]:
    """Measured change since shipping, card by card (see `measured`)."""
    rows = [
        [
            "product",
            "item",
            "shipped_on",
            "measure",
            "unit",
            "promised_change",
            "value_at_ship",
            "before_method",
            "before_from",
            "before_to",
            "observation_days",
            "first_reading_due",
            "latest_since",
            "latest_on",
            "measured_change",
            "share_of_promise_percent",
            "verdict",
        ]
    ]
    for check in measured_cards.measured_checks(session, today):
        outcome = check.outcome
        before, after = outcome.before, outcome.after
        rows.append(
            [
                check.item.product.name,
                check.item.title,
                check.item.shipped_on,
                check.measure.name,
                check.measure.unit_label or check.measure.unit.value,
                outcome.promised,
                _number(before.value),
                before.method.value,
                before.start,
                before.end if before.end else "",
                outcome.window_days,
                outcome.first_reading_due,
                "" if after is None else after.value,
                after.taken_on if after else "",
                _number(outcome.change),
                "" if outcome.share_percent is None else outcome.share_percent,
                outcome.text,
            ]
        )
    return rows


def renewals_table(session: Session, today: date) -> list[list]:
    rows = [
        [
            "product",
            "vendor",
            "renewal_date",
            "annual_cost",
            "seats_bought",
            "seats_used",
            "unused_seats",
        ]
    ]
    for renewal in benefits.renewals_due(session, today):
        rows.append(
            [
                renewal.product.name,
                renewal.contract.vendor,
                renewal.contract.renewal_date,
                round(renewal.contract.annual_cost, 2),
                renewal.contract.seats_bought,
                renewal.seats_used,
                renewal.unused_seats,
            ]
        )
    return rows


def demand_departments_table(session: Session, today: date) -> list[list]:
    return [["department", "open_requests", "votes"]] + [
        [row.name, row.open_requests, row.votes] for row in rollups.demand_by_department(session)
    ]


def demand_products_table(session: Session, today: date) -> list[list]:
    return [["product", "open_requests", "votes"]] + [
        [row.name, row.open_requests, row.votes] for row in rollups.demand_by_product(session)
    ]


def top_requests_table(session: Session, today: date) -> list[list]:
    return [["id", "title", "product", "department", "status", "votes"]] + [
        [
            request.id,
            request.title,
            request.product.name,
            request.department.name if request.department else "",
            request.status.label,
            votes,
        ]
        for request, votes in rollups.top_open_requests(session)
    ]


def shipped_table(session: Session, today: date) -> list[list]:
    return [["shipped_on", "product", "item", "release_note"]] + [
        [item.shipped_on, item.product.name, item.title, item.release_note or ""]
        for item in rollups.shipped_this_quarter(session, today)
    ]


def health_csv(session: Session, today: date) -> list[list]:
    satisfaction = satisfaction_rollup(session, today, limit=None)
    measure_groups = rollups.measures_worst_first(session, today)
    rows = [
        [
            "product",
            "stage",
            "off_track",
            "at_risk",
            "on_track",
            "no_data",
            "nps",
            "nps_answers",
            "open_requests",
            "votes",
            "next_renewal",
        ]
    ]
    for row in health_table(session, measure_groups, satisfaction, HealthSort(), limit=None):
        score = row.nps.latest
        rows.append(
            [
                row.product.name,
                row.product.stage.label,
                row.off_track,
                row.at_risk,
                row.on_track,
                row.no_data,
                "" if score.score is None else score.score,
                score.answers,
                row.open_requests,
                row.votes,
                row.renewal if row.renewal else "",
            ]
        )
    return rows


def satisfaction_csv(session: Session, today: date) -> list[list]:
    rollup = satisfaction_rollup(session, today, limit=None)
    rows = [["product", "quarter", "nps", "answers", "previous_quarter", "previous_nps", "change"]]
    entries = [("All products", rollup.overall)] + [
        (row.product.name, row.trend) for row in rollup.rows
    ]
    for name, trend in entries:
        rows.append(
            [
                name,
                rollup.quarter,
                "" if trend.latest.score is None else trend.latest.score,
                trend.latest.answers,
                rollup.previous_quarter,
                "" if trend.previous.score is None else trend.previous.score,
                "" if trend.change is None else trend.change,
            ]
        )
    return rows


TABLES: dict[str, tuple[str, Callable[[Session, date], list[list]]]] = {
    "portfolio": ("Products by stage and sourcing", stages_table),
    "health": ("Product health", health_csv),
    "satisfaction": ("Satisfaction (NPS)", satisfaction_csv),
    "usage": ("Usage matrix", usage_table),
    "measures": ("Success measures", measures_table),
    "value": ("Expected value (estimates of shipped cards)", value_table),
    "benefits": ("Measured change since shipping", benefits_table),
    "renewals": ("Renewals due", renewals_table),
    "demand-departments": ("Demand by department", demand_departments_table),
    "demand-products": ("Demand by product", demand_products_table),
    "top-requests": ("Most-voted open requests", top_requests_table),
    "shipped": ("Shipped this quarter", shipped_table),
}
