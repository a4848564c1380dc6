"""Fair floors: the least work that produces what a page shows.

Each floor reads what its page shows with ONE hand-written SQL statement and
builds the answer with f-strings, no ORM and no templates:

- `board_cards`: the board's cards, byte-identical to the cards in GET /board
  (tests/test_bench_floor.py checks it, so drift in templates/board/_card.html
  is caught: update CARD below with the template);
- `dashboard`, `requests_by_votes`, `api_board`: the same visible rows as
  the page, joined into minimal markup (or JSON) — not the page's bytes, so
  their ratio says how far a page is from fetching its rows once.
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from markupsafe import escape

COLUMNS = ("now", "next", "later", "shipped")
COLUMN_PAGE = 100  # cards per column on the default board (board/queries.py)

# The top COLUMN_PAGE cards of each column, in board order, with what a card shows.
BOARD_SQL = " UNION ALL ".join(
    f"""SELECT * FROM (
  SELECT i.id, i.board_column, i.version, i.title, i.reach, i.impact, i.confidence, i.effort,
         i.shipped_on, p.name AS product, u.display_name AS owner,
         (SELECT coalesce(sum(q.vote_count), 0) FROM roadmap_item_request r
           JOIN product_request q ON q.id = r.request_id WHERE r.item_id = i.id) AS votes,
         (SELECT group_concat(name, char(31)) FROM (
            SELECT DISTINCT d.name FROM roadmap_item_request r
            JOIN product_request q ON q.id = r.request_id
            JOIN department d ON d.id = q.department_id
            WHERE r.item_id = i.id ORDER BY d.name)) AS departments
  FROM roadmap_item i JOIN product p ON p.id = i.product_id
  LEFT JOIN user_account u ON u.id = i.owner_id
  WHERE i.board_column = '{column}' ORDER BY i.rank LIMIT {COLUMN_PAGE})"""
    for column in COLUMNS
)


def board_rows(connection) -> list:
    return connection.execute(sa.text(BOARD_SQL)).all()


def card_html(row, urls: dict[str, str], can_move: bool) -> str:
    """One card, as templates/board/_card.html draws it on an unfiltered board."""
    item_id, column, version = row.id, row.board_column, row.version
    title = escape(row.title)
    score = row.reach * row.impact * (row.confidence / 100) / row.effort
    score_text = f"{score:.0f}" if score >= 10 else f"{score:.1f}"
    show = urls["show"].format(item_id)
    owner = escape(row.owner) if row.owner is not None else "No owner"
    shipped = column == "shipped"
    shipped_on = ""
    if shipped and row.shipped_on:
        day = (
            row.shipped_on
            if isinstance(row.shipped_on, date)
            else date.fromisoformat(row.shipped_on)
        )
        shipped_on = f'<span class="card-shipped-on">shipped {day.strftime("%d %b %Y")}</span>'
    departments = ""
    if row.departments:
        tags = "".join(
            f'<span class="tag">{escape(n)}</span>' for n in row.departments.split("\x1f")
        )
        departments = f'<p class="card-departments">{tags}</p>'
    head = (
        f'<article class="card card-{column}" id="card-{item_id}" data-item-id="{item_id}"'
        f' data-version="{version}"\n         aria-labelledby="card-{item_id}-title">\n'
        f'  <div class="card-top">\n'
    )
    if can_move:
        head += (
            '<span class="drag-handle" title="Drag the card to move it" aria-hidden="true">⠿</span>'
        )
    body = (
        f'    <span class="card-product">{escape(row.product)}</span>\n'
        '    <span class="card-score" title="RICE score: reach × impact × confidence ÷ effort">'
        '<span class="card-score-label">RICE</span> '
        f'<span data-testid="score">{score_text}</span></span>\n'
        "  </div>\n"
        f'  <h3 class="card-title" id="card-{item_id}-title">\n'
        f'    <a href="{show}" hx-get="{show}"\n'
        f'       hx-target="#panel" hx-swap="innerHTML" hx-push-url="true">{title}</a>\n'
        "  </h3>\n"
        '  <p class="card-meta">\n'
        '    <span class="card-votes" title="Votes on the requests it answers">'
        f'<span aria-hidden="true">▲</span> {row.votes}'
        '<span class="visually-hidden"> votes</span></span>\n'
        f'    <span class="card-owner">{owner}</span>\n'
        f"{shipped_on}  </p>\n"
        f"{departments}"
    )
    if not can_move:
        return head + body + "</article>"
    move = urls["move_step"].format(item_id)
    if shipped:
        link = urls["reopen_item"].format(item_id)
        other = f'<a class="ship-link" id="reopen-{item_id}" href="{link}" hx-get="{link}"'
        other += ' hx-target="#board-dialog" hx-swap="innerHTML">Reopen…</a>\n'
    else:
        link = urls["ship_item"].format(item_id)
        other = f'<a class="ship-link" id="ship-{item_id}" href="{link}" hx-get="{link}"'
        other += ' hx-target="#board-dialog" hx-swap="innerHTML">Ship…</a>\n'
    previous_off = 'aria-disabled="true"' if column == "now" or shipped else ""
    next_off = 'aria-disabled="true"' if column == "later" or shipped else ""
    label = f"Move “{title}”"
    action = f'form="card-moves" formaction="{move}?version={version}"'
    form = (
        f'  <div class="card-moves" role="group" aria-label="Move {title}">\n'
        f'    <button type="submit" {action} name="direction" value="up" id="move-up-{item_id}"'
        f' class="move-button" aria-label="{label} up" title="Move up">↑</button>\n'
        f'    <button type="submit" {action} name="direction" value="down" id="move-down-{item_id}"'
        f' class="move-button" aria-label="{label} down" title="Move down">↓</button>\n'
        f'    <button type="submit" {action} name="direction" value="previous"'
        f' id="move-previous-{item_id}"'
        f' class="move-button" aria-label="{label} to the previous column"'
        f' title="Previous column" {previous_off}>←</button>\n'
        f'    <button type="submit" {action} name="direction" value="next" id="move-next-{item_id}"'
        f' class="move-button" aria-label="{label} to the next column"'
        f' title="Next column" {next_off}>→</button>\n'
        f"      {other}"
        "  </div>\n"
    )
    return head + body + form + "</article>"


def board_cards(connection, urls: dict[str, str], can_move: bool = True) -> str:
    """Every card of the default board, as GET /board draws them."""
    return "".join(card_html(row, urls, can_move) for row in board_rows(connection))


# The other pages: the same visible rows, minimal markup ---------------------------

OPEN = "q.status IN ('new', 'under_review', 'planned', 'in_progress')"
LIST_ROWS = 10  # rows per dashboard list (dashboard/rollups.py)
REQUESTS_PAGE = 50  # rows per page of /requests (requests/queries.py)
API_PAGE = 50  # cards per page of /api/board (api/views.py)

DASHBOARD_SQL = f"""
SELECT 'glance', 'products', count(*), NULL FROM product
UNION ALL SELECT 'glance', board_column, count(*), NULL FROM roadmap_item GROUP BY board_column
UNION ALL SELECT * FROM (SELECT 'top', q.title, q.vote_count, p.name FROM product_request q
  JOIN product p ON p.id = q.product_id WHERE {OPEN}
  ORDER BY q.vote_count DESC, q.id DESC LIMIT {LIST_ROWS})
