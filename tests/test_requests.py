"""Requests: submitting, listing and filtering, voting, triage and duplicates.

Every test asserts what a user or the database would see: the status code,
the Location, the HTML (or the htmx fragment) and the rows written.
"""

from __future__ import annotations

import html
import re
import threading
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import Activity, Comment, Request, RequestStatus, Stage, Vote
from portfolio.requests.triage import TRANSITIONS, allowed_statuses, change_status, merge_duplicate
from tests.helpers import count_rows

HX = {"HX-Request": "true"}
OPEN = {
    RequestStatus.NEW,
    RequestStatus.UNDER_REVIEW,
    RequestStatus.PLANNED,
    RequestStatus.IN_PROGRESS,
}
CLOSED = {RequestStatus.SHIPPED, RequestStatus.DECLINED, RequestStatus.DUPLICATE}
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


# Helpers ---------------------------------------------------------------------


class SelectParser(HTMLParser):
    """Every <select> of a page: name → [(value, text, selected)]."""

    def __init__(self) -> None:
        super().__init__()
        self.selects: dict[str, list[list]] = {}
        self._select: str | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = attrs.get("name")
            self.selects.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "", "selected" in attrs]
            self.selects[self._select].append(self._option)

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._select = None


def options(page: str, name: str) -> list[tuple[str, str, bool]]:
    parser = SelectParser()
    parser.feed(page)
    assert name in parser.selects, f"no <select name={name!r}> on the page"
    return [(value, text.strip(), selected) for value, text, selected in parser.selects[name]]


def selected_values(page: str, name: str) -> list[str]:
    return [value for value, _, selected in options(page, name) if selected]


def option_values(page: str, name: str) -> list[str]:
    return [value for value, _, _ in options(page, name)]


def listed_ids(page: str) -> list[int]:
    """Ids of the request rows in the list, in page order."""
    return [int(found) for found in re.findall(r'<tr id="request-(\d+)"', page)]


def vote_counts(page: str) -> list[tuple[int, int]]:
    """(request id, vote count) of every vote widget, in page order."""
    return [
        (int(request_id), int(count))
        for request_id, count in re.findall(
            r'id="vote-(\d+)".*?data-testid="vote-count">(\d+)<', page, flags=re.DOTALL
        )
    ]


def voters(request_id: int) -> set[int]:
    query = sa.select(Vote.user_id).where(Vote.request_id == request_id)
    return set(db.session.execute(query).scalars())


def reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def activities(request_id: int, verb: str) -> list[Activity]:
    db.session.expire_all()
    query = (
        sa.select(Activity)
        .where(Activity.request_id == request_id, Activity.verb == verb)
        .order_by(Activity.id)
    )
    return list(db.session.execute(query).scalars())


def in_status(make, status: RequestStatus, product=None, **fields) -> Request:
    """A request in `status`, with what the database demands of that status."""
    product = product or make.product()
    if status is RequestStatus.DECLINED:
        fields.setdefault("decline_reason", "Not now")
    if status is RequestStatus.DUPLICATE and "duplicate_of" not in fields:
        fields["duplicate_of"] = make.request(product)
    return make.request(product, status=status, **fields)


def vote(client, request_id, state: str | None, **kwargs):
    data = {} if state is None else {"state": state}
    return client.post(f"/requests/{request_id}/vote", data=data, **kwargs)


def assert_fragment(response, starts_with: str) -> None:
    assert "<html" not in response.text
    assert response.text.lstrip().startswith(starts_with), response.text[:200]


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
        textarea = r'<textarea[^>]*name="description"[^>]*>\s*'
        assert re.search(textarea + re.escape(VALID["description"]) + "</textarea>", response.text)
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
        status: in_status(make, status, product, title=f"Req {status.value}")
        for status in RequestStatus
    }
    # in_status made an extra open target for the duplicate
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
        status: in_status(make, status, product, **extra.get(status, {}))
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
    assert re.search(r'name="mine" value="1"\s+checked', page.text)


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
    assert re.search(r'class="flash flash-warning">[^<]*' + re.escape(warning), page.text), (
        f"no warning mentioning {warning!r}"
    )


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

    response = stakeholder_client.get("/requests?q=faster", headers=HX)

    assert response.status_code == 200
    assert_fragment(response, '<section id="results"')
    assert listed_ids(response.text) == [wanted.id]
    assert 'id="request-filters"' not in response.text
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize("extra", [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}])
def test_boosted_and_history_restore_get_the_whole_page(stakeholder_client, make, extra):
    make.request()
    response = stakeholder_client.get("/requests", headers={**HX, **extra})
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
        found = re.search(r'<a href="([^"]+)"[^>]*>Next →</a>', page.text)
        url = html.unescape(found.group(1)) if found else None
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


