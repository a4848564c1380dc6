"""The stakeholder map (#15): names never clip or overlap on the map. Each
entry is a numbered dot; the legend under the map (and the table beside it)
gives the full names by the same numbers. Several people on one spot share
their cell without overlapping; a crowded cell ends in a "+N" pill."""

from __future__ import annotations

import pytest

from portfolio.catalogue.stakeholders import (
    CELL,
    GRID_BOTTOM,
    GRID_LEFT,
    GRID_TOP,
    MAP_FONT,
    MAP_WIDTH,
    PER_CELL,
    StakeholderMap,
    stakeholder_map,
)
from portfolio.catalogue.svg_text import text_width
from portfolio.extensions import db
from portfolio.models import Stakeholder, StakeholderRole
from tests.helpers import parse_html

ROLES = list(StakeholderRole)

NAMES = [
    "Customer Service team",
    "Regional sales directors (EMEA and APAC)",
    "Maria Gonzalez",
    "Internal audit",
    "Works council",
    "Data protection officer",
    "IT security",
    "Legal",
    "Procurement",
    "Marketing operations",
    "Sales enablement",
    "Chief Financial Officer",
]


def entry(name, power, interest, role=StakeholderRole.KEY_USER):
    return Stakeholder(name=name, role=role, power=power, interest=interest)


def overlapping(one, other) -> bool:
    return one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]


def assert_no_overlap(drawn: StakeholderMap):
    boxes = [marker.box for marker in drawn.markers]
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert not overlapping(one, other), (one, other)


def assert_in_own_cell(drawn: StakeholderMap):
    for marker in drawn.markers:
        power, interest = marker.entries[0].power, marker.entries[0].interest
        cell = (
            GRID_LEFT + (interest - 1) * CELL,
            GRID_BOTTOM - power * CELL,
            GRID_LEFT + interest * CELL,
            GRID_BOTTOM - (power - 1) * CELL,
        )
        left, top, right, bottom = marker.box
        assert cell[0] < left and right < cell[2] and cell[1] < top and bottom < cell[3], (
            marker.text,
            marker.box,
            cell,
        )


@pytest.mark.parametrize("crowd", [1, 2, 3, 4, 5, 9, 10, 12, 40])
def test_people_on_the_same_spot_share_it_without_overlapping(crowd):
    entries = [entry(f"{NAMES[i % len(NAMES)]} {i}", 5, 5, ROLES[i % 4]) for i in range(crowd)]
    drawn = stakeholder_map(entries)
    assert_no_overlap(drawn)
    assert_in_own_cell(drawn)
    # Every entry is on the map: by its own number, or counted in the "+N" pill.
    numbered = [marker for marker in drawn.markers if marker.number is not None]
    pills = [marker for marker in drawn.markers if marker.number is None]
    assert len(numbered) + sum(len(pill.entries) for pill in pills) == crowd
    assert len(drawn.markers) <= PER_CELL
    if crowd > PER_CELL:
        assert [pill.text for pill in pills] == [f"+{crowd - PER_CELL + 2}"]
        assert text_width(pills[0].text, MAP_FONT, bold=True) < pills[0].width


def test_every_cell_of_the_grid_at_once():
    entries = [
        entry(f"{NAMES[(power * interest) % len(NAMES)]}", power, interest)
        for power in range(1, 6)
        for interest in range(1, 6)
        for _ in range(power)  # 1 to 5 people a cell
    ]
    drawn = stakeholder_map(entries)
    assert_no_overlap(drawn)
    assert_in_own_cell(drawn)
    assert [number for number, _ in drawn.legend] == list(range(1, len(entries) + 1))


def test_markers_carry_numbers_not_names_and_the_numbers_fit():
    drawn = stakeholder_map([entry(name, 2, 5) for name in NAMES[:9]])
    assert [marker.text for marker in drawn.markers] == [str(n) for n in range(1, 10)]
    assert drawn.markers[0].title == "1: Customer Service team"
    # Two digits fit inside a dot.
    assert text_width("99", MAP_FONT, bold=True) < drawn.markers[0].width


