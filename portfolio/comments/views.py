from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.comments.forms import CommentForm
from portfolio.comments.threads import (
    TARGETS,
    edit_comment,
    load_target,
    may_delete,
    may_edit,
    post_comment,
    target_url,
)
from portfolio.extensions import db
from portfolio.htmx import is_partial, render
from portfolio.markdown import render_markdown
from portfolio.models import Comment

bp = Blueprint("comments", __name__, url_prefix="/comments")
bp.add_app_template_global(may_edit)
bp.add_app_template_global(may_delete)
bp.add_app_template_filter(render_markdown, "markdown")


@bp.post("/<kind>/<int:target_id>")
@requires("comment")
def create(kind: str, target_id: int):
    if kind not in TARGETS:
        abort(404)
    target = load_target(db.session, kind, target_id)
    if target is None:
        abort(404)
    form = CommentForm()
    if not form.validate():
        if not is_partial():
            return render("comments/new.html", form=form, kind=kind, target=target, status=422)
        response = render(
            "comments/_form.html", form=form, kind=kind, target_id=target_id, status=422
        )
        # Show the errors in the form itself rather than in the comment list.
        response.headers["HX-Retarget"] = f"#comment-form-{kind}-{target_id}"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    comment = post_comment(db.session, kind, target, current_user, form.body.data)
    db.session.commit()
    if not is_partial():
        return redirect(target_url(comment))
    # The new comment is appended to the list; a fresh form replaces the old one.
    new_comment = render_template("comments/_comment.html", comment=comment)
    fresh_form = render_template(
        "comments/_form.html",
        form=CommentForm(formdata=None),
        kind=kind,
        target_id=target_id,
        oob=True,
    )
    response = make_response(new_comment + fresh_form)
    response.vary.add("HX-Request")
    return response


def load_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    return comment


@bp.get("/<int:comment_id>")
@requires("browse")
def show(comment_id: int):
    comment = load_comment(comment_id)
    if not is_partial():
        return redirect(target_url(comment))
    return render("comments/_comment.html", comment=comment)


@bp.route("/<int:comment_id>/edit", methods=["GET", "POST"])
@requires("comment")
def edit(comment_id: int):
    comment = load_comment(comment_id)
    if not may_edit(comment, current_user):
        abort(403)
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        edit_comment(comment, form.body.data)
        db.session.commit()
        if not is_partial():
            return redirect(target_url(comment))
        return render("comments/_comment.html", comment=comment)
    status = 422 if form.is_submitted() else 200
    template = "comments/_edit_form.html" if is_partial() else "comments/edit.html"
    return render(template, form=form, comment=comment, status=status)


@bp.post("/<int:comment_id>/delete")
@requires("comment")
def delete(comment_id: int):
    comment = load_comment(comment_id)
    if not may_delete(comment, current_user):
        abort(403)
    back = target_url(comment).split("#")[0]
    db.session.delete(comment)
    db.session.commit()
    if is_partial():
        return "", 200  # htmx swaps the comment for nothing
    return redirect(back)
