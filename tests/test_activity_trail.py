"""The activity trail: who changed what, when."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portfolio.extensions import db
from portfolio.models import Activity
from portfolio.models.base import utcnow
from tests.helpers import parse_html


def verbs() -> list[str]:
    db.session.expire_all()
    return [a.verb for a in db.session.execute(db.select(Activity).order_by(Activity.id)).scalars()]


def test_changes_leave_a_trace(pm_client, make, users):
    product = make.product(slug="traced", name="Traced")
    department = make.department()
    measure = make.measure(product)
    prefix = f"reading-{measure.id}-"
    pm_client.post(
        f"/products/traced/measures/{measure.id}/readings",
        data={prefix + "taken_on": date.today().isoformat(), prefix + "value": "80"},
    )
    created = pm_client.post(
        "/requests/new",
        data={
            "product_id": str(product.id),
            "title": "Export",
            "description": "Please",
            "department_id": str(department.id),
        },
    )
    request_id = int(created.headers["Location"].rsplit("/", 1)[1])
    pm_client.post(f"/requests/{request_id}/status", data={"status": "under_review"})
    pm_client.post(f"/comments/request/{request_id}", data={"body": "Looking at it"})
    # Retiring asks for a reason and a date (issue #14) and records `product_retired`.
    pm_client.post(
        "/products/traced/retire",
        data={
            "reason": "Replaced by the new tool",
            "retired_on": date.today().isoformat(),
            "confirm_impact": "y",  # it has an open request: confirmed (#18)
        },
    )
    assert verbs() == [
        "reading_recorded",
        "measure_slipped",  # 80 against a target of 50 almost due: off track
        "request_created",
        "request_status_changed",
        "comment_posted",
        "product_retired",
    ]
    stage_change = db.session.execute(
        db.select(Activity).where(Activity.verb == "product_retired")
    ).scalar_one()
    assert (stage_change.before, stage_change.after, stage_change.actor_id) == (
        "Live",
        f"retired on {date.today():%d %b %Y}: Replaced by the new tool",
        users["pm"].id,
    )
    status_change = db.session.execute(
        db.select(Activity).where(Activity.verb == "request_status_changed")
    ).scalar_one()
    assert (status_change.before, status_change.after) == ("New", "Under review")


@pytest.fixture
def history(make, users):
    recent, other = make.product(name="Recent"), make.product(name="Other")
    for days, product, subject in [
        (1, recent, "one day ago"),
        (10, recent, "ten days ago"),
        (40, recent, "forty days ago"),
        (2, other, "other product"),
    ]:
        db.session.add(
            Activity(
                actor=users["pm"],
                verb="comment_posted",
                subject=subject,
                product=product,
                created_at=utcnow() - timedelta(days=days),
            )
        )
    db.session.commit()
    return recent


@pytest.mark.parametrize(
    "query, shown",
    [
        ({}, {"one day ago", "other product"}),
        ({"days": "30"}, {"one day ago", "ten days ago", "other product"}),
        ({"days": "30", "product": "{recent}"}, {"one day ago", "ten days ago"}),
    ],
)
def test_what_changed_page(stakeholder_client, history, query, shown):
    query = {k: v.format(recent=history.id) for k, v in query.items()}
    page = stakeholder_client.get("/activity", query_string=query).text
    for subject in ("one day ago", "ten days ago", "forty days ago", "other product"):
        assert (subject in page) == (subject in shown), subject


def test_product_page_shows_its_five_latest_changes(stakeholder_client, make, users):
    product = make.product(slug="busy")
    for n in range(7):
        db.session.add(
            Activity(
                actor=users["pm"],
                verb="comment_posted",
                subject=f"change {n}",
                product=product,
                created_at=utcnow() - timedelta(hours=n),
            )
        )
    db.session.commit()
    page = stakeholder_client.get("/products/busy").text
    section = parse_html(page).by_id("activity").text
    assert [f"change {n}" in section for n in range(7)] == [True] * 5 + [False] * 2


def test_activity_page_query_count_is_constant(stakeholder_client, make, users, count_queries):
    product = make.product()

    def queries() -> int:
        with count_queries() as statements:
            stakeholder_client.get("/activity")
        return len(statements)

    db.session.add_all(
        [
            Activity(actor=users["pm"], verb="comment_posted", subject="x", product=product)
            for _ in range(5)
        ]
    )
    db.session.commit()
    few = queries()
    db.session.add_all(
        [
            Activity(actor=make.user(), verb="comment_posted", subject="y", product=make.product())
            for _ in range(60)
        ]
    )
    db.session.commit()
    assert queries() == few


def test_account_administration_shows_on_the_trail_to_administrators_only(client_as, users):
    admin = client_as("admin")
    admin.post(f"/admin/users/{users['stakeholder'].id}/role", data={"role": "pm"})
    admin.post("/account/tokens", data={"name": "Nightly BI"})
    for role, sees in (("admin", True), ("pm", False), ("leader", False), ("stakeholder", False)):
        page = client_as(role).get("/activity").text
        assert ("changed the role of" in page) is sees, role
        assert ("Nightly BI" in page) is sees, role
