"""Requests, votes and comments in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_not_reloaded, mark_page, screenshot, sign_in


def test_vote_toggles_in_place(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/requests/1")
    vote = page.locator(".request-header .vote")
    button = vote.get_by_role("button")
    before = int(vote.get_by_test_id("vote-count").inner_text())
    was_pressed = button.get_attribute("aria-pressed") == "true"
    mark_page(page)

    button.click()
    expected = before - 1 if was_pressed else before + 1
    expect(page.locator(".request-header .vote").get_by_test_id("vote-count")).to_have_text(
        str(expected)
    )
    expect(page.locator(".request-header .vote button")).to_have_attribute(
        "aria-pressed", "false" if was_pressed else "true"
    )
    page.locator(".request-header .vote button").click()
    expect(page.locator(".request-header .vote").get_by_test_id("vote-count")).to_have_text(
        str(before)
    )
    assert_not_reloaded(page)


def test_double_click_on_vote_counts_once(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/requests?status=all&sort=oldest")
    row = page.locator("tr", has_text="Status page for business users")
    count = row.get_by_test_id("vote-count")
    before = int(count.inner_text())
    if row.locator("button[aria-pressed=true]").count():
        row.get_by_role("button").click()
        expect(row.locator("button[aria-pressed=false]")).to_have_count(1)
        before -= 1
    row.get_by_role("button").dblclick()
    expect(row.locator("button[aria-pressed=true]")).to_have_count(1)
    expect(row.get_by_test_id("vote-count")).to_have_text(str(before + 1))
    page.reload()
    expect(
        page.locator("tr", has_text="Status page for business users").get_by_test_id("vote-count")
    ).to_have_text(str(before + 1))


def test_comment_appears_without_reload_and_edits_inline(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/requests/2")
    mark_page(page)
    comments = page.locator(".comment-list .comment")
    before = comments.count()

    page.get_by_role("textbox", name="Comment").fill("We need this for **month-end** too.")
    page.get_by_role("button", name="Post comment").click()
    expect(comments).to_have_count(before + 1)
    new_comment = comments.last
    expect(new_comment.locator("strong")).to_have_text(["Sam Stakeholder", "month-end"])
    expect(page.get_by_role("textbox", name="Comment")).to_have_value("")

    new_comment.get_by_role("link", name="Edit").click()
    editor = page.locator("form.comment-edit")
    editor.get_by_role("textbox").fill("We need this for quarter-end too.")
    editor.get_by_role("button", name="Save").click()
    edited = page.locator(".comment-list .comment").last
    expect(edited.locator(".comment-body")).to_have_text("We need this for quarter-end too.")
    expect(edited.locator(".edited")).to_have_text("(edited)")
    assert_not_reloaded(page)

    page.reload()
    expect(page.locator(".comment-list .comment").last.locator(".comment-body")).to_have_text(
        "We need this for quarter-end too."
    )


def test_empty_comment_shows_error_in_the_form(page, live_server, demo, console):
    console.allow("status of 422")
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/products/team-chat")
    mark_page(page)
    page.get_by_role("button", name="Post comment").click()
    expect(
        page.locator("#comments-product-7 .field-error, .comment-thread .field-error")
    ).to_contain_text("Write something first")
    assert_not_reloaded(page)


def test_raise_a_request_and_follow_it(page, live_server, demo, console):
    console.allow("status of 422")
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/products/people-hris")
    page.get_by_role("link", name="Raise a request").click()
    expect(page.get_by_label("Product")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_label("Requesting department")).not_to_have_value("")
    page.get_by_label("Title").fill("Payslips in the HRIS app")
    page.get_by_role("button", name="Submit request").click()
    # The description was forgotten: the error sits next to it and the title is kept.
    expect(page.locator("#description-error")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Payslips in the HRIS app")
    page.get_by_label("Description").fill("Employees ask HR for payslips every month.")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payslips in the HRIS app")
    expect(page.get_by_test_id("request-status")).to_have_text("New")
    expect(page.locator(".request-header").get_by_test_id("vote-count")).to_have_text("1")
    screenshot(page, "request-page")


def test_request_filters_follow_the_url(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/requests")
    mark_page(page)
    page.locator("#request-filters select[name=status]").select_option("declined")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"status=declined"))
    page.locator("#request-filters select[name=sort]").select_option("votes")
    expect(page).to_have_url(re.compile(r"sort=votes"))
    assert_not_reloaded(page)
