"""The product page's "Business capabilities" section (block `capabilities`):
the capabilities the product serves and, for the product team, the form that
changes them. Two queries, whatever the size of the tree."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy.orm import Session

from portfolio.architecture.capabilities import MAX_CAPABILITIES, capabilities_of, load_tree
from portfolio.architecture.capability_forms import ProductCapabilitiesForm
from portfolio.models import Product


def capability_section(
    session: Session, product: Product, form: ProductCapabilitiesForm | None = None
) -> dict:
    tree = load_tree(session, MAX_CAPABILITIES)
    mapped = capabilities_of(session, product.id)
    editor = current_user.can("edit_catalogue")
    if editor and form is None:
        form = ProductCapabilitiesForm(formdata=None, tree=tree)
        form.capabilities.data = [capability.id for capability in mapped]
    groups = []
    for root in tree.roots:
        groups.append((root, [(node, depth) for node, depth in _branch(tree, root.id, 2)]))
    return {
        "product": product,
        "capability_paths": [(capability, tree.path(capability.id)) for capability in mapped],
        "capability_form": form if editor else None,
        "capability_groups": groups,
        "can_map_capabilities": editor,
    }


def _branch(tree, parent_id: int, depth: int):
    for node in tree.children_of(parent_id):
        yield node, depth
        yield from _branch(tree, node.id, depth + 1)
