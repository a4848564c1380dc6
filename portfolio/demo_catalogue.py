"""The demo organisation's internal products: what a real portfolio looks like."""

from __future__ import annotations

from decimal import Decimal

# Each measure: name, unit, direction, baseline, target, months to target
# after today, and the shape of its readings: the share of the way from
# baseline to target reached by the latest reading (on track ≈ ahead of the
# calendar, at risk a little behind, off track far behind or going backwards).
DEMO_PRODUCTS = [
    {
        "slug": "sales-crm", "name": "Sales CRM", "category": "crm", "stage": "live",
        "sourcing": "bought", "vendor": "Salesforce", "owner": "pm@demo.example",
        "summary": "Accounts, opportunities and the sales pipeline for every account team.",
        "tags": ["sales", "pipeline", "forecasting"],
        "docs_url": "https://wiki.demo.example/sales-crm",
        "value": {
            "problem": "Pipeline lived in 40 personal spreadsheets; the weekly forecast took a day to assemble and was stale by Monday.",
            "for_whom": "Account executives, sales managers and the CFO's forecasting team.",
            "value": "One pipeline everyone trusts: the forecast is a report, not a project, and handovers between reps lose nothing.",
            "replaces": "Personal spreadsheets and the Friday forecast email chain.",
        },
        "usage": [("Sales", "primary", 118), ("Marketing", "occasional", 22), ("Customer Service", "occasional", 30), ("Finance", "occasional", 6)],
        "contract": {"vendor": "Salesforce", "annual_cost": Decimal("186000"), "seats_bought": 200, "renewal_in_days": 54},
        "measures": [
            ("Hours to build the weekly forecast", "hours", "lower", 9, 1, 6, 0.95),
            ("Opportunities with a next step", "percent", "higher", 41, 85, 6, 0.62),
            ("Active users among account teams", "percent", "higher", 55, 95, 3, 1.02),
        ],
    },
    {
        "slug": "finance-erp", "name": "Finance ERP", "category": "erp", "stage": "live",
        "sourcing": "bought", "vendor": "SAP", "owner": "pm@demo.example",
        "summary": "General ledger, purchasing and fixed assets for all legal entities.",
        "tags": ["finance", "month-end", "sox"],
        "docs_url": "https://wiki.demo.example/erp",
        "value": {
            "problem": "Month-end close took 11 working days because three entities ran on different ledgers and intercompany was reconciled by hand.",
            "for_whom": "The finance team, controllers and the auditors who rely on their numbers.",
            "value": "A single ledger with automated intercompany matching: close in 5 days and a clean audit trail for SOX.",
            "replaces": "Three local accounting packages and an intercompany workbook.",
        },
        "usage": [("Finance", "primary", 40), ("Operations", "occasional", 25), ("Warehouse & Logistics", "occasional", 12), ("People", "occasional", 4)],
        "contract": {"vendor": "SAP", "annual_cost": Decimal("240000"), "seats_bought": 90, "renewal_in_days": 300},
        "measures": [
            ("Month-end close", "days", "lower", 11, 5, 4, 0.58),
            ("Invoices matched automatically", "percent", "higher", 35, 80, 8, 0.83),
        ],
    },
    {
        "slug": "warehouse-wms", "name": "Warehouse WMS", "category": "wms", "stage": "live",
        "sourcing": "hybrid", "vendor": "Manhattan Associates", "owner": "marco.bianchi@demo.example",
        "summary": "Receiving, put-away, picking and shipping in both distribution centres.",
        "tags": ["logistics", "scanning", "fulfilment"],
        "source_url": "https://git.demo.example/wms-extensions",
        "value": {
            "problem": "Pickers walked the whole warehouse for each order and mis-picks reached customers weekly.",
            "for_whom": "Warehouse operatives, shift leads and the customer service agents who handle returns.",
            "value": "Directed picking with scan confirmation: shorter pick paths, fewer errors, and stock levels that are true.",
            "replaces": "Paper pick lists and an end-of-day stock upload.",
        },
        "usage": [("Warehouse & Logistics", "primary", 190), ("Operations", "primary", 30), ("Customer Service", "occasional", 15)],
        "contract": {"vendor": "Manhattan Associates", "annual_cost": Decimal("132000"), "seats_bought": 260, "renewal_in_days": 75},
        "measures": [
            ("Order pick accuracy", "percent", "higher", 97.1, 99.5, 6, 0.91),
            ("Average pick time per order", "days", "lower", 0.9, 0.4, 5, 0.2),
            ("Hours of overtime per month", "hours", "lower", 620, 300, 9, 0.74),
        ],
    },
    {
        "slug": "people-hris", "name": "People HRIS", "category": "hris", "stage": "live",
        "sourcing": "bought", "vendor": "Workday", "owner": "pm@demo.example",
        "summary": "Employee records, onboarding, absence and performance reviews.",
        "tags": ["hr", "onboarding", "self-service"],
        "value": {
            "problem": "New joiners waited up to two weeks for a laptop and accounts; HR re-keyed the same data into four systems.",
            "for_whom": "People partners, hiring managers and every new joiner.",
            "value": "Onboarding starts the day an offer is signed; one employee record feeds payroll, IT and building access.",
            "replaces": "Emailed onboarding checklists and the HR shared drive.",
        },
        "usage": [("People", "primary", 18), ("IT", "occasional", 12), ("Finance", "occasional", 8), ("Sales", "occasional", 110), ("Operations", "occasional", 80)],
        "contract": {"vendor": "Workday", "annual_cost": Decimal("98000"), "seats_bought": 600, "renewal_in_days": 160},
        "measures": [
            ("Days until a new joiner is fully set up", "days", "lower", 12, 2, 6, 0.47),
            ("Self-service requests without HR help", "percent", "higher", 20, 70, 8, 0.85),
        ],
    },
    {
        "slug": "close-assistant", "name": "Close Assistant", "category": "accounting", "stage": "building",
        "sourcing": "built", "vendor": None, "owner": "marco.bianchi@demo.example",
        "summary": "Checklist, reconciliations and sign-offs for the month-end close, built in-house.",
        "tags": ["finance", "month-end", "automation"],
        "source_url": "https://git.demo.example/close-assistant",
        "prd_url": "https://wiki.demo.example/prd/close-assistant",
        "value": {
            "problem": "Close tasks are tracked in a 600-row spreadsheet; nobody knows which reconciliations block the close until day 9.",
            "for_whom": "Controllers and the finance operations team.",
            "value": "A live close board that shows blockers on day 2, and reconciliations that prepare themselves from ERP data.",
            "replaces": "The close checklist spreadsheet and daily status calls.",
        },
        "usage": [("Finance", "primary", 24)],
        "measures": [
            ("Hours spent on reconciliations per month", "hours", "lower", 320, 120, 7, 0.66),
            ("Close tasks signed off on time", "percent", "higher", 62, 95, 7, 0.3),
        ],
    },
    {
        "slug": "insights-bi", "name": "Insights BI", "category": "bi", "stage": "live",
        "sourcing": "hybrid", "vendor": "Microsoft Power BI", "owner": "pm@demo.example",
        "summary": "Governed dashboards and a shared semantic model over ERP, CRM and WMS data.",
        "tags": ["reporting", "data", "dashboards"],
        "value": {
            "problem": "Each department built its own numbers; the leadership meeting argued about whose revenue figure was right.",
            "for_whom": "Leadership, analysts and department heads.",
            "value": "One certified set of metrics, refreshed nightly, so meetings discuss decisions rather than definitions.",
            "replaces": "Exported CSVs and departmental Excel models.",
        },
        "usage": [("Finance", "primary", 30), ("Sales", "primary", 45), ("Operations", "occasional", 20), ("Marketing", "primary", 20), ("IT", "occasional", 10)],
        "contract": {"vendor": "Microsoft", "annual_cost": Decimal("36000"), "seats_bought": 150, "renewal_in_days": 30},
        "measures": [
            ("Certified dashboards in use", "score", "higher", 4, 40, 6, 0.88),
            ("Analyst hours on manual reports per month", "hours", "lower", 400, 100, 6, -0.1),
        ],
    },
    {
        "slug": "team-chat", "name": "Team Chat", "category": "messaging", "stage": "live",
        "sourcing": "bought", "vendor": "Slack", "owner": "marco.bianchi@demo.example",
        "summary": "Company-wide chat, channels per team and alerts from other tools.",
        "tags": ["collaboration", "alerts"],
        "value": {
            "problem": "Urgent questions went to overflowing inboxes; warehouse and office teams had no shared channel.",
            "for_whom": "Everyone, especially shift leads and on-call engineers.",
            "value": "Answers in minutes instead of hours, and system alerts where people already are.",
            "replaces": "Email distribution lists and SMS groups.",
        },
        "usage": [("Sales", "primary", 120), ("Operations", "primary", 85), ("IT", "primary", 35), ("Customer Service", "primary", 64), ("Marketing", "primary", 27), ("People", "primary", 18), ("Finance", "primary", 42), ("Warehouse & Logistics", "occasional", 60)],
        "contract": {"vendor": "Slack", "annual_cost": Decimal("54000"), "seats_bought": 400, "renewal_in_days": 210},
        "measures": [
            ("Weekly active users", "percent", "higher", 60, 90, 4, 1.05),
            ("Internal email volume per person per day", "score", "lower", 48, 30, 6, 0.8),
        ],
    },
    {
        "slug": "access-guard", "name": "Access Guard", "category": "security", "stage": "live",
        "sourcing": "built", "vendor": None, "owner": "pm@demo.example",
        "summary": "Quarterly access reviews and joiner-mover-leaver automation across core systems.",
        "tags": ["security", "sox", "identity"],
        "source_url": "https://git.demo.example/access-guard",
        "value": {
            "problem": "Leavers kept access for weeks and the access review took the IT team a month each quarter.",
            "for_whom": "IT security, system owners and the auditors.",
            "value": "Access removed within a day of leaving and reviews done by managers in one click per person.",
            "replaces": "Access review spreadsheets emailed to managers.",
        },
        "usage": [("IT", "primary", 35), ("People", "occasional", 6), ("Finance", "occasional", 10)],
        "measures": [
            ("Days for leavers' access to be removed", "days", "lower", 14, 1, 5, 0.93),
            ("IT hours per quarterly access review", "hours", "lower", 160, 24, 5, 0.55),
        ],
    },
    {
        "slug": "desk-booking", "name": "Desk & Room Booking", "category": "facilities", "stage": "discovery",
        "sourcing": "built", "vendor": None, "owner": "marco.bianchi@demo.example",
        "summary": "Book desks, rooms and parking across the three offices.",
        "tags": ["office", "hybrid-work"],
        "value": {
            "problem": "With hybrid work, people come in to find no free desk near their team, while other floors sit empty.",
            "for_whom": "Office-based staff and the facilities team.",
            "value": "Teams sit together on their office days and facilities can size the offices on real occupancy.",
            "replaces": "A shared calendar per floor and a facilities inbox.",
        },
        "usage": [("Marketing", "occasional", 20), ("Finance", "occasional", 30)],
        "measures": [
            ("Desk utilisation on office days", "percent", "higher", 38, 70, 10, 0.1),
        ],
    },
    {
        "slug": "ops-monitoring", "name": "Ops Monitoring", "category": "monitoring", "stage": "live",
        "sourcing": "hybrid", "vendor": "Grafana Labs", "owner": "pm@demo.example",
        "summary": "Uptime, alerting and on-call for the systems the business runs on.",
        "tags": ["reliability", "alerts", "on-call"],
        "value": {
            "problem": "Outages of the WMS were reported by the warehouse, not by our monitoring, often an hour in.",
            "for_whom": "IT operations, on-call engineers and the business owners of critical systems.",
            "value": "We know before the users do, and every incident has an owner within five minutes.",
            "replaces": "Ad-hoc scripts and a phone tree.",
        },
        "usage": [("IT", "primary", 30), ("Warehouse & Logistics", "occasional", 8)],
        "contract": {"vendor": "Grafana Labs", "annual_cost": Decimal("28000"), "seats_bought": 40, "renewal_in_days": 120},
        "measures": [
            ("Hours to detect an outage", "hours", "lower", 1.0, 0.1, 4, 0.9),
            ("Incidents found by users first", "percent", "lower", 60, 10, 6, 0.4),
        ],
    },
    {
        "slug": "expense-legacy", "name": "Legacy Expense Tool", "category": "accounting", "stage": "retired",
        "sourcing": "built", "vendor": None, "owner": "pm@demo.example",
        "summary": "The old expense claims tool, replaced by the ERP's travel and expense module.",
        "tags": ["finance", "legacy"],
        "value": {
            "problem": "Expense claims needed a bespoke tool before the ERP offered one.",
            "for_whom": "Every employee who travels.",
            "value": "Retired: its data was migrated to the ERP.",
            "replaces": "Paper claim forms.",
        },
        "usage": [],
        "measures": [],
    },
]
