"""The changelog (#13): release notes of what shipped, for every role, on a
page and in an Atom feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest

from portfolio.auth.feed_tokens import create_or_rotate_feed_token
from portfolio.board.moves import ship
from portfolio.changelog.queries import FEED_SIZE, PAGE_SIZE
from portfolio.extensions import db
from portfolio.models import Column, RequestStatus, RoadmapItem
from tests.helpers import parse_html

ATOM = "{http://www.w3.org/2005/Atom}"
DAY = date(2025, 3, 10)


@pytest.fixture
def shipped(make):
    """shipped(product, day, note, requests=()) → an item in Shipped with its note."""

    def build(product=None, day=DAY, note="Shipped it.", requests=(), **fields):
        return make.item(
            product,
            column=Column.SHIPPED,
            shipped_on=day,
            release_note=note,
            requests=list(requests),
            **fields,
        )

    return build


def entry_ids(page_text: str) -> list[int]:
    articles = parse_html(page_text).select("article.release-note")
    return [int(article.id.removeprefix("release-")) for article in articles]


def read_feed(response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


# The page --------------------------------------------------------------------


def test_newest_first_by_ship_date_then_id(stakeholder_client, make, shipped):
    product = make.product()
    old = shipped(product, DAY - timedelta(days=30))
    first_today = shipped(product, DAY)
    second_today = shipped(product, DAY)
    newest = shipped(product, DAY + timedelta(days=1))
    make.item(product, column=Column.NOW)  # not shipped
    make.item(product, column=Column.SHIPPED, release_note=None)  # no ship date: not released
    response = stakeholder_client.get("/changelog")
    assert response.status_code == 200
    assert entry_ids(response.text) == [newest.id, second_today.id, first_today.id, old.id]


def test_an_entry_shows_product_date_note_requests_and_departments(leader_client, make, shipped):
    finance, sales = make.department(name="Finance"), make.department(name="Sales")
    product = make.product(name="Ledger")
    asks = [
        make.request(product, title="Export to Excel", department=sales),
        make.request(product, title="Monthly close", department=finance),
        make.request(product, title="Another from sales", department=sales),
        make.request(product, title="From nowhere"),
    ]
    item = shipped(product, date(2025, 2, 3), "Exports are **one click** now.", asks)
    page = parse_html(leader_client.get("/changelog").text)
    article = page.by_id(f"release-{item.id}")
    assert item.title in article.text and "Ledger" in article.text
    assert article.one("time")["datetime"] == "2025-02-03"
    assert "03 Feb 2025" in article.text
    assert "<strong>one click</strong>" in article.html
    links = {link.text: link["href"] for link in article.select("li a")}
    assert links == {ask.title: f"/requests/{ask.id}" for ask in asks}
    departments = [tag.text for tag in article.select("a.tag")]
    assert departments == ["Finance", "Sales"]  # each once, by name
    assert article.select("a.tag")[0]["href"] == f"/changelog?department={finance.id}"


def test_release_notes_are_escaped_where_people_typed_them(stakeholder_client, make, shipped):
    product = make.product(name="<b>Product</b>")
    ask = make.request(product, title="<script>alert(1)</script>")
    shipped(product, note="<img src=x onerror=alert(1)>", requests=[ask])
    text = stakeholder_client.get("/changelog").text
    assert "<script>alert" not in text and "<img" not in text and "<b>Product" not in text
    article = parse_html(text).one("article.release-note")
    assert "<img src=x onerror=alert(1)>" in article.text  # shown as text, harmless
    assert "<script>alert(1)</script>" in article.text


def test_a_card_shipped_through_the_ship_dialog_appears(pm_client, make, users):
    product = make.product()
    ask = make.request(product, department=make.department(name="Legal"))
    item = make.item(product, column=Column.NOW, requests=[ask])
    ship(
        db.session,
        item,
        release_note="Contracts are searchable.",
        shipped_on=DAY,
        expected_version=item.version,
        actor=users["pm"],
    )
    db.session.commit()
    article = parse_html(pm_client.get("/changelog").text).by_id(f"release-{item.id}")
    assert "Contracts are searchable." in article.text and "Legal" in article.text


def test_filter_by_product_and_by_department(stakeholder_client, make, shipped):
    crm, erp = make.product(name="CRM"), make.product(name="ERP")
    finance, sales = make.department(name="Finance"), make.department(name="Sales")
    crm_sales = shipped(crm, requests=[make.request(crm, department=sales)])
    crm_finance = shipped(crm, requests=[make.request(crm, department=finance)])
    erp_finance = shipped(erp, requests=[make.request(erp, department=finance)])
    erp_alone = shipped(erp)

    def shown(query: str) -> set[int]:
        response = stakeholder_client.get(f"/changelog{query}")
        assert response.status_code == 200
        return set(entry_ids(response.text))

    assert shown("") == {crm_sales.id, crm_finance.id, erp_finance.id, erp_alone.id}
    assert shown(f"?product={crm.id}") == {crm_sales.id, crm_finance.id}
    assert shown(f"?department={finance.id}") == {crm_finance.id, erp_finance.id}
    assert shown(f"?product={erp.id}&department={finance.id}") == {erp_finance.id}
    assert shown(f"?product={erp.id}&department={sales.id}") == set()
    page = parse_html(stakeholder_client.get(f"/changelog?department={sales.id}").text)
    assert page.one('select[name="department"] option[selected]').text == "Sales"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?product=²", "Unknown product ignored."),
        ("?department=-1", "Unknown department ignored."),
        ("?product=99999999999", "Unknown product ignored."),
        ("?department=1e3", "Unknown department ignored."),
        ("?product=abc&department=²", "Unknown product ignored."),
    ],
)
def test_ids_that_cannot_be_ids_are_ignored_with_a_message(
    stakeholder_client, make, shipped, query, message
):
    item = shipped(make.product())
    response = stakeholder_client.get(f"/changelog{query}")
    assert response.status_code == 200
    page = parse_html(response.text)
    assert message in [problem.text for problem in page.select(".flash-warning")]
    assert entry_ids(response.text) == [item.id]


def test_a_product_or_department_that_does_not_exist_shows_nothing(stakeholder_client, shipped):
    shipped()
    response = stakeholder_client.get("/changelog?product=424242")
    assert response.status_code == 200
    assert entry_ids(response.text) == []
    assert "No release note matches these filters." in response.text


def test_htmx_filtering_swaps_only_the_results(stakeholder_client, make, shipped):
    crm = make.product()
    item = shipped(crm)
    shipped()
    response = stakeholder_client.hx_get(f"/changelog?product={crm.id}")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    fragment = parse_html(response.text)
    assert fragment.one("section")["id"] == "results"
    assert entry_ids(response.text) == [item.id]
    form = parse_html(stakeholder_client.get("/changelog").text).by_id("changelog-filters")
    assert form["method"] == "get" and form["action"] == "/changelog"
    assert form["hx-get"] == "/changelog" and form["hx-target"] == "#results"
    assert form["hx-push-url"] == "true"


def test_pages_of_a_bounded_size_keep_the_filters(stakeholder_client, make, shipped):
    product = make.product()
    items = [shipped(product, DAY - timedelta(days=n)) for n in range(PAGE_SIZE + 5)]
    shipped()  # another product's, filtered out
    first = stakeholder_client.get(f"/changelog?product={product.id}")
    assert entry_ids(first.text) == [item.id for item in items[:PAGE_SIZE]]
    pagination = parse_html(first.text).one("nav.pagination")
    older = pagination.one("a")
    assert older.text == "Older →"
    assert older["href"] == f"/changelog?product={product.id}&page=2"
    second = stakeholder_client.get(older["href"])
    assert entry_ids(second.text) == [item.id for item in items[PAGE_SIZE:]]
    past_the_end = stakeholder_client.get(f"/changelog?product={product.id}&page=999")
    assert entry_ids(past_the_end.text) == entry_ids(second.text)
    assert stakeholder_client.get("/changelog?page=²").status_code == 200


def test_query_count_does_not_grow_with_entries(stakeholder_client, make, shipped, count_queries):
    departments = [make.department() for _ in range(3)]
    product = make.product()

    def add_entries(count: int) -> None:
        for n in range(count):
            asks = [make.request(product, department=departments[(n + k) % 3]) for k in range(2)]
            shipped(product, DAY - timedelta(days=n), requests=asks)

    def queries_for_page() -> int:
        with count_queries() as queries:
            response = stakeholder_client.get("/changelog")
        assert response.status_code == 200
        return len(queries)

    add_entries(5)
    queries_for_page()  # warm up: nothing the first request alone does is counted
    few = queries_for_page()
    add_entries(55)
    many = queries_for_page()
    assert len(entry_ids(stakeholder_client.get("/changelog").text)) == PAGE_SIZE
    assert many == few, (few, many)

    def queries_for_feed() -> int:
        with count_queries() as queries:
            response = stakeholder_client.get("/changelog.atom")
        assert response.status_code == 200
        return len(queries)

    assert queries_for_feed() <= few


@pytest.mark.parametrize("role", ["admin", "pm", "leader", "stakeholder"])
def test_every_role_reads_the_changelog_from_the_navigation(client_as, shipped, role):
    item = shipped()
    client = client_as(role)
    response = client.get("/changelog")
    assert response.status_code == 200
    assert entry_ids(response.text) == [item.id]
    nav = parse_html(client.get("/account").text).one('nav[aria-label="Main"]')
    assert [link.text for link in nav.select('a[href="/changelog"]')] == ["Changelog"]
    here = parse_html(response.text).one('nav[aria-label="Main"] a[aria-current="page"]')
    assert here["href"] == "/changelog"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/changelog")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# The feed ----------------------------------------------------------------------


def test_the_feed_is_valid_atom_with_every_release_note(leader_client, make, shipped):
    finance = make.department(name="Finance")
    product = make.product(name="Ledger", slug="ledger")
    ask = make.request(product, title="Close faster", department=finance)
    items = [
        shipped(product, DAY, "Closing is **automatic**.", [ask]),
        shipped(product, DAY - timedelta(days=3), "Reports load in a second."),
    ]
    response = leader_client.get("/changelog.atom")
    feed = read_feed(response)
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    assert response.headers["Cache-Control"] == "no-store"
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") and feed.findtext(f"{ATOM}id")
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Portfolio"
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated")).date() == DAY
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "self": "http://localhost/changelog.atom",
        "alternate": "http://localhost/changelog",
    }
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}id") for entry in entries] == [
        f"http://localhost/board/items/{item.id}" for item in items
    ]
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == f"Ledger: {items[0].title}"
    updated = datetime.fromisoformat(first.findtext(f"{ATOM}updated"))
    assert updated.date() == DAY and updated.utcoffset() == timedelta(0)
    link = first.find(f"{ATOM}link")
    assert link.get("rel") == "alternate" and link.get("href") == first.findtext(f"{ATOM}id")
    categories = {c.get("label") for c in first.findall(f"{ATOM}category")}
    assert categories == {"Ledger", "Finance"}
    content = first.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "Closing is <strong>automatic</strong>." in content.text
    assert f'href="http://localhost/requests/{ask.id}"' in content.text
    assert "Close faster" in content.text and "(Finance)" in content.text
    assert "Reports load in a second." in entries[1].find(f"{ATOM}content").text


def test_the_feed_takes_the_page_filters(stakeholder_client, make, shipped):
    crm, erp = make.product(), make.product()
    sales = make.department()
    wanted = shipped(crm, requests=[make.request(crm, department=sales)])
    shipped(crm)
    shipped(erp, requests=[make.request(erp, department=sales)])
    feed = read_feed(
        stakeholder_client.get(f"/changelog.atom?product={crm.id}&department={sales.id}")
    )
    ids = [entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")]
    assert ids == [f"http://localhost/board/items/{wanted.id}"]
    self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link == f"http://localhost/changelog.atom?product={crm.id}&department={sales.id}"
    assert read_feed(stakeholder_client.get("/changelog.atom?product=²")) is not None


def test_the_feed_holds_the_latest_fifty(stakeholder_client, make, shipped):
    product = make.product()
    items = [shipped(product, DAY - timedelta(days=n)) for n in range(FEED_SIZE + 3)]
    feed = read_feed(stakeholder_client.get("/changelog.atom"))
    ids = [entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")]
    assert ids == [f"http://localhost/board/items/{item.id}" for item in items[:FEED_SIZE]]


def test_an_empty_feed_is_still_valid(stakeholder_client):
    feed = read_feed(stakeholder_client.get("/changelog.atom"))
    assert feed.findall(f"{ATOM}entry") == []
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated"))


def test_text_xml_cannot_carry_is_dropped_not_a_broken_feed(stakeholder_client, make, shipped):
    product = make.product(name="Odd\x0bname")
    shipped(product, note="Bell \x07 and <angle> & ampersand")
    feed = read_feed(stakeholder_client.get("/changelog.atom"))
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title").startswith("Oddname: ")
    assert "&lt;angle&gt; &amp; ampersand" in entry.findtext(f"{ATOM}content")


def test_the_demo_feed_and_page_show_every_release_note(stakeholder_client, demo):
    released = (
        db.session.execute(
            db.select(RoadmapItem).where(
                RoadmapItem.column == Column.SHIPPED, RoadmapItem.shipped_on.is_not(None)
            )
        )
        .scalars()
        .all()
    )
    assert released and len(released) <= FEED_SIZE
    feed = read_feed(stakeholder_client.get("/changelog.atom"))
    contents = [entry.findtext(f"{ATOM}content") for entry in feed.findall(f"{ATOM}entry")]
    assert len(contents) == len(released)
    for item in released:
        assert any(str(item.release_note_markup) in content for content in contents), item
    page = stakeholder_client.get("/changelog")
    assert parse_html(page.text).one('[data-testid="result-count"]').text == (
        f"{len(released)} release note{'s' if len(released) != 1 else ''}"
    )
    shipped_requests = [ask for item in released for ask in item.requests]
    assert any(ask.status is RequestStatus.SHIPPED for ask in shipped_requests)


class TestConfiguredBaseUrl:
    @pytest.fixture
    def app_settings(self):
        return {"BASE_URL": "https://portfolio.example.com"}

    def test_feed_links_use_the_base_url_whatever_the_host_says(self, client, users, make, shipped):
        ask = make.request()
        shipped(requests=[ask])
        secret = create_or_rotate_feed_token(db.session, users["stakeholder"])
        db.session.commit()
        response = client.get(
            f"/changelog.atom?token={secret}", headers={"Host": "evil.example"}, csrf=False
        )
        feed = read_feed(response)
        assert "evil.example" not in response.text
        entry = feed.find(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}id").startswith("https://portfolio.example.com/board/")
        content = entry.findtext(f"{ATOM}content")
        assert f'href="https://portfolio.example.com/requests/{ask.id}"' in content
        for link in feed.iter(f"{ATOM}link"):
            assert link.get("href").startswith("https://portfolio.example.com/")
