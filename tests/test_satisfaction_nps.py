"""Net Promoter Score per quarter and the quarterly survey."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.catalogue.satisfaction import (
    last_quarters,
    net_promoter_score,
    nps_by_quarter,
    quarter_of,
)
from portfolio.extensions import db
from portfolio.models import SatisfactionResponse
from tests.helpers import count_rows


@pytest.mark.parametrize(
    "scores, score, promoters, passives, detractors",
    [
        ([], None, 0, 0, 0),
        ([9, 10, 10], 100, 3, 0, 0),
        ([0, 3, 6], -100, 0, 0, 3),
        ([10, 9, 8, 7, 6, 0], 0, 2, 2, 2),
        ([10, 10, 10, 6], 50, 3, 0, 1),
        ([10, 7, 7], 33, 1, 2, 0),  # 33.3 rounds to 33
        ([9, 9, 5], 33, 2, 0, 1),  # 66.7 - 33.3
        ([8, 8, 8, 8], 0, 0, 4, 0),
    ],
)
def test_net_promoter_score(scores, score, promoters, passives, detractors):
    result = net_promoter_score(scores)
    assert (result.score, result.promoters, result.passives, result.detractors) == (
        score,
        promoters,
        passives,
        detractors,
    )
    assert result.responses == len(scores)


@pytest.mark.parametrize("bad", [-1, 11])
def test_scores_outside_0_to_10_are_refused(bad):
    with pytest.raises(ValueError):
        net_promoter_score([5, bad])


def test_quarters():
    assert quarter_of(date(2026, 11, 24)) == "2026-Q4" and quarter_of(date(2026, 1, 1)) == "2026-Q1"
    assert last_quarters(8, date(2026, 2, 10)) == [
        "2024-Q2",
        "2024-Q3",
        "2024-Q4",
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
    ]


def test_nps_by_quarter_from_rows_in_one_query(app, make, count_queries):
    product = make.product()
    people = [make.user() for _ in range(5)]
    answers = {"2026-Q3": [10, 9, 3], "2026-Q4": [10, 8, 8, 8, 0]}
    for quarter, scores in answers.items():
        for person, score in zip(people, scores, strict=False):
            db.session.add(
                SatisfactionResponse(user=person, product=product, quarter=quarter, score=score)
            )
    db.session.commit()
    product_id = product.id
    with count_queries() as queries:
        result = dict(nps_by_quarter(db.session, product_id, ["2026-Q2", "2026-Q3", "2026-Q4"]))
    assert len(queries) == 1
    assert result["2026-Q2"].score is None
    assert (result["2026-Q3"].score, result["2026-Q3"].responses) == (33, 3)
    assert (result["2026-Q4"].score, result["2026-Q4"].responses) == (0, 5)


def test_a_second_answer_in_the_quarter_replaces_the_first(stakeholder_client, make, users):
    product = make.product(slug="rated")
    first = stakeholder_client.hx_post(
        "/products/rated/survey", data={"score": "4", "comment": "Slow"}
    )
    assert first.status_code == 200 and first.text.lstrip().startswith('<section id="satisfaction"')
    stakeholder_client.post("/products/rated/survey", data={"score": "9", "comment": ""})
    rows = (
        db.session.execute(
            db.select(SatisfactionResponse).where(SatisfactionResponse.product_id == product.id)
        )
        .scalars()
        .all()
    )
    assert len(rows) == 1 and rows[0].score == 9 and rows[0].quarter == quarter_of(date.today())
    assert rows[0].user_id == users["stakeholder"].id
    page = stakeholder_client.get("/products/rated").text
    assert f'data-testid="nps-{quarter_of(date.today())}">+100<' in page


@pytest.mark.parametrize("score", ["", "11", "-1", "abc"])
def test_invalid_scores_write_nothing(stakeholder_client, make, score):
    make.product(slug="rated")
    response = stakeholder_client.hx_post("/products/rated/survey", data={"score": score})
    assert response.status_code == 422 and 'id="survey-score-' in response.text
    assert count_rows(SatisfactionResponse) == 0
