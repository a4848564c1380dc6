"""Compressed answers (Flask-Compress), since the embedded server has no proxy
in front to do it.

Pages, fragments, JSON, CSV, feeds, stylesheets, scripts and SVG are sent
brotli- or gzip-encoded when the browser accepts it (brotli first), with
`Vary: Accept-Encoding`. Left as they are: answers under 500 bytes (the
headers would outweigh the saving), other types (images, server-sent events),
and streamed answers other than static files — a generator is sent as it is
produced, never buffered. Static files (streamed from disk) are compressed
chunk by chunk.

ETags. Flask-Compress leaves a weak ETag (`W/"…"`) alone and appends the
encoding to a strong one (`"abc"` → `"abc:br"`), then re-evaluates the
conditional request (COMPRESS_EVALUATE_CONDITIONAL_REQUEST, on), so a browser
that sends back the ETag it received still gets its 304. Pages should use weak
ETags: the same revision sent as gzip, brotli or plain is the same page, and a
handler that answers 304 early compares the browser's `W/"…"` unchanged.

The hook is registered before every other after_request hook, so it runs last,
on the final body and headers.
"""

from __future__ import annotations

from flask import Flask, Response, request

from portfolio.extensions import compress

MIMETYPES = [
    "text/html",
    "text/css",
    "text/csv",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/atom+xml",
    "image/svg+xml",
]


def register(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_EVALUATE_CONDITIONAL_REQUEST", True)
    app.config["COMPRESS_REGISTER"] = False  # our hook below decides about streams
    compress.init_app(app)

    @app.after_request
    def compress_answer(response: Response) -> Response:
        if response.is_streamed and request.endpoint != "static":
            return response
        return compress.after_request(response)
