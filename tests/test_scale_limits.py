"""Pages stay small at any size of the organisation (#12, item 19): the
departments list pages and searches, every department and product select lists
a bounded number of options (searched for the rest, with htmx or without), and
the dashboard shows the start of each list with how many more there are."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from portfolio.catalogue.queries import DEPARTMENTS_PER_PAGE
from portfolio.dashboard.rollups import MATRIX_DEPARTMENTS
from portfolio.extensions import db
from portfolio.models import Department, Request, RequestStatus, RoadmapItem, Usage
from portfolio.selects import OPTIONS_CAP, SELECT_CAP
from tests.helpers import assert_fragment, input_value, options, parse_html, textarea_text

MAX_PAGE_BYTES = 300_000
SMALL, LARGE = 30, 3_000


def department_name(number: int) -> str:
    return f"Department {number:05d}"


@pytest.fixture
def organisation(make, users):
    """A product, a pm and `grow(n)`: departments up to `n`, each using the
    product and asking for something."""
    product = make.product(slug="crm", name="CRM")
    state = {"count": 0}

    def grow(total: int) -> None:
        numbers = range(state["count"], total)
        db.session.execute(
            sa.insert(Department), [{"name": department_name(n), "headcount": 5} for n in numbers]
        )
        ids = dict(
            db.session.execute(
                sa.select(Department.name, Department.id).where(
                    Department.name.in_([department_name(n) for n in numbers])
                )
            ).all()
        )
        db.session.execute(
            sa.insert(Usage),
            [
                {"product_id": product.id, "department_id": ids[department_name(n)], "users": n}
                for n in numbers
            ],
        )
        db.session.execute(
            sa.insert(Request),
            [
                {
                    "product_id": product.id,
                    "department_id": ids[department_name(n)],
                    "title": f"Request from {department_name(n)}",
                    "description": "Needed",
                    "status": RequestStatus.NEW,
                }
                for n in numbers
            ],
        )
        db.session.commit()
        state["count"] = total

    return {"product": product, "grow": grow}


PAGES = [
    "/departments",
    "/requests/new",
    "/admin/users",
    "/products/crm",
    "/board/items/new",
    "/dashboard",
    # Their filters list departments or products too.
    "/requests",
    "/products",
    "/board",
    "/activity",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_small_with_the_same_queries_at_any_size(
    admin_client, organisation, count_queries, url
):
    def visit() -> tuple[int, int]:
        with count_queries() as statements:
            response = admin_client.get(url)
        assert response.status_code == 200, url
        return len(statements), len(response.data)

    organisation["grow"](SMALL)
    small_queries, _ = visit()
    organisation["grow"](LARGE)
    large_queries, size = visit()
    assert large_queries == small_queries
    assert size < MAX_PAGE_BYTES, f"{url}: {size:,} bytes"


def test_the_departments_list_pages_and_searches(stakeholder_client, organisation):
    organisation["grow"](LARGE)
    page = stakeholder_client.get("/departments")
    rows = parse_html(page.text).select("tbody tr[id]")
    assert len(rows) == DEPARTMENTS_PER_PAGE
    assert rows[0].select("a")[0].text == department_name(0)
    assert "3,000 departments" in page.text and "page 1 of 60" in page.text
    assert 'href="/departments?page=2"' in page.text

    last = stakeholder_client.get("/departments?page=60")
    assert parse_html(last.text).select("tbody tr[id]")[-1].select("a")[0].text == department_name(
        2999
    )

    found = stakeholder_client.hx_get("/departments?q=department+0123")
    assert_fragment(found, '<section id="results"')
    names = [row.select("a")[0].text for row in parse_html(found.text).select("tbody tr[id]")]
    assert names == [department_name(n) for n in range(1230, 1240)]

    search_form = parse_html(page.text).one("form#department-filters")
    assert search_form["hx-push-url"] == "true" and search_form["hx-target"] == "#results"


@pytest.mark.parametrize(
    "url",
    [
        "/departments/options",
        "/departments/options?q=department",
        "/departments/options?department_id_search=Department+01",
        "/products/options",
    ],
)
def test_the_options_endpoints_answer_at_most_their_cap(stakeholder_client, organisation, url):
    organisation["grow"](LARGE)
    response = stakeholder_client.hx_get(url)
    assert response.status_code == 200
    assert "<html" not in response.text
    found = [option for option in parse_html(response.text).select("option") if option["value"]]
    assert 0 < len(found) <= OPTIONS_CAP


def test_the_options_endpoint_finds_by_part_of_a_name(stakeholder_client, organisation):
    organisation["grow"](LARGE)
    response = stakeholder_client.hx_get("/departments/options?department_id_search=0271")
    found = [option.text for option in parse_html(response.text).select("option")]
    assert found[1:] == [department_name(n) for n in (271, *range(2710, 2720))]
    assert "11 departments matching “0271”" in html.unescape(found[0])


def test_a_select_lists_the_cap_and_always_the_current_value(client_for, make, organisation):
    organisation["grow"](LARGE)
    mine = db.session.execute(
        sa.select(Department).where(Department.name == department_name(2500))
    ).scalar_one()
    colleague = make.user("stakeholder", department_id=mine.id)
    page = client_for(colleague).get("/requests/new").text
    offered = options(page, "department_id")
    assert len(offered) == 1 + SELECT_CAP + 1  # placeholder, the first 200, her own
    assert [value for value, _, selected in offered if selected] == [str(mine.id)]
    assert parse_html(page).one('[data-testid="department_id-more"]')
    search = parse_html(page).one('input[name="department_id_search"]')
    assert search["hx-get"] == "/departments/options"
    assert search["hx-target"] == "#department_id"


def request_form(product_id: int, **changes: str) -> dict[str, str]:
    return {
        "product_id": str(product_id),
        "title": "Export invoices",
        "description": "Every month, for the auditors.",
        "department_id": "",
        "department_id_search": "",
        **changes,
    }


def test_without_javascript_a_search_narrows_the_select_and_keeps_what_was_typed(
    stakeholder_client, organisation
):
    organisation["grow"](LARGE)
    product = organisation["product"]
    response = stakeholder_client.post(
        "/requests/new", data=request_form(product.id, department_id_search="department 0027")
    )
    assert response.status_code == 422
    offered = options(response.text, "department_id")
    assert [text for _, text, _ in offered[1:]] == [department_name(n) for n in range(270, 280)]
    error = parse_html(response.text).one("#department_id-error").text
    assert "10 departments match “department 0027”: choose one in the list." in error
    assert input_value(response.text, "department_id_search") == "department 0027"
    assert input_value(response.text, "title") == "Export invoices"
    assert textarea_text(response.text, "description") == "Every month, for the auditors."
    assert [value for value, _, selected in options(response.text, "product_id") if selected] == [
        str(product.id)
    ]
    assert db.session.execute(sa.select(sa.func.count(Request.id))).scalar_one() == LARGE


def test_without_javascript_an_exact_name_is_taken_as_the_choice(client_for, make, organisation):
    organisation["grow"](LARGE)
    first = db.session.execute(
        sa.select(Department).where(Department.name == department_name(0))
    ).scalar_one()
    colleague = make.user("stakeholder", department_id=first.id)
    # Her own department is chosen, but the search names another: the search wins.
    response = client_for(colleague).post(
        "/requests/new",
        data=request_form(
            organisation["product"].id,
            department_id=str(first.id),
            department_id_search="  DEPARTMENT 02345 ",
        ),
    )
    assert response.status_code == 302
    created = db.session.execute(sa.select(Request).order_by(Request.id.desc())).scalars().first()
    assert created.title == "Export invoices"
    assert created.department.name == department_name(2345)


def test_no_match_says_so_and_leaves_the_select_usable(stakeholder_client, organisation):
    organisation["grow"](SMALL)
    response = stakeholder_client.post(
        "/requests/new",
        data=request_form(organisation["product"].id, department_id_search="Atlantis"),
    )
    assert response.status_code == 422
    assert "No department matches “Atlantis”" in html.unescape(response.text)
    assert len(options(response.text, "department_id")) == 1 + SMALL


def test_the_usage_form_takes_an_exact_name_and_offers_only_unused_departments(
    pm_client, organisation
):
    organisation["grow"](SMALL)
    other = db.session.execute(sa.select(Department).limit(1)).scalar_one()
    db.session.execute(sa.insert(Department), [{"name": "Legal", "headcount": 3}])
    db.session.commit()
    slug = organisation["product"].slug
    page = parse_html(pm_client.get(f"/products/{slug}").text)
    select = page.one('form.usage-form select[name="department_id"]')
    assert [option.text for option in select.select("option")] == [
        "— choose a department —",
        "Legal",
    ]
    offered = pm_client.hx_get(f"/departments/options?not_used_by={organisation['product'].id}")
    assert [option.text for option in parse_html(offered.text).select("option")][1:] == ["Legal"]

    used = pm_client.hx_post(
        f"/products/{slug}/usage",
        data={"department_id": "", "department_id_search": other.name, "users": "3"},
    )
    assert used.status_code == 422  # already using it: not among the choices
    added = pm_client.hx_post(
        f"/products/{slug}/usage",
        data={"department_id": "", "department_id_search": "legal", "users": "3"},
    )
    assert added.status_code == 200
    assert "Legal" in parse_html(added.text).one("table.usage-table").text


def test_a_product_page_lists_the_departments_with_the_most_users(pm_client, organisation):
    organisation["grow"](LARGE)
    page = parse_html(pm_client.get("/products/crm").text)
    rows = page.one("table.usage-table").select("tbody tr")
    assert len(rows) == 50
    assert rows[0].select("a")[0].text == department_name(LARGE - 50)
    more = page.one('[data-testid="more-usages"]')
    assert "2,950 more use it" in more.text
    everyone = more.one("a")["href"]
    assert everyone == f"/departments?product={organisation['product'].id}"
    listed = pm_client.get(everyone)
    assert "3,000 departments" in listed.text and "using" in listed.text


def test_the_admin_and_stakeholder_forms_take_a_searched_department(admin_client, organisation):
    organisation["grow"](SMALL)
    target = department_name(17)
    created = admin_client.post(
        "/admin/users",
        data={
            "email": "new@example.test",
            "display_name": "New Person",
            "role": "stakeholder",
            "department_id": "",
            "department_id_search": target.lower(),
            "new_password": "a long enough passphrase 42",
        },
    )
    assert created.status_code == 302, created.text[:2000]
    added = admin_client.post(
        "/products/crm/stakeholders",
        data={
            "name": "Controller",
            "department_id_search": target,
            "role": "sponsor",
            "power": "4",
            "interest": "4",
        },
    )
    assert added.status_code == 302
    page = admin_client.get("/products/crm").text
    assert target in parse_html(page).one("#stakeholders table").text


def test_the_duplicate_select_searches_requests_of_the_same_product(pm_client, organisation):
    organisation["grow"](LARGE)
    newest = db.session.execute(sa.select(Request).order_by(Request.id.desc())).scalars().first()
    page = pm_client.get(f"/requests/{newest.id}").text
    offered = options(page, "duplicate_of")
    assert len(offered) == 1 + SELECT_CAP
    assert str(newest.id) not in [value for value, _, _ in offered]

    target = db.session.execute(sa.select(Request).order_by(Request.id)).scalars().first()
    found = pm_client.hx_get(
        f"/requests/{newest.id}/duplicate-options?duplicate_of_search=%23{target.id}"
    )
    values = [option["value"] for option in parse_html(found.text).select("option")]
    assert values == ["", str(target.id)]

    merged = pm_client.post(
        f"/requests/{newest.id}/status",
        data={"status": "duplicate", "reason": "", "duplicate_of_search": f"#{target.id}"},
    )
    assert merged.status_code == 302
    db.session.expire_all()
    assert db.session.get(Request, newest.id).duplicate_of_id == target.id


def test_the_dashboard_shows_the_top_of_the_usage_matrix(leader_client, organisation):
    organisation["grow"](LARGE)
    page = parse_html(leader_client.get("/dashboard").text)
    rows = page.one('[data-testid="usage-matrix"]').select("tbody tr")
    assert len(rows) == MATRIX_DEPARTMENTS
    assert rows[0].one("th").text == department_name(LARGE - 1)  # the most users first
    more = page.select('[data-testid="more-departments"]')
    assert "…and 2,975 more departments" in more[0].text
    assert more[0].one("a")["href"] == "/departments"
    demand = page.one('[data-testid="demand-departments"]').select("tbody tr")
    assert len(demand) == 10
    grand_total = sum(range(LARGE))
    assert f"{grand_total:,}" in page.one('[data-testid="usage-matrix"]').one("tfoot").text


@pytest.mark.parametrize("url", ["/requests?department={id}", "/products?department={id}"])
def test_filters_list_the_cap_and_the_one_filtered_on(stakeholder_client, organisation, url):
    organisation["grow"](LARGE)
    chosen = db.session.execute(
        sa.select(Department.id).where(Department.name == department_name(2500))
    ).scalar_one()
    page = stakeholder_client.get(url.format(id=chosen)).text
    offered = options(page, "department")
    assert len(offered) == 1 + SELECT_CAP + 1  # "All departments", the first 200, the chosen
    assert [value for value, _, selected in offered if selected] == [str(chosen)]


def test_the_item_form_offers_a_bounded_list_of_requests_of_its_product(
    pm_client, make, organisation
):
    organisation["grow"](LARGE)
    other = make.product(slug="erp", name="ERP")
    theirs = make.request(other, title="ERP request")
    page = pm_client.get("/board/items/new").text
    assert len(options(page, "request_ids")) == SELECT_CAP
    item = make.item(organisation["product"])
    edit = pm_client.get(f"/board/items/{item.id}/edit").text
    offered = options(edit, "request_ids")
    assert len(offered) == SELECT_CAP
    assert all(text.startswith("CRM: ") for _, text, _ in offered)
    # An older request of the product, past the first 200, can still be chosen.
    oldest = db.session.execute(sa.select(Request).order_by(Request.id)).scalars().first()
    saved = pm_client.post(
        f"/board/items/{item.id}/edit",
        data={
            "product_id": str(organisation["product"].id),
            "title": item.title,
            "column": "later",
            "reach": "10",
            "impact": "1.0",
            "confidence": "80",
            "effort": "2",
            "hours_saved_per_month": "0",
            "cost_saved_per_year": "0",
            "request_ids": [str(oldest.id)],
            "version": str(item.version),
        },
    )
    assert saved.status_code == 302, saved.text[:3000]
    db.session.expire_all()
    assert [linked.id for linked in db.session.get(RoadmapItem, item.id).requests] == [oldest.id]
    assert theirs.id not in [int(value) for value, _, _ in offered]
