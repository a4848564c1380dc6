"""Triage: status transitions, declining, duplicates, and merging a
duplicate's votes into its target."""

from __future__ import annotations

import html

import pytest

from portfolio.extensions import db
from portfolio.models import Activity, Request, RequestStatus, Vote
from portfolio.requests.triage import TRANSITIONS, allowed_statuses, change_status, merge_duplicate
from tests.helpers import (
    BIG,
    CLOSED,
    HUGE,
    OPEN,
    activities,
    assert_vote_counts_match,
    count_rows,
    option_values,
    parse_html,
    selected_values,
    vote_counts,
    voters,
)


def reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def status_shown(page: str) -> str:
    """The status a request's page shows."""
    return parse_html(page).one('[data-testid="request-status"]').text


# 1. Triage -------------------------------------------------------------------


def triage(client, request_id: int, **data):
    data = {"reason": "", "duplicate_of": "", **data}
    return client.post(f"/requests/{request_id}/status", data=data)


def test_a_request_walks_from_new_to_shipped(pm_client, make, users):
    target = make.request()
    path = [
        RequestStatus.UNDER_REVIEW,
        RequestStatus.PLANNED,
        RequestStatus.IN_PROGRESS,
        RequestStatus.SHIPPED,
    ]

    for status in path:
        response = triage(pm_client, target.id, status=status.value)
        assert response.status_code == 302, response.text
        assert response.headers["Location"] == f"/requests/{target.id}"
        assert reload(Request, target.id).status is status

    entries = activities(target.id, "request_status_changed")
    assert [(entry.before, entry.after) for entry in entries] == [
        ("New", "Under review"),
        ("Under review", "Planned"),
        ("Planned", "In progress"),
        ("In progress", "Shipped"),
    ]
    assert {entry.actor_id for entry in entries} == {users["pm"].id}
    page = pm_client.get(f"/requests/{target.id}")
    assert status_shown(page.text) == "Shipped"
    assert "Request is now shipped." in page.text


@pytest.mark.parametrize("role", ["stakeholder", "leader"])
def test_only_the_product_team_triages(client_as, make, role):
    target = make.request()
    response = triage(client_as(role), target.id, status="planned")
    assert response.status_code == 403
    assert reload(Request, target.id).status is RequestStatus.NEW
    assert count_rows(Activity) == 0
    page = client_as(role).get(f"/requests/{target.id}")
    assert "Triage this request" not in page.text


@pytest.mark.parametrize("request_id", ["99999", BIG, HUGE])
def test_triage_on_unknown_request_is_not_found(pm_client, make, request_id):
    make.request()
    assert triage(pm_client, request_id, status="planned").status_code == 404


def test_triage_without_csrf_changes_nothing(pm_client, make):
    target = make.request()
    response = pm_client.post(
        f"/requests/{target.id}/status", data={"status": "planned"}, csrf=False
    )
    assert response.status_code == 400
    assert reload(Request, target.id).status is RequestStatus.NEW


@pytest.mark.parametrize("status", ["", "bogus", "new"])
def test_unknown_or_unchanged_status_is_refused(pm_client, make, status):
    target = make.request()
    response = triage(pm_client, target.id, status=status)
    assert response.status_code == 422
    assert 'id="status-error"' in response.text
    assert reload(Request, target.id).status is RequestStatus.NEW
    assert count_rows(Activity) == 0


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_declining_needs_a_reason(pm_client, make, reason):
    target = make.request(status=RequestStatus.UNDER_REVIEW)

    response = triage(pm_client, target.id, status="declined", reason=reason)

    assert response.status_code == 422
    assert 'id="reason-error"' in response.text
    assert "Say why the request is declined" in response.text
    assert selected_values(response.text, "status") == ["declined"]
    found = reload(Request, target.id)
    assert found.status is RequestStatus.UNDER_REVIEW
    assert found.decline_reason is None
    assert count_rows(Activity) == 0


def test_declined_reason_is_shown_to_stakeholders(pm_client, stakeholder_client, make):
    target = make.request()

    reason = "Out of scope <b>this year</b>"

    response = triage(pm_client, target.id, status="declined", reason=reason)

    assert response.status_code == 302
    found = reload(Request, target.id)
    assert (found.status, found.decline_reason) == (RequestStatus.DECLINED, reason)
    page = stakeholder_client.get(f"/requests/{target.id}")
    assert page.status_code == 200
    assert "Out of scope &lt;b&gt;this year&lt;/b&gt;" in page.text
    assert "<b>this year</b>" not in page.text
    assert status_shown(page.text) == "Declined"


