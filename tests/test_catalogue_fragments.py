"""The product page's inline forms (usage, readings, stakeholders, survey):
their htmx answers draw only their own section, and cost no more queries to
draw it than the section itself does; a child of another product is a 404;
without JavaScript a failed form shows the whole page again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from flask_login import login_user
from jinja2_fragments.flask import render_block

from portfolio.catalogue.queries import measure_of, product_by_slug, product_usages
from portfolio.catalogue.sections import (
    measure_section,
    satisfaction_section,
    stakeholder_section,
    usage_section,
)
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Comment,
    Contract,
    SatisfactionResponse,
    Sourcing,
    Stakeholder,
    StakeholderRole,
    User,
)

HTMX = {"HX-Request": "true"}


def reads(statements: list[str]) -> int:
    """The SELECTs among the statements (writes and transaction control vary by
    database and are the change's own cost, not the drawing's)."""
    return sum(1 for statement in statements if statement.lstrip().upper().startswith("SELECT"))


@pytest.fixture
def busy(make, users):
    """A bought product with something in every section of its page."""
    product = make.product(slug="busy", name="Busy", sourcing=Sourcing.BOUGHT, vendor="Acme")
    departments = [make.department(name=f"Dept {n}") for n in range(6)]
    usages = [make.usage(product, department, users=10) for department in departments[:3]]
    measures = [
        make.measure(product, readings=[(date(2025, month, 1), 90 - month) for month in (3, 6)])
        for _ in range(3)
    ]
    entries = [
        Stakeholder(
            product=product, name=f"Person {n}", role=StakeholderRole.SPONSOR, power=n, interest=n
        )
        for n in range(1, 5)
    ]
    product.contract = Contract(
        vendor="Acme", annual_cost=1000, seats_bought=50, renewal_date=date(2027, 1, 1)
    )
    db.session.add_all(entries)
    for person in (users["leader"], users["stakeholder"]):
        db.session.add(
            SatisfactionResponse(user=person, product=product, quarter="2025-Q1", score=9)
        )
    db.session.add(Activity(actor=users["pm"], verb="comment_posted", subject="x", product=product))
    db.session.add(Comment(author=users["pm"], body="Hello", product=product))
    db.session.commit()
    make.request(product)
    return {
        "slug": product.slug,
        "free_departments": [department.id for department in departments[3:]],
        "usages": [usage.id for usage in usages],
        "measures": [measure.id for measure in measures],
        "stakeholders": [entry.id for entry in entries],
    }


@pytest.fixture
def section_cost(app, count_queries):
    """`section_cost(user, block, build)`: the SELECTs a request drawing only
    `block` of the product page would run: sign the user in, load what the
    block shows and build its context (`build()`), render it."""

    def cost(user: User, block: str, build: Callable[[], dict]) -> int:
        user_id = user.id
        db.session.remove()
        with app.test_request_context(headers=HTMX), count_queries() as statements:
            login_user(db.session.get(User, user_id))
            render_block("catalogue/show.html", block, **build())
        db.session.remove()
        return reads(statements)

    return cost


def answer_costs(client, count_queries, htmx_post, plain_post) -> tuple[int, int, str]:
    """SELECTs of the same kind of change answered for htmx (the section) and
    without (a redirect, nothing drawn), and the htmx answer's text."""
    with count_queries() as drawn:
        answer = htmx_post()
    with count_queries() as undrawn:
        redirect = plain_post()
    assert answer.status_code == 200 and "<html" not in answer.text, answer.status_code
    assert redirect.status_code == 302, redirect.status_code
    return reads(drawn), reads(undrawn), answer.text


def page_cost(client, count_queries, slug: str) -> int:
    with count_queries() as statements:
        assert client.get(f"/products/{slug}").status_code == 200
    return reads(statements)


