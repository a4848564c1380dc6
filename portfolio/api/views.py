"""JSON for the organisation's BI and reporting tools, and the one write its
measuring jobs need: a measure's reading of a day."""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portfolio.activity.trail import trail
from portfolio.api.auth import authenticate, needs_scope, problem
from portfolio.api.openapi import (
    LINKS_PER_LIST,
    MAX_PAGE,
    MAX_PER_PAGE,
    PRODUCTS_PER_DEPARTMENT,
    QUERY_ARGUMENTS,
    openapi_document,
)
from portfolio.api.reading_input import read_reading
from portfolio.api.serializers import (
    activity_json,
    department_json,
    dependencies_json,
    item_json,
    measure_json,
    nps_json,
    product_json,
    reading_json,
    release_note_json,
    request_json,
)
from portfolio.architecture.dependencies import product_links
from portfolio.auth.permissions import public
from portfolio.board.queries import board_order_page
from portfolio.catalogue.queries import departments_by_name, usages_by_department
from portfolio.catalogue.readings import DuplicateReading, put_reading
from portfolio.catalogue.satisfaction import nps_by_quarter, quarters_since_first_answer
from portfolio.catalogue.sections import NPS_QUARTERS
from portfolio.changelog.queries import ChangelogFilters, ReleaseNote, released_items
from portfolio.extensions import csrf, db
from portfolio.filters import parse_positive_int
from portfolio.models import (
    Activity,
    Column,
    Product,
    Reading,
    Request,
    RequestStatus,
    RoadmapItem,
    Stage,
    SuccessMeasure,
    TokenScope,
    Usage,
)
from portfolio.queries import Page, paginate
from portfolio.urls import external_url

E = TypeVar("E", bound=enum.Enum)

bp = Blueprint("api", __name__, url_prefix="/api")


# Authenticated by a token in a header, never by a cookie: no other site can
# make a browser send it, so there is no cross-site request to forge.
csrf.exempt(bp)
DEFAULT_PER_PAGE = 50


@bp.before_request
def require_token():
    if request.endpoint == "api.openapi":
        return None
    return authenticate() or refuse_unknown_arguments()


def refuse_unknown_arguments():
    """The API is strict: a query argument the operation does not document is
    a 400 (a misspelt filter must not silently return everything)."""
    if request.url_rule is None:
        return None
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", request.url_rule.rule)
    method = "GET" if request.method == "HEAD" else request.method
    unknown = sorted(set(request.args) - QUERY_ARGUMENTS.get((method, path), frozenset()))
    if unknown:
        return problem(400, "Bad Request", f"Unknown query argument: {', '.join(unknown)}.")
    return None


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
    return page_json(endpoint, found, serialize, **filters)


def page_json(endpoint: str, found: Page, serialize, **filters) -> dict:
    """A page of rows as the API answers: data, meta and links."""
    page, per_page = found.page, found.per_page

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
        joinedload(Product.successor),
        selectinload(Product.tags),
        selectinload(Product.usages).joinedload(Usage.department),
        selectinload(Product.measures).selectinload(SuccessMeasure.readings),
    ]
    if detail:
        options += [joinedload(Product.value_proposition), joinedload(Product.contract)]
    return options


def enum_arg(name: str, vocabulary: type[E]) -> E | None:
    """A query argument that must be one of `vocabulary`'s values when given
    (an empty value is not one of them: 400, as the OpenAPI document says)."""
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return vocabulary(value)
    except ValueError:
        abort(400, f"Unknown {name}: use one of {', '.join(m.value for m in vocabulary)}.")


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document(external_url("api.openapi").rsplit("/api/", 1)[0]))


@bp.get("/products")
@public
def products():
    today = date.today()
    query = sa.select(Product).options(*product_options()).order_by(Product.slug)
    stage = enum_arg("stage", Stage)
    if stage is not None:
        query = query.where(Product.stage == stage)
    filters = {"stage": stage.value} if stage else {}
    return jsonify(
        paginated("api.products", query, lambda row: product_json(row[0], today), **filters)
    )


@bp.get("/products/<slug>")
@public
def product(slug: str):
    found = db.one_or_404(
        sa.select(Product).where(Product.slug == slug).options(*product_options(detail=True))
    )
    costs = g.api_user.can("view_costs")
    return jsonify(product_json(found, date.today(), detail=True, costs=costs))


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
        sa.select(Request, Request.vote_count)
        .options(joinedload(Request.product), joinedload(Request.department))
        .order_by(Request.id)
    )
    filters = {}
    status = enum_arg("status", RequestStatus)
    if status is not None:
        query = query.where(Request.status == status)
        filters["status"] = status.value
    product_slug = request.args.get("product")
    if product_slug is not None:
        query = query.where(Request.product.has(Product.slug == product_slug))
        filters["product"] = product_slug
    return jsonify(
        paginated("api.requests_", query, lambda row: request_json(row[0], row[1]), **filters)
    )


