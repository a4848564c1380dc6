"""The OpenAPI 3.1 description of /api: its paths, parameters and errors
(the schemas of what they answer are in `api/schemas.py`). Tests validate real
responses against the document, so it and the API cannot drift apart."""

from __future__ import annotations

from portfolio.api.schemas import SCHEMAS, enum
from portfolio.filters import MAX_ID
from portfolio.models import Column, RequestStatus, Stage, TokenScope

MAX_PER_PAGE = 200
# Far beyond any real list, and keeps the row offset inside a 64-bit integer
# (SQLite and PostgreSQL both refuse a larger one).
MAX_PAGE = 1_000_000
# The products a department lists (how many it uses in all is given beside them).
PRODUCTS_PER_DEPARTMENT = 100
# Each list of a product's dependencies and interfaces (its total beside it).
LINKS_PER_LIST = 200


PAGE_PARAMETERS = [
    {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50},
    },
]


def problem_response(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


ERRORS = {
    "401": problem_response("No token, or an unknown one"),
    "403": problem_response(
        "A revoked token, a deactivated account, or a token without the scope the"
        " operation needs (`missing_scope` names it)"
    ),
    "405": problem_response("This method is not served here"),
    "500": problem_response("Something went wrong on the server; it is logged"),
    "503": problem_response("The database cannot be reached; try again shortly"),
}


def json_response(description: str, schema: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def operation(operation_id: str, summary: str, schema: str, parameters=(), extra_errors=()) -> dict:
    """A GET operation answering `schema`; it needs the read scope."""
    responses = {"200": json_response("OK", schema), **ERRORS}
    if parameters:
        responses["400"] = problem_response("A parameter is not one the operation accepts")
    for code, description in extra_errors:
        responses[code] = problem_response(description)
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": list(parameters),
            "responses": responses,
            "security": [{"token": [TokenScope.READ.value]}],
        }
    }


PRODUCT_FILTER = {
    "name": "product",
    "in": "query",
    "description": "A product's slug: only what is about it.",
    "schema": {"type": "string"},
}


def slug_parameter() -> dict:
    return {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}


PUT_READING = {
    "put": {
        "operationId": "putReading",
        "summary": "Record or replace a measure's reading of one day",
        "description": "Idempotent: the same body twice leaves one reading. A new reading is"
        " 201, a replaced one 200 (its old value kept in the measure's history; nothing"
        " recorded when it already said so). Validated as the product page's form validates"
        " a reading (a value far outside the measure's range is taken as sent). Needs the"
        " `readings:write` scope and a token whose owner may record readings (a product"
        " manager or an administrator); the reading is on the activity trail under the"
        " token owner's name.",
        "parameters": [
            {
                "name": "measure_id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "example": 1,
            },
            {
                "name": "date",
                "in": "path",
                "required": True,
                "description": "The day of the reading, YYYY-MM-DD; not after tomorrow.",
                "schema": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "example": "2026-06-30",
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ReadingInput"},
                    "example": {"value": 12.5, "note": "From the nightly job"},
                }
            },
        },
        "responses": {
            "200": json_response("The reading replaced that day's", "MeasureReading"),
            "201": json_response("The reading recorded", "MeasureReading"),
            **ERRORS,
            "400": problem_response("A query argument, or a body that is not JSON"),
            "404": problem_response("No such measure, or the date is not YYYY-MM-DD"),
            "409": problem_response("Recorded by another request at the same moment; resend"),
            "415": problem_response("The body is not sent as application/json"),
            "422": {
                "description": "The reading is refused: `errors` says why, field by field",
                "content": {
                    "application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/ValidationProblem"}
                    }
                },
            },
        },
        "security": [{"token": [TokenScope.READINGS_WRITE.value]}],
    }
}


def openapi_document(server: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Portfolio API",
            "version": "1.0",
            "description": "JSON for reporting tools, and readings for the jobs that measure"
            " them. Authenticate with a personal API token (create one on your account page):"
            " `Authorization: Bearer <token>`. Every token has the `read` scope; writing needs"
            " the scope the operation names (`readings:write`), which only a role that may"
            " make the same change on the web can give a token.",
        },
        "servers": [{"url": server}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/products": operation(
                "listProducts",
                "Products (paginated, by slug)",
                "ProductPage",
                [*PAGE_PARAMETERS, {"name": "stage", "in": "query", "schema": enum(Stage)}],
            ),
            "/api/products/{slug}": operation(
                "getProduct",
                "One product with its measures, value proposition and contract",
                "ProductDetail",
                [slug_parameter()],
                [("404", "No such product")],
            ),
            "/api/products/{slug}/nps": operation(
                "listProductNps",
                "Net Promoter Score per quarter, newest first: every quarter since the first"
                " answer, and at least the eight the product page shows",
                "NpsPage",
                [slug_parameter(), *PAGE_PARAMETERS],
                [("404", "No such product")],
            ),
            "/api/products/{slug}/dependencies": operation(
                "getProductDependencies",
                "What the product depends on and what depends on it, and the data it consumes"
                f" and provides (each list the first {LINKS_PER_LIST} by name, with its total)",
                "ProductDependencies",
                [slug_parameter()],
                [("404", "No such product")],
            ),
            "/api/measures": operation(
                "listMeasures",
                "Success measures with readings and status",
                "MeasurePage",
                PAGE_PARAMETERS,
            ),
            "/api/requests": operation(
                "listRequests",
                "Requests with vote counts",
                "RequestPage",
                [
                    *PAGE_PARAMETERS,
                    {"name": "status", "in": "query", "schema": enum(RequestStatus)},
                    {"name": "product", "in": "query", "schema": {"type": "string"}},
                ],
            ),
            "/api/board": operation(
                "listBoardItems",
                "Roadmap cards in board order",
                "BoardItemPage",
                [*PAGE_PARAMETERS, {"name": "column", "in": "query", "schema": enum(Column)}],
            ),
            "/api/measures/{measure_id}/readings/{date}": PUT_READING,
            "/api/departments": operation(
                "listDepartments",
                "Departments by name, with the products they use (the first"
                f" {PRODUCTS_PER_DEPARTMENT} by slug, and how many)",
                "DepartmentPage",
                PAGE_PARAMETERS,
            ),
            "/api/changelog": operation(
                "listReleaseNotes",
                "Release notes of shipped items, newest first, with the requests they answered",
                "ReleaseNotePage",
                [*PAGE_PARAMETERS, PRODUCT_FILTER],
            ),
            "/api/activity": operation(
                "listActivity",
                "The activity trail, newest first, as the token owner's role sees it (changes"
                " to accounts and tokens only for administrators)",
                "ActivityPage",
                [*PAGE_PARAMETERS, PRODUCT_FILTER],
            ),
        },
    }


# The query arguments each operation (method, path) accepts, read from the document itself.
QUERY_ARGUMENTS: dict[tuple[str, str], frozenset[str]] = {
    (method.upper(), path): frozenset(
        parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "query"
    )
    for path, item in openapi_document("").get("paths", {}).items()
    for method, operation in item.items()
}
