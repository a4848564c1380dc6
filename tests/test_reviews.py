"""Review cadence (#18): due dates, "Still accurate", the cadence, edits as
reviews, the reviews list and the dashboard's "reviewed on time"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portfolio.architecture.reviews import (
    NotYourProduct,
    ReviewRefused,
    add_months,
    confirm_accurate,
    due_for_review,
    earliest_on_time,
    review_status,
    review_summary,
    set_cadence,
)
from portfolio.catalogue.products import edit_product
from portfolio.extensions import db
from portfolio.models import Activity, Product, Stage, Verb
from tests.helpers import count_rows, parse_html

TODAY = date.today()


def trail(verb: Verb | None = None) -> list[Activity]:
    query = sa.select(Activity).order_by(Activity.id)
    if verb is not None:
        query = query.where(Activity.verb == verb)
    return list(db.session.execute(query).scalars())


def fresh(product: Product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


# Due dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # a leap year's February
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 5, 15), 6, date(2025, 11, 15)),
        (date(2025, 9, 30), 6, date(2026, 3, 30)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 1, 10), 36, date(2028, 1, 10)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -13, date(2023, 12, 15)),
    ],
)
def test_add_months_keeps_the_day_or_ends_the_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    "today",
    [date(2025, 3, 1), date(2025, 2, 28), date(2024, 2, 29), date(2025, 3, 31), date(2025, 7, 15)],
)
def test_the_earliest_review_on_time_splits_on_time_from_overdue(today):
    """Every review date from the cutoff on is due today or later; every one
    before it is overdue — for every cadence."""
    for months in range(1, 37):
        cutoff = earliest_on_time(today, months)
        for offset in range(-40, 41):
            day = cutoff + timedelta(days=offset)
            assert (add_months(day, months) >= today) == (offset >= 0), (today, months, day)


def test_a_product_is_due_its_cadence_after_its_last_review(app, make):
    product = make.product(reviewed_on=date(2024, 8, 31), review_every_months=6)
    status = review_status(product, date(2025, 2, 28))
    assert status.due == date(2025, 2, 28) and not status.overdue  # due today: on time
    later = review_status(product, date(2025, 3, 1))
    assert later.overdue and later.days_overdue == 1
    assert later.ago == "6 months ago"


def test_a_product_never_reviewed_is_due_from_its_creation(app, make):
    created = datetime(2025, 1, 31, 9, 0, tzinfo=UTC)
    product = make.product(created_at=created, reviewed_on=None)
    status = review_status(product, date(2025, 7, 1))
    assert status.never_reviewed and status.base == date(2025, 1, 31)
    assert status.due == date(2025, 7, 31) and not status.overdue
    assert review_status(product, date(2025, 8, 1)).overdue


def test_changing_the_cadence_moves_the_due_date_and_is_recorded(app, make, users):
    product = make.product(name="Ledger", reviewed_on=date(2025, 1, 10))
    assert review_status(product, TODAY).due == date(2025, 7, 10)
    set_cadence(db.session, users["pm"], product, 12)
    db.session.commit()
    assert fresh(product).review_every_months == 12
    assert review_status(fresh(product), TODAY).due == date(2026, 1, 10)
    (event,) = trail()
    assert (event.verb, event.before, event.after) == (
        Verb.PRODUCT_EDITED,
        "review every: 6 months",
        "review every: 12 months",
    )
    assert fresh(product).reviewed_on == date(2025, 1, 10)  # not a review in itself
    set_cadence(db.session, users["pm"], product, 12)  # unchanged: nothing recorded
    assert len(trail()) == 1


@pytest.mark.parametrize("months", [0, -1, 37, 10**9])
def test_a_cadence_out_of_bounds_is_refused(app, make, users, months):
    product = make.product()
    with pytest.raises(ReviewRefused):
        set_cadence(db.session, users["pm"], product, months)


# Confirming ------------------------------------------------------------------------


def test_the_owner_confirms_the_entry_is_still_accurate(app, make, users):
    owner = users["stakeholder"]  # the owner may, whatever their role
    product = make.product(name="Ledger", owner=owner, reviewed_on=date(2025, 1, 10))
    assert confirm_accurate(db.session, owner, product, today=date(2025, 9, 1))
    db.session.commit()
    saved = fresh(product)
    assert (saved.reviewed_on, saved.reviewed_by_id) == (date(2025, 9, 1), owner.id)
    (event,) = trail()
    assert (event.verb, event.actor_id, event.product_id, event.subject) == (
        Verb.PRODUCT_REVIEWED,
        owner.id,
        product.id,
        "Ledger",
    )
    assert (event.before, event.after) == (
        "last reviewed 10 Jan 2025",
        "next review due 01 Mar 2026",
    )


def test_confirming_twice_the_same_day_records_once(app, make, users):
    product = make.product()
    assert confirm_accurate(db.session, users["pm"], product)
    assert not confirm_accurate(db.session, users["pm"], product)
    db.session.commit()
    assert len(trail(Verb.PRODUCT_REVIEWED)) == 1
    assert confirm_accurate(db.session, users["admin"], product)  # someone else: recorded


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_someone_else_may_not_confirm(app, make, users, role):
    product = make.product(owner=users["pm"])
    with pytest.raises(NotYourProduct):
        confirm_accurate(db.session, users[role], product)
    assert trail() == [] and product.reviewed_on is None


def test_a_retired_product_is_not_reviewed(app, make, users):
    product = make.product(stage=Stage.RETIRED)
    with pytest.raises(ReviewRefused):
        confirm_accurate(db.session, users["pm"], product)


# Editing counts as a review -----------------------------------------------------------


EDITED = ("name", "slug", "category", "summary", "stage", "owner_id", "sourcing", "vendor")


def values(product: Product, **changes) -> dict:
    found = {name: getattr(product, name) for name in EDITED}
    found.update(docs_url=None, source_url=None, prd_url=None, tags=product.tag_names)
    found.update(changes)
    return found


def test_editing_the_product_counts_as_a_review(app, make, users):
    product = make.product(summary="Old", reviewed_on=date(2024, 1, 1))
    edit_product(db.session, users["pm"], product, **values(product, summary="New"))
    db.session.commit()
    saved = fresh(product)
    assert (saved.reviewed_on, saved.reviewed_by_id) == (TODAY, users["pm"].id)
    assert [event.verb for event in trail()] == [Verb.PRODUCT_EDITED]


def test_saving_the_product_unchanged_is_no_review(app, make, users):
    product = make.product(reviewed_on=date(2024, 1, 1))
    edit_product(db.session, users["pm"], product, **values(product))
    db.session.commit()
    assert fresh(product).reviewed_on == date(2024, 1, 1)


def test_a_machine_import_is_no_review(app, make, users):
    product = make.product(summary="Old", reviewed_on=date(2024, 1, 1))
    edit_product(
        db.session, users["pm"], product, counts_as_review=False, **values(product, summary="New")
    )
    db.session.commit()
    assert fresh(product).reviewed_on == date(2024, 1, 1)


def test_the_edit_form_reviews_the_product(pm_client, make, users):
    product = make.product(slug="ledger", reviewed_on=date(2024, 1, 1))
    data = {
        "name": product.name,
        "slug": product.slug,
        "category": product.category.value,
        "summary": "A new summary",
        "stage": product.stage.value,
        "owner_id": "",
        "sourcing": product.sourcing.value,
        "vendor": "",
        "docs_url": "",
        "source_url": "",
        "prd_url": "",
        "tags": "",
        "successor_id": "",
    }
    response = pm_client.post("/products/ledger/edit", data=data)
    assert response.status_code == 302, response.text
    assert fresh(product).reviewed_on == TODAY


# The SQL agrees with Python ------------------------------------------------------------


REVIEWS = [  # (reviewed on, cadence)
    (date(2024, 8, 31), 6),
    (date(2024, 8, 30), 6),
    (date(2024, 9, 1), 6),
    (date(2025, 1, 31), 1),
    (date(2025, 2, 28), 1),
    (date(2023, 3, 1), 36),
    (date(2024, 2, 29), 12),
    (date(2025, 2, 1), 1),
    (None, 6),
]


@pytest.mark.parametrize(
    "today", [date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 3), date(2026, 2, 28)]
)
def test_the_summary_and_the_list_agree_with_the_due_dates(app, make, today):
    products = [
        make.product(reviewed_on=reviewed, review_every_months=months)
        for reviewed, months in REVIEWS
    ]
    never = products[-1]
    never.created_at = datetime(2024, 9, 15, 12, tzinfo=UTC)
    make.product(stage=Stage.RETIRED, reviewed_on=date(2000, 1, 1))  # counts nowhere
    db.session.commit()
    statuses = [review_status(product, today) for product in products]

    summary = review_summary(db.session, today)
    on_time = sum(not status.overdue for status in statuses)
    assert (summary.total, summary.on_time) == (len(products), on_time)
    assert summary.percent == on_time * 100 // len(products)

    listed = db.session.execute(due_for_review(today)).scalars().all()
    expected = [status for status in statuses if status.overdue or status.due_soon]
    assert {product.id for product in listed} == {status.product.id for status in expected}
    # The earliest due first (products due the same day follow their last review's day).
    dues = [review_status(product, today).due for product in listed]
    assert dues == sorted(dues)


def test_an_empty_catalogue_has_no_percentage(app):
    summary = review_summary(db.session, TODAY)
    assert (summary.total, summary.on_time, summary.percent) == (0, 0, None)


# The product page -----------------------------------------------------------------------


def test_the_product_page_says_when_it_was_reviewed_and_when_it_is_due(client_as, make, users):
    make.product(
        slug="ledger",
        reviewed_on=TODAY - timedelta(days=3),
        reviewed_by=users["pm"],
        review_every_months=12,
    )
    page = parse_html(client_as("stakeholder").get("/products/ledger").text)
    status = page.one('[data-testid="review-status"]').text
    assert "Reviewed 3 days ago by " + users["pm"].display_name in status
    due = add_months(TODAY - timedelta(days=3), 12)
    assert f"next review due {due:%d %b %Y}" in status and "every 12 months" in status
    assert not page.select("#review form")  # not the owner: no button


def test_the_product_page_says_when_the_review_is_overdue(client_as, make, users):
    make.product(slug="ledger", owner=users["pm"], reviewed_on=date(2020, 1, 31))
    page = parse_html(client_as("pm").get("/products/ledger").text)
    assert "Review overdue since 31 Jul 2020" in page.one('[data-testid="review-overdue"]').text
    buttons = [button.text for button in page.select("#review button")]
    assert buttons == ["Still accurate", "Set"]


def test_a_retired_product_shows_no_review_box(pm_client, make):
    make.product(slug="gone", stage=Stage.RETIRED)
    page = parse_html(pm_client.get("/products/gone").text)
    assert page.select("#review") == []


# "Still accurate" -----------------------------------------------------------------------


def test_the_owner_confirms_from_the_product_page(client_for, make, users):
    owner = users["stakeholder"]
    product = make.product(slug="ledger", owner=owner, reviewed_on=date(2020, 1, 1))
    client = client_for(owner)
    page = parse_html(client.get("/products/ledger").text)
    assert [button.text for button in page.select("#review button")] == ["Still accurate"]
    response = client.post("/products/ledger/review", data={"back": "product"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/products/ledger#review"
    saved = fresh(product)
    assert (saved.reviewed_on, saved.reviewed_by_id) == (TODAY, owner.id)
    assert "confirmed as accurate" in client.get("/products/ledger").text


def test_confirming_with_htmx_answers_the_box(pm_client, make):
    make.product(slug="ledger", reviewed_on=date(2020, 1, 1))
    response = pm_client.hx_post("/products/ledger/review", data={"back": "product"})
    assert response.status_code == 200
    assert "<html" not in response.text
    box = parse_html(response.text).one("#review")
    assert "Reviewed today" in box.text and "confirmed as accurate today" in box.text


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_who_is_not_the_owner_may_not_confirm(client_as, make, users, role):
    product = make.product(slug="ledger", owner=users["pm"])
    assert client_as(role).post("/products/ledger/review").status_code == 403
    assert fresh(product).reviewed_on is None and trail() == []


def test_confirming_needs_the_csrf_token(pm_client, make):
    product = make.product(slug="ledger")
    response = pm_client.post("/products/ledger/review", data={"back": "product"}, csrf=False)
    assert response.status_code == 400
    assert fresh(product).reviewed_on is None and trail() == []


def test_confirming_an_unknown_product_is_a_404(pm_client):
    assert pm_client.post("/products/no-such/review").status_code == 404
    assert pm_client.post("/products/no-such/review/cadence").status_code == 404


def test_confirming_a_retired_product_is_a_conflict(pm_client, make):
    make.product(slug="gone", stage=Stage.RETIRED)
    assert pm_client.post("/products/gone/review").status_code == 409
    assert trail() == []


def test_an_unknown_return_place_is_refused(pm_client, make):
    product = make.product(slug="ledger")
    assert pm_client.post("/products/ledger/review", data={"back": "//evil"}).status_code == 400
    assert fresh(product).reviewed_on is None


# The cadence ------------------------------------------------------------------------------


def test_the_product_team_sets_the_cadence(pm_client, make):
    product = make.product(slug="ledger")
    response = pm_client.post("/products/ledger/review/cadence", data={"review_every_months": "3"})
    assert response.status_code == 302
    assert fresh(product).review_every_months == 3


@pytest.mark.parametrize("typed", ["0", "37", "-2", "abc", "", "1e3", "99999999999999999999"])
def test_a_bad_cadence_shows_the_form_again(pm_client, make, typed):
    product = make.product(slug="ledger")
    response = pm_client.post(
        "/products/ledger/review/cadence", data={"review_every_months": typed}
    )
    assert response.status_code == 422
    page = parse_html(response.text)
    assert "<html" in response.text  # without JavaScript: the whole page, with the error
    assert (
        "from 1 to 36" in page.one("#review .field-error").text
        or "Not a valid" in page.one("#review .field-error").text
    )
    assert fresh(product).review_every_months == 6 and trail() == []
    fragment = pm_client.hx_post(
        "/products/ledger/review/cadence", data={"review_every_months": typed}
    )
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert parse_html(fragment.text).select("#review .field-error")


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_only_the_product_team_sets_the_cadence(client_as, make, users, role):
    product = make.product(slug="ledger", owner=users[role])  # even the owner
    response = client_as(role).post(
        "/products/ledger/review/cadence", data={"review_every_months": "3"}
    )
    assert response.status_code == 403
    assert fresh(product).review_every_months == 6


def test_the_cadence_needs_the_csrf_token(pm_client, make):
    product = make.product(slug="ledger")
    response = pm_client.post(
        "/products/ledger/review/cadence", data={"review_every_months": "3"}, csrf=False
    )
    assert response.status_code == 400
    assert fresh(product).review_every_months == 6


# The reviews list ---------------------------------------------------------------------------


def test_the_reviews_list_shows_my_overdue_and_due_soon_products(client_for, make, users):
    me = users["stakeholder"]
    make.product(name="Mine overdue", owner=me, reviewed_on=date(2020, 1, 1))
    make.product(name="Mine due soon", owner=me, reviewed_on=add_months(TODAY, -6) + timedelta(5))
    make.product(name="Mine fine", owner=me, reviewed_on=TODAY)
    make.product(name="Mine retired", owner=me, stage=Stage.RETIRED, reviewed_on=date(2020, 1, 1))
    make.product(name="Theirs overdue", owner=users["pm"], reviewed_on=date(2020, 1, 1))
    client = client_for(me)
    page = parse_html(client.get("/reviews").text)
    names = [cell.text for cell in page.select("tbody th")]
    assert names == ["Mine overdue", "Mine due soon"]
    summary = page.one('[data-testid="review-summary"]').text
    assert summary == "66 % of your 3 products reviewed on time · 1 overdue"
    assert len(page.select("tbody button")) == 2
    # A stakeholder cannot widen the list to everyone's.
    wide = parse_html(client.get("/reviews?scope=all").text)
    assert [cell.text for cell in wide.select("tbody th")] == names
    assert wide.select('nav[aria-label="Whose products"]') == []


def test_the_product_team_lists_every_product_due(pm_client, make, users):
    make.product(name="A overdue", owner=users["stakeholder"], reviewed_on=date(2020, 1, 1))
    make.product(name="B overdue", owner=None, reviewed_on=date(2021, 1, 1))
    page = parse_html(pm_client.get("/reviews?scope=all").text)
    assert [cell.text for cell in page.select("tbody th")] == ["A overdue", "B overdue"]
    assert len(page.select("tbody button")) == 2  # the product team may confirm any
    mine = parse_html(pm_client.get("/reviews").text)
    assert mine.select("tbody th") == []
    assert "You own no product under review." in mine.text


def test_confirming_from_the_list_answers_the_row(pm_client, make):
    product = make.product(name="Ledger", slug="ledger", reviewed_on=date(2020, 1, 1))
    response = pm_client.hx_post("/products/ledger/review?scope=all", data={"back": "reviews"})
    assert response.status_code == 200 and "<html" not in response.text
    row = parse_html(response.text).one(f"#review-row-{product.id}")
    assert "confirmed today" in row.text and row.select("button") == []
    plain = pm_client.post("/products/ledger/review?scope=all&page=2", data={"back": "reviews"})
    assert plain.status_code == 302
    assert plain.headers["Location"] == "/reviews?scope=all&page=2"


def test_the_reviews_list_is_paged_and_its_queries_do_not_grow(pm_client, make, count_queries):
    for n in range(3):
        make.product(name=f"Old {n:02}", reviewed_on=date(2020, 1, 1))
    with count_queries() as few:
        assert pm_client.get("/reviews?scope=all").status_code == 200
    for n in range(3, 60):
        make.product(name=f"Old {n:02}", reviewed_on=date(2020, 1, 1), owner=make.user("pm"))
    with count_queries() as many:
        page = pm_client.get("/reviews?scope=all")
    assert len(many) == len(few)
    rows = parse_html(page.text).select("tbody tr")
    assert len(rows) == 50 and "Page 1 of 2" in page.text
    last = parse_html(pm_client.get("/reviews?scope=all&page=999").text)
    assert len(last.select("tbody tr")) == 10


# The dashboard -----------------------------------------------------------------------------


def test_the_dashboard_says_how_much_of_the_catalogue_is_reviewed_on_time(leader_client, make):
    for n in range(4):
        make.product(name=f"Fresh {n}", reviewed_on=TODAY)
    make.product(name="Stale", reviewed_on=date(2020, 1, 1))
    make.product(name="Gone", stage=Stage.RETIRED, reviewed_on=date(2020, 1, 1))
    page = parse_html(leader_client.get("/dashboard").text)
    line = page.one('[data-testid="reviewed-on-time"]')
    assert "80 % of the catalogue reviewed on time" in line.text
    assert "4 of 5" in line.text
    (link,) = line.select("a")
    assert (link.text, link["href"]) == ("1 overdue", "/reviews?scope=all")
    assert leader_client.get(link["href"]).status_code == 200


def test_reviewing_writes_nothing_else(pm_client, make):
    make.product(slug="ledger")
    before = count_rows(Product)
    pm_client.post("/products/ledger/review", data={"back": "product"})
    assert count_rows(Product) == before
    assert len(trail(Verb.PRODUCT_REVIEWED)) == 1
