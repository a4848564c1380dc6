"""The bell and /notifications in a real browser."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portfolio.comments.threads import post_comment
from portfolio.extensions import db
from portfolio.models import OPEN_STATUSES, Request, RequestStatus, User
from portfolio.requests.triage import change_status
from tests.browser.helpers import assert_not_reloaded, mark_page, screenshot, sign_in


@pytest.fixture
def app_settings() -> dict:
    return {"BELL_POLL_SECONDS": 1}  # the page asks every second, not every 30


def person(email: str) -> User:
    return db.session.execute(User.by_email(email)).scalar_one()


def open_request_of(user: User) -> Request:
    return db.session.execute(
        sa.select(Request)
        .where(Request.requester_id == user.id, Request.status.in_(OPEN_STATUSES))
        .order_by(Request.id)
        .limit(1)
    ).scalar_one()


def test_the_bell_counts_another_persons_action_and_the_list_marks_read(page, live_server, demo):
    staff, pm = person("staff@demo.example"), person("pm@demo.example")
    mine = open_request_of(staff)
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/requests/{mine.id}")
    count = page.get_by_test_id("bell-count")
    expect(count).to_have_text("0")
    mark_page(page)

    # A PM declines the request elsewhere: the open page's bell hears of it.
    change_status(db.session, mine, RequestStatus.DECLINED, pm, reason="The vendor ends it.")
    db.session.commit()
    expect(count).to_have_text("1")
    expect(page.get_by_role("link", name="Notifications: 1 unread")).to_be_visible()
    assert_not_reloaded(page)

    page.get_by_test_id("bell").click()
    page.wait_for_url(f"{live_server}/notifications")
    entry = page.get_by_test_id("notification")
    expect(entry).to_have_count(1)
    expect(entry).to_have_class("notification unread")
    expect(entry).to_contain_text("was declined")
    expect(entry).to_contain_text("The vendor ends it.")
    screenshot(page, "notifications")

    # Opening it reads it and leads to the request.
    entry.get_by_role("link").click()
    page.wait_for_url(f"{live_server}/requests/{mine.id}")
    expect(page.get_by_test_id("bell-count")).to_have_text("0")
    page.goto(f"{live_server}/notifications")
    expect(page.get_by_test_id("notification")).to_have_class("notification")

    # More news, then "Mark all read" clears the list and the bell in place.
    post_comment(db.session, "request", mine, pm, "We looked again: still no.")
    db.session.commit()
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    page.reload()
    expect(page.locator(".notification.unread")).to_have_count(1)
    mark_page(page)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.get_by_test_id("bell-count")).to_have_text("0")
    assert_not_reloaded(page)


def test_watching_and_mentioning_from_the_request_page(page, live_server, demo):
    staff = person("staff@demo.example")
    sign_in(page, live_server, "leader@demo.example")
    request_id = open_request_of(staff).id
    page.goto(f"{live_server}/requests/{request_id}")
    mark_page(page)
    watch = page.locator(f"#watch-request-{request_id} button")
    pressed = watch.get_attribute("aria-pressed")
    watch.click()
    expect(page.locator(f"#watch-request-{request_id} button")).to_have_attribute(
        "aria-pressed", "false" if pressed == "true" else "true"
    )

    box = page.locator(f"#comment-body-request-{request_id}")
    box.fill("Over to you ")
    page.get_by_label("Mention a colleague").fill("Sam")
    suggestion = page.locator("[data-mention]", has_text="Sam Stakeholder")
    suggestion.click()
    expect(box).to_have_value("Over to you @staff ")
    page.get_by_role("button", name="Post comment").click()
    mention = page.locator(".comment-list a.mention", has_text="@staff")
    expect(mention).to_have_attribute("href", "mailto:staff@demo.example")
    assert_not_reloaded(page)
    screenshot(page, "request-watch-mention")
