from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from joserfc.errors import JoseError

from portfolio import metrics
from portfolio.auth import appearance, break_glass, oidc, oidc_client, throttle, tokens
from portfolio.auth.feed_tokens import create_or_rotate_feed_token
from portfolio.auth.forms import (
    AppearanceForm,
    ChangePasswordForm,
    LoginForm,
    NotificationPreferencesForm,
    TokenForm,
)
from portfolio.auth.oidc_client import ProviderMismatch
from portfolio.auth.passwords import spend_password_check_time
from portfolio.auth.permissions import public, requires
from portfolio.auth.sessions import local_path
from portfolio.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from portfolio.errors import error_page
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
    local_login = current_app.config["LOCAL_LOGIN"]
    if request.method == "POST" and not local_login:
        abort(403, PASSWORDS_OFF.format(provider=current_app.config["OIDC_NAME"]))
    if form.validate_on_submit():
        email, address = normalise_email(form.email.data), request.remote_addr or "unknown"
        refused = throttle.refusal(email, address)
        if refused is not None:
            metrics.count_login_failure("throttled")
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
        metrics.count_login_failure(login_failure_reason(user, password_ok))
        form.form_errors.append("Wrong email or password.")
        status = 422
    elif form.is_submitted():
        status = 422
    demo_accounts = DEMO_ACCOUNTS if current_app.config["DEMO"] else []
    return render(
        "auth/login.html",
        form=form,
        local_login=local_login,
        provider_name=current_app.config["OIDC_NAME"] if oidc_client.provider() else None,
        demo_accounts=demo_accounts,
        demo_password=DEMO_PASSWORD,
        status=status,
    )


def login_failure_reason(user: User | None, password_ok: bool) -> str:
    """For the operators' metrics only: the person is told just "wrong email
    or password" whatever the reason."""
    if user is None:
        return "unknown_account"
    return "wrong_password" if not password_ok else "inactive_account"


PASSWORDS_OFF = (
    "Signing in with a password is turned off here. Use “Sign in with {provider}”"
    " on the sign-in page."
)


# Sign-in with the identity provider (OpenID Connect) -----------------------


@bp.get("/login/oidc")
@public
def oidc_login():
    client = oidc_client.provider()
    if client is None:
        abort(404)
    # Where to go afterwards; state, nonce and the PKCE verifier are kept by Authlib.
    session["oidc_next"] = local_path(request.args.get("next")) or ""
    try:
        oidc_client.check_discovery(client)
        return client.authorize_redirect(external_url("auth.oidc_callback"))
    except (requests.RequestException, ValueError, RuntimeError, ProviderMismatch) as problem:
        # Unreachable, not JSON, no authorization endpoint, or another issuer.
        return provider_unavailable(problem)


@bp.get("/login/oidc/callback")
@public
def oidc_callback():
    client = oidc_client.provider()
    if client is None:
        abort(404)
    try:
        oidc_client.check_discovery(client)
        token = client.authorize_access_token(claims_options=oidc_client.claims_options())
    except (requests.RequestException, RuntimeError, ProviderMismatch) as problem:
        return provider_unavailable(problem)
    except (AuthlibBaseError, JoseError, ValueError) as problem:
        # A wrong or replayed state, a spent code, a bad or foreign ID token…
        current_app.logger.warning("refused OIDC sign-in: %r", problem)
        metrics.count_login_failure("identity_provider_refused")
        abort(400, SIGN_IN_FAILED.format(provider=current_app.config["OIDC_NAME"]))
    claims = token.get("userinfo")
    if not claims:
        current_app.logger.warning("refused OIDC sign-in: the token answer has no ID token")
        metrics.count_login_failure("identity_provider_refused")
        abort(400, SIGN_IN_FAILED.format(provider=current_app.config["OIDC_NAME"]))
    try:
        identity = oidc.identity_from_claims(
            claims, oidc.ClaimSettings.from_config(current_app.config)
        )
        user = oidc.sign_in(db.session, identity)
    except oidc.SignInRefused as refused:
        db.session.rollback()
        metrics.count_login_failure("identity_provider_refused")
        abort(403, str(refused))
    db.session.commit()
    login_user(user)
    return redirect(local_path(session.pop("oidc_next", None)) or url_for("core.home"))


SIGN_IN_FAILED = (
    "Signing in with {provider} did not complete (the answer was not the one this"
    " browser asked for, or it was used already). Start again from the sign-in page."
)


def provider_unavailable(problem: Exception):
    current_app.logger.warning("identity provider unavailable: %r", problem)
    provider = current_app.config["OIDC_NAME"]
    return error_page(
        502,
        f"Signing in with {provider} is not possible right now: the identity provider"
        " did not answer as expected. Try again in a minute; if it lasts, tell IT.",
    )


# Break-glass sign-in (a link printed by `flask break-glass-login`) ------------


@bp.route("/login/break-glass/<token>", methods=["GET", "POST"])
@public
def break_glass_login(token: str):
    user = break_glass.account_for(db.session, token, lock=request.method == "POST")
    if user is None:
        abort(403, BREAK_GLASS_REFUSED)
    if request.method == "GET":
        return render("auth/break_glass.html", user=user, token=token)
    break_glass.spend(db.session, user)
    db.session.commit()
    current_app.logger.warning(
        "break-glass sign-in as %s from %s", user.email, request.remote_addr or "unknown"
    )
    login_user(user)
    flash("Signed in with a break-glass link. It cannot be used again.", "info")
    return redirect(url_for("core.home"))


BREAK_GLASS_REFUSED = (
    "This sign-in link does not work: it has expired (after 15 minutes), it was used"
    " already, or it was copied incompletely. Ask for a new one with"
    " `flask break-glass-login`."
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
        token_scopes=tokens.scopes_for(current_user),
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
    try:
        _, secret = tokens.create_token(
            db.session, current_user, form.name.data, form.days.data, form.scopes()
        )
    except tokens.TokenRefused as refusal:
        form.write_readings.errors = [*form.write_readings.errors, str(refusal)]
        return account_page(token_form=form, status=422)
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
    if request.method == "POST" and not current_app.config["LOCAL_LOGIN"]:
        abort(403, PASSWORDS_OFF.format(provider=current_app.config["OIDC_NAME"]))
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
