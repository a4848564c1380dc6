"""The OpenAPI 3.1 description of /api: its paths, parameters and errors
(the schemas of what they answer are in `api/schemas.py`). Tests validate real
responses against the document, so it and the API cannot drift apart."""

from __future__ import annotations

from portfolio.api.schemas import SCHEMAS, enum
from portfolio.models import Column, RequestStatus, Stage

MAX_PER_PAGE = 200
# Far beyond any real list, and keeps the row offset inside a 64-bit integer
# (SQLite and PostgreSQL both refuse a larger one).
MAX_PAGE = 1_000_000


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
    "403": problem_response("A revoked token, or a deactivated account"),
    "405": problem_response("Only GET is served here"),
    "500": problem_response("Something went wrong on the server; it is logged"),
    "503": problem_response("The database cannot be reached; try again shortly"),
}


def operation(operation_id: str, summary: str, schema: str, parameters=(), extra_errors=()) -> dict:
    responses = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        },
        **ERRORS,
    }
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
            "security": [{"token": []}],
        }
    }


def openapi_document(server: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Portfolio API",
            "version": "1.0",
            "description": "Read-only JSON for reporting tools. Authenticate with a personal "
            "API token (create one on your account page): `Authorization: Bearer <token>`.",
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
                [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
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
        },
    }


# The query arguments each path accepts, read from the document itself.
QUERY_ARGUMENTS: dict[str, frozenset[str]] = {
    path: frozenset(
        parameter["name"] for parameter in item["get"]["parameters"] if parameter["in"] == "query"
    )
    for path, item in openapi_document("").get("paths", {}).items()
}
