"""Selects over tables of any size (departments, products, requests): a
bounded list of options, always including the current value, and a search
that fetches more with htmx (`SearchSelectField`, the `search_select` macro)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import url_for
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from portfolio.extensions import db
from portfolio.filters import like_pattern, parse_id, search_text
from portfolio.forms import optional_int
from portfolio.models import Department, Product, Stage, Usage

# Selects over tables of any size: departments, products, requests -----------------

# A select lists at most this many options (plus always the current value); the
# options endpoints answer at most OPTIONS_CAP for one search.
SELECT_CAP = 200
OPTIONS_CAP = 50


def plain_label(id_: int, name: str) -> str:
    return name


@dataclass(frozen=True, eq=False)
class ChoiceSource:
    """The rows a search select chooses among: `(id, name)` pairs of one table,
    kept by `where`, in alphabetical order unless `order` says otherwise,
    found by part of their name (and, `by_number`, by "#12"), listed by the
    endpoint `endpoint` (with `endpoint_args`) for htmx."""

    noun: str
    plural: str
    id: Any
    name: Any
    endpoint: str
    endpoint_args: Mapping[str, Any] = field(default_factory=dict)
    where: tuple = ()
    order: tuple = ()
    label: Callable[[int, str], str] = plain_label
    by_number: bool = False

    def query(self) -> sa.Select:
        order = self.order or (sa.func.lower(self.name), self.id)
        return sa.select(self.id, self.name).where(*self.where).order_by(*order)

    def number(self, text: str) -> int | None:
        return parse_id(text.removeprefix("#")) if self.by_number else None

    def rows(self, search: str = "", limit: int = SELECT_CAP) -> list[tuple[int, str]]:
        """The first `limit` rows, those whose name contains `search` when given."""
        query = self.query()
        if search:
            condition = self.name.ilike(like_pattern(search), escape="\\")
            number = self.number(search)
            if number is not None:
                condition = sa.or_(condition, self.id == number)
            query = query.where(condition)
        rows = db.session.execute(query.limit(limit))
        return [(id_, self.label(id_, name)) for id_, name in rows]

    def row(self, id_: int) -> tuple[int, str] | None:
        found = db.session.execute(self.query().where(self.id == id_)).first()
        return (found[0], self.label(*found)) if found else None

    def exact(self, text: str) -> list[int]:
        """Ids of the rows named `text` (any case), or numbered `text`; two at most."""
        condition = sa.func.lower(self.name) == text.lower()
        number = self.number(text)
        if number is not None:
            condition = sa.or_(condition, self.id == number)
        query = sa.select(self.id).where(*self.where, condition).limit(2)
        return list(db.session.execute(query).scalars())

    def options_url(self) -> str:
        return url_for(self.endpoint, **self.endpoint_args)


def department_source(*, not_used_by: int | None = None) -> ChoiceSource:
    """Departments; with `not_used_by`, only those not yet using that product."""
    where = ()
    args = {}
    if not_used_by is not None:
        used = sa.select(Usage.department_id).where(Usage.product_id == not_used_by)
        where = (Department.id.not_in(used),)
        args = {"not_used_by": not_used_by}
    return ChoiceSource(
        noun="department",
        plural="departments",
        id=Department.id,
        name=Department.name,
        where=where,
        endpoint="catalogue.departments.options",
        endpoint_args=args,
    )


def product_source(*, retired: bool = False, excluding: int | None = None) -> ChoiceSource:
    """Products that can still be asked for or planned: every one not retired
    (with `retired`, every product, for filters over past work; its options
    endpoint still offers only the others); with `excluding`, all but that
    one (a product's successor is another product)."""
    where = () if retired else (Product.stage != Stage.RETIRED,)
    if excluding is not None:
        where += (Product.id != excluding,)
    args = {"excluding": excluding} if excluding is not None else {}
    return ChoiceSource(
        "product", "products", Product.id, Product.name, "catalogue.options", args, where
    )


def with_current(source: ChoiceSource, rows: list[tuple[int, str]], current: int | None) -> list:
    """`rows`, with the row `current` first when it is not among them (looked
    up whenever there is a current value, so the query count stays the same)."""
    if current is None:
        return rows
    found = source.row(current)
    if found is None or any(id_ == current for id_, _ in rows):
        return rows
    return [found, *rows]


def filter_options(source: ChoiceSource, current: int | None) -> list[tuple[int, str]]:
    """A list page's filter select: the first SELECT_CAP rows of `source`,
    alphabetically, and always the one filtered on."""
    return with_current(source, source.rows("", SELECT_CAP), current)


class SearchSelectField(SelectField):
    """A select among rows of a table of any size (`source`), which never lists
    more than SELECT_CAP options — the first alphabetically, plus always the
    current value — with a companion text input `<name>_search`
    (`macros/forms.html` `search_select` renders both).

    With htmx, typing in the search input swaps in the matching options from
    the source's endpoint. Without JavaScript, submitting with text in the
    search input and no choice (or a choice the text does not describe) takes
    the one row named exactly so (any case); otherwise the field fails with the
    select narrowed to the matches, so the form comes back (422) with every
    typed value kept."""

    cap = SELECT_CAP

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        source: Callable[[], ChoiceSource],
        placeholder: str,
        **kwargs,
    ):
        kwargs.setdefault("coerce", optional_int)
        super().__init__(label, validators, choices=self.load_choices, **kwargs)
        self.make_source = source
        self._source: ChoiceSource | None = None
        self.placeholder = placeholder
        self.search = ""
        self.narrowed = False
        self.more = False  # more rows than the select lists
        self.matches = 0  # rows matching the search, when narrowed (at most SELECT_CAP + 1)

    @property
    def source(self) -> ChoiceSource:
        if self._source is None:
            self._source = self.make_source()
        return self._source

    @source.setter
    def source(self, value: ChoiceSource) -> None:
        self._source = value
        self.choices = self.load_choices

    def process(self, formdata, *args, **kwargs):
        super().process(formdata, *args, **kwargs)
        self.search = search_text(formdata, f"{self.name}_search") if formdata else ""

    def load_choices(self) -> list[SelectChoice]:
        rows = self.source.rows(self.search, SELECT_CAP + 1) if self.narrowed else []
        self.matches = len(rows)
        if not rows:
            rows = self.source.rows("", SELECT_CAP + 1)
        self.more = len(rows) > SELECT_CAP
        rows = with_current(self.source, rows[:SELECT_CAP], self.data)
        return [SelectChoice("", self.placeholder)] + [
            SelectChoice(str(id_), label) for id_, label in rows
        ]

    @property
    def has_options(self) -> bool:
        """Anything to choose besides the placeholder."""
        return len(self.choices) > 1

    @property
    def chosen_label(self) -> str | None:
        return next((choice.label for choice in self.iter_choices() if choice.selected), None)

    def pre_validate(self, form) -> None:
        if self.search and not self.process_errors:
            label = self.chosen_label if self.data is not None else None
            if label is None or self.search.lower() not in label.lower():
                self.take_search()
        super().pre_validate(form)

    def take_search(self) -> None:
        """The row the search names, or StopValidation with the select narrowed."""
        found = self.source.exact(self.search)
        if len(found) == 1:
            self.data = found[0]
            self.raw_data = [str(found[0])]
            self.choices = self.load_choices  # it may be past the first SELECT_CAP
            return
        self.data = None
        self.narrowed = True
        self.choices = self.load_choices()  # loaded now: it counts the matches
        source, search = self.source, self.search
        if not self.matches:
            raise StopValidation(
                f"No {source.noun} matches “{search}”: change or clear the text to find one."
            )
        if self.matches == 1:
            raise StopValidation(f"One {source.noun} matches “{search}”: choose it in the list.")
        count = f"More than {SELECT_CAP}" if self.matches > SELECT_CAP else str(self.matches)
        raise StopValidation(f"{count} {source.plural} match “{search}”: choose one in the list.")


def search_options(source: ChoiceSource, args: Mapping[str, str]) -> dict:
    """What an options endpoint shows: at most OPTIONS_CAP rows matching the
    search, sent as `q` or as a search input's own `<field>_search`."""
    names = ["q", *(name for name in args if name.endswith("_search"))]
    search = next((search_text(args, name) for name in names if args.get(name)), "")
    rows = source.rows(search, OPTIONS_CAP + 1)
    return {
        "source": source,
        "search": search,
        "rows": rows[:OPTIONS_CAP],
        "more": len(rows) > OPTIONS_CAP,
    }
