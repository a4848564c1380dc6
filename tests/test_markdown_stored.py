"""Markdown is rendered once when saved, with a bounded parse (issue #12, item 1)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portfolio import markdown
from portfolio.extensions import db
from portfolio.markdown import MAX_MARKDOWN_LENGTH, RENDERER_VERSION, render_markdown
from portfolio.models import Comment, Request, RoadmapItem
from tests.helpers import make_app

# Bodies under the length limit that made markdown-it-py take 0.1–1 s each
# (delimiter matching is superlinear in the number of delimiters).
PATHOLOGICAL = {
    "emphasis runs": "*a_" * 6666,
    "open brackets": "[" * 20000,
    "unclosed links": "[a](" * 5000,
    "image openers": "![" * 10000,
    "mixed delimiters": "*_" * 10000,
    "strong runs": "a**" * 6666,
    "strikethrough runs": "~~a" * 6666,
    "huge table": ("|a" * 100 + "|\n") + ("|-" * 100 + "|\n") + ("|x" * 100 + "|\n") * 60,
}


@pytest.fixture
def parser_calls(monkeypatch):
    """Counts markdown-it parses (each costs time that a view must not spend)."""
    calls = []
    real = markdown._parser

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(markdown, "_parser", counting)
    return calls


@pytest.mark.parametrize("body", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_bodies_are_shown_as_plain_text_without_parsing(body, parser_calls):
    assert len(body) <= MAX_MARKDOWN_LENGTH
    html = render_markdown(body)
    assert parser_calls == []  # bounded: linear escaping, no delimiter matching
    assert html.startswith("<p>")
    assert "<em>" not in html and "<a " not in html and "<table>" not in html


def test_ordinary_markdown_is_still_markdown(parser_calls):
    html = render_markdown(
        "**Bold** and _italic_, a [link](https://example.test)\n\n| a |\n|---|\n| 1 |"
    )
    assert "<strong>Bold</strong>" in html and "<em>italic</em>" in html
    assert '<a href="https://example.test" rel="nofollow noopener">link</a>' in html
    assert "<table>" in html
    assert parser_calls == [1]


def test_plain_text_fallback_escapes_everything():
    body = "<script>alert(1)</script> " + "*" * 2000 + "\n<img src=x onerror=alert(1)>"
    html = render_markdown(body)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_saving_stores_the_html_and_editing_renders_it_again(app, make):
    product = make.product()
    comment = make.comment(body="**first**", product=product)
    assert comment.body_html == "<p><strong>first</strong></p>\n"
    assert comment.markdown_version == RENDERER_VERSION

    comment.body = "_second_"
    db.session.commit()
    assert db.session.get(Comment, comment.id).body_html == "<p><em>second</em></p>\n"

    request = make.request(product=product, description="A [link](javascript:alert(1))")
    assert "href" not in request.description_html  # shown as text, never a link
    item = make.item(product=product, description="# Title", release_note="- shipped")
    assert item.description_html == "<h3>Title</h3>\n"
    assert item.release_note_html == "<ul>\n<li>shipped</li>\n</ul>\n"
    item.release_note = None
    db.session.commit()
    assert db.session.get(RoadmapItem, item.id).release_note_html is None


def test_a_page_of_pathological_comments_parses_nothing(app, make, client_as, parser_calls):
    """25 worst-case comments cost the page what 25 plain ones do: no parsing."""
    request = make.request(description="plain")
    for body in list(PATHOLOGICAL.values()) * 3 + ["**x**"]:
        make.comment(body=body, request=request)
    del parser_calls[:]  # rendering at save time is allowed; viewing is not

    response = client_as("stakeholder").get(f"/requests/{request.id}")

    assert response.status_code == 200
    assert parser_calls == []
    assert response.text.count('class="comment-body markdown"') == 25
    assert "<strong>x</strong>" in response.text


def test_rerender_command_renders_outdated_rows(app, make):
    product = make.product()
    comment = make.comment(body="**a**", product=product)
    request = make.request(product=product, description="_b_")
    db.session.execute(sa.update(Comment).values(body_html="stale", markdown_version=1))
    db.session.execute(sa.update(Request).values(description_html=None, markdown_version=None))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["rerender-markdown"])

    assert result.exit_code == 0, result.output
    assert "Rendered 2 row(s)" in result.output
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body_html == "<p><strong>a</strong></p>\n"
    assert db.session.get(Request, request.id).description_html == "<p><em>b</em></p>\n"
    again = app.test_cli_runner().invoke(args=["rerender-markdown"])
    assert "Rendered 0 row(s)" in again.output
    everything = app.test_cli_runner().invoke(args=["rerender-markdown", "--all"])
    assert "Rendered 2 row(s)" in everything.output


def test_a_row_written_without_html_is_rendered_on_view(app, make):
    """Bulk inserts skip the ORM listener; the page still shows safe HTML."""
    product = make.product()
    db.session.execute(sa.insert(Comment).values(body="**bulk** <b>x</b>", product_id=product.id))
    db.session.commit()
    comment = db.session.execute(sa.select(Comment)).scalar_one()
    assert comment.body_html is None
    assert str(comment.body_markup) == "<p><strong>bulk</strong> &lt;b&gt;x&lt;/b&gt;</p>\n"


def test_the_migration_renders_existing_rows(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0006")
        db.session.execute(
            sa.text(
                "INSERT INTO product (id, slug, name, category, summary, stage, sourcing,"
                " created_at, updated_at) VALUES (1, 'p', 'P', 'crm', 's', 'live', 'built',"
                " '2026-01-01', '2026-01-01')"
            )
        )
        db.session.execute(
            sa.text(
                "INSERT INTO comment (id, body, product_id, created_at)"
                " VALUES (1, '**old**', 1, '2026-01-01')"
            )
        )
        db.session.commit()
        upgrade()
        row = db.session.execute(
            sa.text("SELECT body_html, markdown_version FROM comment WHERE id = 1")
        ).one()
        assert tuple(row) == ("<p><strong>old</strong></p>\n", RENDERER_VERSION)
        db.session.remove()
        db.engine.dispose()


def test_text_over_the_limit_is_refused_with_a_clear_error(make, client_as):
    request = make.request()
    client = client_as("stakeholder")
    too_long = "a" * (MAX_MARKDOWN_LENGTH + 1)

    posted = client.post(f"/comments/request/{request.id}", data={"body": too_long})

    assert posted.status_code == 422
    assert "Keep it under 20,000 characters" in posted.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(Comment)).scalar() == 0


def test_comments_are_rate_limited_per_person_with_a_clear_message(app, make, client_as):
    app.config["COMMENT_RATE_LIMIT"] = "3 per minute"
    request = make.request()
    writer, colleague = client_as("stakeholder"), client_as("pm")
    for n in range(3):
        assert (
            writer.post(f"/comments/request/{request.id}", data={"body": f"c{n}"}).status_code
            == 302
        )
    refused = writer.hx_post(f"/comments/request/{request.id}", data={"body": "one more"})
    assert refused.status_code == 429
    assert "commenting faster than anyone can read" in refused.text
    # Another person is not slowed down by it.
    assert (
        colleague.post(f"/comments/request/{request.id}", data={"body": "mine"}).status_code == 302
    )
    assert db.session.execute(sa.select(sa.func.count()).select_from(Comment)).scalar() == 4
