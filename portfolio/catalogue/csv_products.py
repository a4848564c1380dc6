"""One row of products.csv, in parts: its text and links checked with the
forms' limits, its tags, its contract, its value proposition and its end of
life (`retired_on`, `retirement_reason`, `successor_slug`), and how those
parts are written onto a product. `csv_import.Plan` checks the whole row and
the references between rows.

The lifecycle columns are optional (files written before them still import,
and leave the lifecycle of the products they update as it was). When present
they are checked as the retire form checks them (`catalogue/lifecycle.py`):
a date only for a retired product and within `retirement_date_problem`'s
bounds, a reason of at most `REASON_LENGTH` characters only for a retired
product, and a successor that `successor_problem` accepts.

So are a contract's notice terms (`contract_notice_days`,
`contract_auto_renew`): a file without them leaves a stored contract's terms
as they were, and gives a new contract none and no automatic renewal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portfolio.catalogue import limits
from portfolio.catalogue.csv_cells import (
    Row,
    RowError,
    check_length,
    check_url,
    parse_count,
    parse_date,
    parse_money,
    quoted,
    require,
)
from portfolio.catalogue.csv_export import VALUE_PROPOSITION_COLUMNS
from portfolio.catalogue.lifecycle import (
    REASON_LENGTH,
    forget_retirement,
    retirement_date_problem,
    successor_problem,
)
from portfolio.catalogue.products import parse_tags
from portfolio.models import (
    MAX_NOTICE_DAYS,
    MIN_NOTICE_DAYS,
    Contract,
    Product,
    Stage,
    ValueProposition,
)

URL_COLUMNS = ("docs_url", "source_url", "prd_url")
CONTRACT_COLUMNS = (
    "contract_vendor",
    "contract_annual_cost",
    "contract_seats_bought",
    "contract_renewal_date",
)
# How the optional contract_auto_renew may be written (the export writes yes and no).
YES, NO = ("yes", "true", "1"), ("no", "false", "0", "")
LIFECYCLE_COLUMNS = ("retired_on", "retirement_reason", "successor_slug")
# Product columns copied as they are (after their checks) onto the product.
PRODUCT_ATTRIBUTES = (
    "name",
    "category",
    "summary",
    "stage",
    "owner_id",
    "sourcing",
    "vendor",
    "docs_url",
    "source_url",
    "prd_url",
)


def check_product_text(row: Row) -> None:
    """The lengths the product form allows, and only http(s) links."""
    for column, limit in (
        ("name", limits.NAME),
        ("summary", limits.SUMMARY),
        ("vendor", limits.NAME),
        ("tags", limits.TAGS_TEXT),
        ("contract_vendor", limits.NAME),
        *((column, limits.STORY) for column in VALUE_PROPOSITION_COLUMNS),
    ):
        check_length(row, column, limit)
    for column in URL_COLUMNS:
        check_url(row, column)


def product_tags(row: Row) -> list[str]:
    try:
        return parse_tags(row["tags"].replace(";", ","))
    except ValueError as problem:
        raise RowError(str(problem)) from None


def contract_values(row: Row) -> dict | None:
    """The contract's values, or None when its columns are empty. The notice
    terms only when the file has their columns (an older file's import keeps
    the stored ones; a new contract then gets none and no auto-renewal)."""
    terms_given = row["contract_notice_days"] or row["contract_auto_renew"].lower() not in NO
    if not terms_given and not any(row[column] for column in CONTRACT_COLUMNS):
        return None
    require(row, *CONTRACT_COLUMNS)
    values = {
        "vendor": row["contract_vendor"],
        "annual_cost": parse_money(row["contract_annual_cost"], "contract_annual_cost"),
        "seats_bought": parse_count(row["contract_seats_bought"], "contract_seats_bought"),
        "renewal_date": parse_date(row["contract_renewal_date"], "contract_renewal_date"),
    }
    if "contract_notice_days" in row.values:
        values["notice_days"] = parse_notice_days(row["contract_notice_days"])
    if "contract_auto_renew" in row.values:
        values["auto_renew"] = parse_yes_no(row["contract_auto_renew"], "contract_auto_renew")
    return values


def parse_notice_days(text: str) -> int | None:
    """Empty (not known), or a whole number of days in the contract form's range."""
    if not text:
        return None
    try:
        days = int(text)
    except ValueError:
        raise RowError(
            f"contract_notice_days must be a whole number of days, not “{quoted(text)}”"
        ) from None
    if not MIN_NOTICE_DAYS <= days <= MAX_NOTICE_DAYS:
        raise RowError(
            f"contract_notice_days must be from {MIN_NOTICE_DAYS} to {MAX_NOTICE_DAYS}, "
            f"not “{quoted(text)}”"
        )
    return days