def test_quadrant_names_sit_outside_the_grid_and_apart():
    drawn = stakeholder_map([entry("Customer Service team", 5, 5)])
    labels = drawn.quadrant_labels + [drawn.interest_label]
    boxes = []
    for label in labels:
        width = text_width(label.text, MAP_FONT)
        left = label.x - (width / 2 if label.anchor == "middle" else 0)
        box = (left, label.y - 0.82 * MAP_FONT, left + width, label.y + 0.24 * MAP_FONT)
        # Above or below the grid: never under a marker.
        assert box[3] < GRID_TOP or box[1] > GRID_BOTTOM, label
        assert box[0] >= 0 and box[2] <= MAP_WIDTH, label
        boxes.append(box)
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert not overlapping(one, other)


def test_the_quadrants_split_where_the_approach_changes():
    """Level 3 counts as high (`Stakeholder.quadrant`): the lines run between
    levels 2 and 3, so no dot sits on a quadrant's edge."""
    drawn = stakeholder_map([entry("Middle", 3, 3)])
    split_x, split_y = drawn.split
    assert split_x == GRID_LEFT + 2 * CELL and split_y == GRID_BOTTOM - 2 * CELL
    (marker,) = drawn.markers
    assert marker.box[0] > split_x and marker.box[3] < split_y
    hot = [quadrant for quadrant in drawn.quadrants if quadrant[4]]
    assert hot == [(split_x, GRID_TOP, 3 * CELL, 3 * CELL, True)]
    assert entry("Middle", 3, 3).quadrant == "Manage closely"


def test_text_is_at_least_11_px_on_a_phone():
    # The map is drawn 100 % wide up to 400 px; on a 360 px phone it has ~320 px.
    assert MAP_FONT * 320 / MAP_WIDTH >= 11


def test_the_page_shows_numbers_on_the_map_and_full_names_in_the_legend(app, make, client_as):
    product = make.product()
    people = [
        ("Customer Service team", 2, 5),
        ("Regional sales directors (EMEA and APAC)", 5, 5),
        ("Maria Gonzalez", 5, 5),
        ("Internal audit", 5, 5),
    ]
    for name, power, interest in people:
        db.session.add(
            Stakeholder(
                product=product,
                name=name,
                role=StakeholderRole.SPONSOR,
                power=power,
                interest=interest,
            )
        )
    db.session.commit()
    page = parse_html(
        client_as("stakeholder").get(f"/products/{product.slug}").get_data(as_text=True)
    )
    svg = page.one("svg.power-interest")
    texts = [text.text for text in svg.select("text")]
    assert not any(name in text for text in texts for name, _, _ in people)
    assert sorted(text for text in texts if text.isdigit()) == ["1", "2", "3", "4"]
    assert all(float(text["font-size"]) >= MAP_FONT for text in svg.select("text"))
    legend = page.one("ol.stakeholder-legend")
    items = [
        (item.one(".stakeholder-key").text, item.one(".stakeholder-name").text)
        for item in legend.select("li")
    ]
    # Most powerful first, as in the table beside the map.
    assert items == [
        ("1", "Internal audit sponsor"),
        ("2", "Maria Gonzalez sponsor"),
        ("3", "Regional sales directors (EMEA and APAC) sponsor"),
        ("4", "Customer Service team sponsor"),
    ]
    rows = page.select("#stakeholders tbody tr")
    assert [row.one(".stakeholder-key").text for row in rows] == ["1", "2", "3", "4"]


def test_an_empty_map_has_no_legend(app, make, client_as):
    product = make.product()
    page = parse_html(client_as("pm").get(f"/products/{product.slug}").get_data(as_text=True))
    assert page.select("ol.stakeholder-legend") == []
    assert page.one("svg.power-interest").select(".stakeholder-marker") == []
