"""Response headers that every answer carries."""

from __future__ import annotations

from flask import Flask, Response, abort, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # SortableJS animates cards by setting their style and clones dragged
        # cards with it; style attributes cannot run script. <style> stays 'self'.
        "style-src-attr 'unsafe-inline'",
        # Pico draws its icons as data: SVG backgrounds.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def reject_nul_characters() -> None:
    """No form field or query parameter has a use for a NUL character, and
    PostgreSQL refuses to store one: answer 400 before anything is read."""
    if "\x00" in request.path:
        abort(404)
    for values in (request.args, request.form if request.method != "GET" else {}):
        for value in values.values():
            if "\x00" in value:
                abort(400, "The request contains a NUL character, which no field accepts.")


def register(app: Flask) -> None:
    production = app.config.get("ENV_NAME") == "production"
    app.before_request(reject_nul_characters)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            # Pages, downloads, API answers and new tokens are someone's own:
            # no shared cache or browser history may keep them.
            headers.setdefault("Cache-Control", "no-store")
        # Every answer may differ for htmx (pages, fragments, redirects, the 503
        # page), so every answer says so here, whichever way it was built.
        response.vary.add("HX-Request")
        return response
