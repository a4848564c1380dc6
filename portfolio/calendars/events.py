"""The dates a person subscribes to in their calendar app: vendor contracts'
renewals and notice deadlines, and the days shipped roadmap cards' success
measures are due to be checked.

Every event is a whole day. Only the days from WINDOW_BEFORE ago to
WINDOW_AFTER ahead are listed, and at most MAX_EVENTS of them (the earliest):
two queries, whatever the number of contracts and cards.

Who sees what: contract dates are for the roles that may see contracts' costs
(`view_costs`: leaders, PMs, admins) — a renewal is a spending decision; the
cards' check dates for everyone, as the board is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.functions import FunctionElement

from portfolio.dashboard.measured_cards import amount
from portfolio.models import (
    Column,
    Contract,
    Product,
    RoadmapItem,
    Sourcing,
    Stage,
    User,
)
from portfolio.templating import format_date
from portfolio.urls import external_url

WINDOW_BEFORE = timedelta(days=90)
WINDOW_AFTER = timedelta(days=2 * 365)
MAX_EVENTS = 500
MIMETYPE = "text/calendar; charset=utf-8"
NAME = "Portfolio"


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day event; `key` names it for good (its UID is `key@host`), so a
    calendar app updates the event when its date or text changes."""

    key: str
    day: date
    summary: str
    description: str
    url: str


def calendar_events(session: Session, reader: User, today: date) -> list[CalendarEvent]:
    """The events `reader` may see within the window around `today`, earliest first."""
    start, end = today - WINDOW_BEFORE, today + WINDOW_AFTER
    events = observation_events(session, start, end)
    if reader.can("view_costs"):
        events += contract_events(session, start, end)
    events.sort(key=lambda event: (event.day, event.key))
    return events[:MAX_EVENTS]


# Date arithmetic in SQL ---------------------------------------------------------------


class plus_days(FunctionElement):
    """`day` + `days` days, as a date, in SQL (a negative `days` goes back)."""

    type = sa.Date()
    name = "plus_days"
    inherit_cache = True


@compiles(plus_days)
def _plus_days(element, compiler, **kw) -> str:
    day, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({day} + ({days}))"  # PostgreSQL: date + integer is a date


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element, compiler, **kw) -> str:
    day, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({day}, ({days}) || ' days')"


# Contracts ----------------------------------------------------------------------------


def contract_events(session: Session, start: date, end: date) -> list[CalendarEvent]:
    """Renewals and notice deadlines within [start, end] of the contracts of
    products in use (bought or hybrid, not retired)."""
    notice_date = plus_days(Contract.renewal_date, -Contract.notice_days)
    contracts = (
        session.execute(
            sa.select(Contract)
            .join(Product, Product.id == Contract.product_id)
            .where(
                Product.sourcing.in_([Sourcing.BOUGHT, Sourcing.HYBRID]),
                Product.stage != Stage.RETIRED,
                sa.or_(
                    Contract.renewal_date.between(start, end),
                    sa.and_(Contract.notice_days.is_not(None), notice_date.between(start, end)),
                ),
            )
            .options(joinedload(Contract.product))
            .order_by(Contract.renewal_date, Contract.id)
            .limit(MAX_EVENTS)
        )
        .scalars()
        .all()
    )
    events = []
    for contract in contracts:
        if start <= contract.renewal_date <= end:
            events.append(renewal_event(contract))
        notice = contract.notice_date
        if notice is not None and contract.notice_days and start <= notice <= end:
            events.append(notice_event(contract))
    return events


def product_url(product: Product, anchor: str | None = None) -> str:
    return external_url("catalogue.show", slug=product.slug, _anchor=anchor)


