"""Who may use which route: one table, checked for every role and anonymous.

Every issue that adds a route adds its row here. `allowed` lists the roles
that must not get 403; every other signed-in role must get 403, and an
anonymous visitor must be sent to the login page.
"""

from __future__ import annotations

import re
from datetime import date

import itsdangerous.timed
import pytest
from itsdangerous import URLSafeTimedSerializer

from portfolio.auth.permissions import requires
from portfolio.extensions import db
from portfolio.models import (
    Capability,
    Channel,
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    OutboxMessage,
    ProductDependency,
    Role,
    Sourcing,
    Stakeholder,
    StakeholderRole,
    User,
    Webhook,
    WebhookPreset,
    role_can,
)
from tests.helpers import count_rows, parse_html

EVERYONE = ("admin", "pm", "leader", "stakeholder")
PRODUCT_TEAM = ("admin", "pm")
DASHBOARD = ("admin", "pm", "leader")
COSTS = ("admin", "pm", "leader")  # view_costs
ADMIN = ("admin",)

# (method, url, allowed roles). Placeholders in braces are filled by `route_ids`.
ROLE_MATRIX = [
    ("GET", "/", EVERYONE),
    ("GET", "/account", EVERYONE),
    ("POST", "/account", EVERYONE),
    # Catalogue
    ("GET", "/products", EVERYONE),
    ("GET", "/products/options", EVERYONE),
    ("GET", "/products.csv", EVERYONE),
    ("GET", "/products.xlsx", EVERYONE),
    # The whole catalogue in and out (it holds contract costs: the cost roles)
    ("GET", "/import", PRODUCT_TEAM),
    ("POST", "/import", PRODUCT_TEAM),
    ("POST", "/import/confirm", PRODUCT_TEAM),
    ("GET", "/export/catalogue.xlsx", COSTS),
    ("GET", "/export/catalogue.zip", COSTS),
    ("GET", "/products/new", PRODUCT_TEAM),
    ("POST", "/products/new", PRODUCT_TEAM),
    ("GET", "/products/{slug}", EVERYONE),
    ("GET", "/products/{slug}/catalog-info.yaml", EVERYONE),
    # The integration map (#18): whoever may browse the catalogue
    ("GET", "/architecture/integrations", EVERYONE),
    ("GET", "/products/{slug}/integrations", EVERYONE),
    ("GET", "/products/{slug}/edit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/edit", PRODUCT_TEAM),
    ("GET", "/products/{slug}/value", PRODUCT_TEAM),
    ("POST", "/products/{slug}/value", PRODUCT_TEAM),
    ("GET", "/products/{slug}/contract", PRODUCT_TEAM),
    ("POST", "/products/{slug}/contract", PRODUCT_TEAM),
    ("GET", "/products/{slug}/retire", PRODUCT_TEAM),
    ("POST", "/products/{slug}/retire", PRODUCT_TEAM),
    ("GET", "/products/{slug}/delete", ADMIN),
    ("POST", "/products/{slug}/delete", ADMIN),
    ("POST", "/products/{slug}/usage", PRODUCT_TEAM),
    ("POST", "/products/{slug}/usage/{usage}/delete", PRODUCT_TEAM),
    ("GET", "/products/{slug}/measures/new", PRODUCT_TEAM),
    ("POST", "/products/{slug}/measures/new", PRODUCT_TEAM),
    ("GET", "/products/{slug}/measures/{measure}/edit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/measures/{measure}/edit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/measures/{measure}/readings", PRODUCT_TEAM),
    ("GET", "/products/{slug}/measures/{measure}/readings/{reading}/edit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/measures/{measure}/readings/{reading}/edit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/measures/{measure}/readings/{reading}/delete", PRODUCT_TEAM),
    ("GET", "/products/{slug}/measures/{measure}/history", EVERYONE),
    ("GET", "/departments", EVERYONE),
    ("GET", "/departments/options", EVERYONE),
    ("GET", "/departments/new", PRODUCT_TEAM),
    ("POST", "/departments/new", PRODUCT_TEAM),
    ("GET", "/departments/{department}", EVERYONE),
    ("GET", "/departments/{department}/edit", PRODUCT_TEAM),
    ("POST", "/departments/{department}/edit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/survey", EVERYONE),
    ("POST", "/products/{slug}/stakeholders", PRODUCT_TEAM),
    ("POST", "/products/{slug}/stakeholders/{stakeholder}/delete", PRODUCT_TEAM),
    # Reviews (#18): the owner may confirm too (tests/test_reviews.py); the
    # matrix's product has no owner, so only the product team may here.
    ("POST", "/products/{slug}/review", PRODUCT_TEAM),
    ("POST", "/products/{slug}/review/cadence", PRODUCT_TEAM),
    ("GET", "/reviews", EVERYONE),
    ("GET", "/reviews?scope=all", EVERYONE),
    # Dependencies and interfaces, and what retiring affects (#18)
    ("POST", "/products/{slug}/dependencies", PRODUCT_TEAM),
    ("POST", "/products/{slug}/dependencies/{dependency}/delete", PRODUCT_TEAM),
    ("POST", "/products/{slug}/interfaces", PRODUCT_TEAM),
    ("GET", "/products/{slug}/interfaces/{interface}/edit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/interfaces/{interface}/edit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/interfaces/{interface}/delete", PRODUCT_TEAM),
    ("GET", "/products/{slug}/impact", PRODUCT_TEAM),
    # Requests, comments, activity
    ("GET", "/requests", EVERYONE),
    ("GET", "/requests/new", EVERYONE),
    ("POST", "/requests/new", EVERYONE),
    ("GET", "/requests/{request}", EVERYONE),
    ("POST", "/requests/{request}/vote", EVERYONE),
    ("POST", "/requests/{request}/status", PRODUCT_TEAM),
    ("GET", "/requests/{request}/duplicate-options", PRODUCT_TEAM),
    ("POST", "/comments/product/{product_id}", EVERYONE),
    ("POST", "/comments/request/{request}", EVERYONE),
    ("GET", "/comments/{comment}", EVERYONE),
    ("GET", "/activity", EVERYONE),
    ("GET", "/changelog", EVERYONE),
    # Search everything (#15): the page, and the header box's suggestions
    ("GET", "/search", EVERYONE),
    ("GET", "/search?q=product", EVERYONE),
    ("GET", "/search?q=product&box=1", EVERYONE),
    # Board
    ("GET", "/board", EVERYONE),
    ("GET", "/board/columns/now", EVERYONE),
    ("POST", "/board/move", PRODUCT_TEAM),
    ("POST", "/board/items/{item}/move", PRODUCT_TEAM),
    ("GET", "/board/items/{item}", EVERYONE),
    ("GET", "/board/items/new", PRODUCT_TEAM),
    ("POST", "/board/items/new", PRODUCT_TEAM),
    ("GET", "/board/items/{item}/edit", PRODUCT_TEAM),
    ("POST", "/board/items/{item}/edit", PRODUCT_TEAM),
    ("GET", "/board/items/{item}/ship", PRODUCT_TEAM),
    ("POST", "/board/items/{item}/ship", PRODUCT_TEAM),
    ("GET", "/board/items/{item}/reopen", PRODUCT_TEAM),
    ("POST", "/board/items/{item}/reopen", PRODUCT_TEAM),
    ("POST", "/board/columns/now/order-by-score", PRODUCT_TEAM),
    ("POST", "/board/limits", PRODUCT_TEAM),
    ("POST", "/requests/{request}/promote", PRODUCT_TEAM),
    ("POST", "/comments/item/{item}", EVERYONE),
    # Other areas
    # #18: fit assessments, lifecycle dates, the portfolio timeline
    ("POST", "/products/{slug}/fit", PRODUCT_TEAM),
    ("POST", "/products/{slug}/lifecycle-dates", PRODUCT_TEAM),
    ("GET", "/architecture/timeline", EVERYONE),
    ("GET", "/dashboard", DASHBOARD),
    ("GET", "/dashboard/usage.csv", DASHBOARD),
    ("GET", "/dashboard/usage.xlsx", DASHBOARD),
    ("GET", "/dashboard/shipped", DASHBOARD),
    ("GET", "/dashboard/demand-departments", DASHBOARD),
    ("GET", "/dashboard/demand-products?page=2", DASHBOARD),
    ("POST", "/account/tokens", EVERYONE),
    ("POST", "/account/feed-token", EVERYONE),
    ("GET", "/admin/users", ADMIN),
    ("POST", "/admin/users", ADMIN),
    ("POST", "/admin/users/{user}/role", ADMIN),
    ("POST", "/admin/users/{user}/deactivate", ADMIN),
    ("POST", "/admin/users/{user}/reactivate", ADMIN),
    # Delivery: email choices, webhooks, the delivery log
    ("POST", "/account/notifications", EVERYONE),
    ("POST", "/account/appearance", EVERYONE),
    ("GET", "/admin/webhooks", ADMIN),
    ("POST", "/admin/webhooks", ADMIN),
    ("GET", "/admin/webhooks/{webhook}", ADMIN),
    ("POST", "/admin/webhooks/{webhook}", ADMIN),
    ("POST", "/admin/webhooks/{webhook}/delete", ADMIN),
    ("GET", "/admin/deliveries", ADMIN),
    ("GET", "/admin/deliveries/{delivery}", ADMIN),
    ("POST", "/admin/deliveries/{delivery}/resend", ADMIN),
    # Notifications, watches, mentions
    ("GET", "/notifications", EVERYONE),
    ("GET", "/notifications/bell", EVERYONE),
    ("POST", "/notifications/read", EVERYONE),
    ("POST", "/watch/product/{product_id}", EVERYONE),
    ("POST", "/watch/request/{request}", EVERYONE),
    ("POST", "/watch/item/{item}", EVERYONE),
    ("POST", "/unwatch/product/{product_id}", EVERYONE),
    ("POST", "/unwatch/request/{request}", EVERYONE),
    ("POST", "/unwatch/item/{item}", EVERYONE),
    ("GET", "/people/suggest?q=tar", EVERYONE),
    # Business capabilities (#18): the map, the tree (admins), a product's mapping
    ("GET", "/architecture/capabilities", EVERYONE),
    ("GET", "/architecture/capabilities?lens=cost", EVERYONE),
    ("GET", "/admin/capabilities", ADMIN),
    ("POST", "/admin/capabilities", ADMIN),
    ("GET", "/admin/capabilities/{capability}", ADMIN),
    ("POST", "/admin/capabilities/{capability}", ADMIN),
    ("POST", "/admin/capabilities/{capability}/move", ADMIN),
    ("POST", "/admin/capabilities/{capability}/delete", ADMIN),
    ("POST", "/products/{slug}/capabilities", PRODUCT_TEAM),
    # Total cost of ownership (#18): the showback and its downloads; a product's
    # run cost (the matrix product is bought: the team gets 409, not 403)
    ("GET", "/architecture/costs", COSTS),
    ("GET", "/architecture/costs/products.csv", COSTS),
    ("GET", "/architecture/costs/departments.xlsx", COSTS),
    ("POST", "/products/{slug}/run-cost", PRODUCT_TEAM),
]

