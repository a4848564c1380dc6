"""The body of `PUT /api/measures/{id}/readings/{date}`, checked as the web
form checks a reading: the JSON's types here, then the ReadingForm itself
(bounded, finite, not in the future, the note's length), with each problem
under the API's name of its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from werkzeug.datastructures import MultiDict

from portfolio.catalogue import limits
from portfolio.catalogue.measure_forms import ReadingForm
from portfolio.models import SuccessMeasure

FIELDS = ("value", "note")
# The form's names for the API's: the date comes from the path.
FORM_NAMES = {"taken_on": "date", "value": "value", "note": "note"}


@dataclass
class ReadingInput:
    taken_on: date
    value: float | None = None
    note: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict:
        return {"taken_on": self.taken_on, "value": self.value, "note": self.note}


def _storable(text: str) -> bool:
    """Text the database can keep: no NUL, no lone surrogate (JSON's \\ud800)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def read_reading(body: object, measure: SuccessMeasure, taken_on: date) -> ReadingInput:
    """The reading `body` asks for; its `errors` (field → message) say why not."""
    found = ReadingInput(taken_on)
    if not isinstance(body, dict):
        found.errors["body"] = 'Send a JSON object: {"value": 12.5, "note": "…"}.'
        return found
    for name in sorted(set(body) - set(FIELDS)):
        found.errors[str(name)[:40]] = f"Unknown field; the fields are {', '.join(FIELDS)}."
    value, note = body.get("value"), body.get("note")
    if "value" not in body or value is None:
        found.errors["value"] = "Enter the value read."
    elif isinstance(value, bool) or not isinstance(value, int | float):
        found.errors["value"] = "The value must be a JSON number."
    if note is not None and not isinstance(note, str):
        found.errors["note"] = "The note must be text or null."
    elif isinstance(note, str) and len(note) > limits.NOTE:
        found.errors["note"] = f"Field cannot be longer than {limits.NOTE} characters."
    elif isinstance(note, str) and not _storable(note):
        found.errors["note"] = "The note contains a character no field accepts."
    if found.errors:
        return found
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float: as huge as infinity
        number = float("inf")
    form = ReadingForm(
        formdata=MultiDict(
            {
                "taken_on": taken_on.isoformat(),
                "value": repr(number),
                "note": note or "",
                # A program sends what it measured: the form's "are you sure?"
                # about a value far outside the measure's range is for typing slips.
                "confirm_outlier": repr(number),
            }
        ),
        measure=measure,
        meta={"csrf": False},
    )
    if not form.validate():
        for name, api_name in FORM_NAMES.items():
            if form[name].errors:
                found.errors[api_name] = " ".join(form[name].errors)
        return found
    found.value, found.note = form.value.data, form.note.data
    return found
