"""Contract renewals coming up: recorded once as events, so owners and
watchers hear of them like of any other change.

`flask send-digests` runs the check before building digests; running it again
(twice a day, or daily and weekly) records nothing new.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.dashboard.benefits import RENEWAL_WINDOW_DAYS, Renewal, renewals_due
from portfolio.models import Activity, Verb


def record_renewals_due(
    session: Session, today: date, days: int = RENEWAL_WINDOW_DAYS
) -> list[Renewal]:
    """Record `Verb.RENEWAL_DUE` (by nobody: the system noticed) for every
    contract renewing within `days` of `today` whose renewal on that date has
    not been recorded yet. Returns the renewals recorded now."""
    due = renewals_due(session, today, days)
    if not due:
        return []
    recorded = set(
        session.execute(
            sa.select(Activity.product_id, Activity.after).where(
                Activity.verb == Verb.RENEWAL_DUE,
                Activity.product_id.in_([renewal.product.id for renewal in due]),
            )
        ).all()
    )
    new = [
        renewal
        for renewal in due
        if (renewal.product.id, renewal.contract.renewal_date.isoformat()) not in recorded
    ]
    for renewal in new:
        record(
            session,
            None,
            Verb.RENEWAL_DUE,
            subject=renewal.product.name,
            product=renewal.product,
            # The renewal date identifies this renewal: a contract renewed and
            # given a new date is noticed again when that one comes near.
            after=renewal.contract.renewal_date.isoformat(),
        )
    return new
