"""The Content-Security-Policy holds in a real browser through a whole session."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import drag, sign_in, wait_for_saved_move

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_login_search_drag_comment_without_a_single_csp_violation(page, live_server, demo):
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server, "pm@demo.example")
    response = page.goto(f"{live_server}/products")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp

    page.get_by_role("searchbox", name="Search products").press_sequentially("crm", delay=20)
    expect(page.locator("#results tbody tr")).to_have_count(
        2
    )  # Sales CRM, and Insights BI (reads CRM data)
    assert page.evaluate("window.__cspViolations") == []

    page.goto(f"{live_server}/board")
    with page.expect_response(lambda r: r.url.endswith("/board/move")):
        drag(
            page,
            page.locator("#cards-later .card").nth(2),
            page.locator("#cards-later .card").nth(0),
        )
    wait_for_saved_move(page)
    assert page.evaluate("window.__cspViolations") == []

    page.goto(f"{live_server}/requests/3")
    page.get_by_role("textbox", name="Comment").fill("Checked under a strict policy.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-list .comment").last).to_contain_text(
        "Checked under a strict policy."
    )
    assert page.evaluate("window.__cspViolations") == []
