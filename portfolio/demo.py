"""The demo organisation: what `make run` shows on a fresh database."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.auth.passwords import hash_password
from portfolio.catalogue.products import set_tags
from portfolio.demo_capabilities import seed_capabilities
from portfolio.demo_catalogue import DEMO_PRODUCTS
from portfolio.demo_costs import seed_costs
from portfolio.demo_dependencies import seed_dependencies
from portfolio.demo_fit import seed_fit
from portfolio.demo_history import seed_board, seed_requests
from portfolio.demo_reviews import seed_reviews
from portfolio.models import (
    Category,
    Contract,
    Department,
    Direction,
    Product,
    Reading,
    Role,
    Sourcing,
    Stage,
    Stakeholder,
    StakeholderRole,
    SuccessMeasure,
    Unit,
    Usage,
    UsageLevel,
    User,
    ValueProposition,
)

DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role
    department: str


DEMO_ACCOUNTS = [
    DemoAccount("admin@demo.example", "Ada Admin", Role.ADMIN, "IT"),
    DemoAccount("pm@demo.example", "Priya Patel", Role.PM, "IT"),
    DemoAccount("leader@demo.example", "Lars Lindqvist", Role.LEADER, "Finance"),
    DemoAccount("staff@demo.example", "Sam Stakeholder", Role.STAKEHOLDER, "Operations"),
]

# name, head, headcount
DEMO_DEPARTMENTS = [
    ("Finance", "Lars Lindqvist", 42),
    ("Sales", "Maria Gonzalez", 120),
    ("Operations", "Tom Okafor", 85),
    ("Warehouse & Logistics", "Jonas Berg", 210),
    ("People", "Hannah Schmidt", 18),
    ("IT", "Ravi Kumar", 35),
    ("Customer Service", "Elena Rossi", 64),
    ("Marketing", "Chloé Martin", 27),
]

# Further colleagues, so requests, votes and comments come from real-looking people.
DEMO_COLLEAGUES = [
    ("marco.bianchi@demo.example", "Marco Bianchi", Role.PM, "IT"),
    ("fatima.haddad@demo.example", "Fatima Haddad", Role.STAKEHOLDER, "Finance"),
    ("olivia.brown@demo.example", "Olivia Brown", Role.STAKEHOLDER, "Sales"),
    ("kenji.sato@demo.example", "Kenji Sato", Role.STAKEHOLDER, "Warehouse & Logistics"),
    ("nora.jensen@demo.example", "Nora Jensen", Role.STAKEHOLDER, "People"),
    ("diego.alvarez@demo.example", "Diego Alvarez", Role.STAKEHOLDER, "Customer Service"),
    ("amira.nasser@demo.example", "Amira Nasser", Role.STAKEHOLDER, "Marketing"),
    ("peter.novak@demo.example", "Peter Novak", Role.LEADER, "Operations"),
]


def database_is_empty(session: Session) -> bool:
    return session.execute(sa.select(sa.func.count(User.id))).scalar_one() == 0


def seed_demo(session: Session) -> None:
    """Create the demo organisation. Call on an empty database only."""
    departments = {
        name: Department(name=name, head=head, headcount=headcount)
        for name, head, headcount in DEMO_DEPARTMENTS
    }
    session.add_all(departments.values())

    people = [(a.email, a.display_name, a.role, a.department) for a in DEMO_ACCOUNTS]
    people += DEMO_COLLEAGUES
    # One hash for all demo accounts: scrypt is slow on purpose, and they share a password.
    password_hash = hash_password(DEMO_PASSWORD)
    users = {}
    for email, name, role, department in people:
        users[email] = User(
            email=email,
            display_name=name,
            role=role,
            department=departments[department],
            password_hash=password_hash,
        )
        session.add(users[email])
    session.flush()
    today = date.today()
    products = seed_catalogue(session, departments, users, today=today)
    by_slug = {p.slug: p for p in products}
    requests = seed_requests(session, by_slug, departments, users, today=today)
    seed_board(session, by_slug, requests, users, today=today)
    seed_stakeholders(session, by_slug, departments)
    seed_capabilities(session)
    seed_costs(session, by_slug)
    seed_reviews(session, by_slug, users, today=today)
    seed_dependencies(session, by_slug, users)
    seed_fit(session, by_slug, today)  # #18: fit assessments and lifecycle dates


QUARTERS_OF_READINGS = 8


def seed_catalogue(session: Session, departments: dict, users: dict, today: date) -> list[Product]:
    """Products with usage, value propositions, contracts and two years of readings."""
    rng = random.Random(20261124)
    products = []
    for spec in DEMO_PRODUCTS:
        product = Product(
            slug=spec["slug"],
            name=spec["name"],
            category=Category(spec["category"]),
            stage=Stage(spec["stage"]),
            sourcing=Sourcing(spec["sourcing"]),
            vendor=spec["vendor"],
            summary=spec["summary"],
            owner=users[spec["owner"]],
            docs_url=spec.get("docs_url"),
            source_url=spec.get("source_url"),
            prd_url=spec.get("prd_url"),
        )
        session.add(product)
        set_tags(session, product, spec["tags"])
        product.value_proposition = ValueProposition(**spec["value"])
        for department, level, count in spec["usage"]:
            product.usages.append(
                Usage(department=departments[department], level=UsageLevel(level), users=count)
            )
        if "contract" in spec:
            terms = dict(spec["contract"])
            renewal = today + timedelta(days=terms.pop("renewal_in_days"))
            product.contract = Contract(renewal_date=renewal, **terms)
        for measure_spec in spec["measures"]:
            product.measures.append(demo_measure(measure_spec, users[spec["owner"]], today, rng))
        products.append(product)
    by_slug = {product.slug: product for product in products}
    for spec in DEMO_PRODUCTS:
        if "retired" in spec:
            retired = spec["retired"]
            product = by_slug[spec["slug"]]
            product.retired_on = today - timedelta(days=retired["days_ago"])
            product.retirement_reason = retired["reason"]
            product.successor = by_slug[retired["successor"]]
    session.flush()
    return products


def demo_measure(spec: tuple, recorded_by: User, today: date, rng: random.Random) -> SuccessMeasure:
    """A measure whose quarterly readings travel `reached` of the way to target."""
    name, unit, direction, baseline, target, months_left, reached = spec
    baseline_date = today - timedelta(days=91 * QUARTERS_OF_READINGS)
    measure = SuccessMeasure(
        name=name,
        unit=Unit(unit),
        direction=Direction(direction),
        baseline=baseline,
        baseline_date=baseline_date,
        target=target,
        target_date=today + timedelta(days=30 * months_left),
    )
    span = target - baseline
    for quarter in range(1, QUARTERS_OF_READINGS + 1):
        share = reached * (quarter / QUARTERS_OF_READINGS) ** 1.2
        wobble = rng.uniform(-0.04, 0.04) if quarter < QUARTERS_OF_READINGS else 0.0
        value = baseline + span * (share + wobble)
        measure.readings.append(
            Reading(
                taken_on=baseline_date + timedelta(days=91 * quarter - 1),
                value=round(value, 2 if abs(span) < 10 else 1),
                note="Quarterly review" if quarter == QUARTERS_OF_READINGS else None,
                recorded_by=recorded_by,
            )
        )
    return measure


# product → (sponsor department, key-user department); two products have no sponsor yet.
DEMO_SPONSORS = {
    "sales-crm": ("Sales", "Customer Service"),
    "finance-erp": ("Finance", "Operations"),
    "warehouse-wms": ("Warehouse & Logistics", "Customer Service"),
    "people-hris": ("People", "IT"),
    "insights-bi": ("Finance", "Marketing"),
    "team-chat": ("IT", "Operations"),
    "access-guard": ("IT", "Finance"),
    "ops-monitoring": ("IT", "Warehouse & Logistics"),
}


def seed_stakeholders(session: Session, products: dict, departments: dict) -> None:
    for slug, (sponsor, key_user) in DEMO_SPONSORS.items():
        product = products[slug]
        head = departments[sponsor]
        session.add_all(
            [
                Stakeholder(
                    product=product,
                    name=head.head or sponsor,
                    department=head,
                    role=StakeholderRole.SPONSOR,
                    power=5,
                    interest=4,
                ),
                Stakeholder(
                    product=product,
                    name=f"{key_user} team",
                    department=departments[key_user],
                    role=StakeholderRole.KEY_USER,
                    power=2,
                    interest=5,
                ),
                Stakeholder(
                    product=product,
                    name="Internal audit",
                    role=StakeholderRole.INFORMED,
                    power=4,
                    interest=2,
                ),
            ]
        )
    session.add(
        Stakeholder(
            product=products["close-assistant"],
            name="Finance controllers",
            department=departments["Finance"],
            role=StakeholderRole.KEY_USER,
            power=3,
            interest=5,
        )
    )
    session.flush()
