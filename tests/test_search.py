"""Search everything (#15): /search across products, requests, roadmap items and
comments, grouped by kind and paged per kind, and the header box's suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portfolio.comments.threads import remove_comment
from portfolio.extensions import db
from portfolio.models import (
    Category,
    Column,
    Comment,
    Product,
    Request,
    RoadmapItem,
    Sourcing,
    Stage,
    Tag,
)
from portfolio.search.queries import (
    KINDS,
    RESULTS_PER_PAGE,
    SUGGESTIONS_PER_KIND,
    snippet,
)
from tests.helpers import assert_fragment, parse_html

SEARCH_KINDS = list(KINDS)


def group(page: str, kind: str):
    return parse_html(page).by_id(f"search-{kind}")


def titles(page: str, kind: str) -> list[str]:
    return [link.text for link in group(page, kind).select("a.search-hit-title")]


def links(page: str, kind: str) -> list[str | None]:
    return [link["href"] for link in group(page, kind).select("a.search-hit-title")]


def heading(page: str, kind: str) -> str:
    return group(page, kind).one("h2").text


def box(client, q: str):
    """The header box's suggestions, as htmx asks for them."""
    return client.hx_get("/search", query_string={"q": q, "box": "1"})


def options(fragment: str, kind: str | None = None) -> list:
    tree = parse_html(fragment)
    scope = tree.one(f'[role="group"][data-kind="{kind}"]') if kind else tree
    return scope.select('[role="option"]')


@pytest.fixture
def everything(make, users):
    """One of each kind whose words contain “Nebula”, and one of each that do not."""
    product = make.product(name="Nebula Ledger", slug="nebula-ledger")
    other = make.product(name="Plain Tool", summary="Nothing to see")
    request = make.request(other, title="Export the nebula report")
    item = make.item(other, title="Nebula sync", column=Column.NEXT)
    on_request = make.comment(request=make.request(other), body="What about NEBULA data?")
    make.request(other, title="Unrelated ask", description="none")
    make.item(other, title="Unrelated card")
    make.comment(product=other, body="No match here")
    return {"product": product, "request": request, "item": item, "comment": on_request}


# Finding each kind ------------------------------------------------------------------


def test_each_kind_is_found_and_links_to_its_page(stakeholder_client, everything):
    page = stakeholder_client.get("/search?q=nebula")
    assert page.status_code == 200
    assert links(page.text, "product") == ["/products/nebula-ledger"]
    assert links(page.text, "request") == [f"/requests/{everything['request'].id}"]
    assert links(page.text, "item") == [f"/board/items/{everything['item'].id}"]
    comment = everything["comment"]
    assert links(page.text, "comment") == [f"/requests/{comment.request_id}#comment-{comment.id}"]


def test_comments_link_to_their_thread_on_a_product_a_request_or_a_card(stakeholder_client, make):
    product = make.product(slug="atlas")
    on_product = make.comment(product=product, body="zephyr one")
    on_item = make.comment(item=make.item(product), body="zephyr two")
    on_request = make.comment(request=make.request(product), body="zephyr three")
    page = stakeholder_client.get("/search?q=zephyr").text
    assert set(links(page, "comment")) == {
        f"/products/atlas#comment-{on_product.id}",
        f"/board/items/{on_item.item_id}#comment-{on_item.id}",
        f"/requests/{on_request.request_id}#comment-{on_request.id}",
    }
    # The comment anchors exist on those pages.
    for url in links(page, "comment"):
        path, anchor = url.split("#")
        assert parse_html(stakeholder_client.get(path).text).by_id(anchor)


def test_products_are_found_by_name_summary_or_tag(stakeholder_client, make):
    make.product(name="Quasar", summary="plain")
    make.product(name="Plain one", summary="runs the quasar nightly")
    tagged = make.product(name="Plain two", summary="plain")
    tagged.tags.append(Tag(name="quasar-data"))
    make.product(name="Plain three", summary="plain")
    db.session.commit()
    page = stakeholder_client.get("/search?q=quasar").text
    assert sorted(titles(page, "product")) == ["Plain one", "Plain two", "Quasar"]
    # A product found by its tag says which tag.
    assert "quasar-data" in group(page, "product").text


def test_requests_and_items_are_found_by_description(stakeholder_client, make):
    make.request(title="Plain", description="Needs the pulsar feed")
    make.item(title="Plain card", description="Wire the PULSAR up")
    page = stakeholder_client.get("/search?q=pulsar").text
    assert titles(page, "request") == ["Plain"]
    assert titles(page, "item") == ["Plain card"]


