from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import BaseConverter

from portfolio.auth.permissions import requires
from portfolio.board.answers import (
    board_changed,
    board_context,
    board_fragment,
    board_url,
    card_answer,
    column_context,
    detail_context,
    filter_choices,
    filters_from_form,
    refreshed_board,
    reopen_dialog,
    save_move,
    ship_dialog,
)
from portfolio.board.cards import card_html, cards_html
from portfolio.board.conflicts import StaleMove
from portfolio.board.forms import (
    DirectionForm,
    ItemForm,
    LimitsForm,
    MoveForm,
    ReopenForm,
    ShipForm,
)
from portfolio.board.items import PromotionRefused, create_item, edit_item, promote_request
from portfolio.board.moves import (
    MoveRefused,
    asks_for_release_note,
    asks_to_reopen,
    move_by_direction,
    move_item,
    order_column_by_score,
    reopen,
    save_wip_limits,
    ship,
)
from portfolio.board.queries import MAX_COLUMN_PAGES, BoardFilters, item_detail
from portfolio.database import reads_one_snapshot
from portfolio.extensions import db
from portfolio.filters import parse_id, parse_positive_int
from portfolio.htmx import is_partial, render, retarget
from portfolio.models import Column, Request, RoadmapItem
from portfolio.revisions import conditional_page

bp = Blueprint("board", __name__)
bp.add_app_template_global(Column, "Column")
bp.add_app_template_global(card_html, "card_html")
bp.add_app_template_global(cards_html, "cards_html")
PLACEHOLDER_ID = 987654321


@bp.record_once
def register_converters(state) -> None:
    """`<column:…>` in the rules below: registered before them, as the blueprint records."""
    state.app.url_map.converters["column"] = ColumnConverter


class ColumnConverter(BaseConverter):
    """A board column by its value in the URL; any other word is a 404."""

    regex = "(?:" + "|".join(column.value for column in Column) + ")"
    part_isolating = True

    def to_python(self, value: str) -> Column:
        return Column(value)

    def to_url(self, value: Column | str) -> str:
        return Column(value).value


@bp.app_template_global()
def item_url(endpoint: str, item_id: int) -> str:
    """url_for for one card's links, built once per endpoint and request:
    a board of thousands of cards would otherwise spend most of its time in url_for."""
    cache = g.setdefault("item_url_templates", {})
    if endpoint not in cache:
        cache[endpoint] = url_for(endpoint, item_id=PLACEHOLDER_ID)
    return cache[endpoint].replace(str(PLACEHOLDER_ID), str(item_id))


# The board -------------------------------------------------------------------------


@bp.get("/board")
@requires("browse")
@conditional_page
@reads_one_snapshot
def index():
    filters = BoardFilters.from_args(request.args)
    choices = filter_choices(filters)
    filters.drop_unknown(
        {id_ for id_, _ in choices["products"]},
        {id_ for id_, _ in choices["departments"]},
        set(choices["tags"]),
    )
    return render("board/index.html", "board", **board_context(filters), **choices)


@bp.get("/board/columns/<column:column>")
@requires("browse")
@reads_one_snapshot
def column_cards(column: Column):
    """A column's cards past the board's first page: htmx appends the next page
    to the column ("Show more"); without it, a page of its own."""
    filters = BoardFilters.from_args(request.args)
    page = parse_positive_int(request.args.get("page"), maximum=MAX_COLUMN_PAGES) or 1
    context = column_context(filters, column, page)
    if is_partial():
        return render("board/column.html", "more", **context)
    return render("board/column.html", **context)


@bp.post("/board/move")
@requires("manage_roadmap")
def move():
    """A drag and drop: the card, its version, the column, and its new neighbours."""
    form = MoveForm()
    if not form.validate():
        abort(400, "The move was incomplete; reload the board.")
    item = db.get_or_404(RoadmapItem, form.item_id.data)
    column = form.column.data
    old_column = item.column
    if asks_for_release_note(item, column):
        return ship_dialog(item)
    if asks_to_reopen(item, column):
        return reopen_dialog(item, column=column)
    _, refused = save_move(
        lambda: move_item(
            db.session,
            item,
            column=column,
            above_id=form.above_id.data,
            below_id=form.below_id.data,
            expected_version=form.version.data,
            actor=current_user,
        )
    )
    if refused:
        return refused
    if not is_partial():
        return redirect(board_url(filters_from_form(), item))
    # A move within a column changes no count: only a cross-column move redraws headers.
    item_id = form.item_id.data
    answer = card_answer(item_id, {old_column, column} if old_column is not column else set())
    return retarget(answer, f"#card-{item_id}")


@bp.post("/board/items/<int:item_id>/move")
@requires("manage_roadmap")
def move_step(item_id: int):
    """The keyboard / no-JavaScript move: up, down, previous or next column.
    Arrows move between neighbouring open columns only: a card ships by its
    "Ship…" and comes back by its "Reopen…" (→ on Later and ← on Shipped are refused)."""
    item = db.one_or_404(item_detail(item_id))
    form = DirectionForm()
    if not form.validate():
        abort(400, "Say where to move the card.")
    direction = form.direction.data
    old_column = item.column
    moved, refused = save_move(
        lambda: move_by_direction(
            db.session,
            item,
            direction,
            expected_version=form.version.data,
            actor=current_user,
        )
    )
    if refused:
        return refused
    filters = filters_from_form()
    if not is_partial():
        return redirect(board_url(filters, item))
    if not moved:  # already at the edge: the card stays
        return retarget(card_answer(item_id, {old_column}), f"#card-{item_id}")
    if filters.lanes or direction.changes_column:
        # A card that changed column (or any move in swimlanes) redraws the board:
        # htmx then restores focus to the same button by its id, reliably.
        return board_fragment(filters)
    # The card leaves its place (the request's target is deleted) and reappears,
    # out of band, next to its new neighbour.
    return retarget(card_answer(item_id, {old_column}, placed=True), f"#card-{item_id}", "delete")


