from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.auth.sessions import local_path
from portfolio.comments.forms import CommentForm
from portfolio.comments.threads import load_thread
from portfolio.extensions import db
from portfolio.htmx import is_partial, render, render_fragment
from portfolio.models import Product, Request, RequestStatus
from portfolio.requests.forms import RequestForm, TriageForm, VoteForm, duplicate_source
from portfolio.requests.queries import (
    SORTS,
    RequestFilters,
    answering_items,
    duplicates_of,
    request_detail,
    request_page,
)
from portfolio.requests.submissions import submit_request
from portfolio.requests.triage import TriageError, allowed_statuses, change_status
from portfolio.requests.votes import VotingClosed, cast_vote, vote_state, withdraw_vote
from portfolio.selects import department_source, filter_options, product_source, search_options

bp = Blueprint("requests", __name__)
bp.add_app_template_global(RequestStatus, "RequestStatus")


@bp.get("/requests")
@requires("browse")
def index():
    filters = RequestFilters.from_args(request.args)
    page = request_page(db.session, filters, current_user.id)
    return render(
        "requests/index.html",
        "results",
        page=page,
        filters=filters,
        products=filter_options(product_source(retired=True), filters.product_id),
        departments=filter_options(department_source(), filters.department_id),
        statuses=RequestStatus,
        sorts=SORTS,
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@requires("submit_request")
def create():
    form = RequestForm()
    if request.method == "GET":
        slug = request.args.get("product")
        if slug:
            product_id = db.session.execute(
                db.select(Product.id).where(Product.slug == slug)
            ).scalar()
            form.product_id.data = product_id
        form.department_id.data = current_user.department_id
    if form.validate_on_submit():
        product_request = submit_request(
            db.session,
            current_user,
            product_id=form.product_id.data,
            title=form.title.data,
            description=form.description.data,
            department_id=form.department_id.data,
        )
        db.session.commit()
        flash("Request submitted. Colleagues can now vote for it.", "success")
        return redirect(url_for("requests.show", request_id=product_request.id))
    return render("requests/new.html", form=form, status=422 if form.is_submitted() else 200)


def detail_context(product_request: Request, triage_form: TriageForm | None = None) -> dict:
    votes, voted = vote_state(db.session, product_request.id, current_user.id)
    answering = db.session.execute(answering_items(product_request.id)).scalars().all()
    context = {
        "product_request": product_request,
        "votes": votes,
        "voted": voted,
        "answering": answering,
        "can_promote": not answering
        and product_request.is_open
        and current_user.can("manage_roadmap"),
        "duplicates": db.session.execute(duplicates_of(product_request.id)).scalars().all(),
        "thread": load_thread(
            db.session, "request", product_request.id, CommentForm(formdata=None)
        ),
        "triage_form": None,
        "allowed_statuses": [],
    }
    if current_user.can("triage_requests"):
        context["allowed_statuses"] = allowed_statuses(product_request)
        context["triage_form"] = triage_form or TriageForm(formdata=None, request=product_request)
    return context


@bp.get("/requests/<int:request_id>/duplicate-options")
@requires("triage_requests")
def duplicate_options(request_id: int):
    """The triage form's "duplicate of" options matching a search (htmx)."""
    product_request = db.get_or_404(Request, request_id)
    return render_fragment(
        "macros/_search_options.html",
        **search_options(duplicate_source(product_request), request.args),
    )


@bp.get("/requests/<int:request_id>")
@requires("browse")
def show(request_id: int):
    product_request = db.one_or_404(request_detail(request_id))
    return render("requests/show.html", **detail_context(product_request))


@bp.post("/requests/<int:request_id>/vote")
@requires("vote")
def vote(request_id: int):
    product_request = db.get_or_404(Request, request_id)
    form = VoteForm()
    if not form.validate() or form.state.data not in ("on", "off"):
        abort(400, "Say whether to add or remove the vote.")
    status = 200
    message = None
    if form.state.data == "on":
        try:
            cast_vote(db.session, product_request, current_user)
        except VotingClosed as closed:
            message, status = str(closed), 409
    else:
        withdraw_vote(db.session, product_request, current_user)
    db.session.commit()
    if not is_partial():
        if message:
            flash(message, "error")
        back = request.referrer
        if not (back and local_path(back) is not None):
            back = url_for("requests.show", request_id=product_request.id)
        return redirect(back)
    votes, voted = vote_state(db.session, product_request.id, current_user.id)
    return render_fragment(
        "requests/_vote.html",
        product_request=product_request,
        votes=votes,
        voted=voted,
        vote_message=message,
        status=status,
    )


@bp.post("/requests/<int:request_id>/status")
@requires("triage_requests")
def triage(request_id: int):
    product_request = db.one_or_404(request_detail(request_id))
    form = TriageForm(request=product_request)
    if form.validate():
        target = None
        if form.duplicate_of.data:
            target = db.session.get(Request, form.duplicate_of.data)
        try:
            change_status(
                db.session,
                product_request,
                RequestStatus(form.status.data),
                current_user,
                reason=form.reason.data,
                duplicate_of=target,
            )
            db.session.commit()
            flash(f"Request is now {product_request.status.label.lower()}.", "success")
            return redirect(url_for("requests.show", request_id=product_request.id))
        except TriageError as refused:
            db.session.rollback()
            product_request = db.one_or_404(request_detail(request_id))
            form[refused.field].errors = [*form[refused.field].errors, str(refused)]
    return render(
        "requests/show.html", status=422, **detail_context(product_request, triage_form=form)
    )