ROLES = ("admin", "pm", "leader", "stakeholder", None)


@pytest.fixture
def route_ids(make):
    target = make.user("stakeholder", email="target@example.test")
    product = make.product(slug="matrix-crm", sourcing=Sourcing.BOUGHT, vendor="Acme")
    usage = make.usage(product)
    measure = make.measure(product, readings=[(date(2026, 1, 5), 80.0)])
    item = make.request(product)
    card = make.item(product)
    stakeholder = Stakeholder(
        product=product, name="Sponsor", role=StakeholderRole.SPONSOR, power=5, interest=5
    )
    db.session.add(stakeholder)
    other = make.product(slug="matrix-erp")
    dependency = ProductDependency(product=product, depends_on=other)
    interface = Interface(
        provider=other,
        consumer=product,
        data="Invoices",
        method=InterfaceMethod.API,
        frequency=InterfaceFrequency.DAILY,
    )
    db.session.add_all([dependency, interface])
    webhook = Webhook(
        name="Matrix", url="https://hooks.example.test/", preset=WebhookPreset.STANDARD, secret="s"
    )
    delivery = OutboxMessage(
        channel=Channel.EMAIL, idempotency_key="matrix", recipient="x@example.test"
    )
    db.session.add_all([webhook, delivery])
    capability = Capability(name="Order to cash")
    db.session.add(capability)
    db.session.commit()
    return {
        "capability": capability.id,
        "webhook": webhook.id,
        "delivery": delivery.id,
        "stakeholder": stakeholder.id,
        "dependency": dependency.id,
        "interface": interface.id,
        "item": card.id,
        "product_id": product.id,
        "request": item.id,
        "comment": make.comment(request=item).id,
        "user": target.id,
        "slug": product.slug,
        "usage": usage.id,
        "measure": measure.id,
        "reading": measure.readings[0].id,
        "department": usage.department_id,
    }


