"""The quarterly satisfaction survey and its Net Promoter Score."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.models import Product, SatisfactionResponse, User

# A retired product's page asks for no survey; an answer posted anyway is refused.
SURVEY_CLOSED = "{name} is retired: it no longer asks for satisfaction answers."


def quarter_of(day: date) -> str:
    """date(2026, 11, 24) → '2026-Q4'."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def last_quarters(count: int, today: date) -> list[str]:
    """The `count` quarters up to and including today's, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    quarters = []
    for _ in range(count):
        quarters.append(f"{year}-Q{quarter}")
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
    return quarters[::-1]


@dataclass(frozen=True)
class NetPromoterScore:
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> int | None:
        """% promoters (9–10) minus % detractors (0–6), rounded; None without answers."""
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses)

    @property
    def label(self) -> str:
        """'+33', '-20', '+0'; '—' without answers."""
        score = self.score
        return "—" if score is None else f"{score:+d}"


def net_promoter_score(scores: Iterable[int]) -> NetPromoterScore:
    promoters = passives = detractors = 0
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"a satisfaction score is 0–10, not {score}")
        if score >= 9:
            promoters += 1
        elif score >= 7:
            passives += 1
        else:
            detractors += 1
    return NetPromoterScore(promoters + passives + detractors, promoters, passives, detractors)


def nps_by_quarter(
    session: Session, product_id: int, quarters: list[str]
) -> list[tuple[str, NetPromoterScore]]:
    """NPS for each of `quarters` in one grouped query."""
    rows = session.execute(
        sa.select(SatisfactionResponse.quarter, SatisfactionResponse.score, sa.func.count())
        .where(
            SatisfactionResponse.product_id == product_id,
            SatisfactionResponse.quarter.in_(quarters),
        )
        .group_by(SatisfactionResponse.quarter, SatisfactionResponse.score)
    )
    scores: dict[str, list[int]] = {quarter: [] for quarter in quarters}
    for quarter, score, count in rows:
        scores[quarter].extend([score] * count)
    return [(quarter, net_promoter_score(scores[quarter])) for quarter in quarters]


# NPS is kept for at most this many quarters back (a century): the API's list
# of quarters ends there whatever an imported answer says.
MAX_QUARTERS = 400


def quarters_since_first_answer(
    session: Session, product_id: int, today: date, at_least: int
) -> list[str]:
    """Every quarter from the product's first answer (or `at_least` quarters
    back, if earlier) to today's, newest first: the product page's NPS
    quarters are the first `at_least` of them."""
    first = session.execute(
        sa.select(sa.func.min(SatisfactionResponse.quarter)).where(
            SatisfactionResponse.product_id == product_id
        )
    ).scalar_one()
    quarters = last_quarters(at_least, today)[::-1]
    while first is not None and quarters[-1] > first and len(quarters) < MAX_QUARTERS:
        year, quarter = int(quarters[-1][:4]), int(quarters[-1][-1]) - 1
        quarters.append(f"{year - 1}-Q4" if quarter == 0 else f"{year}-Q{quarter}")
    return quarters


# The chart of NPS per quarter ----------------------------------------------------

# An SVG 130 high: bars grow up (positive) or down (negative) from the zero
# line, half a pixel per NPS point, so ±100 fills the 50 pixels either side.
BAR_PITCH, BAR_WIDTH, CHART_MARGIN = 48, 32, 8
ZERO_Y, PIXELS_PER_POINT, MIN_BAR_HEIGHT = 60, 0.5, 1


@dataclass(frozen=True)
class NpsBar:
    quarter: str
    result: NetPromoterScore
    x: int

    width = BAR_WIDTH

    @property
    def middle(self) -> int:
        return self.x + BAR_WIDTH // 2

    @property
    def short_quarter(self) -> str:
        """'2026-Q4' → '26-Q4'."""
        return self.quarter[2:]

    @property
    def positive(self) -> bool:
        return self.result.score is not None and self.result.score >= 0

    @property
    def length(self) -> float:
        return abs(self.result.score or 0) * PIXELS_PER_POINT

    @property
    def top(self) -> float:
        return ZERO_Y - self.length if self.positive else ZERO_Y

    @property
    def height(self) -> float:
        """Never less than a hairline, so a score of 0 still shows a bar."""
        return max(self.length, MIN_BAR_HEIGHT)

    @property
    def value_y(self) -> float:
        """The score's label: above a positive bar, below a negative one; the
        dash of a quarter without answers sits on the zero line."""
        if self.result.score is None:
            return ZERO_Y - 4
        return ZERO_Y - self.length - 4 if self.positive else ZERO_Y + self.length + 11


@dataclass(frozen=True)
class NpsChart:
    bars: list[NpsBar]
    zero_y: int = ZERO_Y

    @property
    def width(self) -> int:
        return len(self.bars) * BAR_PITCH + CHART_MARGIN

    @property
    def zero_line_end(self) -> int:
        return self.width - CHART_MARGIN // 2


def nps_chart(scores: list[tuple[str, NetPromoterScore]]) -> NpsChart:
    """Bars for `nps_by_quarter()`'s result, oldest quarter on the left."""
    return NpsChart(
        [
            NpsBar(quarter, result, CHART_MARGIN + index * BAR_PITCH)
            for index, (quarter, result) in enumerate(scores)
        ]
    )


# Answering ---------------------------------------------------------------------


def answer_of(
    session: Session, user: User, product: Product, quarter: str
) -> SatisfactionResponse | None:
    return session.execute(
        sa.select(SatisfactionResponse).where(
            SatisfactionResponse.user_id == user.id,
            SatisfactionResponse.product_id == product.id,
            SatisfactionResponse.quarter == quarter,
        )
    ).scalar_one_or_none()


def answer_survey(
    session: Session, user: User, product: Product, *, score: int, comment: str | None, today: date
) -> SatisfactionResponse:
    """Record this quarter's answer; a second answer in the quarter replaces the
    first. A retired product asks for none (ValueError)."""
    if product.is_retired:
        raise ValueError(SURVEY_CLOSED.format(name=product.name))
    quarter = quarter_of(today)
    for _attempt in range(2):
        existing = answer_of(session, user, product, quarter)
        if existing is not None:
            existing.score, existing.comment = score, comment
            return existing
        try:
            with session.begin_nested():
                answer = SatisfactionResponse(
                    user_id=user.id,
                    product_id=product.id,
                    quarter=quarter,
                    score=score,
                    comment=comment,
                )
                session.add(answer)
            return answer
        except IntegrityError:
            continue  # answered at the same moment in another tab: update that answer
    raise RuntimeError("could not record the survey answer")
