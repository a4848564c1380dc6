"""API token scopes and the write operation: PUT a measure's reading of a day
(#17). The read operations added with it are in tests/test_api_reads.py."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import (
    Activity,
    ApiToken,
    Reading,
    ReadingCorrection,
    Role,
    TokenScope,
    Verb,
)
from tests.helpers import count_rows, parse_html

TODAY = date.today()
DAY = (TODAY - timedelta(days=3)).isoformat()


def issue_token(client, write: bool = False, name: str = "Nightly readings") -> str:
    data = {"name": name, "days": "90"}
    if write:
        data["write_readings"] = "y"
    page = client.post("/account/tokens", data=data)
    assert page.status_code == 201, page.text
    return parse_html(page.text).one('[data-testid="new-token"]').text


def put(client, token, measure_id, day=DAY, body=None, raw=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if raw is not None:
        return client.put(
            f"/api/measures/{measure_id}/readings/{day}",
            data=raw,
            headers=headers,
            content_type="application/json",
            **kwargs,
        )
    return client.put(
        f"/api/measures/{measure_id}/readings/{day}", json=body, headers=headers, **kwargs
    )


@pytest.fixture
def measure(make):
    product = make.product(slug="crm", name="CRM")
    return make.measure(product, name="Close time", baseline=100.0, target=50.0)


@pytest.fixture
def writer(pm_client) -> str:
    return issue_token(pm_client, write=True)


# Scopes on the account page ------------------------------------------------------


def test_a_pm_may_give_a_token_the_write_scope_and_sees_it_listed(pm_client, users):
    form = pm_client.get("/account").text
    assert 'name="write_readings"' in form
    issue_token(pm_client, write=True, name="Writer")
    issue_token(pm_client, name="Reader")
    scopes = {
        token.name: token.scopes for token in db.session.execute(sa.select(ApiToken)).scalars()
    }
    assert scopes == {
        "Writer": [TokenScope.READ, TokenScope.READINGS_WRITE],
        "Reader": [TokenScope.READ],
    }
    account = parse_html(pm_client.get("/account").text)
    cells = [cell.text for cell in account.select("[data-testid=token-scopes]")]
    assert sorted(cells) == ["read", "read readings:write"]


@pytest.mark.parametrize("role", ["stakeholder", "leader"])
def test_a_role_that_records_no_readings_cannot_get_the_scope(client_as, role):
    client = client_as(role)
    assert 'name="write_readings"' not in client.get("/account").text
    refused = client.post("/account/tokens", data={"name": "Sneaky", "write_readings": "y"})
    assert refused.status_code == 422
    assert "Your role cannot give a token the readings:write scope" in refused.text
    assert count_rows(ApiToken) == 0
    # Without the box, a read token as before.
    issue_token(client)
    assert db.session.execute(sa.select(ApiToken)).scalar_one().scopes == [TokenScope.READ]


def test_creating_a_token_needs_the_csrf_token(pm_client):
    response = pm_client.post(
        "/account/tokens", data={"name": "X", "write_readings": "y"}, csrf=False
    )
    assert response.status_code == 400 and count_rows(ApiToken) == 0


# Writing a reading ---------------------------------------------------------------


def test_a_scoped_token_records_a_reading_shown_on_the_product_page_and_trail(
    client, pm_client, users, measure, writer
):
    before = pm_client.get("/products/crm")
    assert before.status_code == 200 and before.headers.get("ETag")
    response = put(client, writer, measure.id, body={"value": 72.5, "note": "From the ERP"})
    assert response.status_code == 201
    assert response.json == {
        "measure": measure.id,
        "product": "crm",
        "date": DAY,
        "value": 72.5,
        "note": "From the ERP",
        "recorded_by": users["pm"].display_name,
    }
    reading = db.session.execute(sa.select(Reading)).scalar_one()
    assert (reading.value, reading.note, reading.recorded_by_id) == (
        72.5,
        "From the ERP",
        users["pm"].id,
    )
    # The page's revision moved: a browser revalidating its copy gets the new page.
    page = pm_client.get("/products/crm", headers={"If-None-Match": before.headers["ETag"]})
    assert page.status_code == 200
    latest = parse_html(page.text).one("[data-testid=latest-value]").text
    assert "72.5" in latest
    entry = db.session.execute(
        sa.select(Activity).where(Activity.verb == Verb.READING_RECORDED)
    ).scalar_one()
    assert entry.actor_id == users["pm"].id and entry.subject == "Close time"
    trail = pm_client.get("/activity").text
    assert "Close time" in trail and users["pm"].display_name in trail


def test_the_same_body_twice_leaves_one_reading(client, measure, writer):
    body = {"value": 70, "note": None}
    first = put(client, writer, measure.id, body=body)
    again = put(client, writer, measure.id, body=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json == again.json
    assert count_rows(Reading) == 1
    assert count_rows(ReadingCorrection) == 0  # nothing changed: nothing to correct
    assert count_rows(Activity, Activity.verb == Verb.READING_RECORDED) == 1
    assert count_rows(Activity, Activity.verb == Verb.READING_CORRECTED) == 0


def test_a_new_value_replaces_the_day_and_keeps_the_old_one_in_history(
    client, pm_client, measure, writer
):
    put(client, writer, measure.id, body={"value": 70})
    replaced = put(client, writer, measure.id, body={"value": 65, "note": "recount"})
    assert replaced.status_code == 200 and replaced.json["value"] == 65
    reading = db.session.execute(sa.select(Reading)).scalar_one()
    assert (reading.value, reading.note) == (65, "recount")
    correction = db.session.execute(sa.select(ReadingCorrection)).scalar_one()
    assert (correction.old_value, correction.new_value) == (70, 65)
    assert count_rows(Activity, Activity.verb == Verb.READING_CORRECTED) == 1
    history = pm_client.get(f"/products/crm/measures/{measure.id}/history")
    assert history.status_code == 200 and "recount" in history.text


def test_any_product_manager_may_write_any_products_readings(client, make, client_for, measure):
    """The web form lets every PM record a reading of any product (edit_catalogue):
    the API follows the same rule, so a PM who does not own the product may."""
    other_pm = make.user(Role.PM)
    assert measure.product.owner_id != other_pm.id
    token = issue_token(client_for(other_pm), write=True)
    assert put(client, token, measure.id, body={"value": 80}).status_code == 201


def test_an_admin_token_may_write(client, admin_client, measure):
    token = issue_token(admin_client, write=True)
    assert put(client, token, measure.id, body={"value": 80}).status_code == 201


# Refusals ------------------------------------------------------------------------


def test_a_token_without_the_scope_gets_403_naming_it(client, pm_client, measure):
    reader = issue_token(pm_client)
    response = put(client, reader, measure.id, body={"value": 70})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.json["missing_scope"] == "readings:write"
    assert "readings:write" in response.json["detail"]
    assert count_rows(Reading) == 0
    # It still reads.
    read = client.get("/api/measures", headers={"Authorization": f"Bearer {reader}"})
    assert read.status_code == 200


def test_a_token_whose_owner_no_longer_records_readings_is_refused(client, users, measure, writer):
    users["pm"].role = Role.LEADER  # demoted after the token was made
    db.session.commit()
    response = put(client, writer, measure.id, body={"value": 70})
    assert response.status_code == 403 and "may not record readings" in response.json["detail"]
    assert count_rows(Reading) == 0


def test_a_scoped_token_of_a_stakeholder_is_refused(client, users, measure):
    """The account page never gives one; a row made another way is refused all the same."""
    token, secret = ApiToken.issue(
        users["stakeholder"], "forged", scopes=[TokenScope.READINGS_WRITE]
    )
    db.session.add(token)
    db.session.commit()
    assert put(client, secret, measure.id, body={"value": 70}).status_code == 403
    assert count_rows(Reading) == 0


def test_revoked_and_missing_tokens(client, pm_client, measure, writer):
    assert put(client, None, measure.id, body={"value": 70}).status_code == 401
    token_id = db.session.execute(sa.select(ApiToken.id)).scalar_one()
    pm_client.post(f"/account/tokens/{token_id}/revoke")
    assert put(client, writer, measure.id, body={"value": 70}).status_code == 403
    assert count_rows(Reading) == 0


@pytest.mark.parametrize(
    "raw, field",
    [
        ('{"value": NaN}', "value"),
        ('{"value": Infinity}', "value"),
        ('{"value": -Infinity}', "value"),
        ('{"value": 1e400}', "value"),
        ('{"value": 1e13}', "value"),
        ('{"value": -2e12}', "value"),
        ('{"value": ' + "9" * 400 + "}", "value"),
        ('{"value": "12"}', "value"),
        ('{"value": true}', "value"),
        ('{"value": null}', "value"),
        ('{"value": [1]}', "value"),
        ("{}", "value"),
        ('{"note": "no value"}', "value"),
        ('{"value": 1, "note": 5}', "note"),
        ('{"value": 1, "note": "' + "x" * 501 + '"}', "note"),
        ('{"value": 1, "note": "a\\u0000b"}', "note"),
        ('{"value": 1, "note": "\\ud800"}', "note"),
        ('{"value": 1, "colour": "red"}', "colour"),
        ("[1, 2]", "body"),
        ('"70"', "body"),
    ],
)
def test_bad_bodies_are_422_with_the_field(client, measure, writer, raw, field):
    response = put(client, writer, measure.id, raw=raw)
    assert response.status_code == 422, response.text
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]
    assert count_rows(Reading) == 0


def test_a_date_in_the_future_is_refused_like_the_form(client, measure, writer):
    later = (TODAY + timedelta(days=5)).isoformat()
    response = put(client, writer, measure.id, day=later, body={"value": 70})
    assert response.status_code == 422
    assert "future" in response.json["errors"]["date"]
    tomorrow = (TODAY + timedelta(days=1)).isoformat()  # the form's day of grace
    assert put(client, writer, measure.id, day=tomorrow, body={"value": 70}).status_code == 201


def test_a_value_far_outside_the_range_is_taken_as_sent(client, measure, writer):
    """The form asks a person to confirm such a value; a program has measured it."""
    response = put(client, writer, measure.id, body={"value": 900})
    assert response.status_code == 201 and response.json["value"] == 900


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/measures/999999/readings/{day}", 404),
        ("/api/measures/0/readings/{day}", 404),
        ("/api/measures/x/readings/{day}", 404),
        ("/api/measures/99999999999/readings/{day}", 404),
        ("/api/measures/{id}/readings/2026-13-01", 404),
        ("/api/measures/{id}/readings/yesterday", 404),
        ("/api/measures/{id}/readings/20260101", 404),
        ("/api/measures/{id}/readings/{day}?force=1", 400),
    ],
)
def test_unknown_measures_dates_and_arguments(client, measure, writer, url, status):
    response = client.put(
        url.format(id=measure.id, day=DAY),
        json={"value": 70},
        headers={"Authorization": f"Bearer {writer}"},
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert count_rows(Reading) == 0


def test_a_body_that_is_not_json(client, measure, writer):
    headers = {"Authorization": f"Bearer {writer}"}
    url = f"/api/measures/{measure.id}/readings/{DAY}"
    assert client.put(url, data="value=70", headers=headers).status_code == 415
    broken = client.put(url, data="{value: 70", headers=headers, content_type="application/json")
    assert broken.status_code == 400
    assert count_rows(Reading) == 0


def test_other_methods_are_405(client, measure, writer):
    headers = {"Authorization": f"Bearer {writer}"}
    url = f"/api/measures/{measure.id}/readings/{DAY}"
    for method in ("get", "post", "delete", "patch"):
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code == 405, method
        assert "PUT" in response.headers["Allow"]


def test_writes_do_not_grow_the_read_scope_operations(client, pm_client, measure):
    """A write token reads as every token does; the write needs nothing else."""
    token = issue_token(pm_client, write=True)
    listed = client.get("/api/measures", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    put(client, token, measure.id, body={"value": 61})
    listed = client.get("/api/measures", headers={"Authorization": f"Bearer {token}"})
    assert listed.json["data"][0]["latest"] == {"date": DAY, "value": 61}
    assert json.loads(listed.text)  # plain JSON
