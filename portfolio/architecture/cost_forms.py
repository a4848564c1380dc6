"""The run-cost form of a built or hybrid product."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import Optional, StopValidation

from portfolio.models.catalogue import MAX_TEAM_FTE, MAX_YEARLY_COST


class Within:
    """A finite amount from 0 to `maximum` (NaN, infinities and signalling NaN
    included: Decimal parses them all, and float() would choke on the last)."""

    def __init__(self, maximum: int, message: str) -> None:
        self.maximum = maximum
        self.message = message

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return  # empty (Optional) or not a number (the field says so)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise StopValidation("Enter an ordinary number.")
        if not 0 <= value <= self.maximum:
            raise StopValidation(self.message)


class RunCostForm(FlaskForm):
    team_fte = DecimalField(
        "Team (full-time equivalents)",
        places=2,
        validators=[
            Optional(),
            Within(MAX_TEAM_FTE, f"Enter a team of 0 to {MAX_TEAM_FTE:,} full-time equivalents."),
        ],
        description="People working on it, in full-time equivalents (2.5 for two and a half). "
        "Empty if unknown.",
    )
    infrastructure_cost = DecimalField(
        "Infrastructure a year",
        places=2,
        validators=[
            Optional(),
            Within(MAX_YEARLY_COST, f"Enter an amount of 0 to {MAX_YEARLY_COST:,}."),
        ],
        description="Hosting, licences for its tools, support contracts. Empty if unknown.",
    )

    def values(self) -> dict:
        return {
            "team_fte": self.team_fte.data,
            "infrastructure_cost": self.infrastructure_cost.data,
        }
