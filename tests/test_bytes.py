"""Bytes on the wire: compressed answers, fingerprinted static files cached a year."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from flask import Response

from portfolio.auth.permissions import public
from portfolio.extensions import db
from portfolio.models import ApiToken
from portfolio.static_files import Fingerprints, fingerprint, with_digest
from tests.helpers import parse_html, without_csrf_tokens

IMMUTABLE = "public, max-age=31536000, immutable"
STATIC = Path(__file__).resolve().parent.parent / "static"


@pytest.fixture
def api_token(users) -> str:
    token, secret = ApiToken.issue(users["leader"], "bytes")
    db.session.add(token)
    db.session.commit()
    return secret


def board_html(client) -> str:
    response = client.get("/board")
    assert response.status_code == 200
    return response.text


# Compression


def test_a_page_is_sent_gzipped_to_a_browser_that_accepts_it(pm_client, make):
    make.item(make.product(name="Payroll"), title="Faster payslips")
    plain = pm_client.get("/board")
    zipped = pm_client.get("/board", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert (
        "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in zipped.headers["Vary"]
    )
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    html = gzip.decompress(zipped.data).decode()
    # Same page (only the per-request CSRF token may differ).
    assert without_csrf_tokens(html) == without_csrf_tokens(plain.text)
    assert "Faster payslips" in html


def test_brotli_is_preferred_when_offered(pm_client):
    response = pm_client.get("/board", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "<html" in brotli.decompress(response.data).decode()


def test_json_and_htmx_fragments_are_compressed_too(pm_client, api_token, client, make):
    for index in range(10):
        make.item(make.product(name=f"Product {index}"), title=f"Item {index}")
    api = client.get(
        "/api/board",
        headers={"Authorization": f"Bearer {api_token}", "Accept-Encoding": "gzip"},
    )
    assert api.status_code == 200 and api.headers["Content-Encoding"] == "gzip"
    assert b'"Item 3"' in gzip.decompress(api.data)
    fragment = pm_client.get("/board", headers={"HX-Request": "true", "Accept-Encoding": "gzip"})
    assert fragment.headers["Content-Encoding"] == "gzip"
    assert "<html" not in gzip.decompress(fragment.data).decode()


def test_small_answers_are_left_alone(client):
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.data) < 500
    assert "Content-Encoding" not in response.headers


def test_a_streamed_answer_is_sent_as_produced(app):
    @app.get("/stream")
    @public
    def stream():
        return Response((f"line {i}\n" * 50 for i in range(5)), mimetype="text/csv")

    response = app.test_client().get("/stream", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.is_streamed
    assert "Content-Encoding" not in response.headers
    assert response.text.startswith("line 0")


@pytest.mark.parametrize("weak", [True, False])
def test_conditional_requests_still_get_304_after_compression(app, weak):
    body = "<p>same revision</p>" * 100

    @app.get("/etagged")
    @public
    def etagged():
        response = Response(body, mimetype="text/html")
        response.set_etag("rev-7", weak=weak)
        return response

    client = app.test_client()
    first = client.get("/etagged", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag == ('W/"rev-7"' if weak else '"rev-7:gzip"')
    again = client.get("/etagged", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


# Fingerprinted static files


def test_pages_link_fingerprinted_static_files_cached_for_a_year(pm_client, make):
    make.item(make.product())
    page = parse_html(board_html(pm_client))
    urls = [link["href"] for link in page.select("link[href]")] + [
        script["src"] for script in page.select("script[src]")
    ]
    assert len(urls) >= 6
    for url in urls:
        match = re.fullmatch(r"/static/(.+)\.([0-9a-f]{12})(\.\w+)", url)
        assert match, url
        response = pm_client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE
        original = STATIC / (match[1] + match[3])
        assert response.data == original.read_bytes()
        assert match[2] == fingerprint(original)


def test_plain_and_out_of_date_names_revalidate_and_unknown_files_are_404(client):
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    stale = client.get("/static/css/app.000000000000.css")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert stale.data == (STATIC / "css/app.css").read_bytes()
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_static_files_are_compressed_and_revalidate_with_their_etag(client):
    url = "/static/" + with_digest("css/app.css", fingerprint(STATIC / "css/app.css"))
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == (STATIC / "css/app.css").read_bytes()
    etag = response.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_a_changed_file_gets_a_new_name(tmp_path):
    style = tmp_path / "css" / "site.css"
    style.parent.mkdir()
    style.write_text("body { color: black }")
    fingerprints = Fingerprints(tmp_path, watch_changes=True)
    first = fingerprints.url_filename("css/site.css")
    assert first == f"css/site.{fingerprint(style)}.css"
    assert fingerprints.resolve(first) == ("css/site.css", True)
    style.write_text("body { color: navy }")
    second = fingerprints.url_filename("css/site.css")
    assert second != first and second == f"css/site.{fingerprint(style)}.css"
    assert fingerprints.resolve(first) == ("css/site.css", False)  # served, not kept a year
    assert fingerprints.url_filename("css/missing.css") == "css/missing.css"
    assert fingerprints.url_filename("../secret.css") == "../secret.css"


def test_every_template_links_static_files_through_url_for():
    templates = Path(__file__).resolve().parent.parent / "templates"
    offenders = [
        path.name
        for path in templates.rglob("*.html")
        if re.search(r"""["']/static/""", path.read_text())
    ]
    assert offenders == []


def test_stylesheets_refer_to_no_file_that_a_fingerprint_would_break():
    """url(...) in our CSS is relative to the stylesheet, which keeps its folder."""
    for path in STATIC.rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", path.read_text()):
            if ref.startswith(("data:", "#")):  # inline, or an element of the same document
                continue
            assert (path.parent / ref.split("?")[0].split("#")[0]).is_file(), (path, ref)


def test_every_stylesheet_closes_each_block_it_opens():
    """A block left open (say by a merge) swallows every rule after it into a
    media query: the page still loads, only differently."""
    for path in STATIC.rglob("*.css"):
        if "vendor" in path.parts:
            continue
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        depth = 0
        for number, line in enumerate(text.splitlines(), 1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, (path, number)
        assert depth == 0, path