def test_results_are_grouped_by_kind_in_order_with_counts(stakeholder_client, everything):
    page = stakeholder_client.get("/search?q=nebula").text
    groups = parse_html(page).by_id("search-results").select("section.search-group")
    assert [section.id for section in groups] == [f"search-{kind}" for kind in SEARCH_KINDS]
    assert heading(page, "product") == "Products (1)"
    assert heading(page, "request") == "Requests (1)"
    assert heading(page, "item") == "Roadmap items (1)"
    assert heading(page, "comment") == "Comments (1)"
    assert "4 results for “nebula”" in parse_html(page).one('[data-testid="result-count"]').text


def test_a_kind_with_no_match_says_so(stakeholder_client, make):
    make.product(name="Comet")
    page = stakeholder_client.get("/search?q=comet").text
    assert heading(page, "request") == "Requests (0)"
    assert "No requests match “comet”." in group(page, "request").text


def test_matching_ignores_case(stakeholder_client, make):
    make.product(name="Orbit Planner")
    for q in ("orbit", "ORBIT", "oRbIt pLaN"):
        assert titles(stakeholder_client.get("/search", query_string={"q": q}).text, "product") == [
            "Orbit Planner"
        ]


@pytest.mark.parametrize(
    "q, found",
    [
        ("100%", ["100% uptime"]),
        ("a_b", ["a_b report"]),
        ("\\", ["back\\slash"]),
    ],
)
def test_like_wildcards_are_taken_literally(stakeholder_client, make, q, found):
    for name in ("100% uptime", "1000 uptime", "a_b report", "axb report", "back\\slash"):
        make.product(name=name)
    page = stakeholder_client.get("/search", query_string={"q": q}).text
    assert titles(page, "product") == found


def test_title_matches_come_first_then_the_newest(stakeholder_client, make):
    product = make.product()
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    in_text_new = make.request(product, title="Newest", description="about kepler")
    in_title_old = make.request(product, title="Kepler old")
    in_title_new = make.request(product, title="Kepler new")
    in_text_old = make.request(product, title="Oldest", description="kepler too")
    for request, age in (
        (in_text_new, 0),
        (in_title_old, 30),
        (in_title_new, 10),
        (in_text_old, 40),
    ):
        request.created_at = now - timedelta(days=age)
    db.session.commit()
    page = stakeholder_client.get("/search?q=kepler").text
    assert titles(page, "request") == ["Kepler new", "Kepler old", "Newest", "Oldest"]


def test_retired_products_are_found_and_marked_retired(stakeholder_client, make):
    make.product(name="Vega old", stage=Stage.RETIRED)
    make.product(name="Vega new", stage=Stage.LIVE)
    page = stakeholder_client.get("/search?q=vega").text
    hits = group(page, "product").select("li.search-hit")
    marked = {hit.one("a").text: "Retired" in hit.text for hit in hits}
    assert marked == {"Vega old": True, "Vega new": False}
    suggestions = box(stakeholder_client, "vega").text
    marked = {
        option.one(".search-box-option-title").text: "Retired" in option.text
        for option in options(suggestions, "product")
    }
    assert marked == {"Vega old": True, "Vega new": False}


# What must not be found or shown ----------------------------------------------------


def test_removed_comments_are_not_found(stakeholder_client, make, users):
    request = make.request()
    kept = make.comment(request=request, body="sirius kept")
    removed = make.comment(request=request, body="sirius removed")
    remove_comment(db.session, removed, users["pm"])
    db.session.commit()
    page = stakeholder_client.get("/search?q=sirius").text
    assert links(page, "comment") == [f"/requests/{request.id}#comment-{kept.id}"]
    assert "sirius removed" not in page
    assert "sirius removed" not in box(stakeholder_client, "sirius").text


def test_html_in_a_comment_is_escaped_in_its_snippet(stakeholder_client, make):
    body = 'Look <script>alert("x")</script> <img src=x onerror=alert(1)> antares here'
    make.comment(request=make.request(title="<b>Bold</b> ask"), body=body)
    page = stakeholder_client.get("/search?q=antares").text
    snippet_html = group(page, "comment").one("p.search-hit-snippet").html
    assert "<script" not in snippet_html and "<img" not in snippet_html
    assert "&lt;script&gt;" in snippet_html
    assert "<mark>antares</mark>" in snippet_html
    assert "<b>Bold</b>" not in page
    assert (
        group(page, "comment")
        .one("p.search-hit-snippet")
        .text.startswith('Look <script>alert("x")</script>')
    )
    suggestions = box(stakeholder_client, "antares").text
    assert "<script" not in suggestions and "<b>" not in suggestions


# Bounds ----------------------------------------------------------------------------


