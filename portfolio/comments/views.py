from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.comments.forms import CommentForm
from portfolio.comments.threads import (
    TARGETS,
    comment_count,
    edit_comment,
    may_delete,
    may_edit,
    post_comment,
    remove_comment,
    thread_of,
)
from portfolio.extensions import db, limiter
from portfolio.htmx import is_partial, render, render_blocks, render_fragment, retarget
from portfolio.models import Comment

bp = Blueprint("comments", __name__, url_prefix="/comments")
bp.add_app_template_global(may_edit)
bp.add_app_template_global(may_delete)

# `<kind>` in a URL is one of TARGETS: any other word is a 404.
KINDS = f"any({', '.join(TARGETS)})"


def target_url(comment: Comment) -> str:
    """The page the comment is on, scrolled to it."""
    if comment.request_id:
        url = url_for("requests.show", request_id=comment.request_id)
    elif comment.item_id:
        url = url_for("board.show", item_id=comment.item_id)
    else:
        url = url_for("catalogue.show", slug=comment.product.slug)
    return f"{url}#comment-{comment.id}"


COMMENTING_TOO_FAST = (
    "You are commenting faster than anyone can read: wait a minute and post again "
    "(your text is still in the form)."
)


def commenter_key() -> str:
    """Comments are limited per person (anonymous requests never reach the view)."""
    user_id = getattr(current_user, "id", None)
    return f"comment-user:{user_id}" if user_id else f"comment-address:{get_remote_address()}"


@bp.post(f"/<{KINDS}:kind>/<int:target_id>")
@requires("comment")
@limiter.limit(
    lambda: current_app.config["COMMENT_RATE_LIMIT"],
    key_func=commenter_key,
    error_message=COMMENTING_TOO_FAST,
)
def create(kind: str, target_id: int):
    model, _ = TARGETS[kind]
    target = db.get_or_404(model, target_id)
    form = CommentForm()
    if not form.validate():
        if not is_partial():
            return render("comments/new.html", form=form, kind=kind, target=target, status=422)
        # Show the errors in the form itself rather than in the comment list.
        answer = render_fragment(
            "comments/_form.html", form=form, kind=kind, target_id=target_id, status=422
        )
        return retarget(answer, f"#comment-form-{kind}-{target_id}")
    comment = post_comment(db.session, kind, target, current_user, form.body.data)
    db.session.commit()
    if not is_partial():
        return redirect(target_url(comment))
    # The new comment is appended to the list; a fresh form replaces the old
    # one and the heading's count follows, both out of band.
    return render_blocks(
        "comments/_posted.html",
        ["comment", "form", "count"],
        comment=comment,
        form=CommentForm(formdata=None),
        kind=kind,
        target_id=target_id,
        count=comment_count(db.session, kind, target_id),
    )


@bp.get("/<int:comment_id>")
@requires("browse")
def show(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    if not is_partial():
        return redirect(target_url(comment))
    return render_fragment("comments/_comment.html", comment=comment)


@bp.route("/<int:comment_id>/edit", methods=["GET", "POST"])
@requires("comment")
def edit(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    if not may_edit(comment, current_user):
        abort(403)
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        edit_comment(db.session, comment, form.body.data, current_user)
        db.session.commit()
        if not is_partial():
            return redirect(target_url(comment))
        return render_fragment("comments/_comment.html", comment=comment)
    status = 422 if form.is_submitted() else 200
    return render("comments/edit.html", "form", form=form, comment=comment, status=status)


@bp.post("/<int:comment_id>/delete")
@requires("comment")
def delete(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    if not may_delete(comment, current_user):
        abort(403)
    back = target_url(comment).split("#")[0]
    kind, target_id = thread_of(comment)
    remove_comment(db.session, comment, current_user)
    db.session.commit()
    if is_partial():
        # htmx swaps the comment for nothing, and the heading's count out of band.
        count = comment_count(db.session, kind, target_id)
        return render_fragment(
            "comments/_count.html", kind=kind, target_id=target_id, count=count, oob=True
        )
    return redirect(back)