UNION ALL SELECT * FROM (SELECT 'demand', d.name, sum(q.vote_count), count(*) FROM product_request q
  JOIN department d ON d.id = q.department_id WHERE {OPEN}
  GROUP BY d.id ORDER BY 3 DESC LIMIT {LIST_ROWS})
UNION ALL SELECT * FROM (SELECT 'shipped', i.title, i.shipped_on, p.name FROM roadmap_item i
  JOIN product p ON p.id = i.product_id WHERE i.board_column = 'shipped'
  ORDER BY i.shipped_on DESC, i.id DESC LIMIT {LIST_ROWS})
"""


def dashboard(connection) -> str:
    """The dashboard's main figures and lists (counts at a glance, the most voted
    open requests, demand by department, the latest shipped items) in one query,
    as minimal tables. Not the page's bytes: its ratio is page ÷ "read the rows once"."""
    sections: dict[str, list[str]] = {}
    for kind, label, value, extra in connection.execute(sa.text(DASHBOARD_SQL)):
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in (label, value, extra))
        sections.setdefault(kind, []).append(f"<tr>{cells}</tr>")
    return "".join(f'<table id="{kind}">{"".join(rows)}</table>' for kind, rows in sections.items())


REQUESTS_BY_VOTES_SQL = f"""
SELECT q.id, q.title, q.status, q.vote_count, q.created_at, p.name, d.name
FROM product_request q JOIN product p ON p.id = q.product_id
LEFT JOIN department d ON d.id = q.department_id
ORDER BY q.vote_count DESC, q.id DESC LIMIT {REQUESTS_PAGE}
"""


def requests_by_votes(connection) -> str:
    """The first page of /requests?sort=votes (its rows by the maintained vote
    count, through its index) as a minimal table."""
    rows = connection.execute(sa.text(REQUESTS_BY_VOTES_SQL))
    return (
        "<table>"
        + "".join(
            f'<tr id="request-{r[0]}"><td><a href="/requests/{r[0]}">{escape(r[1])}</a></td>'
            f"<td>{r[2]}</td><td>{r[3]}</td><td>{r[4]}</td><td>{escape(r[5])}</td>"
            f"<td>{escape(r[6] or '')}</td></tr>"
            for r in rows
        )
        + "</table>"
    )


API_BOARD_SQL = (
    "SELECT * FROM ("
    + " UNION ALL ".join(
        f"""SELECT * FROM (
  SELECT i.id, i.title, i.board_column, i.rank, p.slug, p.name, u.display_name,
         i.reach, i.impact, i.confidence, i.effort,
         (SELECT coalesce(sum(q.vote_count), 0) FROM roadmap_item_request r
          JOIN product_request q ON q.id = r.request_id WHERE r.item_id = i.id)
  FROM roadmap_item i JOIN product p ON p.id = i.product_id
  LEFT JOIN user_account u ON u.id = i.owner_id
  WHERE i.board_column = '{column}' ORDER BY i.rank LIMIT {API_PAGE})"""
        for column in COLUMNS
    )
    + f") LIMIT {API_PAGE}"
)


def api_board(connection) -> str:
    """The first page of /api/board (cards in board order) as JSON."""
    cards = []
    positions: dict[str, int] = {}
    for r in connection.execute(sa.text(API_BOARD_SQL)):
        positions[r[2]] = positions.get(r[2], 0) + 1
        cards.append(
            {
                "id": r[0],
                "title": r[1],
                "column": r[2],
                "position": positions[r[2]],
                "product": {"slug": r[4], "name": r[5]},
                "owner": r[6],
                "score": round(r[7] * r[8] * (r[9] / 100) / r[10], 1),
                "votes": r[11],
            }
        )
    return json.dumps({"items": cards})
