"""Measured, not estimated: what a shipped card measurably changed.

The rules, in one place (the pure functions take readings, not a database):

- *before* is the measure's value AT the ship date: a reading on that day as
  it is; else interpolated linearly between the readings around it; with no
  reading before, between the baseline (at its date) and the first reading
  after; with nothing after, the last value known (a reading, else the
  baseline). It says how it was obtained.
- *after* is the latest reading taken at least the card's observation window
  after the ship date. Until one exists the card is "too early" (or, once the
  first reading is due and missing, overdue).
- Only change after the ship date is credited: after − before.
- The share of the promise (change ÷ promised change, both signed in the
  measure's unit, so a "lower is better" promise of −2 met by −3 is 150 %) is
  finite and clamped, whatever the numbers.

Loading cards and their measures' readings for these rules is in
`measured_cards`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from portfolio.templating import format_date

MAX_SHARE = 100.0  # 10,000 %: beyond that "far more than promised" says it all
PARTLY, DELIVERED = 0.5, 1.0  # shares of the promise


# Before ---------------------------------------------------------------------------


class BeforeMethod(enum.StrEnum):
    READING = "reading"  # a reading on the ship date
    INTERPOLATED = "interpolated"  # between the readings around it
    FROM_BASELINE = "from baseline"  # between the baseline and the first reading after
    LAST_READING = "last reading"  # the latest reading before, none after yet
    BASELINE = "baseline"  # the baseline itself


@dataclass(frozen=True)
class Point:
    """A value on a day: a reading, or the baseline at its date."""

    taken_on: date
    value: float


@dataclass(frozen=True)
class Before:
    value: float
    method: BeforeMethod
    start: date  # the reading or baseline it comes from (the earlier one)
    end: date | None = None  # the later one, when interpolated

    @property
    def how(self) -> str:
        """'reading of 22 Oct 2026', 'interpolated between 31 Aug 2026 and 30 Nov 2026'…"""
        start = format_date(self.start)
        if self.method is BeforeMethod.READING:
            return f"reading of {start}"
        if self.method is BeforeMethod.LAST_READING:
            return f"latest reading before, of {start}"
        if self.method is BeforeMethod.BASELINE:
            return f"baseline of {start}"
        between = f"between {start} and {format_date(self.end)}"
        if self.method is BeforeMethod.FROM_BASELINE:
            return f"interpolated {between} (baseline and first reading)"
        return f"interpolated {between}"


def _between(earlier: Point, later: Point, day: date) -> float:
    span = (later.taken_on - earlier.taken_on).days
    fraction = (day - earlier.taken_on).days / span
    return earlier.value + (later.value - earlier.value) * fraction


def value_at(readings: Sequence[Point], baseline: Point, day: date) -> Before:
    """The measure's value on `day` (see the module's rules); `readings` in any order."""
    ordered = sorted(readings, key=lambda reading: reading.taken_on)
    earlier = [reading for reading in ordered if reading.taken_on < day]
    later = [reading for reading in ordered if reading.taken_on > day]
    on_day = [reading for reading in ordered if reading.taken_on == day]
    if on_day:
        return Before(on_day[0].value, BeforeMethod.READING, day)
    if earlier and later:
        value = _between(earlier[-1], later[0], day)
        return Before(value, BeforeMethod.INTERPOLATED, earlier[-1].taken_on, later[0].taken_on)
    if earlier:
        return Before(earlier[-1].value, BeforeMethod.LAST_READING, earlier[-1].taken_on)
    if later and baseline.taken_on < day:
        value = _between(baseline, later[0], day)
        return Before(value, BeforeMethod.FROM_BASELINE, baseline.taken_on, later[0].taken_on)
    return Before(baseline.value, BeforeMethod.BASELINE, baseline.taken_on)


# Share and verdict ------------------------------------------------------------------


def share_of_promise(change: float | None, promised: float | None) -> float | None:
    """change ÷ promised (1.0 = as promised; negative = the wrong way), clamped
    to ±MAX_SHARE; None when there is nothing to compare (no change measured, a
    zero promise, a value that is not a finite number)."""
    if change is None or promised is None:
        return None
    if not (math.isfinite(change) and math.isfinite(promised)) or promised == 0:
        return None
    if abs(change) >= MAX_SHARE * abs(promised):  # compared before dividing: no overflow
        return MAX_SHARE if (change > 0) == (promised > 0) else -MAX_SHARE
    return change / promised


class Verdict(enum.Enum):
    # value, how the summary counts it
    DELIVERED = "delivered", "delivered"
    PARTLY = "partly delivered", "partly"
    LITTLE = "little change", "little change"
    NOT_DELIVERED = "not delivered", "not delivered"
    REVERSED = "reversed", "reversed"
    TOO_EARLY = "too early", "too early"
    OVERDUE = "reading overdue", "overdue"
    NO_READING = "no measure reading", "no reading"
    NO_PROMISE = "cannot be compared", "not comparable"

    def __new__(cls, value: str, short: str):
        member = object.__new__(cls)
        member._value_ = value
        member.short = short
        return member

    @property
    def slug(self) -> str:
        return self.value.replace(" ", "-")


def verdict_for(share: float | None) -> Verdict:
    """The verdict on a measured share of the promise."""
    if share is None:
        return Verdict.NO_PROMISE
    if share >= DELIVERED:
        return Verdict.DELIVERED
    if share >= PARTLY:
        return Verdict.PARTLY
    if share > 0:
        return Verdict.LITTLE
    if share == 0:
        return Verdict.NOT_DELIVERED
    return Verdict.REVERSED


@dataclass(frozen=True)
class Outcome:
    """What one shipped card measurably changed (or why it cannot tell yet)."""

    shipped_on: date
    window_days: int
    promised: float | None
    before: Before
    after: Point | None  # the latest reading at least the window after shipping
    verdict: Verdict
    today: date

    @property
    def first_reading_due(self) -> date:
        return self.shipped_on + timedelta(days=self.window_days)

    @property
    def change(self) -> float | None:
        if self.after is None:
            return None
        change = self.after.value - self.before.value
        return change if math.isfinite(change) else None

    @property
    def share(self) -> float | None:
        return share_of_promise(self.change, self.promised)

    @property
    def share_percent(self) -> int | None:
        """The share as a whole percentage: finite whatever the inputs."""
        share = self.share
        return None if share is None else round(100 * share)

    @property
    def text(self) -> str:
        """The verdict as a leader reads it."""
        due = format_date(self.first_reading_due)
        if self.verdict is Verdict.TOO_EARLY:
            return f"too early — first reading due {due}"
        if self.verdict is Verdict.OVERDUE:
            return f"reading overdue since {due}"
        if self.verdict is Verdict.NO_READING:
            return f"no measure reading — due since {due}"
        if self.share_percent is not None:
            return f"{self.verdict.value} ({self.share_percent:,} %)"
        return self.verdict.value

    @property
    def sentence(self) -> str:
        """The verdict starting with a capital: 'Too early — first reading due…'."""
        return self.text[:1].upper() + self.text[1:]


def outcome(
    readings: Sequence[Point],
    baseline: Point,
    *,
    shipped_on: date,
    window_days: int,
    promised: float | None,
    today: date,
) -> Outcome:
    """The rules of the module applied to one card's measure."""
    before = value_at(readings, baseline, shipped_on)
    due = shipped_on + timedelta(days=window_days)
    late = [reading for reading in readings if reading.taken_on >= due]
    after = max(late, key=lambda reading: reading.taken_on) if late else None
    if after is not None:
        verdict = verdict_for(share_of_promise(after.value - before.value, promised))
    elif today <= due:
        verdict = Verdict.TOO_EARLY
    elif readings:
        verdict = Verdict.OVERDUE
    else:
        verdict = Verdict.NO_READING
    return Outcome(shipped_on, window_days, promised, before, after, verdict, today)


def summary_line(counts: Iterable[tuple[Verdict, int]]) -> str:
    """'3 delivered · 1 partly · 2 too early · 1 not delivered'."""
    return " · ".join(f"{count:,} {verdict.short}" for verdict, count in counts)
