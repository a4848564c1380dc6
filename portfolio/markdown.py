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

Mentions: `@handle` in text (not in code, not inside a link) names a person
(see `portfolio.notifications.mentions` for what a handle is). The caller
passes the handles it resolved, and each becomes a `mailto:` link with the
class `mention`; nh3 still sanitises the result, and `mention` is the only
class it lets through.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
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
ALLOWED_CLASSES = {"a": {"mention"}}
RENDERER_VERSION = 3  # 3: @mentions are links

# `@` then an email's local part (not ending in a dot: "thanks @ana." names
# "ana"), optionally followed by its `@domain`. Not after a word character,
# so an email address in the text mentions nobody.
MENTION_PATTERN = re.compile(
    r"(?<![\w@.+-])@([A-Za-z0-9_](?:[\w.+-]*[\w+-])?(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)",
    re.ASCII,
)


@dataclass(frozen=True)
class MentionLink:
    """Where a resolved mention points, and the name it shows on hover."""

    href: str
    title: str


def _mentions(state: StateCore) -> None:
    """Core rule: turn `@handle` in text tokens into links (handles the caller
    resolved, in env["mentions"]) and collect every handle seen (env["seen"])."""
    links: Mapping[str, MentionLink] = state.env.get("mentions") or {}
    seen: list[str] | None = state.env.get("seen")
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            children.extend(_split_mentions(token.content, links, seen))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _split_mentions(
    content: str, links: Mapping[str, MentionLink], seen: list[str] | None
) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    for match in MENTION_PATTERN.finditer(content):
        handle = match.group(1).lower()
        if seen is not None:
            seen.append(handle)
        link = links.get(handle)
        if link is None:
            continue
        if match.start() > position:
            tokens.append(_text(content[position : match.start()]))
        opening = Token("link_open", "a", 1)
        opening.attrs = {"href": link.href, "class": "mention", "title": link.title}
        tokens += [opening, _text(match.group(0)), Token("link_close", "a", -1)]
        position = match.end()
    if position < len(content):
        tokens.append(_text(content[position:]))
    return tokens


@cache
def _parser() -> MarkdownIt:
    # html=False: raw HTML in the source is shown as text, never as markup.
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )
    parser.core.ruler.push("mentions", _mentions)
    return parser


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


def mentioned_handles(text: str | None) -> list[str]:
    """The handles `@…` in `text` as it renders (lowercase, each once, in
    order): not those in code or inside a link, none in text too marked-up
    to parse (shown as plain text)."""
    if not text or "@" not in text:
        return []
    text = text[:MAX_MARKDOWN_LENGTH]
    if too_much_markup(text):
        return []
    seen: list[str] = []
    _parser().parse(text, {"seen": seen})
    return list(dict.fromkeys(seen))


def render_markdown(text: str | None, mentions: Mapping[str, MentionLink] | None = None) -> Markup:
    """`text` as safe HTML; `mentions` (handle → link) makes those `@handle` links."""
    if not text:
        return Markup("")
    text = text[:MAX_MARKDOWN_LENGTH]
    if too_much_markup(text):
        rendered = plain_text_html(text)
    else:
        rendered = _parser().render(text, {"mentions": mentions or {}})
    # Headings inside a comment must not outrank the page's own headings.
    for level in (1, 2):
        rendered = rendered.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        allowed_classes=ALLOWED_CLASSES,
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