def _cases():
    for method, url, allowed in ROLE_MATRIX:
        for role in ROLES:
            yield pytest.param(
                method, url, allowed, role, id=f"{method} {url} as {role or 'anonymous'}"
            )


@pytest.mark.parametrize("method, url, allowed, role", list(_cases()))
def test_role_matrix(client_as, route_ids, method, url, allowed, role):
    client = client_as(role)
    response = client.open(url.format(**route_ids), method=method, data={})
    if role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif role in allowed:
        assert response.status_code not in (401, 403, 404, 405), response.status_code
        assert response.status_code < 500
    else:
        assert response.status_code == 403


# Author-only routes: the author may, everyone else gets 403 (PMs may also delete).
def test_comment_edit_and_delete_rights(client_as, users, make):
    item = make.request(make.product())
    for role in ("admin", "pm", "leader", "stakeholder"):
        comment = make.comment(request=item, author=users["stakeholder"])
        client = client_as(role)
        edit = client.post(f"/comments/{comment.id}/edit", data={"body": "changed"})
        assert edit.status_code == (302 if role == "stakeholder" else 403), role
        delete = client.post(f"/comments/{comment.id}/delete")
        assert delete.status_code == (403 if role == "leader" else 302), role
        db.session.expunge(comment)  # deleted behind this session's back; SQLite may reuse its id
    anonymous = client_as(None).post(f"/comments/{comment.id}/edit", data={"body": "x"})
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")


