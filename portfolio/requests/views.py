from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.activity.trail import record
from portfolio.auth.permissions import requires
from portfolio.comments.forms import CommentForm
from portfolio.comments.threads import load_thread
from portfolio.extensions import db
from portfolio.htmx import is_partial, render
from portfolio.models import Department, Product, Request, RequestStatus
from portfolio.requests.forms import RequestForm, TriageForm, VoteForm, duplicate_candidates_list
from portfolio.requests.queries import (
    SORTS,
    RequestFilters,
    duplicates_of,
    request_detail,
    request_page,
)
from portfolio.requests.triage import TriageError, allowed_statuses, change_status
from portfolio.requests.votes import VotingClosed, cast_vote, vote_state, withdraw_vote

bp = Blueprint("requests", __name__)


@bp.get("/requests")
@requires("browse")
def index():
    filters = RequestFilters.from_args(request.args)
    page = request_page(db.session, filters, current_user.id)
    products = db.session.execute(db.select(Product.id, Product.name).order_by(Product.name)).all()
    departments = db.session.execute(
        db.select(Department.id, Department.name).order_by(Department.name)
    ).all()
    return render(
        "requests/index.html",
        "results",
        page=page,
        filters=filters,
        products=products,
        departments=departments,
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
        new_request = Request(
            product_id=form.product_id.data,
            title=form.title.data,
            description=form.description.data,
            department_id=form.department_id.data,
            requester=current_user,
        )
        db.session.add(new_request)
        db.session.flush()
        record(
            db.session,
            current_user,
            "request_created",
            subject=new_request.title,
            product=db.session.get(Product, new_request.product_id),
            request=new_request,
        )
        # Asking for something counts as wanting it.
        cast_vote(db.session, new_request, current_user)
        db.session.commit()
        flash("Request submitted. Colleagues can now vote for it.", "success")
        return redirect(url_for("requests.show", request_id=new_request.id))
    return render("requests/new.html", form=form, status=422 if form.is_submitted() else 200)


def load_request(request_id: int) -> Request:
    found = db.session.execute(request_detail(request_id)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def detail_context(found: Request, triage_form: TriageForm | None = None) -> dict:
    votes, voted = vote_state(db.session, found.id, current_user.id)
    context = {
        "item": found,
        "votes": votes,
        "voted": voted,
        "duplicates": db.session.execute(duplicates_of(found.id)).scalars().all(),
        "thread": load_thread(db.session, "request", found.id, CommentForm(formdata=None)),
        "triage_form": None,
        "allowed_statuses": [],
    }
    if current_user.can("triage_requests"):
        context["allowed_statuses"] = allowed_statuses(found)
        context["triage_form"] = triage_form or TriageForm(
            formdata=None, candidates=duplicate_candidates_list(found)
        )
    return context


@bp.get("/requests/<int:request_id>")
@requires("browse")
def show(request_id: int):
    found = load_request(request_id)
    return render("requests/show.html", **detail_context(found))


@bp.post("/requests/<int:request_id>/vote")
@requires("vote")
def vote(request_id: int):
    found = db.session.get(Request, request_id) or abort(404)
    form = VoteForm()
    if not form.validate() or form.state.data not in ("on", "off"):
        abort(400, "Say whether to add or remove the vote.")
    status = 200
    message = None
    if form.state.data == "on":
        try:
            cast_vote(db.session, found, current_user)
        except VotingClosed as closed:
            message, status = str(closed), 409
    else:
        withdraw_vote(db.session, found, current_user)
    db.session.commit()
    if not is_partial():
        if message:
            flash(message, "error")
        return redirect(
            request.referrer
            if _is_local(request.referrer)
            else url_for("requests.show", request_id=found.id)
        )
    votes, voted = vote_state(db.session, found.id, current_user.id)
    return render(
        "requests/_vote.html",
        item=found,
        votes=votes,
        voted=voted,
        vote_message=message,
        status=status,
    )


def _is_local(url: str | None) -> bool:
    from portfolio.auth.sessions import local_path

    return bool(url) and local_path(url) is not None


@bp.post("/requests/<int:request_id>/status")
@requires("triage_requests")
def triage(request_id: int):
    found = load_request(request_id)
    form = TriageForm(candidates=duplicate_candidates_list(found))
    if form.validate():
        target = None
        if form.duplicate_of.data:
            target = db.session.get(Request, form.duplicate_of.data)
        try:
            change_status(
                db.session,
                found,
                RequestStatus(form.status.data),
                current_user,
                reason=form.reason.data,
                duplicate_of=target,
            )
            db.session.commit()
            flash(f"Request is now {found.status.label.lower()}.", "success")
            return redirect(url_for("requests.show", request_id=found.id))
        except TriageError as refused:
            db.session.rollback()
            found = load_request(request_id)
            form[refused.field].errors = [*form[refused.field].errors, str(refused)]
    return render("requests/show.html", status=422, **detail_context(found, triage_form=form))
