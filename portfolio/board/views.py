from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portfolio.activity.trail import latest_for_item, record
from portfolio.auth.permissions import requires
from portfolio.board.forms import DirectionForm, ItemForm, LimitsForm, MoveForm, ShipForm
from portfolio.board.moves import (
    MoveRefused,
    StaleMove,
    asks_for_release_note,
    column_in_direction,
    flush_or_stale,
    last_change,
    move_by_direction,
    move_item,
    new_item_rank,
    order_column_by_score,
    ship,
)
from portfolio.board.queries import (
    VIEWS,
    BoardFilters,
    card_facts,
    column_limits,
    column_totals,
    item_detail,
    linked_requests_with_votes,
    load_board,
)
from portfolio.comments.forms import CommentForm
from portfolio.comments.threads import load_thread
from portfolio.extensions import db
from portfolio.htmx import is_partial, render
from portfolio.models import (
    Column,
    ColumnLimit,
    Department,
    Product,
    Request,
    RequestStatus,
    RoadmapItem,
    Tag,
)
from portfolio.requests.triage import TriageError, change_status

bp = Blueprint("board", __name__)
PLACEHOLDER_ID = 987654321


@bp.app_template_global()
def item_url(endpoint: str, item_id: int) -> str:
    """url_for for one card's links, built once per endpoint and request:
    a board of thousands of cards would otherwise spend most of its time in url_for."""
    cache = g.setdefault("item_url_templates", {})
    if endpoint not in cache:
        cache[endpoint] = url_for(endpoint, item_id=PLACEHOLDER_ID)
    return cache[endpoint].replace(str(PLACEHOLDER_ID), str(item_id))


@bp.app_template_global()
def board_csrf_token() -> str:
    """The CSRF token, computed once per request for every card's form."""
    if "board_csrf_token" not in g:
        g.board_csrf_token = generate_csrf()
    return g.board_csrf_token


# The board -------------------------------------------------------------------------


def board_context(filters: BoardFilters, **extra) -> dict:
    return {
        "board": load_board(db.session, filters),
        "filters": filters,
        "columns": list(Column),
        "can_move": current_user.can("manage_roadmap"),
        "conflict_message": None,
        **extra,
    }


def filter_choices() -> dict:
    return {
        "products": db.session.execute(
            db.select(Product.id, Product.name).order_by(Product.name)
        ).all(),
        "departments": db.session.execute(
            db.select(Department.id, Department.name).order_by(Department.name)
        ).all(),
        "tags": db.session.execute(db.select(Tag.name).order_by(Tag.name)).scalars().all(),
        "views": VIEWS,
    }


@bp.get("/board")
@requires("browse")
def index():
    filters = BoardFilters.from_args(request.args)
    choices = filter_choices()
    filters.drop_unknown(
        {id_ for id_, _ in choices["products"]},
        {id_ for id_, _ in choices["departments"]},
        set(choices["tags"]),
    )
    return render("board/index.html", "board", **board_context(filters), **choices)


def filters_from_form() -> BoardFilters:
    """Moves carry the board's filters, so the refreshed board keeps them."""
    return BoardFilters.from_args(request.form)


def board_fragment(filters: BoardFilters, status: int = 200, **extra):
    """The whole board, swapped in place of the board whatever the request targeted."""
    response = render("board/index.html", "board", status=status, **board_context(filters, **extra))
    response.headers["HX-Retarget"] = "#board"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def refreshed_board(message: str, status: int = 409):
    """A stale or refused move: the whole board again, with why."""
    db.session.rollback()
    filters = filters_from_form()
    if not is_partial():
        flash(message, "warning")
        return redirect(url_for("board.index", **filters.to_args()))
    return board_fragment(filters, status, conflict_message=message)


def save_move(move):
    """Run `move` and commit: (its result, None), or (None, the refreshed board)."""
    try:
        result = move()
        db.session.commit()
        return result, None
    except StaleMove as stale:
        return None, refreshed_board(stale.message)
    except MoveRefused as refused:
        return None, refreshed_board(str(refused), status=422)


def load_item(item_id: int) -> RoadmapItem:
    item = db.session.execute(item_detail(item_id)).scalar_one_or_none()
    if item is None:
        abort(404)
    return item


def card_answer(item: RoadmapItem, columns: set[Column], insert: str | None = None):
    """The moved card, fresh (new version), plus the headers of the columns it
    left and joined. `insert` places it with an out-of-band swap (keyboard moves)."""
    db.session.refresh(item)
    facts = card_facts(db.session, db.select(RoadmapItem.id).where(RoadmapItem.id == item.id))
    totals = column_totals(db.session, columns) if columns else {}
    limits = column_limits(db.session) if columns else {}
    html = render_template(
        "board/_move_answer.html",
        item=item,
        facts=facts.get(item.id),
        can_move=True,
        filters=filters_from_form(),
        header_columns=sorted(columns, key=lambda c: c.position),
        totals=totals,
        limits=limits,
        insert=insert,
    )
    response = make_response(html)
    response.vary.add("HX-Request")
    return response


