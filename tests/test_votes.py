"""Votes on requests: on and off, closed requests, bad input, the list's
pressed buttons, and two clicks at once."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import Request, User, Vote
from portfolio.requests.votes import cast_vote, recount_votes, withdraw_vote
from tests.helpers import (
    BIG,
    CLOSED,
    HUGE,
    assert_fragment,
    assert_vote_counts_match,
    count_rows,
    parse_html,
    vote_counts,
    voters,
)


def vote(client, request_id, state: str | None, *, htmx: bool = False, **kwargs):
    data = {} if state is None else {"state": state}
    send = client.hx_post if htmx else client.post
    return send(f"/requests/{request_id}/vote", data=data, **kwargs)


# 1. Votes --------------------------------------------------------------------


def test_vote_on_twice_keeps_one_vote_and_off_removes_it(stakeholder_client, make, users):
    target = make.request()
    make.vote(target, users["leader"])
    url = f"/requests/{target.id}/vote"

    for _ in range(2):
        response = stakeholder_client.hx_post(url, data={"state": "on"})
        assert response.status_code == 200
        assert_fragment(response, f'<div class="vote" id="vote-{target.id}"')
        assert vote_counts(response.text) == [(target.id, 2)]
        assert 'aria-pressed="true"' in response.text
        assert 'name="state" value="off"' in response.text  # the next click removes it
        db.session.expire_all()
        assert voters(target.id) == {users["leader"].id, users["stakeholder"].id}
        assert_vote_counts_match()

    response = stakeholder_client.hx_post(url, data={"state": "off"})
    assert response.status_code == 200
    assert vote_counts(response.text) == [(target.id, 1)]
    assert 'aria-pressed="false"' in response.text
    assert 'name="state" value="on"' in response.text
    db.session.expire_all()
    assert voters(target.id) == {users["leader"].id}

    # Removing a vote that is not there is harmless too.
    response = stakeholder_client.hx_post(url, data={"state": "off"})
    assert response.status_code == 200
    assert voters(target.id) == {users["leader"].id}
    assert db.session.get(Request, target.id).vote_count == 1
    assert_vote_counts_match()


@pytest.mark.parametrize(
    "referrer, location",
    [
        (None, "/requests/{id}"),
        *[(same, same) for same in ["http://localhost/requests?status=all&sort=votes"]],
        ("https://evil.example/phish", "/requests/{id}"),
    ],
)
def test_vote_without_htmx_redirects_back(stakeholder_client, make, users, referrer, location):
    target = make.request()
    headers = {"Referer": referrer} if referrer else {}
    response = vote(stakeholder_client, target.id, "on", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == location.format(id=target.id)
    db.session.expire_all()
    assert voters(target.id) == {users["stakeholder"].id}


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_voting_on_a_closed_request_is_refused(stakeholder_client, make, status):
    target = make.request(status=status)

    response = vote(stakeholder_client, target.id, "on", htmx=True)

    assert response.status_code == 409
    assert_fragment(response, f'<div class="vote" id="vote-{target.id}"')
    assert f"This request is {status.label.lower()}; it takes no new votes." in response.text
    assert vote_counts(response.text) == [(target.id, 0)]
    assert 'aria-pressed="false"' in response.text
    assert count_rows(Vote) == 0


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_voting_on_a_closed_request_without_htmx_says_why(stakeholder_client, make, status):
    target = make.request(status=status)

    response = vote(stakeholder_client, target.id, "on")

    # Without JavaScript: post/redirect/get, with the refusal flashed on the page.
    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{target.id}"
    page = stakeholder_client.get(response.headers["Location"])
    assert f"This request is {status.label.lower()}; it takes no new votes." in page.text
    assert count_rows(Vote) == 0


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_removing_a_vote_from_a_closed_request_works(stakeholder_client, make, users, status):
    target = make.request(status=status)
    make.vote(target, users["stakeholder"])
    make.vote(target, users["leader"])

    response = vote(stakeholder_client, target.id, "off", htmx=True)

    assert response.status_code == 200
    assert vote_counts(response.text) == [(target.id, 1)]
    assert 'aria-pressed="false"' in response.text
    db.session.expire_all()
    assert voters(target.id) == {users["leader"].id}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"state": ""},
        {"state": "maybe"},
        {"state": "ON"},
        {"state": "1"},
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_vote_with_missing_or_invalid_state_is_a_bad_request(
    stakeholder_client,
    make,
    users,
    data,
    htmx,
):
    target = make.request()
    make.vote(target, users["stakeholder"])
    send = stakeholder_client.hx_post if htmx else stakeholder_client.post
    response = send(f"/requests/{target.id}/vote", data=data)
    assert response.status_code == 400
    assert "Say whether to add or remove the vote." in response.text
    db.session.expire_all()
    assert voters(target.id) == {users["stakeholder"].id}


@pytest.mark.parametrize("request_id", ["99999", BIG, HUGE])
def test_vote_on_unknown_request_is_not_found(stakeholder_client, make, request_id):
    make.request()
    response = vote(stakeholder_client, request_id, "on", htmx=True)
    assert response.status_code == 404
    assert count_rows(Vote) == 0


@pytest.mark.parametrize("state", ["on", "off"])
def test_vote_without_csrf_changes_nothing(stakeholder_client, make, users, state):
    target = make.request()
    if state == "off":
        make.vote(target, users["stakeholder"])
    before = voters(target.id)
    response = vote(stakeholder_client, target.id, state, htmx=True, csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert voters(target.id) == before


def test_list_shows_my_votes_pressed(stakeholder_client, make, users):
    product = make.product()
    mine, theirs = make.request(product), make.request(product)
    make.vote(mine, users["stakeholder"])
    make.vote(theirs, users["leader"])
    page = stakeholder_client.get("/requests")
    pressed = {
        int(widget.id.removeprefix("vote-")): widget.one("button[aria-pressed]")["aria-pressed"]
        for widget in parse_html(page.text).select("div.vote")
    }
    assert pressed == {mine.id: "true", theirs.id: "false"}


# 2. Two clicks at once -------------------------------------------------------


def vote_twice_at_once(client_for, user, request_id: int) -> list:
    """Two clients of the same user post `state=on` at the same instant."""
    clients = [client_for(user) for _ in range(2)]
    headers = [{"X-CSRFToken": client.csrf_token()} for client in clients]
    barrier = threading.Barrier(2, timeout=10)
    answers: list = [None, None]
    errors: list[BaseException] = []

    def post(i: int) -> None:
        try:
            barrier.wait()
            answers[i] = vote(clients[i], request_id, "on", htmx=True, headers=headers[i])
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a vote request hung"
    assert errors == []
    return answers


def test_concurrent_double_vote_counts_once(client_for, make, users):
    user = users["stakeholder"]
    # A few rounds, so the race is likely to be hit whichever thread wins.
    for target_id in [make.request().id for _ in range(5)]:
        answers = vote_twice_at_once(client_for, user, target_id)

        assert [answer.status_code for answer in answers] == [200, 200]
        for answer in answers:
            assert 'aria-pressed="true"' in answer.text
        db.session.expire_all()
        assert count_rows(Vote, Vote.request_id == target_id) == 1
        assert voters(target_id) == {user.id}
        assert db.session.get(Request, target_id).vote_count == 1
    assert_vote_counts_match()


# 2. The maintained vote count ------------------------------------------------


def test_the_vote_count_follows_casting_and_withdrawing(make, users):
    target = make.request()
    leader, stakeholder = users["leader"], users["stakeholder"]

    for _ in range(2):  # casting twice counts once
        cast_vote(db.session, target, stakeholder)
        db.session.commit()
    assert target.vote_count == 1
    cast_vote(db.session, target, leader)
    db.session.commit()
    assert target.vote_count == 2
    for _ in range(2):  # withdrawing twice takes one off
        withdraw_vote(db.session, target, stakeholder)
        db.session.commit()
    assert target.vote_count == 1
    assert voters(target.id) == {leader.id}
    assert_vote_counts_match()


def test_check_vote_counts_reports_and_fixes_a_wrong_count(app, make, users):
    counted, wrong = make.request(), make.request()
    make.vote(counted, users["leader"])
    make.vote(wrong, users["leader"])
    make.vote(wrong, users["stakeholder"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["check-vote-counts"]).exit_code == 0

    # A voter deleted outside the app: the database drops their votes.
    db.session.execute(sa.delete(User).where(User.id == users["stakeholder"].id))
    db.session.commit()
    report = runner.invoke(args=["check-vote-counts"])
    assert report.exit_code == 1
    assert f"Request #{wrong.id}: vote count 2, votes 1" in report.output
    assert f"#{counted.id}:" not in report.output

    fixed = runner.invoke(args=["check-vote-counts", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert "Fixed 1 request(s)." in fixed.output
    db.session.expire_all()
    assert db.session.get(Request, wrong.id).vote_count == 1
    assert_vote_counts_match()
    assert runner.invoke(args=["check-vote-counts"]).exit_code == 0


def test_recount_votes_sets_every_or_the_given_requests(make, users):
    first, second = make.request(), make.request()
    make.vote(first, users["leader"])
    make.vote(second, users["leader"])
    db.session.execute(sa.update(Request).values(vote_count=7))
    db.session.commit()

    recount_votes(db.session, [first.id])
    db.session.commit()
    assert (first.vote_count, second.vote_count) == (1, 7)
    recount_votes(db.session, [])  # nothing to do
    recount_votes(db.session)
    db.session.commit()
    assert (first.vote_count, second.vote_count) == (1, 1)
    assert_vote_counts_match()