def add_matching_rows(count: int, word: str) -> None:
    """`count` rows of each kind whose words contain `word` (in bulk: 200 of
    each through the factory would take long)."""
    product = Product(
        slug=f"{word}-home", name=f"{word} home", category=Category.CRM, sourcing=Sourcing.BUILT
    )
    db.session.add(product)
    db.session.flush()
    products, requests, items, comments = [], [], [], []
    for n in range(count):
        products.append(
            Product(
                slug=f"{word}-{n}",
                name=f"{word} {n}",
                category=Category.OTHER,
                sourcing=Sourcing.BOUGHT,
                stage=Stage.RETIRED if n % 2 else Stage.LIVE,
            )
        )
        requests.append(Request(product_id=product.id, title=f"{word} ask {n}"))
        items.append(
            RoadmapItem(
                product_id=product.id,
                title=f"{word} card {n}",
                column=Column.LATER,
                rank=f"{word}{n:05d}",
            )
        )
    db.session.add_all(products + requests + items)
    db.session.flush()
    for n, request in enumerate(requests):
        comments.append(Comment(request_id=request.id, body=f"{word} said {n}"))
    db.session.add_all(comments)
    db.session.commit()


def test_each_kind_shows_a_page_of_twenty_with_more_per_kind(stakeholder_client, app):
    add_matching_rows(25, "lyra")
    page = stakeholder_client.get("/search?q=lyra").text
    for kind in SEARCH_KINDS:
        assert len(titles(page, kind)) == RESULTS_PER_PAGE, kind
    assert heading(page, "product") == "Products (26)"
    assert heading(page, "request") == "Requests (25)"
    more = group(page, "request").one('a[rel="next"]')
    assert more.text == "More requests →"
    assert more["href"] == "/search?q=lyra&request_page=2"

    # Paging one kind keeps the others where they were.
    second = stakeholder_client.get(more["href"]).text
    assert len(titles(second, "request")) == 5
    assert len(titles(second, "product")) == RESULTS_PER_PAGE
    product_more = group(second, "product").one('a[rel="next"]')["href"]
    assert product_more == "/search?q=lyra&request_page=2&product_page=2"
    both = stakeholder_client.get(product_more).text
    assert len(titles(both, "product")) == 6
    assert len(titles(both, "request")) == 5
    # Every result appears once over the pages.
    assert set(titles(page, "request")) | set(titles(second, "request")) == {
        f"lyra ask {n}" for n in range(25)
    }


def test_a_page_past_the_end_shows_the_last_and_nonsense_pages_the_first(stakeholder_client, app):
    add_matching_rows(25, "lyra")
    past = stakeholder_client.get("/search?q=lyra&comment_page=99").text
    assert len(titles(past, "comment")) == 5
    for nonsense in ("0", "-1", "²", "x", "9" * 30):
        page = stakeholder_client.get("/search", query_string={"q": "lyra", "item_page": nonsense})
        assert page.status_code == 200
        assert len(titles(page.text, "item")) == RESULTS_PER_PAGE


def test_the_header_box_suggests_a_few_of_each_kind(stakeholder_client, app):
    add_matching_rows(25, "lyra")
    answer = box(stakeholder_client, "lyra")
    assert answer.status_code == 200
    assert_fragment(answer, '<div role="group"')
    tree = parse_html(answer.text)
    groups = tree.select('[role="group"]')
    assert [g["data-kind"] for g in groups] == SEARCH_KINDS
    for kind in SEARCH_KINDS:
        assert len(options(answer.text, kind)) == SUGGESTIONS_PER_KIND
        label = tree.one(f'[role="group"][data-kind="{kind}"]')["aria-labelledby"]
        assert tree.by_id(label).text == f"{KINDS[kind]} (more on the results page)"
    every = tree.select('[role="option"]')
    assert len({option.id for option in every}) == len(every)  # ids are unique
    assert every[-1]["href"] == "/search?q=lyra"
    assert every[-1].text == "See all results for “lyra”"


def test_the_header_box_answers_nothing_found_and_nothing_for_no_words(stakeholder_client, make):
    make.product(name="Draco")
    answer = box(stakeholder_client, "zzz-nothing")
    assert options(answer.text) and len(options(answer.text)) == 1
    assert options(answer.text)[0].text == "Nothing found for “zzz-nothing”: open the search page"
    for blank in ("", "   "):
        answer = box(stakeholder_client, blank)
        assert answer.status_code == 200
        assert "<html" not in answer.text
        assert options(answer.text) == []


def test_the_box_without_htmx_is_the_page(stakeholder_client, make):
    make.product(name="Draco")
    page = stakeholder_client.get("/search?q=draco&box=1")
    assert "<html" in page.text
    assert titles(page.text, "product") == ["Draco"]


