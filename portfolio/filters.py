"""Reading ids, pages and search text from a URL: one parser, one bound.

Every list page's filter dataclass (`from_args` / `to_args` / `apply`) builds
on these, so `²`, `-1`, `1e3` or an id past the database's integer range is
ignored with a message instead of reaching the database.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

# The database's integer columns (PostgreSQL `integer`) stop here.
MAX_ID = 2**31 - 1
# Past this page number the row offset would overflow; nobody pages that far.
MAX_PAGE = 1_000_000
MAX_SEARCH_LENGTH = 100


def parse_positive_int(value: object, maximum: int = MAX_ID) -> int | None:
    """`value` as a whole number from 1 to `maximum`, or None.

    Only ASCII digits count: `str.isdigit()` accepts `²` and other Unicode
    digits that `int()` then refuses."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= maximum else None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value) > len(str(maximum)):
        return None
    number = int(value)
    return number if 0 < number <= maximum else None


def parse_id(value: object) -> int | None:
    """A database id from the URL or a form, or None when it cannot be one."""
    return parse_positive_int(value, MAX_ID)


def parse_page(value: object) -> int:
    """A page number: 1 unless the value is a whole number from 1 to MAX_PAGE."""
    return parse_positive_int(value, MAX_PAGE) or 1


def parse_id_filters(args: MultiDict, filters: Any, names: dict[str, str]) -> None:
    """Set `filters.<attribute>` from `args[name]` for each id filter; a value
    that is not an id is ignored with a warning in `filters.errors`."""
    for name, attribute in names.items():
        value = args.get(name) or ""
        number = parse_id(value)
        if number is not None:
            setattr(filters, attribute, number)
        elif value:
            filters.errors.append(f"Unknown {name} ignored.")


def search_text(args: MultiDict, name: str = "q") -> str:
    """The search box's text, trimmed and bounded."""
    return (args.get(name) or "").strip()[:MAX_SEARCH_LENGTH]


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with wildcards taken literally
    (use with `escape="\\\\"`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
