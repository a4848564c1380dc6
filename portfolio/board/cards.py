"""Cards' HTML, drawn once per content and kept.

A board page shows hundreds of cards and most have not changed since the last
time anyone looked: each is drawn from `_card.html` once for what it shows
(`Card` is hashable, and includes its version, votes and departments) and
whether the viewer may move it, then reused. The store is per app and bounded:
when full it starts afresh, so a board of any size never holds more than
CARD_CACHE_SIZE cards' HTML (about 2 KB each).
"""

from __future__ import annotations

from flask import current_app
from markupsafe import Markup

from portfolio.board.queries import Card

CARD_CACHE_SIZE = 4000
CARD_TEMPLATE = "board/_card.html"


def card_html(card: Card, can_move: bool) -> Markup:
    cache: dict[tuple[Card, bool], Markup] = current_app.extensions.setdefault(
        "portfolio_board_cards", {}
    )
    key = (card, can_move)
    html = cache.get(key)
    if html is None:
        template = current_app.jinja_env.get_template(CARD_TEMPLATE)
        html = Markup(template.render(card=card, can_move=can_move))
        if len(cache) >= CARD_CACHE_SIZE:
            cache.clear()
        cache[key] = html
    return html


def cards_html(cards: list[Card], can_move: bool) -> Markup:
    """A list of cards, joined here rather than looped over in the template:
    one template call per column instead of one per card."""
    return Markup("").join(card_html(card, can_move) for card in cards)
