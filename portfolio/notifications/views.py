from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, g, make_response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portfolio.auth.permissions import requires
from portfolio.extensions import db
from portfolio.filters import parse_page, search_text
from portfolio.htmx import is_partial, render, render_blocks, render_fragment
from portfolio.models import Notification, Product, Request, RoadmapItem
from portfolio.notifications.inbox import (
    bell_text,
    mark_all_read,
    notifications_page,
    open_notification,
    unread_count,
)
from portfolio.notifications.mentions import suggestions
from portfolio.notifications.watches import KINDS, is_watching, kind_of, unwatch, watch

bp = Blueprint("notifications", __name__)

# `<kind>` in a watch URL is one of KINDS: any other word is a 404.
WATCHABLE = f"any({', '.join(KINDS)})"
# The comment boxes a suggestion may be typed into (portfolio.comments: comment-body-<kind>-<id>).
MENTION_FIELD = re.compile(r"comment-body-(product|request|item)-\d{1,10}")


@bp.app_template_global()
def unread_notifications() -> int:
    """The signed-in person's unread count, counted once per request."""
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(db.session, current_user.id)
    return g.unread_notifications


@bp.app_template_global()
def bell_poll_seconds() -> int:
    return current_app.config["BELL_POLL_SECONDS"]


bp.add_app_template_global(bell_text)


def thing_url(target: Product | Request | RoadmapItem) -> str:
    if isinstance(target, Request):
        return url_for("requests.show", request_id=target.id)
    if isinstance(target, RoadmapItem):
        return url_for("board.show", item_id=target.id)
    return url_for("catalogue.show", slug=target.slug)


@bp.app_template_global()
def notification_url(notification: Notification) -> str:
    """Where a notification leads: its request, else its card, else its product."""
    target = notification.request or notification.item or notification.product
    return thing_url(target) if target is not None else url_for("notifications.index")


# The bell and the list ---------------------------------------------------------------


@bp.get("/notifications")
@requires("browse")
def index():
    page, days = notifications_page(db.session, current_user, parse_page(request.args.get("page")))
    return render("notifications/index.html", "list", page=page, days=days)


@bp.get("/notifications/bell")
@requires("browse")
def bell():
    """The bell, for the page's poll: 204 (nothing to swap) while the count it
    shows (`shown`) is still right. One query besides signing in."""
    count = unread_count(db.session, current_user.id)
    if request.args.get("shown") == bell_text(count):
        response = make_response("", 204)
        response.vary.add("HX-Request")
        return response
    return render_fragment("notifications/_bell.html", unread=count, oob=False)


@bp.get("/notifications/<int:notification_id>")
@requires("browse")
def show(notification_id: int):
    """Follow a notification: it (and the others about the same thing) is read."""
    notification = db.one_or_404(
        db.select(Notification)
        .where(Notification.id == notification_id, Notification.user_id == current_user.id)
        .options(
            joinedload(Notification.request),
            joinedload(Notification.item),
            joinedload(Notification.product),
        )
    )
    open_notification(db.session, current_user, notification)
    db.session.commit()
    return redirect(notification_url(notification))


@bp.post("/notifications/read")
@requires("browse")
def read_all():
    count = mark_all_read(db.session, current_user)
    db.session.commit()
    message = "No unread notifications." if not count else f"{count} marked read."
    if not is_partial():
        flash(message, "success")
        return redirect(url_for("notifications.index"))
    page, days = notifications_page(db.session, current_user, parse_page(request.form.get("page")))
    return render_blocks(
        "notifications/index.html", ["list", "bell"], page=page, days=days, unread=0, oob=True
    )


# Watching ---------------------------------------------------------------------------


def _watch_answer(kind: str, target_id: int, change) -> object:
    model, _ = KINDS[kind]
    target = db.get_or_404(model, target_id)
    change(db.session, current_user, target)
    db.session.commit()
    if not is_partial():
        flash(
            "You will hear about it."
            if change is watch
            else "You will hear nothing more about it.",
            "success",
        )
        return redirect(thing_url(target))
    return render_fragment(
        "notifications/_watch.html",
        target=target,
        watching=is_watching(db.session, current_user, target),
    )


@bp.post(f"/watch/<{WATCHABLE}:kind>/<int:target_id>")
@requires("browse")
def watch_target(kind: str, target_id: int):
    return _watch_answer(kind, target_id, watch)


@bp.post(f"/unwatch/<{WATCHABLE}:kind>/<int:target_id>")
@requires("browse")
def unwatch_target(kind: str, target_id: int):
    return _watch_answer(kind, target_id, unwatch)


bp.add_app_template_global(kind_of, "watch_kind")


@bp.app_template_global()
def is_watched(target: Product | Request | RoadmapItem) -> bool:
    """Whether the signed-in person follows `target`: one query, made only by
    the pages that draw its watch button."""
    return is_watching(db.session, current_user, target)


# Mentions ----------------------------------------------------------------------------


@bp.get("/people/suggest")
@requires("browse")
def suggest():
    """Up to eight colleagues matching `q`, with the handle to type: buttons
    that fill the comment box `field` in, or a page to read without JavaScript."""
    query = search_text(request.args)
    field = request.args.get("field", "")
    return render(
        "notifications/people.html",
        "suggestions",
        people=suggestions(db.session, query),
        q=query,
        field=field if MENTION_FIELD.fullmatch(field) else None,
    )
