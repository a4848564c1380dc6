"""User Markdown to safe HTML: markdown-it-py renders, nh3 sanitises.

Nothing a user typed reaches a page unescaped: raw HTML in the Markdown is
not rendered, and nh3 keeps only the tags and attributes listed here. No
`on*` or `hx-*` attribute survives (under htmx, an injected `hx-get` is live
code), links may only be http(s) or mailto, and every link gets
rel="nofollow noopener".

Markdown is rendered once, when it is saved (see `portfolio.rendering`), and
pages show the stored HTML: a page of comments costs no parsing at all. The
parse itself is bounded: text is at most MAX_MARKDOWN_LENGTH characters, and
text with more emphasis/link delimiters than MAX_DELIMITERS (where
markdown-it's delimiter matching turns superlinear) is shown as plain text.
Bump RENDERER_VERSION when the output changes, then run
`flask --app portfolio rerender-markdown`.
"""

from __future__ import annotations

import html
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
MAX_MARKDOWN_LENGTH = 20_000
MARKDOWN_TOO_LONG = "Keep it under 20,000 characters; link to a document for longer detail."
# Delimiters whose matching costs time superlinear in their number.
DELIMITERS = frozenset("*_~[]")
MAX_DELIMITERS = 1_000
MAX_TABLE_CELLS = 2_000  # pipes: a table of 10 columns and 180 rows is fine
RENDERER_VERSION = 2


@cache
def _parser() -> MarkdownIt:
    # html=False: raw HTML in the source is shown as text, never as markup.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )


def too_much_markup(text: str) -> bool:
    return (
        sum(1 for character in text if character in DELIMITERS) > MAX_DELIMITERS
        or text.count("|") > MAX_TABLE_CELLS
    )


def plain_text_html(text: str) -> str:
    """Text as paragraphs and line breaks, every character escaped."""
    paragraphs = [part for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    return "".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in part.split("\n")) + "</p>\n"
        for part in paragraphs
    )


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    text = text[:MAX_MARKDOWN_LENGTH]
    rendered = plain_text_html(text) if too_much_markup(text) else _parser().render(text)
    # Headings inside a comment must not outrank the page's own headings.
    for level in (1, 2):
        rendered = rendered.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return Markup(clean)


def stored_markup(stored_html: str | None, source: str | None) -> Markup:
    """The HTML saved with the text; rendered now only for a row written
    without it (a bulk insert), until `flask rerender-markdown` stores it."""
    if stored_html is not None:
        return Markup(stored_html)
    return render_markdown(source)
