"""Business capabilities: the map everyone browses (`capabilities.map`), the
tree admins edit (`capabilities.admin`, `.edit`, `.move`, `.delete`) and the
product page's form that maps a product to them (`capabilities.map_product`)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.architecture import capabilities as tree_rules
from portfolio.architecture.capabilities import (
    MAX_CAPABILITIES,
    CapabilityRefused,
    ConfirmationNeeded,
    load_tree,
)
from portfolio.architecture.capability_forms import (
    CapabilityForm,
    DeleteCapabilityForm,
    MoveCapabilityForm,
    ProductCapabilitiesForm,
)
from portfolio.architecture.capability_map import capability_map, lens_from, lenses_for
from portfolio.architecture.capability_section import capability_section
from portfolio.auth.permissions import requires
from portfolio.catalogue.queries import product_by_slug, product_page
from portfolio.catalogue.sections import page_context
from portfolio.extensions import db
from portfolio.htmx import inline_form_answer, render
from portfolio.models import Capability, product_capability

bp = Blueprint("capabilities", __name__)


# The map ---------------------------------------------------------------------------


@bp.get("/architecture/capabilities", endpoint="map")
@requires("browse")
def show_map():
    may_see_costs = current_user.can("view_costs")
    lens = lens_from(request.args.get("lens"), may_see_costs)
    found = capability_map(
        db.session,
        lens,
        today=date.today(),
        fte_yearly_rate=current_app.config["FTE_YEARLY_RATE"],
    )
    return render(
        "architecture/capabilities.html",
        "grid",
        found=found,
        lenses=lenses_for(may_see_costs),
    )


# The tree (admins) ------------------------------------------------------------------


def _mapped_counts() -> dict[int, int]:
    rows = db.session.execute(
        sa.select(product_capability.c.capability_id, sa.func.count()).group_by(
            product_capability.c.capability_id
        )
    ).all()
    return dict(rows)


def _admin_page(form: CapabilityForm | None = None, tree=None) -> dict:
    tree = tree or load_tree(db.session, MAX_CAPABILITIES)
    return {
        "tree": tree,
        "rows": tree.in_order(),
        "counts": _mapped_counts(),
        "form": form or CapabilityForm(formdata=None, tree=tree),
        "max_capabilities": MAX_CAPABILITIES,
        "max_depth": tree_rules.MAX_DEPTH,
    }


def _refused(form, refused: CapabilityRefused) -> None:
    getattr(form, refused.field, form.name).errors.append(str(refused))


@bp.route("/admin/capabilities", methods=["GET", "POST"])
@requires("edit_capability_map")
def admin():
    tree = load_tree(db.session, MAX_CAPABILITIES)
    form = CapabilityForm(tree=tree)
    if form.validate_on_submit():
        parent_id = form.parent_choice()
        try:
            capability = tree_rules.create_capability(
                db.session,
                current_user,
                name=form.name.data,
                description=form.description.data,
                parent=db.session.get(Capability, parent_id) if parent_id else None,
            )
        except CapabilityRefused as refused:
            _refused(form, refused)
        else:
            db.session.commit()
            flash(f"Capability “{capability.name}” added.", "success")
            return redirect(url_for("capabilities.admin", _anchor=f"capability-{capability.id}"))
    status = 422 if form.is_submitted() else 200
    return render("architecture/admin.html", status=status, **_admin_page(form, tree))


def _edit_page(capability: Capability, form=None, delete_form=None, problem=None, tree=None):
    tree = tree or load_tree(db.session, MAX_CAPABILITIES)
    return {
        "capability": capability,
        "path": tree.path(capability.id),
        "children": tree.children_of(capability.id),
        "products": tree_rules.mapped_product_names(db.session, capability.id),
        "form": form or CapabilityForm.of(capability, tree),
        "delete_form": delete_form or DeleteCapabilityForm(formdata=None),
        "delete_problem": problem,
    }


@bp.route("/admin/capabilities/<int:capability_id>", methods=["GET", "POST"])
@requires("edit_capability_map")
def edit(capability_id: int):
    capability = db.get_or_404(Capability, capability_id)
    tree = load_tree(db.session, MAX_CAPABILITIES)
    if request.method == "POST":
        form = CapabilityForm(tree=tree, moving=capability)
    else:
        form = CapabilityForm.of(capability, tree)
    if form.validate_on_submit():
        parent_id = form.parent_choice()
        try:
            changed = tree_rules.edit_capability(
                db.session,
                current_user,
                capability,
                name=form.name.data,
                description=form.description.data,
                parent=db.session.get(Capability, parent_id) if parent_id else None,
            )
        except CapabilityRefused as refused:
            _refused(form, refused)
        else:
            db.session.commit()
            flash(
                f"Capability “{capability.name}” saved." if changed else "Nothing changed.",
                "success",
            )
            return redirect(url_for("capabilities.admin", _anchor=f"capability-{capability.id}"))
    status = 422 if form.is_submitted() else 200
    return render(
        "architecture/capability_edit.html",
        status=status,
        **_edit_page(capability, form, tree=tree),
    )


@bp.post("/admin/capabilities/<int:capability_id>/move")
@requires("edit_capability_map")
def move(capability_id: int):
    capability = db.get_or_404(Capability, capability_id)
    form = MoveCapabilityForm()
    if not form.validate():
        flash("Move a capability up or down.", "error")
        return render("architecture/admin.html", status=422, **_admin_page())
    if tree_rules.move_capability(db.session, current_user, capability, form.offset):
        db.session.commit()
    return redirect(url_for("capabilities.admin", _anchor=f"capability-{capability.id}"))


@bp.post("/admin/capabilities/<int:capability_id>/delete")
@requires("edit_capability_map")
def delete(capability_id: int):
    capability = db.get_or_404(Capability, capability_id)
    delete_form = DeleteCapabilityForm()
    if delete_form.validate():
        name = capability.name
        try:
            tree_rules.delete_capability(
                db.session, current_user, capability, confirmed=delete_form.confirm.data
            )
        except ConfirmationNeeded as refused:
            delete_form.confirm.errors.append(str(refused))
            problem = None
        except CapabilityRefused as refused:
            problem = str(refused)
        else:
            db.session.commit()
            flash(f"Capability “{name}” deleted.", "success")
            return redirect(url_for("capabilities.admin"))
    else:
        problem = "The form expired: try again."
    return render(
        "architecture/capability_edit.html",
        status=422,
        **_edit_page(capability, delete_form=delete_form, problem=problem),
    )


# A product's capabilities (the product team, on the product page) --------------------


@bp.post("/products/<slug>/capabilities")
@requires("edit_catalogue")
def map_product(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    tree = load_tree(db.session, MAX_CAPABILITIES)
    form = ProductCapabilitiesForm(tree=tree)
    saved = form.validate()
    if saved:
        try:
            tree_rules.map_capabilities(
                db.session, current_user, product, form.capabilities.data or []
            )
        except CapabilityRefused as refused:
            form.capabilities.errors.append(str(refused))
            saved = False
        else:
            db.session.commit()
            form = None
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="capabilities",
        fragment=lambda: capability_section(db.session, db.one_or_404(product_by_slug(slug)), form),
        page=lambda: _product_page_with(slug, form),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor="capabilities"),
        message="Capabilities saved.",
    )


def _product_page_with(slug: str, form: ProductCapabilitiesForm | None) -> dict:
    product = db.one_or_404(product_page(slug))
    return {**page_context(product), **capability_section(db.session, product, form)}
