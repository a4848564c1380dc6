"""Triage rules: which status changes a PM may make, and merging duplicates."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.models import OPEN_STATUSES, Request, RequestStatus, RoadmapItem, User, Verb, Vote
from portfolio.notifications.watches import follow_original
from portfolio.requests.votes import recount_votes

# Where a request may go from each status. Open requests move freely among
# the open statuses and may close; closed ones may only be reopened for review
# (a duplicate stays one: its votes have already moved).
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    **{status: frozenset(RequestStatus) - {status} for status in OPEN_STATUSES},
    RequestStatus.SHIPPED: frozenset({RequestStatus.IN_PROGRESS}),
    RequestStatus.DECLINED: frozenset({RequestStatus.UNDER_REVIEW}),
    RequestStatus.DUPLICATE: frozenset(),
}


class TriageError(ValueError):
    """A refused triage step; `field` names the form field to show it next to."""

    def __init__(self, message: str, field: str = "status") -> None:
        super().__init__(message)
        self.field = field


def allowed_statuses(request: Request) -> list[RequestStatus]:
    return [status for status in RequestStatus if status in TRANSITIONS[request.status]]


def change_status(
    session: Session,
    request: Request,
    new_status: RequestStatus,
    actor: User,
    *,
    reason: str | None = None,
    duplicate_of: Request | None = None,
    item: RoadmapItem | None = None,
) -> None:
    """Move `request` to `new_status`, checking the rules and recording it.
    `item`: the card whose promotion or ship makes this change; the event
    names it, and the card's own event tells the request's followers."""
    old_status = request.status
    if new_status == old_status:
        raise TriageError(f"The request is already {old_status.label.lower()}.")
    if new_status not in TRANSITIONS[old_status]:
        raise TriageError(
            f"A {old_status.label.lower()} request cannot become {new_status.label.lower()}."
        )
    if new_status is RequestStatus.DECLINED:
        reason = (reason or "").strip()
        if not reason:
            raise TriageError("Say why the request is declined; everyone will see it.", "reason")
        request.decline_reason = reason
    if new_status is RequestStatus.DUPLICATE:
        merge_duplicate(session, request, duplicate_of, actor)
    request.status = new_status
    if new_status is not RequestStatus.DECLINED:
        request.decline_reason = None
    record(
        session,
        actor,
        Verb.REQUEST_STATUS_CHANGED,
        subject=request.title,
        request=request,
        item=item,
        before=old_status,
        after=new_status,
    )


def reopen_request(session: Session, request: Request, status: RequestStatus, actor: User) -> None:
    """Put a request its card's shipping marked shipped back to `status`,
    because that card was reopened (outside the triage table on purpose: only
    the card that shipped it may take it back)."""
    before = request.status
    request.status = status
    request.shipped_by_item_id = None
    request.status_before_ship = None
    record(
        session,
        actor,
        Verb.REQUEST_STATUS_CHANGED,
        subject=request.title,
        request=request,
        before=before,
        after=status,
    )


def merge_duplicate(
    session: Session, duplicate: Request, target: Request | None, actor: User
) -> None:
    """Point `duplicate` at `target` and move its votes there.

    A user who voted on both keeps one vote on the target: their vote on the
    duplicate is dropped rather than moved. Three statements, however many votes
    (the last recounts both requests' vote counts).
    Whoever followed the duplicate now follows the target too, and hears of
    the merge: the event is recorded while the votes still show who they are
    (its `before` names the duplicate first: "#12 Its title").
    """
    if target is None:
        raise TriageError("Choose the request this one duplicates.", "duplicate_of")
    if target.id == duplicate.id:
        raise TriageError("A request cannot duplicate itself.", "duplicate_of")
    if target.product_id != duplicate.product_id:
        raise TriageError(
            "A duplicate must point at a request about the same product.", "duplicate_of"
        )
    if target.status is RequestStatus.DUPLICATE:
        raise TriageError(
            f"Request #{target.id} is itself a duplicate; "
            f"point at #{target.duplicate_of_id} instead.",
            "duplicate_of",
        )
    duplicate.duplicate_of = target
    follow_original(session, duplicate, target)
    record(
        session,
        actor,
        Verb.REQUEST_MERGED,
        subject=target.title,
        request=target,
        before=f"#{duplicate.id} {duplicate.title}",
        after=f"#{target.id}",
    )
    already_on_target = (
        sa.select(Vote.user_id).where(Vote.request_id == target.id).scalar_subquery()
    )
    session.execute(
        sa.update(Vote)
        .where(Vote.request_id == duplicate.id, Vote.user_id.not_in(already_on_target))
        .values(request_id=target.id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.delete(Vote)
        .where(Vote.request_id == duplicate.id)
        .execution_options(synchronize_session=False)
    )
    recount_votes(session, [duplicate.id, target.id])
    session.expire(duplicate, ["votes"])
    session.expire(target, ["votes"])
