"""Forms of the capability tree (admins) and of a product's capabilities (PMs)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from portfolio.admin.forms import MultiCheckboxField
from portfolio.architecture.capabilities import (
    DESCRIPTION_LENGTH,
    NAME_LENGTH,
    CapabilityTree,
)
from portfolio.forms import TextField, strip
from portfolio.models import Capability

TOP_LEVEL = 0  # the parent select's value for "no parent"
INDENT = "\u2003"  # an em space per level in the parent select


def parent_options(tree: CapabilityTree, moving: Capability | None = None) -> list:
    return [(TOP_LEVEL, "— Top level —")] + [
        (node.id, INDENT * (depth - 1) + node.name) for node, depth in tree.parent_choices(moving)
    ]


class CapabilityForm(FlaskForm):
    name = TextField("Name", validators=[DataRequired(), Length(max=NAME_LENGTH)])
    parent_id = SelectField(
        "Under",
        coerce=int,
        default=TOP_LEVEL,
        description="Where it sits in the map: a top-level capability, or under another one.",
    )
    description = TextAreaField(
        "Description",
        filters=[strip],
        validators=[Length(max=DESCRIPTION_LENGTH)],
        description="Optional: what the business does here, in a sentence.",
    )

    def __init__(self, *args, tree: CapabilityTree, moving: Capability | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = parent_options(tree, moving)

    @classmethod
    def of(cls, capability: Capability, tree: CapabilityTree) -> CapabilityForm:
        form = cls(formdata=None, obj=capability, tree=tree, moving=capability)
        form.parent_id.data = capability.parent_id or TOP_LEVEL
        return form

    def parent_choice(self) -> int | None:
        return self.parent_id.data or None


class DeleteCapabilityForm(FlaskForm):
    confirm = BooleanField("Unmap these products and delete the capability")


class MoveCapabilityForm(FlaskForm):
    direction = SelectField(
        "Move", choices=[("up", "Up"), ("down", "Down")], validators=[DataRequired()]
    )

    @property
    def offset(self) -> int:
        return -1 if self.direction.data == "up" else 1


class ProductCapabilitiesForm(FlaskForm):
    capabilities = MultiCheckboxField("Capabilities it serves", coerce=int, choices=[])

    def __init__(self, *args, tree: CapabilityTree, **kwargs):
        super().__init__(*args, **kwargs)
        self.capabilities.choices = [(node.id, tree.path(node.id)) for node, _ in tree.in_order()]