def test_adding_a_usage_draws_the_usage_section_only(
    pm_client, users, busy, count_queries, section_cost
):
    slug, (first, second, *_) = busy["slug"], busy["free_departments"]

    def add(department_id, headers):
        return lambda: pm_client.post(
            f"/products/{slug}/usage",
            headers=headers,
            data={"department_id": str(department_id), "level": "primary", "users": "7"},
        )

    htmx, plain, text = answer_costs(pm_client, count_queries, add(first, HTMX), add(second, {}))
    assert text.lstrip().startswith('<section id="departments"') and "Dept 3" in text
    section = section_cost(
        users["pm"], "usage", lambda: usage_section(db.one_or_404(product_usages(slug)))
    )
    assert htmx - plain <= section
    assert htmx < page_cost(pm_client, count_queries, slug)


def test_removing_a_usage_draws_the_usage_section_only(
    pm_client, users, busy, count_queries, section_cost
):
    slug, (first, second, _) = busy["slug"], busy["usages"]

    def remove(usage_id, headers):
        return lambda: pm_client.post(f"/products/{slug}/usage/{usage_id}/delete", headers=headers)

    htmx, plain, text = answer_costs(
        pm_client, count_queries, remove(first, HTMX), remove(second, {})
    )
    assert text.lstrip().startswith('<section id="departments"')
    section = section_cost(
        users["pm"], "usage", lambda: usage_section(db.one_or_404(product_usages(slug)))
    )
    assert htmx - plain <= section
    assert htmx < page_cost(pm_client, count_queries, slug)


def test_a_reading_draws_its_measure_only(pm_client, users, busy, count_queries, section_cost):
    slug, measure_id = busy["slug"], busy["measures"][0]
    prefix = f"reading-{measure_id}-"

    def read(day, headers):
        return lambda: pm_client.post(
            f"/products/{slug}/measures/{measure_id}/readings",
            headers=headers,
            data={prefix + "taken_on": day, prefix + "value": "42"},
        )

    htmx, plain, text = answer_costs(
        pm_client, count_queries, read("2025-09-01", HTMX), read("2025-10-01", {})
    )
    assert text.lstrip().startswith(f'<article class="measure" id="measure-{measure_id}"')
    section = section_cost(
        users["pm"],
        "measure",
        lambda: measure_section(db.one_or_404(measure_of(slug, measure_id))),
    )
    assert htmx - plain <= section
    assert htmx < page_cost(pm_client, count_queries, slug)


def test_adding_a_stakeholder_draws_the_map_only(
    pm_client, users, busy, count_queries, section_cost
):
    slug = busy["slug"]

    def add(name, headers):
        return lambda: pm_client.post(
            f"/products/{slug}/stakeholders",
            headers=headers,
            data={
                "name": name,
                "department_id": "",
                "role": "sponsor",
                "power": "5",
                "interest": "4",
            },
        )

    htmx, plain, text = answer_costs(pm_client, count_queries, add("CFO", HTMX), add("CTO", {}))
    assert text.lstrip().startswith('<section id="stakeholders"') and "CFO" in text
    section = section_cost(
        users["pm"],
        "stakeholders",
        lambda: stakeholder_section(db.one_or_404(product_by_slug(slug))),
    )
    assert htmx - plain <= section
    assert htmx < page_cost(pm_client, count_queries, slug)


def test_removing_a_stakeholder_draws_the_map_only(
    pm_client, users, busy, count_queries, section_cost
):
    slug, (first, second, *_) = busy["slug"], busy["stakeholders"]

    def remove(entry_id, headers):
        return lambda: pm_client.post(
            f"/products/{slug}/stakeholders/{entry_id}/delete", headers=headers
        )

    htmx, plain, text = answer_costs(
        pm_client, count_queries, remove(first, HTMX), remove(second, {})
    )
    assert text.lstrip().startswith('<section id="stakeholders"') and "Person 1<" not in text
    assert "Person 2<" in text
    section = section_cost(
        users["pm"],
        "stakeholders",
        lambda: stakeholder_section(db.one_or_404(product_by_slug(slug))),
    )
    assert htmx - plain <= section
    assert htmx < page_cost(pm_client, count_queries, slug)