def test_every_route_is_in_the_matrix(app):
    """A new route without a row here fails, so nobody forgets its guard."""

    def rule_shape(url: str) -> str:
        url = re.sub(r"\{\w+\}", "<>", url)
        # Literal path segments the app takes as variables.
        url = re.sub(r"^/comments/(product|request|item)/", "/comments/<>/", url)
        url = re.sub(r"^/dashboard/[\w-]+\.(csv|xlsx)$", r"/dashboard/<>.\1", url)
        url = re.sub(r"^/architecture/costs/\w+\.(csv|xlsx)$", r"/architecture/costs/<>.\1", url)
        url = re.sub(r"^/dashboard/(shipped|demand-[a-z]+)(\?.*)?$", "/dashboard/<>", url)
        url = re.sub(r"^/(un)?watch/(product|request|item)/", r"/\1watch/<>/", url).split("?")[0]
        return re.sub(r"^/board/columns/\w+(/|$)", r"/board/columns/<>\1", url)

    listed = {(method, rule_shape(url)) for method, url, _ in ROLE_MATRIX}
    public = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/healthz")}
    # The JSON API authenticates by token (tests/test_api.py), not by session.
    public |= {
        ("GET", path)
        for path in (
            "/api/openapi.json",
            "/api/products",
            "/api/products/<>",
            "/api/measures",
            "/api/requests",
            "/api/board",
            "/api/departments",
            "/api/products/<>/nps",
            "/api/products/<>/dependencies",
            "/api/changelog",
            "/api/activity",
        )
    }
    # Prometheus scrapers: an allowed address or a token, never a role (tests/test_metrics.py).
    public |= {("GET", "/metrics")}
    # The API's one write: a token with the readings:write scope whose owner may
    # record readings (tests/test_api_write.py).
    public |= {("PUT", "/api/measures/<>/readings/<>")}
    # Feed readers have no session: a feed token or a session (tests/test_feed_token.py,
    # tests/test_calendar.py).
    public |= {("GET", "/changelog.atom"), ("GET", "/calendar.ics")}
    # A user's own token, checked in tests/test_api.py.
    public |= {("POST", "/account/tokens/<>/revoke")}
    # Sign-in with the identity provider: before anyone is signed in (tests/test_oidc.py).
    public |= {("GET", "/login/oidc"), ("GET", "/login/oidc/callback")}
    # Break-glass sign-in: a signed one-time link, no session (tests/test_break_glass.py).
    public |= {("GET", "/login/break-glass/<>"), ("POST", "/login/break-glass/<>")}
    # One-click unsubscribe: a signed link, no session (tests/test_delivery_email.py).
    public |= {("GET", "/unsubscribe/<>"), ("POST", "/unsubscribe/<>")}
    # Author-only routes, checked in test_comment_edit_and_delete_rights.
    public |= {
        ("GET", "/comments/<>/edit"),
        ("POST", "/comments/<>/edit"),
        ("POST", "/comments/<>/delete"),
    }
    # One's own notification (anyone else's is a 404), checked in
    # tests/test_notifications_page.py.
    public |= {("GET", "/notifications/<>")}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<[^>]+>", "<>", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, path) not in listed and (method, path) not in public:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_public_routes_answer_anonymous(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "capability, roles",
    [
        ("edit_catalogue", PRODUCT_TEAM),
        ("view_dashboard", DASHBOARD),
        ("manage_users", ADMIN),
        ("view_costs", COSTS),
        ("comment", EVERYONE),
        ("edit_capability_map", ADMIN),
    ],
)
def test_capabilities_follow_the_spec(capability, roles):
    assert {role.value for role in Role if role_can(role, capability)} == set(roles)


