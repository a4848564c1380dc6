"""The component schemas of the OpenAPI document (`api/openapi.py`): the JSON
shapes `api/serializers.py` writes, one per resource and one per page of a
list, and the body the write operation reads. Tests validate real responses
against them."""

from __future__ import annotations

from portfolio.catalogue import limits
from portfolio.catalogue.lifecycle import REASON_LENGTH
from portfolio.catalogue.measures import MeasureStatus
from portfolio.forms import MAX_MAGNITUDE
from portfolio.models import (
    Category,
    Column,
    Direction,
    InterfaceFrequency,
    InterfaceMethod,
    RequestStatus,
    Sourcing,
    Stage,
    Unit,
    UsageLevel,
    Verb,
)


def enum(members) -> dict:
    return {"type": "string", "enum": [member.value for member in members]}


NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}

SCHEMAS = {
    "Problem": {
        "type": "object",
        "required": ["status", "title", "detail"],
        "properties": {
            "status": {"type": "integer"},
            "title": {"type": "string"},
            "detail": {"type": "string"},
            "missing_scope": {
                "type": "string",
                "description": "On a 403: the scope the token lacks for this operation.",
            },
        },
    },
    "ValidationProblem": {
        "allOf": [{"$ref": "#/components/schemas/Problem"}],
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "description": "What is wrong, by field of the body (`date`: the path's date).",
                "additionalProperties": {"type": "string"},
            }
        },
    },
    "ReadingInput": {
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": {"type": "number", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE},
            "note": {"type": ["string", "null"], "maxLength": limits.NOTE},
        },
        "additionalProperties": False,
    },
    "MeasureReading": {
        "type": "object",
        "required": ["measure", "product", "date", "value", "note", "recorded_by"],
        "properties": {
            "measure": {"type": "integer"},
            "product": {"type": "string"},
            "date": DATE,
            "value": {"type": "number"},
            "note": NULLABLE_STRING,
            "recorded_by": {
                **NULLABLE_STRING,
                "description": "Who recorded it (a token's owner); null if unknown.",
            },
        },
        "additionalProperties": False,
    },
    "Department": {
        "type": "object",
        "required": ["id", "name", "head", "headcount", "products", "products_total"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "head": NULLABLE_STRING,
            "headcount": {"type": "integer", "minimum": 0},
            "products": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["slug", "name", "level", "users"],
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "level": enum(UsageLevel),
                        "users": {"type": "integer", "minimum": 0},
                    },
                    "additionalProperties": False,
                },
            },
            "products_total": {
                "type": "integer",
                "minimum": 0,
                "description": "How many products the department uses (`products` lists the"
                " first of them by slug).",
            },
        },
        "additionalProperties": False,
    },
    "Nps": {
        "type": "object",
        "required": ["quarter", "nps", "responses", "promoters", "passives", "detractors"],
        "properties": {
            "quarter": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
            "nps": {
                "type": ["integer", "null"],
                "minimum": -100,
                "maximum": 100,
                "description": "% promoters (9–10) minus % detractors (0–6); null without answers.",
            },
            **{
                k: {"type": "integer", "minimum": 0}
                for k in ("responses", "promoters", "passives", "detractors")
            },
        },
        "additionalProperties": False,
    },
    "ReleaseNote": {
        "type": "object",
        "required": [
            "id",
            "product",
            "title",
            "shipped_on",
            "release_note",
            "requests",
            "departments",
        ],
        "properties": {
            "id": {"type": "integer"},
            "product": {"type": "string"},
            "title": {"type": "string"},
            "shipped_on": DATE,
            "release_note": {**NULLABLE_STRING, "description": "Markdown."},
            "requests": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "department"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "department": NULLABLE_STRING,
                    },
                    "additionalProperties": False,
                },
            },
            "departments": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The departments whose requests it answered, by name.",
            },
        },
        "additionalProperties": False,
    },
    "Activity": {
        "type": "object",
        "required": [
            "id",
            "at",
            "actor",
            "verb",
            "phrase",
            "subject",
            "product",
            "request",
            "item",
            "before",
            "after",
        ],
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "actor": {**NULLABLE_STRING, "description": "null: the system, or a removed account."},
            "verb": enum(Verb),
            "phrase": {"type": "string", "description": "The verb as the trail words it."},
            "subject": {"type": "string"},
            "product": NULLABLE_STRING,
            "request": {"type": ["integer", "null"]},
            "item": {"type": ["integer", "null"]},
            "before": NULLABLE_STRING,
            "after": NULLABLE_STRING,
        },
        "additionalProperties": False,
    },
    "PageMeta": {
        "type": "object",
        "required": ["page", "per_page", "total", "pages"],
        "properties": {
            k: {"type": "integer", "minimum": 0} for k in ("page", "per_page", "total", "pages")
        },
        "additionalProperties": False,
    },
    "PageLinks": {
        "type": "object",
        "required": ["self", "next", "prev"],
        "properties": {
            "self": {"type": "string"},
            "next": NULLABLE_STRING,
            "prev": NULLABLE_STRING,
        },
        "additionalProperties": False,
    },
    "Reading": {
        "type": "object",
        "required": ["date", "value"],
        "properties": {"date": DATE, "value": {"type": "number"}},
        "additionalProperties": False,
    },
    "Measure": {
        "type": "object",
        "required": [
            "id",
            "product",
            "name",
            "unit",
            "unit_label",
            "direction",
            "baseline",
            "baseline_date",
            "target",
            "target_date",
            "status",
            "latest",
            "readings",
        ],
        "properties": {
            "id": {"type": "integer"},
            "product": {"type": "string"},
            "name": {"type": "string"},
            "unit": enum(Unit),
            "unit_label": NULLABLE_STRING,  # names an "other" unit; null for the rest
            "direction": enum(Direction),
            "baseline": {"type": "number"},
            "baseline_date": DATE,
            "target": {"type": "number"},
            "target_date": DATE,
            "status": enum(MeasureStatus),
            "latest": {"oneOf": [{"$ref": "#/components/schemas/Reading"}, {"type": "null"}]},
            "readings": {"type": "array", "items": {"$ref": "#/components/schemas/Reading"}},
        },
        "additionalProperties": False,
    },
    "ProductUsage": {
        "type": "object",
        "required": ["name", "level", "users"],
        "properties": {
            "name": {"type": "string"},
            "level": enum(UsageLevel),
            "users": {"type": "integer"},
        },
        "additionalProperties": False,
    },
    "Product": {
        "type": "object",
        "required": [
            "slug",
            "name",
            "category",
            "summary",
            "stage",
            "sourcing",
            "vendor",
            "owner",
            "tags",
            "departments",
            "measure_statuses",
            "retired_on",
            "retirement_reason",
            "successor",
        ],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "category": enum(Category),
            "summary": {"type": "string"},
            "stage": enum(Stage),
            "sourcing": enum(Sourcing),
            "vendor": NULLABLE_STRING,
            "owner": NULLABLE_STRING,
            "tags": {"type": "array", "items": {"type": "string"}},
            "departments": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProductUsage"},
            },
            "measure_statuses": {"type": "array", "items": enum(MeasureStatus)},
            "retired_on": {
                **NULLABLE_DATE,
                "description": "Since when a retired product is retired (may be ahead of"
                " today); null for the others, and for one retired without a date.",
            },
            "retirement_reason": {
                **NULLABLE_STRING,
                "maxLength": REASON_LENGTH,
                "description": "Why a retired product was retired; null when not stated.",
            },
            "successor": {
                **NULLABLE_STRING,
                "description": "The slug of the product that replaces this one (a"
                " sunsetting or retired product's); null when none is named.",
            },
        },
    },
    "ProductDetail": {
        "allOf": [{"$ref": "#/components/schemas/Product"}],
        "type": "object",
        "required": ["links", "value_proposition", "measures", "contract"],
        "properties": {
            "links": {
                "type": "object",
                "required": ["docs", "source", "prd"],
                "properties": {k: NULLABLE_STRING for k in ("docs", "source", "prd")},
            },
            "value_proposition": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["problem", "for_whom", "value", "replaces"],
                        "properties": {
                            k: {"type": "string"}
                            for k in ("problem", "for_whom", "value", "replaces")
                        },
                    },
                ]
            },
            "measures": {"type": "array", "items": {"$ref": "#/components/schemas/Measure"}},
            "contract": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": [
                            "vendor",
                            "annual_cost",
                            "seats_bought",
                            "seats_used",
                            "renewal_date",
                        ],
                        "properties": {
                            "vendor": {"type": "string"},
                            "annual_cost": {
                                "type": ["number", "null"],
                                "description": "The contract's annual cost; null unless the"
                                " token's owner may see costs (PMs, leaders and admins).",
                            },
                            "seats_bought": {"type": "integer"},
                            "seats_used": {"type": "integer"},
                            "renewal_date": DATE,
                        },
                    },
                ]
            },
        },
    },
    "Request": {
        "type": "object",
        "required": [
            "id",
            "product",
            "title",
            "description",
            "status",
            "department",
            "votes",
            "decline_reason",
            "duplicate_of",
            "created_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "product": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "status": enum(RequestStatus),
            "department": NULLABLE_STRING,
            "votes": {"type": "integer", "minimum": 0},
            "decline_reason": NULLABLE_STRING,
            "duplicate_of": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    "BoardItem": {
        "type": "object",
        "required": [
            "id",
            "product",
            "title",
            "column",
            "position",
            "score",
            "rice",
            "votes",
            "owner",
            "hours_saved_per_month",
            "cost_saved_per_year",
            "shipped_on",
            "release_note",
            "request_ids",
        ],
        "properties": {
            "id": {"type": "integer"},
            "product": {"type": "string"},
            "title": {"type": "string"},
            "column": enum(Column),
            "position": {"type": "integer", "minimum": 1},
            "score": {"type": "number"},
            "rice": {
                "type": "object",
                "required": ["reach", "impact", "confidence", "effort"],
                "properties": {
                    "reach": {"type": "integer"},
                    "impact": {"type": "number"},
                    "confidence": {"type": "integer"},
                    "effort": {"type": "number"},
                },
                "additionalProperties": False,
            },
            "votes": {"type": "integer", "minimum": 0},
            "owner": NULLABLE_STRING,
            "hours_saved_per_month": {"type": "number"},
            "cost_saved_per_year": {"type": "number"},
            "shipped_on": NULLABLE_DATE,
            "release_note": NULLABLE_STRING,
            "request_ids": {"type": "array", "items": {"type": "integer"}},
        },
        "additionalProperties": False,
    },
}


# A product's dependencies and interfaces (#18) --------------------------------------

LINKED_PRODUCT = {
    "type": "object",
    "required": ["slug", "name", "stage", "note"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "stage": enum(Stage),
        "note": {"type": "string"},
    },
    "additionalProperties": False,
}
COUNT = {"type": "integer", "minimum": 0}


def linked_list(items: dict, description: str) -> dict:
    return {"type": "array", "items": items, "description": description}


SCHEMAS["Interface"] = {
    "type": "object",
    "required": ["id", "provider", "consumer", "data", "method", "frequency", "owner", "note"],
    "properties": {
        "id": {"type": "integer"},
        "provider": {
            "type": "string",
            "description": "The slug of the product the data comes from.",
        },
        "consumer": {"type": "string", "description": "The slug of the product it goes to."},
        "data": {"type": "string", "description": "What flows, e.g. “Invoices”."},
        "method": enum(InterfaceMethod),
        "frequency": enum(InterfaceFrequency),
        "owner": {**NULLABLE_STRING, "description": "Who owns the interface; null if nobody."},
        "note": {"type": "string"},
    },
    "additionalProperties": False,
}
INTERFACE_REF = {"$ref": "#/components/schemas/Interface"}
SCHEMAS["ProductDependencies"] = {
    "type": "object",
    "required": [
        "product",
        "depends_on",
        "depends_on_total",
        "dependants",
        "dependants_total",
        "consumes",
        "consumes_total",
        "provides",
        "provides_total",
    ],
    "properties": {
        "product": {"type": "string"},
        "depends_on": linked_list(
            LINKED_PRODUCT, "The products it needs, by name (the first ones)."
        ),
        "depends_on_total": COUNT,
        "dependants": linked_list(
            LINKED_PRODUCT, "The products that need it, by name (the first ones)."
        ),
        "dependants_total": COUNT,
        "consumes": linked_list(
            INTERFACE_REF, "Data it takes from other products (the first ones)."
        ),
        "consumes_total": COUNT,
        "provides": linked_list(INTERFACE_REF, "Data it gives other products (the first ones)."),
        "provides_total": COUNT,
    },
    "additionalProperties": False,
}


def page_of(schema: str) -> dict:
    return {
        "type": "object",
        "required": ["data", "meta", "links"],
        "properties": {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
            "meta": {"$ref": "#/components/schemas/PageMeta"},
            "links": {"$ref": "#/components/schemas/PageLinks"},
        },
        "additionalProperties": False,
    }


for _name in (
    "Product",
    "Measure",
    "Request",
    "BoardItem",
    "Department",
    "Nps",
    "ReleaseNote",
    "Activity",
):
    SCHEMAS[f"{_name}Page"] = page_of(_name)
