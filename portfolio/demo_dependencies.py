"""The demo organisation's dependencies and interfaces (#18): what its
products need from each other and the data that flows between them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.models import (
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    Product,
    ProductDependency,
    User,
)

API, FILE, EVENT, MANUAL = (
    InterfaceMethod.API,
    InterfaceMethod.FILE,
    InterfaceMethod.EVENT,
    InterfaceMethod.MANUAL,
)
REAL_TIME, HOURLY, DAILY, WEEKLY, MONTHLY = (
    InterfaceFrequency.REAL_TIME,
    InterfaceFrequency.HOURLY,
    InterfaceFrequency.DAILY,
    InterfaceFrequency.WEEKLY,
    InterfaceFrequency.MONTHLY,
)
PM, MARCO = "pm@demo.example", "marco.bianchi@demo.example"

# (product, the product it needs, why)
DEMO_DEPENDENCIES = [
    ("sales-crm", "access-guard", "Single sign-on for every sales user"),
    ("finance-erp", "access-guard", "Single sign-on and approval roles"),
    ("warehouse-wms", "access-guard", "Single sign-on on the handheld scanners"),
    ("people-hris", "access-guard", "Single sign-on"),
    ("insights-bi", "access-guard", "Single sign-on and row-level access"),
    ("close-assistant", "finance-erp", "Reads the ledger and posts accruals"),
    ("warehouse-wms", "finance-erp", "Stock valuation is booked in the ERP"),
    ("ops-monitoring", "team-chat", "Alerts go to the on-call channel"),
    ("desk-booking", "people-hris", "Who works where, and their teams"),
    ("expense-legacy", "finance-erp", "Posted approved expenses"),
]

# (provider, consumer, data, method, frequency, owner email, note)
DEMO_INTERFACES = [
    (
        "people-hris",
        "access-guard",
        "Joiners, movers and leavers",
        EVENT,
        REAL_TIME,
        PM,
        "Accounts are opened and closed from these events",
    ),
    ("people-hris", "finance-erp", "Employees and cost centres", API, DAILY, MARCO, ""),
    ("sales-crm", "finance-erp", "Closed deals for invoicing", API, HOURLY, PM, ""),
    (
        "finance-erp",
        "sales-crm",
        "Invoice and payment status",
        API,
        HOURLY,
        PM,
        "Shown on the account page",
    ),
    (
        "warehouse-wms",
        "finance-erp",
        "Stock movements",
        FILE,
        DAILY,
        MARCO,
        "Nightly CSV drop on the finance SFTP",
    ),
    ("finance-erp", "close-assistant", "Trial balance", API, DAILY, MARCO, ""),
    ("finance-erp", "insights-bi", "General ledger", FILE, DAILY, MARCO, ""),
    ("sales-crm", "insights-bi", "Pipeline and bookings", API, DAILY, PM, ""),
    ("warehouse-wms", "insights-bi", "Orders picked and shipped", FILE, DAILY, MARCO, ""),
    (
        "people-hris",
        "insights-bi",
        "Headcount by department",
        FILE,
        MONTHLY,
        PM,
        "Aggregated: no personal data",
    ),
    ("ops-monitoring", "team-chat", "Alerts", EVENT, REAL_TIME, MARCO, ""),
    ("people-hris", "desk-booking", "Teams and office locations", API, WEEKLY, PM, ""),
    (
        "expense-legacy",
        "finance-erp",
        "Approved expense claims",
        MANUAL,
        MONTHLY,
        None,
        "Re-keyed by accounts payable until the tool was retired",
    ),
]


def seed_dependencies(
    session: Session, products: dict[str, Product], users: dict[str, User]
) -> None:
    """Add the demo's dependencies and interfaces (no trail entries: the
    demo's history starts with them in place)."""
    for slug, needs, note in DEMO_DEPENDENCIES:
        session.add(
            ProductDependency(product=products[slug], depends_on=products[needs], note=note)
        )
    for provider, consumer, data, method, frequency, owner, note in DEMO_INTERFACES:
        session.add(
            Interface(
                provider=products[provider],
                consumer=products[consumer],
                data=data,
                method=method,
                frequency=frequency,
                owner=users[owner] if owner else None,
                note=note,
            )
        )
