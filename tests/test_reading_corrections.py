"""Correcting and deleting a reading (issue #14): the domain functions, the
routes (inline with htmx and without JavaScript), the confirmation of a value
far outside a measure's range, and a measure's history page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portfolio.catalogue.readings import (
    DuplicateReading,
    correct_reading,
    delete_reading,
    record_reading,
)
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    CorrectionKind,
    Direction,
    Reading,
    ReadingCorrection,
    SuccessMeasure,
    Unit,
    Verb,
)
from tests.helpers import assert_fragment, count_rows, parse_html

TODAY = date.today()
DAY = TODAY - timedelta(days=10)


@pytest.fixture
def product(make):
    return make.product(slug="close", name="Close")


@pytest.fixture
def measure(make, product):
    """Days to close the month: from 10 to 5 (the range 5–10 days), halfway
    through its time, with one reading typed as 35 instead of 3.5."""
    return make.measure(
        product,
        name="Days to close",
        unit=Unit.DAYS,
        direction=Direction.LOWER,
        baseline=10.0,
        baseline_date=TODAY - timedelta(days=100),
        target=5.0,
        target_date=TODAY + timedelta(days=100),
        readings=[(DAY - timedelta(days=30), 8.0), (DAY, 35.0)],
    )


def reading_on(measure, day):
    """The reading as the database holds it now (another request may have changed it)."""
    db.session.expire_all()
    return db.session.execute(
        sa.select(Reading).where(Reading.measure_id == measure.id, Reading.taken_on == day)
    ).scalar_one()


def trail(verb):
    return db.session.execute(sa.select(Activity).where(Activity.verb == verb)).scalars().all()


def ending(block, selector, attribute, suffix):
    """The elements of `block` matching `selector` whose `attribute` ends with `suffix`."""
    return [
        element
        for element in block.select(selector)
        if (element.get(attribute) or "").endswith(suffix)
    ]


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def edit_url(measure, reading, slug="close"):
    return f"/products/{slug}/measures/{measure.id}/readings/{reading.id}/edit"


def delete_url(measure, reading, slug="close"):
    return f"/products/{slug}/measures/{measure.id}/readings/{reading.id}/delete"


def correct_data(reading, *, taken_on, value, note="", **extra):
    prefix = f"correct-{reading.id}-"
    data = {
        prefix + "taken_on": taken_on.isoformat(),
        prefix + "value": value,
        prefix + "note": note,
    }
    data.update({prefix + name: text for name, text in extra.items()})
    return data


# The domain ------------------------------------------------------------------------


def test_a_correction_changes_the_reading_and_keeps_the_old_values(measure, users):
    pm = users["pm"]
    reading = reading_on(measure, DAY)
    correction = correct_reading(
        db.session, pm, reading, taken_on=DAY, value=3.5, note="typo: 3.5, not 35"
    )
    db.session.commit()
    db.session.refresh(reading)
    assert (reading.taken_on, reading.value, reading.note) == (DAY, 3.5, "typo: 3.5, not 35")
    row = db.session.get(ReadingCorrection, correction.id)
    assert row.kind is CorrectionKind.CORRECTED
    assert (row.old_taken_on, row.old_value, row.old_note) == (DAY, 35.0, None)
    assert (row.new_taken_on, row.new_value, row.new_note) == (DAY, 3.5, "typo: 3.5, not 35")
    assert row.reading_id == reading.id and row.measure_id == measure.id
    assert row.corrected_by_id == pm.id
    [entry] = trail(Verb.READING_CORRECTED)
    assert entry.actor_id == pm.id and entry.product_id == measure.product_id
    assert entry.subject == "Days to close"
    assert entry.before == f"35 days on {day_text(DAY)}"
    assert entry.after == f"3.5 days on {day_text(DAY)} (typo: 3.5, not 35)"


def test_a_correction_to_the_same_values_changes_and_records_nothing(measure, users):
    reading = reading_on(measure, DAY)
    assert (
        correct_reading(db.session, users["pm"], reading, taken_on=DAY, value=35.0, note=None)
        is None
    )
    db.session.commit()
    assert count_rows(ReadingCorrection) == 0
    assert trail(Verb.READING_CORRECTED) == []


def test_a_correction_to_a_date_with_another_reading_is_refused(measure, users):
    reading = reading_on(measure, DAY)
    with pytest.raises(DuplicateReading):
        correct_reading(
            db.session,
            users["pm"],
            reading,
            taken_on=DAY - timedelta(days=30),
            value=3.5,
            note=None,
        )
    db.session.rollback()
    assert count_rows(ReadingCorrection) == 0
    assert reading_on(measure, DAY).value == 35.0


def test_a_correction_may_move_a_reading_to_a_free_date(measure, users):
    reading = reading_on(measure, DAY)
    moved = DAY - timedelta(days=1)
    correct_reading(db.session, users["pm"], reading, taken_on=moved, value=35.0, note=None)
    db.session.commit()
    assert reading_on(measure, moved).id == reading.id
    [entry] = trail(Verb.READING_CORRECTED)
    assert (entry.before, entry.after) == (
        f"35 days on {day_text(DAY)}",
        f"35 days on {day_text(moved)}",
    )


def test_deleting_a_reading_keeps_it_in_a_correction(measure, users):
    admin = users["admin"]
    reading = reading_on(measure, DAY)
    reading_id = reading.id
    correction = delete_reading(db.session, admin, reading)
    db.session.commit()
    assert db.session.get(Reading, reading_id) is None
    assert count_rows(Reading, Reading.measure_id == measure.id) == 1
    row = db.session.get(ReadingCorrection, correction.id)
    assert row.kind is CorrectionKind.DELETED and row.reading_id is None
    assert (row.old_taken_on, row.old_value) == (DAY, 35.0)
    assert (row.new_taken_on, row.new_value, row.new_note) == (None, None, None)
    assert row.corrected_by_id == admin.id
    [entry] = trail(Verb.READING_DELETED)
    assert entry.actor_id == admin.id and entry.product_id == measure.product_id
    assert entry.before == f"35 days on {day_text(DAY)}" and entry.after is None


def test_deleting_a_corrected_reading_keeps_both_corrections(measure, users):
    reading = reading_on(measure, DAY)
    correct_reading(db.session, users["pm"], reading, taken_on=DAY, value=3.5, note=None)
    db.session.commit()
    delete_reading(db.session, users["pm"], reading_on(measure, DAY))
    db.session.commit()
    rows = db.session.execute(sa.select(ReadingCorrection).order_by(ReadingCorrection.id)).scalars()
    assert [(row.kind, row.reading_id) for row in rows] == [
        (CorrectionKind.CORRECTED, None),
        (CorrectionKind.DELETED, None),
    ]


def test_a_correction_that_makes_the_measure_slip_says_so(measure, users):
    # 35 → 7.5 puts it on track (halfway in time, halfway to target)...
    reading = reading_on(measure, DAY)
    correct_reading(db.session, users["pm"], reading, taken_on=DAY, value=7.5, note=None)
    db.session.commit()
    assert trail(Verb.MEASURE_SLIPPED) == []
    # ...and back to 10 (no progress) puts it off track.
    correct_reading(
        db.session, users["pm"], reading_on(measure, DAY), taken_on=DAY, value=10, note=None
    )
    db.session.commit()
    [slip] = trail(Verb.MEASURE_SLIPPED)
    assert (slip.before, slip.after) == ("On track", "Off track")
    assert slip.actor_id == users["pm"].id and slip.product_id == measure.product_id


def test_a_deletion_that_makes_the_measure_slip_says_so(make, product, users):
    measure = make.measure(
        product,
        unit=Unit.DAYS,
        baseline=10.0,
        baseline_date=TODAY - timedelta(days=100),
        target=5.0,
        target_date=TODAY + timedelta(days=100),
        readings=[(DAY - timedelta(days=30), 10.0), (DAY, 7.5)],
    )
    delete_reading(db.session, users["pm"], reading_on(measure, DAY))
    db.session.commit()
    [slip] = trail(Verb.MEASURE_SLIPPED)
    assert (slip.before, slip.after) == ("On track", "Off track")


def test_recording_still_uses_the_same_text(measure, users):
    record_reading(db.session, users["pm"], measure, taken_on=TODAY, value=4, note=None)
    db.session.commit()
    [entry] = trail(Verb.READING_RECORDED)
    assert entry.after == f"4 days on {day_text(TODAY)}"


# Routes: who, CSRF, unknown ids ---------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_only_the_product_team_corrects_or_deletes(client_as, measure, role):
    client = client_as(role)
    reading = reading_on(measure, DAY)
    assert client.get(edit_url(measure, reading)).status_code == 403
    data = correct_data(reading, taken_on=DAY, value="3.5")
    assert client.post(edit_url(measure, reading), data=data).status_code == 403
    assert client.post(delete_url(measure, reading)).status_code == 403
    assert reading_on(measure, DAY).value == 35.0 and count_rows(ReadingCorrection) == 0


def test_without_a_csrf_token_nothing_is_written(pm_client, measure):
    reading = reading_on(measure, DAY)
    data = correct_data(reading, taken_on=DAY, value="3.5")
    assert pm_client.post(edit_url(measure, reading), data=data, csrf=False).status_code == 400
    assert pm_client.post(delete_url(measure, reading), csrf=False).status_code == 400
    assert reading_on(measure, DAY).value == 35.0
    assert count_rows(ReadingCorrection) == 0 and count_rows(Activity) == 0


def test_unknown_and_foreign_readings_are_404(pm_client, make, product, measure):
    reading = reading_on(measure, DAY)
    other_measure = make.measure(product, readings=[(DAY, 1.0)])
    foreign = reading_on(other_measure, DAY)
    elsewhere = make.product(slug="elsewhere")
    for url in [
        f"/products/close/measures/{measure.id}/readings/999999/edit",
        edit_url(measure, foreign),  # a reading of another measure
        edit_url(measure, reading, slug="elsewhere"),  # the measure of another product
        f"/products/close/measures/{measure.id}/readings/{reading.id}x/edit",
    ]:
        assert pm_client.get(url).status_code == 404, url
        assert pm_client.post(url, data={}).status_code == 404, url
    assert pm_client.post(delete_url(measure, foreign)).status_code == 404
    assert pm_client.post(delete_url(measure, reading, slug=elsewhere.slug)).status_code == 404
    assert (
        pm_client.get(f"/products/close/measures/{other_measure.id + 1000}/history").status_code
        == 404
    )
    assert pm_client.get(f"/products/elsewhere/measures/{measure.id}/history").status_code == 404
    assert count_rows(Reading) == 3 and count_rows(ReadingCorrection) == 0


# Without JavaScript ------------------------------------------------------------------------


def test_the_correction_page_is_a_whole_page_filled_with_the_reading(pm_client, measure):
    reading = reading_on(measure, DAY)
    response = pm_client.get(edit_url(measure, reading))
    assert response.status_code == 200 and "<html" in response.text
    page = parse_html(response.text)
    form = page.one("form.correct-reading")
    assert form["action"] == edit_url(measure, reading) and form.get("hx-post") is None
    assert page.by_id(f"correct-{reading.id}-value")["value"] == "35.0"
    assert page.by_id(f"correct-{reading.id}-taken_on")["value"] == DAY.isoformat()


def test_a_correction_without_javascript_redirects_to_the_measure(pm_client, measure):
    reading = reading_on(measure, DAY)
    response = pm_client.post(
        edit_url(measure, reading), data=correct_data(reading, taken_on=DAY, value="3.5")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/products/close#measure-{measure.id}"
    assert reading_on(measure, DAY).value == 3.5
    assert count_rows(ReadingCorrection) == 1
    assert "corrected" in pm_client.get("/products/close").text


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("value", "", "Enter the value read."),
        ("value", "nan", "Enter an ordinary number."),
        ("value", "1e13", "Enter a number between"),
        ("taken_on", "", "Enter the date of the reading."),
        ("taken_on", (TODAY + timedelta(days=5)).isoformat(), "This date is in the future"),
        ("note", "x" * 501, "500"),
    ],
)
def test_bad_input_shows_the_form_again_with_the_error_beside_the_field(
    pm_client, measure, field, value, message
):
    reading = reading_on(measure, DAY)
    data = correct_data(reading, taken_on=DAY, value="3.5")
    data[f"correct-{reading.id}-{field}"] = value
    response = pm_client.post(edit_url(measure, reading), data=data)
    assert response.status_code == 422
    error = parse_html(response.text).by_id(f"correct-{reading.id}-{field}-error")
    assert message in error.text
    assert reading_on(measure, DAY).value == 35.0 and count_rows(ReadingCorrection) == 0


def test_a_correction_onto_another_readings_date_is_refused_beside_the_date(pm_client, measure):
    reading = reading_on(measure, DAY)
    taken = DAY - timedelta(days=30)
    response = pm_client.post(
        edit_url(measure, reading), data=correct_data(reading, taken_on=taken, value="3.5")
    )
    assert response.status_code == 422
    error = parse_html(response.text).by_id(f"correct-{reading.id}-taken_on-error")
    assert "There is already a reading for" in error.text
    assert reading_on(measure, DAY).value == 35.0 and count_rows(ReadingCorrection) == 0


def test_deleting_without_javascript_redirects_back(pm_client, measure):
    reading = reading_on(measure, DAY)
    response = pm_client.post(delete_url(measure, reading))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/products/close#measure-{measure.id}"
    assert count_rows(Reading, Reading.measure_id == measure.id) == 1
    assert "deleted" in pm_client.get("/products/close").text


# With htmx: the measure's block -------------------------------------------------------------


def test_edit_with_htmx_opens_the_form_in_the_measure_block(pm_client, measure):
    reading = reading_on(measure, DAY)
    response = pm_client.hx_get(edit_url(measure, reading))
    assert response.status_code == 200
    assert_fragment(response, f'<article class="measure" id="measure-{measure.id}"')
    block = parse_html(response.text)
    form = block.one("form.correct-reading")
    assert form["hx-post"] == edit_url(measure, reading)
    assert form["hx-target"] == f"#measure-{measure.id}"
    assert block.by_id(f"correct-{reading.id}-value")["value"] == "35.0"


def test_a_correction_with_htmx_answers_the_block_with_the_new_value(pm_client, measure):
    reading = reading_on(measure, DAY)
    response = pm_client.hx_post(
        edit_url(measure, reading), data=correct_data(reading, taken_on=DAY, value="3.5")
    )
    assert response.status_code == 200
    assert_fragment(response, f'<article class="measure" id="measure-{measure.id}"')
    block = parse_html(response.text)
    assert block.one('[data-testid="latest-value"]').text == "3.5 days"
    assert block.select("form.correct-reading") == []
    assert reading_on(measure, DAY).value == 3.5


def test_a_refused_correction_with_htmx_answers_the_block_with_the_error(pm_client, measure):
    reading = reading_on(measure, DAY)
    response = pm_client.hx_post(
        edit_url(measure, reading), data=correct_data(reading, taken_on=DAY, value="")
    )
    assert response.status_code == 422
    assert_fragment(response, f'<article class="measure" id="measure-{measure.id}"')
    assert (
        "Enter the value read."
        in parse_html(response.text).by_id(f"correct-{reading.id}-value-error").text
    )


def test_deleting_with_htmx_answers_the_block_without_the_reading(pm_client, measure):
    reading = reading_on(measure, DAY)
    response = pm_client.hx_post(delete_url(measure, reading))
    assert response.status_code == 200
    assert_fragment(response, f'<article class="measure" id="measure-{measure.id}"')
    block = parse_html(response.text)
    assert block.select(f"#reading-{reading.id}") == []
    assert block.one('[data-testid="latest-value"]').text == "8 days"


# The product page -------------------------------------------------------------------------


def test_the_measure_block_lists_the_latest_five_readings_newest_first(pm_client, make, product):
    days = [DAY - timedelta(days=n) for n in range(8)]
    measure = make.measure(
        product, unit=Unit.DAYS, readings=[(day, 1.0 + n) for n, day in enumerate(days)]
    )
    page = parse_html(pm_client.get("/products/close").text)
    rows = page.by_id(f"measure-{measure.id}").select("table.readings tbody tr")
    assert [row.id for row in rows] == [
        f"reading-{reading_on(measure, day).id}" for day in days[:5]
    ]
    assert rows[0].select("a")[0].text == "Edit"
    assert [
        link.text for link in ending(page.by_id(f"measure-{measure.id}"), "a", "href", "/history")
    ] == ["History"]


def test_readers_see_the_readings_without_edit_or_delete(stakeholder_client, measure):
    page = parse_html(stakeholder_client.get("/products/close").text)
    block = page.by_id(f"measure-{measure.id}")
    assert len(block.select("table.readings tbody tr")) == 2
    assert ending(block, "form", "action", "/delete") == []
    assert ending(block, "a", "href", "/edit") == []
    assert [link.text for link in ending(block, "a", "href", "/history")] == ["History"]


# Far outside the range: confirm first ------------------------------------------------------


def record_data(measure, value, taken_on=TODAY, **extra):
    prefix = f"reading-{measure.id}-"
    data = {prefix + "taken_on": taken_on.isoformat(), prefix + "value": value}
    data.update({prefix + name: text for name, text in extra.items()})
    return data


def test_a_far_outside_reading_asks_for_confirmation_then_saves(pm_client, measure):
    url = f"/products/close/measures/{measure.id}/readings"
    asked = pm_client.hx_post(url, data=record_data(measure, "35"))
    assert asked.status_code == 422
    block = parse_html(asked.text)
    error = block.by_id(f"reading-{measure.id}-value-error")
    assert error.text == "35 days is far outside 5–10 days: is it right?"
    confirm = block.one(f"input[name=reading-{measure.id}-confirm_outlier]")
    assert confirm["type"] == "checkbox" and float(confirm["value"]) == 35.0
    assert "Yes, save 35 days" in confirm.parent.text
    assert count_rows(Reading, Reading.taken_on == TODAY) == 0

    saved = pm_client.hx_post(
        url, data=record_data(measure, "35", confirm_outlier=confirm["value"])
    )
    assert saved.status_code == 200
    assert reading_on(measure, TODAY).value == 35.0


def test_a_confirmation_of_another_value_asks_again(pm_client, measure):
    url = f"/products/close/measures/{measure.id}/readings"
    response = pm_client.post(url, data=record_data(measure, "40", confirm_outlier="35.0"))
    assert response.status_code == 422
    assert (
        "40 days is far outside"
        in parse_html(response.text).by_id(f"reading-{measure.id}-value-error").text
    )
    assert count_rows(Reading, Reading.taken_on == TODAY) == 0


@pytest.mark.parametrize("value", ["0", "15", "7", "-0"])
def test_values_within_the_range_width_are_saved_without_question(pm_client, measure, value):
    url = f"/products/close/measures/{measure.id}/readings"
    assert pm_client.post(url, data=record_data(measure, value)).status_code == 302
    assert count_rows(Reading, Reading.taken_on == TODAY) == 1


def test_a_far_outside_correction_asks_for_confirmation_then_saves(pm_client, measure):
    reading = reading_on(measure, DAY - timedelta(days=30))
    url = edit_url(measure, reading)
    asked = pm_client.post(url, data=correct_data(reading, taken_on=reading.taken_on, value="-20"))
    assert asked.status_code == 422 and "<html" in asked.text
    page = parse_html(asked.text)
    assert (
        "-20 days is far outside 5–10 days" in page.by_id(f"correct-{reading.id}-value-error").text
    )
    confirm = page.one(f"input[name=correct-{reading.id}-confirm_outlier]")
    assert count_rows(ReadingCorrection) == 0
    saved = pm_client.post(
        url,
        data=correct_data(
            reading, taken_on=reading.taken_on, value="-20", confirm_outlier=confirm["value"]
        ),
    )
    assert saved.status_code == 302
    assert reading_on(measure, reading.taken_on).value == -20.0


def test_correcting_the_date_of_an_outlier_asks_nothing(pm_client, measure):
    reading = reading_on(measure, DAY)  # 35 days, kept once already
    moved = DAY - timedelta(days=2)
    response = pm_client.post(
        edit_url(measure, reading), data=correct_data(reading, taken_on=moved, value="35")
    )
    assert response.status_code == 302
    assert reading_on(measure, moved).id == reading.id


# The history page ---------------------------------------------------------------------------


def test_the_history_shows_readings_and_corrections_with_who_and_old_to_new(
    client_as, measure, users
):
    pm = users["pm"]
    reading = reading_on(measure, DAY)
    reading.recorded_by = users["admin"]
    db.session.commit()
    correct_reading(db.session, pm, reading, taken_on=DAY, value=3.5, note=None)
    db.session.commit()
    delete_reading(db.session, users["admin"], reading_on(measure, DAY - timedelta(days=30)))
    db.session.commit()

    response = client_as("stakeholder").get(f"/products/close/measures/{measure.id}/history")
    assert response.status_code == 200
    page = parse_html(response.text)
    [row] = page.by_id("readings").select("tbody tr")
    assert "3.5 days" in row.text and users["admin"].display_name in row.text
    rows = page.by_id("corrections").select("tbody tr")
    assert [row["data-kind"] for row in rows] == ["deleted", "corrected"]  # newest first
    deleted, corrected = (row.text for row in rows)
    assert users["admin"].display_name in deleted
    assert f"8 days on {DAY - timedelta(days=30):%d %b %Y}" in deleted and "→ deleted" in deleted
    assert pm.display_name in corrected
    assert f"35 days on {DAY:%d %b %Y} → 3.5 days on {DAY:%d %b %Y}" in corrected


def test_the_history_pages_both_lists_newest_first(pm_client, make, product, users):
    days = [DAY - timedelta(days=n) for n in range(55)]
    measure = make.measure(product, readings=[(day, 60.0) for day in days])
    first = parse_html(pm_client.get(f"/products/close/measures/{measure.id}/history").text)
    rows = first.by_id("readings").select("tbody tr")
    assert len(rows) == 50
    assert rows[0].id == f"reading-{reading_on(measure, days[0]).id}"
    assert first.by_id("readings").one("a[rel=next]")["href"].endswith("page=2")
    second = parse_html(pm_client.get(f"/products/close/measures/{measure.id}/history?page=2").text)
    assert len(second.by_id("readings").select("tbody tr")) == 5


def test_the_history_page_issues_the_same_queries_for_one_or_many(
    pm_client, make, product, users, count_queries
):
    def cost(readings):
        measure = make.measure(
            product, readings=[(DAY - timedelta(days=n), 60.0) for n in range(readings)]
        )
        for n in range(readings):
            reading = reading_on(measure, DAY - timedelta(days=n))
            reading.recorded_by = make.user("pm")
            correct_reading(
                db.session,
                make.user("pm"),
                reading,
                taken_on=reading.taken_on,
                value=61.0,
                note=None,
            )
        db.session.commit()
        pm_client.get(f"/products/close/measures/{measure.id}/history")  # warm up
        with count_queries() as statements:
            assert (
                pm_client.get(f"/products/close/measures/{measure.id}/history").status_code == 200
            )
        return len(statements)

    assert cost(1) == cost(20)


def test_the_demo_shows_a_corrected_reading_in_its_history(app, demo, client_as):
    measure = db.session.execute(
        sa.select(SuccessMeasure).where(SuccessMeasure.name == "Average pick time per order")
    ).scalar_one()
    latest = measure.latest_reading
    response = client_as("stakeholder").get(
        f"/products/{measure.product.slug}/measures/{measure.id}/history"
    )
    [row] = parse_html(response.text).by_id("corrections").select("tbody tr")
    day = f"{latest.taken_on:%d %b %Y}"
    assert "Priya Patel" in row.text
    assert f"{latest.value * 10:g} minutes on {day}" in row.text.split("→")[0]
    assert f"{latest.value:g} minutes on {day}" in row.text.split("→")[1]
