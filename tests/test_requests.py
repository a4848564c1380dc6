"""Requests: submitting one, the list (filters, sorting, pagination), query
counts, a request's page, and the open requests on product and department pages.

Votes are in test_votes.py; triage, duplicates and merging in test_triage.py.
Every test asserts what a user or the database would see: the status code,
the Location, the HTML (or the htmx fragment) and the rows written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import Activity, Comment, Request, RequestStatus, Stage, Vote
from tests.helpers import (
    BIG,
    CLOSED,
    HUGE,
    OPEN,
    activities,
    assert_fragment,
    count_rows,
    option_values,
    parse_html,
    selected_values,
    textarea_text,
    vote_counts,
    voters,
)

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def listed_ids(page: str) -> list[int]:
    """Ids of the request rows in the list, in page order."""
    rows = parse_html(page).select("tr[id^=request-]")
    return [int(row.id.removeprefix("request-")) for row in rows]


# 1. Submitting a request -------------------------------------------------------


def test_submit_creates_request_activity_and_own_vote(client_for, make):
    department, other_department = make.department(name="Finance"), make.department(name="Sales")
    product = make.product(name="Ledger")
    user = make.user("stakeholder", department=department)
    client = client_for(user)

    response = client.post(
        "/requests/new",
        data={
            "product_id": product.id,
            "department_id": other_department.id,
            "title": "Export invoices to CSV",
            "description": "Month-end needs it.",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    created = db.session.execute(sa.select(Request)).scalars().all()
    assert len(created) == 1
    new = created[0]
    assert response.headers["Location"] == f"/requests/{new.id}"
    assert (new.title, new.description) == ("Export invoices to CSV", "Month-end needs it.")
    assert new.product_id == product.id
    assert new.department_id == other_department.id
    assert new.requester_id == user.id
    assert new.status is RequestStatus.NEW
    created_entries = activities(new.id, "request_created")
    assert [(a.actor_id, a.product_id) for a in created_entries] == [(user.id, product.id)]
    assert voters(new.id) == {user.id}
    assert count_rows(Vote) == 1

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Export invoices to CSV" in page.text
    assert "Request submitted." in page.text
    assert vote_counts(page.text)[0] == (new.id, 1)
    assert 'aria-pressed="true"' in page.text


def test_new_form_preselects_the_users_department(client_for, make):
    make.department(name="Alpha")
    department = make.department(name="Finance")
    make.department(name="Zulu")
    user = make.user("stakeholder", department=department)
    client = client_for(user)

    page = client.get("/requests/new")

    assert page.status_code == 200
    assert selected_values(page.text, "department_id") == [str(department.id)]


def test_new_form_without_a_department_selects_none(stakeholder_client, make):
    make.department(name="Finance")
    page = stakeholder_client.get("/requests/new")
    assert page.status_code == 200
    assert selected_values(page.text, "department_id") in ([], [""])


def test_product_query_parameter_preselects_the_product(stakeholder_client, make):
    make.product(name="Alpha", slug="alpha")
    wanted = make.product(name="Ledger", slug="ledger")
    page = stakeholder_client.get("/requests/new?product=ledger")
    assert page.status_code == 200
    assert selected_values(page.text, "product_id") == [str(wanted.id)]


def test_unknown_product_slug_preselects_nothing(stakeholder_client, make):
    make.product(name="Ledger", slug="ledger")
    page = stakeholder_client.get("/requests/new?product=no-such-thing")
    assert page.status_code == 200
    assert selected_values(page.text, "product_id") in ([], [""])


def test_retired_products_are_not_offered(stakeholder_client, make):
    live = make.product(name="Ledger")
    retired = make.product(name="Old Ledger", stage=Stage.RETIRED)
    page = stakeholder_client.get(f"/requests/new?product={retired.slug}")
    values = option_values(page.text, "product_id")
    assert str(live.id) in values
    assert str(retired.id) not in values
    assert "Old Ledger" not in page.text


def test_posting_a_retired_product_is_refused(stakeholder_client, make):
    department = make.department()
    retired = make.product(name="Old Ledger", stage=Stage.RETIRED)
    response = stakeholder_client.post(
        "/requests/new",
        data={
            "product_id": retired.id,
            "department_id": department.id,
            "title": "Please",
            "description": "Bring it back",
        },
    )
    assert response.status_code == 422
    assert 'id="product_id-error"' in response.text
    assert count_rows(Request) == 0


VALID = {"title": "Export invoices to CSV", "description": "Month-end close needs it weekly."}


@pytest.mark.parametrize(
    "missing",
    [
        ("title",),
        ("description",),
        ("product_id",),
        ("title", "description", "product_id"),
    ],
)
def test_missing_fields_get_errors_and_keep_what_was_typed(stakeholder_client, make, missing):
    department = make.department()
    product = make.product(name="Ledger")
    data = {**VALID, "product_id": str(product.id), "department_id": str(department.id)}
    for name in missing:
        data[name] = ""

    response = stakeholder_client.post("/requests/new", data=data)

    assert response.status_code == 422
    for name in ("title", "description", "product_id"):
        assert (f'id="{name}-error"' in response.text) == (name in missing), name
    if "title" not in missing:
        assert f'value="{VALID["title"]}"' in response.text
    if "description" not in missing:
        assert textarea_text(response.text, "description") == VALID["description"]
    if "product_id" not in missing:
        assert selected_values(response.text, "product_id") == [str(product.id)]
    assert selected_values(response.text, "department_id") == [str(department.id)]
    assert count_rows(Request) == 0
    assert count_rows(Activity) == 0
    assert count_rows(Vote) == 0


def test_whitespace_only_title_is_missing(stakeholder_client, make):
    department, product = make.department(), make.product()
    response = stakeholder_client.post(
        "/requests/new",
        data={
            "product_id": product.id,
            "department_id": department.id,
            "title": "   ",
            "description": "Real text",
        },
    )
    assert response.status_code == 422
    assert 'id="title-error"' in response.text
    assert count_rows(Request) == 0


def test_submit_without_csrf_writes_nothing(stakeholder_client, make):
    department, product = make.department(), make.product()
    response = stakeholder_client.post(
        "/requests/new",
        csrf=False,
        data={
            "product_id": product.id,
            "department_id": department.id,
            **VALID,
        },
    )
    assert response.status_code == 400
    assert count_rows(Request) == 0


# 2. The list -----------------------------------------------------------------


def test_default_list_shows_open_statuses_only(stakeholder_client, make):
    product = make.product()
    by_status = {
        status: make.request(product, status=status, title=f"Req {status.value}")
        for status in RequestStatus
    }
    # make.request made an extra open target for the duplicate
    duplicate_target = by_status[RequestStatus.DUPLICATE].duplicate_of_id

    page = stakeholder_client.get("/requests")

    assert page.status_code == 200
    expected = {by_status[s].id for s in OPEN} | {duplicate_target}
    assert set(listed_ids(page.text)) == expected
    for status in CLOSED:
        assert f"Req {status.value}" not in page.text


@pytest.mark.parametrize(
    "status_arg, expected",
    [
        ("open", OPEN),
        ("all", set(RequestStatus)),
        *[(status.value, {status}) for status in RequestStatus],
    ],
)
def test_status_filter(stakeholder_client, make, status_arg, expected):
    product = make.product()
    # The duplicate's target is closed, so it does not muddy "open".
    target = make.request(product, status=RequestStatus.SHIPPED)
    extra = {RequestStatus.DUPLICATE: {"duplicate_of": target}}
    by_status = {
        status: make.request(product, status=status, **extra.get(status, {}))
        for status in RequestStatus
    }
    by_status_ids = {status: {by_status[status].id} for status in RequestStatus}
    by_status_ids[RequestStatus.SHIPPED].add(target.id)

    page = stakeholder_client.get(f"/requests?status={status_arg}")

    assert page.status_code == 200
    assert set(listed_ids(page.text)) == set().union(*(by_status_ids[s] for s in expected))
    assert selected_values(page.text, "status") == [status_arg]


@pytest.fixture
def world(make, users):
    """Requests across two products, two departments and two requesters,
    some voted by the signed-in stakeholder."""
    me, other = users["stakeholder"], users["leader"]
    crm, erp = make.product(name="CRM one"), make.product(name="ERP one")
    sales, finance = make.department(name="Sales"), make.department(name="Finance")
    rows = {
        "crm-sales-mine": make.request(
            crm,
            department=sales,
            requester=me,
            title="Faster lead import",
            description="Imports take an hour",
        ),
        "crm-finance-other": make.request(
            crm,
            department=finance,
            requester=other,
            title="Invoice link",
            description="Show the invoice 50% faster",
        ),
        "erp-sales-other": make.request(
            erp,
            department=sales,
            requester=other,
            title="Stock alerts",
            description="Alert when stock is low",
        ),
        "erp-finance-mine": make.request(
            erp,
            department=finance,
            requester=me,
            title="Ledger export",
            description="CSV of the ledger for leads",
        ),
    }
    make.vote(rows["crm-finance-other"], me)
    make.vote(rows["erp-finance-mine"], me)
    make.vote(rows["erp-sales-other"], other)
    return {"rows": rows, "crm": crm, "erp": erp, "sales": sales, "finance": finance}


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            lambda w: {},
            {"crm-sales-mine", "crm-finance-other", "erp-sales-other", "erp-finance-mine"},
        ),
        (lambda w: {"product": w["crm"].id}, {"crm-sales-mine", "crm-finance-other"}),
        (lambda w: {"department": w["finance"].id}, {"crm-finance-other", "erp-finance-mine"}),
        (lambda w: {"product": w["erp"].id, "department": w["sales"].id}, {"erp-sales-other"}),
        (lambda w: {"mine": "1"}, {"crm-sales-mine", "erp-finance-mine"}),
        (lambda w: {"voted": "1"}, {"crm-finance-other", "erp-finance-mine"}),
        (lambda w: {"mine": "1", "voted": "1"}, {"erp-finance-mine"}),
        (lambda w: {"q": "lead"}, {"crm-sales-mine", "erp-finance-mine"}),  # title or description
        (lambda w: {"q": "LEDGER"}, {"erp-finance-mine"}),  # case-insensitive
        (lambda w: {"q": "50%"}, {"crm-finance-other"}),  # % is literal, not a wildcard
        (lambda w: {"q": "nothing like this"}, set()),
    ],
    ids=[
        "none",
        "product",
        "department",
        "product+department",
        "mine",
        "voted",
        "mine+voted",
        "q-title-or-description",
        "q-case",
        "q-percent",
        "q-none",
    ],
)
def test_filters(stakeholder_client, world, args, expected):
    page = stakeholder_client.get("/requests", query_string=args(world))
    assert page.status_code == 200
    assert set(listed_ids(page.text)) == {world["rows"][name].id for name in expected}
    assert f'data-testid="result-count">{len(expected)} request' in page.text
    if not expected:
        assert "No request matches these filters." in page.text


def test_filters_are_kept_in_the_form(stakeholder_client, world):
    page = stakeholder_client.get(
        "/requests",
        query_string={
            "product": world["erp"].id,
            "department": world["sales"].id,
            "q": "stock",
            "mine": "1",
            "sort": "votes",
            "status": "all",
        },
    )
    assert selected_values(page.text, "product") == [str(world["erp"].id)]
    assert selected_values(page.text, "department") == [str(world["sales"].id)]
    assert selected_values(page.text, "sort") == ["votes"]
    assert selected_values(page.text, "status") == ["all"]
    assert 'name="q" value="stock"' in page.text
    mine = parse_html(page.text).one('input[name="mine"]')
    assert mine["value"] == "1" and "checked" in mine.attrs


@pytest.mark.parametrize(
    "sort, expected_order",
    [
        (None, ["late", "middle", "early"]),
        ("newest", ["late", "middle", "early"]),
        ("oldest", ["early", "middle", "late"]),
        ("votes", ["middle", "early", "late"]),
    ],
)
def test_sort(stakeholder_client, make, sort, expected_order):
    product = make.product()
    rows = {
        "early": make.request(product, created_at=T0),
        "middle": make.request(product, created_at=T0 + timedelta(days=1)),
        "late": make.request(product, created_at=T0 + timedelta(days=2)),
    }
    for _ in range(3):
        make.vote(rows["middle"], make.user())
    make.vote(rows["early"], make.user())

    page = stakeholder_client.get("/requests", query_string={"sort": sort} if sort else {})

    assert page.status_code == 200
    assert listed_ids(page.text) == [rows[name].id for name in expected_order]
    if sort == "votes":
        assert [count for _, count in vote_counts(page.text)] == [3, 1, 0]


@pytest.mark.parametrize(
    "args, warning",
    [
        ({"status": "bogus"}, "Unknown status “bogus” ignored."),
        ({"product": "abc"}, "Unknown product ignored."),
        ({"department": "abc"}, "Unknown department ignored."),
        ({"sort": "bogus"}, "bogus"),
    ],
)
def test_unknown_values_are_ignored_with_a_warning(stakeholder_client, make, args, warning):
    product = make.product()
    open_one = make.request(product)
    make.request(product, status=RequestStatus.SHIPPED)

    page = stakeholder_client.get("/requests", query_string=args)

    assert page.status_code == 200
    assert listed_ids(page.text) == [open_one.id]  # the defaults apply
    warnings = [flash.text for flash in parse_html(page.text).select(".flash.flash-warning")]
    assert any(warning in shown for shown in warnings), f"no warning mentioning {warning!r}"


@pytest.mark.parametrize(
    "args",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "99999999999999999999"},
        {"q": "x" * 500},
        {"mine": "maybe"},
        {"status": ""},
        {"sort": ""},
        {"product": "2147483648"},
        {"product": "99999999999999999999"},
        {"department": "99999999999999999999"},
        {"product": "１２"},  # full-width digits: str.isdigit() says yes
    ],
)
def test_odd_values_never_fail(stakeholder_client, make, args):
    make.request()
    page = stakeholder_client.get("/requests", query_string=args)
    assert page.status_code == 200
    assert 'id="results"' in page.text


def test_htmx_gets_only_the_results_fragment(stakeholder_client, make):
    wanted = make.request(title="Faster import")
    make.request(title="Something else")

    response = stakeholder_client.hx_get("/requests?q=faster")

    assert response.status_code == 200
    assert_fragment(response, '<section id="results"')
    assert listed_ids(response.text) == [wanted.id]
    assert 'id="request-filters"' not in response.text
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize("extra", [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}])
def test_boosted_and_history_restore_get_the_whole_page(stakeholder_client, make, extra):
    make.request()
    response = stakeholder_client.hx_get("/requests", headers=extra)
    assert response.status_code == 200
    assert "<html" in response.text
    assert 'id="request-filters"' in response.text


def bulk_requests(
    count: int,
    products,
    departments,
    people,
    *,
    votes: int = 3,
    comments: int = 2,
    created_at: datetime | None = None,
) -> None:
    """`count` requests, each with a few votes and comments, in one commit."""
    rows = []
    for n in range(count):
        item = Request(
            product=products[n % len(products)],
            department=departments[n % len(departments)],
            requester=people[n % len(people)],
            title=f"Bulk request {n}",
            description=f"Bulk description {n}",
            status=RequestStatus.NEW,
            created_at=created_at or T0 + timedelta(minutes=n),
        )
        item.votes = [Vote(user=people[(n + k) % len(people)]) for k in range(votes)]
        item.vote_count = len(item.votes)
        rows.append(item)
        rows.extend(
            Comment(author=people[(n + k) % len(people)], body=f"Comment {k}", request=item)
            for k in range(comments)
        )
    db.session.add_all(rows)
    db.session.commit()


@pytest.mark.parametrize("sort", ["newest", "oldest", "votes"])
def test_pagination_shows_every_request_exactly_once(stakeholder_client, make, users, sort):
    products = [make.product(), make.product()]
    departments = [make.department()]
    # All at the same instant and without votes: the order still has to be total.
    bulk_requests(120, products, departments, [users["leader"]], votes=0, comments=0, created_at=T0)
    all_ids = set(db.session.execute(sa.select(Request.id)).scalars())

    first = stakeholder_client.get("/requests", query_string={"sort": sort})
    third = stakeholder_client.get("/requests", query_string={"sort": sort, "page": 3})
    assert len(listed_ids(first.text)) == 50
    assert len(listed_ids(third.text)) == 20
    assert "page 1 of 3" in first.text

    seen: list[int] = []
    url = f"/requests?sort={sort}"
    pages = 0
    while url:
        page = stakeholder_client.get(url)
        assert page.status_code == 200
        seen += listed_ids(page.text)
        pages += 1
        assert pages <= 3
        links = parse_html(page.text).select("a")
        found = [link["href"] for link in links if link.text == "Next →"]
        url = found[0] if found else None
    assert pages == 3
    assert len(seen) == 120
    assert set(seen) == all_ids


def test_page_past_the_end_shows_the_last_page(stakeholder_client, make, users):
    bulk_requests(60, [make.product()], [make.department()], [users["leader"]], votes=0, comments=0)
    page = stakeholder_client.get("/requests?page=9")
    assert page.status_code == 200
    assert len(listed_ids(page.text)) == 10
    assert "page 2 of 2" in page.text


# 3. Query counts -------------------------------------------------------------


@pytest.fixture
def crowd(make, users):
    people = [make.user() for _ in range(4)] + [users["stakeholder"], users["pm"]]
    return {
        "products": [make.product() for _ in range(3)],
        "departments": [make.department() for _ in range(3)],
        "people": people,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/requests",
        "/requests?sort=votes",
        "/requests?status=all&voted=1",
        "/requests?page=2",
    ],
)
@pytest.mark.parametrize("role", ["stakeholder", "pm"])
def test_list_query_count_does_not_grow_with_requests(client_as, count_queries, crowd, url, role):
    client = client_as(role)
    bulk_requests(10, **crowd)
    client.get(url)  # warm up

    with count_queries() as few:
        small = client.get(url)
    bulk_requests(490, **crowd)
    client.get(url)  # warm up again: the list's total is counted once per site revision
    with count_queries() as many:
        large = client.get(url)

    assert small.status_code == large.status_code == 200
    assert len(listed_ids(large.text)) > len(listed_ids(small.text))
    assert len(many) == len(few), "\n".join(many)


@pytest.mark.parametrize("role", ["stakeholder", "pm"])
def test_request_page_query_count_does_not_grow_with_comments(
    client_as,
    make,
    users,
    count_queries,
    role,
):
    client = client_as(role)
    product = make.product()
    target = make.request(product)
    make.request(product)  # a duplicate candidate for the pm's triage form
    authors = [make.user() for _ in range(5)] + [users["stakeholder"], users["pm"]]
    for voter in authors[:3]:
        make.vote(target, voter)

    def add_comments(n: int, start: int) -> None:
        db.session.add_all(
            Comment(
                author=authors[(start + k) % len(authors)],
                body=f"Comment {start + k}",
                request_id=target.id,
            )
            for k in range(n)
        )
        db.session.commit()

    add_comments(2, 0)
    url = f"/requests/{target.id}"
    client.get(url)  # warm up
    with count_queries() as few:
        small = client.get(url)
    add_comments(198, 2)
    with count_queries() as many:
        large = client.get(url)

    assert small.status_code == large.status_code == 200
    assert small.text.count('class="comment"') == 2
    assert large.text.count('class="comment"') == 200
    assert len(many) == len(few), "\n".join(many)


# 4. A request's page ---------------------------------------------------------


@pytest.mark.parametrize("request_id", ["99999", BIG, HUGE])
def test_unknown_request_page_is_not_found(stakeholder_client, make, request_id):
    make.request()
    assert stakeholder_client.get(f"/requests/{request_id}").status_code == 404


# 5. Product and department pages ---------------------------------------------


@pytest.fixture
def demand(make, users):
    department, other_department = make.department(name="Finance"), make.department(name="Sales")
    product, other_product = make.product(name="Ledger"), make.product(name="Stock")
    people = [make.user() for _ in range(5)]

    def request_with(votes: int, title: str, product=product, department=department, **fields):
        item = make.request(product, title=title, department=department, **fields)
        for person in people[:votes]:
            make.vote(item, person)
        return item

    rows = {
        "one": request_with(1, "One vote"),
        "three": request_with(3, "Three votes", status=RequestStatus.PLANNED),
        "two": request_with(2, "Two votes", status=RequestStatus.IN_PROGRESS),
        "none": request_with(0, "No votes", status=RequestStatus.UNDER_REVIEW),
        "shipped": request_with(5, "Shipped one", status=RequestStatus.SHIPPED),
        "declined": request_with(4, "Declined one", status=RequestStatus.DECLINED),
        "other-product": request_with(4, "Other product's", product=other_product),
        "other-department": request_with(4, "Other department's", department=other_department),
    }
    return {"rows": rows, "product": product, "department": department}


def test_product_page_lists_open_requests_by_votes(stakeholder_client, demand):
    rows = demand["rows"]
    page = stakeholder_client.get(f"/products/{demand['product'].slug}")
    assert page.status_code == 200
    section = parse_html(page.text).by_id("requests")
    assert vote_counts(section) == [
        (rows["other-department"].id, 4),
        (rows["three"].id, 3),
        (rows["two"].id, 2),
        (rows["one"].id, 1),
        (rows["none"].id, 0),
    ]
    for closed in ("Shipped one", "Declined one", "Other product's"):
        assert closed not in section.text


def test_department_page_lists_open_requests_by_votes(stakeholder_client, demand):
    rows = demand["rows"]
    page = stakeholder_client.get(f"/departments/{demand['department'].id}")
    assert page.status_code == 200
    section = parse_html(page.text).by_id("requests")
    assert vote_counts(section) == [
        (rows["other-product"].id, 4),
        (rows["three"].id, 3),
        (rows["two"].id, 2),
        (rows["one"].id, 1),
        (rows["none"].id, 0),
    ]
    for closed in ("Shipped one", "Declined one", "Other department's"):
        assert closed not in section.text
