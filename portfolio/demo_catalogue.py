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

# product, title, description, requester, status, age in days
DEMO_REQUESTS = [
    ("sales-crm", "Show renewal dates on the account page", "Account managers miss renewals because the date lives in a contract PDF. A field on the account page, plus a report of renewals in the next 90 days, would let us call customers a month ahead.", "olivia.brown@demo.example", "planned", 95),
    ("sales-crm", "Log calls from the phone system automatically", "We spend ~20 minutes a day logging calls by hand. The phone system has an API; logging calls against the contact automatically would give that time back and make activity reports honest.", "olivia.brown@demo.example", "in_progress", 80),
    ("sales-crm", "Quote templates in the local language", "Customers in the Nordics ask for quotes in their language. Today we translate the PDF by hand.", "staff@demo.example", "new", 12),
    ("sales-crm", "Forecast by product line", "The board wants the forecast split by product line, not just by region.", "leader@demo.example", "under_review", 30),
    ("finance-erp", "Automatic intercompany matching for Nordic entities", "Intercompany for the two Nordic entities is still matched in a workbook; it is the main reason close slips to day 8.", "fatima.haddad@demo.example", "in_progress", 110),
    ("finance-erp", "Approve purchase orders from mobile", "Managers travel and POs wait days for approval. **Mobile approval** for POs under 10,000 would unblock buyers.", "peter.novak@demo.example", "planned", 70),
    ("finance-erp", "Export the trial balance to CSV in one click", "Auditors ask for the trial balance as CSV every quarter; today it takes three exports and a merge.", "fatima.haddad@demo.example", "shipped", 150),
    ("finance-erp", "Bring back the old invoice layout", "Some customers preferred the old layout with the bank details at the top.", "diego.alvarez@demo.example", "declined", 60),
    ("warehouse-wms", "Batch picking for small orders", "Small e-commerce orders could be picked in batches of 10 with a cart; pick walks would drop a lot on busy days.", "kenji.sato@demo.example", "planned", 85),
    ("warehouse-wms", "Scanner screens readable in bright light", "Outdoor loading bays: the scanner screens are unreadable in sunlight. A high-contrast theme would help.", "kenji.sato@demo.example", "new", 8),
    ("warehouse-wms", "Show pick errors per shift", "Shift leads want to see mis-picks per shift to coach the right people.", "staff@demo.example", "under_review", 25),
    ("warehouse-wms", "Error rate by shift on a dashboard", "Same as the pick errors per shift idea: a dashboard with mis-picks per shift.", "peter.novak@demo.example", "duplicate", 20),
    ("people-hris", "Laptop order triggered by a signed offer", "IT only hears about new joiners when HR emails them. If a signed offer created the laptop order, people would have a laptop on day one.", "nora.jensen@demo.example", "in_progress", 100),
    ("people-hris", "Self-service address changes", "Employees email HR to change their address; it should be a form in the HRIS.", "nora.jensen@demo.example", "shipped", 140),
    ("people-hris", "Team absence calendar for managers", "Managers need to see who is off next week before approving leave.", "olivia.brown@demo.example", "new", 5),
    ("close-assistant", "Reconciliation templates for bank accounts", "Bank reconciliations are 40% of our close hours; templates that pull balances from the ERP would cut that in half.", "fatima.haddad@demo.example", "planned", 45),
    ("close-assistant", "Daily close status email to the CFO", "The CFO asks for status every morning of close week; an automatic summary would end the chasing.", "leader@demo.example", "under_review", 15),
    ("insights-bi", "Certified revenue dashboard for leadership", "Leadership meetings argue about revenue numbers. One certified dashboard, refreshed nightly, please.", "leader@demo.example", "in_progress", 75),
    ("insights-bi", "Marketing attribution report", "We need to see which campaigns lead to opportunities in the CRM.", "amira.nasser@demo.example", "new", 18),
    ("insights-bi", "Schedule reports to Team Chat channels", "Post the weekly KPI snapshot to the team channel on Monday morning.", "staff@demo.example", "new", 3),
    ("team-chat", "Alerts from Ops Monitoring into on-call channels", "Route critical alerts into the on-call channel with an @here, lower ones into a digest.", "marco.bianchi@demo.example", "shipped", 130),
    ("team-chat", "Guest access for the logistics partner", "Our 3PL partner emails us dozens of times a day; a shared channel would be faster.", "kenji.sato@demo.example", "under_review", 40),
    ("access-guard", "Remind managers before the access review closes", "Half of the reviews are done on the last day; two reminders would spread the load.", "staff@demo.example", "planned", 55),
    ("desk-booking", "Book a desk next to my team", "Show where my team sits on the floor plan when I book.", "amira.nasser@demo.example", "new", 22),
    ("ops-monitoring", "Status page for business users", "When the WMS is slow, the warehouse calls IT. A status page would answer that question for everyone.", "kenji.sato@demo.example", "under_review", 35),
]

