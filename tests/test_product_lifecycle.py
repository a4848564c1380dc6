"""Retiring with a reason, a date and a successor; what a retired or
sunsetting product's page says; the successor on the product form (issue #14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portfolio.catalogue import lifecycle
from portfolio.catalogue.lifecycle import AlreadyRetired, retire_product, successor_problem
from portfolio.catalogue.products import edit_product
from portfolio.dashboard.views import products_without_sponsor
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Product,
    SatisfactionResponse,
    Stage,
    Stakeholder,
    StakeholderRole,
    Verb,
)
from tests.helpers import count_rows, parse_html

TODAY = date.today()
LONG_AGO = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)


def retire_data(**changes) -> dict:
    return {"reason": "Replaced by the new CRM", "retired_on": TODAY.isoformat(), **changes}


def product_data(product: Product, **changes) -> dict:
    """The product form as its edit page would post it, with `changes`."""
    return {
        "name": product.name,
        "slug": product.slug,
        "category": product.category.value,
        "summary": product.summary,
        "stage": product.stage.value,
        "owner_id": "",
        "sourcing": product.sourcing.value,
        "vendor": product.vendor or "",
        "docs_url": "",
        "source_url": "",
        "prd_url": "",
        "tags": "",
        "successor_id": str(product.successor_id or ""),
        **changes,
    }


def trail(verb: Verb | None = None) -> list[Activity]:
    query = sa.select(Activity).order_by(Activity.id)
    if verb is not None:
        query = query.where(Activity.verb == verb)
    return list(db.session.execute(query).scalars())


def fresh(product: Product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


@pytest.fixture
def old_and_new(make):
    old = make.product(name="Old CRM", slug="old-crm", stage=Stage.LIVE, created_at=LONG_AGO)
    new = make.product(name="New CRM", slug="new-crm", stage=Stage.LIVE)
    return old, new


# The domain ------------------------------------------------------------------------


def test_retire_product_sets_the_row_and_records_reason_and_successor(app, users, old_and_new):
    old, new = old_and_new
    retire_product(
        db.session,
        users["pm"],
        old,
        reason="  Replaced by   the new CRM ",
        retired_on=date(2026, 3, 31),
        successor=new,
        today=date(2026, 3, 1),
    )
    db.session.commit()
    old = fresh(old)
    assert (old.stage, old.retired_on, old.retirement_reason, old.successor_id) == (
        Stage.RETIRED,
        date(2026, 3, 31),
        "Replaced by the new CRM",
        new.id,
    )
    (event,) = trail()
    assert (event.verb, event.subject, event.before, event.after, event.actor_id) == (
        Verb.PRODUCT_RETIRED,
        "Old CRM",
        "Live",
        "retired on 31 Mar 2026: Replaced by the new CRM (replaced by New CRM)",
        users["pm"].id,
    )


def test_a_retirement_long_before_the_product_was_catalogued_is_accepted(app, users, make):
    """A catalogue imported today lists products retired years ago."""
    imported_today = make.product(name="Fax Gateway", slug="fax-gateway", stage=Stage.LIVE)
    retire_product(
        db.session,
        users["pm"],
        imported_today,
        reason="Nobody faxes any more",
        retired_on=date(TODAY.year - 5, 6, 30),
        successor=None,
    )
    db.session.commit()
    assert fresh(imported_today).retired_on == date(TODAY.year - 5, 6, 30)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"reason": "   "}, "Say why"),
        ({"reason": "x" * 501}, "under 500"),
        ({"retired_on": date(TODAY.year - 31, 12, 31)}, f"from 01 Jan {TODAY.year - 30} on"),
        ({"retired_on": TODAY + timedelta(days=366)}, "within a year"),
        ({"successor": "itself"}, "cannot replace itself"),
        ({"successor": "retired"}, "retired itself"),
    ],
)
def test_retire_product_refuses_bad_values_and_changes_nothing(
    app, users, make, old_and_new, changes, message
):
    old, new = old_and_new
    values = {"reason": "Gone", "retired_on": TODAY, "successor": new, **changes}
    if values["successor"] == "itself":
        values["successor"] = old
    elif values["successor"] == "retired":
        values["successor"] = make.product(name="Dead", stage=Stage.RETIRED)
    with pytest.raises(ValueError, match=message):
        retire_product(db.session, users["pm"], old, **values)
    db.session.rollback()
    assert fresh(old).stage is Stage.LIVE and trail() == []


def test_retiring_a_retired_product_is_refused(app, users, make):
    product = make.product(stage=Stage.RETIRED)
    with pytest.raises(AlreadyRetired):
        retire_product(
            db.session, users["pm"], product, reason="Again", retired_on=TODAY, successor=None
        )


def test_unretiring_by_editing_the_stage_forgets_the_date_and_reason(app, users, old_and_new):
    """Decision: brought back, a product is no longer "retired since … because …";
    the trail keeps both, and its successor stays (a plan may still hold)."""
    old, new = old_and_new
    retire_product(db.session, users["pm"], old, reason="Gone", retired_on=TODAY, successor=new)
    db.session.commit()
    values = product_data(old)
    edit_product(
        db.session,
        users["pm"],
        old,
        **{
            **{k: getattr(old, k) for k in ("name", "slug", "category", "summary", "sourcing")},
            "stage": Stage.SUNSETTING,
            "tags": [],
            "owner_id": None,
            "vendor": None,
            "docs_url": None,
            "source_url": None,
            "prd_url": None,
            "successor_id": int(values["successor_id"]),
        },
    )
    db.session.commit()
    old = fresh(old)
    assert (old.stage, old.retired_on, old.retirement_reason, old.successor_id) == (
        Stage.SUNSETTING,
        None,
        None,
        new.id,
    )
    assert [event.verb for event in trail()] == [
        Verb.PRODUCT_RETIRED,
        Verb.PRODUCT_STAGE_CHANGED,
    ]


# The retire page ------------------------------------------------------------------------


def test_the_product_page_links_to_the_retire_page(pm_client, old_and_new):
    old, _ = old_and_new
    page = parse_html(pm_client.get("/products/old-crm").text)
    link = page.one('.page-actions a[href="/products/old-crm/retire"]')
    assert link.text == "Retire…"
    assert not [form for form in page.select("form") if form.get("action", "").endswith("/retire")]


def test_the_retire_page_explains_and_asks(pm_client, old_and_new):
    page = pm_client.get("/products/old-crm/retire")
    assert page.status_code == 200
    html = parse_html(page.text)
    explained = html.one('[data-testid="retire-explains"]').text
    assert "leaves the default catalogue list" in explained
    assert "asks for no satisfaction survey and no sponsor" in explained
    assert "keeps its departments" in explained
    assert html.one("textarea#reason")["maxlength"] == "500"
    assert html.one("input#retired_on")["value"] == TODAY.isoformat()
    successors = [option.text for option in html.select("select#successor_id option")]
    assert "New CRM" in successors and "Old CRM" not in successors
    assert html.one('.form-actions button[type="submit"]').text == "Yes, retire Old CRM"


def test_pm_retires_with_reason_date_and_successor(pm_client, users, old_and_new):
    old, new = old_and_new
    response = pm_client.post(
        "/products/old-crm/retire", data=retire_data(successor_id=str(new.id))
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/products/old-crm"
    old = fresh(old)
    assert (old.stage, old.retired_on, old.retirement_reason, old.successor_id) == (
        Stage.RETIRED,
        TODAY,
        "Replaced by the new CRM",
        new.id,
    )
    (event,) = trail(Verb.PRODUCT_RETIRED)
    assert event.actor_id == users["pm"].id and "(replaced by New CRM)" in event.after
    page = pm_client.get("/products/old-crm").text
    assert "it no longer appears in the default catalogue list" in page


def test_the_successor_can_be_found_by_typing_its_name(pm_client, old_and_new):
    old, new = old_and_new
    response = pm_client.post(
        "/products/old-crm/retire", data=retire_data(successor_id_search="new crm")
    )
    assert response.status_code == 302
    assert fresh(old).successor_id == new.id


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"reason": ""}, "reason", "Say why it is retired"),
        ({"reason": "x" * 501}, "reason", "under 500 characters"),
        ({"retired_on": ""}, "retired_on", "Enter the date"),
        ({"retired_on": "31/12/2026"}, "retired_on", "Not a valid date"),
        (
            {"retired_on": f"{TODAY.year - 31}-12-31"},
            "retired_on",
            f"from 01 Jan {TODAY.year - 30}",
        ),
        (
            {"retired_on": (TODAY + timedelta(days=366)).isoformat()},
            "retired_on",
            "within a year",
        ),
        ({"successor_id": "itself"}, "successor_id", "cannot replace itself"),
        ({"successor_id": "retired"}, "successor_id", "is retired itself"),
        ({"successor_id": "999999"}, "successor_id", "no longer exists"),
        ({"successor_id": "abc"}, "successor_id", "Invalid Choice"),
    ],
)
def test_bad_input_comes_back_with_the_error_beside_its_field(
    pm_client, make, old_and_new, changes, field, message
):
    old, _ = old_and_new
    if changes.get("successor_id") == "itself":
        changes["successor_id"] = str(old.id)
    elif changes.get("successor_id") == "retired":
        changes["successor_id"] = str(make.product(name="Dead", stage=Stage.RETIRED).id)
    response = pm_client.post("/products/old-crm/retire", data=retire_data(**changes))
    assert response.status_code == 422
    error = parse_html(response.text).one(f"#{field}-error").text
    assert message in error
    assert fresh(old).stage is Stage.LIVE and trail() == []


def test_retiring_a_retired_product_redirects_with_a_message(pm_client, make):
    product = make.product(slug="gone", name="Gone", stage=Stage.RETIRED, retired_on=TODAY)
    for method in ("get", "post"):
        response = getattr(pm_client, method)("/products/gone/retire", data=retire_data())
        assert response.status_code == 302
        assert response.headers["Location"] == "/products/gone"
    assert "Gone is already retired." in pm_client.get("/products/gone").text
    assert trail() == [] and fresh(product).retirement_reason is None


def test_retire_without_csrf_is_refused_and_writes_nothing(pm_client, old_and_new):
    old, _ = old_and_new
    response = pm_client.post("/products/old-crm/retire", data=retire_data(), csrf=False)
    assert response.status_code == 400
    assert fresh(old).stage is Stage.LIVE and trail() == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_retiring_an_unknown_product_is_a_404(pm_client, method):
    response = getattr(pm_client, method)("/products/no-such/retire", data=retire_data())
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_only_the_product_team_retires(client_as, old_and_new, role):
    old, _ = old_and_new
    client = client_as(role)
    assert client.get("/products/old-crm/retire").status_code == 403
    assert client.post("/products/old-crm/retire", data=retire_data()).status_code == 403
    assert "/retire" not in client.get("/products/old-crm").text
    assert fresh(old).stage is Stage.LIVE


def test_the_edit_form_does_not_retire_without_a_reason(pm_client, old_and_new):
    old, _ = old_and_new
    response = pm_client.post("/products/old-crm/edit", data=product_data(old, stage="retired"))
    assert response.status_code == 422
    assert "Retire it from its page" in parse_html(response.text).one("#stage-error").text
    assert fresh(old).stage is Stage.LIVE


def test_unretiring_through_the_edit_form(pm_client, make):
    product = make.product(
        slug="back", stage=Stage.RETIRED, retired_on=TODAY, retirement_reason="Gone"
    )
    response = pm_client.post("/products/back/edit", data=product_data(product, stage="live"))
    assert response.status_code == 302
    product = fresh(product)
    assert (product.stage, product.retired_on, product.retirement_reason) == (
        Stage.LIVE,
        None,
        None,
    )
    assert 'data-testid="retired-banner"' not in pm_client.get("/products/back").text


# A retired product's page ---------------------------------------------------------------


def test_the_banner_says_since_when_why_and_what_replaces_it(client_as, make, old_and_new):
    old, new = old_and_new
    old.stage, old.retired_on = Stage.RETIRED, date(2026, 12, 2)
    old.retirement_reason, old.successor = "Contract ended.", new
    db.session.commit()
    page = parse_html(client_as("stakeholder").get("/products/old-crm").text)
    banner = page.one('[data-testid="retired-banner"]')
    assert banner.text == "Retired since 02 Dec 2026: Contract ended. Replaced by New CRM."
    assert banner.one("a")["href"] == "/products/new-crm"
    # At the top: right below the header, before the first section.
    sections = [section.id for section in page.select("main section")]
    assert sections[0] == "lifecycle"


def test_a_migrated_retired_product_says_only_since_when(client_as, make):
    make.product(slug="migrated", stage=Stage.RETIRED, retired_on=date(2025, 6, 30))
    page = parse_html(client_as("leader").get("/products/migrated").text)
    assert page.one('[data-testid="retired-banner"]').text == "Retired since 30 Jun 2025."


def test_a_retired_product_keeps_its_history(pm_client, old_and_new):
    pm_client.post("/products/old-crm/retire", data=retire_data())
    activity = parse_html(pm_client.get("/products/old-crm").text).one("#activity").text
    assert "retired" in activity and "Replaced by the new CRM" in activity


def test_a_retired_product_asks_for_no_survey(client_as, make):
    product = make.product(slug="gone", name="Gone", stage=Stage.RETIRED, retired_on=TODAY)
    client = client_as("stakeholder")
    page = parse_html(client.get("/products/gone").text)
    assert not page.select(".survey-form")
    assert "no longer asks for satisfaction" in page.one('[data-testid="survey-closed"]').text

    for post in (client.post, client.hx_post):
        refused = post("/products/gone/survey", data={"score": "9", "comment": "Still love it"})
        assert refused.status_code == 409
        assert "Gone is retired: it no longer asks for satisfaction answers." in refused.text
    assert count_rows(SatisfactionResponse, SatisfactionResponse.product_id == product.id) == 0


def test_a_live_product_still_asks_for_the_survey(client_as, make):
    make.product(slug="alive")
    client = client_as("stakeholder")
    assert parse_html(client.get("/products/alive").text).select(".survey-form")
    assert client.post("/products/alive/survey", data={"score": "9"}).status_code == 302


def test_a_retired_product_asks_for_no_sponsor(pm_client, make):
    make.product(slug="gone", name="Gone", stage=Stage.RETIRED, retired_on=TODAY)
    make.product(slug="alive", name="Alive")
    gone = parse_html(pm_client.get("/products/gone").text).one("#stakeholders").text
    assert "Who sponsors" not in gone
    alive = parse_html(pm_client.get("/products/alive").text).one("#stakeholders").text
    assert "Who sponsors Alive?" in alive
    assert [product.name for product in products_without_sponsor(10)] == ["Alive"]


def test_the_dashboard_no_sponsor_list_leaves_out_retired_products(leader_client, make):
    make.product(name="Gone", stage=Stage.RETIRED, retired_on=TODAY)
    sponsored = make.product(name="Sponsored")
    db.session.add(
        Stakeholder(
            product=sponsored, name="Boss", role=StakeholderRole.SPONSOR, power=5, interest=5
        )
    )
    db.session.commit()
    make.product(name="Orphan")
    assert [product.name for product in products_without_sponsor(10)] == ["Orphan"]


# Successors, sunsetting and what moved ---------------------------------------------------


def test_the_product_form_sets_a_successor(pm_client, old_and_new):
    old, new = old_and_new
    form = parse_html(pm_client.get("/products/old-crm/edit").text)
    assert [o.text for o in form.select("select#successor_id option")] == ["— none —", "New CRM"]
    response = pm_client.post(
        "/products/old-crm/edit",
        data=product_data(old, stage="sunsetting", successor_id=str(new.id)),
    )
    assert response.status_code == 302
    assert fresh(old).successor_id == new.id
    (edited,) = trail(Verb.PRODUCT_EDITED)
    assert (edited.before, edited.after) == ("successor: —", "successor: New CRM")


@pytest.mark.parametrize(
    "successor, message", [("itself", "cannot replace itself"), ("retired", "retired itself")]
)
def test_the_product_form_refuses_itself_or_a_retired_successor(
    pm_client, make, old_and_new, successor, message
):
    old, _ = old_and_new
    chosen = old if successor == "itself" else make.product(name="Dead", stage=Stage.RETIRED)
    response = pm_client.post(
        "/products/old-crm/edit", data=product_data(old, successor_id=str(chosen.id))
    )
    assert response.status_code == 422
    assert message in parse_html(response.text).one("#successor_id-error").text
    assert fresh(old).successor_id is None


def test_the_options_endpoint_leaves_out_the_product_itself(pm_client, old_and_new):
    old, _ = old_and_new
    answer = pm_client.hx_get(f"/products/options?excluding={old.id}&successor_id_search=crm")
    names = [option.text for option in parse_html(answer.text).select("option[value]")]
    assert "New CRM" in names and "Old CRM" not in names


def sunsetting_with_departments(make, old, new):
    """Moved: Sales (only on the new); on both: Finance; not yet: Ops."""
    sales, finance, ops = (make.department(name=name) for name in ("Sales", "Finance", "Ops"))
    make.usage(old, finance, users=30)
    make.usage(old, ops, users=12)
    make.usage(new, sales, users=80)
    make.usage(new, finance, users=5)
    old.stage, old.successor = Stage.SUNSETTING, new
    db.session.commit()


def test_a_sunsetting_product_shows_its_successor_and_how_departments_moved(
    client_as, make, old_and_new
):
    old, new = old_and_new
    sunsetting_with_departments(make, old, new)
    page = parse_html(client_as("stakeholder").get("/products/old-crm").text)
    note = page.one('[data-testid="successor-note"]')
    assert note.text == "Sunsetting: replaced by New CRM."
    rows = [
        [cell.text for cell in row.select("td")]
        for row in page.one('[data-testid="moves"]').select("tbody tr")
    ]
    # The work left first: only on the old product, then on both, then moved.
    assert rows == [
        ["Ops", "12", "—", "not yet"],
        ["Finance", "30", "5", "on both"],
        ["Sales", "—", "80", "moved"],
    ]
    summary = page.one('[data-testid="moves-summary"]').text
    assert summary.startswith("1 moved · 1 on both · 1 still only on Old CRM")
    assert "42 users on Old CRM, 85 on New CRM" in summary


def test_the_successor_says_what_it_replaces(client_as, make, old_and_new):
    old, new = old_and_new
    old.successor = new
    make.product(name="Ancient CRM", stage=Stage.RETIRED, successor=new)
    db.session.commit()
    page = parse_html(client_as("stakeholder").get("/products/new-crm").text)
    replaces = page.one('[data-testid="replaces"]')
    assert replaces.text == "Replaces Ancient CRM, Old CRM."
    assert not page.select('[data-testid="moves"]')


def test_the_lifecycle_lists_are_bounded(client_as, make, old_and_new, monkeypatch):
    monkeypatch.setattr(lifecycle, "MOVE_ROWS", 2)
    monkeypatch.setattr(lifecycle, "REPLACES_ROWS", 1)
    old, new = old_and_new
    sunsetting_with_departments(make, old, new)
    make.product(name="Ancient CRM", stage=Stage.RETIRED, successor=new)
    client = client_as("pm")
    page = parse_html(client.get("/products/old-crm").text)
    assert len(page.one('[data-testid="moves"]').select("tbody tr")) == 2
    assert page.one('[data-testid="more-moves"]').text == "1 more departments."
    replaces = parse_html(client.get("/products/new-crm").text).one('[data-testid="replaces"]')
    assert replaces.text == "Replaces Ancient CRM and 1 more."


def test_the_lifecycle_section_costs_the_same_queries_for_3_or_30_departments(
    client_as, make, count_queries
):
    client = client_as("pm")

    def queries_for(departments: int) -> int:
        n = make.next()
        new = make.product(name=f"New {n}")
        old = make.product(name=f"Old {n}", stage=Stage.SUNSETTING, successor=new)
        for index in range(departments):
            department = make.department()
            make.usage(old if index % 3 else new, department, users=index + 1)
            if index % 2:
                make.usage(new if index % 3 else old, department, users=1)
        make.product(name=f"Older {n}", stage=Stage.RETIRED, successor=old)
        client.get(f"/products/{old.slug}")  # warm the session and caches
        with count_queries() as queries:
            page = client.get(f"/products/{old.slug}")
        assert page.status_code == 200 and 'data-testid="moves"' in page.text
        return len(queries)

    assert queries_for(3) == queries_for(30)


@pytest.mark.parametrize(
    "product_retired_on, successor_retired_on, allowed",
    [
        (date(2025, 1, 31), date(2025, 6, 30), True),  # replaced, then the successor retired
        (date(2025, 6, 30), date(2025, 6, 30), True),  # the same day
        (date(2025, 7, 1), date(2025, 6, 30), False),  # the successor was gone already
        (None, date(2025, 6, 30), False),  # the product is not retired: it needs a live one
    ],
)
def test_a_retired_successor_is_accepted_only_for_history(
    product_retired_on, successor_retired_on, allowed
):
    product = Product(
        id=1,
        name="Old",
        stage=Stage.RETIRED if product_retired_on else Stage.SUNSETTING,
        retired_on=product_retired_on,
    )
    successor = Product(id=2, name="Middle", stage=Stage.RETIRED, retired_on=successor_retired_on)
    problem = successor_problem(product, successor)
    assert (problem is None) is allowed
    if not allowed:
        assert problem == "Middle is retired itself: choose a product still in use."
