"""All models, importable from one place (`from portfolio.models import User`)."""

from portfolio.models.accounts import CAPABILITIES, ROLE_LABELS, Role, User, role_can
from portfolio.models.catalogue import Department

__all__ = ["CAPABILITIES", "ROLE_LABELS", "Department", "Role", "User", "role_can"]