def test_reopening_a_declined_request_clears_the_reason(pm_client, make):
    target = make.request(status=RequestStatus.DECLINED, decline_reason="Not now")
    response = triage(pm_client, target.id, status="under_review")
    assert response.status_code == 302
    found = reload(Request, target.id)
    assert (found.status, found.decline_reason) == (RequestStatus.UNDER_REVIEW, None)


@pytest.fixture
def duplicates(make):
    """A request `dup`, a same-product target, one in another product, and a
    same-product request that is already a duplicate."""
    product, other_product = make.product(), make.product()
    target = make.request(product, title="The original")
    dup = make.request(product, title="The copy")
    elsewhere = make.request(other_product, title="Another product's request")
    already = make.request(
        product, title="Already a duplicate", status=RequestStatus.DUPLICATE, duplicate_of=target
    )
    return {"dup": dup, "target": target, "elsewhere": elsewhere, "already": already}


@pytest.mark.parametrize(
    "pointing_at, message",
    [
        (None, "Choose the request this one duplicates."),
        ("elsewhere", "A duplicate must point at a request about the same product."),
        ("self", "A request cannot duplicate itself."),
        ("already", "is itself a duplicate"),
        ("unknown", "Choose the request this one duplicates."),
        ("big", "Choose the request this one duplicates."),
        ("huge", "Choose the request this one duplicates."),
        ("garbage", None),
    ],
)
def test_invalid_duplicate_targets_are_refused(pm_client, duplicates, pointing_at, message):
    dup = duplicates["dup"]
    special = {
        None: "",
        "self": str(dup.id),
        "unknown": "99999",
        "big": BIG,
        "huge": HUGE,
        "garbage": "abc",
    }
    value = special[pointing_at] if pointing_at in special else str(duplicates[pointing_at].id)
    votes_before = count_rows(Vote)

    response = triage(pm_client, dup.id, status="duplicate", duplicate_of=value)

    assert response.status_code == 422
    assert 'id="duplicate_of-error"' in response.text
    if message:
        assert message in html.unescape(response.text)
    found = reload(Request, dup.id)
    assert found.status is RequestStatus.NEW
    assert found.duplicate_of_id is None
    assert count_rows(Vote) == votes_before
    assert count_rows(Activity) == 0


def test_the_duplicate_select_offers_only_valid_targets(pm_client, duplicates):
    page = pm_client.get(f"/requests/{duplicates['dup'].id}")
    offered = {value for value in option_values(page.text, "duplicate_of") if value}
    assert offered == {str(duplicates["target"].id)}


def test_a_valid_duplicate_links_both_ways(pm_client, stakeholder_client, duplicates):
    dup, target = duplicates["dup"], duplicates["target"]

    response = triage(pm_client, dup.id, status="duplicate", duplicate_of=str(target.id))

    assert response.status_code == 302
    found = reload(Request, dup.id)
    assert (found.status, found.duplicate_of_id) == (RequestStatus.DUPLICATE, target.id)

    page = stakeholder_client.get(f"/requests/{dup.id}")
    link = parse_html(page.text).one('a[data-testid="duplicate-target"]')
    assert link["href"] == f"/requests/{target.id}"
    assert f"#{target.id} The original" in link.text

    target_page = stakeholder_client.get(f"/requests/{target.id}")
    headings = parse_html(target_page.text).select("section > h2")
    merged = [heading.parent for heading in headings if heading.text == "Merged duplicates"]
    assert len(merged) == 1, "no Merged duplicates section"
    links = [link["href"] for link in merged[0].select("a")]
    assert f"/requests/{dup.id}" in links
    assert f"/requests/{duplicates['already'].id}" in links
    assert "The copy" in merged[0].text


# 2. Merging a duplicate's votes ------------------------------------------------


def via_change_status(duplicate, target, actor, client):
    change_status(db.session, duplicate, RequestStatus.DUPLICATE, actor, duplicate_of=target)
    db.session.commit()


