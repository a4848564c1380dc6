"""The demo organisation's history: requests with votes, comments and survey
answers, the roadmap board, and the activity trail all of it would have left."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from portfolio.board.ranking import evenly_spaced_ranks
from portfolio.catalogue.readings import reading_text
from portfolio.catalogue.satisfaction import quarter_of
from portfolio.demo_requests import DECLINE_REASON, DEMO_COMMENTS, DEMO_REQUESTS
from portfolio.demo_roadmap import DEMO_ITEMS
from portfolio.models import (
    DEFAULT_OBSERVATION_DAYS,
    Activity,
    Column,
    Comment,
    CorrectionKind,
    ReadingCorrection,
    Request,
    RequestStatus,
    RoadmapItem,
    SatisfactionResponse,
    Verb,
    Vote,
)


def seed_requests(
    session: Session, products: dict, departments: dict, users: dict, today: date
) -> dict:
    """Requests with votes and comments, four quarters of survey answers, and the
    activity trail that all of it would have left."""
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
                verb=Verb.REQUEST_CREATED,
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
                    verb=Verb.REQUEST_STATUS_CHANGED,
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
        item.vote_count = len(voters)  # one Vote row per voter, just added

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
                verb=Verb.COMMENT_POSTED,
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
                        verb=Verb.READING_RECORDED,
                        subject=measure.name,
                        product=product,
                        after=reading_text(measure, latest.value, latest.taken_on),
                        created_at=datetime.combine(latest.taken_on, time(16), UTC),
                    )
                )
                if measure.name in DEMO_TYPOS:
                    seed_correction(session, pm, measure, latest)
    session.flush()
    return requests


# Measures whose latest reading was first typed ten times too large, then
# corrected (so the demo shows a correction in a measure's history).
DEMO_TYPOS = {"Average pick time per order"}


def seed_correction(session: Session, pm, measure, reading) -> None:
    typed = reading.value * 10
    corrected_at = datetime.combine(reading.taken_on, time(17), UTC)
    session.add(
        ReadingCorrection(
            measure=measure,
            reading=reading,
            kind=CorrectionKind.CORRECTED,
            old_taken_on=reading.taken_on,
            old_value=typed,
            old_note=reading.note,
            new_taken_on=reading.taken_on,
            new_value=reading.value,
            new_note=reading.note,
            corrected_by=pm,
            corrected_at=corrected_at,
        )
    )
    session.add(
        Activity(
            actor=pm,
            verb=Verb.READING_CORRECTED,
            subject=measure.name,
            product=measure.product,
            before=reading_text(measure, typed, reading.taken_on),
            after=reading_text(measure, reading.value, reading.taken_on),
            created_at=corrected_at,
        )
    )


# Cards judged sooner than the default 60 days after shipping: a weekly
# measure shows its effect within a month (so the demo has a measured verdict
# beside the "too early" ones).
DEMO_OBSERVATION_DAYS = {"Pipeline view for account teams": 30}


def seed_board(session: Session, products: dict, requests: dict, users: dict, today: date) -> None:
    """About 30 roadmap items over Now, Next, Later and Shipped, ranked in the
    order listed, linked to the requests they answer."""
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
            item.observation_days = DEMO_OBSERVATION_DAYS.get(title, DEFAULT_OBSERVATION_DAYS)
            if note:
                item.release_note = note
                item.shipped_on = today - timedelta(days=shipped_days_ago)
                item.moved_by = owners[0]
                item.moved_at = datetime.combine(item.shipped_on, time(15), UTC)
                session.add(
                    Activity(
                        actor=owners[0],
                        verb=Verb.ITEM_SHIPPED,
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
