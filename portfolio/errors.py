"""Error answers: a page in the layout, or a bare fragment for htmx."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, current_app, make_response, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from portfolio.api.auth import problem
from portfolio.extensions import db
from portfolio.htmx import is_htmx, render

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your role does not allow this. Ask an administrator if you need it."),
    404: ("Not found", "There is nothing at this address. It may have been removed or renamed."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Changed meanwhile", "Someone else changed this first. Reload to see their change."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    422: ("Check the form", "Some fields need your attention."),
    429: ("Too many requests", "Too many requests in a short time. Wait a minute and try again."),
    503: (
        "Temporarily unavailable",
        "The database cannot be reached right now. Try again in a minute.",
    ),
    500: ("Something went wrong", "An unexpected error happened. It has been logged."),
}

CSRF_MESSAGE = (
    "This form's security token is missing or no longer valid (for example after you "
    "signed out in another tab). Reload the page and submit again."
)


def error_page(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, (f"Error {code}", ""))
    return render(
        "errors/error.html",
        "error",
        code=code,
        title=title,
        message=message or default_message,
        status=code,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_page(400, CSRF_MESSAGE)

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # No URL can be built for a host outside TRUSTED_HOSTS, so no page
        # either (the layout builds links): a plain answer.
        response = make_response("This host name is not served here.\n", 400)
        response.mimetype = "text/plain"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if is_api_request():
            title = MESSAGES.get(error.code, (error.name, ""))[0]
            response = problem(error.code, title, error.description or title)
        else:
            custom = error.code in (400, 403, 409, 429) and _custom(error)
            response = error_page(error.code, error.description if custom else None)
        # Keep what the exception says about itself: Allow on 405, Retry-After…
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        with suppress(DBAPIError):
            db.session.rollback()
        if error.connection_invalidated or _is_connection_problem(error):
            current_app.logger.warning("database unavailable: %s", error)
            return database_unavailable()
        current_app.logger.exception("database error")
        return server_error_answer()

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return server_error_answer()


def is_api_request() -> bool:
    """JSON clients get problem documents, whatever went wrong and where."""
    return request.path.startswith("/api/")


def server_error_answer():
    if is_api_request():
        return problem(500, MESSAGES[500][0], MESSAGES[500][1])
    return error_page(500)


def database_unavailable():
    """503 without touching the database (the layout would, to show who is signed in)."""
    if is_api_request():
        response = problem(503, MESSAGES[503][0], MESSAGES[503][1])
        response.headers["Retry-After"] = "15"
        return response
    if is_htmx():
        body = (
            '<section class="error-page" data-status="503"><p>'
            + MESSAGES[503][1]
            + "</p></section>"
        )
    else:
        # Straight from the environment: render_template's context processors
        # would look up the signed-in user in the very database that is down.
        body = current_app.jinja_env.get_template("errors/unavailable.html").render()
    response = make_response(body, 503)
    response.headers["Retry-After"] = "15"
    return response


def _custom(error: HTTPException) -> bool:
    """A description passed to abort(), rather than werkzeug's generic text."""
    return error.description != type(error).description


def _is_connection_problem(error: DBAPIError) -> bool:
    return isinstance(error, OperationalError)