# 4. Votes --------------------------------------------------------------------


def test_vote_on_twice_keeps_one_vote_and_off_removes_it(stakeholder_client, make, users):
    target = make.request()
    make.vote(target, users["leader"])
    url = f"/requests/{target.id}/vote"

    for _ in range(2):
        response = stakeholder_client.post(url, data={"state": "on"}, headers=HX)
        assert response.status_code == 200
        assert_fragment(response, f'<div class="vote" id="vote-{target.id}"')
        assert vote_counts(response.text) == [(target.id, 2)]
        assert 'aria-pressed="true"' in response.text
        assert 'name="state" value="off"' in response.text  # the next click removes it
        db.session.expire_all()
        assert voters(target.id) == {users["leader"].id, users["stakeholder"].id}

    response = stakeholder_client.post(url, data={"state": "off"}, headers=HX)
    assert response.status_code == 200
    assert vote_counts(response.text) == [(target.id, 1)]
    assert 'aria-pressed="false"' in response.text
    assert 'name="state" value="on"' in response.text
    db.session.expire_all()
    assert voters(target.id) == {users["leader"].id}

    # Removing a vote that is not there is harmless too.
    response = stakeholder_client.post(url, data={"state": "off"}, headers=HX)
    assert response.status_code == 200
    assert voters(target.id) == {users["leader"].id}


@pytest.mark.parametrize(
    "referrer, location",
    [
        (None, "/requests/{id}"),
        *[(same, same) for same in ["http://localhost/requests?status=all&sort=votes"]],
        ("https://evil.example/phish", "/requests/{id}"),
    ],
)
def test_vote_without_htmx_redirects_back(stakeholder_client, make, users, referrer, location):
    target = make.request()
    headers = {"Referer": referrer} if referrer else {}
    response = vote(stakeholder_client, target.id, "on", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == location.format(id=target.id)
    db.session.expire_all()
    assert voters(target.id) == {users["stakeholder"].id}


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_voting_on_a_closed_request_is_refused(stakeholder_client, make, status):
    target = in_status(make, status)

    response = vote(stakeholder_client, target.id, "on", headers=HX)

    assert response.status_code == 409
    assert_fragment(response, f'<div class="vote" id="vote-{target.id}"')
    assert f"This request is {status.label.lower()}; it takes no new votes." in response.text
    assert vote_counts(response.text) == [(target.id, 0)]
    assert 'aria-pressed="false"' in response.text
    assert count_rows(Vote) == 0


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_voting_on_a_closed_request_without_htmx_says_why(stakeholder_client, make, status):
    target = in_status(make, status)

    response = vote(stakeholder_client, target.id, "on")

    # Without JavaScript: post/redirect/get, with the refusal flashed on the page.
    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{target.id}"
    page = stakeholder_client.get(response.headers["Location"])
    assert f"This request is {status.label.lower()}; it takes no new votes." in page.text
    assert count_rows(Vote) == 0


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_removing_a_vote_from_a_closed_request_works(stakeholder_client, make, users, status):
    target = in_status(make, status)
    make.vote(target, users["stakeholder"])
    make.vote(target, users["leader"])

    response = vote(stakeholder_client, target.id, "off", headers=HX)

    assert response.status_code == 200
    assert vote_counts(response.text) == [(target.id, 1)]
    assert 'aria-pressed="false"' in response.text
    db.session.expire_all()
    assert voters(target.id) == {users["leader"].id}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"state": ""},
        {"state": "maybe"},
        {"state": "ON"},
        {"state": "1"},
    ],
)
@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_vote_with_missing_or_invalid_state_is_a_bad_request(
    stakeholder_client,
    make,
    users,
    data,
    headers,
):
    target = make.request()
    make.vote(target, users["stakeholder"])
    response = stakeholder_client.post(f"/requests/{target.id}/vote", data=data, headers=headers)
    assert response.status_code == 400
    assert "Say whether to add or remove the vote." in response.text
    db.session.expire_all()
    assert voters(target.id) == {users["stakeholder"].id}


