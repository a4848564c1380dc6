"""The demo organisation's fit assessments (with some history) and lifecycle
dates (#18): the legacy products Migrate or Eliminate, the modern ones
Invest; an ERP whose vendor support ends within the year; products entering
and leaving service over the timeline's eight quarters. Dates are relative to
today, so the demo always looks current."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from portfolio.models import FitAssessment, Product

# slug: [(days ago, functional, technical, note)], oldest first; the last is current.
DEMO_ASSESSMENTS = {
    "sales-crm": [
        (400, 3, 3, "Pipeline reports still built by hand in spreadsheets."),
        (
            60,
            4,
            4,
            "Forecasting module adopted by every account team; SSO and audit logs in place.",
        ),
    ],
    "finance-erp": [
        (730, 3, 3, "Stable after the last upgrade."),
        (
            90,
            3,
            2,
            "Does the job, but the on-premise release leaves vendor support soon: move to the cloud edition.",
        ),
    ],
    "warehouse-wms": [
        (120, 3, 2, "Pick and pack flows fit; custom extensions block upgrades."),
    ],
    "people-hris": [(150, 4, 3, "Self-service adopted; integrations are solid.")],
    "close-assistant": [(30, 3, 4, "Early, but the first close on it went well.")],
    "insights-bi": [
        (380, 2, 3, "Few trusted dashboards; most teams still export to spreadsheets."),
        (45, 3, 3, "Certified data sets now cover finance and sales."),
    ],
    "team-chat": [(200, 2, 4, "Sound platform; overlaps with the email and intranet tools.")],
    "access-guard": [(75, 4, 3, "Every new product signs in through it.")],
    "ops-monitoring": [(100, 3, 4, "Alerting reaches the on-call rota; dashboards are sprawling.")],
    "expense-legacy": [(300, 1, 1, "Unsupported framework and a process the ERP now covers.")],
}

# slug: lifecycle dates in days from today (negative: past), planned and actual.
DEMO_LIFECYCLE = {
    "sales-crm": {"phase_in_actual": -1500, "live_actual": -1380},
    "finance-erp": {
        "phase_in_actual": -3100,
        "live_actual": -2950,
        "phase_out_planned": 420,
        "end_of_life_planned": 640,
        "end_of_support": 240,
    },
    "warehouse-wms": {
        "live_actual": -2200,
        "phase_out_planned": 500,
        "end_of_life_planned": 700,
        "end_of_support": 310,
    },
    "people-hris": {"phase_in_actual": -1200, "live_actual": -1100, "end_of_support": 900},
    "close-assistant": {
        "phase_in_planned": -60,
        "phase_in_actual": -45,
        "live_planned": 130,
    },
    "insights-bi": {"live_actual": -760},
    "team-chat": {"live_actual": -1800, "phase_out_planned": 560},
    "access-guard": {"phase_in_actual": -620, "live_actual": -540},
    "desk-booking": {"phase_in_planned": 200, "live_planned": 420},
    "ops-monitoring": {"live_actual": -700, "end_of_support": 600},
    "expense-legacy": {"phase_out_actual": -420, "end_of_life_actual": -240},
}


def seed_fit(session: Session, products: dict[str, Product], today: date) -> None:
    """Assessments by each product's owner, and the lifecycle dates."""
    for slug, assessments in DEMO_ASSESSMENTS.items():
        product = products[slug]
        for days_ago, functional, technical, note in assessments:
            session.add(
                FitAssessment(
                    product=product,
                    functional_fit=functional,
                    technical_fit=technical,
                    assessed_on=today - timedelta(days=days_ago),
                    note=note,
                    assessed_by=product.owner,
                )
            )
    for slug, dates in DEMO_LIFECYCLE.items():
        product = products[slug]
        for name, days in dates.items():
            setattr(product, name, today + timedelta(days=days))
    session.flush()
