"""Satisfaction across the portfolio: the latest quarter's Net Promoter Score
per product, its change from the quarter before and the number of answers,
and the organisation's figure over every answer of the quarter.

The scoring rules are `portfolio.catalogue.satisfaction`'s; this module only
rolls them up, from one grouped query (product × quarter × score) whatever
the number of answers. Retired products are left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.catalogue.satisfaction import (
    NetPromoterScore,
    last_quarters,
    net_promoter_score,
)
from portfolio.models import Product, SatisfactionResponse, Stage

MIN_ANSWERS = 5  # fewer answers than this give no score: "too few answers (n)"
SATISFACTION_PRODUCTS = 12  # products listed on the dashboard
NO_ANSWERS = net_promoter_score([])


@dataclass(frozen=True)
class Score:
    """One quarter's NPS, or why there is none."""

    nps: NetPromoterScore

    @property
    def answers(self) -> int:
        return self.nps.responses

    @property
    def enough(self) -> bool:
        return self.answers >= MIN_ANSWERS

    @property
    def score(self) -> int | None:
        return self.nps.score if self.enough else None

    @property
    def label(self) -> str:
        return self.nps.label if self.enough else f"too few answers ({self.answers})"


@dataclass(frozen=True)
class Trend:
    """A quarter's score and the quarter before's."""

    latest: Score
    previous: Score

    @property
    def change(self) -> int | None:
        """Points gained since the previous quarter; None unless both have a score."""
        if self.latest.score is None or self.previous.score is None:
            return None
        return self.latest.score - self.previous.score

    @property
    def change_label(self) -> str:
        change = self.change
        return "—" if change is None else f"{change:+d}"


@dataclass(frozen=True)
class ProductSatisfaction:
    product: Product
    trend: Trend


@dataclass
class SatisfactionRollup:
    quarter: str  # the quarter shown ('2026-Q4')
    previous_quarter: str
    is_current: bool  # False: this quarter has no answers yet, the previous one is shown
    overall: Trend
    by_product: dict[int, Trend]  # every product not retired with answers in either quarter
    rows: list[ProductSatisfaction]  # the first products, worst score first
    total: int  # products with answers in either quarter

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)

    def trend_of(self, product_id: int) -> Trend:
        return self.by_product.get(product_id) or Trend(Score(NO_ANSWERS), Score(NO_ANSWERS))


def _scores(
    session: Session, quarters: list[str]
) -> tuple[dict[tuple[int, str], list[int]], dict[int, str]]:
    """Every answer's score of `quarters` per (product, quarter), and the
    products' names, from one grouped query."""
    scores: dict[tuple[int, str], list[int]] = {}
    names: dict[int, str] = {}
    rows = session.execute(
        sa.select(
            SatisfactionResponse.product_id,
            Product.name,
            SatisfactionResponse.quarter,
            SatisfactionResponse.score,
            sa.func.count(),
        )
        .join(Product, Product.id == SatisfactionResponse.product_id)
        .where(Product.stage != Stage.RETIRED, SatisfactionResponse.quarter.in_(quarters))
        .group_by(
            SatisfactionResponse.product_id,
            Product.name,
            SatisfactionResponse.quarter,
            SatisfactionResponse.score,
        )
    )
    for product_id, name, quarter, score, count in rows:
        scores.setdefault((product_id, quarter), []).extend([score] * count)
        names[product_id] = name
    return scores, names


def _order(entry: tuple[int, Trend], names: dict[int, str]) -> tuple:
    product_id, trend = entry
    score = trend.latest.score
    return (score is None, score if score is not None else 0, names[product_id].lower(), product_id)


def satisfaction_rollup(
    session: Session, today: date, limit: int | None = SATISFACTION_PRODUCTS
) -> SatisfactionRollup:
    """The current quarter, or the previous one while the current has no
    answers at all. `limit` products are listed (None: all of them), scored
    ones worst first, then those with too few answers; by name within."""
    before, previous, current = last_quarters(3, today)
    scores, names = _scores(session, [before, previous, current])
    is_current = any(quarter == current for _, quarter in scores)
    shown, earlier = (current, previous) if is_current else (previous, before)

    def trend(latest: list[int], prior: list[int]) -> Trend:
        return Trend(Score(net_promoter_score(latest)), Score(net_promoter_score(prior)))

    product_ids = {product_id for product_id, quarter in scores if quarter in (shown, earlier)}
    by_product = {
        pid: trend(scores.get((pid, shown), []), scores.get((pid, earlier), []))
        for pid in product_ids
    }
    overall = trend(
        [s for (_, q), answers in scores.items() if q == shown for s in answers],
        [s for (_, q), answers in scores.items() if q == earlier for s in answers],
    )
    ordered = sorted(by_product.items(), key=lambda entry: _order(entry, names))
    if limit is not None:
        ordered = ordered[:limit]
    shown_ids = [product_id for product_id, _ in ordered]
    products = {
        product.id: product
        for product in session.execute(sa.select(Product).where(Product.id.in_(shown_ids or [-1])))
        .scalars()
        .all()
    }
    return SatisfactionRollup(
        quarter=shown,
        previous_quarter=earlier,
        is_current=is_current,
        overall=overall,
        by_product=by_product,
        rows=[ProductSatisfaction(products[pid], trend_) for pid, trend_ in ordered],
        total=len(by_product),
    )
