"""One id parser: Unicode digits and huge numbers in the URL are ignored, never a 500
(#12, item 6)."""

from __future__ import annotations

import pytest

from portfolio.filters import MAX_ID, parse_id, parse_page

ODD_VALUES = ["²", "١٢", "1²", "99999999999999999999", str(MAX_ID + 1), "-1", "0", "1e3", " 7"]
PAGES = ["/products", "/requests", "/board", "/activity", "/board/items/new", "/changelog"]
PARAMETERS = ["product", "department", "page"]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_parse_id_takes_only_ascii_digits_within_the_bound(value):
    assert parse_id(value) is None
    assert parse_page(value) == 1


def test_parse_id_accepts_ordinary_ids():
    assert parse_id("42") == 42 and parse_id(str(MAX_ID)) == MAX_ID and parse_page("3") == 3


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("parameter", PARAMETERS)
@pytest.mark.parametrize("value", ["²", "99999999999999999999", "2147483648"])
def test_odd_ids_in_any_list_are_ignored_not_a_500(client_as, url, parameter, value):
    response = client_as("pm").get(f"{url}?{parameter}={value}")
    assert response.status_code == 200, (url, parameter, value)
