"""The test helpers themselves: the HTML reader and the htmx client methods."""

from __future__ import annotations

import pytest
from flask import request

from portfolio.auth.permissions import public
from tests.helpers import options, parse_html, selected_values, textarea_text

PAGE = """<html><body>
<section id="board" class="board">
  <div class="card-list" id="cards-now">
    <article class="card card-now" id="card-3" data-item-id="3">
      <span class="card-product">Ledger &amp; Co</span>
      <input type="hidden" name="version" value="2"><br/>
    </article>
    <article class="card" id="card-4" data-item-id="4"><p>one<p>two</article>
  </div>
  <p class="column-more small"><a href="/board?all=1&amp;view=lanes">Show   1
     more card</a></p></span>
</section>
<form><select name="owner"><option value="">Nobody</option>
  <option selected value="7">Robin</option></select>
<textarea name="description">
Fewer **manual** matches.</textarea></form>
</body></html>"""


@pytest.mark.parametrize(
    "selector, ids",
    [
        ("article", ["card-3", "card-4"]),
        ("article.card.card-now", ["card-3"]),
        ("#card-4", ["card-4"]),
        ("[data-item-id]", ["card-3", "card-4"]),
        ('[data-item-id="4"]', ["card-4"]),
        ("[id^=card-]", ["card-3", "card-4"]),
        ("section#board > div > article", ["card-3", "card-4"]),
        ("section > article", []),
        ("section article.card", ["card-3", "card-4"]),
        ("*#cards-now", ["cards-now"]),
    ],
)
def test_select_finds_elements_in_document_order(selector, ids):
    assert [element.id for element in parse_html(PAGE).select(selector)] == ids


def test_text_is_what_a_reader_sees_and_html_what_the_server_sent():
    page = parse_html(PAGE)
    product = page.one("span.card-product")
    assert product.text == "Ledger & Co"
    assert product.html == '<span class="card-product">Ledger &amp; Co</span>'
    assert page.one("p.column-more > a").text == "Show 1 more card"
    assert page.one("p.column-more > a")["href"] == "/board?all=1&view=lanes"
    assert page.by_id("card-3").one("input")["value"] == "2"
    assert page.by_id("card-3").html.endswith("<br/>\n    </article>")
    # No HTML5 repair (our templates close their tags): an unclosed element nests
    # and ends with its parent; a stray end tag closes nothing.
    assert [p.text for p in page.by_id("card-4").select("p")] == ["onetwo", "two"]
    assert page.by_id("board").html.endswith("</section>")


def test_one_and_by_id_insist_on_exactly_one_match():
    page = parse_html(PAGE)
    with pytest.raises(AssertionError, match="2 elements match 'article'"):
        page.one("article")
    with pytest.raises(AssertionError, match="0 elements have id='card-9'"):
        page.by_id("card-9")
    with pytest.raises(TypeError):
        assert "Ledger" in page.by_id("card-3")


def test_form_readers():
    assert options(PAGE, "owner") == [("", "Nobody", False), ("7", "Robin", True)]
    assert selected_values(PAGE, "owner") == ["7"]
    assert textarea_text(PAGE, "description") == "Fewer **manual** matches."
    with pytest.raises(AssertionError, match="0 <select name='missing'>"):
        options(PAGE, "missing")


def test_hx_requests_send_what_htmx_sends(app, client):
    @app.route("/echo-htmx", methods=["GET", "POST"])
    @public
    def echo():
        return {name: request.headers.get(name) for name in ("HX-Request", "HX-Boosted")}

    assert client.get("/echo-htmx").json == {"HX-Request": None, "HX-Boosted": None}
    assert client.hx_get("/echo-htmx").json == {"HX-Request": "true", "HX-Boosted": None}
    assert client.hx_post("/echo-htmx", headers={"HX-Boosted": "true"}).json == {
        "HX-Request": "true",
        "HX-Boosted": "true",
    }
