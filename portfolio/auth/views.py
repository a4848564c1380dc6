from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_user, logout_user

from portfolio.auth import appearance, throttle, tokens
from portfolio.auth.feed_tokens import create_or_rotate_feed_token
from portfolio.auth.forms import (
    AppearanceForm,
    ChangePasswordForm,
    LoginForm,
    NotificationPreferencesForm,
    TokenForm,
)
from portfolio.auth.passwords import spend_password_check_time
from portfolio.auth.permissions import public, requires
from portfolio.auth.sessions import local_path
from portfolio.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from portfolio.extensions import csrf, db
from portfolio.htmx import inline_form_answer, render, trigger
from portfolio.models import ApiToken, User
from portfolio.models.accounts import normalise_email
from portfolio.notifications import preferences
from portfolio.urls import external_url

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(local_path(request.args.get("next")) or url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        email, address = normalise_email(form.email.data), request.remote_addr or "unknown"
        refused = throttle.refusal(email, address)
        if refused is not None:
            abort(429, refused.message)
        user = db.session.execute(User.by_email(email)).scalar_one_or_none()
        # One password check whoever asks (unknown, inactive or active), so the
        # answer's timing says nothing about which accounts exist or are active.
        if user is None:
            spend_password_check_time(form.password.data)
            password_ok = False
        else:
            password_ok = user.check_password(form.password.data)
        if user is not None and user.active and password_ok:
            login_user(user, remember=form.remember.data)
            return redirect(local_path(form.next.data) or url_for("core.home"))
        throttle.record_failure(email, address)
        form.form_errors.append("Wrong email or password.")
        status = 422
    elif form.is_submitted():
        status = 422
    demo_accounts = DEMO_ACCOUNTS if current_app.config["DEMO"] else []
    return render(
        "auth/login.html",
        form=form,
        demo_accounts=demo_accounts,
        demo_password=DEMO_PASSWORD,
        status=status,
    )


@bp.post("/logout")
@public
def logout():
    if current_user.is_authenticated:
        # Rotating the token ends this session everywhere, cookie copies included.
        current_user.end_sessions()
        db.session.commit()
        logout_user()
        flash("You are signed out.", "info")
    answer = redirect(url_for("auth.login"))
    # Pages that answer 304 are kept by the browser (privately, revalidated on
    # every visit): signing out wipes them, so Back shows nobody's board.
    answer.headers["Clear-Site-Data"] = '"cache"'
    return answer


def my_tokens() -> list[ApiToken]:
    return (
        db.session.execute(
            db.select(ApiToken)
            .where(ApiToken.user_id == current_user.id)
            .order_by(ApiToken.created_at.desc())
        )
        .scalars()
        .all()
    )


def account_context(
    form=None,
    token_form=None,
    new_token: str | None = None,
    new_feed_url: str | None = None,
    new_calendar_url: str | None = None,
    notification_form=None,
    appearance_form=None,
) -> dict:
    """What /account shows: each form as given (with its errors), or fresh."""
    return dict(
        form=form or ChangePasswordForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None),
        tokens=my_tokens(),
        new_token=new_token,
        new_feed_url=new_feed_url,
        new_calendar_url=new_calendar_url,
        notification_form=notification_form
        or NotificationPreferencesForm.of(preferences.preferences_of(db.session, current_user)),
        appearance_form=appearance_form
        or AppearanceForm(formdata=None, theme=current_user.theme.value),
        appearance_saved=False,
    )


def account_page(status: int = 200, **forms):
    return render("auth/account.html", status=status, **account_context(**forms))


@bp.post("/account/tokens")
@requires("browse")
def create_token():
    form = TokenForm()
    if not form.validate():
        return account_page(token_form=form, status=422)
    _, secret = tokens.create_token(db.session, current_user, form.name.data, form.days.data)
    db.session.commit()
    # The only time the secret is ever shown: it is stored hashed.
    return account_page(new_token=secret, status=201)


@bp.post("/account/tokens/<int:token_id>/revoke")
@requires("browse")
def revoke_token(token_id: int):
    # Someone else's token is as unknown as a token that does not exist.
    token = db.one_or_404(
        db.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    )
    tokens.revoke_token(db.session, token, current_user)
    db.session.commit()
    flash(f"Token “{token.name}” revoked.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/feed-token")
@requires("browse")
def feed_token():
    secret = create_or_rotate_feed_token(db.session, current_user)
    db.session.commit()
    # The only time the links are ever shown: the token in them is stored hashed.
    return account_page(
        new_feed_url=external_url("changelog.feed", token=secret),
        new_calendar_url=external_url("calendars.feed", token=secret),
    )


@bp.route("/account", methods=["GET", "POST"])
@requires("browse")
def account():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("This is not your current password.")
            status = 422
        else:
            current_user.set_password(form.new_password.data)
            db.session.commit()
            # The other sessions just ended; keep this one with the new token.
            login_user(current_user._get_current_object())
            flash("Password changed. Your other sessions have been signed out.", "success")
            return redirect(url_for("auth.account"))
    elif form.is_submitted():
        status = 422
    return account_page(form=form, status=status)


@bp.post("/account/appearance")
@requires("browse")
def save_appearance():
    form = AppearanceForm()
    saved = form.validate()
    if saved:
        appearance.set_theme(current_user, form.theme.data)
        db.session.commit()
    response = inline_form_answer(
        saved,
        template="auth/account.html",
        block="appearance",
        fragment=lambda: {"appearance_form": form, "appearance_saved": saved},
        page=lambda: account_context(appearance_form=form),
        redirect_to=url_for("auth.account", _anchor="appearance"),
        message="Your appearance choice is saved.",
    )
    if saved:
        # htmx swaps only the form: app.js sets <html data-theme> from this event.
        trigger(response, "themeChanged", {"theme": current_user.theme.value})
    return response


@bp.post("/account/notifications")
@requires("browse")
def save_notifications():
    form = NotificationPreferencesForm()
    if not form.validate():
        return account_page(notification_form=form, status=422)
    preferences.save_preferences(db.session, current_user, form.choices())
    db.session.commit()
    flash("Your email choices are saved.", "success")
    return redirect(url_for("auth.account", _anchor="email-preferences"))


# One-click unsubscribe: the link in every mail works without signing in. Mail
# programs POST to it without a CSRF token (RFC 8058 List-Unsubscribe-Post);
# the signed token in the URL is what only the recipient has.
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    what = preferences.read_unsubscribe_token(token)
    user = db.session.get(User, what.user_id) if what is not None else None
    if what is None or user is None:
        abort(404, "This unsubscribe link is not valid (it may have been copied incompletely).")
    if request.method == "GET":
        return render("auth/unsubscribe.html", what=what, user=user, stopped=None)
    stopped = preferences.unsubscribe(db.session, user, what)
    db.session.commit()
    return render("auth/unsubscribe.html", what=what, user=user, stopped=stopped)
