"""Every HTML page (GET) of the app, for every role, on the demo data.

`PAGES` lists what each role opens; `SKIPPED` lists, with the reason, every
GET route that is not a page (an API, a file, a fragment, a redirect).
`test_every_get_route_is_listed` fails when a route is in neither, so a new
page cannot dodge the checks of tests/browser/test_every_page.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.auth import break_glass
from portfolio.comments.threads import post_comment
from portfolio.demo import DEMO_ACCOUNTS
from portfolio.models import (
    Capability,
    Channel,
    Column,
    Comment,
    Department,
    EmailDelivery,
    Interface,
    OutboxMessage,
    Product,
    Reading,
    Request,
    RoadmapItem,
    Stage,
    SuccessMeasure,
    User,
    Webhook,
    WebhookPreset,
)
from portfolio.notifications.preferences import unsubscribe_token

SIGNED_IN = ("admin", "pm", "leader", "stakeholder")
PRODUCT_TEAM = ("admin", "pm")
DASHBOARD = ("admin", "pm", "leader")
ADMIN = ("admin",)
ANONYMOUS = "anonymous"
ROLES = (*SIGNED_IN, ANONYMOUS)

# The demo account each role signs in with.
EMAILS = {account.role.value: account.email for account in DEMO_ACCOUNTS}


@dataclass(frozen=True)
class Page:
    """One page: its name in reports and screenshot files, the endpoint it
    covers, its path (placeholders filled from `demo_ids`) and who opens it."""

    name: str
    endpoint: str
    path: str
    roles: tuple[str, ...]
    status: int = 200

    def url(self, ids: dict[str, object], role: str) -> str:
        return self.path.format(**ids, own_comment=ids.get(f"comment:{role}"))


PAGES = [
    # Signed out
    Page("login", "auth.login", "/login", (ANONYMOUS,)),
    Page("unsubscribe", "auth.unsubscribe", "/unsubscribe/{unsubscribe}", (ANONYMOUS,)),
    Page("break-glass", "auth.break_glass_login", "/login/break-glass/{break_glass}", (ANONYMOUS,)),
    Page("error-404", "-", "/no-such-page", ROLES, status=404),
    # Catalogue
    Page("catalogue", "catalogue.index", "/products", SIGNED_IN),
    Page("product", "catalogue.show", "/products/{slug}", SIGNED_IN),
    Page("product-retired", "catalogue.show", "/products/{retired}", SIGNED_IN),
    Page("product-missing", "catalogue.show", "/products/no-such-product", SIGNED_IN, 404),
    # The integration map (#18)
    Page("integration-map", "integrations.portfolio", "/architecture/integrations", SIGNED_IN),
    Page(
        "product-integrations", "integrations.product", "/products/{slug}/integrations", SIGNED_IN
    ),
    Page("product-new", "catalogue.create", "/products/new", PRODUCT_TEAM),
    Page("product-edit", "catalogue.edit", "/products/{slug}/edit", PRODUCT_TEAM),
    Page("product-value", "catalogue.edit_value", "/products/{slug}/value", PRODUCT_TEAM),
    Page(
        "product-contract", "catalogue.edit_contract", "/products/{bought}/contract", PRODUCT_TEAM
    ),
    Page("product-retire", "catalogue.retire", "/products/{slug}/retire", PRODUCT_TEAM),
    Page("product-delete", "catalogue.delete", "/products/{slug}/delete", ADMIN),
    # Dependencies and interfaces (#18)
    Page(
        "product-impact", "catalogue.dependencies.impact", "/products/{slug}/impact", PRODUCT_TEAM
    ),
    Page(
        "interface-edit",
        "catalogue.dependencies.edit_flow",
        "/products/{slug}/interfaces/{interface}/edit",
        PRODUCT_TEAM,
    ),
    Page(
        "measure-history",
        "catalogue.measures.history",
        "/products/{slug}/measures/{measure}/history",
        SIGNED_IN,
    ),
    Page("measure-new", "catalogue.measures.create", "/products/{slug}/measures/new", PRODUCT_TEAM),
    Page(
        "measure-edit",
        "catalogue.measures.edit",
        "/products/{slug}/measures/{measure}/edit",
        PRODUCT_TEAM,
    ),
    Page(
        "reading-edit",
        "catalogue.measures.edit_reading",
        "/products/{slug}/measures/{measure}/readings/{reading}/edit",
        PRODUCT_TEAM,
    ),
    Page("import", "catalogue.imports.upload", "/import", PRODUCT_TEAM),
    Page("import-refused", "catalogue.imports.upload", "/import", ("leader",), status=403),
    Page("departments", "catalogue.departments.index", "/departments", SIGNED_IN),
    Page("department", "catalogue.departments.show", "/departments/{department}", SIGNED_IN),
    Page("department-new", "catalogue.departments.create", "/departments/new", PRODUCT_TEAM),
    Page(
        "department-edit",
        "catalogue.departments.edit",
        "/departments/{department}/edit",
        PRODUCT_TEAM,
    ),
    # Requests and comments
    Page("requests", "requests.index", "/requests", SIGNED_IN),
    Page("request-new", "requests.create", "/requests/new", SIGNED_IN),
    Page("request", "requests.show", "/requests/{request}", SIGNED_IN),
    Page("comment-edit", "comments.edit", "/comments/{own_comment}/edit", SIGNED_IN),
    # Board
    Page("board", "board.index", "/board", SIGNED_IN),
    Page("board-lanes", "board.index", "/board?view=lanes", SIGNED_IN),
    Page("board-column", "board.column_cards", "/board/columns/next", SIGNED_IN),
    Page("card", "board.show", "/board/items/{item}", SIGNED_IN),
    Page("card-shipped", "board.show", "/board/items/{shipped}", SIGNED_IN),
    Page("card-new", "board.create", "/board/items/new", PRODUCT_TEAM),
    Page("card-edit", "board.edit", "/board/items/{item}/edit", PRODUCT_TEAM),
    Page("card-ship", "board.ship_item", "/board/items/{item}/ship", PRODUCT_TEAM),
    Page("card-reopen", "board.reopen_item", "/board/items/{shipped}/reopen", PRODUCT_TEAM),
    # Everyone's other pages
    Page("changelog", "changelog.index", "/changelog", SIGNED_IN),
    Page("activity", "activity.index", "/activity", SIGNED_IN),
    Page("search", "search.index", "/search?q=report", SIGNED_IN),
    Page("search-empty", "search.index", "/search", SIGNED_IN),
    Page("dashboard", "dashboard.index", "/dashboard", DASHBOARD),
    Page("dashboard-refused", "dashboard.index", "/dashboard", ("stakeholder",), status=403),
    Page("dashboard-shipped", "dashboard.see_all", "/dashboard/shipped", DASHBOARD),
    Page(
        "dashboard-demand",
        "dashboard.see_all",
        "/dashboard/demand-departments",
        DASHBOARD,
    ),
    Page("costs", "costs.index", "/architecture/costs", DASHBOARD),
    Page("costs-refused", "costs.index", "/architecture/costs", ("stakeholder",), status=403),
    Page("product-built", "catalogue.show", "/products/{built}", SIGNED_IN),
    Page("reviews", "reviews.index", "/reviews", SIGNED_IN),
    Page("reviews-all", "reviews.index", "/reviews?scope=all", DASHBOARD),
    # #18: fit and lifecycle dates
    Page("timeline", "timeline.index", "/architecture/timeline", SIGNED_IN),
    Page("notifications", "notifications.index", "/notifications", SIGNED_IN),
    Page("account", "auth.account", "/account", SIGNED_IN),
    # Administration
    Page("admin-users", "admin.users", "/admin/users", ADMIN),
    Page("admin-webhooks", "admin.webhooks", "/admin/webhooks", ADMIN),
    Page("admin-webhook", "admin.webhook", "/admin/webhooks/{webhook}", ADMIN),
    Page("admin-deliveries", "admin.deliveries", "/admin/deliveries", ADMIN),
    Page("admin-delivery", "admin.delivery", "/admin/deliveries/{delivery}", ADMIN),
    # Business capabilities (#18)
    Page("capability-map", "capabilities.map", "/architecture/capabilities", SIGNED_IN),
    Page(
        "capability-map-time", "capabilities.map", "/architecture/capabilities?lens=time", SIGNED_IN
    ),
    Page(
        "capability-map-measures",
        "capabilities.map",
        "/architecture/capabilities?lens=measures",
        SIGNED_IN,
    ),
    Page(
        "capability-map-cost", "capabilities.map", "/architecture/capabilities?lens=cost", DASHBOARD
    ),
    Page("admin-capabilities", "capabilities.admin", "/admin/capabilities", ADMIN),
    Page("admin-capability", "capabilities.edit", "/admin/capabilities/{capability}", ADMIN),
]

# GET routes that are not pages a person reads, and why.
SKIPPED = {
    "static": "files (CSS, JavaScript, images)",
    "core.healthz": "JSON for the load balancer",
    "core.metrics": "Prometheus metrics for a scraper (404 to everyone else)",
    "core.home": "redirects to the catalogue or the dashboard",
    "auth.oidc_login": "redirects to the identity provider (tests/test_oidc.py)",
    "auth.oidc_callback": "redirects after signing in with the provider (tests/test_oidc.py)",
    "comments.show": "redirects to what was commented on; htmx gets one comment",
    "notifications.show": "redirects to what the notification is about",
    "notifications.bell": "a fragment: the header's bell, polled by htmx",
    "notifications.suggest": "a fragment: @mention suggestions",
    "catalogue.options": "a fragment: product <option>s for a select",
    "catalogue.departments.options": "a fragment: department <option>s for a select",
    "requests.duplicate_options": "a fragment: duplicate candidates for triage",
    "catalogue.index_csv": "CSV",
    "catalogue.catalog_info_yaml": "YAML (a Backstage entity)",
    "catalogue.index_xlsx": "XLSX",
    "catalogue.imports.export_xlsx": "XLSX",
    "catalogue.imports.export_zip": "ZIP of CSV files",
    "dashboard.table_csv": "CSV",
    "dashboard.table_xlsx": "XLSX",
    "costs.table_csv": "CSV",
    "costs.table_xlsx": "XLSX",
    "changelog.feed": "Atom",
    "calendars.feed": "iCalendar",
    "api.board": "JSON API",
    "api.measures": "JSON API",
    "api.openapi": "JSON API",
    "api.products": "JSON API",
    "api.product": "JSON API",
    "api.requests_": "JSON API",
    "api.departments": "JSON API",
    "api.product_nps": "JSON API",
    "api.changelog": "JSON API",
    "api.activity": "JSON API",
    "api.product_dependencies": "JSON API",
}


def pages_for(role: str) -> list[Page]:
    return [page for page in PAGES if role in page.roles]


def seed_extras(session: Session) -> None:
    """What the demo lacks that some pages need to show something: a comment
    by each demo account (to edit), a notification for each (a mention), one
    webhook and one delivery."""
    colleague = session.scalars(sa.select(User).where(User.email.startswith("marco."))).one()
    request = first_request(session)
    for account in DEMO_ACCOUNTS:
        author = session.scalars(sa.select(User).where(User.email == account.email)).one()
        post_comment(session, "request", request, author, f"A note from {author.display_name}.")
    handles = " ".join("@" + account.email.split("@")[0] for account in DEMO_ACCOUNTS)
    post_comment(session, "request", request, colleague, f"{handles}: please have a look.")
    session.add(
        Webhook(
            name="Team chat",
            url="https://hooks.demo.example/portfolio",
            preset=WebhookPreset.STANDARD,
            secret="demo-secret",
        )
    )
    session.add(
        OutboxMessage(
            channel=Channel.EMAIL,
            idempotency_key="browser-pages-delivery",
            recipient="staff@demo.example",
            subject="Priya Patel mentioned you",
            body_text="Please have a look.",
        )
    )
    session.flush()


def first_request(session: Session) -> Request:
    return session.scalars(sa.select(Request).order_by(Request.id)).first()


def demo_ids(session: Session) -> dict[str, object]:
    """The placeholders of `PAGES`, from the demo data and `seed_extras`."""

    def first(statement):
        return session.scalars(statement.limit(1)).one()

    product = first(sa.select(Product).where(Product.slug == "sales-crm"))
    measure = first(
        sa.select(SuccessMeasure)
        .where(SuccessMeasure.product_id == product.id)
        .order_by(SuccessMeasure.id)
    )
    staff = first(sa.select(User).where(User.email == EMAILS["stakeholder"]))
    ids: dict[str, object] = {
        "slug": product.slug,
        "retired": first(sa.select(Product.slug).where(Product.stage == Stage.RETIRED)),
        "bought": first(sa.select(Product.slug).where(Product.vendor.is_not(None))),
        "built": first(sa.select(Product.slug).where(Product.slug == "close-assistant")),
        "measure": measure.id,
        "reading": first(
            sa.select(Reading.id).where(Reading.measure_id == measure.id).order_by(Reading.id)
        ),
        "department": first(sa.select(Department.id).order_by(Department.name)),
        "request": first_request(session).id,
        "item": first(
            sa.select(RoadmapItem.id)
            .where(RoadmapItem.column == Column.NOW)
            .order_by(RoadmapItem.rank)
        ),
        "shipped": first(
            sa.select(RoadmapItem.id)
            .where(RoadmapItem.column == Column.SHIPPED)
            .order_by(RoadmapItem.id)
        ),
        "interface": first(
            sa.select(Interface.id)
            .where(Interface.consumer_id == product.id)
            .order_by(Interface.id)
        ),
        "webhook": first(sa.select(Webhook.id)),
        "capability": first(sa.select(Capability.id).where(Capability.name == "Month-end close")),
        "delivery": first(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)),
        "unsubscribe": unsubscribe_token(staff, period=EmailDelivery.WEEKLY),
        "break_glass": break_glass.issue_token(
            first(sa.select(User).where(User.email == EMAILS["admin"]))
        ),
    }
    for role, email in EMAILS.items():
        ids[f"comment:{role}"] = first(
            sa.select(Comment.id).join(Comment.author).where(User.email == email)
        )
    return ids