def via_merge_duplicate(duplicate, target, actor, client):
    merge_duplicate(db.session, duplicate, target, actor)
    db.session.commit()


def via_route(duplicate, target, actor, client):
    response = triage(client, duplicate.id, status="duplicate", duplicate_of=str(target.id))
    assert response.status_code == 302, response.text


@pytest.mark.parametrize("merge", [via_change_status, via_merge_duplicate, via_route])
def test_merging_moves_votes_and_counts_each_voter_once(pm_client, make, users, merge):
    product = make.product()
    duplicate, target = make.request(product), make.request(product)
    unrelated = make.request(product)
    a, b, c, d = (make.user() for _ in range(4))
    for voter in (a, b, c):
        make.vote(duplicate, voter)
    for voter in (c, d):
        make.vote(target, voter)
    make.vote(unrelated, a)
    duplicate_id, target_id = duplicate.id, target.id

    merge(duplicate, target, users["pm"], pm_client)

    db.session.expire_all()
    assert voters(target_id) == {a.id, b.id, c.id, d.id}
    assert count_rows(Vote, Vote.request_id == target_id) == 4
    assert count_rows(Vote, Vote.request_id == duplicate_id) == 0
    assert voters(unrelated.id) == {a.id}
    assert count_rows(Vote) == 5
    assert db.session.get(Request, duplicate_id).duplicate_of_id == target_id
    assert db.session.get(Request, target_id).vote_count == 4
    assert db.session.get(Request, duplicate_id).vote_count == 0
    assert_vote_counts_match()
    assert len(activities(target_id, "request_merged")) == 1

    page = pm_client.get(f"/requests/{target_id}")
    assert vote_counts(page.text)[0] == (target_id, 4)


def test_change_status_refuses_a_duplicate_without_target(make, users):
    duplicate = make.request()
    make.vote(duplicate, users["leader"])
    with pytest.raises(ValueError, match="Choose the request"):
        change_status(db.session, duplicate, RequestStatus.DUPLICATE, users["pm"])
    db.session.rollback()
    assert reload(Request, duplicate.id).status is RequestStatus.NEW
    assert voters(duplicate.id) == {users["leader"].id}


# 3. Transitions --------------------------------------------------------------


@pytest.mark.parametrize(
    "status, allowed",
    [
        *[(status, set(RequestStatus) - {status}) for status in sorted(OPEN)],
        (RequestStatus.SHIPPED, {RequestStatus.IN_PROGRESS}),
        (RequestStatus.DECLINED, {RequestStatus.UNDER_REVIEW}),
        (RequestStatus.DUPLICATE, set()),
    ],
)
def test_transitions_table(pm_client, make, status, allowed):
    target = make.request(status=status)
    assert TRANSITIONS[status] == allowed
    assert set(allowed_statuses(target)) == allowed

    page = pm_client.get(f"/requests/{target.id}")
    if allowed:
        assert set(option_values(page.text, "status")) == {s.value for s in allowed}
    else:
        assert f'action="/requests/{target.id}/status"' not in page.text
        assert "A duplicate request stays as it is." in page.text


@pytest.mark.parametrize(
    "start, goal",
    [(start, goal) for start in sorted(CLOSED) for goal in RequestStatus if goal is not start],
)
def test_closed_requests_only_reopen_the_allowed_way(pm_client, make, start, goal):
    product = make.product()
    target = make.request(product, status=start)
    other = make.request(product)
    before = target.status

    response = triage(
        pm_client, target.id, status=goal.value, reason="Because", duplicate_of=str(other.id)
    )

    found = reload(Request, target.id)
    if (start, goal) in {
        (RequestStatus.SHIPPED, RequestStatus.IN_PROGRESS),
        (RequestStatus.DECLINED, RequestStatus.UNDER_REVIEW),
    }:
        assert response.status_code == 302
        assert found.status is goal
        assert len(activities(target.id, "request_status_changed")) == 1
    else:
        assert response.status_code == 422
        if start is RequestStatus.DUPLICATE:
            # No form to show the error in: the page says why instead.
            assert "A duplicate request stays as it is." in response.text
        else:
            assert 'id="status-error"' in response.text
            assert f"cannot become {goal.label.lower()}" in response.text
        assert found.status is before
        assert count_rows(Activity) == 0
