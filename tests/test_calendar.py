"""Calendars (#17): a contract's notice period and automatic renewal (form,
product page, CSV, migration), and each person's iCalendar feed of contract
renewals, notice deadlines and shipped cards' check dates, opened with their
feed token."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portfolio.admin.accounts import set_active
from portfolio.auth.feed_tokens import create_or_rotate_feed_token
from portfolio.calendars import events as calendar_module
from portfolio.catalogue.csv_export import COLUMNS, export_catalogue, header_of
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.extensions import db
from portfolio.models import Column, Contract, Product, Sourcing, Stage, User
from tests.helpers import make_app, parse_html

TODAY = date.today()
RENEWAL = TODAY + timedelta(days=120)
NOTICE_DAYS = 60
SHIPPED = TODAY - timedelta(days=20)
# role → sees contract dates (those who may see contracts' costs).
CONTRACT_MATRIX = [("admin", True), ("pm", True), ("leader", True), ("stakeholder", False)]


def issue(user: User) -> str:
    secret = create_or_rotate_feed_token(db.session, user)
    db.session.commit()
    return secret


def add_contract(product: Product, renewal: date, **fields) -> Contract:
    contract = Contract(
        product=product,
        vendor=fields.pop("vendor", "Acme Corp"),
        annual_cost=Decimal("1200.00"),
        seats_bought=10,
        renewal_date=renewal,
        **fields,
    )
    db.session.add(contract)
    db.session.commit()
    return contract


def bought(make, slug: str, **fields) -> Product:
    return make.product(
        slug=slug, name=slug.upper(), sourcing=Sourcing.BOUGHT, vendor="Acme Corp", **fields
    )


def events_of(response) -> dict[str, icalendar.Event]:
    """The feed's events by UID (their part before the @)."""
    assert response.status_code == 200, response.text
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(event["uid"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


def day_of(event: icalendar.Event) -> date:
    return event.decoded("dtstart")


@pytest.fixture
def dated(make):
    """An auto-renewing contract with a notice period, one without either, a
    shipped card with a measure, and cards that have no check date."""
    crm = bought(make, "crm")
    auto = add_contract(crm, RENEWAL, notice_days=NOTICE_DAYS, auto_renew=True)
    erp = bought(make, "erp")
    plain = add_contract(erp, RENEWAL + timedelta(days=10))
    measure = make.measure(crm, name="Time to quote")
    card = make.item(
        crm,
        column=Column.SHIPPED,
        title="Quote builder",
        shipped_on=SHIPPED,
        measure=measure,
        expected_change=-2.0,
        observation_days=45,
    )
    make.item(crm, column=Column.SHIPPED, title="No measure", shipped_on=SHIPPED)
    make.item(crm, column=Column.NOW, title="Not shipped", measure=measure)
    return {"auto": auto, "plain": plain, "card": card, "measure": measure}


# The feed ------------------------------------------------------------------------------


def test_the_feed_lists_renewals_notice_deadlines_and_check_dates(client, users, dated):
    secret = issue(users["pm"])
    response = client.get(f"/calendar.ics?token={secret}")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert secret not in response.text
    auto, plain, card = dated["auto"], dated["plain"], dated["card"]
    events = events_of(response)
    assert set(events) == {
        f"contract-{auto.id}-renewal",
        f"contract-{auto.id}-notice",
        f"contract-{plain.id}-renewal",
        f"item-{card.id}-observation",
    }
    for event in events.values():
        assert str(event["uid"]).endswith("@localhost")
        assert event.decoded("dtstamp").tzinfo is not None
        assert event.decoded("dtend") == day_of(event) + timedelta(days=1)  # all day

    renewal = events[f"contract-{auto.id}-renewal"]
    assert day_of(renewal) == RENEWAL
    assert "renews automatically" in str(renewal["summary"])
    assert "The date that matters is the notice deadline" in str(renewal["description"])
    assert "http://localhost/products/crm#contract" in str(renewal["description"])

    notice = events[f"contract-{auto.id}-notice"]
    assert day_of(notice) == RENEWAL - timedelta(days=NOTICE_DAYS)
    assert str(notice["summary"]) == "Notice deadline: CRM contract renews automatically"
    assert "this deadline is the date that matters" in str(notice["description"])
    assert str(notice["url"]) == "http://localhost/products/crm#contract"

    other = events[f"contract-{plain.id}-renewal"]
    assert day_of(other) == RENEWAL + timedelta(days=10)
    assert str(other["summary"]) == "ERP contract renewal (Acme Corp)"
    assert "automatically" not in str(other["description"])

    check = events[f"item-{card.id}-observation"]
    assert day_of(check) == SHIPPED + timedelta(days=45)
    assert str(check["summary"]) == "Check Time to quote: Quote builder"
    description = str(check["description"])
    assert "should move Time to quote by -2 hours" in description
    assert f"http://localhost/board/items/{card.id}" in description
    assert f"http://localhost/products/crm#measure-{dated['measure'].id}" in description


def test_uids_stay_the_same_when_dates_change(client, users, dated):
    secret = issue(users["pm"])
    before = set(events_of(client.get(f"/calendar.ics?token={secret}")))
    dated["auto"].renewal_date = RENEWAL + timedelta(days=30)
    db.session.commit()
    after = events_of(client.get(f"/calendar.ics?token={secret}"))
    assert set(after) == before
    auto = dated["auto"]
    assert day_of(after[f"contract-{auto.id}-notice"]) == RENEWAL + timedelta(days=30 - 60)


def test_an_unknown_notice_period_on_an_auto_renewing_contract_is_pointed_out(client, users, make):
    contract = add_contract(bought(make, "crm"), RENEWAL, auto_renew=True)
    events = events_of(client.get(f"/calendar.ics?token={issue(users['leader'])}"))
    assert set(events) == {f"contract-{contract.id}-renewal"}
    assert "notice period is not recorded" in str(
        events[f"contract-{contract.id}-renewal"]["description"]
    )


def test_only_dates_within_the_window_are_listed(client, users, make):
    soon = TODAY + timedelta(days=10)
    # Renews beyond two years, but its notice deadline falls within them.
    far = add_contract(bought(make, "far"), TODAY + timedelta(days=800), notice_days=200)
    past = add_contract(bought(make, "past"), TODAY - timedelta(days=91))
    recent = add_contract(bought(make, "recent"), TODAY - timedelta(days=90))
    retired = add_contract(bought(make, "gone", stage=Stage.RETIRED), soon)
    built = add_contract(make.product(slug="built", sourcing=Sourcing.HYBRID), soon)
    built.product.sourcing = Sourcing.BUILT  # no longer bought: its contract is moot
    db.session.commit()
    measure = make.measure(far.product)
    old_card = make.item(
        far.product, column=Column.SHIPPED, shipped_on=TODAY - timedelta(days=400), measure=measure
    )
    long_card = make.item(
        far.product,
        column=Column.SHIPPED,
        shipped_on=TODAY - timedelta(days=400),
        observation_days=400,
        measure=measure,
    )
    events = events_of(client.get(f"/calendar.ics?token={issue(users['admin'])}"))
    assert set(events) == {
        f"contract-{far.id}-notice",
        f"contract-{recent.id}-renewal",
        f"item-{long_card.id}-observation",
    }
    assert day_of(events[f"contract-{far.id}-notice"]) == TODAY + timedelta(days=600)
    assert day_of(events[f"item-{long_card.id}-observation"]) == TODAY
    # Not listed: `past` (91 days ago), `retired`, `built` and `old_card` (checked long ago).
    assert {past.id, retired.id, built.id, old_card.id}


def test_the_number_of_events_is_capped_earliest_first(client, users, make, monkeypatch):
    monkeypatch.setattr(calendar_module, "MAX_EVENTS", 3)
    contracts = [
        add_contract(bought(make, f"p{n}"), TODAY + timedelta(days=n + 1)) for n in range(5)
    ]
    events = events_of(client.get(f"/calendar.ics?token={issue(users['pm'])}"))
    assert set(events) == {f"contract-{contract.id}-renewal" for contract in contracts[:3]}


def test_the_feed_takes_the_same_queries_for_many_events(client, users, make, count_queries):
    secret = issue(users["pm"])

    def add(count: int) -> None:
        for _ in range(count):
            product = bought(make, f"p{make.next()}")
            add_contract(product, RENEWAL, notice_days=30, auto_renew=True)
            make.item(
                product,
                column=Column.SHIPPED,
                shipped_on=SHIPPED,
                measure=make.measure(product),
            )

    def queries() -> int:
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get(f"/calendar.ics?token={secret}").status_code == 200
        return len(statements)

    add(1)
    few = queries()
    add(6)
    assert queries() == few
    assert len(events_of(client.get(f"/calendar.ics?token={secret}"))) == 7 * 3


@pytest.mark.parametrize("role, sees", CONTRACT_MATRIX)
def test_contract_dates_only_for_roles_that_may_see_contracts_costs(
    client, users, dated, role, sees
):
    events = events_of(client.get(f"/calendar.ics?token={issue(users[role])}"))
    assert any(key.startswith("contract-") for key in events) is sees
    assert f"item-{dated['card'].id}-observation" in events  # the board is everyone's


# Who may read it --------------------------------------------------------------------------


def test_rotating_the_token_ends_the_old_calendar_link(client, users, dated):
    old = issue(users["pm"])
    new = issue(users["pm"])
    refused = client.get(f"/calendar.ics?token={old}")
    assert refused.status_code == 401
    assert refused.mimetype == "text/plain"
    assert "Quote builder" not in refused.text
    assert client.get(f"/calendar.ics?token={new}").status_code == 200


@pytest.mark.parametrize("secret", ["wrong", " ", "a" * 500])
def test_a_wrong_token_is_401(client, users, dated, secret):
    issue(users["pm"])
    response = client.get("/calendar.ics", query_string={"token": secret})
    assert response.status_code == 401
    assert "BEGIN:VCALENDAR" not in response.text


def test_no_token_and_no_session_is_401(client, dated):
    response = client.get("/calendar.ics")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_owner_s_link_is_403(client, users, dated):
    secret = issue(users["pm"])
    set_active(db.session, users["pm"], False, users["admin"])
    db.session.commit()
    assert client.get(f"/calendar.ics?token={secret}").status_code == 403


@pytest.mark.parametrize("role, sees", CONTRACT_MATRIX)
def test_a_signed_in_browser_downloads_its_own_calendar(client_as, dated, role, sees):
    events = events_of(client_as(role).get("/calendar.ics"))
    assert any(key.startswith("contract-") for key in events) is sees


def test_the_account_page_shows_the_calendar_link_with_the_feed_link(
    app, stakeholder_client, dated
):
    response = stakeholder_client.post("/account/feed-token")
    section = parse_html(response.text).by_id("feed-token")
    feed = urlsplit(section.one('[data-testid="new-feed-url"]').text)
    calendar = urlsplit(section.one('[data-testid="new-calendar-url"]').text)
    assert f"{calendar.scheme}://{calendar.netloc}{calendar.path}" == (
        "http://localhost/calendar.ics"
    )
    assert calendar.query == feed.query  # one token for both
    reader = app.test_client()
    events = events_of(reader.get(f"{calendar.path}?{calendar.query}"))
    assert set(events) == {f"item-{dated['card'].id}-observation"}
    again = parse_html(stakeholder_client.get("/account").text).by_id("feed-token")
    assert again.select('[data-testid="new-calendar-url"]') == []  # shown once


def test_only_get_reads_the_calendar(pm_client):
    assert pm_client.post("/calendar.ics").status_code == 405


# The contract form and the product page ----------------------------------------------------


CONTRACT_FORM = {
    "vendor": "Acme Corp",
    "annual_cost": "1200",
    "seats_bought": "10",
    "renewal_date": RENEWAL.isoformat(),
}


def stored_contract(slug: str) -> Contract | None:
    db.session.expire_all()
    return db.session.execute(
        sa.select(Contract).join(Product).where(Product.slug == slug)
    ).scalar_one_or_none()


def test_the_form_saves_the_notice_period_and_the_product_page_shows_it(pm_client, make):
    bought(make, "crm")
    page = pm_client.get("/products/crm/contract")
    form = parse_html(page.text)
    assert form.one('input[name="notice_days"]')["max"] == "730"
    assert form.one('input[name="auto_renew"]')["type"] == "checkbox"
    saved = pm_client.post(
        "/products/crm/contract",
        data={**CONTRACT_FORM, "notice_days": "90", "auto_renew": "y"},
    )
    assert saved.status_code == 302
    contract = stored_contract("crm")
    assert (contract.notice_days, contract.auto_renew) == (90, True)
    section = parse_html(pm_client.get("/products/crm").text).one("#contract")
    notice_by = RENEWAL - timedelta(days=90)
    assert f"Notice by {notice_by:%d %b %Y}" in section.one('[data-testid="notice"]').text
    assert "renews automatically" in section.one('[data-testid="renewal"]').text
    # Editing shows what is stored; emptying the period forgets it.
    edit = parse_html(pm_client.get("/products/crm/contract").text)
    assert edit.one('input[name="notice_days"]')["value"] == "90"
    assert "checked" in edit.one('input[name="auto_renew"]').attrs
    emptied = {**CONTRACT_FORM, "notice_days": ""}  # and the box unticked
    assert pm_client.post("/products/crm/contract", data=emptied).status_code == 302
    contract = stored_contract("crm")
    assert (contract.notice_days, contract.auto_renew) == (None, False)
    section = parse_html(pm_client.get("/products/crm").text).one("#contract")
    assert section.select('[data-testid="notice"]') == []
    assert "renews automatically" not in section.text


@pytest.mark.parametrize("value", ["soon", "-1", "731", "1e3", "99999999999999999999999"])
def test_a_bad_notice_period_is_refused_next_to_the_field(pm_client, make, value):
    bought(make, "crm")
    response = pm_client.post(
        "/products/crm/contract", data={**CONTRACT_FORM, "notice_days": value}
    )
    assert response.status_code == 422
    error = parse_html(response.text).one("#notice_days-error")
    assert error.text
    assert stored_contract("crm") is None


def test_saving_the_contract_without_csrf_is_400_and_writes_nothing(pm_client, make):
    bought(make, "crm")
    response = pm_client.post(
        "/products/crm/contract", data={**CONTRACT_FORM, "notice_days": "30"}, csrf=False
    )
    assert response.status_code == 400
    assert stored_contract("crm") is None


def test_a_stakeholder_sees_the_notice_date_but_cannot_edit_it(client_as, make):
    add_contract(bought(make, "crm"), RENEWAL, notice_days=30)
    stakeholder = client_as("stakeholder")
    section = parse_html(stakeholder.get("/products/crm").text).one("#contract")
    notice_by = RENEWAL - timedelta(days=30)
    assert f"Notice by {notice_by:%d %b %Y}" in section.text
    assert (
        stakeholder.post(
            "/products/crm/contract", data={**CONTRACT_FORM, "notice_days": "5"}
        ).status_code
        == 403
    )
    assert stored_contract("crm").notice_days == 30


# CSV ---------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_products(directory: Path, rows: list[dict[str, str]], header: list[str]) -> None:
    directory.mkdir(exist_ok=True)
    with (directory / "products.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[row.get(column, "") for column in header] for row in rows])


def product_row(slug: str = "crm", **changes: str) -> dict[str, str]:
    values = dict(slug=slug, name=slug.upper(), category="crm", summary="A product")
    values.update(stage="live", sourcing="bought", vendor="Acme", contract_vendor="Acme")
    values.update(contract_annual_cost="1200", contract_seats_bought="10")
    values.update(contract_renewal_date=RENEWAL.isoformat())
    values.update(changes)
    return values


def test_the_export_writes_the_terms_and_they_import_back(app, make, tmp_path):
    add_contract(bought(make, "crm"), RENEWAL, notice_days=45, auto_renew=True)
    add_contract(bought(make, "erp"), RENEWAL)
    make.product(slug="wiki")
    export_catalogue(db.session, tmp_path)
    rows = {row["slug"]: row for row in read_csv(tmp_path / "products.csv")}
    assert (rows["crm"]["contract_notice_days"], rows["crm"]["contract_auto_renew"]) == (
        "45",
        "yes",
    )
    assert (rows["erp"]["contract_notice_days"], rows["erp"]["contract_auto_renew"]) == ("", "no")
    assert (rows["wiki"]["contract_notice_days"], rows["wiki"]["contract_auto_renew"]) == ("", "")
    # Changed in the database, then the file brings the exported terms back.
    crm = stored_contract("crm")
    crm.notice_days, crm.auto_renew = 5, False
    db.session.commit()
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    crm = stored_contract("crm")
    assert (crm.notice_days, crm.auto_renew) == (45, True)
    assert stored_contract("wiki") is None


def test_a_file_without_the_new_columns_keeps_the_stored_terms(app, make, tmp_path):
    add_contract(bought(make, "crm"), RENEWAL, notice_days=45, auto_renew=True)
    write_products(tmp_path, [product_row("crm"), product_row("new")], COLUMNS["products.csv"])
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    kept, new = stored_contract("crm"), stored_contract("new")
    assert (kept.notice_days, kept.auto_renew) == (45, True)
    assert (new.notice_days, new.auto_renew) == (None, False)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"contract_notice_days": "-1"}, "contract_notice_days must be from 0 to 730"),
        ({"contract_notice_days": "731"}, "contract_notice_days must be from 0 to 730"),
        ({"contract_notice_days": "ninety"}, "contract_notice_days must be a whole number"),
        ({"contract_auto_renew": "maybe"}, "contract_auto_renew must be yes or no"),
        (
            {
                "contract_vendor": "",
                "contract_annual_cost": "",
                "contract_seats_bought": "",
                "contract_renewal_date": "",
                "contract_notice_days": "30",
            },
            "must not be empty",
        ),
    ],
)
def test_bad_terms_are_reported_and_nothing_is_written(app, tmp_path, changes, message):
    write_products(tmp_path, [product_row("crm", **changes)], header_of("products.csv"))
    report = import_catalogue(db.session, tmp_path)
    assert any(
        error.startswith("products.csv line 2:") and message in error for error in report.errors
    ), report.errors
    assert db.session.execute(sa.select(sa.func.count(Product.id))).scalar_one() == 0


# The migration ---------------------------------------------------------------------------


def test_the_migration_gives_existing_contracts_no_notice_period_and_no_auto_renewal(
    empty_database_url,
):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0015")
        db.session.execute(
            sa.text(
                "INSERT INTO product (id, slug, name, category, summary, stage, sourcing,"
                " vendor, created_at, updated_at) VALUES (1, 'crm', 'CRM', 'crm', 's', 'live',"
                " 'bought', 'Acme', '2025-01-01 09:00:00', '2025-01-01 09:00:00')"
            )
        )
        db.session.execute(
            sa.text(
                "INSERT INTO contract (id, product_id, vendor, annual_cost, seats_bought,"
                " renewal_date) VALUES (1, 1, 'Acme', 1200, 10, '2027-01-31')"
            )
        )
        db.session.commit()
        upgrade(revision="0018")
        contract = db.session.get(Contract, 1)
        assert (contract.notice_days, contract.auto_renew) == (None, False)
        assert contract.renewal_date == date(2027, 1, 31) and contract.notice_date is None
        db.session.remove()
        db.engine.dispose()