def test_htmx_on_the_page_gets_its_results_only(stakeholder_client, make):
    make.product(name="Draco")
    answer = stakeholder_client.hx_get("/search?q=draco")
    assert_fragment(answer, '<section id="search-results"')
    assert titles(answer.text, "product") == ["Draco"]
    assert "HX-Request" in answer.headers["Vary"]


def queries_for(count_queries, client, url: str) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("box_flag", ["", "&box=1"])
def test_a_search_costs_the_same_for_one_match_or_two_hundred(
    app, client_for, users, count_queries, box_flag
):
    client = client_for(users["stakeholder"])
    headers = {"HX-Request": "true"} if box_flag else {}
    add_matching_rows(1, "few")
    add_matching_rows(200, "many")

    def cost(word: str) -> int:
        with count_queries() as statements:
            answer = client.get(f"/search?q={word}{box_flag}", headers=headers)
            assert answer.status_code == 200
        return len(statements)

    few, many = cost("few"), cost("many")
    assert few == many
    # And when nothing is asked, nothing is searched.
    assert cost("") < few


def test_suggestions_make_one_statement_per_kind(app, client_for, users, count_queries):
    client = client_for(users["stakeholder"])
    add_matching_rows(30, "lyra")
    with count_queries() as statements:
        box(client, "lyra")
    searches = [s for s in statements if "LIKE" in s.upper()]
    assert len(searches) == len(SEARCH_KINDS)


# Empty and long input --------------------------------------------------------------


@pytest.mark.parametrize("q", [None, "", "   ", "\t\n"])
def test_no_words_is_an_empty_state_not_an_error(stakeholder_client, q):
    page = stakeholder_client.get("/search", query_string=None if q is None else {"q": q})
    assert page.status_code == 200
    tree = parse_html(page.text)
    assert "Type a word or two" in tree.one('[data-testid="search-empty"]').text
    assert tree.select("section.search-group") == []


def test_a_query_over_a_hundred_characters_searches_its_first_hundred(stakeholder_client, make):
    words = "m" * 100
    make.product(name="x" + words)
    page = stakeholder_client.get("/search", query_string={"q": words + "Z"})
    assert page.status_code == 200
    assert len(titles(page.text, "product")) == 1
    assert "Only the first 100 characters were searched." in page.text
    field = parse_html(page.text).one("#search-page-q")
    assert field["value"] == words
    assert box(stakeholder_client, words + "Z").status_code == 200


def test_a_very_long_query_is_bounded(stakeholder_client):
    page = stakeholder_client.get("/search", query_string={"q": "%" * 5000})
    assert page.status_code == 200
    assert "“" + "%" * 100 + "”" in page.text
    assert "%" * 101 not in page.text


# The header box on every page -------------------------------------------------------


def test_every_signed_in_page_has_the_header_box(client_as):
    for role in ("admin", "pm", "leader", "stakeholder"):
        page = client_as(role).get("/account").text
        nav = parse_html(page).one('nav[aria-label="Main"]')
        form = nav.one("form.search-box")
        assert (form["method"], form["action"]) == ("get", "/search")
        field = form.one("input#search-box-q")
        assert field["name"] == "q"
        assert field["role"] == "combobox"
        assert field["aria-controls"] == "search-box-listbox"
        assert field["aria-expanded"] == "false"
        assert field["hx-get"] == "/search"
        assert "[" not in field["hx-trigger"]  # no trigger filters (the CSP forbids eval)
        assert form.one("#search-box-listbox")["role"] == "listbox"
        assert parse_html(page).one('label[for="search-box-q"]').text == "Search everything"


def test_the_login_page_has_no_search_box(client):
    page = client.get("/login").text
    assert "search-box" not in page


def test_the_search_page_does_not_fill_the_header_box(stakeholder_client, everything):
    page = stakeholder_client.get("/search?q=nebula").text
    assert parse_html(page).one("#search-box-listbox").select('[role="option"]') == []


# Snippets --------------------------------------------------------------------------


def test_a_snippet_is_a_window_around_the_first_match():
    text = "word " * 60 + "the Needle is here " + "tail " * 60
    before, match, after = snippet(text, "needle", length=60)
    assert match == "Needle"
    assert before.startswith("…") and after.endswith("…")
    assert len(before) + len(match) + len(after) <= 62
    assert snippet("short text", "text") == ("short ", "text", "")
    assert snippet("  spaced\n\n out  ", "zzz") == ("spaced out", "", "")
    assert snippet("x" * 300, "zzz", length=10) == ("x" * 10 + "…", "", "")
    assert snippet("100% sure", "100%") == ("", "100%", " sure")
