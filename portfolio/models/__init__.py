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

__all__ = [
    "CAPABILITIES", "ROLE_LABELS", "Category", "Contract", "Department", "Direction", "Product",
    "Reading", "Role", "Sourcing", "Stage", "SuccessMeasure", "Tag", "Unit", "Usage",
    "UsageLevel", "User", "ValueProposition", "product_tag", "role_can",
]