def test_unknown_capability_is_a_programming_error():
    with pytest.raises(KeyError):
        requires("fly")


def test_navigation_shows_only_what_the_role_may_use(client_as):
    expected = {
        "admin": ["Catalogue", "Requests", "Board", "Dashboard", "Admin"],
        "pm": ["Catalogue", "Requests", "Board", "Dashboard"],
        "leader": ["Catalogue", "Requests", "Board", "Dashboard"],
        "stakeholder": ["Catalogue", "Requests", "Board"],
    }
    for role, labels in expected.items():
        page = client_as(role).get("/account").text
        nav = parse_html(page).one('nav[aria-label="Main"]')
        links = [link.text for link in nav.select("a")]
        for label in ["Catalogue", "Requests", "Board", "Dashboard", "Admin"]:
            assert (label in links) == (label in labels), (role, label)


def test_csrf_missing_is_refused_and_writes_nothing(admin_client):
    before = count_rows(User)
    response = admin_client.post(
        "/admin/users",
        csrf=False,
        data={
            "email": "new@example.test",
            "display_name": "New",
            "role": "pm",
            "department_id": "",
            "new_password": "a fine passphrase",
        },
    )
    assert response.status_code == 400
    assert "security token" in response.text
    assert count_rows(User) == before


def test_csrf_wrong_token_is_refused(admin_client):
    response = admin_client.post("/admin/users", headers={"X-CSRFToken": "forged"}, data={})
    assert response.status_code == 400


def test_a_csrf_token_from_hours_ago_still_works(admin_client, monkeypatch, users):
    """A board left open all day must still save a drag: tokens have no time limit
    (they are bound to the session, which ends on the server at logout)."""
    admin_client.csrf_token()  # makes sure the session holds its raw CSRF secret
    with admin_client.session_transaction() as session:
        raw = session["csrf_token"]
    serializer = URLSafeTimedSerializer(admin_client.application.secret_key, salt="wtf-csrf-token")
    issued_at = itsdangerous.timed.time.time() - 12 * 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: issued_at)
    old_token = serializer.dumps(raw)  # signed twelve hours ago
    monkeypatch.undo()
    response = admin_client.post(
        f"/admin/users/{users['leader'].id}/role",
        data={"role": "pm"},
        headers={"X-CSRFToken": old_token},
    )
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == "/admin/users", response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(User, users["leader"].id).role.value == "pm"
