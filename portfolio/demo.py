"""The demo organisation: what `make run` shows on a fresh database."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import (
    Activity,
    Category,
    Comment,
    Contract,
    Department,
    Direction,
    Product,
    Reading,
    Request,
    RequestStatus,
    Role,
    SatisfactionResponse,
    Sourcing,
    Stage,
    SuccessMeasure,
    Unit,
    Usage,
    UsageLevel,
    User,
    ValueProposition,
    Vote,
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
    from portfolio.auth.passwords import hash_password

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


QUARTERS_OF_READINGS = 8


def seed_catalogue(session: Session, departments: dict, users: dict, today: date) -> list[Product]:
    """Products with usage, value propositions, contracts and two years of readings."""
    from portfolio.catalogue.products import set_tags
    from portfolio.demo_catalogue import DEMO_PRODUCTS

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


def seed_requests(
    session: Session, products: dict, departments: dict, users: dict, today: date
) -> dict:
    """Requests with votes and comments, four quarters of survey answers, and the
    activity trail that all of it would have left."""
    from datetime import UTC, datetime, time

    from portfolio.catalogue.satisfaction import quarter_of
    from portfolio.demo_catalogue import DECLINE_REASON, DEMO_COMMENTS, DEMO_REQUESTS

    rng = random.Random(42)
    pm = users["pm@demo.example"]
    people = list(users.values())

    def at(days_ago: int, hour: int = 10) -> datetime:
        return datetime.combine(
            today - timedelta(days=days_ago), time(hour, rng.randint(0, 59)), UTC
        )

    requests = {}
    for slug, title, description, requester_email, status, age in DEMO_REQUESTS:
        requester = users[requester_email]
        item = Request(
            product=products[slug],
            title=title,
            description=description,
            requester=requester,
            department=requester.department,
            status=RequestStatus(status),
            created_at=at(age),
            updated_at=at(max(age - 5, 0)),
        )
        if item.status is RequestStatus.DECLINED:
            item.decline_reason = DECLINE_REASON
        session.add(item)
        requests[title] = item
        session.add(
            Activity(
                actor=requester,
                verb="request_created",
                subject=title,
                product=item.product,
                request=item,
                created_at=at(age),
            )
        )
        if item.status is not RequestStatus.NEW:
            session.add(
                Activity(
                    actor=pm,
                    verb="request_status_changed",
                    subject=title,
                    product=item.product,
                    request=item,
                    before=RequestStatus.NEW.label,
                    after=item.status.label,
                    created_at=at(max(age - 5, 0), 15),
                )
            )
    duplicate = requests["Error rate by shift on a dashboard"]
    duplicate.duplicate_of = requests["Show pick errors per shift"]
    session.flush()

    for item in requests.values():
        if item.status is RequestStatus.DUPLICATE:
            continue  # its votes were merged into the target
        voters = {item.requester} | set(rng.sample(people, rng.randint(0, 9)))
        for voter in voters:
            session.add(Vote(request=item, user=voter, created_at=item.created_at))

    for target, author_email, body, days_ago in DEMO_COMMENTS:
        kind, key = target.split(":", 1)
        comment = Comment(author=users[author_email], body=body, created_at=at(days_ago, 14))
        if kind == "request":
            comment.request = requests[key]
            product = requests[key].product
        else:
            comment.product = products[key]
            product = products[key]
        session.add(comment)
        session.add(
            Activity(
                actor=comment.author,
                verb="comment_posted",
                subject=comment.request.title if comment.request else product.name,
                product=product,
                request=comment.request,
                created_at=comment.created_at,
            )
        )

    # Four quarters of survey answers; each product has its own mood.
    moods = {
        "sales-crm": 8.2,
        "finance-erp": 6.4,
        "warehouse-wms": 7.6,
        "people-hris": 7.0,
        "close-assistant": 7.8,
        "insights-bi": 6.8,
        "team-chat": 8.8,
        "access-guard": 7.2,
        "ops-monitoring": 8.0,
    }
    for quarters_ago in range(4):
        day = today - timedelta(days=91 * quarters_ago)
        quarter = quarter_of(day)
        for slug, mood in moods.items():
            for person in rng.sample(people, 8):
                score = max(0, min(10, round(rng.gauss(mood + 0.3 * (3 - quarters_ago) / 3, 1.6))))
                session.add(
                    SatisfactionResponse(
                        user=person,
                        product=products[slug],
                        quarter=quarter,
                        score=score,
                        comment="Works well for my team." if score >= 9 else None,
                        answered_at=datetime.combine(day, time(12), UTC),
                    )
                )

    for product in products.values():
        for measure in product.measures:
            latest = measure.latest_reading
            if latest is not None:
                session.add(
                    Activity(
                        actor=pm,
                        verb="reading_recorded",
                        subject=measure.name,
                        product=product,
                        after=f"{latest.value:g} on {latest.taken_on:%d %b %Y}",
                        created_at=datetime.combine(latest.taken_on, time(16), UTC),
                    )
                )
    session.flush()
    return requests


def seed_board(session: Session, products: dict, requests: dict, users: dict, today: date) -> None:
    """About 30 roadmap items over Now, Next, Later and Shipped, ranked in the
    order listed, linked to the requests they answer."""
    from datetime import UTC, datetime, time
    from decimal import Decimal

    from portfolio.board.ranking import evenly_spaced_ranks
    from portfolio.demo_catalogue import DEMO_ITEMS
    from portfolio.models import Column, RoadmapItem

    owners = [users["pm@demo.example"], users["marco.bianchi@demo.example"]]
    by_column: dict[str, list] = {}
    for spec in DEMO_ITEMS:
        by_column.setdefault(spec[2], []).append(spec)
    for column_value, specs in by_column.items():
        ranks = evenly_spaced_ranks(len(specs))
        for index, spec in enumerate(specs):
            (
                slug,
                title,
                _,
                reach,
                impact,
                confidence,
                effort,
                hours,
                cost,
                linked,
                measure_spec,
                note,
                shipped_days_ago,
            ) = spec
            product = products[slug]
            item = RoadmapItem(
                product=product,
                title=title,
                column=Column(column_value),
                rank=ranks[index],
                owner=owners[index % 2],
                reach=reach,
                impact=float(impact),
                confidence=confidence,
                effort=float(effort),
                hours_saved_per_month=float(hours),
                cost_saved_per_year=Decimal(cost),
                description=f"Answers what colleagues asked for in {product.name}.",
                created_at=datetime.combine(today - timedelta(days=90), time(9), UTC),
            )
            item.requests = [requests[title_] for title_ in linked]
            if measure_spec:
                name, change = measure_spec
                item.measure = next(m for m in product.measures if m.name == name)
                item.expected_change = float(change)
            if note:
                item.release_note = note
                item.shipped_on = today - timedelta(days=shipped_days_ago)
                item.moved_by = owners[0]
                item.moved_at = datetime.combine(item.shipped_on, time(15), UTC)
                session.add(
                    Activity(
                        actor=owners[0],
                        verb="item_shipped",
                        subject=title,
                        product=product,
                        item=item,
                        before="Now",
                        after="Shipped",
                        created_at=item.moved_at,
                    )
                )
            session.add(item)
    session.flush()


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
    from portfolio.models import Stakeholder, StakeholderRole

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
