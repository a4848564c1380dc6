"""What the board's views answer, each building only what it shows: the whole
board, a moved card with the column headers it changed, the ship dialog, an
item's detail. The views in views.py load, check the role, call one domain
function (moves.py, items.py) and answer with these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from flask import Response, current_app, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.activity.trail import latest_for_item
from portfolio.board.conflicts import StaleMove
from portfolio.board.forms import ReopenForm, ShipForm
from portfolio.board.moves import REOPEN_COLUMNS, MoveRefused
from portfolio.board.queries import (
    COLUMN_PAGE,
    BoardFilters,
    BoardView,
    Card,
    board_counts,
    linked_requests_with_votes,
    load_board,
    load_card,
    load_cards,
)
from portfolio.comments.forms import CommentForm
from portfolio.comments.threads import load_thread
from portfolio.dashboard.measured_cards import check_card
from portfolio.extensions import db
from portfolio.htmx import is_partial, render, render_fragment, retarget
from portfolio.models import Column, RoadmapItem, Tag
from portfolio.revisions import if_none_match, page_etag, page_revision
from portfolio.selects import SELECT_CAP, department_source, filter_options, product_source

T = TypeVar("T")


# The whole board -----------------------------------------------------------------------


def board_context(filters: BoardFilters, **extra) -> dict:
    return {
        "board": load_board(db.session, filters),
        "poll": board_poll(filters),
        "filters": filters,
        "columns": list(Column),
        "can_move": current_user.can("manage_roadmap"),
        "conflict_message": None,
        **extra,
    }


def column_context(filters: BoardFilters, column: Column, page: int) -> dict:
    """Page `page` of one column's cards (those the filters match). Appended to
    the board by htmx, the cards carry the board's move buttons; on their own
    page, without the board's form, they are read-only."""
    count = board_counts(db.session, filters, [column])[column]
    pages = max((count.matching + COLUMN_PAGE - 1) // COLUMN_PAGE, 1)
    page = min(page, pages)
    cards = load_cards(db.session, filters, [column], offset=(page - 1) * COLUMN_PAGE)[column]
    shown_before = (page - 1) * COLUMN_PAGE
    return {
        "column": column,
        "count": count,
        "cards": cards,
        "page": page,
        "pages": pages,
        "first": shown_before + 1 if cards else 0,
        "last": shown_before + len(cards),
        "hidden": max(count.matching - shown_before - len(cards), 0),
        "next_page": page + 1,
        "filters": filters,
        "page_args": {"column": column.value, **filters.to_args()},
        "can_move": current_user.can("manage_roadmap") and is_partial(),
    }


def board_poll(filters: BoardFilters) -> dict:
    """The live board's poll: every BOARD_POLL_SECONDS the board asks for itself
    with the ETag it would be answered with at the revision it was drawn at, so
    it gets an empty 304 until something changes (revisions.conditional_page)."""
    args = filters.to_args()
    etag = page_etag(
        page_revision(),
        path=url_for("board.index"),
        args=[(name, str(value)) for name, value in args.items()],
        htmx=("true", "board"),  # what htmx sends: HX-Request, and HX-Target for #board
    )
    return {
        "url": url_for("board.index", **args),
        "headers": {"If-None-Match": if_none_match(etag)},
        "seconds": current_app.config["BOARD_POLL_SECONDS"],
    }


def filter_choices(filters: BoardFilters) -> dict:
    """What the filter form outside the board offers (the full page only):
    a bounded list of products and departments, always with the ones filtered on."""
    return {
        "products": filter_options(product_source(retired=True), filters.product_id),
        "departments": filter_options(department_source(), filters.department_id),
        "tags": tag_options(filters.tag),
        "views": list(BoardView),
    }


def tag_options(current: str) -> list[str]:
    """The first SELECT_CAP tags, and always the one filtered on if it exists."""
    tags = list(
        db.session.execute(db.select(Tag.name).order_by(Tag.name).limit(SELECT_CAP)).scalars()
    )
    if current and current not in {tag.lower() for tag in tags}:
        tags += db.session.execute(
            db.select(Tag.name).where(sa.func.lower(Tag.name) == current).limit(1)
        ).scalars()
    return tags


def filters_from_form() -> BoardFilters:
    """Moves carry the board's filters, so the refreshed board keeps them."""
    return BoardFilters.from_args(request.form)


def board_url(filters: BoardFilters, card: RoadmapItem | None = None) -> str:
    """The board with `filters`, scrolled to `card`."""
    return url_for("board.index", **filters.to_args()) + (f"#card-{card.id}" if card else "")


def board_fragment(filters: BoardFilters, status: int = 200, **extra) -> Response:
    """The whole board, swapped in place of the board whatever the request targeted."""
    return retarget(
        render("board/index.html", "board", status=status, **board_context(filters, **extra)),
        "#board",
    )


def refreshed_board(message: str, status: int = 409) -> Response:
    """A stale or refused move: the whole board again, with why."""
    db.session.rollback()
    filters = filters_from_form()
    if not is_partial():
        flash(message, "warning")
        return redirect(board_url(filters))
    return board_fragment(filters, status, conflict_message=message)


def save_move(move: Callable[[], T]) -> tuple[T | None, Response | None]:
    """Run `move` and commit: (its result, None), or (None, the refreshed board)."""
    try:
        result = move()
        db.session.commit()
        return result, None
    except StaleMove as stale:
        return None, refreshed_board(stale.message)
    except MoveRefused as refused:
        return None, refreshed_board(str(refused), status=422)


# One card after a move ---------------------------------------------------------------------


def card_answer(item_id: int, columns: set[Column], *, placed: bool = False) -> Response:
    """The moved card, read afresh (new version), plus the headers of the columns
    it left and joined. `placed`: the card also says where it goes in the page,
    for an out-of-band swap (keyboard moves within a column)."""
    card = load_card(db.session, item_id)
    filters = filters_from_form()
    # A filtered board's headers also count what the filters show.
    counts = board_counts(db.session, filters, columns) if columns else {}
    return render_fragment(
        "board/_move_answer.html",
        card=card,
        can_move=True,
        filters=filters,
        headers=[counts[column] for column in sorted(counts, key=lambda c: c.position)],
        insert=neighbour_selector(card) if placed else None,
    )


def neighbour_selector(item: Card) -> str:
    """Where the moved card goes in the page: after the card above it, or at the top."""
    above = db.session.execute(
        db.select(RoadmapItem.id)
        .where(RoadmapItem.column == item.column, RoadmapItem.rank < item.rank)
        .order_by(RoadmapItem.rank.desc())
        .limit(1)
    ).scalar()
    if above is None:
        return f"afterbegin:#cards-{item.column.value}"
    return f"afterend:#card-{above}"


# One item ----------------------------------------------------------------------------------


def board_dialog(page: str, fragment: str, item: RoadmapItem, form, status: int) -> Response:
    """A form about one card: a dialog over the board, or a page without htmx."""
    if not is_partial():
        return render(page, item=item, form=form, status=status)
    dialog = render_fragment(
        fragment, item=item, form=form, dialog=True, filters=filters_from_form(), status=status
    )
    return retarget(dialog, "#board-dialog", "innerHTML")


def board_changed(item: RoadmapItem, message: str) -> Response:
    """After a dialog's change (ship, reopen): the board with a focused notice,
    or back to the board at the card without htmx."""
    if not is_partial():
        flash(message, "success")
        return redirect(url_for("board.index") + f"#card-{item.id}")
    return render(
        "board/index.html",
        "board",
        **board_context(filters_from_form(), notice=message, notice_takes_focus=True),
    )


def ship_dialog(item: RoadmapItem, form: ShipForm | None = None, status: int = 200) -> Response:
    """Ask for the release note before a card ships."""
    form = form or ShipForm(formdata=None, version=item.version)
    return board_dialog("board/ship.html", "board/_ship_form.html", item, form, status)


def reopen_dialog(
    item: RoadmapItem,
    form: ReopenForm | None = None,
    status: int = 200,
    column: Column | None = None,
) -> Response:
    """Ask where to and why before a shipped card comes back: a dialog over
    the board, or a page without htmx. `column` preselects a drag's target."""
    if form is None:
        form = ReopenForm(formdata=None, version=item.version)
        if column is not None and column in REOPEN_COLUMNS:
            form.column.data = column
    return board_dialog("board/reopen.html", "board/_reopen_form.html", item, form, status)


def detail_context(item: RoadmapItem) -> dict:
    return {
        "item": item,
        "linked": linked_requests_with_votes(db.session, item.id),
        "history": db.session.execute(latest_for_item(item.id)).scalars().all(),
        "thread": load_thread(db.session, "item", item.id, CommentForm(formdata=None)),
        "can_move": current_user.can("manage_roadmap"),
        "measured": check_card(item, date.today()) if item.expected_change is not None else None,
    }