@bp.post("/board/move")
@requires("manage_roadmap")
def move():
    """A drag and drop: the card, its version, the column, and its new neighbours."""
    form = MoveForm()
    if not form.validate():
        abort(400, "The move was incomplete; reload the board.")
    item = db.session.get(RoadmapItem, form.item_id.data) or abort(404)
    column = Column(form.column.data)
    old_column = item.column
    if asks_for_release_note(item, column):
        return ship_dialog(item)
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
        return redirect(
            url_for("board.index", **filters_from_form().to_args()) + f"#card-{item.id}"
        )
    # A move within a column changes no count: only a cross-column move redraws headers.
    response = card_answer(item, {old_column, column} if old_column is not column else set())
    response.headers["HX-Retarget"] = f"#card-{item.id}"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.post("/board/items/<int:item_id>/move")
@requires("manage_roadmap")
def move_step(item_id: int):
    """The keyboard / no-JavaScript move: up, down, previous or next column."""
    item = load_item(item_id)
    form = DirectionForm()
    if not form.validate():
        abort(400, "Say where to move the card.")
    direction = form.direction.data
    if asks_for_release_note(item, column_in_direction(item.column, direction)):
        return ship_dialog(item)  # → on a Later card: the keyboard's way of dropping it on Shipped
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
    if not is_partial():
        return redirect(
            url_for("board.index", **filters_from_form().to_args()) + f"#card-{item.id}"
        )
    if not moved:
        return card_answer(item, {old_column})  # already at the edge: the card stays
    filters = filters_from_form()
    if filters.view == "lanes" or item.column is not old_column:
        # A card that changed column (or any move in swimlanes) redraws the board:
        # htmx then restores focus to the same button by its id, reliably.
        return board_fragment(filters)
    db.session.refresh(item)
    neighbour = neighbour_selector(item)
    response = card_answer(item, {old_column, item.column}, insert=neighbour)
    response.headers["HX-Reswap"] = "delete"
    return response


def neighbour_selector(item: RoadmapItem) -> str:
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


@bp.post("/board/columns/<column>/order-by-score")
@requires("manage_roadmap")
def order_by_score(column: str):
    try:
        target = Column(column)
    except ValueError:
        abort(404)
    count, refused = save_move(lambda: order_column_by_score(db.session, target, current_user))
    if refused:
        return refused
    message = f"{target.label} ordered by RICE score ({count} cards)."
    filters = filters_from_form()
    if not is_partial():
        flash(message, "success")
        return redirect(url_for("board.index", **filters.to_args()))
    return render("board/index.html", "board", **board_context(filters, notice=message))


@bp.post("/board/limits")
@requires("manage_roadmap")
def limits():
    form = LimitsForm()
    if form.validate():
        for column in (Column.NOW, Column.NEXT, Column.LATER):
            row = db.session.get(ColumnLimit, column) or ColumnLimit(column=column)
            row.wip_limit = form[column.value].data
            db.session.add(row)
        db.session.commit()
        flash("Work-in-progress limits saved.", "success")
    else:
        flash("WIP limits must be whole numbers of 1 or more (or empty for none).", "error")
    return redirect(url_for("board.index"))


# One item ----------------------------------------------------------------------------


def detail_context(item: RoadmapItem) -> dict:
    return {
        "item": item,
        "linked": linked_requests_with_votes(db.session, item.id),
        "history": db.session.execute(latest_for_item(item.id)).scalars().all(),
        "thread": load_thread(db.session, "item", item.id, CommentForm(formdata=None)),
        "can_move": current_user.can("manage_roadmap"),
    }


@bp.get("/board/items/<int:item_id>")
@requires("browse")
def show(item_id: int):
    item = load_item(item_id)
    if is_partial():
        return render("board/_detail.html", **detail_context(item))
    return render("board/item.html", **detail_context(item))


@bp.route("/board/items/new", methods=["GET", "POST"])
@requires("manage_roadmap")
def create():
    form = ItemForm()
    if request.method == "GET":
        form.owner_id.data = current_user.id
        product_id = request.args.get("product", "")
        if product_id.isdigit():
            form.product_id.data = int(product_id)
    if form.validate_on_submit():
        column = Column(form.column.data)
        item = RoadmapItem(column=column, rank=new_item_rank(db.session, column))
        apply_item_form(form, item)
        db.session.add(item)
        record(
            db.session,
            current_user,
            "item_created",
            subject=item.title,
            product=db.session.get(Product, item.product_id),
            item=item,
            after=column,
        )
        db.session.commit()
        flash("Roadmap item added at the bottom of its column.", "success")
        return redirect(url_for("board.show", item_id=item.id))
    return render(
        "board/item_form.html", form=form, item=None, status=422 if form.is_submitted() else 200
    )