@bp.post("/board/columns/<column:column>/order-by-score")
@requires("manage_roadmap")
def order_by_score(column: Column):
    count, refused = save_move(lambda: order_column_by_score(db.session, column, current_user))
    if refused:
        return refused
    message = f"{column.label} ordered by RICE score ({count} cards)."
    filters = filters_from_form()
    if not is_partial():
        flash(message, "success")
        return redirect(board_url(filters))
    return render("board/index.html", "board", **board_context(filters, notice=message))


@bp.post("/board/limits")
@requires("manage_roadmap")
def limits():
    form = LimitsForm()
    if form.validate():
        save_wip_limits(db.session, form.limits(), current_user)
        db.session.commit()
        flash("Work-in-progress limits saved.", "success")
    else:
        flash("WIP limits must be whole numbers of 1 or more (or empty for none).", "error")
    return redirect(url_for("board.index"))


# One item ----------------------------------------------------------------------------


@bp.get("/board/items/<int:item_id>")
@requires("browse")
def show(item_id: int):
    item = db.one_or_404(item_detail(item_id))
    return render("board/item.html", "detail", **detail_context(item))


@bp.route("/board/items/new", methods=["GET", "POST"])
@requires("manage_roadmap")
def create():
    form = ItemForm()
    if request.method == "GET":
        form.owner_id.data = current_user.id
        form.product_id.data = parse_id(request.args.get("product"))
    if form.validate_on_submit():
        item = create_item(
            db.session, form.item_fields(), column=form.column.data, actor=current_user
        )
        db.session.commit()
        flash("Roadmap item added at the bottom of its column.", "success")
        return redirect(url_for("board.show", item_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render("board/item_form.html", form=form, item=None, status=status)


@bp.route("/board/items/<int:item_id>/edit", methods=["GET", "POST"])
@requires("manage_roadmap")
def edit(item_id: int):
    item = db.one_or_404(item_detail(item_id))
    linked_ids = {linked.id for linked in item.requests}
    form = ItemForm(obj=item, linked_ids=linked_ids)
    del form.column  # an item changes column on the board, not in this form
    if request.method == "GET":
        form.request_ids.data = sorted(linked_ids)
        form.version.data = item.version
    if form.validate_on_submit():
        try:
            edit_item(
                db.session,
                item,
                form.item_fields(),
                expected_version=parse_positive_int(form.version.data),
                actor=current_user,
            )
            db.session.commit()
        except StaleMove as stale:
            # Keep what the user typed; show what changed meanwhile, and take its
            # version so that saving again goes through.
            db.session.rollback()
            item = db.one_or_404(item_detail(item_id))
            form.version.data = item.version
            return render(
                "board/item_form.html", form=form, item=item, conflict=stale.message, status=409
            )
        flash("Roadmap item saved.", "success")
        return redirect(url_for("board.show", item_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render("board/item_form.html", form=form, item=item, conflict=None, status=status)


@bp.route("/board/items/<int:item_id>/ship", methods=["GET", "POST"])
@requires("manage_roadmap")
def ship_item(item_id: int):
    item = db.one_or_404(item_detail(item_id))
    if request.method == "GET":
        return ship_dialog(item)
    form = ShipForm()
    if not form.validate():
        return ship_dialog(item, form, status=422)
    try:
        shipped = ship(
            db.session,
            item,
            release_note=form.release_note.data,
            shipped_on=form.shipped_on.data,
            expected_version=parse_positive_int(form.version.data),
            actor=current_user,
        )
        db.session.commit()
    except StaleMove as stale:
        return refreshed_board(stale.message)
    except MoveRefused as refused:
        form.release_note.errors = [*form.release_note.errors, str(refused)]
        return ship_dialog(item, form, status=422)
    return board_changed(
        item,
        f"“{item.title}” shipped"
        + (f"; {len(shipped)} linked request(s) marked shipped." if shipped else "."),
    )


@bp.route("/board/items/<int:item_id>/reopen", methods=["GET", "POST"])
@requires("manage_roadmap")
def reopen_item(item_id: int):
    item = db.one_or_404(item_detail(item_id))
    if request.method == "GET":
        return reopen_dialog(item)
    form = ReopenForm()
    if not form.validate():
        return reopen_dialog(item, form, status=422)
    try:
        reopened = reopen(
            db.session,
            item,
            column=form.column.data,
            reason=form.reason.data,
            expected_version=parse_positive_int(form.version.data),
            actor=current_user,
        )
        db.session.commit()
    except StaleMove as stale:
        return refreshed_board(stale.message)
    except MoveRefused as refused:
        form.reason.errors = [*form.reason.errors, str(refused)]
        return reopen_dialog(item, form, status=422)
    return board_changed(
        item,
        f"“{item.title}” is back in {item.column.label}"
        + (
            f"; {len(reopened)} request(s) it had marked shipped are open again."
            if reopened
            else "."
        ),
    )


# Promote a request to the roadmap ------------------------------------------------------


@bp.post("/requests/<int:request_id>/promote")
@requires("manage_roadmap")
def promote(request_id: int):
    product_request = db.get_or_404(Request, request_id)
    try:
        item = promote_request(db.session, product_request, current_user)
    except PromotionRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("requests.show", request_id=product_request.id))
    db.session.commit()
    flash(
        "The request is on the roadmap (bottom of Later) and marked planned. "
        "Fill in the RICE inputs so it ranks fairly.",
        "success",
    )
    return redirect(url_for("board.edit", item_id=item.id))
