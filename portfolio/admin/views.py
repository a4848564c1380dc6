from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.admin import accounts
from portfolio.admin.accounts import UserChangeRefused
from portfolio.admin.forms import NewUserForm, RoleForm, WebhookForm
from portfolio.auth.permissions import requires
from portfolio.auth.sessions import local_path
from portfolio.extensions import db
from portfolio.filters import like_pattern, parse_page, search_text
from portfolio.htmx import inline_form_answer, render
from portfolio.models import (
    Channel,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
    Webhook,
    WebhookPreset,
)
from portfolio.notifications import webhooks as hooks
from portfolio.notifications.outbox import DeliveryFilters, mail_headers, resend, status_counts
from portfolio.notifications.webhooks import WebhookRefused
from portfolio.notifications.worker import MAX_ATTEMPTS
from portfolio.queries import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")


USERS_PER_PAGE = 50


def users_page(form: NewUserForm | None = None, row_errors: dict[int, str] | None = None) -> dict:
    """The users page: one page of accounts (a search narrows them), and the
    new-user form."""
    q = search_text(request.args)
    query = db.select(User).options(db.joinedload(User.department))
    if q:
        pattern = like_pattern(q)
        query = query.where(
            sa.or_(
                User.display_name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
            )
        )
    page = paginate(
        db.session,
        query.order_by(User.display_name, User.id),
        page=parse_page(request.args.get("page")),
        per_page=USERS_PER_PAGE,
    )
    return {
        "users": [user for (user,) in page.rows],
        "page": page,
        "q": q,
        "form": form or NewUserForm(formdata=None),
        "roles": list(Role),
        "row_errors": row_errors or {},
    }


@bp.route("/users", methods=["GET", "POST"])
@requires("manage_users")
def users():
    form = NewUserForm()
    if form.validate_on_submit():
        user = accounts.create_user(
            db.session,
            email=form.email.data,
            display_name=form.display_name.data,
            role=Role(form.role.data),
            password=form.new_password.data,
            department_id=form.department_id.data,
            actor=current_user,
        )
        db.session.commit()
        flash(f"Account created for {user.display_name}.", "success")
        return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render("admin/users.html", status=status, **users_page(form))


@bp.post("/users/<int:user_id>/role")
@requires("manage_users")
def set_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate():
        return _user_row_answer(user, "Choose one of the listed roles.")
    try:
        accounts.change_role(db.session, user, Role(form.role.data), current_user)
    except UserChangeRefused as refused:
        return _user_row_answer(user, str(refused))
    db.session.commit()
    return _user_row_answer(user)


@bp.post("/users/<int:user_id>/deactivate")
@requires("manage_users")
def deactivate(user_id: int):
    return _set_active(db.get_or_404(User, user_id), active=False)


@bp.post("/users/<int:user_id>/reactivate")
@requires("manage_users")
def reactivate(user_id: int):
    return _set_active(db.get_or_404(User, user_id), active=True)


def _set_active(user: User, active: bool):
    try:
        accounts.set_active(db.session, user, active, current_user)
    except UserChangeRefused as refused:
        return _user_row_answer(user, str(refused))
    db.session.commit()
    return _user_row_answer(user)


def _user_row_answer(user: User, error: str | None = None):
    """htmx swaps the row in place; without JavaScript, back to the list (or
    the list again with the row's error, 422)."""
    row_errors = {user.id: error} if error else {}
    return inline_form_answer(
        error is None,
        template="admin/users.html",
        block="user_row",
        fragment=lambda: {"user": user, "roles": list(Role), "row_errors": row_errors},
        page=lambda: users_page(row_errors=row_errors),
        redirect_to=url_for("admin.users"),
        message=f"{user.display_name} updated.",
    )


# Webhooks ---------------------------------------------------------------------------


def _webhooks() -> list[Webhook]:
    return list(db.session.execute(db.select(Webhook).order_by(Webhook.name, Webhook.id)).scalars())


