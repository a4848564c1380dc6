"""The demo organisation's business capabilities (#18): a process-oriented
tree ("Order to cash", "Hire to retire"…) with the demo products mapped to
what they serve — including capabilities that two live products serve
(consolidation candidates) and capabilities that no live product serves
(gaps)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import Capability, Product, product_capability

# (name, description, product slugs, sub-capabilities): three levels at most.
DEMO_CAPABILITIES = [
    (
        "Order to cash",
        "From a customer's first quote to the cash in the bank.",
        [],
        [
            ("Quote", "Prices, discounts and proposals for customers.", ["sales-crm"], []),
            ("Order", "Taking and confirming customer orders.", ["sales-crm", "finance-erp"], []),
            ("Fulfil and ship", "Getting ordered goods out of the door.", ["warehouse-wms"], []),
            ("Invoice", "Billing customers for what shipped.", ["finance-erp"], []),
            ("Collect", "Credit control, dunning and cash allocation.", [], []),
        ],
    ),
    (
        "Procure to pay",
        "Buying what the business needs and paying for it.",
        [],
        [
            (
                "Requisition and purchase",
                "Purchase requests, approvals and orders.",
                ["finance-erp"],
                [],
            ),
            ("Receive goods", "Checking in what suppliers deliver.", ["warehouse-wms"], []),
            ("Pay suppliers", "Matching invoices and paying on time.", ["finance-erp"], []),
            (
                "Travel and expenses",
                "Claims, approvals and reimbursements.",
                ["finance-erp", "expense-legacy"],
                [],
            ),
        ],
    ),
    (
        "Hire to retire",
        "Everything about people, from recruiting to leaving.",
        [],
        [
            ("Recruit", "Vacancies, candidates and offers.", [], []),
            (
                "Joiners, movers and leavers",
                "Accounts and access that follow people's moves.",
                ["people-hris", "access-guard"],
                [],
            ),
            ("Absence and time", "Holidays, sickness and working time.", ["people-hris"], []),
            ("Performance and learning", "Reviews, goals and training.", ["people-hris"], []),
        ],
    ),
    (
        "Record to report",
        "Keeping the books and telling the business how it is doing.",
        [],
        [
            ("General ledger", "Journals, accounts and legal entities.", ["finance-erp"], []),
            (
                "Month-end close",
                "Reconciliations, accruals and sign-offs.",
                ["finance-erp", "close-assistant"],
                [],
            ),
            (
                "Management reporting",
                "Dashboards and figures for decisions.",
                ["insights-bi", "finance-erp"],
                [],
            ),
        ],
    ),
    (
        "Plan to fulfil",
        "Planning stock and running the warehouses.",
        [],
        [
            ("Demand planning", "Forecasts that drive purchasing and stock.", [], []),
            ("Inventory management", "What is in stock, where.", ["warehouse-wms"], []),
            (
                "Warehouse operations",
                "The distribution centres' daily work.",
                [],
                [
                    ("Receive and put away", "", ["warehouse-wms"], []),
                    ("Pick and pack", "", ["warehouse-wms"], []),
                    ("Ship", "", ["warehouse-wms"], []),
                ],
            ),
        ],
    ),
    (
        "Service management",
        "Keeping the tools and workplace the business runs on working.",
        [],
        [
            (
                "Incidents and on-call",
                "Alerts, incidents and who answers them.",
                ["ops-monitoring"],
                [],
            ),
            ("Internal communication", "Chat, channels and announcements.", ["team-chat"], []),
            ("Identity and access", "Who may use what, reviewed.", ["access-guard"], []),
            ("Workplace and facilities", "Desks, rooms and parking.", ["desk-booking"], []),
        ],
    ),
]


def seed_capabilities(session: Session) -> None:
    """The tree and its mappings (the demo products must exist)."""
    slugs = dict(session.execute(sa.select(Product.slug, Product.id)).all())
    mappings: list[dict[str, int]] = []

    def add(entries, parent: Capability | None) -> None:
        for position, (name, description, products, children) in enumerate(entries):
            capability = Capability(
                name=name, description=description, parent=parent, position=position
            )
            session.add(capability)
            session.flush()
            mappings.extend(
                {"product_id": slugs[slug], "capability_id": capability.id}
                for slug in products
                if slug in slugs
            )
            add(children, capability)

    add(DEMO_CAPABILITIES, None)
    if mappings:
        session.execute(sa.insert(product_capability), mappings)