DECLINE_REASON = (
    "The new layout is required by the e-invoicing regulation from January; "
    "bank details are on the second line for every customer."
)

# target, author, body, days ago
DEMO_COMMENTS = [
    ("request:Show renewal dates on the account page", "pm@demo.example", "Good catch. We will add the field this quarter and build the 90-day report on top of it.", 80),
    ("request:Show renewal dates on the account page", "olivia.brown@demo.example", "Thanks! Could the report also show the account owner?", 78),
    ("request:Automatic intercompany matching for Nordic entities", "fatima.haddad@demo.example", "For context: last month this alone cost **two days** of close.", 100),
    ("request:Automatic intercompany matching for Nordic entities", "pm@demo.example", "Matching rules are drafted; testing with the March data next week.", 20),
    ("request:Laptop order triggered by a signed offer", "staff@demo.example", "+1, our last two joiners waited a week for accounts.", 60),
    ("request:Batch picking for small orders", "kenji.sato@demo.example", "Happy to pilot this on the night shift in DC2.", 70),
    ("product:sales-crm", "olivia.brown@demo.example", "The new pipeline view is great. Forecast calls are half as long.", 14),
    ("product:finance-erp", "fatima.haddad@demo.example", "Reminder: the SOX walkthrough is on the 12th; please keep the change log up to date.", 9),
    ("product:warehouse-wms", "kenji.sato@demo.example", "Scanner firmware update went fine in DC1 overnight.", 4),
]