def apply_item_form(form: ItemForm, item: RoadmapItem) -> None:
    for name in (
        "product_id",
        "title",
        "description",
        "owner_id",
        "reach",
        "impact",
        "confidence",
        "effort",
        "hours_saved_per_month",
        "cost_saved_per_year",
        "measure_id",
        "expected_change",
    ):
        setattr(item, name, form[name].data)
    if form.request_ids.data is not None:
        item.requests = (
            db.session.execute(
                db.select(Request).where(Request.id.in_(form.request_ids.data or [-1]))
            )
            .scalars()
            .all()
        )


@bp.route("/board/items/<int:item_id>/edit", methods=["GET", "POST"])
@requires("manage_roadmap")
def edit(item_id: int):
    item = load_item(item_id)
    linked_ids = {linked.id for linked in item.requests}
    form = ItemForm(obj=item, linked_ids=linked_ids)
    if request.method == "GET":
        form.request_ids.data = sorted(linked_ids)
        form.version.data = item.version
        form.column.data = item.column.value
    conflict = None
    if form.validate_on_submit():
        if str(item.version) != (form.version.data or ""):
            # Keep what the user typed; show what changed meanwhile.
            who = last_change(item).who or "Someone"
            conflict = (
                f"{who} changed this item after you opened it. Your changes are still in the "
                "form below: check them against the current card and save again."
            )
            form.version.data = item.version
        else:
            apply_item_form(form, item)
            record(db.session, current_user, "item_edited", subject=item.title, item=item)
            try:
                flush_or_stale(db.session, item)
                db.session.commit()
            except StaleMove as stale:
                return render(
                    "board/item_form.html",
                    form=form,
                    item=load_item(item_id),
                    conflict=stale.message,
                    status=409,
                )
            flash("Roadmap item saved.", "success")
            return redirect(url_for("board.show", item_id=item.id))
    status = 409 if conflict else (422 if form.is_submitted() else 200)
    return render("board/item_form.html", form=form, item=item, conflict=conflict, status=status)


def ship_dialog(item: RoadmapItem, form: ShipForm | None = None, status: int = 200):
    form = form or ShipForm(formdata=None, version=item.version)
    if not is_partial():
        return render("board/ship.html", item=item, form=form, status=status)
    response = render(
        "board/_ship_form.html",
        item=item,
        form=form,
        dialog=True,
        filters=filters_from_form(),
        status=status,
    )
    response.headers["HX-Retarget"] = "#board-dialog"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


@bp.route("/board/items/<int:item_id>/ship", methods=["GET", "POST"])
@requires("manage_roadmap")
def ship_item(item_id: int):
    item = load_item(item_id)
    if request.method == "GET":
        return ship_dialog(item)
    form = ShipForm()
    if not form.validate():
        return ship_dialog(item, form, status=422)
    try:
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        shipped = ship(
            db.session,
            item,
            release_note=form.release_note.data,
            shipped_on=form.shipped_on.data,
            expected_version=version,
            actor=current_user,
        )
        db.session.commit()
    except StaleMove as stale:
        return refreshed_board(stale.message)
    except MoveRefused as refused:
        form.release_note.errors = [*form.release_note.errors, str(refused)]
        return ship_dialog(item, form, status=422)
    message = f"“{item.title}” shipped" + (
        f"; {len(shipped)} linked request(s) marked shipped." if shipped else "."
    )
    if not is_partial():
        flash(message, "success")
        return redirect(url_for("board.index") + f"#card-{item.id}")
    return render(
        "board/index.html",
        "board",
        **board_context(filters_from_form(), notice=message, notice_takes_focus=True),
    )


# Promote a request to the roadmap ------------------------------------------------------


@bp.post("/requests/<int:request_id>/promote")
@requires("manage_roadmap")
def promote(request_id: int):
    found = db.session.get(Request, request_id) or abort(404)
    if not found.is_open:
        flash(f"A {found.status.label.lower()} request cannot be promoted.", "error")
        return redirect(url_for("requests.show", request_id=found.id))
    item = RoadmapItem(
        product_id=found.product_id,
        title=found.title,
        description=found.description,
        column=Column.LATER,
        rank=new_item_rank(db.session, Column.LATER),
        owner_id=current_user.id,
        reach=found.department.headcount if found.department else 0,
    )
    item.requests = [found]
    db.session.add(item)
    record(
        db.session,
        current_user,
        "request_promoted",
        subject=found.title,
        request=found,
        item=item,
        after="Later",
    )
    if found.status in (RequestStatus.NEW, RequestStatus.UNDER_REVIEW):
        try:
            change_status(db.session, found, RequestStatus.PLANNED, current_user)
        except TriageError:
            pass
    db.session.commit()
    flash(
        "The request is on the roadmap (bottom of Later) and marked planned. "
        "Fill in the RICE inputs so it ranks fairly.",
        "success",
    )
    return redirect(url_for("board.edit", item_id=item.id))
