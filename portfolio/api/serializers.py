"""JSON shapes of the API. Field names are part of the contract
(see openapi.py); add fields, never rename or remove them."""

from __future__ import annotations

from datetime import date

from portfolio.architecture.dependencies import Links
from portfolio.catalogue.measures import status_of
from portfolio.catalogue.satisfaction import NetPromoterScore
from portfolio.changelog.queries import ReleaseNote
from portfolio.models import (
    Activity,
    Department,
    Interface,
    Product,
    Reading,
    Request,
    RoadmapItem,
    SuccessMeasure,
    Verb,
)
from portfolio.queries import Top


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def measure_json(measure: SuccessMeasure, today: date) -> dict:
    latest = measure.latest_reading
    return {
        "id": measure.id,
        "product": measure.product.slug,
        "name": measure.name,
        "unit": measure.unit.value,
        "unit_label": measure.unit_label,
        "direction": measure.direction.value,
        "baseline": measure.baseline,
        "baseline_date": iso(measure.baseline_date),
        "target": measure.target,
        "target_date": iso(measure.target_date),
        "status": status_of(measure, today).value,
        "latest": {"date": iso(latest.taken_on), "value": latest.value} if latest else None,
        "readings": [{"date": iso(r.taken_on), "value": r.value} for r in measure.readings],
    }


def product_json(
    product: Product, today: date, *, detail: bool = False, costs: bool = False
) -> dict:
    """A product; with `detail`, its page's content, its contract's annual cost
    only for a reader who may see costs (`costs`: the `view_costs` capability),
    null for the others."""
    data = {
        "slug": product.slug,
        "name": product.name,
        "category": product.category.value,
        "summary": product.summary,
        "stage": product.stage.value,
        "sourcing": product.sourcing.value,
        "vendor": product.vendor,
        "owner": product.owner.display_name if product.owner else None,
        "tags": product.tag_names,
        "departments": [
            {"name": usage.department.name, "level": usage.level.value, "users": usage.users}
            for usage in sorted(product.usages, key=lambda usage: usage.department.name)
        ],
        "measure_statuses": [status_of(measure, today).value for measure in product.measures],
        "retired_on": iso(product.retired_on),
        "retirement_reason": product.retirement_reason,
        "successor": product.successor.slug if product.successor else None,
    }
    if detail:
        vp = product.value_proposition
        data["links"] = {
            "docs": product.docs_url,
            "source": product.source_url,
            "prd": product.prd_url,
        }
        data["value_proposition"] = (
            {
                "problem": vp.problem,
                "for_whom": vp.for_whom,
                "value": vp.value,
                "replaces": vp.replaces,
            }
            if vp
            else None
        )
        data["measures"] = [measure_json(measure, today) for measure in product.measures]
        contract = product.contract
        data["contract"] = (
            {
                "vendor": contract.vendor,
                "annual_cost": float(contract.annual_cost) if costs else None,
                "seats_bought": contract.seats_bought,
                "seats_used": product.active_users,
                "renewal_date": iso(contract.renewal_date),
            }
            if contract and product.has_contract_terms
            else None
        )
    return data


def request_json(request: Request, votes: int) -> dict:
    return {
        "id": request.id,
        "product": request.product.slug,
        "title": request.title,
        "description": request.description,
        "status": request.status.value,
        "department": request.department.name if request.department else None,
        "votes": votes,
        "decline_reason": request.decline_reason,
        "duplicate_of": request.duplicate_of_id,
        "created_at": iso(request.created_at),
    }


def item_json(item: RoadmapItem, position: int, votes: int) -> dict:
    return {
        "id": item.id,
        "product": item.product.slug,
        "title": item.title,
        "column": item.column.value,
        "position": position,
        "score": round(item.score, 3),
        "rice": {
            "reach": item.reach,
            "impact": item.impact,
            "confidence": item.confidence,
            "effort": item.effort,
        },
        "votes": votes,
        "owner": item.owner.display_name if item.owner else None,
        "hours_saved_per_month": item.hours_saved_per_month,
        "cost_saved_per_year": float(item.cost_saved_per_year),
        "shipped_on": iso(item.shipped_on),
        "release_note": item.release_note,
        "request_ids": [linked.id for linked in item.requests],
    }


def reading_json(reading: Reading) -> dict:
    """One reading as the write operation answers it."""
    measure = reading.measure
    return {
        "measure": measure.id,
        "product": measure.product.slug,
        "date": iso(reading.taken_on),
        "value": reading.value,
        "note": reading.note,
        "recorded_by": reading.recorded_by.display_name if reading.recorded_by else None,
    }


def department_json(department: Department, usages: Top) -> dict:
    """A department with the first of the products it uses (`usages`, by slug)."""
    return {
        "id": department.id,
        "name": department.name,
        "head": department.head,
        "headcount": department.headcount,
        "products": [
            {
                "slug": usage.product.slug,
                "name": usage.product.name,
                "level": usage.level.value,
                "users": usage.users,
            }
            for usage in usages
        ],
        "products_total": usages.total,
    }


def nps_json(quarter: str, result: NetPromoterScore) -> dict:
    return {
        "quarter": quarter,
        "nps": result.score,
        "responses": result.responses,
        "promoters": result.promoters,
        "passives": result.passives,
        "detractors": result.detractors,
    }


def release_note_json(note: ReleaseNote) -> dict:
    item = note.item
    return {
        "id": item.id,
        "product": item.product.slug,
        "title": item.title,
        "shipped_on": iso(item.shipped_on),
        "release_note": item.release_note,
        "requests": [
            {
                "id": asked.id,
                "title": asked.title,
                "department": asked.department.name if asked.department else None,
            }
            for asked in item.requests
        ],
        "departments": [department.name for department in note.departments],
    }


def activity_json(entry: Activity) -> dict:
    return {
        "id": entry.id,
        "at": iso(entry.created_at),
        "actor": entry.actor.display_name if entry.actor else None,
        "verb": Verb(entry.verb).value,
        "phrase": Verb(entry.verb).label,
        "subject": entry.subject,
        "product": entry.product.slug if entry.product else None,
        "request": entry.request_id,
        "item": entry.item_id,
        "before": entry.before,
        "after": entry.after,
    }


def _linked(product: Product, note: str) -> dict:
    return {"slug": product.slug, "name": product.name, "stage": product.stage.value, "note": note}


def _interface(interface: Interface) -> dict:
    return {
        "id": interface.id,
        "provider": interface.provider.slug,
        "consumer": interface.consumer.slug,
        "data": interface.data,
        "method": interface.method.value,
        "frequency": interface.frequency.value,
        "owner": interface.owner.display_name if interface.owner else None,
        "note": interface.note,
    }


def dependencies_json(product: Product, links: Links) -> dict:
    """A product's dependencies and interfaces (#18), each list bounded with its total."""
    return {
        "product": product.slug,
        "depends_on": [_linked(d.depends_on, d.note) for d in links.depends_on],
        "depends_on_total": links.depends_on.total,
        "dependants": [_linked(d.product, d.note) for d in links.dependants],
        "dependants_total": links.dependants.total,
        "consumes": [_interface(interface) for interface in links.consumes],
        "consumes_total": links.consumes.total,
        "provides": [_interface(interface) for interface in links.provides],
        "provides_total": links.provides.total,
    }
