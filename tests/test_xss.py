"""Hostile input in request titles, descriptions and comments: the pages carry
no executable markup of it, and the text is still shown."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portfolio.markdown import MAX_MARKDOWN_LENGTH, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="#" hx-get="/admin/users" hx-trigger="load">x</a>',
    '<div hx-post="/logout" hx-trigger="load">boom</div>',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    "<svg onload=alert(1)>",
    "<b><i>unclosed",
    '"><script>alert(2)</script>',
    "<iframe src=//evil.example></iframe>",
]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.elements


def assert_no_executable_markup(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag not in ("iframe", "object", "embed"), tag
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs  # only our own files
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:")), (
                    tag,
                    value,
                )
        if tag == "svg":
            assert "onload" not in attrs


def our_htmx_attributes(html: str) -> set[tuple[str, str]]:
    return {
        (name, value)
        for _, attrs in elements(html)
        for name, value in attrs.items()
        if name.startswith("hx-")
    }


@pytest.mark.parametrize("hostile", HOSTILE)
def test_render_markdown_strips_executable_markup(hostile):
    html = str(render_markdown(hostile))
    assert_no_executable_markup(html)
    assert not any(name.startswith("hx-") for _, attrs in elements(html) for name in attrs)


def test_links_get_nofollow_noopener():
    html = str(render_markdown("[docs](https://docs.example/x)"))
    assert 'rel="nofollow noopener"' in html and 'href="https://docs.example/x"' in html


@pytest.mark.parametrize("hostile", HOSTILE + ["A" * MAX_MARKDOWN_LENGTH])
def test_hostile_requests_and_comments_render_inert(stakeholder_client, make, users, hostile):
    product = make.product(slug="target")
    department = make.department()
    baseline_page = stakeholder_client.get("/products/target").text
    allowed_hx = our_htmx_attributes(baseline_page)

    created = stakeholder_client.post(
        "/requests/new",
        data={
            "product_id": str(product.id),
            "title": hostile[:200],
            "description": hostile,
            "department_id": str(department.id),
        },
    )
    assert created.status_code == 302, created.status_code
    request_url = created.headers["Location"]
    request_id = int(request_url.rsplit("/", 1)[1])
    for kind, target in (("request", request_id), ("product", product.id)):
        posted = stakeholder_client.post(f"/comments/{kind}/{target}", data={"body": hostile})
        assert posted.status_code == 302

    for url in (request_url, "/requests", "/products/target"):
        page = stakeholder_client.get(url).text
        assert_no_executable_markup(page)
        # Every hx-* attribute on the page is one our templates write, never the user's.
        for name, value in our_htmx_attributes(page) - allowed_hx:
            assert "/admin" not in value and "/logout" not in value, (url, name, value)
            assert name in {
                "hx-post",
                "hx-get",
                "hx-target",
                "hx-swap",
                "hx-disabled-elt",
                "hx-confirm",
                "hx-push-url",
                "hx-trigger",
                "hx-sync",
                "hx-indicator",
                "hx-swap-oob",
                "hx-headers",
            }
        visible = hostile[:60].replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
        if hostile.startswith("["):  # Markdown links that were refused show as text
            visible = hostile[:10]
        assert visible in page or hostile[:60] in page or "alert(1)" in page, url