def renewal_event(contract: Contract) -> CalendarEvent:
    product, renewal = contract.product, format_date(contract.renewal_date)
    notice = contract.notice_date
    if contract.auto_renew:
        summary = f"{product.name} contract renews automatically ({contract.vendor})"
        text = (
            f"The {contract.vendor} contract for {product.name} renews automatically on {renewal}."
        )
        if notice is not None and contract.notice_days:
            text += (
                f" The date that matters is the notice deadline, {format_date(notice)}"
                f" ({contract.notice_days} days before): after it, this renewal can no longer"
                " be stopped or renegotiated."
            )
        elif notice is None:
            text += (
                " Its notice period is not recorded: find out by when notice must be given,"
                " as that date, not this one, decides whether it can be stopped."
            )
    else:
        summary = f"{product.name} contract renewal ({contract.vendor})"
        text = f"The {contract.vendor} contract for {product.name} is up for renewal on {renewal}."
        if notice is not None and contract.notice_days:
            text += f" Notice must be given by {format_date(notice)}."
    return CalendarEvent(
        key=f"contract-{contract.id}-renewal",
        day=contract.renewal_date,
        summary=summary,
        description=text,
        url=product_url(product, "contract"),
    )


def notice_event(contract: Contract) -> CalendarEvent:
    product, renewal = contract.product, format_date(contract.renewal_date)
    if contract.auto_renew:
        summary = f"Notice deadline: {product.name} contract renews automatically"
        text = (
            f"Last day to give {contract.vendor} notice on the {product.name} contract. "
            f"It renews automatically on {renewal}: this deadline is the date that matters, "
            "since without notice by this day the renewal goes ahead."
        )
    else:
        summary = f"Notice deadline: {product.name} contract"
        text = (
            f"Last day to give {contract.vendor} notice on the {product.name} contract "
            f"({contract.notice_days} days before its renewal on {renewal}), to end or "
            "renegotiate it."
        )
    return CalendarEvent(
        key=f"contract-{contract.id}-notice",
        day=contract.notice_date,
        summary=summary,
        description=text,
        url=product_url(product, "contract"),
    )


# Shipped cards' checks ------------------------------------------------------------------


def observation_events(session: Session, start: date, end: date) -> list[CalendarEvent]:
    """The day each shipped card's measure is due to be judged — its ship date
    plus its observation window, as the dashboard's measured checks count it —
    within [start, end]. Only cards that name a measure have one."""
    due = plus_days(RoadmapItem.shipped_on, RoadmapItem.observation_days)
    items = (
        session.execute(
            sa.select(RoadmapItem)
            .where(
                RoadmapItem.column == Column.SHIPPED,
                RoadmapItem.shipped_on.is_not(None),
                RoadmapItem.measure_id.is_not(None),
                due.between(start, end),
            )
            .options(joinedload(RoadmapItem.product), joinedload(RoadmapItem.measure))
            .order_by(due, RoadmapItem.id)
            .limit(MAX_EVENTS)
        )
        .scalars()
        .all()
    )
    return [observation_event(item) for item in items]


def observation_event(item: RoadmapItem) -> CalendarEvent:
    measure = item.measure
    promise = ""
    if item.expected_change is not None:
        promise = f" by {amount(item.expected_change, measure, signed=True)}"
    return CalendarEvent(
        key=f"item-{item.id}-observation",
        day=item.shipped_on + timedelta(days=item.observation_days),
        summary=f"Check {measure.name}: {item.title}",
        description=(
            f"“{item.title}” shipped on {format_date(item.shipped_on)} for "
            f"{item.product.name} and should move {measure.name}{promise}. Its observation "
            f"window of {item.observation_days} days ends on this day: record a reading and see "
            f"whether it did.\nThe card: {external_url('board.show', item_id=item.id)}"
        ),
        url=product_url(item.product, f"measure-{measure.id}"),
    )


# The iCalendar document ---------------------------------------------------------------


def ical_document(events: list[CalendarEvent], *, now: datetime) -> bytes:
    """RFC 5545 text of `events`, every one stamped `now` (UTC)."""
    host = urlsplit(external_url("core.home")).hostname or "portfolio"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Portfolio//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", NAME)
    for event in events:
        entry = icalendar.Event()
        entry.add("uid", f"{event.key}@{host}")
        entry.add("dtstamp", now)
        entry.add("dtstart", event.day)
        entry.add("dtend", event.day + timedelta(days=1))
        entry.add("summary", event.summary)
        entry.add("description", f"{event.description}\n\n{event.url}")
        entry.add("url", event.url)
        entry.add("transp", "TRANSPARENT")
        calendar.add_component(entry)
    return calendar.to_ical()