BIG = "2147483648"  # past a 32-bit INTEGER (PostgreSQL's id columns)
HUGE = "99999999999999999999"  # past any database integer


@pytest.mark.parametrize("request_id", ["99999", BIG, HUGE])
def test_vote_on_unknown_request_is_not_found(stakeholder_client, make, request_id):
    make.request()
    response = vote(stakeholder_client, request_id, "on", headers=HX)
    assert response.status_code == 404
    assert count_rows(Vote) == 0


@pytest.mark.parametrize("request_id", ["99999", BIG, HUGE])
def test_unknown_request_page_is_not_found(stakeholder_client, make, request_id):
    make.request()
    assert stakeholder_client.get(f"/requests/{request_id}").status_code == 404


@pytest.mark.parametrize("state", ["on", "off"])
def test_vote_without_csrf_changes_nothing(stakeholder_client, make, users, state):
    target = make.request()
    if state == "off":
        make.vote(target, users["stakeholder"])
    before = voters(target.id)
    response = vote(stakeholder_client, target.id, state, headers=HX, csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert voters(target.id) == before


def test_list_shows_my_votes_pressed(stakeholder_client, make, users):
    product = make.product()
    mine, theirs = make.request(product), make.request(product)
    make.vote(mine, users["stakeholder"])
    make.vote(theirs, users["leader"])
    page = stakeholder_client.get("/requests")
    widgets = re.findall(r'id="vote-(\d+)".*?aria-pressed="(true|false)"', page.text, re.DOTALL)
    pressed = {int(request_id): value for request_id, value in widgets}
    assert pressed == {mine.id: "true", theirs.id: "false"}


# 5. Two clicks at once -------------------------------------------------------


def vote_twice_at_once(client_for, user, request_id: int) -> list:
    """Two clients of the same user post `state=on` at the same instant."""
    clients = [client_for(user) for _ in range(2)]
    headers = [{**HX, "X-CSRFToken": client.csrf_token()} for client in clients]
    barrier = threading.Barrier(2, timeout=10)
    answers: list = [None, None]
    errors: list[BaseException] = []

    def post(i: int) -> None:
        try:
            barrier.wait()
            answers[i] = vote(clients[i], request_id, "on", headers=headers[i])
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a vote request hung"
    assert errors == []
    return answers


def test_concurrent_double_vote_counts_once(client_for, make, users):
    user = users["stakeholder"]
    # A few rounds, so the race is likely to be hit whichever thread wins.
    for target_id in [make.request().id for _ in range(5)]:
        answers = vote_twice_at_once(client_for, user, target_id)

        assert [answer.status_code for answer in answers] == [200, 200]
        for answer in answers:
            assert 'aria-pressed="true"' in answer.text
        db.session.expire_all()
        assert count_rows(Vote, Vote.request_id == target_id) == 1
        assert voters(target_id) == {user.id}


# 6. Triage -------------------------------------------------------------------


def triage(client, request_id: int, **data):
    data = {"reason": "", "duplicate_of": "", **data}
    return client.post(f"/requests/{request_id}/status", data=data)


def test_a_request_walks_from_new_to_shipped(pm_client, make, users):
    target = make.request()
    path = [
        RequestStatus.UNDER_REVIEW,
        RequestStatus.PLANNED,
        RequestStatus.IN_PROGRESS,
        RequestStatus.SHIPPED,
    ]

    for status in path:
        response = triage(pm_client, target.id, status=status.value)
        assert response.status_code == 302, response.text
        assert response.headers["Location"] == f"/requests/{target.id}"
        assert reload(Request, target.id).status is status

    entries = activities(target.id, "request_status_changed")
    assert [(entry.before, entry.after) for entry in entries] == [
        ("New", "Under review"),
        ("Under review", "Planned"),
        ("Planned", "In progress"),
        ("In progress", "Shipped"),
    ]
    assert {entry.actor_id for entry in entries} == {users["pm"].id}
    page = pm_client.get(f"/requests/{target.id}")
    assert re.search(r'data-testid="request-status">Shipped<', page.text)
    assert "Request is now shipped." in page.text


@pytest.mark.parametrize("role", ["stakeholder", "leader"])
def test_only_the_product_team_triages(client_as, make, role):
    target = make.request()
    response = triage(client_as(role), target.id, status="planned")
    assert response.status_code == 403
    assert reload(Request, target.id).status is RequestStatus.NEW
    assert count_rows(Activity) == 0
    page = client_as(role).get(f"/requests/{target.id}")
    assert "Triage this request" not in page.text


@pytest.mark.parametrize("request_id", ["99999", BIG, HUGE])
def test_triage_on_unknown_request_is_not_found(pm_client, make, request_id):
    make.request()
    assert triage(pm_client, request_id, status="planned").status_code == 404


def test_triage_without_csrf_changes_nothing(pm_client, make):
    target = make.request()
    response = pm_client.post(
        f"/requests/{target.id}/status", data={"status": "planned"}, csrf=False
    )
    assert response.status_code == 400
    assert reload(Request, target.id).status is RequestStatus.NEW


@pytest.mark.parametrize("status", ["", "bogus", "new"])
def test_unknown_or_unchanged_status_is_refused(pm_client, make, status):
    target = make.request()
    response = triage(pm_client, target.id, status=status)
    assert response.status_code == 422
    assert 'id="status-error"' in response.text
    assert reload(Request, target.id).status is RequestStatus.NEW
    assert count_rows(Activity) == 0


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_declining_needs_a_reason(pm_client, make, reason):
    target = make.request(status=RequestStatus.UNDER_REVIEW)

    response = triage(pm_client, target.id, status="declined", reason=reason)

    assert response.status_code == 422
    assert 'id="reason-error"' in response.text
    assert "Say why the request is declined" in response.text
    assert selected_values(response.text, "status") == ["declined"]
    found = reload(Request, target.id)
    assert found.status is RequestStatus.UNDER_REVIEW
    assert found.decline_reason is None
    assert count_rows(Activity) == 0


def test_declined_reason_is_shown_to_stakeholders(pm_client, stakeholder_client, make):
    target = make.request()

    reason = "Out of scope <b>this year</b>"

    response = triage(pm_client, target.id, status="declined", reason=reason)

    assert response.status_code == 302
    found = reload(Request, target.id)
    assert (found.status, found.decline_reason) == (RequestStatus.DECLINED, reason)
    page = stakeholder_client.get(f"/requests/{target.id}")
    assert page.status_code == 200
    assert "Out of scope &lt;b&gt;this year&lt;/b&gt;" in page.text
    assert "<b>this year</b>" not in page.text
    assert re.search(r'data-testid="request-status">Declined<', page.text)


def test_reopening_a_declined_request_clears_the_reason(pm_client, make):
    target = in_status(make, RequestStatus.DECLINED, decline_reason="Not now")
    response = triage(pm_client, target.id, status="under_review")
    assert response.status_code == 302
    found = reload(Request, target.id)
    assert (found.status, found.decline_reason) == (RequestStatus.UNDER_REVIEW, None)


@pytest.fixture
def duplicates(make):
    """A request `dup`, a same-product target, one in another product, and a
    same-product request that is already a duplicate."""
    product, other_product = make.product(), make.product()
    target = make.request(product, title="The original")
    dup = make.request(product, title="The copy")
    elsewhere = make.request(other_product, title="Another product's request")
    already = make.request(
        product, title="Already a duplicate", status=RequestStatus.DUPLICATE, duplicate_of=target
    )
    return {"dup": dup, "target": target, "elsewhere": elsewhere, "already": already}


@pytest.mark.parametrize(
    "pointing_at, message",
    [
        (None, "Choose the request this one duplicates."),
        ("elsewhere", "A duplicate must point at a request about the same product."),
        ("self", "A request cannot duplicate itself."),
        ("already", "is itself a duplicate"),
        ("unknown", "Choose the request this one duplicates."),
        ("big", "Choose the request this one duplicates."),
        ("huge", "Choose the request this one duplicates."),
        ("garbage", None),
    ],
)
def test_invalid_duplicate_targets_are_refused(pm_client, duplicates, pointing_at, message):
    dup = duplicates["dup"]
    special = {
        None: "",
        "self": str(dup.id),
        "unknown": "99999",
        "big": BIG,
        "huge": HUGE,
        "garbage": "abc",
    }
    value = special[pointing_at] if pointing_at in special else str(duplicates[pointing_at].id)
    votes_before = count_rows(Vote)

    response = triage(pm_client, dup.id, status="duplicate", duplicate_of=value)

    assert response.status_code == 422
    assert 'id="duplicate_of-error"' in response.text
    if message:
        assert message in html.unescape(response.text)
    found = reload(Request, dup.id)
    assert found.status is RequestStatus.NEW
    assert found.duplicate_of_id is None
    assert count_rows(Vote) == votes_before
    assert count_rows(Activity) == 0


def test_the_duplicate_select_offers_only_valid_targets(pm_client, duplicates):
    page = pm_client.get(f"/requests/{duplicates['dup'].id}")
    offered = {value for value in option_values(page.text, "duplicate_of") if value}
    assert offered == {str(duplicates["target"].id)}


def test_a_valid_duplicate_links_both_ways(pm_client, stakeholder_client, duplicates):
    dup, target = duplicates["dup"], duplicates["target"]

    response = triage(pm_client, dup.id, status="duplicate", duplicate_of=str(target.id))

    assert response.status_code == 302
    found = reload(Request, dup.id)
    assert (found.status, found.duplicate_of_id) == (RequestStatus.DUPLICATE, target.id)

    page = stakeholder_client.get(f"/requests/{dup.id}")
    link = re.search(r'<a href="([^"]+)" data-testid="duplicate-target">([^<]*)</a>', page.text)
    assert link, "no link to the target"
    assert link.group(1) == f"/requests/{target.id}"
    assert f"#{target.id} The original" in link.group(2)

    target_page = stakeholder_client.get(f"/requests/{target.id}")
    merged = target_page.text.split("Merged duplicates", 1)
    assert len(merged) == 2, "no Merged duplicates section"
    section = merged[1].split("</section>", 1)[0]
    assert f'href="/requests/{dup.id}"' in section
    assert f'href="/requests/{duplicates["already"].id}"' in section
    assert "The copy" in section


# 7. Merging a duplicate's votes ------------------------------------------------


def via_change_status(duplicate, target, actor, client):
    change_status(db.session, duplicate, RequestStatus.DUPLICATE, actor, duplicate_of=target)
    db.session.commit()


def via_merge_duplicate(duplicate, target, actor, client):
    merge_duplicate(db.session, duplicate, target, actor)
    db.session.commit()


def via_route(duplicate, target, actor, client):
    response = triage(client, duplicate.id, status="duplicate", duplicate_of=str(target.id))
    assert response.status_code == 302, response.text


@pytest.mark.parametrize("merge", [via_change_status, via_merge_duplicate, via_route])
def test_merging_moves_votes_and_counts_each_voter_once(pm_client, make, users, merge):
    product = make.product()
    duplicate, target = make.request(product), make.request(product)
    unrelated = make.request(product)
    a, b, c, d = (make.user() for _ in range(4))
    for voter in (a, b, c):
        make.vote(duplicate, voter)
    for voter in (c, d):
        make.vote(target, voter)
    make.vote(unrelated, a)
    duplicate_id, target_id = duplicate.id, target.id

    merge(duplicate, target, users["pm"], pm_client)

    db.session.expire_all()
    assert voters(target_id) == {a.id, b.id, c.id, d.id}
    assert count_rows(Vote, Vote.request_id == target_id) == 4
    assert count_rows(Vote, Vote.request_id == duplicate_id) == 0
    assert voters(unrelated.id) == {a.id}
    assert count_rows(Vote) == 5
    assert db.session.get(Request, duplicate_id).duplicate_of_id == target_id
    assert len(activities(target_id, "request_merged")) == 1

    page = pm_client.get(f"/requests/{target_id}")
    assert vote_counts(page.text)[0] == (target_id, 4)


def test_change_status_refuses_a_duplicate_without_target(make, users):
    duplicate = make.request()
    make.vote(duplicate, users["leader"])
    with pytest.raises(ValueError, match="Choose the request"):
        change_status(db.session, duplicate, RequestStatus.DUPLICATE, users["pm"])
    db.session.rollback()
    assert reload(Request, duplicate.id).status is RequestStatus.NEW
    assert voters(duplicate.id) == {users["leader"].id}


# 8. Transitions --------------------------------------------------------------


@pytest.mark.parametrize(
    "status, allowed",
    [
        *[(status, set(RequestStatus) - {status}) for status in sorted(OPEN)],
        (RequestStatus.SHIPPED, {RequestStatus.IN_PROGRESS}),
        (RequestStatus.DECLINED, {RequestStatus.UNDER_REVIEW}),
        (RequestStatus.DUPLICATE, set()),
    ],
)
def test_transitions_table(pm_client, make, status, allowed):
    target = in_status(make, status)
    assert TRANSITIONS[status] == allowed
    assert set(allowed_statuses(target)) == allowed

    page = pm_client.get(f"/requests/{target.id}")
    if allowed:
        assert set(option_values(page.text, "status")) == {s.value for s in allowed}
    else:
        assert f'action="/requests/{target.id}/status"' not in page.text
        assert "A duplicate request stays as it is." in page.text


@pytest.mark.parametrize(
    "start, goal",
    [(start, goal) for start in sorted(CLOSED) for goal in RequestStatus if goal is not start],
)
def test_closed_requests_only_reopen_the_allowed_way(pm_client, make, start, goal):
    product = make.product()
    target = in_status(make, start, product)
    other = make.request(product)
    before = target.status

    response = triage(
        pm_client, target.id, status=goal.value, reason="Because", duplicate_of=str(other.id)
    )

    found = reload(Request, target.id)
    if (start, goal) in {
        (RequestStatus.SHIPPED, RequestStatus.IN_PROGRESS),
        (RequestStatus.DECLINED, RequestStatus.UNDER_REVIEW),
    }:
        assert response.status_code == 302
        assert found.status is goal
        assert len(activities(target.id, "request_status_changed")) == 1
    else:
        assert response.status_code == 422
        if start is RequestStatus.DUPLICATE:
            # No form to show the error in: the page says why instead.
            assert "A duplicate request stays as it is." in response.text
        else:
            assert 'id="status-error"' in response.text
            assert f"cannot become {goal.label.lower()}" in response.text
        assert found.status is before
        assert count_rows(Activity) == 0


# 9. Product and department pages ---------------------------------------------


@pytest.fixture
def demand(make, users):
    department, other_department = make.department(name="Finance"), make.department(name="Sales")
    product, other_product = make.product(name="Ledger"), make.product(name="Stock")
    people = [make.user() for _ in range(5)]

    def request_with(votes: int, title: str, product=product, department=department, **fields):
        item = in_status(
            make,
            fields.pop("status", RequestStatus.NEW),
            product,
            title=title,
            department=department,
            **fields,
        )
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
    section = page.text.split('<section id="requests"', 1)[1].split("</section>", 1)[0]
    assert vote_counts(section) == [
        (rows["other-department"].id, 4),
        (rows["three"].id, 3),
        (rows["two"].id, 2),
        (rows["one"].id, 1),
        (rows["none"].id, 0),
    ]
    for closed in ("Shipped one", "Declined one", "Other product's"):
        assert closed not in section


def test_department_page_lists_open_requests_by_votes(stakeholder_client, demand):
    rows = demand["rows"]
    page = stakeholder_client.get(f"/departments/{demand['department'].id}")
    assert page.status_code == 200
    section = page.text.split('<section id="requests"', 1)[1].split("</section>", 1)[0]
    assert vote_counts(section) == [
        (rows["other-product"].id, 4),
        (rows["three"].id, 3),
        (rows["two"].id, 2),
        (rows["one"].id, 1),
        (rows["none"].id, 0),
    ]
    for closed in ("Shipped one", "Declined one", "Other department's"):
        assert closed not in section
