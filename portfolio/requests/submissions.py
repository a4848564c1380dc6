"""Raising a request: the row, its event, and the requester's own vote."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.models import Product, Request, Stage, User, Verb
from portfolio.requests.votes import cast_vote


class SubmissionRefused(ValueError):
    """A request the catalogue cannot take (an unknown or retired product)."""


def submit_request(
    session: Session,
    requester: User,
    *,
    product_id: int,
    title: str,
    description: str,
    department_id: int | None,
) -> Request:
    """A new request from `requester`, who votes for it (asking for something
    counts as wanting it) and so watches it."""
    product = session.get(Product, product_id)
    if product is None or product.stage is Stage.RETIRED:
        raise SubmissionRefused("Requests are raised against products still in use.")
    product_request = Request(
        product=product,
        title=title,
        description=description,
        department_id=department_id,
        requester=requester,
    )
    session.add(product_request)
    session.flush()
    record(
        session,
        requester,
        Verb.REQUEST_CREATED,
        subject=product_request.title,
        product=product,
        request=product_request,
    )
    cast_vote(session, product_request, requester)
    return product_request
