"""Comments, satisfaction answers and the activity trail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.markdown import stored_markup
from portfolio.models.base import LabelledEnum, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portfolio.models.accounts import User
    from portfolio.models.catalogue import Product
    from portfolio.models.requests import Request
    from portfolio.models.roadmap import RoadmapItem


class Comment(db.Model):
    """A Markdown comment on exactly one product, request or roadmap item."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    # Rendered once when saved (portfolio.stored_markdown), never per view.
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    markdown_version: Mapped[int | None]
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_request.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roadmap_item.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()
    product: Mapped[Product | None] = relationship()
    request: Mapped[Request | None] = relationship()
    item: Mapped[RoadmapItem | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN item_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_target",
        ),
    )

    # The words before an edit made in this transaction (set by edit_comment),
    # so the event's subscribers tell only the people an edit newly mentions.
    earlier_body = None

    def __repr__(self) -> str:
        return f"<Comment #{self.id}>"

    @property
    def body_markup(self) -> Markup:
        return stored_markup(self.body_html, self.body)


class SatisfactionResponse(db.Model):
    """One user's 0–10 rating of a product for one quarter (e.g. '2026-Q4')."""

    __tablename__ = "satisfaction_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    quarter: Mapped[str] = mapped_column(sa.String(7))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.String(1000))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    product: Mapped[Product] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "product_id", "quarter"),
        sa.CheckConstraint("score >= 0 AND score <= 10", name="score_0_to_10"),
    )

    def __repr__(self) -> str:
        return f"<SatisfactionResponse {self.quarter} {self.score}>"


class Verb(LabelledEnum):
    """Every event the trail records; the label is how the trail phrases it
    ("{actor} {label} {subject}"). Stored as its value (at most 40 characters)."""

    # catalogue
    PRODUCT_CREATED = "product_created", "added the product"
    PRODUCT_EDITED = "product_edited", "edited the product"
    PRODUCT_STAGE_CHANGED = "product_stage_changed", "changed the stage of"
    PRODUCT_RETIRED = "product_retired", "retired"
    PRODUCT_DELETED = "product_deleted", "deleted the product"
    VALUE_PROPOSITION_SAVED = "value_proposition_saved", "edited the value proposition of"
    CONTRACT_SAVED = "contract_saved", "updated the contract of"
    USAGE_ADDED = "usage_added", "added a department using"
    USAGE_REMOVED = "usage_removed", "removed a department using"
    STAKEHOLDER_ADDED = "stakeholder_added", "added a stakeholder to the map of"
    STAKEHOLDER_REMOVED = "stakeholder_removed", "removed a stakeholder from the map of"
    MEASURE_CREATED = "measure_created", "added the success measure"
    MEASURE_EDITED = "measure_edited", "edited the success measure"
    READING_RECORDED = "reading_recorded", "recorded a reading for"
    READING_CORRECTED = "reading_corrected", "corrected a reading of"
    READING_DELETED = "reading_deleted", "deleted a reading of"
    MEASURE_SLIPPED = "measure_slipped", "saw slip"  # a reading turned it at risk / off track
    RENEWAL_DUE = "renewal_due", "noted the coming renewal of"  # recorded by the system
    DEPARTMENT_CREATED = "department_created", "added the department"
    DEPARTMENT_EDITED = "department_edited", "edited the department"
    CATALOGUE_IMPORTED = "catalogue_imported", "imported the catalogue"
    # architecture, cost and risk (#18)
    DEPENDENCY_ADDED = "dependency_added", "added a dependency of"
    DEPENDENCY_REMOVED = "dependency_removed", "removed a dependency of"
    INTERFACE_ADDED = "interface_added", "added an interface of"
    INTERFACE_EDITED = "interface_edited", "edited an interface of"
    INTERFACE_REMOVED = "interface_removed", "removed an interface of"
    CAPABILITY_CREATED = "capability_created", "added the capability"
    CAPABILITY_EDITED = "capability_edited", "edited the capability"
    CAPABILITY_DELETED = "capability_deleted", "deleted the capability"
    CAPABILITIES_MAPPED = "capabilities_mapped", "changed the capabilities of"
    FIT_ASSESSED = "fit_assessed", "assessed the fit of"
    LIFECYCLE_DATES_SAVED = "lifecycle_dates_saved", "updated the lifecycle dates of"
    RUN_COST_SAVED = "run_cost_saved", "updated the run cost of"
    PRODUCT_REVIEWED = "product_reviewed", "confirmed as accurate"
    # requests
    REQUEST_CREATED = "request_created", "raised the request"
    REQUEST_STATUS_CHANGED = "request_status_changed", "changed the status of"
    REQUEST_MERGED = "request_merged", "merged a duplicate into"
    REQUEST_PROMOTED = "request_promoted", "promoted to the roadmap"
    # comments
    COMMENT_POSTED = "comment_posted", "commented on"
    COMMENT_EDITED = "comment_edited", "edited a comment on"
    COMMENT_REMOVED = "comment_removed", "removed a comment on"
    # board
    ITEM_CREATED = "item_created", "added the roadmap item"
    ITEM_EDITED = "item_edited", "edited the roadmap item"
    CARD_MOVED = "card_moved", "moved"
    ITEM_SHIPPED = "item_shipped", "shipped"
    ITEM_REOPENED = "item_reopened", "reopened"
    COLUMN_ORDERED = "column_ordered", "ordered"
    WIP_LIMITS_CHANGED = "wip_limits_changed", "changed the WIP limits of"
    # people
    USER_CREATED = "user_created", "added the account of"
    ROLE_CHANGED = "role_changed", "changed the role of"
    USER_DEACTIVATED = "user_deactivated", "deactivated the account of"
    USER_REACTIVATED = "user_reactivated", "reactivated the account of"
    TOKEN_CREATED = "token_created", "created the API token"
    TOKEN_REVOKED = "token_revoked", "revoked the API token"
    BREAK_GLASS_SIGN_IN = "break_glass_sign_in", "signed in with a break-glass link as"
    # outbound webhooks (administration)
    WEBHOOK_CREATED = "webhook_created", "registered the webhook"
    WEBHOOK_EDITED = "webhook_edited", "edited the webhook"
    WEBHOOK_DELETED = "webhook_deleted", "deleted the webhook"


class Activity(db.Model):
    """Who changed what, when: the "what changed" trail."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    verb: Mapped[Verb] = mapped_column(enum_column(Verb, length=40))
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_request.id", ondelete="SET NULL"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roadmap_item.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[str | None] = mapped_column(sa.String(300))
    after: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
    product: Mapped[Product | None] = relationship()
    request: Mapped[Request | None] = relationship()
    item: Mapped[RoadmapItem | None] = relationship()

    # The comment a comment event is about, handed by `record(comment=…)` to the
    # in-transaction subscribers (mentions, a comment's opening in a
    # notification). Not a column: the trail keeps no comment's words.
    comment = None

    def __repr__(self) -> str:
        return f"<Activity {self.verb} {self.subject!r}>"
