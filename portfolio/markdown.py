"""User Markdown to safe HTML: markdown-it-py renders, nh3 sanitises.

Nothing a user typed reaches a page unescaped: raw HTML in the Markdown is
not rendered, and nh3 keeps only the tags and attributes listed here. No
`on*` or `hx-*` attribute survives (under htmx, an injected `hx-get` is live
code), links may only be http(s) or mailto, and every link gets
rel="nofollow noopener".
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_MARKDOWN_LENGTH = 100_000


@cache
def _parser() -> MarkdownIt:
    # html=False: raw HTML in the source is shown as text, never as markup.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _parser().render(text[:MAX_MARKDOWN_LENGTH])
    # Headings inside a comment must not outrank the page's own headings.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return Markup(clean)