@bp.route("/webhooks", methods=["GET", "POST"])
@requires("manage_users")
def webhooks():
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            webhook = hooks.create_webhook(
                db.session,
                current_user,
                name=form.name.data,
                url=form.url.data,
                preset=WebhookPreset(form.preset.data),
                verbs=form.verbs(),
            )
        except WebhookRefused as refused:
            form.url.errors.append(str(refused))
        else:
            db.session.commit()
            flash(
                f"Webhook “{webhook.name}” registered. Give its signing secret to the receiver.",
                "success",
            )
            return redirect(url_for("admin.webhook", webhook_id=webhook.id))
    status = 422 if form.is_submitted() else 200
    return render(
        "admin/webhooks.html",
        status=status,
        webhooks=_webhooks(),
        form=form,
        counts=_pending_by_webhook(),
    )


def _pending_by_webhook() -> dict[int, dict[OutboxStatus, int]]:
    rows = db.session.execute(
        db.select(OutboxMessage.webhook_id, OutboxMessage.status, db.func.count())
        .where(OutboxMessage.webhook_id.is_not(None))
        .group_by(OutboxMessage.webhook_id, OutboxMessage.status)
    ).all()
    counts: dict[int, dict[OutboxStatus, int]] = {}
    for webhook_id, status, count in rows:
        counts.setdefault(webhook_id, dict.fromkeys(OutboxStatus, 0))[status] = count
    return counts


@bp.route("/webhooks/<int:webhook_id>", methods=["GET", "POST"])
@requires("manage_users")
def webhook(webhook_id: int):
    webhook = db.get_or_404(Webhook, webhook_id)
    form = WebhookForm() if request.method == "POST" else WebhookForm.of(webhook)
    if form.validate_on_submit():
        try:
            hooks.update_webhook(
                db.session,
                current_user,
                webhook,
                name=form.name.data,
                url=form.url.data,
                preset=WebhookPreset(form.preset.data),
                verbs=form.verbs(),
                active=form.active.data,
            )
        except WebhookRefused as refused:
            form.url.errors.append(str(refused))
        else:
            db.session.commit()
            flash(f"Webhook “{webhook.name}” saved.", "success")
            return redirect(url_for("admin.webhook", webhook_id=webhook.id))
    status = 422 if form.is_submitted() else 200
    return render("admin/webhook.html", status=status, webhook=webhook, form=form)


@bp.post("/webhooks/<int:webhook_id>/delete")
@requires("manage_users")
def delete_webhook(webhook_id: int):
    webhook = db.get_or_404(Webhook, webhook_id)
    hooks.delete_webhook(db.session, current_user, webhook)
    db.session.commit()
    flash(f"Webhook “{webhook.name}” deleted, with its delivery log.", "success")
    return redirect(url_for("admin.webhooks"))


# The delivery log -----------------------------------------------------------------------


@bp.get("/deliveries")
@requires("manage_users")
def deliveries():
    filters = DeliveryFilters.from_args(request.args)
    found = paginate(
        db.session, filters.query(), page=filters.page, per_page=DeliveryFilters.PER_PAGE
    )
    return render(
        "admin/deliveries.html",
        "log",
        filters=filters,
        found=found,
        counts=status_counts(db.session),
        webhooks=_webhooks(),
        channels=list(Channel),
        statuses=list(OutboxStatus),
        mail_configured=bool(current_app.config.get("MAIL_SERVER")),
        max_attempts=MAX_ATTEMPTS,
    )


@bp.get("/deliveries/<int:message_id>")
@requires("manage_users")
def delivery(message_id: int):
    message = db.one_or_404(
        db.select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .options(
            db.joinedload(OutboxMessage.webhook),
            db.joinedload(OutboxMessage.user),
            db.selectinload(OutboxMessage.deliveries),
        )
    )
    return render("admin/delivery.html", message=message, headers=mail_headers(message))


@bp.post("/deliveries/<int:message_id>/resend")
@requires("manage_users")
def resend_delivery(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    resend(db.session, message)
    db.session.commit()
    flash("Queued again: the worker sends it on its next round.", "success")
    return redirect(local_path(request.form.get("next")) or url_for("admin.deliveries"))
