"""All models, importable from one place (`from portfolio.models import User`)."""

from portfolio.models.accounts import CAPABILITIES, ROLE_LABELS, Role, User, role_can
from portfolio.models.catalogue import (
    Category,
    Contract,
    Department,
    Direction,
    Product,
    Reading,
    Sourcing,
    Stage,
    SuccessMeasure,
    Tag,
    Unit,
    Usage,
    UsageLevel,
    ValueProposition,
    product_tag,
)
from portfolio.models.integration import ApiToken, Stakeholder, StakeholderRole, hash_token
from portfolio.models.requests import OPEN_STATUSES, Request, RequestStatus, Vote
from portfolio.models.roadmap import (
    CONFIDENCE_CHOICES,
    IMPACT_CHOICES,
    Column,
    ColumnLimit,
    RoadmapItem,
    rice_score,
    roadmap_item_request,
)
from portfolio.models.social import Activity, Comment, SatisfactionResponse

__all__ = [
    "OPEN_STATUSES", "Request", "RequestStatus", "Vote", "Activity", "Comment",
    "SatisfactionResponse", "CONFIDENCE_CHOICES", "IMPACT_CHOICES", "Column", "ColumnLimit",
    "RoadmapItem", "rice_score", "roadmap_item_request", "ApiToken", "Stakeholder",
    "StakeholderRole", "hash_token",
    "CAPABILITIES", "ROLE_LABELS", "Category", "Contract", "Department", "Direction", "Product",
    "Reading", "Role", "Sourcing", "Stage", "SuccessMeasure", "Tag", "Unit", "Usage",
    "UsageLevel", "User", "ValueProposition", "product_tag", "role_can",
]