def test_a_survey_answer_draws_the_satisfaction_section_only(
    client_as, users, busy, count_queries, section_cost
):
    slug = busy["slug"]
    pm, admin = client_as("pm"), client_as("admin")  # each answers for the first time

    def answer(client, headers):
        return lambda: client.post(
            f"/products/{slug}/survey", headers=headers, data={"score": "9", "comment": ""}
        )

    htmx, plain, text = answer_costs(pm, count_queries, answer(pm, HTMX), answer(admin, {}))
    assert (
        text.lstrip().startswith('<section id="satisfaction"') and "your answer is recorded" in text
    )
    section = section_cost(
        users["pm"],
        "satisfaction",
        lambda: satisfaction_section(db.one_or_404(product_by_slug(slug)), saved=True),
    )
    assert htmx - plain <= section
    assert htmx < page_cost(pm, count_queries, slug)


@pytest.mark.parametrize(
    "url, data, section_id",
    [
        (
            "/products/busy/usage",
            {"department_id": "", "level": "primary", "users": "-1"},
            "departments",
        ),
        (
            "/products/busy/stakeholders",
            {"name": "", "role": "sponsor", "power": "9"},
            "stakeholders",
        ),
        ("/products/busy/survey", {"score": "11"}, "satisfaction"),
    ],
)
def test_a_refused_inline_form_answers_its_section_with_422_for_less_than_the_page(
    pm_client, busy, count_queries, url, data, section_id
):
    with count_queries() as statements:
        response = pm_client.post(url, headers=HTMX, data=data)
    assert response.status_code == 422 and "<html" not in response.text
    assert response.text.lstrip().startswith(f'<section id="{section_id}"')
    assert reads(statements) < page_cost(pm_client, count_queries, "busy")


# Children of another product are not found ---------------------------------------


def test_children_of_another_product_are_404(pm_client, busy, make):
    other = make.product(slug="other")
    usage, measure = make.usage(other), make.measure(other)
    entry = Stakeholder(product=other, name="Z", role=StakeholderRole.INFORMED, power=1, interest=1)
    db.session.add(entry)
    db.session.commit()
    for method, url in [
        ("POST", f"/products/busy/usage/{usage.id}/delete"),
        ("POST", f"/products/busy/stakeholders/{entry.id}/delete"),
        ("GET", f"/products/busy/measures/{measure.id}/edit"),
        ("POST", f"/products/busy/measures/{measure.id}/readings"),
        ("POST", "/products/nowhere/usage"),
        ("GET", "/departments/999999"),
    ]:
        assert pm_client.open(url, method=method, data={}).status_code == 404, url
    assert db.session.get(Stakeholder, entry.id) is not None


# Without JavaScript --------------------------------------------------------------


def test_a_refused_reading_without_javascript_shows_the_page_with_every_measure(pm_client, busy):
    first, second, third = busy["measures"]
    prefix = f"reading-{first}-"
    response = pm_client.post(
        f"/products/busy/measures/{first}/readings",
        data={prefix + "taken_on": "", prefix + "value": "x"},
    )
    assert response.status_code == 422 and "<html" in response.text
    for measure_id in (first, second, third):
        assert f'action="/products/busy/measures/{measure_id}/readings"' in response.text
    assert f'id="{prefix}value-error"' in response.text


def test_a_reading_without_javascript_flashes_and_returns_to_the_measure(pm_client, busy):
    measure_id = busy["measures"][0]
    prefix = f"reading-{measure_id}-"
    response = pm_client.post(
        f"/products/busy/measures/{measure_id}/readings",
        data={prefix + "taken_on": date.today().isoformat(), prefix + "value": "3"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/products/busy#measure-{measure_id}"
    assert "Reading recorded for" in pm_client.get("/products/busy").text
    recorded = db.session.execute(
        sa.select(Activity.verb).where(Activity.verb == "reading_recorded")
    ).scalars()
    assert list(recorded) == ["reading_recorded"]


@pytest.mark.parametrize(
    ("url", "current"),
    [
        # Departments has its own link in the navigation since #15.
        ("/departments", '<a href="/departments" aria-current="page">Departments</a>'),
        ("/products/busy/measures/new", '<a href="/products" aria-current="page">Catalogue</a>'),
        ("/products", '<a href="/products" aria-current="page">Catalogue</a>'),
    ],
)
def test_the_catalogue_stays_the_current_area_on_its_nested_pages(pm_client, busy, url, current):
    page = pm_client.get(url).text
    assert current in page and page.count('aria-current="page"') == 1
