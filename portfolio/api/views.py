"""Read-only JSON for the organisation's BI and reporting tools."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request, url_for
from sqlalchemy.orm import joinedload, selectinload

from portfolio.api.auth import authenticate, problem
from portfolio.api.openapi import MAX_PAGE, MAX_PER_PAGE, openapi_document
from portfolio.api.serializers import item_json, measure_json, product_json, request_json
from portfolio.auth.permissions import public
from portfolio.extensions import csrf, db
from portfolio.filters import parse_positive_int
from portfolio.models import (
    Column,
    Product,
    Request,
    RequestStatus,
    RoadmapItem,
    Stage,
    SuccessMeasure,
    Usage,
    Vote,
    roadmap_item_request,
)
from portfolio.queries import paginate, vote_count

bp = Blueprint("api", __name__, url_prefix="/api")


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for API clients: from PORTFOLIO_BASE_URL when set, never
    from a Host header nobody vouched for (PORTFOLIO_TRUSTED_HOSTS checks it)."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


csrf.exempt(bp)  # GET only, and authenticated by token rather than cookie
DEFAULT_PER_PAGE = 50


@bp.before_request
def require_token():
    if request.endpoint == "api.openapi":
        return None
    return authenticate()


@bp.errorhandler(404)
def not_found(error):
    return problem(404, "Not Found", "There is no such resource.")


@bp.errorhandler(400)
def bad_request(error):
    return problem(400, "Bad Request", getattr(error, "description", "Bad request."))


def page_args() -> tuple[int, int]:
    """`page` and `per_page` from the query string: a missing one takes its
    default, anything but a whole number within its limits is a 400."""
    page = parse_positive_int(request.args.get("page", "1"), MAX_PAGE)
    per_page = parse_positive_int(request.args.get("per_page", str(DEFAULT_PER_PAGE)), MAX_PER_PAGE)
    if page is None or per_page is None:
        abort(
            400,
            f"page must be a whole number between 1 and {MAX_PAGE:,} "
            f"and per_page between 1 and {MAX_PER_PAGE}.",
        )
    return page, per_page


def paginated(endpoint: str, query: sa.Select, serialize, **filters) -> dict:
    """One page of `query` (ordered by a unique key) with links to the next and
    previous; a page past the end is empty."""
    page, per_page = page_args()
    found = paginate(db.session, query, page=page, per_page=per_page, clamp=False)

    def link(number: int) -> str:
        return external_url(endpoint, page=number, per_page=per_page, **filters)

    return {
        "data": [serialize(row) for row in found.rows],
        "meta": {"page": page, "per_page": per_page, "total": found.total, "pages": found.pages},
        "links": {
            "self": link(page),
            "next": link(page + 1) if found.has_next else None,
            "prev": link(page - 1) if found.has_prev else None,
        },
    }


def product_options(detail: bool = False):
    options = [
        joinedload(Product.owner),
        selectinload(Product.tags),
        selectinload(Product.usages).joinedload(Usage.department),
        selectinload(Product.measures).selectinload(SuccessMeasure.readings),
    ]
    if detail:
        options += [joinedload(Product.value_proposition), joinedload(Product.contract)]
    return options


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document(external_url("api.openapi").rsplit("/api/", 1)[0]))


@bp.get("/products")
@public
def products():
    today = date.today()
    query = sa.select(Product).options(*product_options()).order_by(Product.slug)
    stage = request.args.get("stage")
    if stage:
        if stage not in {member.value for member in Stage}:
            abort(400, "Unknown stage.")
        query = query.where(Product.stage == Stage(stage))
    filters = {"stage": stage} if stage else {}
    return jsonify(
        paginated("api.products", query, lambda row: product_json(row[0], today), **filters)
    )


@bp.get("/products/<slug>")
@public
def product(slug: str):
    found = db.one_or_404(
        sa.select(Product).where(Product.slug == slug).options(*product_options(detail=True))
    )
    return jsonify(product_json(found, date.today(), detail=True))


@bp.get("/measures")
@public
def measures():
    today = date.today()
    query = (
        sa.select(SuccessMeasure)
        .options(joinedload(SuccessMeasure.product), selectinload(SuccessMeasure.readings))
        .order_by(SuccessMeasure.id)
    )
    return jsonify(paginated("api.measures", query, lambda row: measure_json(row[0], today)))


@bp.get("/requests")
@public
def requests_():
    query = (
        sa.select(Request, vote_count(Request.id))
        .options(joinedload(Request.product), joinedload(Request.department))
        .order_by(Request.id)
    )
    filters = {}
    status = request.args.get("status")
    if status:
        if status not in {s.value for s in RequestStatus}:
            abort(400, "Unknown status.")
        query = query.where(Request.status == RequestStatus(status))
        filters["status"] = status
    product_slug = request.args.get("product")
    if product_slug:
        query = query.where(Request.product.has(Product.slug == product_slug))
        filters["product"] = product_slug
    return jsonify(
        paginated("api.requests_", query, lambda row: request_json(row[0], row[1]), **filters)
    )


@bp.get("/board")
@public
def board():
    """Cards in board order (column, then rank); `position` counts from 1 per column."""
    # The votes on every request the card answers (queries.vote_count counts one request's).
    votes = (
        sa.select(sa.func.count(Vote.id))
        .select_from(
            roadmap_item_request.join(Vote, Vote.request_id == roadmap_item_request.c.request_id)
        )
        .where(roadmap_item_request.c.item_id == RoadmapItem.id)
        .correlate(RoadmapItem)
        .scalar_subquery()
    )
    position = sa.func.row_number().over(partition_by=RoadmapItem.column, order_by=RoadmapItem.rank)
    column_order = sa.case(
        {column: index for index, column in enumerate(Column)}, value=RoadmapItem.column
    )
    query = (
        sa.select(RoadmapItem, position, votes)
        .options(
            joinedload(RoadmapItem.product),
            joinedload(RoadmapItem.owner),
            selectinload(RoadmapItem.requests),
        )
        .order_by(column_order, RoadmapItem.rank)
    )
    column = request.args.get("column")
    filters = {}
    if column:
        if column not in {c.value for c in Column}:
            abort(400, "Unknown column.")
        query = query.where(RoadmapItem.column == Column(column))
        filters["column"] = column
    return jsonify(
        paginated("api.board", query, lambda row: item_json(row[0], row[1], row[2]), **filters)
    )