@bp.get("/board")
@public
def board():
    """Cards in board order (column, then rank); `position` counts from 1 per column."""
    column = enum_arg("column", Column)
    page, per_page = page_args()
    found = board_order_page(db.session, column, page, per_page)
    filters = {"column": column.value} if column is not None else {}
    return jsonify(page_json("api.board", found, lambda row: item_json(*row), **filters))


def product_or_404(slug: str) -> Product:
    return db.one_or_404(sa.select(Product).where(Product.slug == slug))


@bp.get("/products/<slug>/nps")
@public
def product_nps(slug: str):
    """The product page's NPS per quarter, newest first, back to the first answer."""
    found = product_or_404(slug)
    page, per_page = page_args()
    quarters = quarters_since_first_answer(db.session, found.id, date.today(), NPS_QUARTERS)
    shown = quarters[(page - 1) * per_page : page * per_page]
    rows = nps_by_quarter(db.session, found.id, shown) if shown else []
    pages = max((len(quarters) + per_page - 1) // per_page, 1)
    listed = Page(rows=rows, total=len(quarters), page=page, pages=pages, per_page=per_page)
    return jsonify(page_json("api.product_nps", listed, lambda row: nps_json(*row), slug=slug))


@bp.get("/products/<slug>/dependencies")
@public
def product_dependencies(slug: str):
    """Its dependencies both ways and its interfaces both ways (#18)."""
    found = product_or_404(slug)
    return jsonify(dependencies_json(found, product_links(db.session, found.id, LINKS_PER_LIST)))


@bp.put("/measures/<int:measure_id>/readings/<day>")
@public
@needs_scope(TokenScope.READINGS_WRITE)
def put_measure_reading(measure_id: int, day: str):
    """Record or replace the measure's reading of `day` (201 or 200, the reading)."""
    taken_on = iso_date(day)
    if taken_on is None:
        return problem(404, "Not Found", "A reading's date is written YYYY-MM-DD.")
    measure = db.one_or_404(
        sa.select(SuccessMeasure)
        .where(SuccessMeasure.id == measure_id)
        .options(joinedload(SuccessMeasure.product), selectinload(SuccessMeasure.readings))
    )
    if not g.api_user.can("edit_catalogue"):  # the web form's rule for recording a reading
        return problem(403, "Forbidden", "This token's account may not record readings.")
    if not request.is_json:
        return problem(415, "Unsupported Media Type", "Send the reading as application/json.")
    body = request.get_json(silent=True)
    if body is None:
        return problem(400, "Bad Request", "The body is not valid JSON.")
    asked = read_reading(body, measure, taken_on)
    if asked.errors:
        return problem(
            422, "Unprocessable Content", "The reading was not recorded.", errors=asked.errors
        )
    try:
        reading, created = put_reading(db.session, g.api_user, measure, **asked.values())
        db.session.commit()
    except (DuplicateReading, IntegrityError):
        db.session.rollback()
        return problem(
            409, "Conflict", "Another request recorded this day's reading meanwhile; send it again."
        )
    saved = db.session.execute(
        sa.select(Reading)
        .where(Reading.id == reading.id)
        .options(
            joinedload(Reading.measure).joinedload(SuccessMeasure.product),
            joinedload(Reading.recorded_by),
        )
    ).scalar_one()
    return jsonify(reading_json(saved)), 201 if created else 200


def iso_date(text: str) -> date | None:
    """`text` as a date when it is exactly YYYY-MM-DD and a real day, else None."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@bp.get("/departments")
@public
def departments():
    page, per_page = page_args()
    found = paginate(db.session, departments_by_name(), page=page, per_page=per_page, clamp=False)
    usages = usages_by_department(
        db.session, [department.id for (department,) in found.rows], PRODUCTS_PER_DEPARTMENT
    )
    return jsonify(
        page_json("api.departments", found, lambda row: department_json(row[0], usages[row[0].id]))
    )


@bp.get("/changelog")
@public
def changelog():
    query = released_items(ChangelogFilters())
    filters = {}
    product_slug = request.args.get("product")
    if product_slug is not None:
        query = query.where(RoadmapItem.product.has(Product.slug == product_slug))
        filters["product"] = product_slug
    return jsonify(
        paginated(
            "api.changelog",
            query,
            lambda row: release_note_json(ReleaseNote.of(row[0])),
            **filters,
        )
    )


@bp.get("/activity")
@public
def activity():
    """The trail as the token owner's role sees it on the activity page."""
    query = trail(include_administration=g.api_user.can("manage_users"))
    filters = {}
    product_slug = request.args.get("product")
    if product_slug is not None:
        query = query.where(Activity.product.has(Product.slug == product_slug))
        filters["product"] = product_slug
    return jsonify(paginated("api.activity", query, lambda row: activity_json(row[0]), **filters))