# product, title, column, reach, impact, confidence, effort, hours/month, cost/year,
# linked request titles, (measure name, expected change) or None, release note, shipped days ago
DEMO_ITEMS = [
    ("finance-erp", "Automatic intercompany matching (Nordics)", "now", 40, 3, 80, 6, 60, 18000, ["Automatic intercompany matching for Nordic entities"], ("Month-end close", -2), None, None),
    ("people-hris", "Laptop and accounts ordered on offer signature", "now", 120, 2, 80, 4, 45, 0, ["Laptop order triggered by a signed offer"], ("Days until a new joiner is fully set up", -6), None, None),
    ("insights-bi", "Certified revenue dashboard", "now", 60, 2, 100, 5, 80, 0, ["Certified revenue dashboard for leadership"], ("Analyst hours on manual reports per month", -120), None, None),
    ("sales-crm", "Phone system call logging", "now", 118, 1, 80, 3, 330, 0, ["Log calls from the phone system automatically"], None, None, None),
    ("warehouse-wms", "Pick-path optimisation, phase 2", "now", 190, 2, 50, 8, 200, 42000, [], ("Average pick time per order", -0.2), None, None),
    ("close-assistant", "Close board with live blockers", "now", 24, 3, 80, 6, 60, 0, [], ("Close tasks signed off on time", 20), None, None),
    ("access-guard", "Leaver access removal from HRIS events", "now", 35, 1, 100, 2, 20, 0, [], ("Days for leavers' access to be removed", -1), None, None),
    ("sales-crm", "Renewal dates on accounts + 90-day report", "next", 118, 2, 80, 2, 40, 60000, ["Show renewal dates on the account page"], ("Opportunities with a next step", 10), None, None),
    ("finance-erp", "Mobile purchase-order approval", "next", 60, 1, 80, 3, 30, 0, ["Approve purchase orders from mobile"], None, None, None),
    ("warehouse-wms", "Batch picking for small orders", "next", 190, 2, 80, 5, 150, 25000, ["Batch picking for small orders"], ("Hours of overtime per month", -80), None, None),
    ("close-assistant", "Bank reconciliation templates", "next", 24, 2, 80, 3, 90, 0, ["Reconciliation templates for bank accounts"], ("Hours spent on reconciliations per month", -60), None, None),
    ("access-guard", "Manager reminders during access reviews", "next", 150, 0.5, 100, 1, 15, 0, ["Remind managers before the access review closes"], ("IT hours per quarterly access review", -20), None, None),
    ("warehouse-wms", "Pick errors per shift report", "next", 40, 1, 80, 1, 10, 0, ["Show pick errors per shift"], ("Order pick accuracy", 0.5), None, None),
    ("ops-monitoring", "Status page for business users", "next", 600, 0.5, 80, 2, 25, 0, ["Status page for business users"], ("Incidents found by users first", -25), None, None),
    ("team-chat", "Shared channel with the logistics partner", "next", 60, 1, 50, 1, 20, 0, ["Guest access for the logistics partner"], None, None, None),
    ("sales-crm", "Forecast by product line", "later", 20, 1, 50, 3, 8, 0, ["Forecast by product line"], None, None, None),
    ("sales-crm", "Quotes in local languages", "later", 30, 1, 50, 4, 10, 0, ["Quote templates in the local language"], None, None, None),
    ("warehouse-wms", "High-contrast scanner theme", "later", 190, 0.5, 80, 1, 5, 0, ["Scanner screens readable in bright light"], None, None, None),
    ("people-hris", "Team absence calendar", "later", 80, 1, 80, 2, 15, 0, ["Team absence calendar for managers"], None, None, None),
    ("close-assistant", "Daily close status email", "later", 5, 0.5, 100, 0.5, 4, 0, ["Daily close status email to the CFO"], None, None, None),
    ("insights-bi", "Marketing attribution model", "later", 27, 2, 50, 6, 20, 0, ["Marketing attribution report"], None, None, None),
    ("insights-bi", "KPI snapshots posted to Team Chat", "later", 300, 0.25, 80, 1, 10, 0, ["Schedule reports to Team Chat channels"], None, None, None),
    ("desk-booking", "Desk booking pilot on floor 3", "later", 50, 1, 50, 4, 10, 15000, ["Book a desk next to my team"], ("Desk utilisation on office days", 10), None, None),
    ("ops-monitoring", "Alert routing by severity", "later", 35, 1, 80, 2, 12, 0, [], None, None, None),
    ("finance-erp", "Trial balance CSV export", "shipped", 10, 1, 100, 0.5, 6, 0, ["Export the trial balance to CSV in one click"], None, "One click on **Reports → Trial balance → CSV** gives auditors the file they ask for.", 120),
    ("people-hris", "Self-service address changes", "shipped", 600, 0.5, 100, 1, 30, 0, ["Self-service address changes"], ("Self-service requests without HR help", 10), "Employees change their address in the HRIS; payroll picks it up the same day.", 100),
    ("team-chat", "Ops alerts in on-call channels", "shipped", 35, 2, 100, 1, 25, 0, ["Alerts from Ops Monitoring into on-call channels"], None, "Critical alerts now post to #on-call with @here; the rest arrive as an hourly digest.", 75),
    ("sales-crm", "Pipeline view for account teams", "shipped", 118, 2, 80, 3, 120, 0, [], ("Hours to build the weekly forecast", -4), "The new pipeline view replaces the Friday forecast spreadsheet.", 40),
    ("warehouse-wms", "Scan confirmation at packing", "shipped", 190, 1, 100, 2, 60, 30000, [], ("Order pick accuracy", 1.2), "Packers scan every item; mis-picks are caught before boxes close.", 20),
    ("access-guard", "One-click manager reviews", "shipped", 150, 1, 80, 2, 40, 0, [], ("IT hours per quarterly access review", -50), "Managers confirm or revoke a person's access in one click per person.", 6),
]