def parse_yes_no(text: str, what: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise RowError(f"{what} must be yes or no, not “{quoted(text)}”")


# The end of life -------------------------------------------------------------------


@dataclass(frozen=True)
class Lifecycle:
    """The lifecycle columns of one row (`successor_slug` as written, or None)."""

    retired_on: date | None
    reason: str | None
    successor_slug: str | None


def lifecycle_values(row: Row, stage: Stage) -> Lifecycle | None:
    """The row's lifecycle, or None when the file has no lifecycle columns.
    The date's bounds and the successor are checked by `lifecycle_problem`
    once every row is read (a successor may come later in the file)."""
    if not any(column in row.values for column in LIFECYCLE_COLUMNS):
        return None
    check_length(row, "retirement_reason", REASON_LENGTH)
    retired_on = parse_date(row["retired_on"], "retired_on") if row["retired_on"] else None
    if stage is not Stage.RETIRED:
        given = [column for column in ("retired_on", "retirement_reason") if row[column]]
        if given:
            raise RowError(
                f"{' and '.join(given)}: only a retired product has them (stage is {stage.value})"
            )
    return Lifecycle(retired_on, row["retirement_reason"] or None, row["successor_slug"] or None)


def lifecycle_problem(
    product: Product,
    lifecycle: Lifecycle,
    successor: Product | None,
    *,
    stored: Product | None,
    today: date,
) -> str | None:
    """What is wrong with the row's date and successor, by the retire form's
    rules; `product` and `successor` as the import leaves them, `stored` the
    product as the database holds it (None: a new product). As when a product
    is edited, a rule judges only what the file changes, so a product the
    database already has, retired with a successor retired since, imports
    again as it is."""
    if lifecycle.retired_on is not None and (
        stored is None or stored.retired_on != lifecycle.retired_on
    ):
        problem = retirement_date_problem(product, lifecycle.retired_on, today)
        if problem:
            return f"retired_on: {problem}"
    stored_successor = stored.successor_id if stored is not None else None
    if successor is not None and (stored_successor is None or stored_successor != successor.id):
        problem = successor_problem(product, successor)
        if problem:
            return f"successor_slug: {problem}"
    return None


# Writing ---------------------------------------------------------------------------


def write_value_proposition(product: Product, texts: dict[str, str]) -> None:
    if not any(texts.values()) and product.value_proposition is None:
        return
    if product.value_proposition is None:
        product.value_proposition = ValueProposition()
    for column, text in texts.items():
        setattr(product.value_proposition, column, text)


def write_contract(product: Product, values: dict) -> None:
    if product.contract is None:
        product.contract = Contract(**values)
        return
    for attribute, value in values.items():
        setattr(product.contract, attribute, value)


def write_lifecycle(product: Product, lifecycle: Lifecycle | None) -> None:
    """The row's date and reason onto `product`; without lifecycle columns, a
    product no longer retired forgets since when and why, as when it is edited."""
    if lifecycle is None:
        if not product.is_retired:
            forget_retirement(product)
        return
    product.retired_on = lifecycle.retired_on
    product.retirement_reason = lifecycle.reason


def write_successor(session: Session, product: Product, successor: Product | None) -> None:
    """The row's successor onto `product`, both flushed: set by id, so that two
    products naming each other (both sunsetting) are two updates, not a cycle
    for the unit of work to order."""
    product.successor_id = successor.id if successor is not None else None
    session.expire(product, ["successor"])
